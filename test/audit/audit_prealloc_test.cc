// Preallocated segments (format v2, docs/formats/audit.md "Preallocated tail"): a zero-filled tail ends a segment
// cleanly, a torn frame before it is cut in place, a hole (end marker followed by data) is damage for recovery but
// the live edge for readers, v1 segments still read, and the writer really switches to prepared files.
#include <gtest/gtest.h>

#include <thread>

#include "closed_log_fixture.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

constexpr std::size_t kTail = 64 * 1024;

class PreallocTest : public ClosedLogTest {
 protected:
  // The closed log's segment with a zero-filled tail appended: the layout of a preallocated segment.
  std::vector<std::uint8_t> with_zero_tail() const {
    std::vector<std::uint8_t> bytes = read_bytes(segment());
    bytes.insert(bytes.end(), kTail, 0);
    return bytes;
  }
};

TEST_F(PreallocTest, ZeroTailEndsTheSegmentAndIsOverwrittenInPlace) {
  const std::size_t data = fs::file_size(segment());
  write_bytes(segment(), with_zero_tail());
  auto report = verify(log_dir());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->failure->message;
  EXPECT_EQ(report->records, 12u);
  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_TRUE((*log)->recovery().clean());
    for (int i = 12; i < 20; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  }
  EXPECT_EQ(fs::file_size(segment()), data + kTail);  // written into the tail, not appended
  auto after = verify(log_dir());
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->ok()) << after->failure->message;
  EXPECT_EQ(after->records, 20u);
}

TEST_F(PreallocTest, TornFrameBeforeTheZeroTailIsCutInPlace) {
  std::vector<std::uint8_t> bytes = read_bytes(segment());
  const std::size_t data = bytes.size();
  std::vector<std::uint8_t> extra;
  detail::append_record_frame(12, {}, encode_record(sample_record("a", 12)), extra);
  // The first half of the frame reached the disk, the rest is still the zero tail.
  bytes.insert(bytes.end(), extra.begin(), extra.begin() + static_cast<std::ptrdiff_t>(extra.size() / 2));
  bytes.resize(data + kTail, 0);
  write_bytes(segment(), bytes);

  auto strict = verify(log_dir());
  ASSERT_TRUE(strict);
  ASSERT_FALSE(strict->ok());
  EXPECT_EQ(strict->failure->problem, Problem::crc_mismatch);
  auto live = verify(log_dir(), VerifyOptions{.allow_unsigned_tail = true});
  ASSERT_TRUE(live);
  EXPECT_TRUE(live->ok()) << live->failure->message;
  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_EQ((*log)->recovery().truncated_bytes, extra.size() / 2);
    EXPECT_TRUE((*log)->recovery().damage.empty());
  }
  EXPECT_EQ(fs::file_size(segment()), data + kTail);  // zeroed in place: still preallocated
  auto after = verify(log_dir());
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->ok()) << after->failure->message;
  EXPECT_EQ(after->records, 13u);  // + the audit_recovery record
}

TEST_F(PreallocTest, DataAfterTheEndMarkerIsDamageForRecoveryAndTheLiveEdgeForReaders) {
  std::vector<std::uint8_t> bytes = with_zero_tail();
  const std::size_t data = fs::file_size(segment());
  // A forged record written into the tail, 4 KiB past the end of the data (or a page that reached the disk while
  // an earlier one of the same batch did not).
  std::vector<std::uint8_t> forged;
  detail::append_record_frame(12, {}, encode_record(sample_record("a", 12)), forged);
  std::copy(forged.begin(), forged.end(), bytes.begin() + static_cast<std::ptrdiff_t>(data + 4096));
  write_bytes(segment(), bytes);

  auto strict = verify(log_dir());
  ASSERT_TRUE(strict);
  ASSERT_FALSE(strict->ok());
  EXPECT_EQ(strict->failure->problem, Problem::bad_frame);
  EXPECT_EQ(strict->failure->offset, data);
  EXPECT_NE(strict->failure->message.find("end-of-data marker"), std::string::npos) << strict->failure->message;
  auto live = verify(log_dir(), VerifyOptions{.allow_unsigned_tail = true});
  ASSERT_TRUE(live);
  EXPECT_TRUE(live->ok());
  std::ostringstream out;
  EXPECT_TRUE(tail(log_dir(), {}, out));

  auto refused = AuditLog::open(options(), clock_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, core::Reason::audit_unavailable);
  EXPECT_NE(refused.error().message.find("bad_frame"), std::string::npos) << refused.error().message;

  AuditOptions o = options();
  o.accept_damaged = true;
  {
    auto log = AuditLog::open(o, clock_);
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_FALSE((*log)->recovery().damage.empty());
  }
  auto after = verify(log_dir());
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->ok()) << after->failure->message;
}

TEST_F(PreallocTest, ReadsAndContinuesVersion1Segments) {
  std::vector<std::uint8_t> bytes = read_bytes(segment());
  bytes[8] = detail::kFormatVersionV1;
  const std::uint32_t crc = detail::crc32c({bytes.data(), detail::kSegmentHeaderBytes - 4});
  for (int i = 0; i < 4; ++i) bytes[detail::kSegmentHeaderBytes - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  write_bytes(segment(), bytes);
  auto report = verify(log_dir());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->failure->message;
  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 12; i < 16; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  }
  auto after = verify(log_dir());
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->ok()) << after->failure->message;
  EXPECT_EQ(after->records, 16u);
  // In version 1 a zero-filled tail is not an end marker: it is a torn tail.
  write_bytes(segment(), with_zero_tail());
  auto v1_tail = verify(log_dir());
  ASSERT_TRUE(v1_tail);
  ASSERT_FALSE(v1_tail->ok());
  EXPECT_EQ(v1_tail->failure->problem, Problem::truncated_frame);
}

TEST(PreallocWriter, SwitchesToPreparedSegmentsAndLeavesNoTemporaryFiles) {
  ScratchDir dir("prealloc-writer");
  AuditOptions o = options_for(dir / "log", dir / "key.pem");
  o.preallocate_segments = true;
  o.segment_max_bytes = 16 * 1024;
  core::SystemClock clock;
  std::uint64_t segments = 0;
  {
    auto log = AuditLog::open(o, clock);
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
      if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let the preparer keep up
    }
    segments = (*log)->stats().segments_created;
  }
  EXPECT_GE(segments, 5u);
  std::size_t preallocated = 0;
  for (const auto& entry : fs::directory_iterator(dir / "log")) {
    const std::string name = entry.path().filename().string();
    EXPECT_FALSE(name.ends_with(".tmp")) << name;
    if (name.ends_with(".log") && fs::file_size(entry.path()) == o.segment_max_bytes) ++preallocated;
  }
  EXPECT_GE(preallocated, 3u);
  auto report = verify(dir / "log");
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->failure->message;
  EXPECT_EQ(report->records, 200u);
  // Reopen: the last segment's zero tail is recognised and written into.
  {
    auto log = AuditLog::open(o, clock);
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_TRUE((*log)->recovery().clean());
    ASSERT_TRUE((*log)->append_and_wait(sample_record("a", 200)));
  }
  auto again = verify(dir / "log");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->ok()) << again->failure->message;
  EXPECT_EQ(again->records, 201u);
}

}  // namespace
}  // namespace bulkhead::audit
