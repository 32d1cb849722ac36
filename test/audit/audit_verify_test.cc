// The tamper matrix against verify() (src/audit/verify.cc): each manipulation is detected with the specific problem
// and message. The same matrix runs through the real CLI in audit_cli_test.cc.
#include <gtest/gtest.h>

#include "audit/detail/merkle.h"
#include "audit/detail/signing_key.h"
#include "audit_test_util.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

constexpr int kRecords = 20;  // checkpoints every 5 records: tree sizes 5, 10, 15, 20

void write_log(const fs::path& dir, const fs::path& key, const std::string& tenant) {
  core::SystemClock clock;
  auto log = AuditLog::open(options_for(dir, key), clock);
  ASSERT_TRUE(log) << log.error().message;
  for (int i = 0; i < kRecords; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record(tenant, i)));
}

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_log(log_dir(), dir_ / "key.pem", "a");
    bytes_ = read_bytes(segment());
    frames_ = list_frames(bytes_);
  }
  fs::path log_dir() const { return dir_ / "log"; }
  fs::path segment() const { return only_segment(log_dir()); }
  const FrameAt& record(std::uint64_t seq) const { return find_frame(frames_, detail::kRecordType, seq); }
  const FrameAt& checkpoint(std::uint64_t size) const { return find_frame(frames_, detail::kCheckpointType, size); }

  VerifyFinding expect_failure(const VerifyOptions& options = {}) {
    auto report = verify(log_dir(), options);
    EXPECT_TRUE(report) << report.error().message;
    if (!report || report->ok()) {
      ADD_FAILURE() << "tampering not detected";
      return {};
    }
    return *report->failure;
  }

  // Rewrites the checkpoint at `size` signed by `key` (with that key's id unless keep_key_id).
  void resign_checkpoint(std::uint64_t size, const detail::SigningKey& key, bool keep_key_id) {
    const FrameAt& frame = checkpoint(size);
    auto c = detail::decode_checkpoint_body({bytes_.data() + frame.offset + 8, frame.size - 8});
    ASSERT_TRUE(c);
    if (!keep_key_id) c->key_id = key.key_id();
    c->signature = key.sign(detail::checkpoint_signed_message(*c));
    const std::vector<std::uint8_t> body = detail::encode_checkpoint_body(*c);
    std::copy(body.begin(), body.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(frame.offset + 8));
    fix_crc(bytes_, frame.offset);
  }

  ScratchDir dir_{"verify"};
  std::vector<std::uint8_t> bytes_;
  std::vector<FrameAt> frames_;
};

TEST_F(VerifyTest, CleanLogVerifies) {
  auto report = verify(log_dir());
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->records, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(report->checkpoints, 4u);
  EXPECT_EQ(report->signed_records, static_cast<std::uint64_t>(kRecords));
}

TEST_F(VerifyTest, FlippedByteIsACrcMismatch) {
  bytes_[record(7).offset + 70] ^= 0x20;
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::crc_mismatch);
  EXPECT_EQ(f.offset, record(7).offset);
  EXPECT_EQ(f.seq, 7u);
  EXPECT_NE(f.message.find("CRC32C mismatch"), std::string::npos) << f.message;
}

TEST_F(VerifyTest, EditedRecordWithFixedCrcBreaksTheChain) {
  edit_frame(bytes_, record(7), "\"decision\":\"allow\"", "\"decision\":\"nope!\"");  // caught as bad_payload
  fix_crc(bytes_, record(7).offset);
  write_bytes(segment(), bytes_);
  EXPECT_EQ(expect_failure().problem, Problem::bad_payload);
  bytes_ = read_bytes(segment());
  edit_frame(bytes_, record(7), "\"decision\":\"nope!\"", "\"decision\":\"allow\"");
  edit_frame(bytes_, record(7), "\"tenant\":\"a\"", "\"tenant\":\"b\"");  // a plausible forgery
  fix_crc(bytes_, record(7).offset);
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::chain_broken);
  EXPECT_EQ(f.seq, 8u);
  EXPECT_NE(f.message.find("hash chain broken at seq 8"), std::string::npos) << f.message;
}

TEST_F(VerifyTest, AlteredLastRecordBeforeACheckpointIsARootMismatch) {
  edit_frame(bytes_, record(19), "\"tenant\":\"a\"", "\"tenant\":\"b\"");
  fix_crc(bytes_, record(19).offset);
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::root_mismatch);
  EXPECT_NE(f.message.find("checkpoint at tree size 20"), std::string::npos) << f.message;
}

