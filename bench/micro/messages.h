// Representative MCP messages for the micro benchmarks (the same shapes bulkhead-load sends).
#pragma once

#include <string_view>

namespace bulkhead::bench {

inline constexpr std::string_view kToolsCallRequest =
    R"({"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"echo__echo",)"
    R"("arguments":{"message":"hello from bulkhead-load"},"_meta":{"progressToken":"p-42"}}})";

inline constexpr std::string_view kToolsCallResult =
    R"({"jsonrpc":"2.0","id":42,"result":{"content":[{"type":"text","text":"hello from bulkhead-load"}]}})";

inline constexpr std::string_view kInitializeRequest =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
    R"("capabilities":{"sampling":{},"elicitation":{},"roots":{"listChanged":true}},)"
    R"("clientInfo":{"name":"bulkhead-load","version":"1.0.0"}}})";

}  // namespace bulkhead::bench
