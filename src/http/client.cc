// Pooled HTTP/1.1 client: per-authority idle keep-alive connections, JSON and SSE responses, deadline and
// cross-thread cancellation.
//
// Deadline and cancel both close the socket in use; they run on the calling coroutine's executor (a timer
// bound to it, or a post from CancelSignal::cancel()), so they never race with the coroutine's own socket use
// as long as that executor is a strand or a single-threaded io_context.
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "http/detail/text.h"
#include "http/detail/url.h"
#include "http/http.h"

namespace bulkhead::http {

struct CancelSignal::State {
  struct Waiter {
    std::uint64_t id;
    asio::any_io_executor executor;  // the request's executor: the callback is posted there
    std::function<void()> on_cancel;
  };
  std::mutex mu;
  std::atomic<bool> cancelled{false};
  std::uint64_t next_id = 0;
  std::vector<Waiter> waiters;  // every request currently using this signal
};

CancelSignal::CancelSignal() : state_(std::make_shared<State>()) {}

void CancelSignal::cancel() {
  std::vector<State::Waiter> waiters;
  {
    std::lock_guard lock(state_->mu);
    if (state_->cancelled.exchange(true)) return;
    waiters.swap(state_->waiters);
  }
  for (auto& w : waiters) asio::post(w.executor, std::move(w.on_cancel));
}

bool CancelSignal::cancelled() const noexcept { return state_->cancelled.load(); }

namespace {

namespace bhttp = boost::beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::size_t kResponseHeaderLimit = 64 * 1024;
constexpr std::size_t kSseChunk = 16 * 1024;

auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

using SteadyClock = std::chrono::steady_clock;
// A connection given back to the pool less than this long ago is reused without probing it first (the probe is a
// syscall per request). A server that closed it in between is caught by the retry of a reused connection that
// fails before any response byte.
constexpr auto kProbeIdleAfter = std::chrono::milliseconds(1);
constexpr std::size_t kMaxCachedRoutes = 256;

struct IdleList;

struct PooledConnection {
  PooledConnection(const asio::any_io_executor& executor, IdleList* home) : socket(executor), idle_list(home) {}
  tcp::socket socket;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls;  // https only; wraps `socket`
  boost::beast::flat_buffer buffer;
  IdleList* idle_list;  // the pool's list for this scheme and authority
  SteadyClock::time_point released{};
};

struct IdleList {
  std::vector<std::unique_ptr<PooledConnection>> connections;
};

// A URL parsed once, with the idle list of its scheme and authority (routes and lists live as long as the pool).
struct Route {
  std::string url;
  detail::Url parsed;
  IdleList* idle = nullptr;
};

// Per-request state shared with the deadline timer and the cancel callback (both run on the request's executor).
struct Exchange {
  PooledConnection* connection = nullptr;
  tcp::resolver* resolver = nullptr;
  bool timed_out = false;
  bool cancelled = false;
  bool drain_expired = false;  // the stream did not end within ClientRequest::drain_after_stop