TEST_F(VerifyTest, DeletedRecordIsASeqGap) {
  const FrameAt r = record(7);
  bytes_.erase(bytes_.begin() + static_cast<std::ptrdiff_t>(r.offset),
               bytes_.begin() + static_cast<std::ptrdiff_t>(r.offset + r.size));
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::seq_mismatch);
  EXPECT_EQ(f.seq, 8u);
  EXPECT_NE(f.message.find("record seq 8 found where seq 7 was expected: 1 record(s) missing"), std::string::npos)
      << f.message;
}

TEST_F(VerifyTest, SwappedRecordsAreOutOfOrder) {
  const FrameAt a = record(7);
  const FrameAt b = record(8);
  std::vector<std::uint8_t> swapped(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(a.offset));
  swapped.insert(swapped.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(b.offset),
                 bytes_.begin() + static_cast<std::ptrdiff_t>(b.offset + b.size));
  swapped.insert(swapped.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(a.offset),
                 bytes_.begin() + static_cast<std::ptrdiff_t>(a.offset + a.size));
  swapped.insert(swapped.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(b.offset + b.size), bytes_.end());
  write_bytes(segment(), swapped);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::seq_mismatch);
  EXPECT_NE(f.message.find("out of order"), std::string::npos) << f.message;
}

TEST_F(VerifyTest, RenumberedSwapBreaksTheChain) {
  // A forger who also swaps the seq fields (and fixes CRCs) still breaks prev_hash.
  const FrameAt a = record(7);
  const FrameAt b = record(8);
  std::vector<std::uint8_t> fa(bytes_.begin() + static_cast<std::ptrdiff_t>(a.offset),
                               bytes_.begin() + static_cast<std::ptrdiff_t>(a.offset + a.size));
  std::vector<std::uint8_t> fb(bytes_.begin() + static_cast<std::ptrdiff_t>(b.offset),
                               bytes_.begin() + static_cast<std::ptrdiff_t>(b.offset + b.size));
  std::swap_ranges(fa.begin() + 9, fa.begin() + 17, fb.begin() + 9);
  std::vector<std::uint8_t> out(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(a.offset));
  out.insert(out.end(), fb.begin(), fb.end());
  out.insert(out.end(), fa.begin(), fa.end());
  fix_crc(out, a.offset);
  fix_crc(out, a.offset + fb.size());
  out.insert(out.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(b.offset + b.size), bytes_.end());
  write_bytes(segment(), out);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::chain_broken);
  EXPECT_EQ(f.seq, 7u);
}

TEST_F(VerifyTest, TruncationMidRecord) {
  bytes_.resize(record(12).offset + 30);
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::truncated_frame);
  EXPECT_EQ(f.offset, record(12).offset);
  EXPECT_NE(f.message.find("truncated mid-record"), std::string::npos) << f.message;
}

TEST_F(VerifyTest, LiveModeTreatsATornLastFrameAsTheEnd) {
  // A reader racing the writer can see half a batch; --allow-unsigned-tail (live mode) stops there quietly.
  bytes_.resize(record(12).offset + 30);
  write_bytes(segment(), bytes_);
  VerifyOptions live;
  live.allow_unsigned_tail = true;
  auto report = verify(log_dir(), live);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->records, 12u);
  EXPECT_EQ(report->signed_records, 10u);
  EXPECT_EQ(expect_failure().problem, Problem::truncated_frame);  // strict mode still reports it
}

TEST_F(VerifyTest, AppendedForgedRecordIsUnsigned) {
  // The forger computes a perfect frame: right seq, prev_hash and CRC. Only the missing signature betrays it.
  std::vector<std::uint8_t> body(bytes_.begin() + static_cast<std::ptrdiff_t>(record(19).offset + 8),
                                 bytes_.begin() + static_cast<std::ptrdiff_t>(record(19).offset + record(19).size));
  const Sha256Digest prev = detail::leaf_hash(body);
  detail::append_record_frame(kRecords, prev, encode_record(sample_record("a", 99)), bytes_);
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::unsigned_tail);
  EXPECT_NE(f.message.find("records 20..20 (1) follow the last signed checkpoint"), std::string::npos) << f.message;
  VerifyOptions live;
  live.allow_unsigned_tail = true;
  auto report = verify(log_dir(), live);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok());  // a live log's tail is accepted only when asked
}

