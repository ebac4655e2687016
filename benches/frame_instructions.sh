#!/usr/bin/env bash
# How many instructions one frame of each benchmarked screen takes, counted by
# callgrind: the screen is drawn once and 101 times, and the difference over 100 is
# one frame, without the start-up. Unlike a timing, the count does not change with
# other load on the machine, so two builds can be compared on a busy one.
#
# Usage: benches/frame_instructions.sh
# Not part of the test suite. Needs valgrind; builds the frame_instructions example
# (the render benchmark's screens, from benches/scenes) in release.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v valgrind > /dev/null 2>&1; then
  echo "frame_instructions.sh: valgrind is needed (apt install valgrind)" >&2
  exit 1
fi
cargo build --quiet --release --example frame_instructions
example=target/release/examples/frame_instructions

# Instructions callgrind counted for FRAMES frames of SCREEN at WIDTH x HEIGHT.
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$example" "$@" 2>&1 >/dev/null \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-22s %10s %10s\n' "screen" "120x40" "80x24"
for screen in "curated step 2" "step 4 with results" "run log"; do
  row=()
  for size in "120 40" "80 24"; do
    read -r width height <<< "$size"
    one=$(count "$screen" "$width" "$height" 1)
    many=$(count "$screen" "$width" "$height" 101)
    row+=("$(awk -v a="$one" -v b="$many" 'BEGIN { printf "%.3f M", (b - a) / 100 / 1e6 }')")
  done
  printf '%-22s %10s %10s\n' "$screen" "${row[@]}"
done
