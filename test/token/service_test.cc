// TokenService with real keys (Ed25519 task tokens, EdDSA JWT-SVIDs), a real SQLite store and a fake clock: the
// exchange matrix, delegation chains, cascading revocation, expiry at exp with the skew, restart and a second
// process revoking, RFC 7009/7662, key rotation.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "token/token.h"

namespace bulkhead::token {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr std::int64_t kNow = 1'795'000'000;
constexpr std::string_view kA = "spiffe://acme.test/agent/a";
constexpr std::string_view kB = "spiffe://acme.test/agent/b";
constexpr std::string_view kC = "spiffe://acme.test/agent/c";
constexpr std::string_view kD = "spiffe://acme.test/agent/d";
constexpr std::string_view kG = "spiffe://globex.test/agent/g";

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulkhead-token-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::vector<identity::TrustDomainConfig> domains;
    for (std::string domain : {"acme.test", "globex.test"}) {
      svid_keys_[domain] = *identity::generate_private_key(identity::Algorithm::eddsa);
      json::Value doc = json::Value::object();
      doc.set("keys", json::Value::array())
          .push_back(*identity::public_jwk(identity::Algorithm::eddsa, svid_keys_[domain], "k1"));
      const auto file = dir_ / (domain + ".jwks.json");
      std::ofstream(file) << json::serialize(doc);
      domains.push_back(identity::TrustDomainConfig{domain, file});
    }
    auto verifier = identity::Verifier::create(domains, identity::VerifierOptions{}, clock_);
    ASSERT_TRUE(verifier) << verifier.error().message;
    verifier_ = std::move(*verifier);
    tenants_ = *identity::TenantMap::create({{"acme", {"spiffe://acme.test/agent/*"}},
                                             {"globex", {"spiffe://globex.test/agent/*"}}});
    store_ = open_store();
    service_ = make_service(*store_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<store::Store> open_store() {
    auto store = store::Store::open("sqlite://bulkhead.db", dir_, clock_);
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
  }
  TokenOptions options() const {
    TokenOptions o;
    o.issuer = "https://gw.test";
    o.audience = "https://gw.test";
    o.signing_key_file = dir_ / "keys" / "tokens-ed25519.pem";
    o.clock_skew = seconds(skew_);
    return o;
  }
  std::unique_ptr<TokenService> make_service(store::Store& store) {
    auto service = TokenService::create(options(), store, verifier_.get(), tenants_, clock_, rng_);
    EXPECT_TRUE(service) << service.error().message;
    return std::move(*service);
  }
  std::string svid(std::string_view id, std::int64_t lifetime = 300) {
    json::Value claims = json::Value::object();
    claims.set("sub", id);
    claims.set("aud", "bulkhead");
    claims.set("iat", now());
    claims.set("exp", now() + lifetime);
    const std::string domain(identity::parse_spiffe_id(id)->trust_domain);
    return *identity::sign_jwt(identity::Algorithm::eddsa, svid_keys_[domain], "k1", claims);
  }
  static identity::Principal principal(std::string_view id) {
    identity::Principal p;
    p.spiffe_id = id;
    p.trust_domain = identity::parse_spiffe_id(id)->trust_domain;
    return p;
  }
  ExchangeRequest from_svid(std::string_view agent, std::string scope = "notes__* everything__echo",
                            std::string task = "t-1") {
    ExchangeRequest r;
    r.grant_type = "urn:ietf:params:oauth:grant-type:token-exchange";
    r.subject_token = svid(agent);
    r.subject_token_type = "urn:ietf:params:oauth:token-type:jwt";
    r.task = std::move(task);
    r.scope = std::move(scope);
    return r;
  }
  static ExchangeRequest delegation(const std::string& parent, std::optional<std::string> scope = std::nullopt) {
    ExchangeRequest r;
    r.grant_type = "urn:ietf:params:oauth:grant-type:token-exchange";
    r.subject_token = parent;
    r.subject_token_type = "urn:ietf:params:oauth:token-type:jwt";
    r.scope = std::move(scope);
    return r;
  }
  Issued issue(std::string_view caller, const ExchangeRequest& request) {
    auto issued = service_->exchange(principal(caller), request);
    EXPECT_TRUE(issued) << (issued ? "" : issued.error().description);
    return issued ? std::move(*issued) : Issued{};
  }
  OAuthError refused(std::string_view caller, const ExchangeRequest& request) {
    auto issued = service_->exchange(principal(caller), request);
    EXPECT_FALSE(issued);
    return issued ? OAuthError{} : issued.error();
  }
  core::Reason verify_reason(std::string_view token) {
    auto verified = service_->verify(token);
    return verified ? core::Reason::internal_error : verified.error().reason;
  }
  std::int64_t now() const {
    return std::chrono::duration_cast<seconds>(clock_.now().time_since_epoch()).count();
  }

  core::FakeClock clock_{system_clock::time_point(seconds(kNow))};
  core::SystemRng rng_;
  std::int64_t skew_ = 30;
  std::filesystem::path dir_;
  std::map<std::string, std::string> svid_keys_;
  std::unique_ptr<identity::Verifier> verifier_;
  identity::TenantMap tenants_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TokenService> service_;
};

TEST_F(TokenServiceTest, ExchangeFromSvidIssuesASignedNarrowShortLivedToken) {
  const Issued issued = issue(kA, from_svid(kA));
  EXPECT_EQ(issued.expires_in_s, 300);
  EXPECT_EQ(issued.claims.tenant, "acme");  // the only tenant kA is bound to
  auto verified = service_->verify(issued.access_token);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ((*verified)->subject, kA);
  EXPECT_EQ((*verified)->holder(), kA);
  EXPECT_EQ((*verified)->task, "t-1");
  EXPECT_EQ((*verified)->scope.to_string(), "notes__* everything__echo");
  EXPECT_EQ((*verified)->expires_at_s, kNow + 300);
  EXPECT_TRUE((*verified)->parents.empty());
  EXPECT_TRUE(service_->is_task_token(issued.access_token));
  EXPECT_FALSE(service_->is_task_token(svid(kA)));
  // Independently: the JWKS verifies the token and names the key by its RFC 7638 thumbprint.
  const json::Value& jwks = service_->jwks();
  ASSERT_EQ(jwks.find("keys")->as_array().size(), 1u);
  const json::Value& key = jwks.find("keys")->as_array()[0];
  EXPECT_EQ(*key.find_string("kid"), *identity::jwk_thumbprint(key));
  EXPECT_EQ(*key.find_string("alg"), "EdDSA");
  auto set = identity::parse_jwks(json::serialize(jwks));
  auto jws = identity::verify_jws(issued.access_token, **set, 8192);
  ASSERT_TRUE(jws);
  EXPECT_EQ(*jws->claims.find_string("aud"), "https://gw.test");
  EXPECT_EQ(jws->claims.find("act"), nullptr);
  EXPECT_EQ(store_->issued_tokens(store::IssuedFilter{})->size(), 1u);
}

TEST_F(TokenServiceTest, ExchangeMatrix) {
  struct Case {
    std::string name;
    ExchangeRequest request;
    std::string error;
    core::Reason reason;
  };
  std::vector<Case> cases;
  auto add = [&](std::string name, ExchangeRequest r, std::string error, core::Reason reason) {
    cases.push_back(Case{std::move(name), std::move(r), std::move(error), reason});
  };
  {
    ExchangeRequest r = from_svid(kA);
    r.subject_token = svid(kA, -60);  // expired a minute ago (beyond the 30 s skew)
    add("expired subject", r, "invalid_grant", core::Reason::token_expired);
  }
  {
    ExchangeRequest r = from_svid(kA);
    r.tenant = "globex";
    add("wrong tenant", r, "invalid_target", core::Reason::tenant_not_bound);
  }
  {
    ExchangeRequest r = from_svid(kA);
    r.lifetime_seconds = 901;
    add("over-long lifetime", r, "invalid_request", core::Reason::invalid_request);
    r.lifetime_seconds = 0;
    add("zero lifetime", r, "invalid_request", core::Reason::invalid_request);
  }
  {
    ExchangeRequest r = from_svid(kA);
    r.task.clear();
    add("missing task", r, "invalid_request", core::Reason::invalid_request);
    r = from_svid(kA);
    r.task = "a/b";
    add("bad task", r, "invalid_request", core::Reason::invalid_request);
    r = from_svid(kA);
    r.scope.reset();
    add("missing scope", r, "invalid_scope", core::Reason::invalid_request);
    r = from_svid(kA, "a*b");
    add("bad scope", r, "invalid_scope", core::Reason::invalid_request);
  }
  {
    ExchangeRequest r = from_svid(kB);  // B's SVID presented by A
    add("someone else's SVID", r, "invalid_grant", core::Reason::token_invalid);
    r = from_svid(kA);
    r.actor_token = svid(kB);
    r.actor_token_type = "urn:ietf:params:oauth:token-type:jwt";
    add("actor without a task token", r, "invalid_request", core::Reason::invalid_request);
    r = from_svid(kA);
    r.subject_token = "not.a.jwt";
    add("garbage subject", r, "invalid_grant", core::Reason::token_invalid);
  }
  for (const auto& c : cases) {
    const OAuthError error = refused(kA, c.request);
    EXPECT_EQ(error.error, c.error) << c.name;
    EXPECT_EQ(error.reason, c.reason) << c.name << ": " << error.description;
    EXPECT_FALSE(error.description.empty()) << c.name;
  }
  EXPECT_TRUE(store_->issued_tokens(store::IssuedFilter{})->empty());  // nothing was issued
}

TEST_F(TokenServiceTest, DelegationChainOfThreeNarrowsAndRecordsEveryHop) {
  const Issued a = issue(kA, from_svid(kA, "notes__* everything__echo"));
  clock_.advance(seconds(10));
  const Issued b = issue(kB, delegation(a.access_token, "notes__*"));
  clock_.advance(seconds(10));
  ExchangeRequest to_c = delegation(b.access_token, "notes__add_note");
  to_c.actor_token = svid(kC);
  to_c.actor_token_type = "urn:ietf:params:oauth:token-type:jwt";
  to_c.lifetime_seconds = 900;  // longer than what is left of the parent: clamped to the parent's exp
  const Issued c = issue(kC, to_c);
  auto verified = service_->verify(c.access_token);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ((*verified)->subject, kA);
  EXPECT_EQ((*verified)->actors, (std::vector<std::string>{std::string(kC), std::string(kB)}));
  EXPECT_EQ((*verified)->holder(), kC);
  EXPECT_EQ((*verified)->delegated_by(), kB);
  EXPECT_EQ((*verified)->parents, (std::vector<std::string>{a.claims.jti, b.claims.jti}));
  EXPECT_EQ((*verified)->tenant, "acme");
  EXPECT_EQ((*verified)->task, "t-1");
  EXPECT_EQ((*verified)->scope.to_string(), "notes__add_note");
  EXPECT_EQ((*verified)->expires_at_s, a.claims.expires_at_s);
  EXPECT_EQ(c.expires_in_s, a.claims.expires_at_s - now());
  // The act claim nests the prior actor (RFC 8693 §4.1).
  auto jws = identity::verify_jws(c.access_token, **identity::parse_jwks(json::serialize(service_->jwks())), 8192);
  EXPECT_EQ(json::serialize(*jws->claims.find("act")),
            R"({"sub":"spiffe://acme.test/agent/c","act":{"sub":"spiffe://acme.test/agent/b"}})");
  // Without a scope the child keeps the parent's.
  EXPECT_EQ(issue(kD, delegation(b.access_token)).claims.scope.to_string(), "notes__*");
  // The holder narrowing its own token adds no hop.
  EXPECT_EQ(issue(kB, delegation(b.access_token, "notes__x")).claims.actors.size(), 1u);
}

TEST_F(TokenServiceTest, DelegationRefusesWideningAndForeignTenants) {
  const Issued a = issue(kA, from_svid(kA, "notes__*"));
  auto expect = [&](std::string_view caller, ExchangeRequest r, std::string error, core::Reason reason) {
    const OAuthError e = refused(caller, r);
    EXPECT_EQ(e.error, error) << e.description;
    EXPECT_EQ(e.reason, reason) << e.description;
  };
  expect(kB, delegation(a.access_token, "notes__* everything__echo"), "invalid_scope", core::Reason::delegation_widening);
  expect(kB, delegation(a.access_token, "*"), "invalid_scope", core::Reason::delegation_widening);
  ExchangeRequest other_tenant = delegation(a.access_token);
  other_tenant.tenant = "globex";
  expect(kB, other_tenant, "invalid_target", core::Reason::delegation_widening);
  ExchangeRequest other_task = delegation(a.access_token);
  other_task.task = "t-2";
  expect(kB, other_task, "invalid_request", core::Reason::delegation_widening);
  expect(kG, delegation(a.access_token), "invalid_target", core::Reason::tenant_not_bound);  // globex's agent
  ExchangeRequest wrong_actor = delegation(a.access_token);
  wrong_actor.actor_token = svid(kC);
  wrong_actor.actor_token_type = "urn:ietf:params:oauth:token-type:jwt";
  expect(kB, wrong_actor, "invalid_request", core::Reason::token_invalid);
  // Depth limit (default 4 hops): a → b → c → d → b → (c refused).
  std::string token = a.access_token;
  for (std::string_view next : {kB, kC, kD, kB}) token = issue(next, delegation(token)).access_token;
  expect(kC, delegation(token), "invalid_request", core::Reason::delegation_widening);
}

TEST_F(TokenServiceTest, RevokingTheRootKillsEveryDerivedToken) {
  const Issued a = issue(kA, from_svid(kA));
  const Issued b = issue(kB, delegation(a.access_token));
  const Issued c = issue(kC, delegation(b.access_token));
  auto outcome = service_->revoke(store::RevocationKind::jti, a.claims.jti, "cli:test", "task ended");
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->tokens_affected, 3u);
  for (const auto* t : {&a, &b, &c}) EXPECT_EQ(verify_reason(t->access_token), core::Reason::token_revoked);
  // A revoked token cannot be exchanged either.
  EXPECT_EQ(refused(kD, delegation(c.access_token)).error, "invalid_grant");
}

TEST_F(TokenServiceTest, RevokingAMiddleHopKillsOnlyItsSubtree) {
  const Issued a = issue(kA, from_svid(kA));
  const Issued b = issue(kB, delegation(a.access_token));
  const Issued c = issue(kC, delegation(b.access_token));
  const Issued d = issue(kD, delegation(a.access_token));
  auto outcome = service_->revoke(store::RevocationKind::jti, b.claims.jti, "cli:test", "");
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->tokens_affected, 2u);
  EXPECT_EQ(verify_reason(b.access_token), core::Reason::token_revoked);
  EXPECT_EQ(verify_reason(c.access_token), core::Reason::token_revoked);
  EXPECT_TRUE(service_->verify(a.access_token));
  EXPECT_TRUE(service_->verify(d.access_token));
}

