// The writer (src/audit/audit_log.cc): seq order, group commit under concurrency, durability modes, checkpoints by
// count and time, segment rotation, reopen, fail-closed on a write error, public key publication.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <future>
#include <thread>

#include <fmt/format.h>

#include "audit/detail/signing_key.h"
#include "audit_test_util.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

// In a forked child: opens the log, then limits the file size (writes past it fail with EFBIG, like a full disk).
std::optional<std::unique_ptr<AuditLog>> open_with_file_size_limit(const AuditOptions& o, core::Clock& clock,
                                                                   rlim_t bytes) {
  ::signal(SIGXFSZ, SIG_IGN);
  auto log = AuditLog::open(o, clock);
  if (!log) ::_exit(10);
  const rlimit limit{bytes, bytes};
  ::setrlimit(RLIMIT_FSIZE, &limit);
  return std::move(*log);
}

class AuditLogTest : public ::testing::Test {
 protected:
  ScratchDir dir_{"log"};
  core::SystemClock clock_;
  fs::path log_dir() const { return dir_ / "log"; }
  AuditOptions options() const { return options_for(log_dir(), dir_ / "key.pem"); }
  // The forked writer exited 0; its partial batch is a torn tail: the next open recovers it and the log verifies.
  void expect_child_passed_and_log_recovers(pid_t child, const AuditOptions& o) {
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    {
      auto log = AuditLog::open(o, clock_);
      ASSERT_TRUE(log) << log.error().message;
    }
    auto report = verify(log_dir());
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok()) << report->failure->message;
  }
};

TEST_F(AuditLogTest, AppendsInSeqOrderAndVerifies) {
  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_TRUE((*log)->recovery().clean());
    for (int i = 0; i < 12; ++i) {
      auto seq = (*log)->append_and_wait(sample_record("a", i));
      ASSERT_TRUE(seq) << seq.error().message;
      EXPECT_EQ(*seq, static_cast<std::uint64_t>(i));
    }
    EXPECT_TRUE((*log)->healthy());
    EXPECT_EQ((*log)->next_seq(), 12u);
    const WriterStats stats = (*log)->stats();
    EXPECT_EQ(stats.records, 12u);
    EXPECT_EQ(stats.checkpoints, 2u);  // every 5 records: at 5 and 10
  }
  // The destructor wrote a final checkpoint (12).
  auto report = verify(log_dir());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->ok()) << report->failure->message;
  EXPECT_EQ(report->records, 12u);
  EXPECT_EQ(report->checkpoints, 3u);
  EXPECT_EQ(report->signed_records, 12u);
  EXPECT_TRUE(fs::exists(log_dir() / "public-key.pem"));
}

TEST_F(AuditLogTest, GroupCommitBatchesConcurrentWriters) {
  AuditOptions o = options();
  o.checkpoint_every_records = 1000;
  constexpr int kThreads = 16;
  constexpr int kPerThread = 100;
  WriterStats stats;
  {
    auto log = AuditLog::open(o, clock_);
    ASSERT_TRUE(log);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    std::vector<std::vector<std::uint64_t>> seqs(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const std::string tenant = fmt::format("t{}", t);  // (g++ 12 -Wrestrict misfires on "t" + to_string)
        for (int i = 0; i < kPerThread; ++i) {
          auto seq = (*log)->append_and_wait(sample_record(tenant, i));
          if (!seq) ++failures;
          else seqs[t].push_back(*seq);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    std::vector<std::uint64_t> all;
    for (const auto& s : seqs) {
      EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));  // each writer's records keep their order
      all.insert(all.end(), s.begin(), s.end());
    }
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i);  // every seq exactly once
    stats = (*log)->stats();
  }
  EXPECT_EQ(stats.records, static_cast<std::uint64_t>(kThreads * kPerThread));
  // Group commit: far fewer fdatasync rounds than records.
  EXPECT_LT(stats.batches * 2, stats.records) << "batches " << stats.batches;
  auto report = verify(log_dir());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->records, static_cast<std::uint64_t>(kThreads * kPerThread));
}

TEST_F(AuditLogTest, CallbacksReportSeqOnceDurable) {
  auto log = AuditLog::open(options(), clock_);
  ASSERT_TRUE(log);
  std::vector<std::promise<core::Result<std::uint64_t>>> promises(20);
  const auto caller = std::this_thread::get_id();
  std::atomic<int> on_caller_thread{0};
  for (int i = 0; i < 20; ++i) {
    (*log)->append(sample_record("a", i), [&, i](core::Result<std::uint64_t> seq) {
      if (std::this_thread::get_id() == caller) ++on_caller_thread;
      promises[i].set_value(std::move(seq));
    });
  }
  for (int i = 0; i < 20; ++i) {
    auto seq = promises[i].get_future().get();
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, static_cast<std::uint64_t>(i));
  }
  EXPECT_EQ(on_caller_thread.load(), 0);  // sync mode: the log's flush thread calls back
}

