#!/usr/bin/env bash
# JWT-SVID verification: bulkhead (BM_Jwt_VerifyCold/Cached) vs jose (npm) on the same tokens, same run.
# Both pinned to one core (BENCH_CPU, default 1). Prints a markdown table for docs/benchmarks.md.
# Usage: bash bench/identity/run.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
cpu=${BENCH_CPU:-1}
work=$(mktemp -d /tmp/bulkhead-jwt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
taskset -c "$cpu" node "$here/bench/identity/jose_bench.mjs" "$work" 5000
BULKHEAD_BENCH_JWT_DIR="$work" taskset -c "$cpu" "$build/bin/bulkhead-micro" --benchmark_filter='BM_Jwt_' \
  --benchmark_min_time=0.3 --benchmark_format=json >"$work/micro.json" 2>/dev/null
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
jose = json.load(open(f"{work}/jose.json"))
micro = {b["name"]: b for b in json.load(open(f"{work}/micro.json"))["benchmarks"]}
print("| alg | bulkhead cold p50 / p99 | bulkhead cached p50 / p99 | jose p50 / p99 | jose ÷ cold (p50) | jose ÷ cached (p50) |")
print("|---|---|---|---|---|---|")
for alg in ["ES256", "ES384", "RS256", "PS256", "EdDSA"]:
    cold = micro[f"BM_Jwt_VerifyCold/{alg}"]
    hot = micro[f"BM_Jwt_VerifyCached/{alg}"]
    j = jose[alg]
    us = lambda ns: f"{ns / 1000:.2f} µs"
    print(f"| {alg} | {us(cold['p50_ns'])} / {us(cold['p99_ns'])} | {us(hot['p50_ns'])} / {us(hot['p99_ns'])} | "
          f"{us(j['p50_ns'])} / {us(j['p99_ns'])} | {j['p50_ns'] / cold['p50_ns']:.1f}× | {j['p50_ns'] / hot['p50_ns']:.0f}× |")
PY
