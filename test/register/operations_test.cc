// apply / approve_tools / offboard against a real SQLite store: atomic apply, versions with who and why, pins from
// candidates, offboarding revokes exactly the tokens it should and deletes the credentials.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "register/register.h"
#include "token/token.h"

namespace bulkhead::registry {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

class OperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulkhead-register-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = std::move(*store::Store::open("sqlite://bulkhead.db", dir_, clock_));
    context_.upstreams = {"crm", "notes"};
    context_.tenants = {{"acme", {"spiffe://acme.test/agent/*"}}, {"globex", {"spiffe://globex.test/agent/*"}}};
    context_.today = date_of(clock_.now());
    classes_ = json::Value::object();
    classes_.set("crm", json::Value::object()).set("default", "internal");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Register reg(std::string review_by = "2027-05-01") const {
    return *parse_register(
        "[[connector]]\nupstream = \"crm\"\nowner_team = \"crm-platform\"\npolicy_owner = \"security-eng\"\n"
        "downstream_owner = \"crm-data\"\napprover = \"j.doe\"\napproved_on = 2026-11-01\npurpose = \"support\"\n"
        "review_by = " + review_by + "\n[[connector.tenant]]\nid = \"acme\"\n[[connector.tenant]]\nid = \"globex\"\n");
  }
  store::IssuedToken issued(std::string jti, std::string tenant, std::string scope) const {
    store::IssuedToken t;
    t.jti = std::move(jti);
    t.tenant = std::move(tenant);
    t.task = "t";
    t.subject = "spiffe://" + t.tenant + ".test/agent/a";
    t.actor = t.subject;
    t.chain = t.subject;
    t.scope = std::move(scope);
    t.issued_at_s = 1'795'000'000;
    t.expires_at_s = 1'795'000'300;
    return t;
  }

  core::FakeClock clock_{system_clock::time_point(seconds(1'795'000'100))};  // 2026-11-18
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  Context context_;
  json::Value classes_;
  Actor actor_{"cli:test", "initial approval"};
};

TEST_F(OperationsTest, ApplyIsAtomicVersionedAndIdempotent) {
  auto refused = apply(*store_, reg("2026-01-01"), context_, classes_, actor_, clock_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("nothing was applied"), std::string::npos);
  EXPECT_FALSE(*store_->latest_register_version());
  EXPECT_FALSE(apply(*store_, reg(), context_, classes_, Actor{"cli:test", ""}, clock_));  // a reason is required
  auto first = apply(*store_, reg(), context_, classes_, actor_, clock_);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->changed);
  EXPECT_EQ(first->version, 1);
  auto stored = *store_->latest_register_version();
  EXPECT_EQ(stored->applied_by, "cli:test");
  EXPECT_EQ(stored->reason, "initial approval");
  EXPECT_EQ(stored->sha256, core::sha256_hex(stored->document));
  auto same = apply(*store_, reg(), context_, classes_, actor_, clock_);
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->version, 1);
  json::Value reclassified = classes_;
  reclassified.find("crm")->set("default", "confidential");
  auto again = apply(*store_, reg(), context_, reclassified, Actor{"cli:test", "reclassified"}, clock_);
  EXPECT_TRUE(again->changed);
  EXPECT_EQ(again->version, 2);
  EXPECT_EQ(store_->register_versions()->size(), 2u);
  auto events = *store_->unaudited_admin_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "register_applied");
  auto view = load_view(*store_, reclassified);
  ASSERT_TRUE(view);
  EXPECT_EQ((*view)->check("crm", "acme", "spiffe://acme.test/agent/a", context_.today), Verdict::allow);
  EXPECT_EQ((*view)->version(), 2);
}

TEST_F(OperationsTest, ApproveToolsPromotesTheNewestCandidate) {
  const std::string v1 = R"({"description":"v1","name":"lookup"})";
  const std::string v2 = R"({"description":"v2","name":"lookup"})";
  ASSERT_TRUE(store_->put_tool_pin(store::ToolPin{"crm", "lookup", "d1", v1, 1, "first listing after approval"}));
  ASSERT_TRUE(store_->add_tool_candidate(store::ToolCandidate{"crm", "lookup", "d2", v2, 10}));
  ASSERT_TRUE(store_->add_tool_candidate(store::ToolCandidate{"crm", "lookup", "d2", v2, 20}));  // once per digest
  ASSERT_TRUE(store_->add_tool_candidate(store::ToolCandidate{"crm", "export", "d3", R"({"name":"export"})", 15}));
  EXPECT_EQ(store_->tool_candidates("crm")->size(), 2u);
  auto approved = approve_tools(*store_, "crm", Actor{"cli:j.doe", "reviewed the new description"}, clock_);
  ASSERT_TRUE(approved) << approved.error().message;
  ASSERT_EQ(approved->size(), 2u);
  EXPECT_EQ((*approved)[1].tool, "lookup");
  EXPECT_NE((*approved)[1].diff.find("\"v2\""), std::string::npos);
  EXPECT_TRUE((*approved)[0].diff.empty());  // a new tool has nothing to diff against
  EXPECT_TRUE(store_->tool_candidates("crm")->empty());
  auto view = *load_view(*store_, classes_);
  EXPECT_EQ(view->pin_state("crm", "lookup", "d2"), PinState::pinned);
  EXPECT_EQ(view->pin_state("crm", "export", "d3"), PinState::pinned);
  EXPECT_TRUE(approve_tools(*store_, "crm", actor_, clock_)->empty());  // nothing pending
}

