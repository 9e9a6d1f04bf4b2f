#!/usr/bin/env bash
# The cost of the minimum-elements profiles (docs/profiles.md, "Cost"): sbomctl validate on the
# generated 50 MB SBOMs under aws and under each profile, runs interleaved so that a loaded
# machine slows every profile alike. Prints the median CPU time (user + system) and wall time of
# RUNS runs, the peak RSS, and each profile's CPU time relative to aws: on a shared machine the
# CPU time is the steadier measure of the work done.
set -euo pipefail
RUNS=${RUNS:-5}
read -r -a PROFILES <<< "${PROFILES:-aws ntia bsi ntia,bsi strict strict,ntia,bsi}"
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"

printf '%-22s %-18s %8s %8s %10s %8s\n' file profile "CPU s" "wall s" "peak RSS" "vs aws"
for f in cyclonedx spdx; do
  file=$(generated "$f" "$f")
  declare -A times=() walls=() rss=()
  for _ in $(seq "$RUNS"); do
    for p in "${PROFILES[@]}"; do
      read -r w c m < <(run "$BIN/sbomctl" validate --profile "$p" "$file")
      times[$p]="${times[$p]:-} $c"
      walls[$p]="${walls[$p]:-} $w"
      [ "$m" -gt "${rss[$p]:-0}" ] && rss[$p]=$m
    done
  done
  # shellcheck disable=SC2086 # the runs' times are words
  base=$(median ${times[aws]})
  for p in "${PROFILES[@]}"; do
    # shellcheck disable=SC2086
    m=$(median ${times[$p]})
    # shellcheck disable=SC2086
    w=$(median ${walls[$p]})
    awk -v f="$(basename "$file")" -v p="$p" -v m="$m" -v w="$w" -v r="${rss[$p]}" -v b="$base" 'BEGIN {
      printf "%-22s %-18s %8.2f %8.2f %6.0f MiB %+7.1f%%\n", f, p, m, w, r/1024, (m/b-1)*100 }'
  done
  unset times walls rss
done
