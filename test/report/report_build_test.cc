// build_report() over a real log and store: each section holds the scripted events with their seqs and proofs;
// scope and period filters; a tampered log is refused with the finding on the first line.
#include <fstream>

#include "report/detail/text.h"
#include "report_test_util.h"

namespace bulkhead::report::testing {
namespace {

using detail::list;
using detail::member;
using detail::num;
using detail::str;

TEST_F(ReportFixture, HoldsEveryEventWithItsSeqAndProof) {
  write_history();
  auto built = build_report(options_, *store_);
  ASSERT_TRUE(built) << built.error().message;
  ASSERT_TRUE(built->verified) << built->refusal;
  const json::Value& doc = built->document;
  EXPECT_TRUE(str(doc, "verdict").starts_with("VERIFIED"));
  const json::Value& crm = list(member(doc, "register"), "connectors").front();
  EXPECT_EQ(str(crm, "approver"), "j.doe");
  EXPECT_EQ(str(crm, "approved_on"), "2026-11-01");
  EXPECT_TRUE(member(crm, "shared_responsibility").is_object());
  const json::Value& version = list(member(doc, "register"), "versions").front();
  EXPECT_EQ(str(version, "reason"), "SEC-1");
  EXPECT_EQ(num(member(version, "record"), "seq"), static_cast<std::int64_t>(seq_.register_applied));

  const json::Value& se = member(doc, "scope_enforcement");
  EXPECT_EQ(num(member(se, "decisions"), "allow"), 2);
  EXPECT_EQ(num(member(se, "decisions"), "deny"), 2);
  const json::Value& cross = member(se, "cross_tenant_denials");
  ASSERT_EQ(num(cross, "count"), 1);
  const json::Value& attempt = list(cross, "records").front();
  EXPECT_EQ(num(attempt, "seq"), static_cast<std::int64_t>(seq_.cross));
  EXPECT_EQ(str(attempt, "target_tenant"), "globex");

  const json::Value& off = member(doc, "offboarding").as_array().front();
  EXPECT_EQ(str(off, "reason"), "contract ended");
  EXPECT_EQ(str(off, "actor"), "cli:test");
  EXPECT_EQ(num(off, "sessions_closed"), 1);
  const json::Value& refused = member(off, "refused_after");
  ASSERT_EQ(num(refused, "count"), 1);  // the earlier cross-tenant refusal predates the offboarding
  const json::Value& later = list(refused, "records").front();
  EXPECT_EQ(num(later, "seq"), static_cast<std::int64_t>(seq_.refused));
  // The proof the report cites is the one audit::inclusion_proof gives.
  auto proof = audit::inclusion_proof(options_.audit_dir, seq_.refused);
  ASSERT_TRUE(proof) << proof.error().message;
  EXPECT_EQ(*member(later, "proof").find("audit_path"), *proof->find("audit_path"));
  EXPECT_EQ(num(member(later, "proof"), "tree_size"), static_cast<std::int64_t>(proof->find("tree_size")->as_uint()));
  EXPECT_EQ(str(member(later, "proof"), "root_hash"), str(member(*proof, "checkpoint"), "root_hash"));
  bool offboarded = false;
  bool applied = false;
  for (const auto& step : list(off, "timeline")) {
    const json::Value& record = member(step, "record");
    if (str(record, "event") == "offboarded") offboarded = num(record, "seq") == static_cast<std::int64_t>(seq_.offboarded);
    if (str(record, "event") == "offboarding_applied") applied = num(record, "seq") == static_cast<std::int64_t>(seq_.applied);
  }
  EXPECT_TRUE(offboarded);
  EXPECT_TRUE(applied);

  const json::Value& acme = list(member(doc, "data_access"), "tenants").front();
  EXPECT_EQ(str(acme, "tenant"), "acme");
  EXPECT_EQ(num(member(acme, "totals"), "writes"), 1);
  EXPECT_EQ(str(list(acme, "by_classification").front(), "classification"), "confidential");

  std::map<std::string, std::string> status;
  for (const auto& c : list(doc, "frameworks")) status[str(c, "id")] = str(c, "status");
  EXPECT_EQ(status["inventory"], "met");
  EXPECT_EQ(status["offboarding"], "met");
  EXPECT_EQ(status["policy"], "gap");  // no policy directory
  EXPECT_EQ(status["task_tokens"], "not_applicable");
}

TEST_F(ReportFixture, ScopesAndPeriods) {
  write_history();
  options_.scope = ScopeKind::tenant;
  options_.scope_value = "globex";
  auto globex = build_report(options_, *store_);
  ASSERT_TRUE(globex && globex->verified);
  EXPECT_TRUE(member(globex->document, "offboarding").as_array().empty());
  EXPECT_EQ(num(member(member(globex->document, "scope_enforcement"), "cross_tenant_denials"), "count"), 1);
  EXPECT_EQ(num(member(member(globex->document, "scope_enforcement"), "decisions"), "allow"), 1);
  options_.scope = ScopeKind::all;
  options_.since = kStart + seconds(15);
  options_.until = kStart + seconds(65);
  auto window = build_report(options_, *store_);
  ASSERT_TRUE(window && window->verified);
  const json::Value& d = member(member(window->document, "scope_enforcement"), "decisions");
  EXPECT_EQ(num(d, "allow"), 0);
  EXPECT_EQ(num(d, "deny"), 1);
}

TEST_F(ReportFixture, TamperedLogIsRefused) {
  write_history();
  std::filesystem::path segment;
  for (const auto& e : std::filesystem::directory_iterator(options_.audit_dir)) {
    if (e.path().filename().string().starts_with("segment-")) segment = e.path();
  }
  std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(200);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x20);
  f.seekp(200);
  f.write(&c, 1);
  f.close();
  auto built = build_report(options_, *store_);
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_FALSE(built->verified);
  EXPECT_TRUE(built->refusal.starts_with("REPORT REFUSED: the audit log")) << built->refusal;
  EXPECT_EQ(str(built->document, "verdict"), built->refusal);
  EXPECT_EQ(built->document.find("register"), nullptr);  // nothing from an unverifiable log
  EXPECT_TRUE(render_markdown(built->document).starts_with("REPORT REFUSED"));
  EXPECT_TRUE(render_json(built->document).starts_with("{\"verdict\": \"REPORT REFUSED"));
  const std::string html = render_html(built->document);
  EXPECT_EQ(html.substr(0, html.find('\n')).find("REPORT REFUSED") != std::string::npos, true);
}

}  // namespace
}  // namespace bulkhead::report::testing
