#include "upstream/detail/stdio_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/redirect_error.hpp>

#include "upstream/detail/line_reader.h"
#include "test_support.h"

namespace bulkhead::upstream::test {
namespace {

using detail::ChildProcess;
using detail::EnvList;

TEST(Environment, OnlyPathHomeLangThenConfigThenTenant) {
  ::setenv("BULKHEAD_TEST_PARENT_SECRET", "leak", 1);
  EnvList env = detail::build_environment({{"A", "config"}, {"B", "config"}}, {{"B", "tenant"}, {"C", "tenant"}});
  bool has_path = false;
  for (const auto& [k, v] : env) {
    EXPECT_NE(k, "BULKHEAD_TEST_PARENT_SECRET");
    if (k == "PATH") has_path = true;
    if (k == "A") {
      EXPECT_EQ(v, "config");
    }
    if (k == "B") {
      EXPECT_EQ(v, "tenant");
    }
    if (k == "C") {
      EXPECT_EQ(v, "tenant");
    }
  }
  EXPECT_TRUE(has_path);
  for (const auto& [k, v] : env) {
    EXPECT_TRUE(k == "PATH" || k == "HOME" || k == "LANG" || k == "A" || k == "B" || k == "C") << k;
  }
}

TEST(Environment, ResolvesCommandOnTheChildsPath) {
  EXPECT_EQ(detail::resolve_command("sh", {{"PATH", "/nonexistent:/bin"}}), std::optional<std::string>("/bin/sh"));
  EXPECT_FALSE(detail::resolve_command("sh", {{"PATH", "/nonexistent"}}).has_value());
  EXPECT_FALSE(detail::resolve_command("/no/such/binary", {}).has_value());
}

asio::awaitable<std::string> read_all_lines(asio::posix::stream_descriptor& d) {
  detail::LineReader reader(d, 1 << 20);
  std::string all;
  while (auto line = co_await reader.next_line()) all += *line + "\n";
  co_return all;
}

TEST(ChildProcess, RunsWithMinimalEnvOwnGroupAndNoExtraFds) {
  asio::io_context io;
  // Leave an inheritable descriptor open in the parent: the child must not see it.
  int leaked = ::fcntl(1, F_DUPFD, 100);
  ASSERT_GE(leaked, 0);
  detail::ProcessSpec spec{"sh",
                           {"-c", "echo env=$(env | sort | tr '\\n' ' '); echo pgid=$(cut -d' ' -f5 /proc/$$/stat) "
                                  "pid=$$; ls /proc/self/fd | tr '\\n' ' '; echo; read x; echo got=$x; echo err >&2"},
                           detail::build_environment({{"ONLY", "me"}}, {}),
                           "/tmp"};
  auto child = ChildProcess::spawn(io.get_executor(), spec);
  ASSERT_TRUE(child) << child.error().message;
  run_test(io, [&]() -> asio::awaitable<void> {
    std::string input = "hello\n";
    co_await asio::async_write((*child)->stdin_pipe(), asio::buffer(input), asio::use_awaitable);
    std::string out = co_await read_all_lines((*child)->stdout_pipe());
    std::string err = co_await read_all_lines((*child)->stderr_pipe());
    EXPECT_NE(out.find("ONLY=me"), std::string::npos) << out;
    EXPECT_EQ(out.find("BULKHEAD_TEST_PARENT_SECRET"), std::string::npos);
    std::string pid = std::to_string((*child)->pid());
    EXPECT_NE(out.find("pgid=" + pid + " pid=" + pid), std::string::npos) << out;
    EXPECT_NE(out.find("got=hello"), std::string::npos) << out;
    EXPECT_EQ(err, "err\n");
    // fds: 0 1 2 and the one ls opens for /proc/self/fd itself
    EXPECT_EQ(out.find(" " + std::to_string(leaked) + " "), std::string::npos) << out;
    EXPECT_TRUE(co_await (*child)->wait_exit_until(std::chrono::steady_clock::now() + 5s));
  });
  ::close(leaked);
  EXPECT_TRUE((*child)->reaped());
}

TEST(ChildProcess, GroupIsKilledWhenLeaderExitsAndNothingIsLeftAsZombie) {
  asio::io_context io;
  detail::ProcessSpec spec{"sh", {"-c", "sleep 30 & echo $!; exec sleep 30"}, detail::build_environment({}, {}), ""};
  auto child = ChildProcess::spawn(io.get_executor(), spec);
  ASSERT_TRUE(child);
  int grandchild = 0;
  run_test(io, [&]() -> asio::awaitable<void> {
    detail::LineReader reader((*child)->stdout_pipe(), 100);
    auto line = co_await reader.next_line();
    EXPECT_TRUE(line.has_value());
    if (line) grandchild = std::atoi(line->c_str());
    ::kill((*child)->pid(), SIGKILL);  // only the leader
    EXPECT_TRUE(co_await (*child)->wait_exit_until(std::chrono::steady_clock::now() + 5s));
  });
  ASSERT_GT(grandchild, 0);
  // The grandchild got SIGKILL through the group; it is init's to reap, so wait until it is gone.
  for (int i = 0; i < 100 && ::kill(grandchild, 0) == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_NE(::kill(grandchild, 0), 0);
  int status = 0;
  EXPECT_EQ(::waitpid((*child)->pid(), &status, WNOHANG), -1);  // already reaped: no zombie of ours
}

TEST(ChildProcess, MissingCommandIsAnError) {
  asio::io_context io;
  auto child = ChildProcess::spawn(io.get_executor(), {"/no/such/thing", {}, {}, ""});
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().reason, core::Reason::upstream_unavailable);
  auto bad_dir = ChildProcess::spawn(io.get_executor(), {"sh", {"-c", "true"}, detail::build_environment({}, {}),
                                                         "/no/such/dir"});
  ASSERT_FALSE(bad_dir);
}

}  // namespace
}  // namespace bulkhead::upstream::test
