// How the gateway answers one POSTed JSON-RPC request: a single application/json response, or — as soon as
// the upstream sends something before its final response (progress, a server→client request) — an SSE
// stream carrying those messages and then the final response. Used from one handler coroutine only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gateway/detail/dlp_gate.h"
#include "http/http.h"
#include "mcp/mcp.h"

namespace bulkhead::gateway::detail {

namespace asio = boost::asio;

struct Caller;  // gateway_impl.h

class Reply {
 public:
  // `sse_allowed`: the client's Accept lists text/event-stream. `headers`: added to whichever response starts.
  Reply(http::ResponseStream& stream, bool sse_allowed, http::Headers headers);

  // A message before the final response. Without SSE it cannot be delivered here: returns false.
  asio::awaitable<bool> intermediate(const mcp::Message& message);
  // The final answer. `http_status` applies only when no SSE stream was started.
  asio::awaitable<void> final(const mcp::Message& message, int http_status = 200);
  // 202 Accepted with no body (notifications and responses).
  asio::awaitable<void> accepted();
  // A bare HTTP response (errors before any message could be parsed, DELETE, ...).
  asio::awaitable<void> raw(int status, std::string body, std::string_view content_type = "application/json");

  [[nodiscard]] bool started() const noexcept { return sse_started_ || done_; }
  [[nodiscard]] bool client_gone() const noexcept { return stream_.closed(); }
  [[nodiscard]] int status() const noexcept { return status_; }
  // 2026-07-28: the request opted in to log messages at or above this syslog severity (0 = debug .. 7 =
  // emergency) with _meta["io.modelcontextprotocol/logLevel"]; unset = no notifications/message for it.
  std::optional<int> log_threshold;
  http::Headers& headers() noexcept { return headers_; }
  // The tenant label for metrics once the caller is known ("-" before); must outlive the Reply.
  std::string_view tenant_label = "-";
  // Who asked, for the audit record of a refusal: the authenticated principal (even when its tenant was refused)
  // and the tenant once bound. Empty before authentication.
  std::string principal;
  std::string tenant;
  // Set once forward() wrote this request's decision record (dispatch then writes no request-level record).
  bool audited = false;
  // The authenticated caller of this request (null before authentication); outlives the Reply's use.
  const Caller* caller = nullptr;
  // 2026-07-28 tools/call, prompts/get, resources/read: the envelope's clientCapabilities (what the client can be
  // asked through input_required; null for other requests) and the request's params.name / params.uri (a retry
  // continuing a parked call must repeat it).
  json::Value input_capabilities;
  std::string input_target;
  // Response/egress DLP of this request (dlp_gate.cc).
  DlpFindings dlp;

 private:
  http::ResponseStream& stream_;
  bool sse_allowed_;
  http::Headers headers_;
  bool sse_started_ = false;
  bool done_ = false;
  int status_ = 0;
  std::uint64_t next_event_ = 1;
};

}  // namespace bulkhead::gateway::detail
