#!/usr/bin/env bash
# Times `bulkhead report` over a 1,000,000-record audit log (docs/benchmarks.md "Accountability report").
# Usage: bench/report/run.sh [BUILD_DIR] [RECORDS]   — run it under `flock /work/.bench.lock` on a shared machine.
# The generator and the report both run pinned to core 1 (taskset -c 1).
set -euo pipefail
build=${1:-build}
records=${2:-1000000}
work=$(mktemp -d /tmp/bulkhead-report-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
taskset -c 1 "$build/bin/bulkhead-report-gen" "$work" --records "$records"
du -sh "$work/var/audit" | sed 's/^/audit log size: /'
cfg="$work/bulkhead.toml"
# Baseline in the same run: `bulkhead audit verify` alone (one verified pass over the same log).
for run in 1 2 3; do
  /usr/bin/time -f "audit verify: %e s wall, %U s user, %M KiB max RSS" taskset -c 1 "$build/bin/bulkhead" audit verify "$work/var/audit" >/dev/null
  for format in json html md; do
    /usr/bin/time -f "report --all --format $format: %e s wall, %U s user, %M KiB max RSS" \
      taskset -c 1 "$build/bin/bulkhead" --config "$cfg" report --all --format "$format" --out "$work/report.$format"
  done
  /usr/bin/time -f "report --tenant tenant3 --format json: %e s wall, %U s user, %M KiB max RSS" \
    taskset -c 1 "$build/bin/bulkhead" --config "$cfg" report --tenant tenant3 --format json --out "$work/tenant3.json"
done
grep -o '"read_ms": [0-9]*' "$work/report.json" | head -1
ls -l "$work"/report.* | awk '{print $5, $9}'
