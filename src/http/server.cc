// HTTP/1.1 server: one accept coroutine per listener, one coroutine per connection on its own strand.
//
// Timeouts use a lazy per-connection deadline checked by a watchdog coroutine that ticks at a fraction of the
// shortest timeout, so the request path arms no timers. Client disconnects during a response are noticed by a
// parallel read ("monitor") started with an SSE stream or wait_closed().
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/status.hpp>

#include "http/detail/text.h"
#include "http/http.h"

namespace bulkhead::http {
namespace {

namespace bhttp = boost::beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using error_code = boost::system::error_code;
using Strand = asio::strand<asio::io_context::executor_type>;
using TlsStream = ssl::stream<tcp::socket>;

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kLingerBytes = 1u << 20;
constexpr auto kNoDeadline = SteadyClock::time_point::max();
constexpr auto kStopGrace = std::chrono::milliseconds(1000);

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

bool is_parse_error(const error_code& ec) {
  static const auto& category = bhttp::make_error_code(bhttp::error::bad_method).category();
  return ec.category() == category && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

bool is_loopback(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

std::string address_string(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  }
  return a.to_string();
}

void append_status_line(std::string& out, int status) {
  if (status < 100 || status > 999) status = 500;
  out += "HTTP/1.1 ";
  detail::append_decimal(out, static_cast<std::size_t>(status));
  out += ' ';
  const auto known = bhttp::int_to_status(static_cast<unsigned>(status));
  if (known == bhttp::status::unknown) {
    out += "Unknown";
  } else {
    out += bhttp::obsolete_reason(known);
  }
  out += "\r\n";
}

// User headers, minus the framing headers the server controls and anything that could split the response.
void append_user_headers(std::string& out, const Headers& headers, bool sse) {
  for (const auto& [name, value] : headers.all()) {
    if (!detail::valid_header_name(name) || !detail::valid_header_value(value)) continue;
    if (detail::iequals(name, "content-length") || detail::iequals(name, "transfer-encoding") ||
        detail::iequals(name, "connection")) {
      continue;
    }
    if (sse && (detail::iequals(name, "content-type") || detail::iequals(name, "cache-control"))) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
}

// Parses one request straight into a Request (method, target, headers, body), reusing its storage: no field
// container of its own, nothing copied afterwards.
class RequestParser final : public bhttp::basic_parser<true> {
  using beast_view = boost::beast::string_view;

 public:
  explicit RequestParser(Request& request) : request_(request) {
    request_.headers.clear();
    request_.body.clear();
  }
  [[nodiscard]] int version() const noexcept { return version_; }
  [[nodiscard]] bhttp::verb method() const noexcept { return method_; }
  [[nodiscard]] bool expects_continue() const noexcept { return expect_continue_; }

 private:
  void on_request_impl(bhttp::verb method, beast_view method_text, beast_view target, int version,
                       error_code&) override {
    request_.method.assign(method_text.data(), method_text.size());
    request_.target.assign(target.data(), target.size());
    method_ = method;
    version_ = version;
  }
  void on_response_impl(int, beast_view, int, error_code&) override {}
  void on_field_impl(bhttp::field field, beast_view name, beast_view value, error_code&) override {
    request_.headers.add(std::string_view(name), std::string_view(value));
    if (field == bhttp::field::expect && !saw_expect_) {  // the first Expect decides, as msg[field] did
      saw_expect_ = true;
      expect_continue_ = detail::iequals(std::string_view(value), "100-continue");
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) request_.body.reserve(static_cast<std::size_t>(*length));  // bounded by body_limit already
  }
  std::size_t on_body_impl(beast_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  Request& request_;
  bhttp::verb method_ = bhttp::verb::unknown;
  int version_ = 11;
  bool saw_expect_ = false;
  bool expect_continue_ = false;
};

class ConnectionControl {
 public:
  virtual ~ConnectionControl() = default;
  virtual void post_stop() = 0;         // stop after the in-flight request; SSE streams see closed()
  virtual void post_force_close() = 0;  // close the socket now
};

struct ServerState : std::enable_shared_from_this<ServerState> {
  ServerState(asio::io_context& io_context, ServerOptions opts, Handler h)
      : io(io_context),
        options(std::move(opts)),
        handler(std::move(h)),
        strand(asio::make_strand(io_context)),
        drain_timer(strand),
        grace_timer(strand) {}

  asio::io_context& io;
  ServerOptions options;
  Handler handler;
  Strand strand;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::uint16_t> ports;
  std::optional<ssl::context> tls;
  std::chrono::milliseconds tick{1000};

  std::mutex mu;  // guards connections and next_id
  std::unordered_map<std::uint64_t, std::weak_ptr<ConnectionControl>> connections;
  std::uint64_t next_id = 0;
  std::atomic<std::size_t> open{0};
  std::atomic<bool> stopping{false};

  // Touched only on `strand`.
  bool started = false;
  bool stop_begun = false;
  bool finished = false;
  std::size_t accept_loops = 0;
  std::vector<std::function<void()>> done_callbacks;
  asio::steady_timer drain_timer;
  asio::steady_timer grace_timer;

  std::vector<std::shared_ptr<ConnectionControl>> snapshot() {
    std::vector<std::shared_ptr<ConnectionControl>> out;
    std::lock_guard lock(mu);
    out.reserve(connections.size());
    for (auto& [id, weak] : connections) {
      if (auto c = weak.lock()) out.push_back(std::move(c));
    }
    return out;
  }

  void connection_done(std::uint64_t id) {
    {
      std::lock_guard lock(mu);
      connections.erase(id);
    }
    open.fetch_sub(1, std::memory_order_relaxed);
    if (stopping.load()) {
      asio::post(strand, [self = shared_from_this()] { self->check_done(); });
    }
  }

  void check_done() {
    if (finished || !stop_begun || accept_loops != 0 || open.load() != 0) return;
    finish();
  }

  void finish() {
    if (finished) return;
    finished = true;
    drain_timer.cancel();
    grace_timer.cancel();
    for (auto& cb : done_callbacks) asio::post(io, std::move(cb));
    done_callbacks.clear();
  }

  void begin_stop(std::chrono::milliseconds drain, std::function<void()> done) {
    if (done) done_callbacks.push_back(std::move(done));
    if (finished) {
      finish_callbacks_again();
      return;
    }
    if (stop_begun) return;
    stop_begun = true;
    stopping = true;
    error_code ec;
    for (auto& acceptor : acceptors) acceptor->close(ec);
    for (auto& c : snapshot()) c->post_stop();
    drain_timer.expires_after(drain);
    drain_timer.async_wait([self = shared_from_this()](error_code wait_ec) {
      if (wait_ec || self->finished) return;
      for (auto& c : self->snapshot()) c->post_force_close();
      // Handlers that ignore closed() and never return are abandoned after a short grace period.
      self->grace_timer.expires_after(kStopGrace);
      self->grace_timer.async_wait([self](error_code grace_ec) {
        if (!grace_ec) self->finish();
      });
    });
    check_done();
  }

  void finish_callbacks_again() {
    for (auto& cb : done_callbacks) asio::post(io, std::move(cb));
    done_callbacks.clear();
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> self, std::size_t index);
  void spawn_connection(tcp::socket socket);
};

template <class Stream>
class Connection final : public ConnectionControl,
                         public ResponseStream,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(std::shared_ptr<ServerState> server, Stream stream, std::uint64_t id)
      : server_(std::move(server)),
        options_(server_->options),
        stream_(std::move(stream)),
        id_(id),
        watchdog_timer_(stream_.get_executor()),
        closed_event_(stream_.get_executor()),
        monitor_done_(stream_.get_executor()) {
    closed_event_.expires_at(kNoDeadline);
  }

  static asio::awaitable<void> run(std::shared_ptr<Connection> self) {
    try {
      co_await self->serve();
    } catch (...) {  // nothing may escape a connection coroutine; the socket is closed below
    }
    self->finished_ = true;
    self->close_socket();
    self->watchdog_timer_.cancel();
    self->server_->connection_done(self->id_);
  }

  void post_stop() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->stop_requested_ = true;
      self->notify_closed();
      if (self->phase_ == Phase::reading) self->close_socket();
    });
  }