// Many appends in flight (the gateway's model): the writer frames and writes while a flush runs, yet every record is
// answered exactly once, in seq order, and the log verifies.
TEST_F(AuditLogTest, PipelinedAppendsAreAnsweredInSeqOrder) {
  constexpr int kRecords = 3000;
  constexpr int kInFlight = 64;
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::uint64_t> answered;  // guarded by mutex
  int failures = 0;
  WriterStats stats;
  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log);
    auto on_durable = [&](core::Result<std::uint64_t> seq) {
      std::lock_guard lock(mutex);
      if (seq) answered.push_back(*seq);
      else ++failures;
      cv.notify_one();
    };
    for (int i = 0; i < kRecords; ++i) {
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return static_cast<int>(answered.size()) + failures > i - kInFlight; });
      }
      (*log)->append(sample_record("a", i), on_durable);
    }
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return static_cast<int>(answered.size()) + failures == kRecords; });
    stats = (*log)->stats();
  }
  EXPECT_EQ(failures, 0);
  ASSERT_EQ(answered.size(), static_cast<std::size_t>(kRecords));
  for (std::size_t i = 0; i < answered.size(); ++i) ASSERT_EQ(answered[i], i);
  EXPECT_LT(stats.batches * 4, stats.records) << "batches " << stats.batches;
  auto report = verify(log_dir());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->records, static_cast<std::uint64_t>(kRecords));
}

TEST_F(AuditLogTest, AsyncModeAnswersAtEnqueue) {
  AuditOptions o = options();
  o.durability = Durability::async;
  {
    auto log = AuditLog::open(o, clock_);
    ASSERT_TRUE(log);
    std::optional<core::Result<std::uint64_t>> got;
    (*log)->append(sample_record("a", 0), [&](core::Result<std::uint64_t> seq) { got = std::move(seq); });
    ASSERT_TRUE(got.has_value());  // called before append returned
    EXPECT_EQ(**got, 0u);
    EXPECT_EQ(*(*log)->append_and_wait(sample_record("a", 1)), 1u);
  }
  auto report = verify(log_dir());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->records, 2u);
}

TEST_F(AuditLogTest, CheckpointsByTime) {
  AuditOptions o = options();
  o.checkpoint_every_records = 0;
  o.checkpoint_every_ms = std::chrono::milliseconds(20);
  auto log = AuditLog::open(o, clock_);
  ASSERT_TRUE(log);
  ASSERT_TRUE((*log)->append_and_wait(sample_record("a", 0)));
  // No further appends: the writer's timer alone must sign the record.
  for (int i = 0; i < 200 && (*log)->stats().checkpoints == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ((*log)->stats().checkpoints, 1u);
  VerifyOptions strict;
  auto report = verify(log_dir(), strict);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->failure->message;
}

TEST_F(AuditLogTest, CheckpointByCountUsesFakeClockTimestamp) {
  core::FakeClock fake(std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)));
  AuditOptions o = options();
  auto log = AuditLog::open(o, fake);
  ASSERT_TRUE(log);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  // The checkpoint is signed after the 5th record's batch was flushed (off its commit path) and written with the
  // next batch or, with none coming, on its own right after.
  for (int i = 0; i < 200 && (*log)->stats().checkpoints == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ((*log)->stats().checkpoints, 1u);
  auto proof = inclusion_proof(log_dir(), 2);
  ASSERT_TRUE(proof) << proof.error().message;
  EXPECT_EQ(proof->find("checkpoint")->find("timestamp_ms")->as_uint(), 1'800'000'000'000ull);
  EXPECT_EQ(proof->find("tree_size")->as_uint(), 5u);
}

TEST_F(AuditLogTest, ExplicitCheckpointCoversEverything) {
  AuditOptions o = options();
  o.checkpoint_every_records = 0;
  auto log = AuditLog::open(o, clock_);
  ASSERT_TRUE(log);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  auto unsigned_report = verify(log_dir());
  ASSERT_TRUE(unsigned_report);
  ASSERT_FALSE(unsigned_report->ok());
  EXPECT_EQ(unsigned_report->failure->problem, Problem::unsigned_tail);
  ASSERT_TRUE((*log)->checkpoint());
  auto report = verify(log_dir());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->signed_records, 3u);
}

TEST_F(AuditLogTest, RotatesSegmentsBySize) {
  AuditOptions o = options();
  o.segment_max_bytes = 4096;
  {
    auto log = AuditLog::open(o, clock_);
    ASSERT_TRUE(log);
    for (int i = 0; i < 60; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
    EXPECT_GE((*log)->stats().segments_created, 3u);
  }
  auto report = verify(log_dir());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->failure->message;
  EXPECT_EQ(report->records, 60u);
  EXPECT_GE(report->segments, 4u);
  // Segment names carry their first seq and no segment grows far beyond the limit.
  for (const auto& entry : fs::directory_iterator(log_dir())) {
    if (entry.path().extension() == ".log") {
      EXPECT_LT(fs::file_size(entry.path()), 4096u + 1024u);
    }
  }
}

TEST_F(AuditLogTest, ReopenContinuesSeqAndChain) {
  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log);
    for (int i = 0; i < 7; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  }
  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_TRUE((*log)->recovery().clean());
    EXPECT_EQ((*log)->recovery().records, 7u);
    EXPECT_EQ(*(*log)->append_and_wait(sample_record("a", 7)), 7u);
  }
  auto report = verify(log_dir());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->records, 8u);
}

