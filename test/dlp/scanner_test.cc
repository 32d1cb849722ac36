#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "dlp/dlp.h"
#include "json/json.h"

namespace bulkhead::dlp {
namespace {

Options two_tenants() {
  Options options;
  options.tenants.push_back({"acme", {"ACME-CANARY-7f3a"}, {R"(acme-\d{3})"}});
  options.tenants.push_back({"globex", {"GLOBEX-CANARY-19c2"}, {R"(globex-\d{3})"}});
  options.patterns.push_back({"ssn", R"(\d{3}-\d{2}-\d{4})", "restricted", Action::block});
  options.patterns.push_back({"internal-project", R"(project-nightjar)", "confidential", Action::log});
  return options;
}

Scanner scanner_for(Options options) {
  auto engine = Engine::create(std::move(options));
  EXPECT_TRUE(engine) << engine.error().message;
  auto scanner = Scanner::create(*engine);
  EXPECT_TRUE(scanner);
  return std::move(*scanner);
}

// A GitHub token in the form the rules recognise (not a placeholder).
const std::string kToken = "ghp_" + std::string("Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi");

TEST(Scanner, OwnTenantDataIsNoHitButLabels) {
  Scanner s = scanner_for(two_tenants());
  auto v = s.scan_json(R"({"content":[{"type":"text","text":"customer acme-001"}]})", "acme");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->hits.empty());
  EXPECT_FALSE(v->blocked());
  EXPECT_TRUE(v->labels.contains("tenant:acme"));
}

TEST(Scanner, OtherTenantsMarkerBlocks) {
  Scanner s = scanner_for(two_tenants());
  auto v = s.scan_json(R"({"content":[{"type":"text","text":"acme-001, globex-042"}]})", "acme");
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->blocked());
  ASSERT_EQ(v->hits.size(), 1u);
  EXPECT_EQ(v->hits[0].rule_id, "marker:globex:0");
  EXPECT_TRUE(v->labels.contains("tenant:globex"));
  EXPECT_FALSE(v->redacted);
}

TEST(Scanner, EscapedMarkerAndCanaryAreFound) {
  Scanner s = scanner_for(two_tenants());
  auto v = s.scan_json(R"({"text":"\u0067lobex-\u0030\u00342"})", "acme");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->blocked());
  v = s.scan_json(R"({"text":"GLOBEX\u002dCANARY-19c2"})", "acme");
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->blocked());
  EXPECT_EQ(v->hits[0].rule_id, "canary:globex:0");
}

TEST(Scanner, Base64BlobIsDecoded) {
  Scanner s = scanner_for(two_tenants());
  // base64("record globex-042")
  auto v = s.scan_json(R"({"contents":[{"uri":"x://y","blob":"cmVjb3JkIGdsb2JleC0wNDI="}]})", "acme");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->blocked());
}

TEST(Scanner, SecretsAreRedactedInPlace) {
  Scanner s = scanner_for(two_tenants());
  const std::string text = R"({"content":[{"type":"text","text":"key: )" + kToken + R"( end"}],"isError":false})";
  auto v = s.scan_json(text, "acme");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->hits.size(), 1u);
  EXPECT_EQ(v->hits[0].rule_id, "BH001");
  EXPECT_EQ(v->action, Action::redact);
  ASSERT_TRUE(v->redacted);
  EXPECT_EQ(v->redacted->find(kToken), std::string::npos);
  auto parsed = json::parse(*v->redacted);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->find("content")->as_array()[0].find_string("text")->c_str(),
            std::string("key: [redacted:BH001] end"));
}

TEST(Scanner, RedactAcrossEscapesKeepsValidJson) {
  Options options = two_tenants();
  options.on_other_tenant_marker = Action::redact;
  Scanner s = scanner_for(std::move(options));
  auto v = s.scan_json(R"({"a":"line\n\"globex-042\"\tend","b":"keep \u00e9"})", "acme");
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->redacted);
  auto parsed = json::parse(*v->redacted);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed->find_string("a"), "line\n\"[redacted:marker:globex:0]\"\tend");
  EXPECT_EQ(*parsed->find_string("b"), "keep \xc3\xa9");
}