  void post_force_close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->stop_requested_ = true;
      self->force_closed_ = true;
      self->close_socket();
    });
  }

  // ResponseStream
  asio::awaitable<bool> send(Response response) override {
    if (responded_) co_return false;
    responded_ = true;
    if (force_closed_ || write_failed_) co_return false;
    if (stop_requested_) keep_alive_ = false;
    out_.clear();
    append_status_line(out_, response.status);
    append_user_headers(out_, response.headers, false);
    out_ += "Content-Length: ";
    detail::append_decimal(out_, response.body.size());
    out_ += "\r\n";
    if (!keep_alive_) {
      out_ += "Connection: close\r\n";
    } else if (http10_) {
      out_ += "Connection: keep-alive\r\n";
    }
    out_ += "\r\n";
    const std::string_view body = head_ ? std::string_view() : std::string_view(response.body);
    co_return co_await write(out_, body);
  }

  asio::awaitable<bool> start_sse(Headers headers) override {
    if (responded_) co_return false;
    responded_ = true;
    sse_started_ = true;
    if (force_closed_ || write_failed_) co_return false;
    chunked_ = !http10_;
    // After an SSE stream on TLS the monitor read cannot be cancelled safely, so the connection closes.
    if (http10_ || stop_requested_ || std::is_same_v<Stream, TlsStream>) keep_alive_ = false;
    out_.clear();
    append_status_line(out_, 200);
    out_ += "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n";
    append_user_headers(out_, headers, true);
    if (chunked_) out_ += "Transfer-Encoding: chunked\r\n";
    if (!keep_alive_) out_ += "Connection: close\r\n";
    out_ += "\r\n";
    const bool ok = co_await write(out_, {});
    if (ok) start_monitor();
    co_return ok;
  }

  asio::awaitable<bool> send_event(const SseEvent& event) override {
    if (!sse_started_ || sse_finished_ || write_failed_ || force_closed_ || peer_closed_) co_return false;
    event_.clear();
    detail::append_sse(event_, event);
    if (!chunked_) co_return co_await write(event_, {});
    chunk_head_.clear();
    detail::append_hex(chunk_head_, event_.size());
    chunk_head_ += "\r\n";
    co_return co_await write(chunk_head_, event_, "\r\n");
  }

  asio::awaitable<void> finish() override {
    if (!sse_started_ || sse_finished_) co_return;
    sse_finished_ = true;
    if (!chunked_) {
      keep_alive_ = false;
      co_return;
    }
    if (!write_failed_ && !force_closed_ && !peer_closed_) co_await write("0\r\n\r\n", {});
  }

  [[nodiscard]] bool closed() const noexcept override {
    return peer_closed_ || stop_requested_ || write_failed_ || force_closed_;
  }

  asio::awaitable<void> wait_closed() override {
    start_monitor();
    while (!closed()) {
      error_code ec;
      co_await closed_event_.async_wait(redirect(ec));
    }
  }

 private:
  enum class Phase : std::uint8_t { reading, handling };

  asio::awaitable<void> serve() {
    auto& socket = lowest(stream_);
    error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    const auto remote = socket.remote_endpoint(ec);
    if (!ec) request_.remote_address = address_string(remote.address());
    const auto local = socket.local_endpoint(ec);
    if (!ec) {
      request_.local_address = address_string(local.address());
      request_.local_is_loopback = is_loopback(local.address());
    }
    asio::co_spawn(stream_.get_executor(), watchdog(this->shared_from_this()), asio::detached);

    if constexpr (std::is_same_v<Stream, TlsStream>) {
      deadline_ = SteadyClock::now() + options_.header_timeout;
      co_await stream_.async_handshake(ssl::stream_base::server, redirect(ec));
      if (ec) co_return;
      capture_peer_chain();
    }

    const std::string remote_address = request_.remote_address;
    const std::string local_address = request_.local_address;
    const bool local_is_loopback = request_.local_is_loopback;

    for (;;) {
      if (stop_requested_ || force_closed_ || peer_closed_) co_return;
      phase_ = Phase::reading;
      if (buffer_.size() == 0) {
        deadline_ = SteadyClock::now() + options_.idle_timeout;
        const std::size_t n = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), redirect(ec));
        if (ec) co_return;
        buffer_.commit(n);
      }
      deadline_ = SteadyClock::now() + options_.header_timeout;
      RequestParser parser(request_);
      parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(options_.max_header_bytes, UINT32_MAX)));
      parser.body_limit(options_.max_body_bytes);
      ec = co_await read_until(parser, /*header_only=*/true);
      if (ec) {
        if (ec == bhttp::error::header_limit) {
          co_await reject(431, core::Reason::invalid_request, "request header too large");
        } else if (ec == bhttp::error::body_limit) {  // Content-Length over the limit, seen with the header
          co_await reject(413, core::Reason::body_too_large, "request body too large");
        } else if (is_parse_error(ec)) {
          co_await reject(400, core::Reason::invalid_request, "malformed HTTP request");
        }
        co_return;
      }
      if (const auto length = parser.content_length(); length && *length > options_.max_body_bytes) {
        co_await reject(413, core::Reason::body_too_large, "request body too large");
        co_return;
      }
      if (!parser.is_done()) {
        if (parser.version() >= 11 && parser.expects_continue()) {
          if (!co_await write("HTTP/1.1 100 Continue\r\n\r\n", {})) co_return;
        }
        deadline_ = SteadyClock::now() + options_.idle_timeout;
        ec = co_await read_until(parser, /*header_only=*/false);
        if (ec) {
          if (ec == bhttp::error::body_limit) {
            co_await reject(413, core::Reason::body_too_large, "request body too large");
          } else if (is_parse_error(ec)) {
            co_await reject(400, core::Reason::invalid_request, "malformed HTTP request body");
          }
          co_return;
        }
      }
      deadline_ = kNoDeadline;

      // The parser filled request_'s method, target, headers and body.
      request_.remote_address = remote_address;
      request_.local_address = local_address;
      request_.local_is_loopback = local_is_loopback;
      request_.peer_certificates_der = peer_chain_;

      keep_alive_ = parser.keep_alive();
      http10_ = parser.version() < 11;
      head_ = parser.method() == bhttp::verb::head;
      responded_ = sse_started_ = sse_finished_ = chunked_ = false;
      phase_ = Phase::handling;

      bool handler_failed = false;
      try {
        if (server_->handler) {
          co_await server_->handler(request_, *this);
        }
      } catch (...) {
        handler_failed = true;
      }
      if (sse_started_ && !sse_finished_) co_await finish();
      if (!responded_) {
        (void)handler_failed;
        keep_alive_ = false;
        co_await send(error_response(500, core::Reason::internal_error, "internal error"));
      }
      co_await stop_monitor();
      if (!keep_alive_ || write_failed_ || peer_closed_ || stop_requested_ || force_closed_) co_return;
    }
  }

  // Feeds buffered bytes to `parser`, reading more as needed, until the header (or the whole message) is parsed.
  // The bytes already buffered are parsed in place: no read (and no async operation) unless they run out.
  asio::awaitable<error_code> read_until(RequestParser& parser, bool header_only) {
    error_code ec;
    for (;;) {
      if (header_only ? parser.is_header_done() : parser.is_done()) co_return error_code{};
      if (buffer_.size() != 0) {
        const std::size_t used = parser.put(buffer_.data(), ec);
        buffer_.consume(used);
        if (!ec && used != 0) continue;
        if (ec && ec != bhttp::error::need_more) co_return ec;
        ec = {};
      }
      const std::size_t n = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), redirect(ec));
      buffer_.commit(n);
      if (ec == asio::error::eof) {
        if (!parser.got_some()) co_return error_code(bhttp::error::end_of_stream);
        ec = {};
        parser.put_eof(ec);
        co_return ec;  // done, or partial_message
      }
      if (ec) co_return ec;
    }
  }

  Response error_response(int status, core::Reason reason, std::string_view message) const {
    Response r;
    if (options_.error_response) {
      r = options_.error_response(reason, message);
    } else {
      r.headers.set("Content-Type", "text/plain; charset=utf-8");
      r.body = std::string(message);
      r.body += '\n';
    }
    r.status = status;
    return r;
  }

  // Answers an unusable request and closes without reading the rest of it into memory.
  asio::awaitable<void> reject(int status, core::Reason reason, std::string_view message) {
    keep_alive_ = false;
    head_ = false;
    responded_ = false;
    if (!co_await send(error_response(status, reason, message))) co_return;
    // Lingering close: shut our side, then discard what the client still sends for a short while so the
    // client reads the response instead of a connection reset.
    error_code ec;
    auto& socket = lowest(stream_);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    deadline_ = SteadyClock::now() + std::min<std::chrono::milliseconds>(options_.header_timeout,
                                                                         std::chrono::milliseconds(1000));
    std::array<char, 8192> scratch{};
    std::size_t drained = 0;
    while (drained < kLingerBytes) {
      const std::size_t n = co_await socket.async_read_some(asio::buffer(scratch), redirect(ec));
      if (ec) break;
      drained += n;
    }
  }

  asio::awaitable<bool> write(std::string_view a, std::string_view b, std::string_view c = {}) {
    const std::array<asio::const_buffer, 3> buffers{asio::buffer(a), asio::buffer(b), asio::buffer(c)};
    error_code ec;
    const auto previous = deadline_;
    deadline_ = SteadyClock::now() + options_.idle_timeout;
    co_await asio::async_write(stream_, buffers, redirect(ec));
    deadline_ = previous;
    if (ec) {
      write_failed_ = true;
      notify_closed();
      co_return false;
    }
    co_return true;
  }

  void start_monitor() {
    if (monitor_running_ || closed() || phase_ != Phase::handling) return;
    // Cancelling a pending TLS read can leave the TLS session unusable, so such connections close afterwards.
    if constexpr (std::is_same_v<Stream, TlsStream>) keep_alive_ = false;
    monitor_running_ = true;
    monitor_stop_ = false;
    asio::co_spawn(stream_.get_executor(), monitor(this->shared_from_this()), asio::detached);
  }

  static asio::awaitable<void> monitor(std::shared_ptr<Connection> self) {
    error_code ec;
    while (!self->monitor_stop_) {
      // A client pipelining lots of requests during a stream is not watched further (bounded memory).
      if (self->buffer_.size() >= self->options_.max_header_bytes + kReadChunk) break;
      const std::size_t n = co_await self->stream_.async_read_some(self->buffer_.prepare(kReadChunk), redirect(ec));
      if (ec) {
        if (!self->monitor_stop_) {
          self->peer_closed_ = true;
          self->notify_closed();
        }
        break;
      }
      self->buffer_.commit(n);
    }
    self->monitor_running_ = false;
    self->monitor_done_.cancel();
  }

  asio::awaitable<void> stop_monitor() {
    if (!monitor_running_) co_return;
    monitor_stop_ = true;
    error_code ec;
    lowest(stream_).cancel(ec);
    while (monitor_running_) {
      monitor_done_.expires_at(kNoDeadline);
      co_await monitor_done_.async_wait(redirect(ec));
    }
  }

  static asio::awaitable<void> watchdog(std::shared_ptr<Connection> self) {
    error_code ec;
    while (!self->finished_) {
      self->watchdog_timer_.expires_after(self->server_->tick);
      co_await self->watchdog_timer_.async_wait(redirect(ec));
      if (self->finished_) break;
      if (SteadyClock::now() >= self->deadline_) {
        self->deadline_ = kNoDeadline;
        self->close_socket();
      }
    }
  }

  void notify_closed() { closed_event_.cancel(); }

  void close_socket() {
    error_code ec;
    lowest(stream_).close(ec);
    notify_closed();
  }

  void capture_peer_chain() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      SSL* ssl_handle = stream_.native_handle();
      if (SSL_get_verify_result(ssl_handle) != X509_V_OK) return;
      STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl_handle);
      if (chain == nullptr) return;
      for (int i = 0; i < sk_X509_num(chain); ++i) {
        X509* cert = sk_X509_value(chain, i);
        const int len = i2d_X509(cert, nullptr);
        if (len <= 0) continue;
        std::string der(static_cast<std::size_t>(len), '\0');
        auto* p = reinterpret_cast<unsigned char*>(der.data());
        if (i2d_X509(cert, &p) == len) peer_chain_.push_back(std::move(der));
      }
    }
  }

  std::shared_ptr<ServerState> server_;
  const ServerOptions& options_;
  Stream stream_;
  std::uint64_t id_;
  boost::beast::flat_buffer buffer_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer closed_event_;  // never expires; cancel() wakes wait_closed()
  asio::steady_timer monitor_done_;
  SteadyClock::time_point deadline_ = kNoDeadline;
  Request request_;
  std::vector<std::string> peer_chain_;
  std::string out_;
  std::string event_;
  std::string chunk_head_;
  Phase phase_ = Phase::reading;
  bool finished_ = false;
  bool stop_requested_ = false;
  bool force_closed_ = false;
  bool peer_closed_ = false;
  bool write_failed_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_ = false;
  bool responded_ = false;
  bool sse_started_ = false;
  bool sse_finished_ = false;
  bool chunked_ = false;
  bool monitor_running_ = false;
  bool monitor_stop_ = false;
};

