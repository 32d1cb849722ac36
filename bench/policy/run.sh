#!/usr/bin/env bash
# Policy decision benchmark: BM_Policy_Decide (C++) and cedar-wasm on the same workload, one after the other on
# the same pinned core, then the ratio. Usage: bench/policy/run.sh [BUILD_DIR]   (default: build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
core="${BENCH_CORE:-1}"
micro_json="$(mktemp)"
trap 'rm -f "$micro_json"' EXIT
taskset -c "$core" "$build/bin/bulkhead-micro" --benchmark_filter='BM_Policy_Decide' --benchmark_min_time=2 \
  --benchmark_format=json > "$micro_json"
cedar_json="$(taskset -c "$core" node "$here/cedar_bench.mjs" --seconds 3)"
python3 - "$micro_json" "$cedar_json" <<'PY'
import json, sys
micro = json.load(open(sys.argv[1]))
cedar = json.loads(sys.argv[2])
ours = {}
for b in micro["benchmarks"]:
    name = b["name"]
    if name.startswith("BM_Policy_Decide/"):
        ours[int(name.split("/")[1])] = b
print(f"{'policies':>8} {'bulkhead p50':>13} {'p99':>9} {'cedar p50':>11} {'p99':>10} {'ratio p50':>10} {'ratio p99':>10} {'allow% (both)':>14}")
for r in cedar["results"]:
    b = ours.get(r["policies"])
    if not b:
        continue
    print(f"{r['policies']:>8} {b['p50_ns']:>10.0f} ns {b['p99_ns']:>6.0f} ns {r['p50_ns']:>8.0f} ns {r['p99_ns']:>7.0f} ns"
          f" {r['p50_ns']/b['p50_ns']:>9.1f}x {r['p99_ns']/b['p99_ns']:>9.1f}x {b['allow_pct']:>6.2f}/{r['allow_pct']:.2f}")
print(cedar["engine"])
PY
