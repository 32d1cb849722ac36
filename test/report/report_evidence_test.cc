// The report's own RFC 9162 audit paths agree with audit::inclusion_proof for every record of logs of 1..40
// records; the fast record path reads what decode_record reads.
#include "report/detail/collector.h"
#include "report/detail/evidence.h"
#include "report_test_util.h"

namespace bulkhead::report::testing {
namespace {

TEST_F(ReportFixture, AuditPathsMatchInclusionProofs) {
  audit::AuditOptions o;
  o.dir = options_.audit_dir;
  o.signing_key_file = dir_ / "audit-key.pem";
  auto log = audit::AuditLog::open(o, clock_);
  ASSERT_TRUE(log);
  for (int n = 1; n <= 40; ++n) {
    ASSERT_TRUE((*log)->append_and_wait(call(n, "acme", "spiffe://acme.test/agent/a", n % 2 == 0)));
    ASSERT_TRUE((*log)->checkpoint());
    detail::LogEvidence evidence;
    evidence.verify.records = static_cast<std::uint64_t>(n);
    std::uint64_t seen = 0;
    auto read = detail::read_prefix(options_.audit_dir, evidence, [&](std::uint64_t, std::string_view) -> core::Result<void> {
      ++seen;
      return {};
    });
    ASSERT_TRUE(read) << read.error().message;
    ASSERT_EQ(seen, static_cast<std::uint64_t>(n));
    const detail::AuditPaths paths(evidence.leaves, static_cast<std::uint64_t>(n));
    for (int seq = 0; seq < n; ++seq) {
      auto proof = audit::inclusion_proof(options_.audit_dir, static_cast<std::uint64_t>(seq));
      ASSERT_TRUE(proof) << proof.error().message;
      json::Value mine = json::Value::array();
      for (const auto& h : paths.path(static_cast<std::uint64_t>(seq))) mine.push_back(core::hex_encode(h));
      ASSERT_EQ(mine, *proof->find("audit_path")) << "n=" << n << " seq=" << seq;
      ASSERT_EQ(core::hex_encode(paths.root()), *proof->find("checkpoint")->find_string("root_hash"));
    }
  }
}

TEST(PlainFacts, ReadsWhatDecodeRecordReads) {
  audit::AuditRecord r;
  r.time = kStart + std::chrono::microseconds(123456);
  r.kind = audit::RecordKind::read;
  r.decision = audit::Decision::allow;
  r.tenant = "acme";
  r.principal = "spiffe://acme.test/agent/a";
  r.upstream = "notes";
  r.method = "resources/read";
  r.resource = "notes://acme/1";
  r.args_sha256 = audit::digest_of("x");
  r.latency = std::chrono::microseconds(5);
  const std::string payload = audit::encode_record(r);
  auto fast = detail::plain_facts(payload);
  ASSERT_TRUE(fast);
  auto decoded = audit::decode_record(payload);
  ASSERT_TRUE(decoded);
  const detail::RecordFacts full = detail::facts_of(*decoded);
  EXPECT_EQ(fast->time_us, full.time_us);
  EXPECT_EQ(fast->kind, full.kind);
  EXPECT_EQ(fast->decision, full.decision);
  EXPECT_EQ(fast->tenant, full.tenant);
  EXPECT_EQ(fast->principal, full.principal);
  EXPECT_EQ(fast->upstream, full.upstream);
  EXPECT_EQ(fast->method, full.method);
  EXPECT_EQ(fast->resource, full.resource);
  EXPECT_EQ(fast->tool, full.tool);
  // Records with a reason, a detail, an escaped string or another kind take the full path.
  audit::AuditRecord escaped = r;
  escaped.tenant = "a\"b";
  EXPECT_FALSE(detail::plain_facts(audit::encode_record(escaped)));
  audit::AuditRecord reasoned = r;
  reasoned.reason = core::Reason::dlp_blocked;
  EXPECT_FALSE(detail::plain_facts(audit::encode_record(reasoned)));
  audit::AuditRecord denied = r;
  denied.kind = audit::RecordKind::deny;
  denied.decision = audit::Decision::deny;
  EXPECT_FALSE(detail::plain_facts(audit::encode_record(denied)));
  EXPECT_FALSE(detail::plain_facts("{\"kind\":\"invoke\""));
  EXPECT_FALSE(detail::plain_facts("not json"));
}

}  // namespace
}  // namespace bulkhead::report::testing
