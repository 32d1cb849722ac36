#include "upstream/detail/protocol.h"

#include <fmt/format.h>

namespace bulkhead::upstream::detail {

json::Value advertised_capabilities(const json::Value& client) {
  json::Value caps = json::Value::object();
  json::Value roots = json::Value::object();
  roots.set("listChanged", true);
  caps.set("roots", std::move(roots));
  caps.set("sampling", json::Value::object());
  caps.set("elicitation", json::Value::object());
  if (client.is_object()) {
    for (const auto& [key, value] : client.as_object()) caps.set(key, value);
  }
  return caps;
}

std::string requested_version(mcp::ProtocolVersion version) {
  if (mcp::is_stateless(version)) version = mcp::kLatestSessionVersion;
  return std::string(mcp::version_name(version));
}

mcp::Message make_initialize(const SessionParams& params, const json::Value& capabilities) {
  json::Value info = params.client_info;
  if (!info.is_object() || info.find_string("name") == nullptr) {
    info = json::Value::object();
    info.set("name", "bulkhead");
    info.set("version", "0.1.0");
  }
  json::Value p = json::Value::object();
  p.set("protocolVersion", requested_version(params.protocol_version));
  p.set("capabilities", capabilities);
  p.set("clientInfo", std::move(info));
  return mcp::make_request(json::Value(0), "initialize", std::move(p));
}

core::Result<json::Value> check_initialize(const mcp::Message& response, std::string_view upstream) {
  if (response.kind == mcp::Message::Kind::error) {
    const std::string* message = response.error.find_string("message");
    return core::fail(core::Reason::upstream_unavailable,
                      fmt::format("{} refused initialize: {}", upstream,
                                  message ? *message : std::string("(no message)")));
  }
  if (!response.result.is_object() || response.result.find_string("protocolVersion") == nullptr) {
    return core::fail(core::Reason::upstream_unavailable,
                      fmt::format("{} sent an invalid initialize result", upstream));
  }
  return response.result;
}

core::Result<mcp::Message> parse_wire(std::string_view text) {
  json::ParseLimits limits;
  limits.max_bytes = kMaxMessageBytes;
  return mcp::parse_message_keeping_result(text, limits);
}

mcp::Message make_wire_error(json::Value id, int code, std::string message) {
  mcp::Message m;
  m.kind = mcp::Message::Kind::error;
  m.id = std::move(id);
  json::Value error = json::Value::object();
  error.set("code", code);
  error.set("message", std::move(message));
  m.error = std::move(error);
  return m;
}

std::string id_key(const json::Value& id) { return json::serialize(id); }

}  // namespace bulkhead::upstream::detail
