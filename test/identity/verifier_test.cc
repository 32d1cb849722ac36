#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "identity/identity.h"
#include "json/json.h"

namespace bulkhead::identity {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr std::int64_t kNow = 1'795'000'000;  // 2026-11-18

struct SigningKey {
  Algorithm alg;
  std::string kid;
  std::string pem;
};

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulkhead-verifier-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    json::Value keys = json::Value::array();
    for (Algorithm alg : {Algorithm::es256, Algorithm::es384, Algorithm::rs256, Algorithm::ps256, Algorithm::eddsa}) {
      SigningKey key{alg, std::string("kid-") + std::string(algorithm_name(alg)), *generate_private_key(alg)};
      keys.push_back(*public_jwk(alg, key.pem, key.kid));
      keys_.push_back(std::move(key));
    }
    json::Value doc = json::Value::object();
    doc.set("keys", keys);
    std::ofstream(dir_ / "acme.jwks.json") << json::serialize(doc);
    foreign_ = SigningKey{Algorithm::eddsa, "kid-EdDSA", *generate_private_key(Algorithm::eddsa)};
    auto verifier = Verifier::create({TrustDomainConfig{"acme.test", dir_ / "acme.jwks.json"}}, VerifierOptions{}, clock_);
    ASSERT_TRUE(verifier) << verifier.error().message;
    verifier_ = std::move(*verifier);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static json::Value claims(std::string_view sub = "spiffe://acme.test/agent/support") {
    json::Value c = json::Value::object();
    c.set("sub", sub);
    c.set("aud", json::Value(json::Array{json::Value("bulkhead"), json::Value("other")}));
    c.set("exp", kNow + 300);
    c.set("iat", kNow - 10);
    return c;
  }
  std::string mint(const SigningKey& key, const json::Value& c) { return *sign_jwt(key.alg, key.pem, key.kid, c); }
  core::Result<Principal> verify(std::string_view token) { return verifier_->verify_jwt(token); }

  core::FakeClock clock_{system_clock::time_point(seconds(kNow))};
  std::filesystem::path dir_;
  std::vector<SigningKey> keys_;
  SigningKey foreign_;
  std::unique_ptr<Verifier> verifier_;
};

TEST_F(VerifierTest, AcceptsEveryAlgorithm) {
  for (const auto& key : keys_) {
    auto principal = verify(mint(key, claims()));
    ASSERT_TRUE(principal) << algorithm_name(key.alg) << ": " << principal.error().message;
    EXPECT_EQ(principal->spiffe_id, "spiffe://acme.test/agent/support");
    EXPECT_EQ(principal->trust_domain, "acme.test");
    EXPECT_EQ(principal->expires, system_clock::time_point(seconds(kNow + 300)));
  }
}

TEST_F(VerifierTest, TimeClaimsHonourTheSkew) {
  json::Value c = claims();
  c.set("exp", kNow - 20);  // expired, but within the 30 s skew
  EXPECT_TRUE(verify(mint(keys_[0], c)));
  c.set("exp", kNow - 31);
  auto expired = verify(mint(keys_[0], c));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().reason, core::Reason::token_expired);
  c = claims();
  c.set("nbf", kNow + 20);
  EXPECT_TRUE(verify(mint(keys_[0], c)));
  c.set("nbf", kNow + 40);
  EXPECT_EQ(verify(mint(keys_[0], c)).error().reason, core::Reason::token_invalid);
  c = claims();
  c.set("iat", kNow + 40);
  EXPECT_EQ(verify(mint(keys_[0], c)).error().message, "token was issued in the future (iat)");
  c = claims();
  c.erase("exp");
  EXPECT_EQ(verify(mint(keys_[0], c)).error().message, "token has no exp");
  c = claims();
  c.set("exp", "tomorrow");
  EXPECT_EQ(verify(mint(keys_[0], c)).error().message, "token exp is not a NumericDate");
}

TEST_F(VerifierTest, RefusesWrongAudienceSubjectAndKeys) {
  json::Value c = claims();
  c.set("aud", "someone-else");
  EXPECT_EQ(verify(mint(keys_[0], c)).error().message, "token aud does not contain 'bulkhead'");
  EXPECT_EQ(verify(mint(keys_[0], claims("spiffe://globex.test/agent"))).error().message,
            "trust domain 'globex.test' is not configured");
  EXPECT_EQ(verify(mint(keys_[0], claims("acme-agent"))).error().message, "token sub is not a SPIFFE ID");
  EXPECT_EQ(verify(mint(foreign_, claims())).error().message, "token signature does not verify");
  SigningKey wrong_kid = keys_[4];
  wrong_kid.kid = "nope";
  EXPECT_EQ(verify(mint(wrong_kid, claims())).error().message, "unknown kid for trust domain 'acme.test'");
  // RS256 key used with PS256: pinned algorithm.
  SigningKey cross = keys_[2];
  cross.alg = Algorithm::ps256;
  EXPECT_EQ(verify(mint(cross, claims())).error().message, "token alg PS256 does not match the key's pinned alg RS256");
}

