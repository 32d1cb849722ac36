#include "mcp/mcp.h"

#include <array>
#include <charconv>
#include <limits>

namespace bulkhead::mcp {
namespace {

using core::Reason;

constexpr std::array<ProtocolVersion, 3> kVersions = {ProtocolVersion::v2025_06_18, ProtocolVersion::v2025_11_25,
                                                      ProtocolVersion::v2026_07_28};

constexpr std::string_view kVersionNames[] = {"2025-06-18", "2025-11-25", "2026-07-28"};

// JSON-RPC ids are strings or integers (MCP forbids null ids on requests; fractional numbers are refused).
bool valid_id(const json::Value& id) { return id.is_string() || id.is_integer(); }

core::Result<Message> invalid(std::string message) { return core::fail(Reason::invalid_request, std::move(message)); }

// Validates `value` without consuming it; on success moves the parts into a Message. Keeping `value` intact
// on failure lets parse_body recover the id for the error response.
core::Result<Message> validate_and_take(json::Value& value) {
  if (!value.is_object()) return invalid("a JSON-RPC message must be a JSON object");
  json::Value* jsonrpc = value.find("jsonrpc");
  if (jsonrpc == nullptr) return invalid("missing \"jsonrpc\": \"2.0\"");
  if (!jsonrpc->is_string() || jsonrpc->as_string() != "2.0") return invalid("\"jsonrpc\" must be \"2.0\"");

  json::Value* id = value.find("id");
  json::Value* method = value.find("method");
  json::Value* params = value.find("params");
  json::Value* result = value.find("result");
  json::Value* error = value.find("error");

  Message message;
  if (method != nullptr) {
    if (!method->is_string()) return invalid("\"method\" must be a string");
    if (result != nullptr || error != nullptr) return invalid("a request must not carry \"result\" or \"error\"");
    if (params != nullptr && !params->is_object() && !params->is_array()) {
      return invalid("\"params\" must be an object or an array");
    }
    if (id != nullptr) {
      if (id->is_null()) return invalid("a request id must not be null");
      if (!valid_id(*id)) return invalid("\"id\" must be a string or an integer");
      message.kind = Message::Kind::request;
      message.id = std::move(*id);
    } else {
      message.kind = Message::Kind::notification;
    }
    message.method = std::move(method->as_string());
    if (params != nullptr) message.params = std::move(*params);
    return message;
  }

  if (params != nullptr) return invalid("\"params\" without \"method\"");
  if (result == nullptr && error == nullptr) return invalid("missing \"method\", \"result\" or \"error\"");
  if (result != nullptr && error != nullptr) return invalid("a response must not carry both \"result\" and \"error\"");
  if (id == nullptr) return invalid("a response must carry \"id\"");
  if (result != nullptr) {
    if (!valid_id(*id)) return invalid("a response id must be a string or an integer");
    message.kind = Message::Kind::response;
    message.id = std::move(*id);
    message.result = std::move(*result);
    return message;
  }
  // Error response: id may be null when the request id could not be determined.
  if (!id->is_null() && !valid_id(*id)) return invalid("an error response id must be a string, an integer or null");
  if (!error->is_object()) return invalid("\"error\" must be an object");
  const json::Value* code = error->find("code");
  if (code == nullptr || code->type() != json::Value::Type::integer ||
      code->as_int() < std::numeric_limits<int>::min() || code->as_int() > std::numeric_limits<int>::max()) {
    return invalid("\"error.code\" must be an integer");
  }
  const json::Value* text = error->find("message");
  if (text == nullptr || !text->is_string()) return invalid("\"error.message\" must be a string");
  message.kind = Message::Kind::error;
  message.id = std::move(*id);
  message.error = std::move(*error);
  return message;
}

}  // namespace

ReasonMapping map_reason(core::Reason reason) noexcept {
  switch (reason) {
    case Reason::unauthenticated:
    case Reason::token_invalid:
    case Reason::token_expired:
    case Reason::token_revoked:
      return {401, kRefused};
    case Reason::tenant_not_bound:
    case Reason::session_identity_mismatch:
    case Reason::scope_insufficient:
    case Reason::delegation_widening:
    case Reason::origin_not_allowed:
      return {403, kRefused};
    // Decisions about one JSON-RPC message: HTTP 200 carrying a JSON-RPC error.
    case Reason::policy_denied:
    case Reason::connector_not_approved:
    case Reason::tenant_not_mapped:
    case Reason::review_overdue:
    case Reason::tool_definition_changed:
    case Reason::credential_missing:
    case Reason::dlp_blocked:
      return {200, kRefused};
    case Reason::upstream_unavailable:
      return {502, kInternalError};
    case Reason::upstream_timeout:
      return {504, kInternalError};
    case Reason::audit_unavailable:
      return {503, kRefused};
    case Reason::shutting_down:
      return {503, kRefused};
    case Reason::invalid_request:
      return {400, kInvalidRequest};
    case Reason::header_mismatch:
      return {400, kHeaderMismatch};
    case Reason::parse_error:
      return {400, kParseError};
    case Reason::method_not_found:
      return {200, kMethodNotFound};
    case Reason::unknown_tool:
      return {200, kInvalidParams};
    case Reason::body_too_large:
      return {413, kInvalidRequest};
    case Reason::session_not_found:
      return {404, kRefused};
    case Reason::unsupported_protocol_version:
      return {400, kInvalidRequest};
    case Reason::batch_not_supported:
      return {400, kInvalidRequest};
    case Reason::internal_error:
      return {500, kInternalError};
  }
  return {500, kInternalError};  // not a declared reason: fail closed
}

std::string_view version_name(ProtocolVersion v) noexcept {
  const auto index = static_cast<std::size_t>(v);
  if (index >= kVersions.size()) return kVersionNames[0];
  return kVersionNames[index];
}

std::optional<ProtocolVersion> parse_version(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kVersions.size(); ++i) {
    if (kVersionNames[i] == text) return kVersions[i];
  }
  return std::nullopt;
}

