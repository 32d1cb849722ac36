// Entry point of bulkhead-micro (Google Benchmark). Run: build/bin/bulkhead-micro [--benchmark_filter=REGEX]
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