TEST(Scanner, RedactInsideBase64OrKeyBecomesBlock) {
  Options options = two_tenants();
  options.on_other_tenant_marker = Action::redact;
  Scanner s = scanner_for(std::move(options));
  auto v = s.scan_json(R"({"blob":"cmVjb3JkIGdsb2JleC0wNDI="})", "acme");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->blocked());
  v = s.scan_json(R"({"globex-042":"x"})", "acme");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->blocked());
}

TEST(Scanner, CustomPatternsCarryTheirClassification) {
  Scanner s = scanner_for(two_tenants());
  auto v = s.scan_json(R"({"text":"about project-nightjar"})", "acme");
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->blocked());
  ASSERT_EQ(v->hits.size(), 1u);
  EXPECT_EQ(v->hits[0].rule_id, "pattern:internal-project");
  EXPECT_EQ(v->action, Action::log);
  EXPECT_TRUE(v->labels.contains("confidential"));
  v = s.scan_json(R"({"text":"ssn 123-45-6789"})", "acme");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->blocked());
  EXPECT_TRUE(v->labels.contains("restricted"));
}

TEST(Scanner, MarkerSplitAcrossStreamEventsIsFound) {
  Scanner s = scanner_for(two_tenants());
  StreamState stream;
  auto first = s.scan_json(R"({"method":"notifications/message","params":{"level":"info","data":"part glo"}})", "acme",
                           &stream);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->blocked());
  auto second = s.scan_json(R"({"method":"notifications/message","params":{"level":"info","data":"bex-0"}})", "acme",
                            &stream);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->blocked());
  auto third = s.scan_json(R"({"method":"notifications/message","params":{"level":"info","data":"42 rest"}})", "acme",
                           &stream);
  ASSERT_TRUE(third);
  EXPECT_TRUE(third->blocked());
  // Without the stream, each piece alone is clean.
  auto alone = s.scan_json(R"({"params":{"data":"42 rest"}})", "acme");
  ASSERT_TRUE(alone);
  EXPECT_FALSE(alone->blocked());
}

TEST(Scanner, NoSeparatorAcrossFieldsMeansNoFalseMatch) {
  Scanner s = scanner_for(two_tenants());
  auto v = s.scan_json(R"({"a":"globex-","b":"042"})", "acme");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->hits.empty());
}

TEST(Scanner, MalformedTextIsAnError) {
  Scanner s = scanner_for(two_tenants());
  EXPECT_FALSE(s.scan_json(R"({"a":"\x"})", "acme"));
}

TEST(Scanner, OrdinaryResponsesAreClean) {
  Scanner s = scanner_for(two_tenants());
  for (std::string_view text : {
           R"({"content":[{"type":"text","text":"Echo: hello world"}]})",
           R"({"content":[{"type":"text","text":"The sum of 2 and 3 is 5."}]})",
           R"({"tools":[{"name":"echo","description":"Echoes back the input","inputSchema":{"type":"object"}}]})",
           R"({"content":[{"type":"image","data":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==","mimeType":"image/png"}]})",
           R"({"messages":[{"role":"user","content":{"type":"text","text":"This is a simple prompt without arguments."}}]})",
       }) {
    auto v = s.scan_json(text, "acme");
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->hits.empty()) << text << " hit " << v->hits[0].rule_id;
  }
}

// With the caller's own database ready (others' patterns without the caller's, plus its own alone), every verdict
// must equal the shared database's: same hits in the same order, same action, labels and masked text.
Scanner prepared_scanner(Options options, std::string_view tenant) {
  auto engine = Engine::create(std::move(options));
  EXPECT_TRUE(engine) << engine.error().message;
  EXPECT_TRUE((*engine)->prepare_tenant(tenant));
  auto scanner = Scanner::create(*engine);
  EXPECT_TRUE(scanner);
  return std::move(*scanner);
}

