#include "upstream/detail/stdio_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace bulkhead::upstream::detail {

namespace {

void set_env(EnvList& env, const std::string& name, const std::string& value) {
  for (auto& [k, v] : env) {
    if (k == name) {
      v = value;
      return;
    }
  }
  env.emplace_back(name, value);
}

bool is_executable_file(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

EnvList build_environment(const EnvList& config_env, const EnvList& extra_env) {
  EnvList env;
  for (const char* name : {"PATH", "HOME", "LANG"}) {
    if (const char* value = std::getenv(name)) env.emplace_back(name, value);
  }
  for (const auto& [k, v] : config_env) set_env(env, k, v);
  for (const auto& [k, v] : extra_env) set_env(env, k, v);
  return env;
}

std::optional<std::string> resolve_command(const std::string& command, const EnvList& env) {
  if (command.empty()) return std::nullopt;
  if (command.find('/') != std::string::npos) {
    if (is_executable_file(command)) return command;
    return std::nullopt;
  }
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& [k, v] : env) {
    if (k == "PATH") path = v;
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + command;
    if (is_executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

core::Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(asio::any_io_executor executor,
                                                                 const ProcessSpec& spec) {
  auto path = resolve_command(spec.command, spec.env);
  if (!path) {
    return core::fail(core::Reason::upstream_unavailable,
                      fmt::format("command '{}' not found or not executable", spec.command));
  }
  // Descriptor pairs: [0] read end, [1] write end. O_CLOEXEC keeps our ends out of every child.
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  auto close_all = [&] {
    for (int* p : {in, out, err}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
  };
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    close_all();
    return core::fail(core::Reason::upstream_unavailable, fmt::format("pipe: {}", std::strerror(e)));
  }

  std::vector<std::string> argv_storage;
  argv_storage.push_back(spec.command);
  argv_storage.insert(argv_storage.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (const auto& [k, v] : spec.env) env_storage.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  // glibc clears FD_CLOEXEC when source and target descriptors are equal, so dup2 onto 0-2 is always safe.
  ::posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!spec.working_dir.empty()) ::posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());
  sigset_t empty_mask, default_signals;
  sigemptyset(&empty_mask);
  sigfillset(&default_signals);
  sigdelset(&default_signals, SIGKILL);
  sigdelset(&default_signals, SIGSTOP);
  ::posix_spawnattr_setsigmask(&attr, &empty_mask);
  ::posix_spawnattr_setsigdefault(&attr, &default_signals);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, path->c_str(), &actions, &attr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  if (rc != 0) {
    close_all();
    return core::fail(core::Reason::upstream_unavailable,
                      fmt::format("cannot start '{}': {}", spec.command, std::strerror(rc)));
  }
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess(executor, pid, in[1], out[0], err[0], pidfd));
  return child;
}

ChildProcess::ChildProcess(asio::any_io_executor executor, int pid, int stdin_fd, int stdout_fd, int stderr_fd,
                           int pidfd)
    : pid_(pid), stdin_(executor, stdin_fd), stdout_(executor, stdout_fd), stderr_(executor, stderr_fd) {
  if (pidfd >= 0) pidfd_.emplace(executor, pidfd);
}

ChildProcess::~ChildProcess() {
  close_pipes();
  kill_now();
}

void ChildProcess::close_pipes() noexcept {
  boost::system::error_code ec;
  stdin_.close(ec);
  stdout_.close(ec);
  stderr_.close(ec);
}

void ChildProcess::signal_group(int signal) noexcept {
  if (!reaped_ && pid_ > 0) ::kill(-pid_, signal);
}

bool ChildProcess::try_reap() noexcept {
  if (reaped_) return true;
  siginfo_t info{};
  // WNOWAIT: look without reaping, so the group id cannot be reused while we signal the group.
  int rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  if (rc != 0) {
    if (errno == ECHILD) reaped_ = true;  // already reaped elsewhere (e.g. SIGCHLD ignored)
    return reaped_;
  }
  if (info.si_pid == 0) return false;  // still running
  ::kill(-pid_, SIGKILL);              // stragglers of the group (the leader is a zombie; the id stays ours)
  int status = 0;
  ::waitpid(pid_, &status, WNOHANG);
  reaped_ = true;
  if (pidfd_) {
    boost::system::error_code ec;
    pidfd_->close(ec);
  }
  return true;
}

asio::awaitable<bool> ChildProcess::wait_exit_until(std::chrono::steady_clock::time_point deadline) {
  using namespace asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  while (!try_reap()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) co_return false;
    if (pidfd_ && pidfd_->is_open()) {
      asio::steady_timer timer(executor, deadline);
      boost::system::error_code ec1, ec2;
      co_await (pidfd_->async_wait(asio::posix::descriptor_base::wait_read,
                                   asio::redirect_error(asio::use_awaitable, ec1)) ||
                timer.async_wait(asio::redirect_error(asio::use_awaitable, ec2)));
    } else {
      auto step = std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(50));
      asio::steady_timer timer(executor, step);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  co_return true;
}

void ChildProcess::kill_now() noexcept {
  if (reaped_ || pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  if (pidfd_) {
    boost::system::error_code ec;
    pidfd_->close(ec);
  }
}

}  // namespace bulkhead::upstream::detail