TEST_F(TokenServiceTest, ExpiresExactlyAtExpWithoutSkewAndHonoursTheSkew) {
  skew_ = 0;
  service_ = make_service(*store_);
  ExchangeRequest r = from_svid(kA);
  r.lifetime_seconds = 60;
  const Issued strict = issue(kA, r);
  clock_.advance(seconds(59));
  EXPECT_TRUE(service_->verify(strict.access_token));
  clock_.advance(seconds(1));  // now == exp
  EXPECT_EQ(verify_reason(strict.access_token), core::Reason::token_expired);

  skew_ = 30;
  service_ = make_service(*store_);
  r = from_svid(kA);
  r.lifetime_seconds = 60;
  const Issued lenient = issue(kA, r);
  clock_.advance(seconds(60 + 29));
  EXPECT_TRUE(service_->verify(lenient.access_token));
  clock_.advance(seconds(1));  // now == exp + skew
  EXPECT_EQ(verify_reason(lenient.access_token), core::Reason::token_expired);
}

TEST_F(TokenServiceTest, RevocationsSurviveRestartAndAnotherProcessIsSeenOnTheNextRequest) {
  const Issued a = issue(kA, from_svid(kA));
  const Issued g = issue(kG, from_svid(kG));
  ASSERT_TRUE(service_->verify(a.access_token));  // cached from now on
  // Another process (the CLI) revokes through its own connection.
  {
    auto cli_store = open_store();
    auto cli = TokenService::create(options(), *cli_store, nullptr, tenants_, clock_, rng_);
    ASSERT_TRUE(cli);
    ASSERT_TRUE((*cli)->revoke(store::RevocationKind::jti, a.claims.jti, "cli:root", "test"));
  }
  EXPECT_EQ(verify_reason(a.access_token), core::Reason::token_revoked);  // the very next verification
  EXPECT_TRUE(service_->verify(g.access_token));
  // The gateway's service hands the CLI's revocation out once, to be audited and marked.
  auto unaudited = service_->take_unaudited();
  ASSERT_EQ(unaudited.size(), 1u);
  EXPECT_EQ(unaudited[0].actor, "cli:root");
  EXPECT_TRUE(service_->take_unaudited().empty());
  const std::int64_t id = unaudited[0].id;
  ASSERT_TRUE(store_->mark_revocations_audited(std::span<const std::int64_t>(&id, 1), 123));
  // Restart: a new service over a reopened database still refuses it.
  service_.reset();
  store_ = open_store();
  service_ = make_service(*store_);
  EXPECT_EQ(verify_reason(a.access_token), core::Reason::token_revoked);
  EXPECT_TRUE(service_->verify(g.access_token));
  EXPECT_TRUE(service_->take_unaudited().empty());  // already audited before the restart
}