std::span<const ProtocolVersion> supported_versions() noexcept { return kVersions; }

ProtocolVersion negotiate_initialize(std::string_view requested) noexcept {
  const auto version = parse_version(requested);
  if (version && !is_stateless(*version)) return *version;
  return kLatestSessionVersion;
}

core::Result<Message> to_message(json::Value value) { return validate_and_take(value); }

std::expected<Message, BodyError> parse_body(std::string_view body) {
  auto parsed = json::parse(body);
  if (!parsed) {
    core::Error error{Reason::parse_error, "malformed JSON: " + parsed.error().message};
    return std::unexpected(BodyError{std::move(error), {}});
  }
  json::Value& value = *parsed;
  if (value.is_array()) {
    return std::unexpected(
        BodyError{core::Error{Reason::batch_not_supported, "JSON-RPC batches are not supported"}, {}});
  }
  auto message = validate_and_take(value);
  if (!message) {
    BodyError failure{std::move(message.error()), {}};
    if (const json::Value* id = value.find("id"); id != nullptr && valid_id(*id)) failure.id = *id;
    return std::unexpected(std::move(failure));
  }
  return std::move(*message);
}

namespace {

// A JSON-RPC id written as a plain integer or a string without escapes, else nullopt (the caller then takes the
// general path).
std::optional<json::Value> simple_id(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"') {
    const std::string_view inner = text.substr(1, text.size() - 2);
    if (inner.find('\\') != std::string_view::npos) return std::nullopt;
    return json::Value(inner);
  }
  if (text.starts_with("-0")) return std::nullopt;  // read as a double (-0.0) by the general path
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return json::Value(n);
}

}  // namespace

core::Result<Message> parse_message_keeping_result(std::string_view text, const json::ParseLimits& limits) {
  if (auto valid = json::validate(text, limits); !valid) {
    return core::fail(Reason::parse_error, "malformed JSON: " + valid.error().message);
  }
  thread_local std::vector<json::RawMember> members;  // scratch, reused (like json::parse's simdjson parser)
  if (json::split_object(text, members) && members.size() == 3) {
    const std::string_view* jsonrpc = nullptr;
    const std::string_view* id = nullptr;
    const std::string_view* result = nullptr;
    for (const auto& member : members) {
      if (member.key_escaped) break;
      if (member.key == "jsonrpc") jsonrpc = &member.value;
      else if (member.key == "id") id = &member.value;
      else if (member.key == "result") result = &member.value;
    }
    if (jsonrpc != nullptr && id != nullptr && result != nullptr && *jsonrpc == R"("2.0")") {
      if (auto plain_id = simple_id(*id)) {
        Message message;
        message.kind = Message::Kind::response;
        message.id = std::move(*plain_id);
        message.raw_result.assign(*result);
        return message;
      }
    }
  }
  // Anything else (requests, errors, unusual spellings) takes the general path.
  auto value = json::parse(text, limits);
  if (!value) return core::fail(Reason::parse_error, "malformed JSON: " + value.error().message);
  return validate_and_take(*value);
}

