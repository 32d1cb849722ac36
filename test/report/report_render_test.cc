// The renderers: the verdict on the first line; HTML self-contained (no script, no external resource) with SVG
// charts and every owner; Markdown tables escape cell separators.
#include "report_test_util.h"

namespace bulkhead::report::testing {
namespace {

TEST_F(ReportFixture, RenderersSayTheSameThing) {
  write_history();
  auto built = build_report(options_, *store_);
  ASSERT_TRUE(built && built->verified);
  const std::string md = render_markdown(built->document);
  const std::string html = render_html(built->document);
  const std::string json_text = render_json(built->document);
  EXPECT_TRUE(md.starts_with("VERIFIED"));
  EXPECT_TRUE(json_text.starts_with("{\"verdict\": \"VERIFIED"));
  EXPECT_NE(html.substr(0, html.find('\n')).find("VERIFIED"), std::string::npos);
  auto reparsed = json::parse(json_text);
  ASSERT_TRUE(reparsed);
  EXPECT_EQ(*reparsed, built->document);
  for (const std::string& text : {md, html}) {
    for (const char* expected : {"crm-platform", "security-eng", "crm-data", "j.doe", "contract ended", "globex"}) {
      EXPECT_NE(text.find(expected), std::string::npos) << expected;
    }
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
}

TEST_F(ReportFixture, HtmlEscapesWhatTheLogHolds) {
  write_history();
  // A principal name with markup (from the log) must not become markup.
  audit::AuditOptions o;
  o.dir = options_.audit_dir;
  o.signing_key_file = dir_ / "audit-key.pem";
  {
    auto log = audit::AuditLog::open(o, clock_);
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->append_and_wait(call(80, "<b>evil</b>", "spiffe://acme.test/agent/<script>", false)));
  }
  auto built = build_report(options_, *store_);
  ASSERT_TRUE(built && built->verified);
  const std::string html = render_html(built->document);
  EXPECT_EQ(html.find("<b>evil"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;evil"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace bulkhead::report::testing