void ServerState::spawn_connection(tcp::socket socket) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mu);
    id = ++next_id;
  }
  open.fetch_add(1, std::memory_order_relaxed);
  auto executor = socket.get_executor();
  std::shared_ptr<ConnectionControl> control;
  if (tls) {
    auto c = std::make_shared<Connection<TlsStream>>(shared_from_this(), TlsStream(std::move(socket), *tls), id);
    control = c;
    asio::co_spawn(executor, Connection<TlsStream>::run(c), asio::detached);
  } else {
    auto c = std::make_shared<Connection<tcp::socket>>(shared_from_this(), std::move(socket), id);
    control = c;
    asio::co_spawn(executor, Connection<tcp::socket>::run(c), asio::detached);
  }
  std::lock_guard lock(mu);
  connections.emplace(id, control);
}

asio::awaitable<void> ServerState::accept_loop(std::shared_ptr<ServerState> self, std::size_t index) {
  auto& acceptor = *self->acceptors[index];
  asio::steady_timer backoff(self->strand);
  for (;;) {
    tcp::socket socket = self->options.single_threaded ? tcp::socket(self->io) : tcp::socket(asio::make_strand(self->io));
    error_code ec;
    co_await acceptor.async_accept(socket, redirect(ec));
    if (self->stopping.load() || !acceptor.is_open()) break;
    if (ec) {
      // Out of descriptors or a transient error: back off briefly instead of spinning.
      backoff.expires_after(std::chrono::milliseconds(20));
      co_await backoff.async_wait(redirect(ec));
      continue;
    }
    self->spawn_connection(std::move(socket));
  }
  --self->accept_loops;
  self->check_done();
}

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}

  ~ServerImpl() override {
    // Best effort when the owner forgot stop(): no new connections once the facade is gone.
    if (!state_->stopping.load()) stop(std::chrono::milliseconds(0), {});
  }

  void start() override {
    asio::post(state_->strand, [state = state_] {
      if (state->started || state->stop_begun) return;
      state->started = true;
      for (std::size_t i = 0; i < state->acceptors.size(); ++i) {
        ++state->accept_loops;
        asio::co_spawn(state->strand, ServerState::accept_loop(state, i), asio::detached);
      }
    });
  }

  void stop(std::chrono::milliseconds drain, std::function<void()> done) override {
    asio::post(state_->strand, [state = state_, drain, done = std::move(done)]() mutable {
      state->begin_stop(drain, std::move(done));
    });
  }

  [[nodiscard]] std::vector<std::uint16_t> ports() const override { return state_->ports; }
  [[nodiscard]] std::size_t open_connections() const override { return state_->open.load(); }

 private:
  std::shared_ptr<ServerState> state_;
};

