// Shared helpers for upstream tests: running a coroutine to completion with a wall-clock limit, JSON literals,
// locating node and the peers, free loopback ports, and background node servers.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "json/json.h"
#include "mcp/mcp.h"
#include "upstream/detail/stdio_process.h"
#include "upstream/upstream.h"

// ASSERT_* cannot be used inside coroutines (they `return`); these `co_return` instead.
#define CO_ASSERT_TRUE_MSG(c, msg)                                    \
  do {                                                                \
    if (!(c)) {                                                       \
      ADD_FAILURE() << "assertion failed: " #c " -- " << (msg);      \
      co_return;                                                      \
    }                                                                 \
  } while (0)
#define CO_ASSERT_TRUE(c) CO_ASSERT_TRUE_MSG(c, "")
#define CO_ASSERT_FALSE(c) CO_ASSERT_TRUE_MSG(!(c), "")
#define CO_ASSERT_EQ(a, b) CO_ASSERT_TRUE_MSG((a) == (b), "")
#define CO_ASSERT_NE(a, b) CO_ASSERT_TRUE_MSG((a) != (b), "")

namespace bulkhead::upstream::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline json::Value J(std::string_view text) {
  auto v = json::parse(text);
  if (!v) throw std::runtime_error("bad JSON literal in test: " + std::string(text));
  return std::move(*v);
}

// Runs `body` on `io` until it finishes (fails the test after `limit`).
inline void run_test(asio::io_context& io, const std::function<asio::awaitable<void>()>& body,
                     std::chrono::seconds limit = 90s) {
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    done = true;
    error = e;
  });
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  ASSERT_TRUE(done) << "test coroutine did not finish in time";
  if (error) std::rethrow_exception(error);
}

inline asio::awaitable<void> sleep_ms(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
}

// Waits (polling every 20 ms) until `condition` holds or `ms` pass. Returns the final value of condition.
inline asio::awaitable<bool> wait_for(const std::function<bool()>& condition, int ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    co_await sleep_ms(20);
  }
  co_return true;
}

// Starts session->request in the background; the result appears in the returned holder.
using ResultHolder = std::shared_ptr<std::optional<core::Result<mcp::Message>>>;
inline ResultHolder spawn_request(asio::io_context& io, Session& session, mcp::Message request, MessageSink sink,
                                  std::chrono::milliseconds timeout) {
  auto holder = std::make_shared<std::optional<core::Result<mcp::Message>>>();
  asio::co_spawn(
      io,
      [&session, request = std::move(request), sink = std::move(sink), timeout, holder]() mutable
          -> asio::awaitable<void> { holder->emplace(co_await session.request(std::move(request), sink, timeout)); },
      asio::detached);
  return holder;
}

inline std::string node_path() {
  auto path = detail::resolve_command("node", detail::build_environment({}, {}));
  return path ? *path : std::string("node");
}

inline std::string source_dir() { return BULKHEAD_SOURCE_DIR; }
inline std::string everything_js() {
  return source_dir() + "/test/peers/node_modules/@modelcontextprotocol/server-everything/dist/index.js";
}
inline std::string fake_stdio_js() { return source_dir() + "/test/upstream/peers/fake_stdio_server.mjs"; }
inline std::string fake_http_js() { return source_dir() + "/test/upstream/peers/fake_http_server.mjs"; }

inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_open(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A node server started in the background (output to /dev/null), killed on destruction.
class NodeServer {
 public:
  NodeServer(const std::vector<std::string>& args, std::uint16_t port) : port_(port) {
    std::vector<std::string> argv_s{node_path()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s{"PORT=" + std::to_string(port)};
    if (const char* p = std::getenv("PATH")) env_s.push_back(std::string("PATH=") + p);
    if (const char* h = std::getenv("HOME")) env_s.push_back(std::string("HOME=") + h);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    ::posix_spawn(&pid_, argv[0], &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!port_open(port_) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  }
  ~NodeServer() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  NodeServer(const NodeServer&) = delete;
  NodeServer& operator=(const NodeServer&) = delete;
  [[nodiscard]] bool ready() const { return port_open(port_); }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/mcp"; }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_;
};

inline bool process_exists(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH); }

}  // namespace bulkhead::upstream::test
