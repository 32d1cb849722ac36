// The echo upstream's per-message cost, against a bare simdjson DOM parse of the same bytes (baseline).
#include <string>

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "echo/echo_server.h"
#include "micro/messages.h"

namespace bulkhead::bench {
namespace {

void BM_Echo_ParseBaseline(benchmark::State& state) {
  const simdjson::padded_string input(kToolsCallRequest);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    benchmark::DoNotOptimize(parser.parse(input).get(doc));
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kToolsCallRequest.size()));
}
BENCHMARK(BM_Echo_ParseBaseline);

void BM_Echo_HandleToolsCall(benchmark::State& state) {
  const simdjson::padded_string input(
      std::string_view(R"({"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"echo",)"
                       R"("arguments":{"message":"hello from bulkhead-load"}}})"));
  McpEcho echo;
  std::string out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(echo.handle(input.data(), input.size(), input.size() + simdjson::SIMDJSON_PADDING, out));
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Echo_HandleToolsCall);

}  // namespace
}  // namespace bulkhead::bench