void expect_same(const Verdict& a, const Verdict& b, std::string_view text) {
  ASSERT_EQ(a.hits.size(), b.hits.size()) << text;
  for (std::size_t i = 0; i < a.hits.size(); ++i) EXPECT_EQ(a.hits[i].rule_id, b.hits[i].rule_id) << text;
  EXPECT_EQ(a.action, b.action) << text;
  EXPECT_EQ(a.labels, b.labels) << text;
  EXPECT_EQ(a.redacted, b.redacted) << text;
}

TEST(TenantDatabase, VerdictsEqualTheSharedDatabase) {
  for (Action on_marker : {Action::block, Action::redact, Action::log}) {
    Options options = two_tenants();
    options.on_other_tenant_marker = on_marker;
    Options shared_options = options;
    shared_options.tenant_databases = 0;
    Scanner shared = scanner_for(std::move(shared_options));
    Scanner own = prepared_scanner(options, "acme");
    Scanner warming = scanner_for(options);  // its first scans run before the background compile is done
    for (const std::string& text : std::vector<std::string>{
             R"({"text":"customer acme-001"})",
             R"({"text":"acme-001globex-042"})",
             R"({"text":"globex-042acme-001"})",
             R"({"text":"acme-001 ACME-CANARY-7f3a acme-002"})",
             R"({"text":"\u0061cme-001 and \u0067lobex-042"})",
             R"({"a":"acme-001","b":"GLOBEX-CANARY-19c2","c":"ssn 123-45-6789 project-nightjar"})",
             R"({"text":"key )" + kToken + R"( for acme-123"})",
             R"({"blob":"cmVjb3JkIGdsb2JleC0wNDI="})",
             R"({"acme-001":"globex-042"})",
             R"({"text":"nothing here"})",
             R"([])",
         }) {
      auto a = shared.scan_json(text, "acme");
      auto b = own.scan_json(text, "acme");
      auto c = warming.scan_json(text, "acme");
      ASSERT_TRUE(a && b && c) << text;
      expect_same(*a, *b, text);
      expect_same(*a, *c, text);
      // globex's view of the same text: its database was never prepared (the shared one serves it).
      auto g1 = shared.scan_json(text, "globex");
      auto g2 = own.scan_json(text, "globex");
      ASSERT_TRUE(g1 && g2) << text;
      expect_same(*g1, *g2, text);
    }
  }
}

TEST(TenantDatabase, OwnMarkerStillLabelsAndAdjacentOtherMarkerBlocks) {
  Scanner s = prepared_scanner(two_tenants(), "acme");
  auto v = s.scan_json(R"({"text":"acme-001 acme-002 ACME-CANARY-7f3a"})", "acme");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->hits.empty());
  EXPECT_EQ(v->labels, (std::set<std::string>{"tenant:acme"}));
  for (std::string_view text : {R"({"text":"acme-001globex-042"})", R"({"text":"globex-042acme-001"})",
                                R"({"text":"acme-globex-042"})", R"({"text":"GLOBEX-CANARY-19c2acme-001"})"}) {
    v = s.scan_json(text, "acme");
    ASSERT_TRUE(v) << text;
    EXPECT_TRUE(v->blocked()) << text;
    EXPECT_TRUE(v->labels.contains("tenant:globex")) << text;
  }
  // The same text for globex: acme's marker blocks, globex's own is a label.
  v = s.scan_json(R"({"text":"acme-001globex-042"})", "globex");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->hits.size(), 1u);
  EXPECT_EQ(v->hits[0].rule_id, "marker:acme:0");
  EXPECT_TRUE(v->labels.contains("tenant:globex"));
}

TEST(TenantDatabase, CallerWithoutPatternsAndSingleTenant) {
  // A caller that owns nothing uses the shared database; a tenant alone (no other patterns) has no "others" pass.
  Options options;
  options.tenants.push_back({"acme", {}, {R"(acme-\d{3})"}});
  Scanner s = prepared_scanner(options, "acme");
  auto v = s.scan_json(R"({"text":"acme-001"})", "acme");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->hits.empty());
  EXPECT_TRUE(v->labels.contains("tenant:acme"));
  v = s.scan_json(R"({"text":"acme-001"})", "initech");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->blocked());
}

