// End-to-end: the real `bulkhead audit` subcommands (src/cli/audit_command.cc) — exit codes 0/1/2 and the tamper
// matrix through `audit verify`. Skipped only when the binary has not been built.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>

#include "audit/detail/merkle.h"
#include "audit/detail/signing_key.h"
#include "audit_test_util.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

const fs::path kBinary = BULKHEAD_AUDIT_BINARY;

CommandResult run(const std::string& arguments) {
  // No --config and no config file in the working directory: the audit commands must not need one.
  return run_shell("cd / && BULKHEAD_CONFIG= '" + kBinary.string() + "' audit " + arguments + " 2>&1");
}

class AuditCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kBinary)) GTEST_SKIP() << "bulkhead binary not built at " << kBinary;
    core::SystemClock clock;
    auto log = AuditLog::open(options_for(log_dir(), dir_ / "key.pem"), clock);
    ASSERT_TRUE(log);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record(i % 2 ? "A" : "B", i)));
    log->reset();
    bytes_ = read_bytes(segment());
    frames_ = list_frames(bytes_);
  }
  fs::path log_dir() const { return dir_ / "log"; }
  fs::path segment() const { return only_segment(log_dir()); }
  std::string dir_arg() const { return "'" + log_dir().string() + "'"; }
  const FrameAt& record(std::uint64_t seq) const { return find_frame(frames_, detail::kRecordType, seq); }
  const FrameAt& checkpoint(std::uint64_t size) const { return find_frame(frames_, detail::kCheckpointType, size); }
  void expect_verify_fails_with(const std::string& problem, const std::string& text) {
    write_bytes(segment(), bytes_);
    const CommandResult r = run("verify " + dir_arg());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("FAILED: " + problem), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(text), std::string::npos) << r.output;
  }

  ScratchDir dir_{"cli"};
  std::vector<std::uint8_t> bytes_;
  std::vector<FrameAt> frames_;
};

TEST_F(AuditCli, VerifyCleanLog) {
  const CommandResult r = run("verify " + dir_arg());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK: 20 records"), std::string::npos) << r.output;
}

TEST_F(AuditCli, UsageErrorsExitTwo) {
  EXPECT_EQ(run("verify '" + (dir_ / "missing").string() + "'").exit_code, 2);
  EXPECT_EQ(run("verify").exit_code, 2);
  EXPECT_EQ(run("proof " + dir_arg()).exit_code, 2);  // --seq is required
  EXPECT_EQ(run("export " + dir_arg() + " --tenant A --format xml").exit_code, 2);
  EXPECT_EQ(run("export " + dir_arg() + " --tenant A --since yesterday").exit_code, 2);
  EXPECT_EQ(run("frobnicate " + dir_arg()).exit_code, 2);
}

TEST_F(AuditCli, TamperFlipByte) {
  bytes_[record(7).offset + 70] ^= 0x20;
  expect_verify_fails_with("crc_mismatch", "CRC32C mismatch");
}

TEST_F(AuditCli, TamperDeleteRecord) {
  const FrameAt r = record(7);
  bytes_.erase(bytes_.begin() + static_cast<std::ptrdiff_t>(r.offset),
               bytes_.begin() + static_cast<std::ptrdiff_t>(r.offset + r.size));
  expect_verify_fails_with("seq_mismatch", "record seq 8 found where seq 7 was expected");
}

TEST_F(AuditCli, TamperSwapRecords) {
  const FrameAt a = record(3);
  const FrameAt b = record(4);
  std::vector<std::uint8_t> fa(bytes_.begin() + static_cast<std::ptrdiff_t>(a.offset),
                               bytes_.begin() + static_cast<std::ptrdiff_t>(a.offset + a.size));
  std::vector<std::uint8_t> fb(bytes_.begin() + static_cast<std::ptrdiff_t>(b.offset),
                               bytes_.begin() + static_cast<std::ptrdiff_t>(b.offset + b.size));
  std::vector<std::uint8_t> out(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(a.offset));
  out.insert(out.end(), fb.begin(), fb.end());
  out.insert(out.end(), fa.begin(), fa.end());
  out.insert(out.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(b.offset + b.size), bytes_.end());
  bytes_ = out;
  expect_verify_fails_with("seq_mismatch", "out of order");
}

