#!/usr/bin/env bash
# Times `bulkhead report` over a 1,000,000-record audit log (docs/benchmarks.md "Accountability report").
# Usage: bench/report/run.sh [BUILD_DIR] [RECORDS] — on a shared machine run it under `flock /work/.bench.lock`.
# The generator runs on core 1. The report verifies the log on a second thread while it reads the records, so it is
# timed on both cores (taskset -c 0,1) and on one (taskset -c 1); the baseline of the same run is `audit verify`
# alone (one verified pass over the same log, what any report must at least cost).
set -euo pipefail
build=${1:-build}
records=${2:-1000000}
work=$(mktemp -d /tmp/bulkhead-report-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
uptime
taskset -c 1 "$build/bin/bulkhead-report-gen" "$work" --records "$records"
du -sh "$work/var/audit" | sed 's/^/audit log size: /'
cfg="$work/bulkhead.toml"
t() { /usr/bin/time -f "$1: %e s wall, %U s user, %S s sys, %M KiB max RSS" "${@:2}"; }
for run in 1 2; do
  echo "-- run $run"
  t "baseline: audit verify (core 1)" taskset -c 1 "$build/bin/bulkhead" audit verify "$work/var/audit" >/dev/null
  for format in json html md; do
    t "report --all --format $format (cores 0,1)" taskset -c 0,1 "$build/bin/bulkhead" --config "$cfg" report --all \
      --format "$format" --out "$work/report.$format"
  done
  t "report --all --format json (core 1 only)" taskset -c 1 "$build/bin/bulkhead" --config "$cfg" report --all \
    --format json --out "$work/report1.json"
  t "report --tenant tenant3 --format json (cores 0,1)" taskset -c 0,1 "$build/bin/bulkhead" --config "$cfg" report \
    --tenant tenant3 --format json --out "$work/tenant3.json"
done
grep -o '"read_ms": [0-9]*' "$work/report.json" | head -1
head -c 200 "$work/report.json"; echo
ls -l "$work"/report.* | awk '{print $5, $9}'
uptime
