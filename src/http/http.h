// bulkhead::http — an HTTP/1.1 server (keep-alive, SSE streaming, graceful drain) and a pooled HTTP/1.1
// client (JSON and SSE responses), both on Boost.Beast with C++20 coroutines (asio::awaitable).
//
// Threading: a Server and a Client run on the executors they are given. Handlers run as coroutines on the
// connection's strand (on the io_context itself with ServerOptions::single_threaded); a ResponseStream is used only from its own handler coroutine. Lifetime: a Server must
// outlive its io_context's run(); stop() closes listeners, then waits for in-flight handlers up to a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/core.h"

namespace bulkhead::http {

namespace asio = boost::asio;

// Header list with case-insensitive lookup; order preserved. clear() keeps the storage of the strings, so a list
// refilled for every request on a connection stops allocating once warm.
class Headers {
 public:
  using Item = std::pair<std::string, std::string>;
  Headers() = default;
  Headers(const Headers& other) : items_(other.all().begin(), other.all().end()), size_(other.size_) {}
  Headers& operator=(const Headers& other);
  Headers(Headers&& other) noexcept : items_(std::move(other.items_)), size_(std::exchange(other.size_, 0)) {}
  Headers& operator=(Headers&& other) noexcept {
    if (this != &other) {
      items_ = std::move(other.items_);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }

  void add(std::string_view name, std::string_view value);
  void set(std::string_view name, std::string value);  // replaces all of that name
  void remove(std::string_view name);
  void clear() noexcept { size_ = 0; }
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;  // first match
  [[nodiscard]] std::span<const Item> all() const noexcept { return {items_.data(), size_}; }

 private:
  std::vector<Item> items_;  // [0, size_) are the headers; the rest is storage kept for reuse
  std::size_t size_ = 0;
};

struct Request {
  std::string method;  // "GET", "POST", "DELETE", ...
  std::string target;  // path and query, as received
  Headers headers;
  std::string body;
  std::string remote_address;  // peer IP
  std::string local_address;   // listener IP the request arrived on
  bool local_is_loopback = false;
  // When the listener does TLS with client certificates: the verified peer chain, leaf first (DER).
  std::vector<std::string> peer_certificates_der;

