#include "echo/echo_server.h"

#include <charconv>

#include "common/http1.h"

namespace bulkhead::bench {
namespace {

constexpr std::string_view kDefaultVersion = "2025-11-25";
constexpr std::string_view kToolsList =
    R"({"tools":[{"name":"echo","description":"Echoes back the message argument.",)"
    R"("inputSchema":{"type":"object","properties":{"message":{"type":"string","description":"Text to echo"}},)"
    R"("required":["message"]}}]})";

void append_id(simdjson::dom::element id, std::string& out) {
  std::string_view text;
  std::int64_t number = 0;
  if (!id.get_string().get(text)) {
    append_json_string(text, out);
  } else if (!id.get_int64().get(number)) {
    char buffer[24];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, number);
    out.append(buffer, end);
  } else {
    out.append(simdjson::minify(id));
  }
}

void append_error(simdjson::dom::element* id, int code, std::string_view message, std::string& out) {
  out.append(R"({"jsonrpc":"2.0","id":)");
  if (id != nullptr) {
    append_id(*id, out);
  } else {
    out.append("null");
  }
  out.append(R"(,"error":{"code":)");
  char buffer[16];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, code);
  out.append(buffer, end);
  out.append(R"(,"message":)");
  append_json_string(message, out);
  out.append("}}");
}

}  // namespace

McpEcho::Outcome McpEcho::handle(const char* data, std::size_t size, std::size_t readable, std::string& out) {
  const bool copy = readable < size + simdjson::SIMDJSON_PADDING;
  simdjson::dom::element doc;
  if (parser_.parse(data, size, copy).get(doc)) {
    append_error(nullptr, -32700, "Parse error", out);
    return Outcome::parse_error;
  }
  simdjson::dom::object message;
  if (doc.get_object().get(message)) {
    append_error(nullptr, -32600, "Invalid Request: expected one JSON-RPC object", out);
    return Outcome::response;
  }
  std::string_view method;
  if (message["method"].get_string().get(method)) return Outcome::accepted;  // a client response
  simdjson::dom::element id;
  if (message["id"].get(id)) return Outcome::accepted;  // a notification

  simdjson::dom::element params;
  const bool has_params = !message["params"].get(params);
  auto result_prefix = [&] {
    out.append(R"({"jsonrpc":"2.0","id":)");
    append_id(id, out);
    out.append(R"(,"result":)");
  };

  if (method == "tools/call") {
    std::string_view name;
    std::string_view text;
    if (!has_params || params["name"].get_string().get(name) || name != "echo") {
      append_error(&id, -32602, "Unknown tool", out);
      return Outcome::response;
    }
    if (params["arguments"]["message"].get_string().get(text)) {
      append_error(&id, -32602, "Invalid arguments: message must be a string", out);
      return Outcome::response;
    }
    result_prefix();
    out.append(R"({"content":[{"type":"text","text":)");
    append_json_string(text, out);
    out.append("}]}}");
  } else if (method == "initialize") {
    std::string_view version = kDefaultVersion;
    if (has_params) {
      std::string_view requested;
      if (!params["protocolVersion"].get_string().get(requested)) version = requested;
    }
    result_prefix();
    out.append(R"({"protocolVersion":)");
    append_json_string(version, out);
    out.append(R"(,"capabilities":{"tools":{}},"serverInfo":{"name":"bulkhead-echo","version":"1.0.0"}}})");
  } else if (method == "tools/list") {
    result_prefix();
    out.append(kToolsList);
    out.push_back('}');
  } else if (method == "ping") {
    result_prefix();
    out.append("{}}");
  } else {
    append_error(&id, -32601, "Method not found", out);
  }
  return Outcome::response;
}

}  // namespace bulkhead::bench