TEST_F(AuditLogTest, RefusesAnotherSigningKeyForTheSameDir) {
  { ASSERT_TRUE(AuditLog::open(options(), clock_)); }
  AuditOptions o = options();
  o.signing_key_file = dir_ / "other.pem";
  auto log = AuditLog::open(o, clock_);
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message.find("key rotation"), std::string::npos);
}

TEST_F(AuditLogTest, BadOptionsAreErrors) {
  AuditOptions o = options();
  o.signing_key_file.clear();
  EXPECT_FALSE(AuditLog::open(o, clock_));
  o = options();
  o.create_key_if_missing = false;
  auto missing = AuditLog::open(o, clock_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, core::Reason::invalid_request);
}

TEST_F(AuditLogTest, OversizedRecordIsRejectedNotDropped) {
  auto log = AuditLog::open(options(), clock_);
  ASSERT_TRUE(log);
  AuditRecord big = sample_record("a", 0);
  big.args_preview.assign(2u << 20, 'x');
  auto seq = (*log)->append_and_wait(big);
  ASSERT_FALSE(seq);
  EXPECT_EQ(seq.error().reason, core::Reason::invalid_request);
  EXPECT_TRUE((*log)->healthy());
  EXPECT_EQ(*(*log)->append_and_wait(sample_record("a", 1)), 0u);
}

// A write error (here: the file size limit, EFBIG — what a full disk looks like to the writer) fails the batch and
// every later append with audit_unavailable; healthy() turns false. Runs in a child so the rlimit stays contained.
TEST_F(AuditLogTest, WriteErrorFailsClosed) {
  const AuditOptions o = options();
  { ASSERT_TRUE(AuditLog::open(o, clock_)); }  // key + empty log exist before the limit
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    core::SystemClock clock;
    auto log = open_with_file_size_limit(o, clock, 20000);
    int ok = 0;
    core::Result<std::uint64_t> last;
    for (int i = 0; i < 400; ++i) {
      last = (*log)->append_and_wait(sample_record("a", i));
      if (!last) break;
      ++ok;
    }
    if (last || last.error().reason != core::Reason::audit_unavailable) ::_exit(11);
    if ((*log)->healthy()) ::_exit(12);
    // Later appends fail at once, through both entry points.
    if ((*log)->append_and_wait(sample_record("a", 999))) ::_exit(13);
    bool called = false;
    bool failed = false;
    (*log)->append(sample_record("a", 1000), [&](core::Result<std::uint64_t> seq) {
      called = true;
      failed = !seq && seq.error().reason == core::Reason::audit_unavailable;
    });
    if (!called || !failed) ::_exit(14);
    if (ok < 10 || ok >= 400) ::_exit(15);
    ::_exit(0);
  }
  expect_child_passed_and_log_recovers(child, o);
}

// A write error while appends are in flight (the writer runs ahead of the flush): the successes are a prefix of
// the seqs, everything after the first failure fails, and the recovered log verifies.
TEST_F(AuditLogTest, WriteErrorWithAppendsInFlightFailsEverythingAfter) {
  const AuditOptions o = options();
  { ASSERT_TRUE(AuditLog::open(o, clock_)); }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    core::SystemClock clock;
    auto log = open_with_file_size_limit(o, clock, 60000);
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::pair<std::uint64_t, bool>> answers;  // (seq, ok) in callback order
    std::uint64_t seqs = 0;
    constexpr int kRecords = 400;
    for (int i = 0; i < kRecords; ++i) {
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return static_cast<int>(answers.size()) > i - 32; });
      }
      (*log)->append(sample_record("a", i), [&, i](core::Result<std::uint64_t> seq) {
        std::lock_guard lock(mutex);
        answers.emplace_back(seq ? *seq : static_cast<std::uint64_t>(i), seq.has_value());
        cv.notify_one();
      });
      ++seqs;
    }
    log->reset();  // drains: every callback has run
    if (answers.size() != kRecords) ::_exit(11);
    std::size_t ok = 0;
    while (ok < answers.size() && answers[ok].second) {
      if (answers[ok].first != ok) ::_exit(12);  // successes in seq order
      ++ok;
    }
    for (std::size_t i = ok; i < answers.size(); ++i) {
      if (answers[i].second) ::_exit(13);  // nothing succeeds after the first failure
    }
    if (ok < 10 || ok >= kRecords) ::_exit(14);
    ::_exit(0);
  }
  expect_child_passed_and_log_recovers(child, o);
}

}  // namespace
}  // namespace bulkhead::audit