core::Result<asio::ip::address> resolve_listen_host(asio::io_context& io, const core::HostPort& hp) {
  std::string host = hp.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "*") return asio::ip::address(asio::ip::address_v4::any());
  if (host == "localhost") return asio::ip::address(asio::ip::address_v4::loopback());
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) return address;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, std::to_string(hp.port), ec);
  if (ec || results.empty()) {
    return core::fail(core::Reason::internal_error, "cannot resolve listen address " + hp.host + ": " +
                                                        (ec ? ec.message() : std::string("no addresses")));
  }
  return results.begin()->endpoint().address();
}

core::Result<void> setup_tls(ssl::context& ctx, const TlsOptions& tls) {
  error_code ec;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                  ec);
  ctx.use_certificate_chain_file(tls.cert_file, ec);
  if (ec) return core::fail(core::Reason::internal_error, "cannot load TLS certificate " + tls.cert_file + ": " + ec.message());
  ctx.use_private_key_file(tls.key_file, ssl::context::pem, ec);
  if (ec) return core::fail(core::Reason::internal_error, "cannot load TLS private key " + tls.key_file + ": " + ec.message());
  for (const auto& file : tls.client_ca_files) {
    ctx.load_verify_file(file, ec);
    if (ec) return core::fail(core::Reason::internal_error, "cannot load TLS client CA " + file + ": " + ec.message());
  }
  if (!tls.client_ca_files.empty()) {
    // Client certificates are requested and, when presented, must verify; whether one is required is the
    // caller's decision (Request::peer_certificates_der is empty without one).
    ctx.set_verify_mode(ssl::verify_peer, ec);
  }
  return {};
}

}  // namespace