TEST(TenantDatabase, StreamCarryStillSeesOwnAndOthers) {
  Scanner s = prepared_scanner(two_tenants(), "acme");
  StreamState stream;
  auto first = s.scan_json(R"({"params":{"data":"part acme-001 glo"}})", "acme", &stream);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->blocked());
  EXPECT_TRUE(first->labels.contains("tenant:acme"));
  auto second = s.scan_json(R"({"params":{"data":"bex-042 rest"}})", "acme", &stream);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->blocked());
}

// The credential rules' candidates are folded into the fast pass when there are tenants' or custom patterns
// (shared and per-tenant databases); without them the matcher scans on its own. Both must find the same.
TEST(TenantDatabase, FoldedCredentialCandidatesFindWhatTheMatcherFinds) {
  Options alone;  // no patterns at all: the credential rules' own candidate pass
  Scanner unfolded = scanner_for(alone);
  Scanner shared = scanner_for([] {
    Options o = two_tenants();
    o.tenant_databases = 0;
    return o;
  }());
  Scanner own = prepared_scanner(two_tenants(), "acme");
  Options single;
  single.tenants.push_back({"acme", {}, {R"(acme-\d{3})"}});
  Scanner single_own = prepared_scanner(single, "acme");  // "others" holds nothing but the candidates
  const std::string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY21lLWJvdCJ9.Qm9uZ1RyZWVTaWduYXR1cmVYWQ";
  for (const std::string& text : std::vector<std::string>{
           R"({"text":"key )" + kToken + R"("})",
           R"({"a":"acme-001","b":"AKIAZ7QK3MXW5RTY2HNB"})",
           R"({"text":"slack xoxb-4827163950-Kq8TzR2mWx9V and )" + jwt + R"("})",
           R"({"text":"\u0067hp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi"})",
           R"({"text":"ghp_short acme-002"})",
           R"({"text":"no credential, acme-003"})",
       }) {
    auto reference = unfolded.scan_json(text, "acme");
    ASSERT_TRUE(reference) << text;
    for (Scanner* scanner : {&shared, &own, &single_own}) {
      auto v = scanner->scan_json(text, "acme");
      ASSERT_TRUE(v) << text;
      std::vector<std::string> secrets;
      for (const Hit& hit : v->hits) {
        if (hit.kind == HitKind::secret) secrets.push_back(hit.rule_id);
      }
      std::vector<std::string> expected;
      for (const Hit& hit : reference->hits) expected.push_back(hit.rule_id);
      EXPECT_EQ(secrets, expected) << text;
      EXPECT_EQ(v->redacted, reference->redacted) << text;
    }
  }
  auto v = own.scan_json(R"({"text":"key )" + kToken + R"("})", "acme");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->hits.size(), 1u);
  EXPECT_EQ(v->hits[0].rule_id, "BH001");
  ASSERT_TRUE(v->redacted);
  EXPECT_NE(v->redacted->find("[redacted:BH001]"), std::string::npos);
}

TEST(Engine, BadRegexNamesTheRule) {
  Options options;
  options.tenants.push_back({"acme", {}, {"acme-(("}});
  auto engine = Engine::create(std::move(options));
  ASSERT_FALSE(engine);
  EXPECT_NE(engine.error().message.find("marker:acme:0"), std::string::npos);
}

TEST(Engine, ActionNames) {
  EXPECT_EQ(action_from_name("block"), Action::block);
  EXPECT_EQ(action_from_name("redact"), Action::redact);
  EXPECT_EQ(action_from_name("log"), Action::log);
  EXPECT_FALSE(action_from_name("drop"));
  EXPECT_EQ(action_name(Action::redact), "redact");
}

}  // namespace
}  // namespace bulkhead::dlp