TEST_F(VerifyTest, InsertedForgedRecordBeforeACheckpoint) {
  // Forged record 20 placed before the final checkpoint (tree size 20).
  std::vector<std::uint8_t> body(bytes_.begin() + static_cast<std::ptrdiff_t>(record(19).offset + 8),
                                 bytes_.begin() + static_cast<std::ptrdiff_t>(record(19).offset + record(19).size));
  std::vector<std::uint8_t> forged;
  detail::append_record_frame(kRecords, detail::leaf_hash(body), encode_record(sample_record("a", 99)), forged);
  const std::size_t at = checkpoint(20).offset;
  bytes_.insert(bytes_.begin() + static_cast<std::ptrdiff_t>(at), forged.begin(), forged.end());
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::checkpoint_size);
  EXPECT_NE(f.message.find("claims tree size 20 but 21 records precede it"), std::string::npos) << f.message;
}

TEST_F(VerifyTest, ReplacedCheckpointFromAnotherLogIsARootMismatch) {
  // Same key, other records: a validly signed tree head that does not belong here.
  write_log(dir_ / "other", dir_ / "key.pem", "b");
  const std::vector<std::uint8_t> other = read_bytes(only_segment(dir_ / "other"));
  const FrameAt theirs = find_frame(list_frames(other), detail::kCheckpointType, 10);
  const FrameAt ours = checkpoint(10);
  ASSERT_EQ(theirs.size, ours.size);
  std::copy(other.begin() + static_cast<std::ptrdiff_t>(theirs.offset),
            other.begin() + static_cast<std::ptrdiff_t>(theirs.offset + theirs.size),
            bytes_.begin() + static_cast<std::ptrdiff_t>(ours.offset));
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::root_mismatch);
  EXPECT_EQ(f.offset, ours.offset);
  EXPECT_NE(f.message.find("checkpoint at tree size 10: signed Merkle root"), std::string::npos) << f.message;
}

TEST_F(VerifyTest, EditedCheckpointFailsItsSignature) {
  const FrameAt c = checkpoint(15);
  bytes_[c.offset + 8 + 9] ^= 0x01;  // timestamp
  fix_crc(bytes_, c.offset);
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::bad_signature);
  EXPECT_NE(f.message.find("checkpoint at tree size 15: Ed25519 signature does not verify"), std::string::npos)
      << f.message;
}

TEST_F(VerifyTest, ResignedWithAnotherKeyIsDetected) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(0x99);
  resign_checkpoint(10, detail::SigningKey::from_seed(seed), /*keep_key_id=*/false);
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::checkpoint_key);
  EXPECT_NE(f.message.find("re-signed with another key"), std::string::npos) << f.message;
}

TEST_F(VerifyTest, ResignedWithAnotherKeyKeepingTheKeyIdFailsTheSignature) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(0x99);
  resign_checkpoint(10, detail::SigningKey::from_seed(seed), /*keep_key_id=*/true);
  write_bytes(segment(), bytes_);
  EXPECT_EQ(expect_failure().problem, Problem::bad_signature);
}

TEST_F(VerifyTest, ReplacedPublishedKeyIsCaughtByAPinnedKey) {
  // The attacker re-signs every checkpoint and replaces DIR/public-key.pem: only a pinned key catches that.
  const fs::path pinned = dir_ / "pinned.pem";
  fs::copy_file(log_dir() / "public-key.pem", pinned);
  std::array<std::uint8_t, 32> seed{};
  seed.fill(0x77);
  const detail::SigningKey attacker = detail::SigningKey::from_seed(seed);
  for (std::uint64_t size : {5u, 10u, 15u, 20u}) resign_checkpoint(size, attacker, false);
  write_bytes(segment(), bytes_);
  std::ofstream(log_dir() / "public-key.pem", std::ios::trunc) << detail::public_key_pem(attacker.public_key());
  auto fooled = verify(log_dir());
  ASSERT_TRUE(fooled);
  EXPECT_TRUE(fooled->ok());
  VerifyOptions options;
  options.public_key_file = pinned;
  EXPECT_EQ(expect_failure(options).problem, Problem::checkpoint_key);
}

TEST_F(VerifyTest, UnsupportedVersionByte) {
  bytes_[8] = 3;
  // Keep the header CRC valid so the version check itself is what fails.
  const std::uint32_t crc = detail::crc32c({bytes_.data(), 24});
  for (int i = 0; i < 4; ++i) bytes_[24 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  write_bytes(segment(), bytes_);
  const VerifyFinding f = expect_failure();
  EXPECT_EQ(f.problem, Problem::bad_segment_header);
  EXPECT_NE(f.message.find("unsupported format version byte 3"), std::string::npos) << f.message;
}

TEST_F(VerifyTest, MissingDirOrKeyIsAnError) {
  EXPECT_FALSE(verify(dir_ / "nope"));
  fs::remove(log_dir() / "public-key.pem");
  EXPECT_FALSE(verify(log_dir()));
}

}  // namespace
}  // namespace bulkhead::audit