core::Result<std::unique_ptr<Server>> Server::create(asio::io_context& io, ServerOptions options, Handler handler) {
  if (options.listen.empty()) return core::fail(core::Reason::internal_error, "no listen address configured");
  auto state = std::make_shared<ServerState>(io, std::move(options), std::move(handler));
  const auto& opts = state->options;
  state->tick = std::max(std::min(opts.idle_timeout, opts.header_timeout) / 8, std::chrono::milliseconds(5));
  if (opts.tls) {
    state->tls.emplace(ssl::context::tls_server);
    if (auto ok = setup_tls(*state->tls, *opts.tls); !ok) return std::unexpected(ok.error());
  }
  for (const auto& hp : opts.listen) {
    auto address = resolve_listen_host(io, hp);
    if (!address) return std::unexpected(address.error());
    const tcp::endpoint endpoint(*address, hp.port);
    auto acceptor = std::make_unique<tcp::acceptor>(state->strand);
    error_code ec;
    const auto where = hp.host + ":" + std::to_string(hp.port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return core::fail(core::Reason::internal_error, "cannot listen on " + where + ": " + ec.message());
    state->ports.push_back(acceptor->local_endpoint(ec).port());
    state->acceptors.push_back(std::move(acceptor));
  }
  return std::unique_ptr<Server>(std::make_unique<ServerImpl>(std::move(state)));
}

}  // namespace bulkhead::http
