// bulkhead::json: parsing an MCP request into an owned Value and writing it back, against a bare simdjson DOM
// parse of the same bytes (baseline: the cost of simdjson alone).
#include <string>

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "json/json.h"
#include "micro/messages.h"

namespace bulkhead::bench {
namespace {

void BM_Json_ParseRequestBaseline(benchmark::State& state) {
  const simdjson::padded_string input(kToolsCallRequest);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    benchmark::DoNotOptimize(parser.parse(input).get(doc));
    benchmark::DoNotOptimize(doc);
  }
}
BENCHMARK(BM_Json_ParseRequestBaseline);

void BM_Json_ParseRequest(benchmark::State& state) {
  for (auto _ : state) {
    auto value = json::parse(kToolsCallRequest);
    benchmark::DoNotOptimize(value);
  }
}
BENCHMARK(BM_Json_ParseRequest);

void BM_Json_ParseInitialize(benchmark::State& state) {
  for (auto _ : state) {
    auto value = json::parse(kInitializeRequest);
    benchmark::DoNotOptimize(value);
  }
}
BENCHMARK(BM_Json_ParseInitialize);

void BM_Json_SerializeResult(benchmark::State& state) {
  const auto value = json::parse(kToolsCallResult);
  if (!value) {
    state.SkipWithError("parse failed");
    return;
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    json::serialize_to(*value, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Json_SerializeResult);

}  // namespace
}  // namespace bulkhead::bench
