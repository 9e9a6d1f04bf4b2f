#!/usr/bin/env bash
# The cost of the minimum-elements profiles (docs/profiles.md, "Cost"): sbomctl validate on the
# generated 50 MB SBOMs under aws and under each profile, runs interleaved so that a loaded
# machine slows every profile alike. Prints the median CPU time (user + system) and wall time of
# RUNS runs, the peak RSS, and each profile's CPU time relative to aws: on a shared machine the
# CPU time is the steadier measure of the work done.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SIZE=${SIZE:-50MB}
TOOLS=${SBOMCAT_TOOLS:-$PWD/.tools}
BIN=$TOOLS/bin
DATA=$TOOLS/bench
read -r -a PROFILES <<< "${PROFILES:-aws ntia bsi ntia,bsi strict strict,ntia,bsi}"
mkdir -p "$BIN" "$DATA"
go build -o "$BIN/sbomctl" ./cmd/sbomctl
go build -o "$BIN/sbomgen" ./cmd/sbomgen
for f in cyclonedx spdx; do
  [ -s "$DATA/$f-$SIZE.json" ] || "$BIN/sbomgen" -format $f -size "$SIZE" -o "$DATA/$f-$SIZE.json"
done

printf '%-22s %-18s %8s %8s %10s %8s\n' file profile "CPU s" "wall s" "peak RSS" "vs aws"
for f in cyclonedx spdx; do
  file="$DATA/$f-$SIZE.json"
  declare -A times=() walls=() rss=()
  for _ in $(seq "$RUNS"); do
    for p in "${PROFILES[@]}"; do
      /usr/bin/time -f '%U %S %e %M' -o "$DATA/time.out" "$BIN/sbomctl" validate --profile "$p" "$file" >/dev/null 2>&1 || true
      read -r u s w m < <(tail -n 1 "$DATA/time.out") # "Command exited with non-zero status" comes first
      times[$p]="${times[$p]:-} $(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')"
      walls[$p]="${walls[$p]:-} $w"
      [ "$m" -gt "${rss[$p]:-0}" ] && rss[$p]=$m
    done
  done
  median() { printf '%s\n' $1 | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
  base=$(median "${times[aws]}")
  for p in "${PROFILES[@]}"; do
    m=$(median "${times[$p]}")
    w=$(median "${walls[$p]}")
    awk -v f="$(basename "$file")" -v p="$p" -v m="$m" -v w="$w" -v r="${rss[$p]}" -v b="$base" 'BEGIN {
      printf "%-22s %-18s %8.2f %8.2f %6.0f MiB %+7.1f%%\n", f, p, m, w, r/1024, (m/b-1)*100 }'
  done
  unset times walls rss
done