  void abort() {
    if (resolver != nullptr) resolver->cancel();
    if (connection != nullptr) {
      error_code ec;
      connection->socket.close(ec);
    }
  }
};

// True when an idle pooled socket still looks usable: no EOF and no unsolicited bytes waiting (for TLS
// those would be an alert, typically close_notify).
bool idle_socket_alive(tcp::socket& socket) {
  if (!socket.is_open()) return false;
  char byte = 0;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

struct Pool {
  Pool(asio::any_io_executor ex, Client::Options opts) : executor(std::move(ex)), options(std::move(opts)) {}

  asio::any_io_executor executor;
  Client::Options options;
  std::mutex mu;
  std::unordered_map<std::string, std::unique_ptr<IdleList>> idle;  // by "scheme://authority"
  std::vector<std::unique_ptr<Route>> routes;                       // most recently added last
  std::vector<std::unique_ptr<Route>> retired;                      // evicted from `routes`, may still be in use
  std::optional<ssl::context> tls;  // built on first https use
  std::string tls_error;

  // The parsed form of `url` (cached: a gateway sends to a few URLs over and over); null when invalid.
  const Route* route(const std::string& url) {
    std::lock_guard lock(mu);
    for (const auto& r : routes) {
      if (r->url == url) return r.get();
    }
    auto parsed = detail::parse_url(url);
    if (!parsed) return nullptr;
    if (routes.size() >= kMaxCachedRoutes) {
      // Many distinct URLs: keep a bounded cache. Routes handed out stay valid, so they move to `retired`.
      retired.push_back(std::move(routes.front()));
      routes.erase(routes.begin());
    }
    auto r = std::make_unique<Route>();
    r->url = url;
    r->parsed = std::move(*parsed);
    auto& list = idle[(r->parsed.tls ? "https://" : "http://") + r->parsed.authority];
    if (!list) list = std::make_unique<IdleList>();
    r->idle = list.get();
    routes.push_back(std::move(r));
    return routes.back().get();
  }

  core::Result<ssl::context*> tls_context() {
    std::lock_guard lock(mu);
    if (!tls && tls_error.empty()) {
      ssl::context ctx(ssl::context::tls_client);
      error_code ec;
      ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                          ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                      ec);
      if (options.tls_ca_file.empty()) {
        ctx.set_default_verify_paths(ec);
      } else {
        ctx.load_verify_file(options.tls_ca_file, ec);
      }
      if (ec) {
        tls_error = "cannot load TLS trust store " + options.tls_ca_file + ": " + ec.message();
      } else {
        tls.emplace(std::move(ctx));
      }
    }
    if (!tls) return core::fail(core::Reason::upstream_unavailable, tls_error);
    return &*tls;
  }

  std::unique_ptr<PooledConnection> acquire(IdleList& from) {
    std::vector<std::unique_ptr<PooledConnection>> dead;  // closed outside the lock
    std::unique_ptr<PooledConnection> found;
    const auto now = SteadyClock::now();
    {
      std::lock_guard lock(mu);
      auto& list = from.connections;
      while (!list.empty()) {
        auto c = std::move(list.back());
        list.pop_back();
        const bool fresh = now - c->released < kProbeIdleAfter && c->socket.is_open();
        if (c->buffer.size() == 0 && (fresh || idle_socket_alive(c->socket))) {
          found = std::move(c);
          break;
        }
        dead.push_back(std::move(c));
      }
    }
    return found;
  }

  void release(std::unique_ptr<PooledConnection> c) {
    if (c->buffer.size() != 0) return;  // unsolicited bytes after the response: not reusable
    c->released = SteadyClock::now();
    std::lock_guard lock(mu);
    auto& list = c->idle_list->connections;
    if (list.size() < options.max_idle_per_host) list.push_back(std::move(c));
  }

  void clear() {
    std::vector<std::unique_ptr<PooledConnection>> drop;
    std::lock_guard lock(mu);
    for (auto& [key, list] : idle) {
      for (auto& c : list->connections) drop.push_back(std::move(c));
      list->connections.clear();
    }
  }

};

bool method_has_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

void append_header_lines(const Headers& headers, std::string& out) {
  for (const auto& [name, value] : headers.all()) {
    if (!detail::valid_header_name(name) || !detail::valid_header_value(value)) continue;
    if (detail::iequals(name, "host") || detail::iequals(name, "content-length") ||
        detail::iequals(name, "transfer-encoding") || detail::iequals(name, "connection")) {
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
}

std::string serialize_head(const ClientRequest& req, const detail::Url& url) {
  std::string head;
  head.reserve(96 + url.target.size() + url.host_header.size() + (req.header_lines ? req.header_lines->size() : 0) +
               req.headers.all().size() * 48);
  head += req.method;
  head += ' ';
  head += url.target;
  head += " HTTP/1.1\r\nHost: ";
  head += url.host_header;
  head += "\r\n";
  if (req.header_lines) head += *req.header_lines;
  append_header_lines(req.headers, head);
  if (!req.body.empty() || method_has_body(req.method)) {
    head += "Content-Length: ";
    detail::append_decimal(head, req.body.size());
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

bool valid_method(std::string_view method) {
  if (method.empty()) return false;
  return detail::valid_header_name(method);  // a token
}

// Registers a request with a CancelSignal; unregisters when the request ends.
class CancelRegistration {
 public:
  CancelRegistration() = default;
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;
  ~CancelRegistration() {
    if (state_) {
      std::lock_guard lock(state_->mu);
      std::erase_if(state_->waiters, [this](const CancelSignal::State::Waiter& w) { return w.id == id_; });
    }
  }
  // False when the signal already fired.
  bool arm(const std::shared_ptr<CancelSignal>& signal, const asio::any_io_executor& executor,
           const std::shared_ptr<Exchange>& exchange) {
    if (!signal) return true;
    const auto& state = signal->state();
    std::lock_guard lock(state->mu);
    if (state->cancelled.load()) return false;
    state_ = state;
    id_ = ++state->next_id;
    state->waiters.push_back({id_, executor, [exchange] {
                                exchange->cancelled = true;
                                exchange->abort();
                              }});
    return true;
  }

 private:
  std::shared_ptr<CancelSignal::State> state_;
  std::uint64_t id_ = 0;
};

class ClientImpl final : public Client {
 public:
  ClientImpl(asio::any_io_executor executor, Options options)
      : pool_(std::make_shared<Pool>(std::move(executor), std::move(options))) {}
  ~ClientImpl() override { pool_->clear(); }

  asio::awaitable<core::Result<ClientResponse>> request(ClientRequest request, SseCallback on_event,
                                                        std::shared_ptr<CancelSignal> cancel) override {
    // The pool is shared so a request still running when the Client is destroyed stays safe.
    co_return co_await run(pool_, std::move(request), std::move(on_event), std::move(cancel));
  }

 private:
  static asio::awaitable<core::Result<ClientResponse>> run(std::shared_ptr<Pool> pool, ClientRequest req,
                                                           SseCallback on_event, std::shared_ptr<CancelSignal> cancel);

  std::shared_ptr<Pool> pool_;
};

// Everything one attempt needs; lives in ClientImpl::run's frame.
struct AttemptContext {
  Pool& pool;
  const ClientRequest& req;
  const detail::Url& url;
  const std::string& head;
  SseCallback& on_event;
  Exchange& exchange;
  const std::shared_ptr<Exchange>& exchange_owner;  // for timer handlers, which may run after the exchange
  asio::steady_timer& deadline;
  bool has_deadline;
};

struct AttemptOutcome {
  bool retry = false;     // a reused connection failed before any response byte: try once more, fresh
  bool reusable = false;  // the response was read completely and the connection may be pooled
  core::Result<ClientResponse> result = core::fail(core::Reason::internal_error, "no result");
};

std::unexpected<core::Error> exchange_failure(const Exchange& exchange, const std::string& where,
                                              std::string_view what, const error_code& ec) {
  if (exchange.timed_out) {
    return core::fail(core::Reason::upstream_timeout, "upstream " + where + " timed out (" + std::string(what) + ")");
  }
  if (exchange.cancelled) return core::fail(core::Reason::upstream_unavailable, "request to " + where + " cancelled");
  return core::fail(core::Reason::upstream_unavailable,
                    "upstream " + where + ": " + std::string(what) + " failed: " + ec.message());
}

// Parses one response straight into a ClientResponse: status, headers (when kept), and the body — appended to
// ClientResponse::body, or for an event stream fed to an SseParser whose events the caller collects.
class ResponseParser final : public bhttp::basic_parser<false> {
  using beast_view = boost::beast::string_view;

 public:
  ResponseParser(ClientResponse& response, bool keep_headers) : response_(response), keep_headers_(keep_headers) {}

  // After the header: the body is an event stream whose events go to `events` (the body is then not kept).
  void stream_events(std::vector<SseEvent>& events) { events_ = &events; }
  [[nodiscard]] bool event_stream_type() const noexcept { return sse_type_; }
  [[nodiscard]] std::size_t fed_since_event() const noexcept { return since_event_; }

 private:
  void on_request_impl(bhttp::verb, beast_view, beast_view, int, error_code&) override {}
  void on_response_impl(int code, beast_view, int, error_code&) override { response_.status = code; }
  void on_field_impl(bhttp::field field, beast_view name, beast_view value, error_code&) override {
    if (keep_headers_) response_.headers.add(std::string_view(name), std::string_view(value));
    if (field == bhttp::field::content_type && !saw_content_type_) {  // the first Content-Type decides
      saw_content_type_ = true;
      sse_type_ = detail::istarts_with(std::string_view(value), "text/event-stream");
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length && events_ == nullptr) response_.body.reserve(static_cast<std::size_t>(*length));  // within body_limit
  }
  std::size_t on_body_impl(beast_view body, error_code&) override { return take(body); }
  void on_chunk_header_impl(std::uint64_t, beast_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast_view body, error_code&) override { return take(body); }
  void on_finish_impl(error_code&) override {}

  std::size_t take(beast_view body) {
    if (events_ == nullptr) {
      response_.body.append(body.data(), body.size());
    } else {
      const std::size_t before = events_->size();
      sse_.feed(std::string_view(body.data(), body.size()), *events_);
      since_event_ = events_->size() == before ? since_event_ + body.size() : 0;
    }
    return body.size();
  }

  ClientResponse& response_;
  bool keep_headers_;
  bool saw_content_type_ = false;
  bool sse_type_ = false;
  std::vector<SseEvent>* events_ = nullptr;
  SseParser sse_;
  std::size_t since_event_ = 0;  // body bytes fed since the last complete event
};

struct NothingBeforeRead {
  void operator()() const noexcept {}
};

// Feeds the connection's buffered bytes to `parser`, reading more as needed, until the header (or the whole
// message) is parsed — or, with `events`, until at least one event is complete. Buffered bytes are parsed in place;
// `before_read` runs before each wait for more bytes from the socket.
template <class Stream, class BeforeRead = NothingBeforeRead>
asio::awaitable<error_code> read_response(Stream& stream, PooledConnection& conn, ResponseParser& parser,
                                          bool header_only, const std::vector<SseEvent>* events = nullptr,
                                          BeforeRead before_read = {}) {
  error_code ec;
  for (;;) {
    if (header_only ? parser.is_header_done() : parser.is_done()) co_return error_code{};
    if (events != nullptr && !events->empty()) co_return error_code{};
    if (conn.buffer.size() != 0) {
      const std::size_t used = parser.put(conn.buffer.data(), ec);
      conn.buffer.consume(used);
      if (!ec && used != 0) continue;
      if (ec && ec != bhttp::error::need_more) co_return ec;
      ec = {};
    }
    before_read();
    const std::size_t n = co_await stream.async_read_some(conn.buffer.prepare(kSseChunk), redirect(ec));
    conn.buffer.commit(n);
    if (ec == asio::error::eof) {
      if (!parser.got_some()) co_return error_code(bhttp::error::end_of_stream);
      ec = {};
      parser.put_eof(ec);
      co_return ec;  // done (a body delimited by the close), or partial_message
    }
    if (ec) co_return ec;
  }
}

template <class Stream>
asio::awaitable<AttemptOutcome> attempt_on(Stream& stream, PooledConnection& conn, bool reused,
                                           AttemptContext& ctx) {
  AttemptOutcome outcome;
  const std::string& where = ctx.url.authority;
  Exchange& exchange = ctx.exchange;
  error_code ec;

  const std::array<asio::const_buffer, 2> out{asio::buffer(ctx.head), asio::buffer(ctx.req.body)};
  co_await asio::async_write(stream, out, redirect(ec));
  if (ec) {
    outcome.retry = reused && !exchange.timed_out && !exchange.cancelled;
    outcome.result = exchange_failure(exchange, where, "send", ec);
    co_return outcome;
  }

  ClientResponse response;
  ResponseParser parser(response, ctx.req.keep_response_headers);
  parser.header_limit(kResponseHeaderLimit);
  parser.body_limit(ctx.pool.options.max_response_bytes);
  if (ctx.req.method == "HEAD") parser.skip(true);
  ec = co_await read_response(stream, conn, parser, /*header_only=*/true);
  if (ec) {
    const bool nothing_received =
        !parser.got_some() && conn.buffer.size() == 0 &&
        (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe);
    outcome.retry = reused && nothing_received && !exchange.timed_out && !exchange.cancelled;
    outcome.result = exchange_failure(exchange, where, "read response", ec);
    co_return outcome;
  }

  if (parser.event_stream_type() && ctx.on_event) {
    response.is_sse = true;
    // The timeout covered the time to the first byte only, unless the caller wants it to bound the stream.
    if (ctx.has_deadline && !ctx.req.timeout_covers_stream) ctx.deadline.cancel();
    parser.body_limit(boost::none);  // streams are unbounded; single events are bounded below
    std::vector<SseEvent> events;
    parser.stream_events(events);
    bool stopped = false;
    bool draining = false;      // on_event has what it needs; the rest of the stream is read for reuse
    bool drain_armed = false;
    // The end of a drained stream not yet received is waited for at most drain_after_stop (the timer is set only
    // when the socket must be read again: a stream that ends in the bytes at hand needs none).
    auto arm_drain = [&] {
      if (!draining || drain_armed) return;
      drain_armed = true;
      const auto until = SteadyClock::now() + ctx.req.drain_after_stop;
      ctx.deadline.expires_at(ctx.has_deadline && ctx.req.timeout_covers_stream ? std::min(until, ctx.deadline.expiry())
                                                                                 : until);
      ctx.deadline.async_wait([exchange = ctx.exchange_owner](error_code wait_ec) {
        if (wait_ec) return;
        exchange->drain_expired = true;
        exchange->abort();
      });
    };
    while (!parser.is_done()) {
      ec = co_await read_response(stream, conn, parser, /*header_only=*/false, &events, std::ref(arm_drain));
      for (auto& event : events) {
        const bool more = co_await ctx.on_event(std::move(event));
        if (!more && !draining) {
          if (ctx.req.drain_after_stop.count() <= 0) {
            stopped = true;
            break;
          }
          draining = true;
        }
        if (exchange.cancelled) break;
      }
      events.clear();
      if (stopped || exchange.cancelled || exchange.drain_expired) break;
      if (ec) {
        if (ec == bhttp::error::partial_message || draining) break;  // stream cut: it ends
        outcome.result = exchange_failure(exchange, where, "read event stream", ec);
        co_return outcome;
      }
      if (parser.fed_since_event() > ctx.pool.options.max_response_bytes) {
        outcome.result = core::fail(core::Reason::upstream_unavailable,
                                    "upstream " + where + ": event stream event exceeds size limit");
        co_return outcome;
      }
    }
    outcome.reusable = parser.is_done() && parser.keep_alive() && !stopped && !exchange.cancelled &&
                       !exchange.timed_out && !exchange.drain_expired;
    if (exchange.timed_out && ctx.req.timeout_covers_stream && !draining) {
      outcome.result = core::fail(core::Reason::upstream_timeout, "upstream " + where + " timed out (event stream)");
      co_return outcome;
    }
    outcome.result = std::move(response);
    co_return outcome;
  }

  ec = co_await read_response(stream, conn, parser, /*header_only=*/false);
  if (ec) {
    if (ec == bhttp::error::body_limit) {
      outcome.result = core::fail(core::Reason::upstream_unavailable,
                                  "upstream " + where + ": response exceeds " +
                                      std::to_string(ctx.pool.options.max_response_bytes) + " bytes");
    } else {
      outcome.result = exchange_failure(exchange, where, "read response body", ec);
    }
    co_return outcome;
  }
  outcome.reusable = parser.keep_alive() && !exchange.timed_out && !exchange.cancelled;
  outcome.result = std::move(response);
  co_return outcome;
}

asio::awaitable<core::Result<ClientResponse>> ClientImpl::run(std::shared_ptr<Pool> pool, ClientRequest req,
                                                              SseCallback on_event,
                                                              std::shared_ptr<CancelSignal> cancel) {
  const Route* route = pool->route(req.url);
  if (route == nullptr) co_return core::fail(core::Reason::upstream_unavailable, "invalid upstream URL");
  const detail::Url* url = &route->parsed;
  if (!valid_method(req.method)) co_return core::fail(core::Reason::internal_error, "invalid HTTP method");
  const std::string& where = url->authority;
  ssl::context* tls_context = nullptr;
  if (url->tls) {
    auto ctx = pool->tls_context();
    if (!ctx) co_return std::unexpected(ctx.error());
    tls_context = *ctx;
  }
  const auto executor = co_await asio::this_coro::executor;
  auto exchange = std::make_shared<Exchange>();
  CancelRegistration registration;
  if (!registration.arm(cancel, executor, exchange)) {
    co_return core::fail(core::Reason::upstream_unavailable, "request to " + where + " cancelled");
  }

  asio::steady_timer deadline(executor);
  const bool has_deadline = req.timeout.count() > 0;
  if (has_deadline) {
    deadline.expires_after(req.timeout);
    deadline.async_wait([exchange](error_code ec) {
      if (ec) return;
      exchange->timed_out = true;
      exchange->abort();
    });
  }
  // On every exit: stop the timer and make sure a late timer/cancel callback touches nothing.
  struct Cleanup {
    asio::steady_timer& timer;
    Exchange& exchange;
    ~Cleanup() {
      timer.cancel();
      exchange.connection = nullptr;
      exchange.resolver = nullptr;
    }
  } cleanup{deadline, *exchange};

  const std::string head = serialize_head(req, *url);
  AttemptContext ctx{*pool, req, *url, head, on_event, *exchange, exchange, deadline, has_deadline};
  error_code ec;

  core::Result<ClientResponse> final_result = core::fail(core::Reason::internal_error, "no result");
  bool have_result = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<PooledConnection> conn = attempt == 0 ? pool->acquire(*route->idle) : nullptr;
    const bool reused = conn != nullptr;
    if (conn) {
      exchange->connection = conn.get();
    } else {
      conn = std::make_unique<PooledConnection>(pool->executor, route->idle);
      exchange->connection = conn.get();
      if (exchange->timed_out || exchange->cancelled) {
        co_return exchange_failure(*exchange, where, "connect", asio::error::operation_aborted);
      }
      error_code address_ec;
      const auto address = asio::ip::make_address(url->host, address_ec);
      if (!address_ec) {
        co_await conn->socket.async_connect(tcp::endpoint(address, url->port), redirect(ec));
      } else {
        tcp::resolver resolver(executor);
        exchange->resolver = &resolver;
        auto endpoints = co_await resolver.async_resolve(url->host, std::to_string(url->port), redirect(ec));
        exchange->resolver = nullptr;
        if (ec) co_return exchange_failure(*exchange, where, "resolve", ec);
        if (exchange->timed_out || exchange->cancelled) {
          co_return exchange_failure(*exchange, where, "connect", asio::error::operation_aborted);
        }
        co_await asio::async_connect(conn->socket, endpoints, redirect(ec));
      }
      if (ec) co_return exchange_failure(*exchange, where, "connect", ec);
      error_code opt_ec;
      conn->socket.set_option(tcp::no_delay(true), opt_ec);
      if (tls_context != nullptr) {
        conn->tls = std::make_unique<ssl::stream<tcp::socket&>>(conn->socket, *tls_context);
        if (address_ec) SSL_set_tlsext_host_name(conn->tls->native_handle(), url->host.c_str());  // SNI: names only
        conn->tls->set_verify_mode(ssl::verify_peer);
        conn->tls->set_verify_callback(ssl::host_name_verification(url->host));
        co_await conn->tls->async_handshake(ssl::stream_base::client, redirect(ec));
        if (ec) co_return exchange_failure(*exchange, where, "TLS handshake", ec);
      }
    }
    if (exchange->timed_out || exchange->cancelled) {
      co_return exchange_failure(*exchange, where, "send", asio::error::operation_aborted);
    }

    AttemptOutcome outcome;
    if (conn->tls) {
      outcome = co_await attempt_on(*conn->tls, *conn, reused, ctx);
    } else {
      outcome = co_await attempt_on(conn->socket, *conn, reused, ctx);
    }
    if (outcome.retry) continue;  // stale pooled connection
    if (outcome.reusable) {
      exchange->connection = nullptr;
      pool->release(std::move(conn));
    }
    final_result = std::move(outcome.result);
    have_result = true;
    break;
  }
  if (!have_result) {
    final_result = core::fail(core::Reason::upstream_unavailable, "upstream " + where + ": connection closed before response");
  }
  co_return final_result;
}

}  // namespace

std::string serialize_header_lines(const Headers& headers) {
  std::string lines;
  append_header_lines(headers, lines);
  return lines;
}

std::unique_ptr<Client> Client::create(asio::any_io_executor executor, Options options) {
  return std::make_unique<ClientImpl>(std::move(executor), std::move(options));
}

}  // namespace bulkhead::http