TEST_F(TokenServiceTest, RevokeByTaskTenantAndAgent) {
  const Issued t1 = issue(kA, from_svid(kA, "notes__*", "t-1"));
  const Issued t2 = issue(kA, from_svid(kA, "notes__*", "t-2"));
  const Issued g1 = issue(kG, from_svid(kG, "notes__*", "t-1"));
  ASSERT_TRUE(service_->revoke(store::RevocationKind::task, "acme/t-1", "cli", "task ended"));
  EXPECT_EQ(verify_reason(t1.access_token), core::Reason::token_revoked);
  EXPECT_TRUE(service_->verify(t2.access_token));
  EXPECT_TRUE(service_->verify(g1.access_token));  // globex's task of the same name is another task
  const OAuthError ended = refused(kA, from_svid(kA, "notes__*", "t-1"));
  EXPECT_EQ(ended.error, "invalid_grant");
  EXPECT_EQ(ended.reason, core::Reason::token_revoked);

  // Agent: tokens with B anywhere in the chain, issued up to now.
  const Issued a3 = issue(kA, from_svid(kA, "notes__*", "t-3"));
  const Issued b3 = issue(kB, delegation(a3.access_token));
  const Issued c3 = issue(kC, delegation(b3.access_token));
  ASSERT_TRUE(service_->revoke(store::RevocationKind::agent, std::string(kB), "cli", "offboarded"));
  EXPECT_TRUE(service_->verify(a3.access_token));
  EXPECT_EQ(verify_reason(b3.access_token), core::Reason::token_revoked);
  EXPECT_EQ(verify_reason(c3.access_token), core::Reason::token_revoked);

  // Tenant: everything acme issued so far; a token issued later works again.
  auto outcome = service_->revoke(store::RevocationKind::tenant, "acme", "cli", "incident");
  ASSERT_TRUE(outcome);
  EXPECT_GE(outcome->tokens_affected, 2u);
  EXPECT_EQ(verify_reason(t2.access_token), core::Reason::token_revoked);
  EXPECT_EQ(verify_reason(a3.access_token), core::Reason::token_revoked);
  EXPECT_TRUE(service_->verify(g1.access_token));
  clock_.advance(seconds(2));
  EXPECT_TRUE(service_->verify(issue(kA, from_svid(kA, "notes__*", "t-4")).access_token));
}

