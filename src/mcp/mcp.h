// bulkhead::mcp — JSON-RPC 2.0 envelope, MCP protocol versions, error codes and the one table that maps a
// core::Reason to an HTTP status and a JSON-RPC error code (CONFIG.md "Reason codes").
// All functions are pure and thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "json/json.h"

namespace bulkhead::mcp {

// JSON-RPC / MCP error codes used by the gateway.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kRefused = -32001;         // a gateway decision refused this message
inline constexpr int kHeaderMismatch = -32020;  // 2026-07-28: Mcp-Method/Mcp-Name header disagrees with body

// One place that maps a reason to HTTP status (for whole-request refusals) and JSON-RPC code.
struct ReasonMapping {
  int http_status;   // status used when the whole HTTP request is refused for this reason
  int jsonrpc_code;  // error.code in the JSON-RPC error object
};
[[nodiscard]] ReasonMapping map_reason(core::Reason reason) noexcept;

enum class ProtocolVersion : std::uint8_t { v2025_06_18, v2025_11_25, v2026_07_28 };
[[nodiscard]] std::string_view version_name(ProtocolVersion v) noexcept;
[[nodiscard]] std::optional<ProtocolVersion> parse_version(std::string_view text) noexcept;
[[nodiscard]] std::span<const ProtocolVersion> supported_versions() noexcept;  // oldest first
inline constexpr ProtocolVersion kLatestSessionVersion = ProtocolVersion::v2025_11_25;
// 2026-07-28 and later are stateless (no initialize, no Mcp-Session-Id).
[[nodiscard]] inline bool is_stateless(ProtocolVersion v) noexcept { return v >= ProtocolVersion::v2026_07_28; }
// initialize negotiation for session-era versions: the requested version when supported, else the latest
// session-era version we support (the client then decides whether to continue).
[[nodiscard]] ProtocolVersion negotiate_initialize(std::string_view requested) noexcept;

// One JSON-RPC message.
struct Message {
  enum class Kind : std::uint8_t { request, notification, response, error };
  Kind kind = Kind::request;
  json::Value id;      // request/response/error: string or integer; null for notification (and error w/o id)
  std::string method;  // request/notification
  json::Value params;  // request/notification: object, array or null (absent)
  json::Value result;  // response
  json::Value error;   // error: {code, message, data?}
  // Response only, instead of `result`: the result's JSON text exactly as a peer sent it (validated), kept when the
  // message is only passed on (parse_message_keeping_result). Serialized as is; materialize_result() turns it into
  // `result` for code that looks inside. Empty otherwise.
  std::string raw_result;

  [[nodiscard]] bool is_request() const noexcept { return kind == Kind::request; }
  [[nodiscard]] bool is_notification() const noexcept { return kind == Kind::notification; }
  [[nodiscard]] bool is_response() const noexcept { return kind == Kind::response || kind == Kind::error; }
};

// Validates a parsed JSON value as one JSON-RPC 2.0 message. Errors: Reason::invalid_request with a message
// naming the problem (missing "jsonrpc":"2.0", id of wrong type, method not a string, both result and error...).
[[nodiscard]] core::Result<Message> to_message(json::Value value);

// Parses an HTTP POST body. A JSON array is a batch: refused with Reason::batch_not_supported for every
// supported version (batching was removed in 2025-06-18). Malformed JSON → Reason::parse_error.
// On failure the best-effort request id (if the body was an object with a valid id) is reported so the error
// response can echo it.
struct BodyError {
  core::Error error;
  json::Value id;  // null when unknown
};
[[nodiscard]] std::expected<Message, BodyError> parse_body(std::string_view body);

// Parses and validates `text` as one JSON-RPC message, like to_message(json::parse(text, limits)), except that the
// result of a plain response ({"jsonrpc":"2.0","id":<integer or string>,"result":...}) is kept as text in
// raw_result instead of being built into a Value. Malformed JSON → Reason::parse_error.
[[nodiscard]] core::Result<Message> parse_message_keeping_result(std::string_view text,
                                                                 const json::ParseLimits& limits = {});
// Builds `result` from raw_result (and clears it); no-op without raw_result.
void materialize_result(Message& message);

[[nodiscard]] json::Value to_json(const Message& message);
[[nodiscard]] std::string serialize(const Message& message);

// Builders.
[[nodiscard]] Message make_request(json::Value id, std::string method, json::Value params);
[[nodiscard]] Message make_notification(std::string method, json::Value params);
[[nodiscard]] Message make_result(json::Value id, json::Value result);
// An error response for `reason`: code from map_reason (or `code_override` when set), message, and
// data = {"reason": reason_name(reason), ...extra members of `data_extra` when it is an object}.
[[nodiscard]] Message make_error(json::Value id, const core::Error& error, json::Value data_extra = {},
                                 std::optional<int> code_override = std::nullopt);

// MCP params helpers (return nullptr when absent or of the wrong type).
[[nodiscard]] const std::string* param_string(const Message& m, std::string_view key) noexcept;
// params._meta.progressToken, when present.
[[nodiscard]] const json::Value* progress_token(const Message& m) noexcept;

}  // namespace bulkhead::mcp