  [[nodiscard]] std::string_view path() const noexcept;  // target without query
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

// One Server-Sent Event. Serialized as "id: ..\nevent: ..\ndata: ..\n\n" (data split on newlines).
struct SseEvent {
  std::string id;     // optional
  std::string event;  // optional ("message" when empty)
  std::string data;
  std::optional<int> retry_ms;
};

// How a handler answers: either one complete response, or an SSE stream. Methods return false once the
// client is gone (write failed or connection closed); the handler should then stop.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual asio::awaitable<bool> send(Response response) = 0;
  // Starts a 200 text/event-stream response with `headers` added (e.g. Mcp-Session-Id).
  virtual asio::awaitable<bool> start_sse(Headers headers) = 0;
  virtual asio::awaitable<bool> send_event(const SseEvent& event) = 0;
  // Ends the SSE response (terminating chunk). A handler returning without send/finish gets a 500.
  virtual asio::awaitable<void> finish() = 0;
  // True once the peer closed its side or the server is stopping (checked between events; a handler waiting
  // for events uses closed_signal() to wake up).
  [[nodiscard]] virtual bool closed() const noexcept = 0;
  // Waits until the client disconnects or the server stops; for long-lived GET SSE streams.
  virtual asio::awaitable<void> wait_closed() = 0;
};

using Handler = std::function<asio::awaitable<void>(Request&, ResponseStream&)>;

struct TlsOptions {
  std::string cert_file;
  std::string key_file;
  std::vector<std::string> client_ca_files;  // PEM CA files; non-empty: request and verify client certificates (mTLS)
};

struct ServerOptions {
  std::vector<core::HostPort> listen;  // port 0 = ephemeral (see Server::ports())
  std::size_t max_body_bytes = 4u << 20;  // larger bodies get 413 before the handler runs
  std::size_t max_header_bytes = 64u << 10;
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive idle
  std::chrono::milliseconds header_timeout{10'000};  // slowloris guard
  std::optional<TlsOptions> tls;
  // Called for 413 and malformed HTTP so the caller can shape the body (JSON-RPC error); may be empty.
  std::function<Response(core::Reason, std::string_view message)> error_response;
  // The io_context is run by one thread only: connections then use its executor directly instead of a strand
  // each (no strand queue and mutex per completion).
  bool single_threaded = false;
};

class Server {
 public:
  // Binds every listener (fails with a clear message, e.g. address in use). Does not start accepting.
  [[nodiscard]] static core::Result<std::unique_ptr<Server>> create(asio::io_context& io, ServerOptions options,
                                                                    Handler handler);
  virtual ~Server() = default;
  virtual void start() = 0;
  // Stops accepting, lets in-flight requests finish until `drain`, then closes every connection (SSE streams
  // see closed()). Calls `done` on the io_context when finished.
  virtual void stop(std::chrono::milliseconds drain, std::function<void()> done) = 0;
  [[nodiscard]] virtual std::vector<std::uint16_t> ports() const = 0;  // bound ports, listener order
  [[nodiscard]] virtual std::size_t open_connections() const = 0;
};

// Header lines ("Name: value\r\n" each) serialized once for many requests that share them (ClientRequest::
// header_lines). Invalid names or values and the framing headers the client sets itself (Host, Content-Length,
// Transfer-Encoding, Connection) are dropped, as they are from ClientRequest::headers.
[[nodiscard]] std::string serialize_header_lines(const Headers& headers);

struct ClientRequest {
  std::string method = "POST";
  std::string url;  // http://host:port/path (https:// supported when built with TLS)
  Headers headers;
  // Prepared lines (serialize_header_lines) sent before `headers`; shared so one block serves many requests.
  std::shared_ptr<const std::string> header_lines;
  std::string body;
  // Whole exchange for non-SSE; for SSE the time to the first byte, or the whole stream when
  // `timeout_covers_stream` (the request then fails with upstream_timeout when the deadline cuts the stream).
  std::chrono::milliseconds timeout{30'000};
  bool timeout_covers_stream = false;
  bool keep_response_headers = true;  // false: ClientResponse::headers stays empty (saves copying them)
  // SSE: once on_event returned false, the rest of the stream is still read (its events still go to on_event,
  // whose answer no longer matters) for at most this long, so the connection can be reused when the server ends
  // the stream promptly; the response is returned normally either way. 0: stop reading and close at once.
  std::chrono::milliseconds drain_after_stop{0};
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;     // non-SSE body
  bool is_sse = false;  // body was text/event-stream (events went to the callback)
};

// Called for each SSE event as it arrives. Return false to stop reading (the connection is then closed, unless
// ClientRequest::drain_after_stop lets the stream finish).
using SseCallback = std::function<asio::awaitable<bool>(SseEvent)>;

// Cancels a running request (e.g. a long-lived GET SSE stream) from any thread.
class CancelSignal {
 public:
  CancelSignal();
  void cancel();
  [[nodiscard]] bool cancelled() const noexcept;
  struct State;
  [[nodiscard]] const std::shared_ptr<State>& state() const noexcept { return state_; }

 private:
  std::shared_ptr<State> state_;
};

class Client {
 public:
  struct Options {
    std::size_t max_idle_per_host = 64;
    std::size_t max_response_bytes = 64u << 20;
    // https: PEM file of trusted CAs; empty = the system trust store. Server names are always verified.
    std::string tls_ca_file;
  };
  [[nodiscard]] static std::unique_ptr<Client> create(asio::any_io_executor executor, Options options);
  virtual ~Client() = default;
  // Sends one request over a pooled keep-alive connection. For text/event-stream responses each event is
  // passed to `on_event` until the stream ends; otherwise the body is returned. Errors: upstream_unavailable
  // (connect/IO failure, including a reused connection that turned out dead — retried once when safe),
  // upstream_timeout (deadline).
  // Details: call from a coroutine whose executor is a strand or a single-threaded io_context (deadline and
  // cancel callbacks run there). Without `on_event` an SSE body is returned raw in `body` (size-limited).
  // Cancel after an SSE stream started returns the response normally (is_sse); before that it returns
  // upstream_unavailable "cancelled". One CancelSignal may be shared by several requests; once fired it
  // refuses new requests. Error messages name host:port, never headers or bodies.
  virtual asio::awaitable<core::Result<ClientResponse>> request(ClientRequest request, SseCallback on_event = {},
                                                                std::shared_ptr<CancelSignal> cancel = {}) = 0;
};

// Serializes one event in SSE wire form.
[[nodiscard]] std::string format_sse(const SseEvent& event);

// Incremental SSE parser (WHATWG rules: "data:" lines joined by \n, ":" comments ignored, CRLF/LF/CR).
class SseParser {
 public:
  // Feeds bytes; complete events are appended to `out`.
  void feed(std::string_view bytes, std::vector<SseEvent>& out);

 private:
  std::string buffer_;
  SseEvent pending_;
  bool has_data_ = false;
  bool skip_lf_ = false;      // the previous chunk ended in CR: a leading LF completes that CRLF
  bool checked_bom_ = false;  // a UTF-8 BOM at stream start is skipped
};

}  // namespace bulkhead::http
