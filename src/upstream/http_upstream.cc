// HTTP upstream (MCP Streamable HTTP): each Session is one real upstream session. initialize is POSTed, its
// Mcp-Session-Id kept and sent (with MCP-Protocol-Version) on every later request; a background GET SSE stream
// (skipped when the server answers 405) feeds the session's listener; close() sends DELETE.
//
// Routing of what the server sends:
//   on a request's POST (JSON or SSE): the response ends the request (caller id restored); progress for one of
//     this session's tokens → the owning request's on_message (caller token restored); every other message
//     (server→client requests, notifications) → that request's on_message.
//   on the GET stream: responses/progress for open requests are routed as above; everything else → listener.
// Only config.headers and SessionParams::extra_headers are added to upstream requests, nothing of the client.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "upstream/detail/factories.h"
#include "upstream/detail/id_map.h"
#include "upstream/detail/protocol.h"
#include "upstream/detail/session_channel.h"
#include "upstream/detail/waiters.h"

namespace bulkhead::upstream::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::uint64_t kCallerSession = 1;  // one caller per HTTP wire
constexpr std::chrono::milliseconds kGetRetryInitial{500};
constexpr std::chrono::milliseconds kGetRetryMax{30'000};

// How long a POST's event stream may stay open once it delivered the response: the server should end it right
// away; past this the connection is dropped rather than kept for reuse.
constexpr std::chrono::milliseconds kStreamEndGrace{100};

struct HttpShared {
  asio::any_io_executor executor;
  UpstreamConfig config;
  http::Client* client = nullptr;
  std::string label;  // "upstream 'u'"
  bool shut_down = false;
  std::vector<std::weak_ptr<struct HttpWire>> wires;  // open sessions, for shutdown
};

struct HttpWire {
  std::shared_ptr<HttpShared> shared;
  SessionParams params;        // what the session was opened with; a reopened session is initialized alike
  http::Headers base_headers;  // config.headers, then the tenant's extra_headers
  std::string session_id;
  std::uint64_t generation = 0;  // +1 per initialize: a 404 only expires the session it was sent in
  bool reopening = false;
  Waiters reopened;  // requests waiting for a reopen in progress
  std::string protocol_version;
  std::shared_ptr<const std::string> post_lines;  // headers(true), serialized once (refresh_post_lines)
  json::Value init_result;
  CallTable calls;
  std::shared_ptr<SessionChannel> channel;
  std::shared_ptr<http::CancelSignal> get_cancel = std::make_shared<http::CancelSignal>();
  Waiters close_wake;
  std::string last_event_id;
  bool closed = false;
  bool expired = false;

  [[nodiscard]] const std::string& label() const { return shared->label; }

  [[nodiscard]] http::Headers headers(bool post) const {
    http::Headers h = base_headers;
    if (post) {
      h.set("Content-Type", "application/json");
      h.set("Accept", "application/json, text/event-stream");
    } else {
      h.set("Accept", "text/event-stream");
    }
    if (!session_id.empty()) h.set("Mcp-Session-Id", session_id);
    if (!protocol_version.empty()) h.set("MCP-Protocol-Version", protocol_version);
    return h;
  }
  // Call after session_id or protocol_version changed. Requests in flight keep the block they started with.
  void refresh_post_lines() { post_lines = std::make_shared<const std::string>(http::serialize_header_lines(headers(true))); }

  // A POST with this wire's headers whose timeout bounds the whole exchange (SSE responses included).
  [[nodiscard]] http::ClientRequest post(std::string body, std::chrono::milliseconds timeout) const {
    http::ClientRequest request;
    request.method = "POST";
    request.url = shared->config.url;
    request.header_lines = post_lines;
    request.body = std::move(body);
    request.timeout = std::max(std::chrono::milliseconds(1), timeout);
    request.timeout_covers_stream = true;
    request.keep_response_headers = false;
    request.drain_after_stop = kStreamEndGrace;
    return request;
  }
};

const MessageSink kNoSink;  // messages nobody waits for (initialize) are dropped

// A message from the server on a POST stream (call set) or the GET stream (call null).
void route_incoming(HttpWire& wire, PendingCall* call, mcp::Message message) {
  if (message.is_response()) {
    if (message.id.is_null()) {
      spdlog::warn("{}: error without id: {}", wire.label(), json::serialize(message.error));
      return;
    }
    if (!wire.calls.complete(std::move(message))) spdlog::debug("{}: response for an unknown id", wire.label());
    return;
  }
  if (message.is_notification() && message.method == "notifications/progress") {
    if (!wire.calls.deliver_progress(std::move(message))) spdlog::debug("{}: stray progress dropped", wire.label());
    return;
  }
  if (call && !call->outcome) {
    call->deliver(std::move(message));
  } else {
    wire.channel->deliver(std::move(message));
  }
}

// The GET stream: everything it carries is routed (no call of its own).
http::SseCallback get_stream_callback(std::shared_ptr<HttpWire> wire) {
  return [wire](http::SseEvent event) -> asio::awaitable<bool> {
    if (!event.id.empty()) wire->last_event_id = event.id;
    if (event.data.empty()) co_return true;  // priming events carry only an id
    auto message = parse_wire(event.data);
    if (!message) {
      spdlog::warn("{}: skipped a malformed event ({} bytes): {}", wire->label(), event.data.size(),
                   message.error().message);
      co_return true;
    }
    route_incoming(*wire, nullptr, std::move(*message));
    co_return !wire->closed;
  };
}

// What the POST of `call` streams back, read by the caller's own coroutine: messages for the call go to
// `on_message` as they arrive (a server→client request must reach the client while the stream waits for its
// answer). Once the response is in, the client reads the rest of the stream for at most kStreamEndGrace
// (drain_after_stop) so the connection can be reused.
// The callback lives only while the exchange runs, within the frame that owns `stream`: it holds one pointer.
struct CallStream {
  HttpWire* wire;
  PendingCall* call;
  const MessageSink* on_message;  // null: messages are dropped
};

http::SseCallback call_stream_callback(const CallStream* stream) {
  return [stream](http::SseEvent event) -> asio::awaitable<bool> {
    HttpWire* wire = stream->wire;
    PendingCall* call = stream->call;
    const MessageSink* on_message = stream->on_message;
    if (event.data.empty()) co_return !call->outcome;  // priming events carry only an id
    auto message = parse_wire(event.data);
    if (!message) {
      spdlog::warn("{}: skipped a malformed event ({} bytes): {}", wire->label(), event.data.size(),
                   message.error().message);
      co_return !call->outcome;
    }
    // The call's own response arriving here must not stop this very read.
    auto abort = std::move(call->abort);
    call->abort = nullptr;
    route_incoming(*wire, call, std::move(*message));
    if (!call->outcome) call->abort = std::move(abort);
    if (!call->inbox.empty()) {
      const MessageSink& sink = on_message != nullptr ? *on_message : kNoSink;
      co_await drain_inbox(*call, sink);
    }
    if (wire->closed) co_return false;
    co_return !call->outcome;
  };
}

std::string upstream_error_text(const std::string& body) {
  auto message = parse_wire(body);
  if (!message || message->kind != mcp::Message::Kind::error) return {};
  const std::string* text = message->error.find_string("message");
  return text ? *text : std::string{};
}

// How post_call ended: the call is finished, or still open because the deadline passed or because the upstream
// no longer knows the session (HTTP 404: the request was not processed and may be sent again on a new one).
enum class PostEnd : std::uint8_t { finished, timed_out, session_gone };

// Marks the wire expired when `generation` is still its session (a 404 for an older one changes nothing).
void session_gone(HttpWire& wire, std::uint64_t generation) {
  if (generation == wire.generation) wire.expired = true;
}

// POSTs one request and finishes `call` from what comes back, handing messages for it to `on_message` as they
// arrive. Runs on the caller's coroutine: while it reads, finishing the call from elsewhere stops the read
// (PendingCall::abort).
asio::awaitable<PostEnd> post_call(std::shared_ptr<HttpWire> wire, std::shared_ptr<PendingCall> call,
                                   std::string body, const MessageSink* on_message,
                                   std::chrono::milliseconds timeout) {
  const std::uint64_t generation = wire->generation;
  http::ClientRequest request = wire->post(std::move(body), timeout);
  auto cancel = std::make_shared<http::CancelSignal>();
  call->abort = [cancel] { cancel->cancel(); };
  const CallStream stream{wire.get(), call.get(), on_message};
  http::SseCallback on_event = call_stream_callback(&stream);
  auto result = co_await wire->shared->client->request(std::move(request), std::move(on_event), cancel);
  call->abort = nullptr;
  if (call->outcome) co_return PostEnd::finished;
  if (!result) {
    if (result.error().reason == core::Reason::upstream_timeout) co_return PostEnd::timed_out;
    call->finish(core::fail(result.error().reason, fmt::format("{}: {}", wire->label(), result.error().message)));
    co_return PostEnd::finished;
  }
  const http::ClientResponse& response = *result;
  if (response.status == 404 && !wire->session_id.empty()) {
    session_gone(*wire, generation);
    co_return PostEnd::session_gone;
  }
  if (response.is_sse) {
    call->finish(core::fail(core::Reason::upstream_unavailable,
                            fmt::format("{}: the response stream ended without a response", wire->label())));
    co_return PostEnd::finished;
  }
  if (response.status >= 200 && response.status < 300) {
    auto message = parse_wire(response.body);
    if (message && message->is_response() && !message->id.is_null() && wire->calls.complete(std::move(*message))) {
      co_return PostEnd::finished;
    }
    call->finish(core::fail(core::Reason::upstream_unavailable,
                            fmt::format("{}: invalid response (HTTP {})", wire->label(), response.status)));
    co_return PostEnd::finished;
  }
  // A JSON-RPC error answering our id is the server's answer; anything else is a transport failure.
  auto message = parse_wire(response.body);
  if (message && message->kind == mcp::Message::Kind::error && !message->id.is_null() &&
      wire->calls.complete(std::move(*message))) {
    co_return PostEnd::finished;
  }
  std::string detail = upstream_error_text(response.body);
  call->finish(core::fail(core::Reason::upstream_unavailable,
                          fmt::format("{}: HTTP {}{}{}", wire->label(), response.status, detail.empty() ? "" : ": ",
                                      detail)));
  co_return PostEnd::finished;
}

// POSTs a notification or a response; the server answers 202 (or 200).
asio::awaitable<core::Result<void>> post_oneway(std::shared_ptr<HttpWire> wire, std::string body,
                                                std::chrono::milliseconds timeout) {
  const std::uint64_t generation = wire->generation;
  http::SseCallback ignore_events = [](http::SseEvent) -> asio::awaitable<bool> { co_return true; };
  auto result = co_await wire->shared->client->request(wire->post(std::move(body), timeout), std::move(ignore_events));
  if (!result) {
    co_return core::fail(result.error().reason, fmt::format("{}: {}", wire->label(), result.error().message));
  }
  if (result->status == 404 && !wire->session_id.empty()) {
    session_gone(*wire, generation);
    co_return core::fail(core::Reason::upstream_unavailable,
                         fmt::format("{}: the upstream session expired (HTTP 404)", wire->label()));
  }
  if (result->status < 200 || result->status >= 300) {
    std::string detail = upstream_error_text(result->body);
    co_return core::fail(core::Reason::upstream_unavailable,
                         fmt::format("{}: HTTP {}{}{}", wire->label(), result->status, detail.empty() ? "" : ": ",
                                     detail));
  }
  co_return core::Result<void>{};
}

// The GET stream of session `generation`; it ends when that session does (closed, expired, reopened).
asio::awaitable<void> get_stream(std::shared_ptr<HttpWire> wire, std::uint64_t generation) {
  auto retry = kGetRetryInitial;
  while (!wire->closed && !wire->expired && wire->generation == generation && !wire->shared->shut_down) {
    http::ClientRequest request;
    request.method = "GET";
    request.url = wire->shared->config.url;
    request.headers = wire->headers(false);
    if (!wire->last_event_id.empty()) request.headers.set("Last-Event-ID", wire->last_event_id);
    request.timeout = wire->shared->config.connect_timeout;
    http::SseCallback on_event = get_stream_callback(wire);
    std::shared_ptr<http::CancelSignal> cancel = wire->get_cancel;
    auto result = co_await wire->shared->client->request(std::move(request), std::move(on_event), std::move(cancel));
    if (wire->closed) break;
    if (result) {
      if (result->status == 405) {
        spdlog::debug("{}: no GET stream (405)", wire->label());
        break;
      }
      if (result->status == 404) {
        session_gone(*wire, generation);
        break;
      }
      if (!result->is_sse) {
        spdlog::debug("{}: GET stream refused (HTTP {})", wire->label(), result->status);
        break;
      }
      retry = kGetRetryInitial;  // a stream that ended normally is reopened soon
    } else {
      spdlog::debug("{}: GET stream failed: {}", wire->label(), result.error().message);
    }
    auto retry_at = SteadyClock::now() + retry;
    co_await wire->close_wake.wait_until(retry_at);
    retry = std::min(retry * 2, kGetRetryMax);
  }
}

asio::awaitable<void> send_delete(std::shared_ptr<HttpWire> wire) {
  if (wire->session_id.empty() || wire->expired) co_return;
  http::ClientRequest request;
  request.method = "DELETE";
  request.url = wire->shared->config.url;
  request.headers = wire->headers(false);
  request.headers.remove("Accept");
  request.timeout = wire->shared->config.connect_timeout;
  request.timeout_covers_stream = true;
  auto result = co_await wire->shared->client->request(std::move(request));
  if (!result) spdlog::debug("{}: DELETE failed: {}", wire->label(), result.error().message);
}

// initialize + notifications/initialized on `wire` (its session id, if any, is dropped first), then a GET stream.
asio::awaitable<core::Result<void>> initialize_wire(std::shared_ptr<HttpWire> wire) {
  const std::shared_ptr<HttpShared> shared = wire->shared;
  wire->session_id.clear();
  wire->protocol_version.clear();
  wire->refresh_post_lines();
  const SessionParams& params = wire->params;
  json::Value capabilities =
      params.client_capabilities.is_object() ? params.client_capabilities : advertised_capabilities({});
  mcp::Message init = make_initialize(params, capabilities);
  auto call = wire->calls.register_call(init, kInternalSession);
  CallGuard guard(wire->calls, call->wire_id);
  http::ClientRequest request = wire->post(mcp::serialize(init), shared->config.connect_timeout);
  request.keep_response_headers = true;  // Mcp-Session-Id
  const CallStream stream{wire.get(), call.get(), nullptr};
  http::SseCallback on_event = call_stream_callback(&stream);
  auto response = co_await shared->client->request(std::move(request), std::move(on_event));
  if (!response) {
    co_return core::fail(response.error().reason,
                         fmt::format("{}: initialize failed: {}", shared->label, response.error().message));
  }
  if (!call->outcome && response->status >= 200 && response->status < 300 && !response->is_sse) {
    if (auto message = parse_wire(response->body); message && message->is_response()) {
      wire->calls.complete(std::move(*message));
    }
  }
  if (!call->outcome || !*call->outcome) {
    std::string detail = upstream_error_text(response->body);
    co_return core::fail(core::Reason::upstream_unavailable,
                         fmt::format("{}: initialize failed (HTTP {}{}{})", shared->label, response->status,
                                     detail.empty() ? "" : ": ", detail));
  }
  auto result = check_initialize(**call->outcome, shared->label);
  if (!result) co_return std::unexpected(result.error());
  if (auto id = response->headers.get("Mcp-Session-Id")) wire->session_id = std::string(*id);
  wire->init_result = std::move(*result);
  wire->protocol_version = *wire->init_result.find_string("protocolVersion");
  wire->refresh_post_lines();
  ++wire->generation;
  wire->expired = false;

  std::string initialized_body = mcp::serialize(mcp::make_notification("notifications/initialized", json::Value()));
  auto initialized = co_await post_oneway(wire, std::move(initialized_body), shared->config.connect_timeout);
  if (!initialized) {
    asio::co_spawn(shared->executor, send_delete(wire), asio::detached);
    co_return std::unexpected(initialized.error());
  }
  wire->get_cancel = std::make_shared<http::CancelSignal>();
  asio::co_spawn(shared->executor, get_stream(wire, wire->generation), asio::detached);
  co_return core::Result<void>{};
}

// A new upstream session for an expired one (HTTP 404: the spec's "start a new session"), once per expiry: requests
// that find a reopen under way wait for it, and one that saw an older session than the current one only retries.
asio::awaitable<core::Result<void>> reopen(std::shared_ptr<HttpWire> wire, std::uint64_t seen_generation) {
  const auto deadline = SteadyClock::now() + 2 * wire->shared->config.connect_timeout;
  while (wire->reopening && !wire->closed && SteadyClock::now() < deadline) {
    co_await wire->reopened.wait_until(deadline);
  }
  if (wire->closed) co_return core::fail(core::Reason::upstream_unavailable, "upstream session is closed");
  if (wire->generation != seen_generation && !wire->expired) co_return core::Result<void>{};  // reopened meanwhile
  if (wire->reopening) {
    co_return core::fail(core::Reason::upstream_timeout,
                         fmt::format("{}: reopening the expired session takes too long", wire->label()));
  }
  wire->reopening = true;
  wire->get_cancel->cancel();  // the old session's GET stream, if it still runs
  spdlog::info("{}: the upstream session expired (HTTP 404); opening a new one", wire->label());
  auto opened = co_await initialize_wire(wire);
  wire->reopening = false;
  wire->reopened.notify_all();
  if (!opened) {
    wire->expired = true;
    co_return core::fail(opened.error().reason,
                         fmt::format("the upstream session expired (HTTP 404) and could not be reopened: {}",
                                     opened.error().message));
  }
  co_return core::Result<void>{};
}

// The synchronous part of closing: stops the GET stream and fails what is in flight.
void mark_closed(HttpWire& wire) {
  wire.closed = true;
  wire.channel->close();
  wire.get_cancel->cancel();
  wire.close_wake.notify_all();
  wire.reopened.notify_all();
  wire.calls.fail_all(core::Error{core::Reason::upstream_unavailable,
                                  fmt::format("{}: upstream session closed", wire.label())});
}

class HttpSession final : public Session {
 public:
  explicit HttpSession(std::shared_ptr<HttpWire> wire) : wire_(std::move(wire)) {}
  ~HttpSession() override {
    if (wire_->closed) return;
    mark_closed(*wire_);
    asio::co_spawn(wire_->shared->executor, send_delete(wire_), asio::detached);
  }

  [[nodiscard]] const json::Value& initialize_result() const override { return wire_->init_result; }

  asio::awaitable<core::Result<mcp::Message>> request(mcp::Message request, MessageSink on_message,
                                                      std::chrono::milliseconds timeout,
                                                      ResultForm form) override {
    std::shared_ptr<HttpWire> wire = wire_;
    if (wire->closed) co_return core::fail(core::Reason::upstream_unavailable, "upstream session is closed");
    if (!request.is_request()) {
      co_return core::fail(core::Reason::invalid_request, "request() needs a JSON-RPC request");
    }
    const auto deadline = SteadyClock::now() + timeout;
    if (wire->expired) {
      auto reopened = co_await reopen(wire, wire->generation);
      if (!reopened) co_return core::fail(reopened.error().reason, fmt::format("{}: {}", wire->label(), reopened.error().message));
    }
    if (request.method == "initialize") co_return mcp::make_result(request.id, wire->init_result);
    auto call = wire->calls.register_call(request, kCallerSession);
    call->result_form = form;
    CallGuard guard(wire->calls, call->wire_id);
    const std::uint64_t generation = wire->generation;
    std::string body = mcp::serialize(request);
    PostEnd end = co_await post_call(wire, call, std::move(body), &on_message, timeout);
    if (end == PostEnd::session_gone) {
      // Not processed by the upstream: sent once more, on a new session (same wire id: the call stays registered).
      auto reopened = co_await reopen(wire, generation);
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (reopened && left.count() > 0) {
        std::string again = mcp::serialize(request);
        end = co_await post_call(wire, call, std::move(again), &on_message, left);
      }
      if (end == PostEnd::session_gone) {
        const std::string why = reopened ? "expired again after it was reopened" : reopened.error().message;
        call->finish(core::fail(core::Reason::upstream_unavailable,
                                fmt::format("{}: the upstream session {}", wire->label(), why)));
      }
    }
    // Messages for this call that arrived on another stream (the GET stream) come before its outcome.
    if (!call->inbox.empty()) co_await drain_inbox(*call, on_message);
    if (call->outcome) co_return std::move(*call->outcome);
    if (!wire->closed && !wire->expired) {
      json::Value params = json::Value::object();
      params.set("requestId", call->wire_id);
      params.set("reason", "timeout");
      std::string cancel_body = mcp::serialize(mcp::make_notification("notifications/cancelled", std::move(params)));
      auto notify = [](std::shared_ptr<HttpWire> w, std::string b) -> asio::awaitable<void> {
        auto timeout = w->shared->config.connect_timeout;
        auto r = co_await post_oneway(w, std::move(b), timeout);
        if (!r) spdlog::debug("{}: cancel notification failed: {}", w->label(), r.error().message);
      };
      asio::co_spawn(wire->shared->executor, notify(wire, std::move(cancel_body)), asio::detached);
    }
    co_return core::fail(core::Reason::upstream_timeout, fmt::format("{} did not answer '{}' within {} ms",
                                                                   wire->label(), call->method, timeout.count()));
  }

  asio::awaitable<core::Result<void>> send(mcp::Message message) override {
    std::shared_ptr<HttpWire> wire = wire_;
    // Notifications and answers belong to the session they were meant for: nothing to reopen for them.
    if (auto open = check_open(*wire); !open) co_return std::unexpected(open.error());
    if (message.is_request()) {
      co_return core::fail(core::Reason::invalid_request, "send() takes notifications and responses");
    }
    if (message.is_notification()) {
      if (message.method == "notifications/initialized") co_return core::Result<void>{};
      if (message.method == "notifications/cancelled" && !wire->calls.map_cancelled(message, kCallerSession)) {
        co_return core::Result<void>{};
      }
    }
    std::string body = mcp::serialize(message);
    auto sent = co_await post_oneway(wire, std::move(body), wire->shared->config.request_timeout);
    co_return sent;
  }

  void set_listener(MessageSink listener) override { wire_->channel->set_listener(std::move(listener)); }

  asio::awaitable<void> close() override {
    std::shared_ptr<HttpWire> wire = wire_;
    if (wire->closed) co_return;
    mark_closed(*wire);
    co_await send_delete(wire);
  }

 private:
  static core::Result<void> check_open(const HttpWire& wire) {
    if (wire.closed) return core::fail(core::Reason::upstream_unavailable, "upstream session is closed");
    if (wire.expired) {
      return core::fail(core::Reason::upstream_unavailable,
                        fmt::format("{}: the upstream session expired; open a new session", wire.label()));
    }
    return {};
  }

  std::shared_ptr<HttpWire> wire_;
};

class HttpUpstream final : public Upstream {
 public:
  HttpUpstream(asio::any_io_executor executor, UpstreamConfig config, http::Client& client)
      : shared_(std::make_shared<HttpShared>()) {
    shared_->executor = std::move(executor);
    shared_->label = fmt::format("upstream '{}'", config.name);
    shared_->config = std::move(config);
    shared_->client = &client;
  }
  ~HttpUpstream() override {
    shared_->shut_down = true;
    for (auto& weak : shared_->wires) {
      if (auto wire = weak.lock(); wire && !wire->closed) mark_closed(*wire);
    }
  }

  [[nodiscard]] const UpstreamConfig& config() const noexcept override { return shared_->config; }

  asio::awaitable<core::Result<std::unique_ptr<Session>>> open_session(SessionParams params) override {
    auto shared = shared_;
    if (shared->shut_down) {
      co_return core::fail(core::Reason::upstream_unavailable, fmt::format("{} is shut down", shared->label));
    }
    auto wire = std::make_shared<HttpWire>();
    wire->shared = shared;
    for (const auto& [name, value] : shared->config.headers.all()) wire->base_headers.add(name, value);
    for (const auto& [name, value] : params.extra_headers.all()) wire->base_headers.set(name, value);
    wire->channel = std::make_shared<SessionChannel>(shared->executor, kCallerSession);
    wire->params = std::move(params);
    auto opened = co_await initialize_wire(wire);
    if (!opened) co_return std::unexpected(opened.error());
    std::erase_if(shared->wires, [](const auto& w) { return w.expired(); });
    shared->wires.push_back(wire);
    co_return std::unique_ptr<Session>(new HttpSession(wire));
  }

  [[nodiscard]] std::vector<ProcessInfo> processes() const override { return {}; }
  asio::awaitable<void> stop_tenant(std::string) override { co_return; }
  asio::awaitable<void> shutdown() override {
    auto shared = shared_;
    shared->shut_down = true;
    auto wires = std::move(shared->wires);
    shared->wires.clear();
    for (auto& weak : wires) {
      auto wire = weak.lock();
      if (!wire || wire->closed) continue;
      mark_closed(*wire);
      co_await send_delete(wire);
    }
  }

 private:
  std::shared_ptr<HttpShared> shared_;
};

}  // namespace

std::unique_ptr<Upstream> make_http_upstream(asio::any_io_executor executor, UpstreamConfig config,
                                             http::Client& client, const core::Clock&) {
  return std::make_unique<HttpUpstream>(std::move(executor), std::move(config), client);
}

}  // namespace bulkhead::upstream::detail
