// Byte layout (docs/formats/audit.md): segment names and header, frame CRC coverage, record and checkpoint bodies.
// Setting BULKHEAD_AUDIT_WRITE_CORPUS=DIR also writes seed inputs for fuzz/audit (fuzz/audit/fuzz_audit.cc).
#include <gtest/gtest.h>

#include <cstdlib>

#include "audit/detail/crc32c.h"
#include "audit/detail/format.h"
#include "audit/detail/log_reader.h"
#include "audit/detail/merkle.h"
#include "audit_test_util.h"

namespace bulkhead::audit::detail {
namespace {

using namespace bulkhead::audit::testing;

// `first` followed by `rest` (sized up front: g++ 12 misreports insert() into a one-element vector).
std::vector<std::uint8_t> prepend(std::uint8_t first, std::span<const std::uint8_t> rest) {
  std::vector<std::uint8_t> out(rest.size() + 1);
  out[0] = first;
  std::copy(rest.begin(), rest.end(), out.begin() + 1);
  return out;
}

TEST(Format, SegmentNames) {
  EXPECT_EQ(segment_file_name(0), "segment-00000000000000000000.log");
  EXPECT_EQ(segment_file_name(1234), "segment-00000000000000001234.log");
  EXPECT_EQ(parse_segment_file_name("segment-00000000000000001234.log"), 1234u);
  EXPECT_FALSE(parse_segment_file_name("segment-0000000000000000123.log"));
  EXPECT_FALSE(parse_segment_file_name("segment-0000000000000000123x.log"));
  EXPECT_FALSE(parse_segment_file_name("segment-00000000000000001234.log.damaged-1"));
  EXPECT_FALSE(parse_segment_file_name("public-key.pem"));
}

TEST(Format, SegmentHeaderLayout) {
  const std::vector<std::uint8_t> header = encode_segment_header(0x0102030405060708ull);
  ASSERT_EQ(header.size(), kSegmentHeaderBytes);
  EXPECT_EQ(std::string(header.begin(), header.begin() + 8), "BHAUDSEG");
  EXPECT_EQ(header[8], 2);  // version byte
  for (int i = 9; i < 16; ++i) EXPECT_EQ(header[i], 0);
  EXPECT_EQ(get_le64(header.data() + 16), 0x0102030405060708ull);
  EXPECT_EQ(header[16], 0x08);  // little-endian
  EXPECT_EQ(get_le32(header.data() + 24), crc32c({header.data(), 24}));
}

TEST(Format, RecordFrameLayoutAndLeafHash) {
  Sha256Digest prev{};
  prev.fill(0xAB);
  std::vector<std::uint8_t> out;
  const Sha256Digest hash = append_record_frame(7, prev, "{\"a\":1}", out);
  ASSERT_EQ(out.size(), 8 + 41 + 7u);
  EXPECT_EQ(get_le32(out.data()), 48u);
  const std::span<const std::uint8_t> body(out.data() + 8, 48);
  EXPECT_EQ(get_le32(out.data() + 4), crc32c_extend(crc32c({out.data(), 4}), body));  // CRC covers length + body
  EXPECT_EQ(body[0], kRecordType);
  EXPECT_EQ(get_le64(body.data() + 1), 7u);
  EXPECT_TRUE(std::equal(prev.begin(), prev.end(), body.data() + 9));
  EXPECT_EQ(std::string(body.begin() + 41, body.end()), "{\"a\":1}");
  EXPECT_EQ(hash, core::sha256(prepend(0x00, body)));  // leaf hash = SHA-256(0x00 || body)
}

TEST(Format, CheckpointRoundTripAndSignedMessage) {
  Checkpoint c;
  c.tree_size = 42;
  c.timestamp_ms = 1'780'000'000'123ull;
  c.root.fill(1);
  c.key_id.fill(2);
  c.signature.fill(3);
  const std::vector<std::uint8_t> body = encode_checkpoint_body(c);
  ASSERT_EQ(body.size(), kCheckpointBodyBytes);
  EXPECT_EQ(body[0], kCheckpointType);
  const auto back = decode_checkpoint_body(body);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->tree_size, 42u);
  EXPECT_EQ(back->timestamp_ms, c.timestamp_ms);
  EXPECT_EQ(back->root, c.root);
  EXPECT_EQ(back->key_id, c.key_id);
  EXPECT_EQ(back->signature, c.signature);
  const std::vector<std::uint8_t> message = checkpoint_signed_message(c);
  EXPECT_EQ(std::string(message.begin(), message.begin() + 29), "bulkhead-audit-checkpoint-v1\n");
  EXPECT_TRUE(std::equal(body.begin(), body.begin() + 81, message.begin() + 29));
  EXPECT_EQ(message.size(), 29u + 81u);
  EXPECT_FALSE(decode_checkpoint_body({body.data(), body.size() - 1}));
}

TEST(Format, ReaderAcceptsWhatTheEncoderWrites) {
  std::vector<std::uint8_t> bytes = encode_segment_header(0);
  Sha256Digest prev{};
  MerkleFrontier frontier;
  for (int i = 0; i < 3; ++i) {
    prev = append_record_frame(static_cast<std::uint64_t>(i), prev, encode_record(sample_record("a", i)), bytes);
    frontier.add_leaf_hash(prev);
  }
  LogVerifier verifier(std::nullopt, true, true);
  const SegmentScan scan = verifier.feed_segment("s", bytes);
  EXPECT_FALSE(scan.finding) << scan.finding->message;
  EXPECT_EQ(scan.valid_bytes, bytes.size());
  EXPECT_EQ(verifier.next_seq(), 3u);
  EXPECT_EQ(verifier.frontier().root(), frontier.root());
}

TEST(Format, WriteFuzzCorpusWhenAsked) {
  const char* target = std::getenv("BULKHEAD_AUDIT_WRITE_CORPUS");
  if (target == nullptr) GTEST_SKIP() << "set BULKHEAD_AUDIT_WRITE_CORPUS=DIR to write fuzz seeds";
  // The fuzz target checks signatures with the key of seed 0x42 * 32.
  std::array<std::uint8_t, 32> seed{};
  seed.fill(0x42);
  ScratchDir dir("corpus");
  { std::ofstream(dir / "key.pem") << private_key_pem(seed); }
  {
    AuditOptions options = options_for(dir / "log", dir / "key.pem");
    options.checkpoint_every_records = 2;
    core::SystemClock clock;
    auto log = AuditLog::open(options, clock);
    ASSERT_TRUE(log);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record(i % 2 ? "a" : "b", i)));
  }
  const std::vector<std::uint8_t> segment = read_bytes(only_segment(dir / "log"));
  const fs::path out(target);
  fs::create_directories(out);
  const std::vector<std::uint8_t> seg_input = prepend(0, segment);
  write_bytes(out / "segment-full", seg_input);
  std::vector<std::uint8_t> torn(seg_input.begin(), seg_input.end() - 20);
  write_bytes(out / "segment-torn", torn);
  std::vector<std::uint8_t> header_only(seg_input.begin(), seg_input.begin() + 1 + kSegmentHeaderBytes);
  write_bytes(out / "segment-header", header_only);
  std::vector<std::uint8_t> preallocated = seg_input;  // version 2: zero-filled tail after the frames
  preallocated.insert(preallocated.end(), 512, 0);
  write_bytes(out / "segment-preallocated", preallocated);
  std::vector<std::uint8_t> hole = preallocated;  // data after the end marker
  hole[hole.size() - 100] = 0x01;
  write_bytes(out / "segment-hole", hole);
  const std::string payload = encode_record(sample_record("a", 1));
  write_bytes(out / "payload", prepend(1, core::as_bytes(payload)));
}

}  // namespace
}  // namespace bulkhead::audit::detail
