// Runs test/audit/verify_independent.mjs — a verifier written in Node from docs/formats/audit.md alone — on a proof,
// an export and a whole log made by this implementation, and checks that it also rejects tampered inputs.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>

#include "audit_test_util.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

CommandResult node(const std::string& arguments) {
  return run_shell(std::string("'") + BULKHEAD_AUDIT_NODE + "' '" + BULKHEAD_AUDIT_TEST_DIR + "/verify_independent.mjs' " +
                   arguments + " 2>&1");
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

class Independent : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(BULKHEAD_AUDIT_NODE).empty() || !fs::exists(BULKHEAD_AUDIT_NODE)) GTEST_SKIP() << "node not found";
    AuditOptions o = options_for(log_dir(), dir_ / "key.pem");
    o.checkpoint_every_records = 9;
    o.segment_max_bytes = 4096;  // several segments
    o.preallocate_segments = true;  // zero-filled tails (format v2) for the independent reader
    core::SystemClock clock;
    auto log = AuditLog::open(o, clock);
    ASSERT_TRUE(log);
    for (int i = 0; i < 45; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record(i % 2 ? "A" : "B", i)));
  }
  fs::path log_dir() const { return dir_ / "log"; }
  fs::path write_proof(std::uint64_t seq) {
    auto proof = inclusion_proof(log_dir(), seq);
    EXPECT_TRUE(proof) << proof.error().message;
    const fs::path file = dir_ / ("proof-" + std::to_string(seq) + ".json");
    std::ofstream(file) << json::serialize(*proof);
    return file;
  }

  ScratchDir dir_{"independent"};
};

TEST_F(Independent, ChecksEveryInclusionProofAndTheCheckpointSignature) {
  const fs::path pinned = log_dir() / "public-key.pem";
  for (std::uint64_t seq : {0u, 1u, 8u, 9u, 31u, 44u}) {
    const CommandResult r = node("proof " + quoted(write_proof(seq)) + " --public-key " + quoted(pinned));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("OK: seq " + std::to_string(seq) + " included in signed tree of size 45"),
              std::string::npos)
        << r.output;
  }
}

TEST_F(Independent, RejectsTamperedProofs) {
  const fs::path file = write_proof(10);
  auto proof = *json::parse(read_text(file));
  // 1. Another record's leaf.
  json::Value other = proof;
  auto other_leaf = core::base64_decode(*proof.find_string("leaf"));
  (*other_leaf)[60] ^= 1;
  other.set("leaf", core::base64_encode(*other_leaf));
  std::ofstream(dir_ / "bad1.json") << json::serialize(other);
  CommandResult r = node("proof " + quoted(dir_ / "bad1.json"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("does not lead to the signed root"), std::string::npos) << r.output;
  // 2. A checkpoint body with a changed root (signature no longer matches).
  json::Value resigned = proof;
  auto body = core::base64_decode(*proof.find("checkpoint")->find_string("body"));
  (*body)[20] ^= 1;
  resigned.find("checkpoint")->set("body", core::base64_encode(*body));
  std::ofstream(dir_ / "bad2.json") << json::serialize(resigned);
  r = node("proof " + quoted(dir_ / "bad2.json"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("bad signature"), std::string::npos) << r.output;
  // 3. A proof made by another log (another key) checked against this log's pinned key.
  ScratchDir other_dir("independent-other");
  {
    core::SystemClock clock;
    auto log = AuditLog::open(options_for(other_dir / "log", other_dir / "key.pem"), clock);
    ASSERT_TRUE(log);
    for (int i = 0; i < 12; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("A", i)));
  }
  auto foreign = inclusion_proof(other_dir / "log", 10);
  ASSERT_TRUE(foreign);
  std::ofstream(dir_ / "bad3.json") << json::serialize(*foreign);
  r = node("proof " + quoted(dir_ / "bad3.json") + " --public-key " + quoted(log_dir() / "public-key.pem"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("key id is not the trusted key"), std::string::npos) << r.output;
}

TEST_F(Independent, ChecksATenantExport) {
  ExportOptions options;
  options.tenant = "A";
  const fs::path file = dir_ / "a.jsonl";
  {
    std::ofstream out(file);
    ASSERT_TRUE(export_tenant(log_dir(), options, out));
  }
  const CommandResult r = node("export " + quoted(file) + " --public-key " + quoted(log_dir() / "public-key.pem"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK: 22 records of tenant A"), std::string::npos) << r.output;
}

TEST_F(Independent, ChecksTheWholeLogAndFindsTampering) {
  CommandResult r = node("log " + quoted(log_dir()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK: 45 records"), std::string::npos) << r.output;
  // Alter record 2 (whichever segment holds it: the writer switches to preallocated segments early) and fix its
  // CRC: record 3's prev_hash no longer matches.
  bool altered = false;
  for (const auto& entry : fs::directory_iterator(log_dir())) {
    if (!entry.path().filename().string().starts_with("segment-")) continue;
    std::vector<std::uint8_t> bytes = read_bytes(entry.path());
    for (const FrameAt& frame : list_frames(bytes)) {
      if (frame.type != detail::kRecordType || frame.seq_or_size != 2) continue;
      bytes[frame.offset + 60] ^= 1;
      fix_crc(bytes, frame.offset);
      write_bytes(entry.path(), bytes);
      altered = true;
    }
  }
  ASSERT_TRUE(altered);
  r = node("log " + quoted(log_dir()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("hash chain broken at seq 3"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace bulkhead::audit
