#!/usr/bin/env bash
# The cost of the minimum-elements profiles (docs/profiles.md, "Cost"): sbomctl validate on the
# generated 50 MB SBOMs under aws and under each profile, runs interleaved so that a loaded
# machine slows every profile alike. Prints the median CPU time (user + system, to the
# millisecond) and wall time of RUNS runs, the peak RSS, and each profile's CPU time relative to
# aws: on a shared machine the CPU time is the steadier measure of the work done.
#
# BASELINE=path/to/an/older/sbomctl runs that build too, interleaved with this one, and reports
# it on rows of its own (build "baseline"): a change's before and after, measured alike.
set -euo pipefail
RUNS=${RUNS:-5}
read -r -a PROFILES <<< "${PROFILES:-aws ntia bsi ntia,bsi strict strict,ntia,bsi}"
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"
declare -A builds=([this]="$BIN/sbomctl")
[ -n "${BASELINE:-}" ] && builds[baseline]=$BASELINE

# validate BUILD PROFILE FILE: one validation; prints "CPU-seconds wall-seconds peak-RSS-KiB".
# The shell's time keyword gives milliseconds (bench-lib's run, GNU time's %U and %S, only
# hundredths, too coarse for a 20% budget on a 0.3 s run).
validate() {
  local TIMEFORMAT='%3U %3S %3R' u s w m
  { time /usr/bin/time -f '%M' -o "$DATA/rss.out" "$1" validate --profile "$2" "$3" >/dev/null 2>&1 || true; } 2> "$DATA/time.out"
  read -r u s w < "$DATA/time.out"
  m=$(tail -n 1 "$DATA/rss.out") # "Command exited with non-zero status" comes first
  awk -v u="$u" -v s="$s" -v w="$w" -v m="$m" 'BEGIN { print u + s, w, m }'
}

printf '%-22s %-9s %-18s %8s %8s %10s %8s\n' file build profile "CPU s" "wall s" "peak RSS" "vs aws"
for f in cyclonedx spdx; do
  file=$(generated "$f" "$f")
  declare -A times=() walls=() rss=()
  for _ in $(seq "$RUNS"); do
    for p in "${PROFILES[@]}"; do
      for b in "${!builds[@]}"; do
        read -r c w m < <(validate "${builds[$b]}" "$p" "$file")
        times[$b/$p]="${times[$b/$p]:-} $c"
        walls[$b/$p]="${walls[$b/$p]:-} $w"
        [ "$m" -gt "${rss[$b/$p]:-0}" ] && rss[$b/$p]=$m
      done
    done
  done
  for b in $(printf '%s\n' "${!builds[@]}" | sort -r); do
    # shellcheck disable=SC2086 # the runs' times are words
    base=$(median ${times[$b/aws]})
    for p in "${PROFILES[@]}"; do
      # shellcheck disable=SC2086
      m=$(median ${times[$b/$p]})
      # shellcheck disable=SC2086
      w=$(median ${walls[$b/$p]})
      awk -v f="$(basename "$file")" -v b="$b" -v p="$p" -v m="$m" -v w="$w" -v r="${rss[$b/$p]}" -v base="$base" 'BEGIN {
        printf "%-22s %-9s %-18s %8.3f %8.2f %6.0f MiB %+7.1f%%\n", f, b, p, m, w, r/1024, (m/base-1)*100 }'
    done
  done
  unset times walls rss
done
