// bulkhead-echo: the benchmark upstream. MCP over Streamable HTTP (stateless, JSON responses, keep-alive,
// TCP_NODELAY) or over stdio (newline-delimited JSON).
//   bulkhead-echo --http 127.0.0.1:0 [--threads N] [--ready-file FILE]
//   bulkhead-echo --stdio
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "common/http1.h"
#include "echo/echo_server.h"

namespace bulkhead::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t kPadding = simdjson::SIMDJSON_PADDING;
constexpr std::size_t kMaxMessageBytes = 16u << 20;

McpEcho& thread_echo() {
  thread_local McpEcho echo;
  return echo;
}

void append_number(std::size_t n, std::string& out) {
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, n);
  out.append(buffer, end);
}

// One keep-alive HTTP/1.1 connection. Requests are handled in arrival order (pipelining works); all answers to
// the requests that arrived in one read go out in one write.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  explicit HttpConnection(tcp::socket socket) : socket_(std::move(socket)), in_(16 * 1024 + kPadding) {}

  void start() {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    read();
  }

 private:
  void read() {
    if (in_.size() - kPadding - in_size_ < 4096) {
      if (in_.size() - kPadding >= kMaxMessageBytes) return;  // oversized message: drop the connection
      in_.resize((in_.size() - kPadding) * 2 + kPadding);
    }
    socket_.async_read_some(asio::buffer(in_.data() + in_size_, in_.size() - kPadding - in_size_),
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                              if (ec) return;
                              self->in_size_ += n;
                              self->process();
                            });
  }

  void process() {
    std::size_t offset = 0;
    bool close = false;
    for (;;) {
      const std::string_view pending(in_.data() + offset, in_size_ - offset);
      MessageHead head;
      const ParseState state = parse_head(pending, /*is_request=*/true, head);
      if (state == ParseState::incomplete) break;
      if (state == ParseState::error) {
        respond(400, "text/plain", "bad request", /*allow=*/{});
        close = true;
        break;
      }
      const char* body = pending.data() + head.head_bytes;
      std::size_t body_size = 0;
      std::size_t readable = 0;
      std::size_t consumed = head.head_bytes;
      if (head.chunked) {
        chunked_body_.clear();
        std::size_t used = 0;
        const ParseState body_state = decode_chunked(pending.substr(head.head_bytes), chunked_body_, used);
        if (body_state == ParseState::incomplete) break;
        if (body_state == ParseState::error) {
          respond(400, "text/plain", "bad chunked body", {});
          close = true;
          break;
        }
        consumed += used;
        chunked_body_.reserve(chunked_body_.size() + kPadding);
        body = chunked_body_.data();
        body_size = chunked_body_.size();
        readable = chunked_body_.capacity();
      } else {
        body_size = head.content_length;
        if (head.content_length > kMaxMessageBytes) {
          respond(413, "text/plain", "too large", {});
          close = true;
          break;
        }
        if (pending.size() < head.head_bytes + body_size) break;
        consumed += body_size;
        readable = in_.size() - offset - head.head_bytes;  // the read buffer always carries padding
      }
      handle(head, body, body_size, readable);
      offset += consumed;
      if (head.connection_close) {
        close = true;
        break;
      }
    }
    if (offset > 0) {
      std::memmove(in_.data(), in_.data() + offset, in_size_ - offset);
      in_size_ -= offset;
    }
    if (out_.empty()) {
      if (!close) read();
      return;
    }
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), close](boost::system::error_code ec, std::size_t) {
                        self->out_.clear();
                        if (ec) return;
                        if (close) {
                          boost::system::error_code ignored;
                          self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  void handle(const MessageHead& head, const char* body, std::size_t size, std::size_t readable) {
    std::string_view path = head.target;
    if (const std::size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    if (path != "/mcp") {
      respond(404, "text/plain", "not found", {});
      return;
    }
    if (head.method != "POST") {
      respond(405, "text/plain", "method not allowed", "POST");
      return;
    }
    json_.clear();
    switch (thread_echo().handle(body, size, readable, json_)) {
      case McpEcho::Outcome::response: respond(200, "application/json", json_, {}); break;
      case McpEcho::Outcome::accepted: respond(202, {}, {}, {}); break;
      case McpEcho::Outcome::parse_error: respond(400, "application/json", json_, {}); break;
    }
  }

  void respond(int status, std::string_view content_type, std::string_view body, std::string_view allow) {
    switch (status) {
      case 200: out_.append("HTTP/1.1 200 OK\r\n"); break;
      case 202: out_.append("HTTP/1.1 202 Accepted\r\n"); break;
      case 400: out_.append("HTTP/1.1 400 Bad Request\r\n"); break;
      case 404: out_.append("HTTP/1.1 404 Not Found\r\n"); break;
      case 405: out_.append("HTTP/1.1 405 Method Not Allowed\r\n"); break;
      default: out_.append("HTTP/1.1 413 Content Too Large\r\n"); break;
    }
    if (!content_type.empty()) {
      out_.append("Content-Type: ");
      out_.append(content_type);
      out_.append("\r\n");
    }
    if (!allow.empty()) {
      out_.append("Allow: ");
      out_.append(allow);
      out_.append("\r\n");
    }
    out_.append("Content-Length: ");
    append_number(body.size(), out_);
    out_.append("\r\n\r\n");
    out_.append(body);
  }

  tcp::socket socket_;
  std::vector<char> in_;  // size() = usable capacity + kPadding
  std::size_t in_size_ = 0;
  std::string chunked_body_;
  std::string json_;
  std::string out_;
};

void accept_loop(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](boost::system::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<HttpConnection>(std::move(socket))->start();
    if (ec != asio::error::operation_aborted) accept_loop(acceptor);
  });
}