TEST_F(TokenServiceTest, Rfc7009RevokeAndRfc7662Introspect) {
  const Issued a = issue(kA, from_svid(kA));
  const Issued b = issue(kB, delegation(a.access_token));
  json::Value active = service_->introspect(principal(kC), b.access_token);  // same tenant
  EXPECT_TRUE(active.find("active")->as_bool());
  EXPECT_EQ(*active.find_string("tenant"), "acme");
  EXPECT_EQ(*active.find_string("sub"), kA);
  EXPECT_FALSE(service_->introspect(principal(kG), b.access_token).find("active")->as_bool());  // other tenant
  EXPECT_FALSE(service_->introspect(principal(kA), "garbage").find("active")->as_bool());
  // Only the chain's workloads may revoke; a token that is not ours is a no-op (RFC 7009 §2.2).
  auto denied = service_->revoke_token(principal(kC), b.access_token);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().error, "unauthorized_client");
  EXPECT_TRUE(service_->revoke_token(principal(kC), "not-a-token"));
  auto revoked = service_->revoke_token(principal(kA), b.access_token);  // the subject may revoke its delegate's
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->tokens_affected, 1u);
  EXPECT_EQ(verify_reason(b.access_token), core::Reason::token_revoked);
  EXPECT_TRUE(service_->verify(a.access_token));
  EXPECT_FALSE(service_->introspect(principal(kA), b.access_token).find("active")->as_bool());
}

TEST_F(TokenServiceTest, KeyRotationKeepsOldTokensVerifiable) {
  const Issued before = issue(kA, from_svid(kA));
  const std::string old_kid = *service_->jwks().find("keys")->as_array()[0].find_string("kid");
  auto kid = rotate_signing_key(options().signing_key_file, seconds(900), /*force=*/false, clock_);
  ASSERT_TRUE(kid) << kid.error().message;
  EXPECT_NE(*kid, old_kid);
  // Until the reload the running service signs with the old key; after it, with the new one.
  ASSERT_TRUE(service_->reload_keys());
  const auto& keys = service_->jwks().find("keys")->as_array();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(*keys[0].find_string("kid"), *kid);
  EXPECT_EQ(*keys[1].find_string("kid"), old_kid);
  EXPECT_TRUE(service_->verify(before.access_token));
  const Issued after = issue(kA, from_svid(kA));
  EXPECT_EQ(identity::peek_kid(after.access_token, 8192), *kid);
  // Rotating again right away would drop the key that verifies `before`: refused without --force.
  EXPECT_FALSE(rotate_signing_key(options().signing_key_file, seconds(900), false, clock_));
}

}  // namespace
}  // namespace bulkhead::token
