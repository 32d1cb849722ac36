// bulkhead::upstream — talking MCP to one upstream server, over Streamable HTTP or stdio.
//
// An Upstream hands out Sessions. A Session is the gateway's MCP session with the upstream on behalf of one
// client session (HTTP: a real upstream session with its own Mcp-Session-Id; stdio: a virtual session
// multiplexed over the tenant's single process — one process per tenant, lazy start, idle stop, restart with
// backoff when it dies).
//
// Ids: the session rewrites every request id it sends upstream (and `_meta.progressToken`) to values unique
// on the wire, and restores the caller's values in everything it hands back, so callers never see collisions.
// `notifications/cancelled` sent through send() gets its `requestId` mapped the same way.
//
// Threading: an Upstream and its Sessions run on the executor given to create(); call them from coroutines on
// that executor. Lifetime: Sessions must be closed or destroyed before their Upstream.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/core.h"
#include "http/http.h"
#include "json/json.h"
#include "mcp/mcp.h"

namespace bulkhead::upstream {

namespace asio = boost::asio;

// Receives messages the upstream server sends: notifications (progress, logging, list_changed, ...) and
// server→client requests (sampling/createMessage, elicitation/create, roots/list, ping).
using MessageSink = std::function<asio::awaitable<void>(mcp::Message)>;

enum class Transport : std::uint8_t { http, stdio };

struct UpstreamConfig {
  std::string name;  // [a-z0-9-]+
  Transport transport = Transport::http;
  // http
  std::string url;
  http::Headers headers;  // static headers added to every upstream request
  // stdio
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to a minimal environment (PATH, HOME, LANG)
  std::string working_dir;
  std::chrono::milliseconds idle_stop{300'000};  // stop a tenant's process after this long without sessions
  std::size_t max_processes = 64;                // per upstream; beyond → upstream_unavailable
  std::chrono::milliseconds restart_backoff_initial{100};
  std::chrono::milliseconds restart_backoff_max{10'000};
  // both
  std::chrono::milliseconds connect_timeout{5'000};      // HTTP connect / stdio process start + initialize
  std::chrono::milliseconds request_timeout{30'000};     // default per request
};

struct SessionParams {
  std::string tenant;  // stdio: selects the process; http: informational
  mcp::ProtocolVersion protocol_version = mcp::ProtocolVersion::v2025_11_25;  // asked of the upstream
  json::Value client_info;          // {"name","version"}
  json::Value client_capabilities;  // passed in initialize so sampling/elicitation/roots work through us
  http::Headers extra_headers;      // http: per-tenant credential injection
  std::vector<std::pair<std::string, std::string>> extra_env;  // stdio: this tenant's secrets only
};

// How a response's result is handed back: built into Message::result (value), or — for callers that only pass
// it on — possibly left as the upstream's text in Message::raw_result (raw; mcp::materialize_result builds it).
enum class ResultForm : std::uint8_t { value, raw };

class Session {
 public:
  virtual ~Session() = default;
  // The upstream's initialize result (protocolVersion, capabilities, serverInfo, instructions).
  [[nodiscard]] virtual const json::Value& initialize_result() const = 0;
  // Sends a request and waits for its response (a Message of kind response or error, with the caller's id).
  // Messages the server sends while this request is open go to `on_message`, in order, before it returns.
  // On timeout the request is cancelled upstream (notifications/cancelled) and upstream_timeout returned.
  virtual asio::awaitable<core::Result<mcp::Message>> request(mcp::Message request, MessageSink on_message,
                                                              std::chrono::milliseconds timeout,
                                                              ResultForm form = ResultForm::value) = 0;
  // Sends a notification, or the response to a server→client request (with the id the server used).
  virtual asio::awaitable<core::Result<void>> send(mcp::Message message) = 0;
  // Messages not tied to an open request (HTTP: the GET stream; stdio: when no request is open).
  virtual void set_listener(MessageSink listener) = 0;
  // Ends the upstream session (HTTP: DELETE). Idempotent.
  virtual asio::awaitable<void> close() = 0;
};

struct ProcessInfo {
  std::string tenant;
  int pid = 0;
  std::size_t sessions = 0;
  std::size_t restarts = 0;
};

class Upstream {
 public:
  [[nodiscard]] static core::Result<std::unique_ptr<Upstream>> create(asio::any_io_executor executor,
                                                                       UpstreamConfig config, http::Client& client,
                                                                       const core::Clock& clock);
  virtual ~Upstream() = default;
  [[nodiscard]] virtual const UpstreamConfig& config() const noexcept = 0;
  // Opens a session: HTTP initialize + notifications/initialized; stdio: starts (or reuses) the tenant's
  // process. Errors: upstream_unavailable / upstream_timeout with a message naming the upstream.
  virtual asio::awaitable<core::Result<std::unique_ptr<Session>>> open_session(SessionParams params) = 0;
  // stdio: the running processes (for tests, metrics and offboarding).
  [[nodiscard]] virtual std::vector<ProcessInfo> processes() const = 0;
  // stdio: stops the tenant's process now (offboarding). No-op for HTTP.
  virtual asio::awaitable<void> stop_tenant(std::string tenant) = 0;
  // Stops every process and closes connections.
  virtual asio::awaitable<void> shutdown() = 0;
};

}  // namespace bulkhead::upstream
