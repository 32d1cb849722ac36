// Shared helpers for the http tests: io_context threads, blocking raw sockets, coroutine runners.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/http.h"

namespace bulkhead::http::test {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// An io_context running on its own thread for the lifetime of the object.
class IoThread {
 public:
  IoThread() : work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() { stop(); }
  void stop() {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

// Runs a coroutine on `io` (which must be running elsewhere) and waits for its result.
template <class T>
T run_on(asio::io_context& io, asio::awaitable<T> aw) {
  auto fut = asio::co_spawn(io, std::move(aw), asio::use_future);
  return fut.get();
}

// A blocking loopback client socket (the test thread drives it).
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    socket_.set_option(tcp::no_delay(true));
  }
  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // Reads one full HTTP response (throws on error).
  bhttp::response<bhttp::string_body> read_response(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64u << 20);
    if (head) parser.skip(true);
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }
  // Reads until the peer closes; returns everything (including what was buffered).
  std::string read_to_eof() {
    std::string out(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    boost::system::error_code ec;
    char chunk[4096];
    for (;;) {
      const std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
      if (ec) break;
      out.append(chunk, n);
    }
    return out;
  }
  // Reads until `needle` appears in the accumulated input; returns everything read so far.
  std::string read_until(std::string_view needle) {
    std::string out(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    char chunk[4096];
    while (out.find(needle) == std::string::npos) {
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
      if (ec) break;
      out.append(chunk, n);
    }
    return out;
  }
  // True when the server closed the connection (read returns EOF or reset).
  bool closed_by_peer() {
    if (buffer_.size() > 0) return false;
    char c;
    boost::system::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return static_cast<bool>(ec);
  }
  void close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

inline ServerOptions loopback_options() {
  ServerOptions options;
  options.listen.push_back(core::HostPort{"127.0.0.1", 0});
  return options;
}

// A running Server on its own io thread.
class TestServer {
 public:
  explicit TestServer(Handler handler, ServerOptions options = loopback_options()) {
    auto created = Server::create(io_.io(), std::move(options), std::move(handler));
    if (!created) throw std::runtime_error(created.error().message);
    server_ = std::move(*created);
    server_->start();
  }
  ~TestServer() {
    stop(0ms);
    io_.stop();
  }
  // Stops the server and waits for `done`.
  bool stop(std::chrono::milliseconds drain, std::chrono::milliseconds wait = 10s) {
    if (stopped_) return true;
    stopped_ = true;
    auto done = std::make_shared<std::promise<void>>();
    server_->stop(drain, [done] { done->set_value(); });
    return done->get_future().wait_for(wait) == std::future_status::ready;
  }
  std::uint16_t port() const { return server_->ports().at(0); }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  Server& server() { return *server_; }
  asio::io_context& io() { return io_.io(); }

 private:
  IoThread io_;
  std::unique_ptr<Server> server_;
  bool stopped_ = false;
};

// A blocking loopback listener: each accepted connection is handed to `serve` on its own thread.
class RawServer {
 public:
  using Serve = std::function<void(tcp::socket&)>;
  explicit RawServer(Serve serve)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), serve_(std::move(serve)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      for (;;) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) break;
        ++accepted_;
        workers_.emplace_back([this, s = std::make_shared<tcp::socket>(std::move(socket))] {
          try {
            serve_(*s);
          } catch (...) {
          }
          boost::system::error_code ignored;
          s->close(ignored);
        });
      }
    });
  }
  ~RawServer() {
    stopping_ = true;
    boost::system::error_code ec;
    // Wake the blocking accept with a throwaway connection.
    tcp::socket poke(io_);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
    for (auto& w : workers_) w.join();
  }
  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  Serve serve_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

// Reads one request head (up to CRLFCRLF) plus `Content-Length` bytes of body from a blocking socket.
inline std::optional<std::string> read_raw_request(tcp::socket& socket, std::string& pending) {
  char chunk[4096];
  boost::system::error_code ec;
  std::size_t header_end;
  while ((header_end = pending.find("\r\n\r\n")) == std::string::npos) {
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) return std::nullopt;
    pending.append(chunk, n);
  }
  std::size_t length = 0;
  const std::string head = pending.substr(0, header_end + 4);
  if (auto p = head.find("Content-Length: "); p != std::string::npos) length = std::stoul(head.substr(p + 16));
  while (pending.size() < header_end + 4 + length) {
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) return std::nullopt;
    pending.append(chunk, n);
  }
  std::string request = pending.substr(0, header_end + 4 + length);
  pending.erase(0, header_end + 4 + length);
  return request;
}

// Polls `pred` until true or timeout.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

}  // namespace bulkhead::http::test
