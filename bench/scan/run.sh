#!/usr/bin/env bash
# bench/scan/run.sh — `bulkhead scan` throughput on a generated tree of MCP configuration files (default 200 MB),
# with secretlint (@secretlint/secretlint-rule-preset-recommend, pinned in test/scan/peers) on the same tree in the
# same run as the baseline. Prints MB/s for both and the ratio (goal: >= 50x secretlint).
#
#   bash bench/scan/run.sh            # BUILD_DIR=build, SIZE_MB=200, TREE=/tmp/bulkhead-scan-tree
#
# Environment: BULKHEAD (binary, default $BUILD_DIR/bin/bulkhead), SIZE_MB, TREE, KEEP_TREE=1 (reuse an existing
# tree), SCAN_CPU (default 0: both tools are pinned to the same core with taskset, one at a time; bulkhead then
# scans with one worker), ALL_CORES=1 (also three unpinned bulkhead rounds: one worker per CPU; secretlint has no
# parallel mode, so the primary comparison stays the pinned one), FLOOR=1 (also, pinned: the cost of walking and
# reading the tree alone (bench/scan/read_floor.cc, compiled with c++), and bulkhead writing its report to
# /dev/null instead of a file).
# Needs: python3, node, scripts/install-deps.sh having run npm ci in test/scan/peers.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$root/build}
BULKHEAD=${BULKHEAD:-$BUILD_DIR/bin/bulkhead}
SIZE_MB=${SIZE_MB:-200}
TREE=${TREE:-/tmp/bulkhead-scan-tree}
SCAN_CPU=${SCAN_CPU:-0}
SECRETLINT=$root/test/scan/peers/node_modules/secretlint/bin/secretlint.js

[ -x "$BULKHEAD" ] || { echo "run.sh: missing $BULKHEAD (build the bulkhead target)" >&2; exit 2; }
[ -f "$SECRETLINT" ] || { echo "run.sh: missing secretlint (bash scripts/install-deps.sh)" >&2; exit 2; }
pin=()
command -v taskset >/dev/null 2>&1 && pin=(taskset -c "$SCAN_CPU")

if [ "${KEEP_TREE:-0}" != 1 ] || [ ! -d "$TREE" ]; then
  python3 "$root/bench/scan/make_tree.py" "$TREE" "$SIZE_MB"
fi
bytes=$(find "$TREE" -type f \( -name '*.json' -o -name '*.toml' \) -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$TREE" -type f \( -name '*.json' -o -name '*.toml' \) | wc -l)
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}')
echo "tree: $TREE, $files files, $mb MB; both tools on CPU $SCAN_CPU; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# measure CMD...: runs it, sets $rc, $wall (s) and $cpu (user+sys s of the command and its children).
TIMEFORMAT="%R %U %S"
measure() {
  local out
  rc=0
  { time "$@" 2>/tmp/bulkhead-scan-bench.stderr || rc=$?; } 2>/tmp/bulkhead-scan-bench.time
  out=$(tail -1 /tmp/bulkhead-scan-bench.time)
  wall=$(echo "$out" | awk '{print $1}')
  cpu=$(echo "$out" | awk '{print $2 + $3}')
}
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN {printf "%.2f", b / 1048576 / s}'; }

# Warm the page cache so both tools read from memory.
cat $(find "$TREE" -type f) > /dev/null

best=""
for round in 1 2 3; do
  measure "${pin[@]}" "$BULKHEAD" scan "$TREE" --format json --fail-on none -o /tmp/bulkhead-scan-bench.json
  [ "$rc" = 0 ] || { echo "bulkhead scan exited $rc" >&2; exit 1; }
  s=$wall
  c=$cpu
  echo "bulkhead scan   round $round: $(printf '%.2f' "$s") s wall, $(printf '%.2f' "$c") s CPU, $(mbps "$s") MB/s"
  if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$s; best_cpu=$c; fi
done
findings=$(grep -o '"rule_id"' /tmp/bulkhead-scan-bench.json | wc -l)

all_best=""
if [ "${ALL_CORES:-0}" = 1 ]; then
  for round in 1 2 3; do
    measure "$BULKHEAD" scan "$TREE" --format json --fail-on none -o /tmp/bulkhead-scan-bench.json
    [ "$rc" = 0 ] || { echo "bulkhead scan exited $rc" >&2; exit 1; }
    echo "bulkhead scan   all CPUs round $round: $(printf '%.2f' "$wall") s wall, $(printf '%.2f' "$cpu") s CPU, $(mbps "$wall") MB/s"
    if [ -z "$all_best" ] || awk -v a="$wall" -v b="$all_best" 'BEGIN {exit !(a < b)}'; then all_best=$wall; all_cpu=$cpu; fi
  done
fi

if [ "${FLOOR:-0}" = 1 ]; then
  c++ -O2 -std=c++17 -o /tmp/bulkhead-read-floor "$root/bench/scan/read_floor.cc"
  measure "${pin[@]}" /tmp/bulkhead-read-floor "$TREE"
  echo "floor: walk + read every file: $(printf '%.3f' "$wall") s wall, $(printf '%.3f' "$cpu") s CPU ($(mbps "$cpu") MB/s per CPU-second)"
  measure "${pin[@]}" "$BULKHEAD" scan "$TREE" --format json --fail-on none -o /dev/null
  echo "floor: bulkhead scan with the report to /dev/null: $(printf '%.2f' "$wall") s wall, $(printf '%.2f' "$cpu") s CPU"
fi

cd "$TREE"
measure "${pin[@]}" node "$SECRETLINT" \
  --secretlintrcJSON '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' \
  --no-gitignore --no-color --format json --output /tmp/secretlint-bench.json "**/*.json" "**/*.toml"
cd - >/dev/null
[ "$rc" = 0 ] || [ "$rc" = 1 ] || { echo "secretlint exited $rc" >&2; cat /tmp/bulkhead-scan-bench.stderr >&2; exit 1; }
sl=$wall
sl_cpu=$cpu
sl_findings=$(grep -o '"ruleId"' /tmp/secretlint-bench.json | wc -l)

echo
echo "secretlint: $(grep -o '"filePath"' /tmp/secretlint-bench.json | wc -l) files"
echo "| tool | wall (s) | MB/s (wall) | CPU (s) | MB/s per CPU-second | findings |"
echo "|---|---|---|---|---|---|"
echo "| bulkhead scan (best of 3) | $(printf '%.2f' "$best") | $(mbps "$best") | $(printf '%.2f' "$best_cpu") | $(mbps "$best_cpu") | $findings |"
[ -n "$all_best" ] && echo "| bulkhead scan, all $(nproc) CPUs (best of 3) | $(printf '%.2f' "$all_best") | $(mbps "$all_best") | $(printf '%.2f' "$all_cpu") | $(mbps "$all_cpu") | $findings |"
echo "| secretlint 13.0.6 + preset-recommend | $(printf '%.2f' "$sl") | $(mbps "$sl") | $(printf '%.2f' "$sl_cpu") | $(mbps "$sl_cpu") | $sl_findings |"
echo
awk -v a="$sl" -v b="$best" 'BEGIN {printf "bulkhead / secretlint throughput (wall): %.1fx (goal >= 50x)\n", a / b}'
awk -v a="$sl_cpu" -v b="$best_cpu" 'BEGIN {printf "bulkhead / secretlint throughput (CPU):  %.1fx\n", a / b}'
if [ -n "$all_best" ]; then
  awk -v a="$sl" -v b="$all_best" 'BEGIN {printf "bulkhead on all CPUs / secretlint on one (wall): %.1fx\n", a / b}'
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
