#!/usr/bin/env bash
# Whole-process comparison on generated 50 MB SBOMs, in one run on the same files:
#   sbom-utility validate (CycloneDX's Go validator, built from the module proxy)
#   sbomctl validate      (this project)
#   jsonvalid             (one encoding/json.Valid pass: the floor)
# Prints the median wall time of RUNS runs (sbomctl and jsonvalid alternating; sbom-utility
# once), the median CPU time
# (user + system, steadier than wall time on a shared machine) and the peak RSS, then the
# ratios. Besides sbomgen's default files it measures other shapes (SHAPES: pretty-printed,
# nested, wide); sbom-utility runs only on the default ones (it takes seconds each).
set -euo pipefail
RUNS=${RUNS:-3}
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"

go build -o "$BIN/jsonvalid" ./internal/jsonvalid
if [ ! -x "$BIN/sbom-utility" ]; then
  # `go install ...@v1.0.1` is refused by the proxy's version list; download and build instead.
  dir=$(GONOSUMDB=github.com/CycloneDX/sbom-utility GOFLAGS=-mod=mod go mod download -json github.com/CycloneDX/sbom-utility@v1.0.1 | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  (cd "$dir" && GOFLAGS=-mod=mod go build -o "$BIN/sbom-utility" .)
fi
# name:format:sbomgen flags
SHAPES=${SHAPES:-"cyclonedx:cyclonedx: spdx:spdx: cyclonedx-pretty:cyclonedx:-pretty cyclonedx-nested:cyclonedx:-nested cyclonedx-wide:cyclonedx:-wide spdx-pretty:spdx:-pretty spdx-wide:spdx:-wide"}
files=()
for spec in $SHAPES; do
  name=${spec%%:*} rest=${spec#*:}
  format=${rest%%:*} flags=${rest#*:}
  # shellcheck disable=SC2086 # flags are words
  files+=("$(generated "$name" "$format" $flags)")
done

# pair FILE: RUNS runs of sbomctl and jsonvalid, alternating so that both see the same load;
# prints the median wall and CPU times of each and sbomctl's peak RSS.
pair() {
  local cw=() cc=() jw=() jc=() rss=0 w c m
  for _ in $(seq "$RUNS"); do
    read -r w c m < <(run "$BIN/sbomctl" validate "$1")
    cw+=("$w") cc+=("$c")
    [ "$m" -gt "$rss" ] && rss=$m
    read -r w c _ < <(run "$BIN/jsonvalid" "$1")
    jw+=("$w") jc+=("$c")
  done
  echo "$(median "${cw[@]}") $(median "${cc[@]}") $rss $(median "${jw[@]}") $(median "${jc[@]}")"
}

printf '%-26s %7s %9s %9s %9s %9s %11s %9s %9s %9s %9s\n' file "MB" "ctl s" "jv s" "ctl cpu" "jv cpu" "sbom-util" "ctl RSS" "wall/jv" "cpu/jv" "RSS/file"
for file in "${files[@]}"; do
  size=$(stat -c %s "$file")
  "$BIN/sbomctl" validate "$file" >/dev/null || { echo "sbomctl rejects $file" >&2; exit 1; }
  read -r ctl ctl_cpu ctl_rss jv jv_cpu < <(pair "$file")
  su=-
  case $(basename "$file") in
    cyclonedx-"$SIZE".json|spdx-"$SIZE".json) read -r su _ _ < <(run "$BIN/sbom-utility" validate -i "$file") ;;
  esac
  awk -v f="$(basename "$file")" -v s="$size" -v c="$ctl" -v cc="$ctl_cpu" -v r="$ctl_rss" -v j="$jv" -v jc="$jv_cpu" -v u="$su" 'BEGIN {
    printf "%-26s %7.1f %9.2f %9.2f %9.2f %9.2f %11s %5.0f MiB %9.2f %9.2f %9.2f\n", f, s/1e6, c, j, cc, jc, u, r/1024, c/j, cc/jc, r*1024/s }'
done
