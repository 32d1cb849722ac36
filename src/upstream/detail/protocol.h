// Small MCP helpers shared by both transports: the initialize exchange, wire parsing, local replies.
#pragma once

#include <string>
#include <string_view>

#include "core/core.h"
#include "json/json.h"
#include "mcp/mcp.h"
#include "upstream/upstream.h"

namespace bulkhead::upstream::detail {

inline constexpr std::size_t kMaxMessageBytes = 64u << 20;

// {"roots":{"listChanged":true},"sampling":{},"elicitation":{}} with the members of `client` (when it is an
// object) added or replacing those — what we advertise so sampling/elicitation/roots work through us.
[[nodiscard]] json::Value advertised_capabilities(const json::Value& client);
// The version we ask for: the requested one, or the latest session-era version when the request is stateless.
[[nodiscard]] std::string requested_version(mcp::ProtocolVersion version);
// An initialize request (id set by the caller's CallTable) for `params`.
[[nodiscard]] mcp::Message make_initialize(const SessionParams& params, const json::Value& capabilities);
// Checks an initialize response; the result object on success (upstream_unavailable otherwise).
[[nodiscard]] core::Result<json::Value> check_initialize(const mcp::Message& response, std::string_view label);
// (label: e.g. "upstream 'crm'", used in error messages)
// Parses one wire message (a stdio line or an SSE event's data). A response's result stays raw text
// (mcp::parse_message_keeping_result); CallTable::complete builds it unless the caller asked for raw results.
[[nodiscard]] core::Result<mcp::Message> parse_wire(std::string_view text);
// An error response we send upstream ourselves (e.g. a server→client request no client can answer).
[[nodiscard]] mcp::Message make_wire_error(json::Value id, int code, std::string message);
// A key for maps of JSON-RPC ids.
[[nodiscard]] std::string id_key(const json::Value& id);

}  // namespace bulkhead::upstream::detail
