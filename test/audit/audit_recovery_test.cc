// Start-up recovery (src/audit/detail/recovery.cc): a torn tail is cut and reported (and recorded as a lifecycle
// record); other damage stops open() unless accept_damaged, which quarantines the damaged part.
#include <gtest/gtest.h>

#include "closed_log_fixture.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

class RecoveryTest : public ClosedLogTest {};

TEST_F(RecoveryTest, TornTailIsTruncatedAndReported) {
  std::vector<std::uint8_t> bytes = read_bytes(segment());
  const auto frames = list_frames(bytes);
  // Simulate a crash mid-append: half of a new record frame after the last frame.
  std::vector<std::uint8_t> extra;
  detail::append_record_frame(12, {}, encode_record(sample_record("a", 12)), extra);
  const std::size_t clean_size = bytes.size();
  bytes.insert(bytes.end(), extra.begin(), extra.begin() + static_cast<std::ptrdiff_t>(extra.size() / 2));
  write_bytes(segment(), bytes);

  auto before = verify(log_dir());
  ASSERT_TRUE(before);
  ASSERT_FALSE(before->ok());
  EXPECT_EQ(before->failure->problem, Problem::truncated_frame);

  {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log) << log.error().message;
    const RecoveryReport& report = (*log)->recovery();
    EXPECT_EQ(report.truncated_bytes, extra.size() / 2);
    EXPECT_EQ(report.truncated_segment, segment().filename().string());
    EXPECT_EQ(report.records, 12u);
    EXPECT_TRUE(report.damage.empty());
    EXPECT_EQ((*log)->next_seq(), 13u);  // seq 12 is the recovery lifecycle record
  }
  EXPECT_GT(fs::file_size(segment()), clean_size);
  auto after = verify(log_dir());
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->ok()) << after->failure->message;
  EXPECT_EQ(after->records, 13u);
  std::ostringstream out;
  ASSERT_TRUE(tail(log_dir(), TailOptions{.last = 1}, out));
  EXPECT_NE(out.str().find("\"event\":\"audit_recovery\""), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("\"truncated_bytes\":" + std::to_string(extra.size() / 2)), std::string::npos);
  (void)frames;
}

TEST_F(RecoveryTest, TornLastFrameWithBadCrcIsTruncated) {
  std::vector<std::uint8_t> bytes = read_bytes(segment());
  const auto frames = list_frames(bytes);
  bytes.back() ^= 0xFF;  // the final checkpoint's last byte never reached the disk intact
  write_bytes(segment(), bytes);
  auto log = AuditLog::open(options(), clock_);
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ((*log)->recovery().truncated_bytes, frames.back().size);
}

TEST_F(RecoveryTest, ZeroFilledTailIsTheCleanEndOfAVersion2Segment) {
  std::vector<std::uint8_t> bytes = read_bytes(segment());
  bytes.insert(bytes.end(), 4096, 0);  // a preallocated tail (version 1 would call it torn: audit_prealloc_test)
  write_bytes(segment(), bytes);
  auto log = AuditLog::open(options(), clock_);
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_TRUE((*log)->recovery().clean());
  EXPECT_EQ(fs::file_size(segment()), bytes.size());
}

TEST_F(RecoveryTest, DamageInTheMiddleStopsStartUp) {
  std::vector<std::uint8_t> bytes = read_bytes(segment());
  const auto frames = list_frames(bytes);
  const FrameAt& record = find_frame(frames, detail::kRecordType, 3);
  bytes[record.offset + 60] ^= 0x01;
  write_bytes(segment(), bytes);
  auto log = AuditLog::open(options(), clock_);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().reason, core::Reason::audit_unavailable);
  EXPECT_NE(log.error().message.find("crc_mismatch"), std::string::npos) << log.error().message;
  EXPECT_NE(log.error().message.find("--accept-damaged"), std::string::npos);
  EXPECT_EQ(read_bytes(segment()), bytes);  // nothing was changed
}

TEST_F(RecoveryTest, AcceptDamagedQuarantinesAndContinues) {
  std::vector<std::uint8_t> bytes = read_bytes(segment());
  const auto frames = list_frames(bytes);
  const FrameAt& record = find_frame(frames, detail::kRecordType, 3);
  bytes[record.offset + 60] ^= 0x01;
  write_bytes(segment(), bytes);
  AuditOptions o = options();
  o.accept_damaged = true;
  {
    auto log = AuditLog::open(o, clock_);
    ASSERT_TRUE(log) << log.error().message;
    const RecoveryReport& report = (*log)->recovery();
    EXPECT_NE(report.damage.find("crc_mismatch"), std::string::npos);
    ASSERT_EQ(report.quarantined.size(), 1u);
    EXPECT_EQ(read_bytes(log_dir() / report.quarantined[0]), bytes);  // the damaged original is kept
    EXPECT_EQ(report.records, 3u);
    EXPECT_EQ((*log)->next_seq(), 4u);  // records 0..2 + the recovery lifecycle record
  }
  auto after = verify(log_dir());
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->ok()) << after->failure->message;
  EXPECT_EQ(after->records, 4u);
}

TEST_F(RecoveryTest, TornSegmentHeaderIsRemoved) {
  // A crash right after creating a new segment file, before its header was complete.
  const fs::path next = log_dir() / detail::segment_file_name(12);
  std::vector<std::uint8_t> header = detail::encode_segment_header(12);
  header.resize(10);
  write_bytes(next, header);
  auto log = AuditLog::open(options(), clock_);
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ((*log)->recovery().truncated_bytes, 10u);
  EXPECT_FALSE(fs::exists(next));
}

TEST_F(RecoveryTest, MissingSegmentIsDamageNotTornTail) {
  AuditOptions o = options();
  o.segment_max_bytes = 4096;
  {
    auto log = AuditLog::open(o, clock_);
    ASSERT_TRUE(log);
    for (int i = 0; i < 60; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  }
  std::vector<fs::path> segments;
  for (const auto& entry : fs::directory_iterator(log_dir())) {
    if (entry.path().extension() == ".log") segments.push_back(entry.path());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 3u);
  fs::remove(segments[1]);
  auto log = AuditLog::open(o, clock_);
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message.find("segment_sequence"), std::string::npos) << log.error().message;
}

}  // namespace
}  // namespace bulkhead::audit
