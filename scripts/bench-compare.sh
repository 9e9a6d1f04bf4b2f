#!/usr/bin/env bash
# Whole-process comparison on generated 50 MB SBOMs, in one run on the same files:
#   sbom-utility validate (CycloneDX's Go validator, built from the module proxy)
#   sbomctl validate      (this project)
#   jsonvalid             (one encoding/json.Valid pass: the floor)
# Prints the median wall time of RUNS runs and the peak RSS, then the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SIZE=${SIZE:-50MB}
TOOLS=${SBOMCAT_TOOLS:-$PWD/.tools}
BIN=$TOOLS/bin
DATA=$TOOLS/bench
mkdir -p "$BIN" "$DATA"

go build -o "$BIN/sbomctl" ./cmd/sbomctl
go build -o "$BIN/sbomgen" ./cmd/sbomgen
go build -o "$BIN/jsonvalid" ./internal/jsonvalid
if [ ! -x "$BIN/sbom-utility" ]; then
  # `go install ...@v1.0.1` is refused by the proxy's version list; download and build instead.
  dir=$(GONOSUMDB=github.com/CycloneDX/sbom-utility GOFLAGS=-mod=mod go mod download -json github.com/CycloneDX/sbom-utility@v1.0.1 | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  (cd "$dir" && GOFLAGS=-mod=mod go build -o "$BIN/sbom-utility" .)
fi
for f in cyclonedx spdx; do
  [ -s "$DATA/$f-$SIZE.json" ] || "$BIN/sbomgen" -format $f -size "$SIZE" -o "$DATA/$f-$SIZE.json"
done

# measure CMD...: prints "median_seconds peak_rss_kib" over RUNS runs.
measure() {
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$DATA/time.out" "$@" >/dev/null 2>&1 || true
    read -r t m < "$DATA/time.out"
    times+=("$t")
    [ "$m" -gt "$rss" ] && rss=$m
  done
  printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" "$rss"
}

printf '%-28s %10s %10s %10s %12s %12s %14s %14s\n' file "size MB" "sbomctl s" "json.Valid" "sbom-util s" "sbomctl RSS" "ctl/json.Valid" "sbom-util/ctl"
for f in cyclonedx spdx; do
  file="$DATA/$f-$SIZE.json"
  size=$(stat -c %s "$file")
  "$BIN/sbomctl" validate "$file" >/dev/null || { echo "sbomctl rejects $file" >&2; exit 1; }
  read -r ctl ctl_rss < <(measure "$BIN/sbomctl" validate "$file")
  read -r jv _ < <(measure "$BIN/jsonvalid" "$file")
  read -r su _ < <(measure "$BIN/sbom-utility" validate -i "$file")
  awk -v f="$(basename "$file")" -v s="$size" -v c="$ctl" -v r="$ctl_rss" -v j="$jv" -v u="$su" 'BEGIN {
    printf "%-28s %10.1f %10.2f %10.2f %12.2f %9.0f MiB %14.2f %14.1f\n", f, s/1e6, c, j, u, r/1024, c/j, u/c }'
done
