// The do-nothing MCP server behind the benchmarks: answers initialize, ping, tools/list (one tool, "echo") and
// tools/call echo. Stateless (no sessions), so it costs as little as possible per request and is never the
// bottleneck of a measurement. Shared by the HTTP and stdio front ends of bulkhead-echo.
// Thread-safety: one McpEcho per thread (it owns a simdjson parser).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace bulkhead::bench {

class McpEcho {
 public:
  enum class Outcome : unsigned char {
    response,     // `out` holds one JSON-RPC response (result or error)
    accepted,     // notification or client response: nothing to answer (HTTP 202)
    parse_error,  // `out` holds a -32700 error (HTTP 400)
  };

  // Handles one JSON-RPC message. `data` must stay readable for `readable` bytes, where
  // readable >= size + simdjson::SIMDJSON_PADDING lets the parser skip a copy. Appends the answer to `out`.
  Outcome handle(const char* data, std::size_t size, std::size_t readable, std::string& out);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace bulkhead::bench
