# shellcheck shell=bash
# What the bench scripts share; they source it after setting their defaults. It moves to the
# repository root, builds the sbomctl and sbomgen under test into $SBOMCAT_TOOLS/bin (the
# repository's .tools by default) and keeps generated SBOMs of SIZE (default 50MB) in
# $SBOMCAT_TOOLS/bench, where they are made once.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SIZE=${SIZE:-50MB}
TOOLS=${SBOMCAT_TOOLS:-$PWD/.tools}
BIN=$TOOLS/bin
DATA=$TOOLS/bench
mkdir -p "$BIN" "$DATA"
go build -o "$BIN/sbomctl" ./cmd/sbomctl
go build -o "$BIN/sbomgen" ./cmd/sbomgen

# generated NAME FORMAT [SBOMGEN FLAGS...]: prints the path of NAME-SIZE.json, an SBOM sbomgen
# makes in FORMAT with the flags (the first time only).
generated() {
  local file="$DATA/$1-$SIZE.json" format=$2
  shift 2
  [ -s "$file" ] || "$BIN/sbomgen" -format "$format" -size "$SIZE" "$@" -o "$file"
  echo "$file"
}

# run CMD...: prints "wall_seconds cpu_seconds peak_rss_kib" of one run; its exit status and
# output do not matter.
run() {
  local t u s m
  /usr/bin/time -f '%e %U %S %M' -o "$DATA/time.out" "$@" >/dev/null 2>&1 || true
  read -r t u s m < <(tail -n 1 "$DATA/time.out") # "Command exited with non-zero status" comes first
  echo "$t $(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') $m"
}

# median N...: the median of the numbers.
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
