// ChildProcess: one spawned stdio MCP server (posix_spawn) with pipes for stdin/stdout/stderr, in its own process
// group, with a minimal environment and no inherited descriptors beyond 0-2. Exit is observed through a pidfd
// (polling fallback); the leader is reaped here (never waitpid(-1)), and the rest of its group is SIGKILLed when
// the leader exits, so no orphan keeps the pipes open.
// Thread-safety: one executor. Lifetime: the destructor SIGKILLs the group and reaps the leader if still running.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "core/core.h"

namespace bulkhead::upstream::detail {

namespace asio = boost::asio;

using EnvList = std::vector<std::pair<std::string, std::string>>;

// PATH, HOME and LANG from the parent (when set), then `config_env`, then `extra_env`; a later entry replaces an
// earlier one of the same name. Nothing else of the parent's environment is passed on.
[[nodiscard]] EnvList build_environment(const EnvList& config_env, const EnvList& extra_env);

// `command` itself when it contains '/', else the first executable match on PATH taken from `env`
// (default "/usr/local/bin:/usr/bin:/bin" when `env` has no PATH).
[[nodiscard]] std::optional<std::string> resolve_command(const std::string& command, const EnvList& env);

struct ProcessSpec {
  std::string command;
  std::vector<std::string> args;
  EnvList env;  // the complete environment
  std::string working_dir;
};

class ChildProcess {
 public:
  // Errors: upstream_unavailable (command not found, spawn failure) with a message naming the command.
  [[nodiscard]] static core::Result<std::unique_ptr<ChildProcess>> spawn(asio::any_io_executor executor,
                                                                          const ProcessSpec& spec);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  [[nodiscard]] int pid() const noexcept { return pid_; }
  asio::posix::stream_descriptor& stdin_pipe() noexcept { return stdin_; }
  asio::posix::stream_descriptor& stdout_pipe() noexcept { return stdout_; }
  asio::posix::stream_descriptor& stderr_pipe() noexcept { return stderr_; }
  void close_pipes() noexcept;

  // Sends `signal` to the whole process group (no-op once the leader is reaped).
  void signal_group(int signal) noexcept;
  // Reaps the leader if it has exited (SIGKILLing the rest of its group first). True once reaped.
  bool try_reap() noexcept;
  [[nodiscard]] bool reaped() const noexcept { return reaped_; }
  // Waits until the leader has exited and is reaped, or `deadline`. True when reaped.
  asio::awaitable<bool> wait_exit_until(std::chrono::steady_clock::time_point deadline);
  // SIGKILL to the group and a blocking reap (destructors, shutdown paths).
  void kill_now() noexcept;

 private:
  ChildProcess(asio::any_io_executor executor, int pid, int stdin_fd, int stdout_fd, int stderr_fd, int pidfd);

  int pid_;
  bool reaped_ = false;
  asio::posix::stream_descriptor stdin_;
  asio::posix::stream_descriptor stdout_;
  asio::posix::stream_descriptor stderr_;
  std::optional<asio::posix::stream_descriptor> pidfd_;
};

}  // namespace bulkhead::upstream::detail