bool write_ready_file(const std::string& path, const std::string& listen) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream file(tmp, std::ios::trunc);
    file << R"({"pid":)" << ::getpid() << R"(,"listen":[")" << listen << R"("],"url":"http://)" << listen
         << R"(/mcp"})" << '\n';
    if (!file) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

int run_http(std::string_view address, int threads, const std::string& ready_file) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    std::fprintf(stderr, "bulkhead-echo: --http expects HOST:PORT\n");
    return 2;
  }
  unsigned short port = 0;
  const std::string_view port_text = address.substr(colon + 1);
  if (std::from_chars(port_text.data(), port_text.data() + port_text.size(), port).ec != std::errc{}) {
    std::fprintf(stderr, "bulkhead-echo: bad port in --http\n");
    return 2;
  }
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(std::string(address.substr(0, colon)), ec);
  if (ec) {
    std::fprintf(stderr, "bulkhead-echo: bad address in --http\n");
    return 2;
  }
  asio::io_context io(threads);
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "bulkhead-echo: cannot listen on %.*s: %s\n", static_cast<int>(address.size()),
                 address.data(), ec.message().c_str());
    return 1;
  }
  const auto local = acceptor.local_endpoint();
  const std::string listen = local.address().to_string() + ":" + std::to_string(local.port());
  if (!ready_file.empty() && !write_ready_file(ready_file, listen)) {
    std::fprintf(stderr, "bulkhead-echo: cannot write %s\n", ready_file.c_str());
    return 1;
  }
  std::fprintf(stderr, "bulkhead-echo: listening on http://%s/mcp (%d thread(s))\n", listen.c_str(), threads);
  accept_loop(acceptor);
  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();
  return 0;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Newline-delimited JSON on stdin/stdout; every line that arrived in one read is answered in one write.
int run_stdio() {
  std::vector<char> in(64 * 1024 + kPadding);
  std::size_t have = 0;
  std::string out;
  McpEcho& echo = thread_echo();
  for (;;) {
    if (have == in.size() - kPadding) {
      if (have >= kMaxMessageBytes) return 1;
      in.resize(have * 2 + kPadding);
    }
    const ssize_t n = ::read(0, in.data() + have, in.size() - kPadding - have);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    have += static_cast<std::size_t>(n);
    std::size_t start = 0;
    for (;;) {
      const void* nl = std::memchr(in.data() + start, '\n', have - start);
      if (nl == nullptr) break;
      const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - in.data());
      std::size_t line_start = start;
      while (line_start < end && (in[line_start] == ' ' || in[line_start] == '\r' || in[line_start] == '\t')) {
        ++line_start;
      }
      if (line_start < end) {
        const std::size_t before = out.size();
        if (echo.handle(in.data() + line_start, end - line_start, in.size() - line_start, out) ==
            McpEcho::Outcome::accepted) {
          out.resize(before);
        } else {
          out.push_back('\n');
        }
      }
      start = end + 1;
    }
    if (!out.empty()) {
      if (!write_all(1, out)) return 1;
      out.clear();
    }
    std::memmove(in.data(), in.data() + start, have - start);
    have -= start;
  }
}

int usage() {
  std::fprintf(stderr,
               "usage: bulkhead-echo --http HOST:PORT [--threads N] [--ready-file FILE]\n"
               "       bulkhead-echo --stdio\n");
  return 2;
}

}  // namespace
}  // namespace bulkhead::bench

int main(int argc, char** argv) {
  using namespace bulkhead::bench;
  ::signal(SIGPIPE, SIG_IGN);
  std::string http;
  std::string ready_file;
  bool stdio = false;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--stdio") {
      stdio = true;
    } else if (arg == "--http" && has_value) {
      http = argv[++i];
    } else if (arg == "--threads" && has_value) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--ready-file" && has_value) {
      ready_file = argv[++i];
    } else {
      return usage();
    }
  }
  if (stdio == !http.empty()) return usage();
  try {
    return stdio ? run_stdio() : run_http(http, threads, ready_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bulkhead-echo: %s\n", e.what());
    return 1;
  }
}
