// tail() (src/audit/tail.cc): the whole log, -n N, and --follow across appends and segment rotations — every record
// printed exactly once, in seq order, and a damaged closed segment stops the follow.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "audit_test_util.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

// An ostream whose text can be read while another thread writes to it.
class SharedBuf : public std::stringbuf {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return str();
  }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard lock(mutex_);
    return std::stringbuf::xsputn(s, n);
  }
  int_type overflow(int_type c) override {
    std::lock_guard lock(mutex_);
    return std::stringbuf::overflow(c);
  }

 private:
  std::recursive_mutex mutex_;  // stringbuf::xsputn calls overflow
};

std::vector<std::uint64_t> seqs_of(const std::string& text) {
  std::vector<std::uint64_t> seqs;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto v = json::parse(line);
    EXPECT_TRUE(v) << line;
    if (!v) break;
    seqs.push_back(v->find("seq")->as_uint());
  }
  return seqs;
}

std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t s = from; s < to; ++s) out.push_back(s);
  return out;
}

class AuditTailTest : public ::testing::Test {
 protected:
  ScratchDir dir_{"tail"};
  core::SystemClock clock_;
  fs::path log_dir() const { return dir_ / "log"; }
  AuditOptions options() const {
    AuditOptions o = options_for(log_dir(), dir_ / "key.pem");
    o.segment_max_bytes = 4 * 1024;  // a few records per segment: follow crosses rotations
    return o;
  }
};

TEST_F(AuditTailTest, WholeLogAndLastN) {
  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 0; i < 40; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  }
  ASSERT_GT(std::distance(fs::directory_iterator(log_dir()), fs::directory_iterator()), 4);  // segments + key
  std::ostringstream all;
  ASSERT_TRUE(tail(log_dir(), {}, all));
  EXPECT_EQ(seqs_of(all.str()), range(0, 40));
  std::ostringstream last;
  ASSERT_TRUE(tail(log_dir(), TailOptions{.last = 7}, last));
  EXPECT_EQ(seqs_of(last.str()), range(33, 40));
}

TEST_F(AuditTailTest, FollowPrintsEachAppendedRecordOnceAcrossRotations) {
  auto log = AuditLog::open(options(), clock_);
  ASSERT_TRUE(log) << log.error().message;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  SharedBuf buf;
  std::ostream out(&buf);
  std::atomic<bool> keep{true};
  core::Result<void> result;
  std::thread follower([&] {
    TailOptions o;
    o.last = 3;
    o.follow = true;
    o.poll = std::chrono::milliseconds(5);
    o.keep_following = [&] { return keep.load(); };
    result = tail(log_dir(), o, out);
  });
  auto wait_for = [&](std::size_t lines) {
    for (int i = 0; i < 2000 && seqs_of(buf.text()).size() < lines; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  wait_for(3);
  EXPECT_EQ(seqs_of(buf.text()), range(7, 10));
  // Appends in bursts, some while the follower reads, across several segment rotations.
  for (int i = 10; i < 120; ++i) {
    ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
    if (i % 25 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  wait_for(3 + 110);
  keep = false;
  follower.join();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(seqs_of(buf.text()), range(7, 120));
}

TEST_F(AuditTailTest, FollowStopsAtADamagedClosedSegment) {
  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 0; i < 40; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  }
  std::vector<fs::path> segments;
  for (const auto& e : fs::directory_iterator(log_dir())) {
    if (e.path().filename().string().starts_with("segment-")) segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 2u);
  // Flip a byte in the middle of the first segment's records.
  {
    std::fstream f(segments.front(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(fs::file_size(segments.front()) / 2));
    char c = 0;
    f.read(&c, 1);
    f.seekp(static_cast<std::streamoff>(fs::file_size(segments.front()) / 2));
    c = static_cast<char>(c ^ 0x5A);
    f.write(&c, 1);
  }
  std::ostringstream out;
  TailOptions o;
  o.follow = true;
  o.poll = std::chrono::milliseconds(1);
  o.keep_following = [] { return true; };  // only the damage ends it
  auto r = tail(log_dir(), o, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, core::Reason::audit_unavailable);
  EXPECT_NE(r.error().message.find("stopped at"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace bulkhead::audit
