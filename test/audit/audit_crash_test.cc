// Module-level crash test: a child process appends with sync durability from 4 threads and reports every seq it
// was told is durable on a pipe; the parent SIGKILLs it at different points (6 runs), then reopens (recovery) and
// checks that every acknowledged record is present with the content the child wrote and that verify passes.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <thread>

#include "audit_test_util.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

struct Ack {
  std::uint64_t seq;
  std::uint32_t writer;
  std::uint32_t index;
};

[[noreturn]] void run_child(const AuditOptions& options, int pipe_fd) {
  core::SystemClock clock;
  auto log = AuditLog::open(options, clock);
  if (!log) ::_exit(3);
  std::vector<std::thread> writers;
  for (std::uint32_t w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (std::uint32_t i = 0;; ++i) {
        AuditRecord r = sample_record("crash", static_cast<int>(i));
        r.task = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto seq = (*log)->append_and_wait(std::move(r));
        if (!seq) ::_exit(4);
        const Ack ack{*seq, w, i};
        if (::write(pipe_fd, &ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) ::_exit(5);
      }
    });
  }
  for (auto& t : writers) t.join();
  ::_exit(0);
}

class CrashTest : public ::testing::TestWithParam<int> {};

TEST_P(CrashTest, EveryAcknowledgedRecordSurvivesSigkill) {
  const int kill_after_acks = GetParam();
  ScratchDir dir("crash");
  AuditOptions options = options_for(dir / "log", dir / "key.pem");
  options.checkpoint_every_records = 50;
  options.checkpoint_every_ms = std::chrono::milliseconds(5);
  options.segment_max_bytes = 64 * 1024;  // rotations happen during the run too
  options.preallocate_segments = true;     // kill -9 while writing into preallocated (v2) segments
  core::SystemClock clock;
  // A few rounds against the same directory: each restart recovers the previous crash.
  std::map<std::uint64_t, std::string> acknowledged;
  for (int round = 0; round < 2; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      run_child(options, fds[1]);
    }
    ::close(fds[1]);
    int seen = 0;
    Ack ack{};
    auto read_ack = [&](int timeout_ms) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return false;
      return ::read(fds[0], &ack, sizeof ack) == static_cast<ssize_t>(sizeof ack);
    };
    while (seen < kill_after_acks + round * 97 && read_ack(10000)) {
      acknowledged[ack.seq] = "w" + std::to_string(ack.writer) + "-" + std::to_string(ack.index);
      ++seen;
    }
    ASSERT_GT(seen, 0) << "child never acknowledged a record";
    ::kill(child, SIGKILL);
    // Acks written before the kill are still in the pipe: they count too.
    while (read_ack(1000)) acknowledged[ack.seq] = "w" + std::to_string(ack.writer) + "-" + std::to_string(ack.index);
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);

    auto log = AuditLog::open(options, clock);  // recovery
    ASSERT_TRUE(log) << log.error().message;
  }
  auto report = verify(dir / "log");
  ASSERT_TRUE(report);
  ASSERT_TRUE(report->ok()) << report->failure->message;
  std::ostringstream out;
  ASSERT_TRUE(tail(dir / "log", {}, out));
  std::map<std::uint64_t, std::string> present;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    auto v = json::parse(line);
    ASSERT_TRUE(v);
    const std::string* task = v->find("record")->find_string("task");
    if (task != nullptr) present[v->find("seq")->as_uint()] = *task;
  }
  for (const auto& [seq, task] : acknowledged) {
    auto it = present.find(seq);
    ASSERT_NE(it, present.end()) << "acknowledged seq " << seq << " lost";
    EXPECT_EQ(it->second, task) << "seq " << seq;
  }
  EXPECT_GE(report->records, acknowledged.size());
}

INSTANTIATE_TEST_SUITE_P(KillPoints, CrashTest, ::testing::Values(1, 13, 150, 400, 900, 1700));

}  // namespace
}  // namespace bulkhead::audit