TEST_F(AuditCli, TamperTruncateMidRecord) {
  bytes_.resize(record(12).offset + 25);
  expect_verify_fails_with("truncated_frame", "truncated mid-record");
}

TEST_F(AuditCli, TamperAppendForgedRecord) {
  const FrameAt last = record(19);
  const std::vector<std::uint8_t> body(bytes_.begin() + static_cast<std::ptrdiff_t>(last.offset + 8),
                                       bytes_.begin() + static_cast<std::ptrdiff_t>(last.offset + last.size));
  detail::append_record_frame(20, detail::leaf_hash(body), encode_record(sample_record("A", 77)), bytes_);
  expect_verify_fails_with("unsigned_tail", "follow the last signed checkpoint");
  const CommandResult live = run("verify --allow-unsigned-tail " + dir_arg());
  EXPECT_EQ(live.exit_code, 0) << live.output;
}

TEST_F(AuditCli, TamperReplaceCheckpoint) {
  // A checkpoint of another log signed with the same key.
  core::SystemClock clock;
  {
    auto other = AuditLog::open(options_for(dir_ / "other", dir_ / "key.pem"), clock);
    ASSERT_TRUE(other);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*other)->append_and_wait(sample_record("Z", i)));
  }
  const std::vector<std::uint8_t> other = read_bytes(only_segment(dir_ / "other"));
  const FrameAt theirs = find_frame(list_frames(other), detail::kCheckpointType, 10);
  std::copy(other.begin() + static_cast<std::ptrdiff_t>(theirs.offset),
            other.begin() + static_cast<std::ptrdiff_t>(theirs.offset + theirs.size),
            bytes_.begin() + static_cast<std::ptrdiff_t>(checkpoint(10).offset));
  expect_verify_fails_with("root_mismatch", "checkpoint at tree size 10");
}

TEST_F(AuditCli, TamperResignWithAnotherKey) {
  const FrameAt c = checkpoint(15);
  auto parsed = detail::decode_checkpoint_body({bytes_.data() + c.offset + 8, c.size - 8});
  ASSERT_TRUE(parsed);
  std::array<std::uint8_t, 32> seed{};
  seed.fill(0x31);
  const detail::SigningKey other = detail::SigningKey::from_seed(seed);
  parsed->key_id = other.key_id();
  parsed->signature = other.sign(detail::checkpoint_signed_message(*parsed));
  const std::vector<std::uint8_t> body = detail::encode_checkpoint_body(*parsed);
  std::copy(body.begin(), body.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(c.offset + 8));
  fix_crc(bytes_, c.offset);
  expect_verify_fails_with("checkpoint_key", "re-signed with another key");
}

TEST_F(AuditCli, ProofExportTail) {
  const CommandResult proof = run("proof " + dir_arg() + " --seq 7");
  ASSERT_EQ(proof.exit_code, 0) << proof.output;
  auto parsed = json::parse(proof.output);
  ASSERT_TRUE(parsed) << proof.output;
  EXPECT_EQ(parsed->find("seq")->as_uint(), 7u);
  EXPECT_EQ(parsed->find("tree_size")->as_uint(), 20u);
  EXPECT_EQ(run("proof " + dir_arg() + " --seq 20").exit_code, 1);

  const fs::path file = dir_ / "a.jsonl";
  const CommandResult exported =
      run("export " + dir_arg() + " --tenant A --format jsonl -o '" + file.string() + "'");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const std::string text = read_text(file);
  EXPECT_NE(text.find("\"tenant\":\"A\""), std::string::npos);
  EXPECT_EQ(text.find("\"tenant\":\"B\""), std::string::npos);
  const CommandResult csv = run("export " + dir_arg() + " --tenant B --format csv");
  EXPECT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_NE(csv.output.find("seq,time_us,tenant"), std::string::npos);

  const CommandResult tailed = run("tail " + dir_arg() + " -n 3");
  EXPECT_EQ(tailed.exit_code, 0) << tailed.output;
  EXPECT_EQ(std::count(tailed.output.begin(), tailed.output.end(), '\n'), 3);
  EXPECT_EQ(tailed.output.rfind("{\"seq\":17,", 0), 0u) << tailed.output;
}

}  // namespace
}  // namespace bulkhead::audit