void materialize_result(Message& message) {
  if (message.raw_result.empty()) return;
  auto value = json::parse(message.raw_result);
  // raw_result was validated when it was read; a failure here would mean memory exhaustion.
  message.result = value ? std::move(*value) : json::Value();
  message.raw_result.clear();
}

namespace {

void write_message(const Message& message, std::string& out) {
  out.append(R"({"jsonrpc":"2.0")");
  switch (message.kind) {
    case Message::Kind::request:
    case Message::Kind::notification:
      if (message.kind == Message::Kind::request) {
        out.append(R"(,"id":)");
        json::serialize_to(message.id, out);
      }
      out.append(R"(,"method":)");
      json::append_quoted(message.method, out);
      if (!message.params.is_null()) {
        out.append(R"(,"params":)");
        json::serialize_to(message.params, out);
      }
      break;
    case Message::Kind::response:
      out.append(R"(,"id":)");
      json::serialize_to(message.id, out);
      out.append(R"(,"result":)");
      if (message.raw_result.empty()) {
        json::serialize_to(message.result, out);
      } else {
        out.append(message.raw_result);
      }
      break;
    case Message::Kind::error:
      out.append(R"(,"id":)");
      json::serialize_to(message.id, out);
      out.append(R"(,"error":)");
      json::serialize_to(message.error, out);
      break;
  }
  out.push_back('}');
}

}  // namespace

json::Value to_json(const Message& message) {
  json::Object object;
  object.reserve(4);
  object.emplace_back("jsonrpc", "2.0");
  switch (message.kind) {
    case Message::Kind::request:
      object.emplace_back("id", message.id);
      [[fallthrough]];
    case Message::Kind::notification:
      object.emplace_back("method", message.method);
      if (!message.params.is_null()) object.emplace_back("params", message.params);
      break;
    case Message::Kind::response:
      object.emplace_back("id", message.id);
      if (message.raw_result.empty()) {
        object.emplace_back("result", message.result);
      } else {
        Message copy;
        copy.raw_result = message.raw_result;
        materialize_result(copy);
        object.emplace_back("result", std::move(copy.result));
      }
      break;
    case Message::Kind::error:
      object.emplace_back("id", message.id);
      object.emplace_back("error", message.error);
      break;
  }
  return json::Value(std::move(object));
}

std::string serialize(const Message& message) {
  std::string out;
  out.reserve(128 + message.raw_result.size());
  write_message(message, out);
  return out;
}

Message make_request(json::Value id, std::string method, json::Value params) {
  Message message;
  message.kind = Message::Kind::request;
  message.id = std::move(id);
  message.method = std::move(method);
  message.params = std::move(params);
  return message;
}

Message make_notification(std::string method, json::Value params) {
  Message message;
  message.kind = Message::Kind::notification;
  message.method = std::move(method);
  message.params = std::move(params);
  return message;
}

Message make_result(json::Value id, json::Value result) {
  Message message;
  message.kind = Message::Kind::response;
  message.id = std::move(id);
  message.result = std::move(result);
  return message;
}

Message make_error(json::Value id, const core::Error& error, json::Value data_extra, std::optional<int> code_override) {
  const std::string_view reason = core::reason_name(error.reason);
  json::Object data;
  data.emplace_back("reason", reason);
  if (data_extra.is_object()) {
    for (auto& member : data_extra.as_object()) {
      if (member.first == "reason") continue;  // the reason code is authoritative
      data.emplace_back(std::move(member.first), std::move(member.second));
    }
  }
  json::Object body;
  body.reserve(3);
  body.emplace_back("code", static_cast<std::int64_t>(code_override.value_or(map_reason(error.reason).jsonrpc_code)));
  body.emplace_back("message", error.message.empty() ? std::string(reason) : error.message);
  body.emplace_back("data", json::Value(std::move(data)));

  Message message;
  message.kind = Message::Kind::error;
  message.id = std::move(id);
  message.error = json::Value(std::move(body));
  return message;
}

const std::string* param_string(const Message& m, std::string_view key) noexcept {
  return m.params.find_string(key);
}

const json::Value* progress_token(const Message& m) noexcept {
  const json::Value* meta = m.params.find("_meta");
  if (meta == nullptr) return nullptr;
  return meta->find("progressToken");
}

}  // namespace bulkhead::mcp
