// export_tenant() and inclusion_proof(): tenant A's export holds every record of A, none of B, and each record's
// leaf, audit path, checkpoint and signature check out against the published key.
#include <gtest/gtest.h>

#include "audit/detail/merkle.h"
#include "audit/detail/signing_key.h"
#include "audit_test_util.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AuditOptions o = options_for(log_dir(), dir_ / "key.pem");
    o.checkpoint_every_records = 7;
    auto log = AuditLog::open(o, clock_);
    ASSERT_TRUE(log);
    for (int i = 0; i < 30; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record(i % 3 == 0 ? "B" : "A", i)));
    key_ = *detail::read_public_key_file(log_dir() / "public-key.pem");
  }
  fs::path log_dir() const { return dir_ / "log"; }

  // Checks a leaf (base64) + audit path against a checkpoint JSON object, including its signature.
  void expect_provable(std::uint64_t seq, const std::string& leaf_b64, const json::Value& path_json,
                       std::uint64_t tree_size, const json::Value& checkpoint) {
    const auto leaf = core::base64_decode(leaf_b64);
    ASSERT_TRUE(leaf);
    std::vector<Sha256Digest> path;
    for (const auto& h : path_json.as_array()) {
      const auto bytes = core::hex_decode(h.as_string());
      ASSERT_TRUE(bytes && bytes->size() == 32);
      path.emplace_back();
      std::copy(bytes->begin(), bytes->end(), path.back().begin());
    }
    const auto body = core::base64_decode(checkpoint.find_string("body") ? *checkpoint.find_string("body") : "");
    ASSERT_TRUE(body);
    const auto c = detail::decode_checkpoint_body(*body);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->tree_size, tree_size);
    EXPECT_TRUE(detail::verify_signature(key_, detail::checkpoint_signed_message(*c),
                                         std::span<const std::uint8_t, 64>(c->signature)));
    EXPECT_TRUE(detail::verify_inclusion(seq, tree_size, detail::leaf_hash(*leaf), path, c->root)) << seq;
    EXPECT_EQ(detail::get_le64(leaf->data() + 1), seq);
  }

  ScratchDir dir_{"export"};
  core::SystemClock clock_;
  detail::PublicKey key_{};
};

TEST_F(ExportTest, JsonlHasOnlyTheTenantAndVerifies) {
  std::ostringstream out;
  ExportOptions options;
  options.tenant = "A";
  auto summary = export_tenant(log_dir(), options, out);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->exported, 20u);
  EXPECT_EQ(summary->without_proof, 0u);
  std::istringstream lines(out.str());
  std::string line;
  std::getline(lines, line);
  auto header = json::parse(line);
  ASSERT_TRUE(header);
  EXPECT_EQ(*header->find_string("type"), "header");
  EXPECT_EQ(*header->find_string("tenant"), "A");
  EXPECT_EQ(*header->find_string("public_key"), core::hex_encode(key_));
  const json::Value checkpoint = *header->find("checkpoint");
  std::uint64_t records = 0;
  bool footer = false;
  while (std::getline(lines, line)) {
    auto v = json::parse(line);
    ASSERT_TRUE(v) << line;
    if (*v->find_string("type") == "footer") {
      footer = true;
      EXPECT_EQ(v->find("records")->as_uint(), 20u);
      continue;
    }
    ++records;
    EXPECT_EQ(*v->find("record")->find_string("tenant"), "A");
    EXPECT_EQ(out.str().find("\"tenant\":\"B\""), std::string::npos);
    const std::uint64_t seq = v->find("seq")->as_uint();
    EXPECT_NE(seq % 3, 0u);
    expect_provable(seq, *v->find_string("leaf"), *v->find("audit_path"), v->find("tree_size")->as_uint(), checkpoint);
    // The record object is the leaf's payload.
    const auto leaf = *core::base64_decode(*v->find_string("leaf"));
    EXPECT_EQ(std::string(leaf.begin() + 41, leaf.end()), json::canonicalize(*v->find("record")));
  }
  EXPECT_TRUE(footer);
  EXPECT_EQ(records, 20u);
}

TEST_F(ExportTest, CsvRowsAreSelfContained) {
  std::ostringstream out;
  ExportOptions options;
  options.tenant = "B";
  options.format = ExportFormat::csv;
  auto summary = export_tenant(log_dir(), options, out);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->exported, 10u);
  std::istringstream lines(out.str());
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("seq,time_us,tenant,", 0), 0u);
  int rows = 0;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (std::size_t at; (at = line.find(',', start)) != std::string::npos; start = at + 1) {
      cells.push_back(line.substr(start, at - start));
    }
    cells.push_back(line.substr(start));
    ASSERT_EQ(cells.size(), 20u) << line;
    EXPECT_EQ(cells[2], "B");
    json::Value path = json::Value::array();
    std::istringstream hashes(cells[16]);
    for (std::string h; hashes >> h;) path.push_back(h);
    json::Value checkpoint = json::Value::object();
    checkpoint.set("body", cells[18]);
    expect_provable(std::stoull(cells[0]), cells[15], path, std::stoull(cells[17]), checkpoint);
    EXPECT_EQ(cells[19], core::base64_encode(key_));
    ++rows;
  }
  EXPECT_EQ(rows, 10);
}

TEST_F(ExportTest, TimeWindow) {
  ExportOptions options;
  options.tenant = "A";
  options.since = sample_record("A", 10).time;  // inclusive
  options.until = sample_record("A", 20).time;  // exclusive
  std::ostringstream out;
  auto summary = export_tenant(log_dir(), options, out);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->exported, 7u);  // 10..19 without 12, 15, 18
}

TEST_F(ExportTest, RefusesALogThatDoesNotVerify) {
  std::vector<std::uint8_t> bytes = read_bytes(only_segment(log_dir()));
  bytes[200] ^= 1;
  write_bytes(only_segment(log_dir()), bytes);
  std::ostringstream out;
  ExportOptions options;
  options.tenant = "A";
  auto summary = export_tenant(log_dir(), options, out);
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().reason, core::Reason::audit_unavailable);
  EXPECT_TRUE(out.str().empty());
}

TEST_F(ExportTest, InclusionProofForEveryRecord) {
  for (std::uint64_t seq = 0; seq < 30; ++seq) {
    auto proof = inclusion_proof(log_dir(), seq);
    ASSERT_TRUE(proof) << proof.error().message;
    EXPECT_EQ(proof->find("leaf_index")->as_uint(), seq);
    expect_provable(seq, *proof->find_string("leaf"), *proof->find("audit_path"), proof->find("tree_size")->as_uint(),
                    *proof->find("checkpoint"));
  }
  auto missing = inclusion_proof(log_dir(), 30);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, core::Reason::invalid_request);
}

TEST_F(ExportTest, UncheckpointedRecordsHaveNoProofYet) {
  AuditOptions o = options_for(log_dir(), dir_ / "key.pem");
  o.checkpoint_every_records = 0;
  auto log = AuditLog::open(o, clock_);
  ASSERT_TRUE(log);
  ASSERT_TRUE((*log)->append_and_wait(sample_record("A", 30)));
  auto proof = inclusion_proof(log_dir(), 30);
  ASSERT_FALSE(proof);
  EXPECT_NE(proof.error().message.find("not covered by a signed checkpoint"), std::string::npos);
  ExportOptions options;
  options.tenant = "A";
  options.verify.allow_unsigned_tail = true;
  std::ostringstream out;
  auto summary = export_tenant(log_dir(), options, out);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->without_proof, 1u);
}

}  // namespace
}  // namespace bulkhead::audit
