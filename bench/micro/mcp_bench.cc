// bulkhead::mcp: turning an HTTP body into a validated JSON-RPC message and back, against bulkhead::json's parse
// of the same bytes (baseline: the envelope's own cost is the difference).
#include <string>

#include <benchmark/benchmark.h>

#include "json/json.h"
#include "mcp/mcp.h"
#include "micro/messages.h"

namespace bulkhead::bench {
namespace {

void BM_Mcp_ParseBodyBaseline(benchmark::State& state) {
  for (auto _ : state) {
    auto value = json::parse(kToolsCallRequest);
    benchmark::DoNotOptimize(value);
  }
}
BENCHMARK(BM_Mcp_ParseBodyBaseline);

void BM_Mcp_ParseBody(benchmark::State& state) {
  for (auto _ : state) {
    auto message = mcp::parse_body(kToolsCallRequest);
    benchmark::DoNotOptimize(message);
  }
}
BENCHMARK(BM_Mcp_ParseBody);

void BM_Mcp_SerializeResult(benchmark::State& state) {
  const auto message = mcp::parse_body(kToolsCallResult);
  if (!message) {
    state.SkipWithError("parse failed");
    return;
  }
  for (auto _ : state) {
    auto text = mcp::serialize(*message);
    benchmark::DoNotOptimize(text.data());
  }
}
BENCHMARK(BM_Mcp_SerializeResult);

}  // namespace
}  // namespace bulkhead::bench
