// The input_required bridge (docs/protocol-2026-07-28.md §6 and §9 "Server→client requests"): a 2026-07-28
// tools/call, prompts/get or resources/read whose 2025-era upstream asks the client something
// (elicitation/create, sampling/createMessage, roots/list) becomes a BridgedCall. The upstream call keeps running
// on a coroutine of its own; the client's POST is answered with resultType "input_required" (the upstream's
// requests as inputRequests, a requestState token naming the parked call), and the client's retry carries the
// answers up and follows the same upstream call on its own HTTP response until it completes or asks again.
// Event-loop only (no locks). Lifetime: BridgedCalls are shared by the gateway's table, the coroutine running the
// upstream call and the POST following it.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "core/core.h"
#include "gateway/detail/session.h"
#include "gateway/detail/dlp_gate.h"
#include "mcp/mcp.h"

namespace bulkhead::gateway::detail {

struct BridgedCall {
  explicit BridgedCall(asio::any_io_executor executor) : wake(executor), expiry(std::move(executor)) {}

  std::string id;         // 128 random bits (hex), named by the requestState token
  std::string principal;  // who may continue it
  std::string tenant;
  std::string method;  // tools/call, prompts/get or resources/read: a retry must repeat method and name
  std::string name;    // the exposed tool/prompt name, or the resource URI
  std::weak_ptr<ClientSession> session;  // the tenant's bridge session
  std::size_t upstream = 0;
  json::Value upstream_request_id;   // the call's id towards the upstream session (for notifications/cancelled)
  std::deque<mcp::Message> events;   // what the upstream sent during the call, in order
  std::optional<mcp::Message> outcome;  // its final response, once there
  // Server→client requests handed to the client (inputRequests) and not answered yet: key → the request.
  std::vector<std::pair<std::string, mcp::Message>> asked;
  std::uint64_t next_key = 1;
  bool following = false;  // a POST is streaming this call now
  AsyncSignal wake;        // events or outcome arrived
  asio::steady_timer expiry;  // a parked call nobody continues is cancelled upstream
  DlpFindings dlp;            // response DLP of the call (dlp_gate.cc), prepared from the first POST's
};

// requestState tokens: "bh1.<call id>.<MAC>", the MAC (libsodium crypto_auth, HMAC-SHA-512-256) over the call id,
// principal and tenant under a key drawn at start-up, so a token is only good for the workload and tenant it was
// given to, on this gateway process. Call ids are random; expiry is the parked call's own timer.
class RequestStateSigner {
 public:
  explicit RequestStateSigner(core::Rng& rng);
  [[nodiscard]] std::string mint(std::string_view call_id, std::string_view principal, std::string_view tenant) const;
  // The call id `token` names, when it was minted by this signer for this principal and tenant.
  [[nodiscard]] std::optional<std::string> open(std::string_view token, std::string_view principal,
                                                std::string_view tenant) const;

 private:
  [[nodiscard]] std::array<unsigned char, crypto_auth_BYTES> mac(std::string_view call_id, std::string_view principal,
                                                                 std::string_view tenant) const;
  std::array<unsigned char, crypto_auth_KEYBYTES> key_{};
};

// The client capabilities a bridge session declares upstream, so the upstream asks what it needs (and the
// bridge decides per request whether the 2026-07-28 client can be asked).
[[nodiscard]] json::Value bridge_capabilities();

// Whether a client whose request envelope declared `capabilities` can answer `request` (elicitation/create:
// `elicitation` — a bare one counts as form mode, url mode needs `elicitation.url`; sampling/createMessage:
// `sampling`; roots/list: `roots`).
[[nodiscard]] bool client_can_answer(const json::Value& capabilities, const mcp::Message& request);

// The inputRequests entry for an upstream server→client request: {method, params} without the members a
// 2026-07-28 client does not know (elicitationId of url-mode elicitation, task of sampling).
[[nodiscard]] json::Value input_request_entry(const mcp::Message& request);

}  // namespace bulkhead::gateway::detail
