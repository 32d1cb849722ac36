// The pure parts of the input_required bridge: requestState tokens and what a 2026-07-28 client is asked
// (input_bridge.h). The parking and resuming of calls is in bridged_calls.cc.
#include "gateway/detail/input_bridge.h"

namespace bulkhead::gateway::detail {
namespace {

constexpr std::string_view kTokenPrefix = "bh1.";
constexpr std::size_t kCallIdHexChars = 32;

}  // namespace

RequestStateSigner::RequestStateSigner(core::Rng& rng) {
  rng.fill(std::span<std::uint8_t>(key_.data(), key_.size()));
}

std::array<unsigned char, crypto_auth_BYTES> RequestStateSigner::mac(std::string_view call_id,
                                                                     std::string_view principal,
                                                                     std::string_view tenant) const {
  // Length-prefixed fields: no two (id, principal, tenant) triples share a message.
  std::string message = "bulkhead/requestState/v1";
  for (std::string_view field : {call_id, principal, tenant}) {
    message += '\n';
    message += std::to_string(field.size());
    message += ':';
    message += field;
  }
  std::array<unsigned char, crypto_auth_BYTES> out{};
  crypto_auth(out.data(), reinterpret_cast<const unsigned char*>(message.data()), message.size(), key_.data());
  return out;
}

std::string RequestStateSigner::mint(std::string_view call_id, std::string_view principal,
                                     std::string_view tenant) const {
  const auto tag = mac(call_id, principal, tenant);
  std::string token(kTokenPrefix);
  token += call_id;
  token += '.';
  token += core::base64url_encode(std::span<const std::uint8_t>(tag.data(), tag.size()));
  return token;
}

std::optional<std::string> RequestStateSigner::open(std::string_view token, std::string_view principal,
                                                    std::string_view tenant) const {
  if (!token.starts_with(kTokenPrefix)) return std::nullopt;
  token.remove_prefix(kTokenPrefix.size());
  const auto dot = token.find('.');
  if (dot != kCallIdHexChars) return std::nullopt;
  const std::string_view call_id = token.substr(0, dot);
  for (char c : call_id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  auto tag = core::base64url_decode(token.substr(dot + 1));
  if (!tag || tag->size() != crypto_auth_BYTES) return std::nullopt;
  const auto expected = mac(call_id, principal, tenant);
  if (sodium_memcmp(tag->data(), expected.data(), expected.size()) != 0) return std::nullopt;
  return std::string(call_id);
}

json::Value bridge_capabilities() {
  json::Value caps = json::Value::object();
  json::Value& elicitation = caps.set("elicitation", json::Value::object());
  elicitation.set("form", json::Value::object());
  elicitation.set("url", json::Value::object());
  caps.set("sampling", json::Value::object());
  caps.set("roots", json::Value::object()).set("listChanged", false);
  return caps;
}

bool client_can_answer(const json::Value& capabilities, const mcp::Message& request) {
  if (!capabilities.is_object()) return false;
  if (request.method == "elicitation/create") {
    const json::Value* elicitation = capabilities.find("elicitation");
    if (elicitation == nullptr || !elicitation->is_object()) return false;
    const std::string* mode = request.params.find_string("mode");
    if (mode != nullptr && *mode == "url") return elicitation->find("url") != nullptr;
    return true;  // form mode: a bare elicitation capability counts as form
  }
  if (request.method == "sampling/createMessage") return capabilities.find("sampling") != nullptr;
  if (request.method == "roots/list") return capabilities.find("roots") != nullptr;
  return false;
}

json::Value input_request_entry(const mcp::Message& request) {
  json::Value params = request.params.is_object() ? request.params : json::Value::object();
  if (request.method == "elicitation/create") {
    const std::string* mode = params.find_string("mode");
    if (mode != nullptr && *mode == "url") params.erase("elicitationId");
  } else if (request.method == "sampling/createMessage") {
    params.erase("task");
  }
  json::Value entry = json::Value::object();
  entry.set("method", request.method);
  entry.set("params", std::move(params));
  return entry;
}

}  // namespace bulkhead::gateway::detail