TEST_F(OperationsTest, OffboardingATenantRevokesItsTokensAndDeletesItsCredentials) {
  ASSERT_TRUE(store_->record_issued(issued("a1", "acme", "crm__*")));
  ASSERT_TRUE(store_->record_issued(issued("g1", "globex", "crm__*")));
  store::SealedSecret secret;
  secret.upstream = "crm";
  secret.tenant = "acme";
  secret.name = "api_token";
  secret.key_id = "k";
  secret.nonce = {1};
  secret.ciphertext = {2};
  ASSERT_TRUE(store_->put_secret(secret));
  secret.tenant = "globex";
  ASSERT_TRUE(store_->put_secret(secret));
  EXPECT_FALSE(offboard(*store_, OffboardKind::tenant, "acme", Actor{"cli:x", ""}, "crm__", clock_, seconds(900)));
  auto done = offboard(*store_, OffboardKind::tenant, "acme", Actor{"cli:x", "contract ended"}, "crm__", clock_,
                       seconds(900));
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->tokens_revoked, 1u);
  EXPECT_EQ(done->credentials_deleted, 1u);
  EXPECT_EQ(store_->list_secrets(store::SecretFilter{})->size(), 1u);  // globex's stays
  token::RevocationSet set;
  const auto rows = store_->revocations_after(0);
  ASSERT_TRUE(rows);
  for (const auto& r : *rows) set.apply(r);
  token::TaskToken acme;
  acme.jti = "a1";
  acme.tenant = "acme";
  acme.subject = "spiffe://acme.test/agent/a";
  acme.issued_at_s = 1'795'000'000;
  EXPECT_TRUE(set.check(acme));
  token::TaskToken globex = acme;
  globex.jti = "g1";
  globex.tenant = "globex";
  globex.subject = "spiffe://globex.test/agent/a";
  EXPECT_FALSE(set.check(globex));
  auto records = *store_->offboardings();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].kind, "tenant");
  EXPECT_EQ(records[0].reason, "contract ended");
  EXPECT_EQ(records[0].applied_at_ms, 0);
  EXPECT_TRUE((*load_view(*store_, classes_))->tenant_offboarded("acme"));
}

TEST_F(OperationsTest, OffboardingAMappingRevokesOnlyTokensTouchingTheConnector) {
  ASSERT_TRUE(store_->record_issued(issued("crm", "acme", "crm__lookup")));
  ASSERT_TRUE(store_->record_issued(issued("wide", "acme", "cr*")));
  ASSERT_TRUE(store_->record_issued(issued("notes", "acme", "notes__add_note")));
  ASSERT_TRUE(store_->record_issued(issued("other", "globex", "crm__lookup")));
  auto done = offboard(*store_, OffboardKind::mapping, "crm:acme", Actor{"cli:x", "purpose ended"}, "crm__", clock_,
                       seconds(900));
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->tokens_revoked, 2u);  // crm__lookup and cr*, not notes__ and not globex's
  std::set<std::string> revoked;
  const auto rows = store_->revocations_after(0);
  ASSERT_TRUE(rows);
  for (const auto& r : *rows) revoked.insert(r.value);
  EXPECT_EQ(revoked, (std::set<std::string>{"crm", "wide"}));
  EXPECT_FALSE(offboard(*store_, OffboardKind::mapping, "crm", Actor{"cli:x", "r"}, "crm__", clock_, seconds(900)));
  auto view = *load_view(*store_, classes_);
  EXPECT_EQ(view->check("crm", "acme", "x", context_.today), Verdict::tenant_not_mapped);
  EXPECT_EQ(view->check("crm", "globex", "x", context_.today), Verdict::allow);  // no register: only the mapping
}

}  // namespace
}  // namespace bulkhead::registry