TEST_F(VerifierTest, RefusesTamperingAndBadStructure) {
  const std::string token = mint(keys_[4], claims());
  std::string tampered = token;
  tampered[token.find('.') + 5] ^= 1;
  EXPECT_EQ(verify(tampered).error().reason, core::Reason::token_invalid);
  std::string bad_sig = token;
  bad_sig[bad_sig.size() - 3] = bad_sig[bad_sig.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify(bad_sig).error().message, "token signature does not verify");
  EXPECT_EQ(verify(token.substr(0, token.rfind('.'))).error().message,
            "token is not a compact JWS (header.payload.signature)");
  EXPECT_EQ(verify(token + "=").error().message, "token segments must be unpadded base64url");
  EXPECT_EQ(verify(std::string(9000, 'a')).error().message, "token is larger than 8192 bytes");
  auto header = [](std::string_view json) { return core::base64url_encode(core::as_bytes(json)); };
  const std::string rest = token.substr(token.find('.'));
  EXPECT_EQ(verify(header(R"({"alg":"none","kid":"kid-EdDSA"})") + rest).error().message, "alg none is refused");
  EXPECT_EQ(verify(header(R"({"alg":"HS256","kid":"kid-EdDSA"})") + rest).error().message,
            "alg HS256 (shared secret) is refused");
  EXPECT_EQ(verify(header(R"({"alg":"EdDSA"})") + rest).error().message, "token header has no kid");
  EXPECT_EQ(verify(header(R"({"alg":"EdDSA","kid":"kid-EdDSA","crit":["exp"]})") + rest).error().message,
            "token has crit header parameters this gateway does not understand");
  EXPECT_EQ(verify(header(R"({"alg":"EdDSA","kid":"kid-EdDSA","typ":"at+jwt"})") + rest).error().message,
            "token typ must be JWT or JOSE");
  EXPECT_EQ(verify(header(R"({"alg":"EdDSA","kid":"kid-EdDSA","jku":"http://x"})") + rest).error().reason,
            core::Reason::token_invalid);
  EXPECT_EQ(verify(header("not json") + rest).error().message, "token header is not JSON");
  EXPECT_EQ(verify(header(R"({"alg":"EdDSA","alg":"none","kid":"k"})") + rest).error().message,
            "token header is not JSON");  // duplicate members are refused
}

TEST_F(VerifierTest, CachesUntilExpiryOnly) {
  json::Value c = claims();
  c.set("exp", kNow + 60);
  const std::string token = mint(keys_[1], c);
  ASSERT_TRUE(verify(token));
  ASSERT_TRUE(verify(token));
  EXPECT_EQ(verifier_->cache_stats().hits, 1u);
  EXPECT_EQ(verifier_->cache_stats().entries, 1u);
  clock_.advance(seconds(60));  // at exp: the cached result is no longer used; the skew still accepts it
  ASSERT_TRUE(verify(token));
  EXPECT_EQ(verifier_->cache_stats().hits, 1u);
  EXPECT_EQ(verifier_->cache_stats().entries, 0u);
  clock_.advance(seconds(31));
  EXPECT_EQ(verify(token).error().reason, core::Reason::token_expired);
}

TEST_F(VerifierTest, CacheIsBoundedAndClearedOnKeyRotation) {
  VerifierOptions options;
  options.cache_entries = 4;
  auto small = Verifier::create({TrustDomainConfig{"acme.test", dir_ / "acme.jwks.json"}}, options, clock_);
  ASSERT_TRUE(small);
  for (int i = 0; i < 10; ++i) {
    json::Value c = claims();
    c.set("jti", i);
    ASSERT_TRUE((*small)->verify_jwt(mint(keys_[4], c)));
  }
  EXPECT_LE((*small)->cache_stats().entries, 4u);
  const std::string token = mint(keys_[4], claims());
  ASSERT_TRUE((*small)->verify_jwt(token));
  // Rotation to a set without the signing key: the cached verification must not survive it.
  auto rotated = parse_jwks(R"({"keys":[]})");
  ASSERT_TRUE((*small)->replace_keys("acme.test", *rotated));
  EXPECT_EQ((*small)->cache_stats().entries, 0u);
  EXPECT_EQ((*small)->verify_jwt(token).error().message, "unknown kid for trust domain 'acme.test'");
  EXPECT_FALSE((*small)->replace_keys("globex.test", *rotated));
}

TEST(VerifierCreateTest, ReportsBadFiles) {
  core::FakeClock clock{system_clock::time_point(seconds(kNow))};
  auto missing = Verifier::create({TrustDomainConfig{"acme.test", "/nonexistent/jwks.json"}}, {}, clock);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/jwks.json"), std::string::npos);
  EXPECT_FALSE(Verifier::create({TrustDomainConfig{"Bad Domain"}}, {}, clock));
  EXPECT_FALSE(Verifier::create({TrustDomainConfig{"a.test"}, TrustDomainConfig{"a.test"}}, {}, clock));
  auto no_keys = Verifier::create({TrustDomainConfig{"a.test"}}, {}, clock);
  ASSERT_TRUE(no_keys);
  json::Value c = json::Value::object();
  c.set("sub", "spiffe://a.test/x");
  auto pem = generate_private_key(Algorithm::eddsa);
  EXPECT_EQ((*no_keys)->verify_jwt(*sign_jwt(Algorithm::eddsa, *pem, "k", c)).error().message,
            "no keys loaded yet for trust domain 'a.test'");
}

}  // namespace
}  // namespace bulkhead::identity
