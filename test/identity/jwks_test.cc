#include <gtest/gtest.h>

#include "identity/identity.h"
#include "json/json.h"

namespace bulkhead::identity {
namespace {

std::string jwks_of(std::vector<json::Value> keys) {
  json::Value doc = json::Value::object();
  doc.set("keys", json::Value(json::Array(std::move(keys))));
  return json::serialize(doc);
}

json::Value jwk(Algorithm alg, std::string_view kid) {
  auto pem = generate_private_key(alg);
  EXPECT_TRUE(pem);
  auto key = public_jwk(alg, *pem, kid);
  EXPECT_TRUE(key);
  return *key;
}

TEST(JwksTest, ParsesEveryAcceptedKeyType) {
  auto set = parse_jwks(jwks_of({jwk(Algorithm::es256, "a"), jwk(Algorithm::es384, "b"), jwk(Algorithm::rs256, "c"),
                                 jwk(Algorithm::ps256, "d"), jwk(Algorithm::eddsa, "e")}));
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ((*set)->size(), 5u);
  EXPECT_NE((*set)->find("c"), nullptr);
  EXPECT_EQ((*set)->find("z"), nullptr);
}

TEST(JwksTest, ImpliesAlgorithmForCurvesButNotRsa) {
  json::Value ec = jwk(Algorithm::es256, "ec");
  ec.erase("alg");
  EXPECT_TRUE(parse_jwks(jwks_of({ec})));
  json::Value rsa = jwk(Algorithm::rs256, "rsa");
  rsa.erase("alg");
  auto set = parse_jwks(jwks_of({rsa}));
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message.find("must name their alg"), std::string::npos);
}

TEST(JwksTest, SkipsX509SvidAndUnknownKeys) {
  json::Value x509 = jwk(Algorithm::es256, "x");
  x509.set("use", "x509-svid");
  json::Value oct = json::Value::object();
  oct.set("kty", "oct");
  oct.set("kid", "o");
  auto set = parse_jwks(jwks_of({x509, jwk(Algorithm::eddsa, "e")}));
  ASSERT_TRUE(set);
  EXPECT_EQ((*set)->size(), 1u);
  EXPECT_EQ((*set)->find("x"), nullptr);
}

TEST(JwksTest, RefusesUnsafeDocuments) {
  json::Value with_private = jwk(Algorithm::eddsa, "p");
  with_private.set("d", "AAAA");
  EXPECT_FALSE(parse_jwks(jwks_of({with_private})));
  EXPECT_FALSE(parse_jwks(jwks_of({jwk(Algorithm::eddsa, "dup"), jwk(Algorithm::es256, "dup")})));
  json::Value mismatched = jwk(Algorithm::es256, "m");
  mismatched.set("alg", "ES384");
  EXPECT_FALSE(parse_jwks(jwks_of({mismatched})));
  json::Value hs = jwk(Algorithm::es256, "h");
  hs.set("alg", "HS256");
  EXPECT_FALSE(parse_jwks(jwks_of({hs})));
  json::Value no_kid = jwk(Algorithm::eddsa, "k");
  no_kid.erase("kid");
  EXPECT_FALSE(parse_jwks(jwks_of({no_kid})));
  // A point that is not on the curve.
  json::Value off_curve = jwk(Algorithm::es256, "c");
  off_curve.set("y", core::base64url_encode(std::vector<std::uint8_t>(32, 1)));
  EXPECT_FALSE(parse_jwks(jwks_of({off_curve})));
  // RSA below 2048 bits.
  json::Value small = jwk(Algorithm::rs256, "s");
  small.set("n", core::base64url_encode(std::vector<std::uint8_t>(128, 0xff)));
  auto refused = parse_jwks(jwks_of({small}));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("2048"), std::string::npos);
  EXPECT_FALSE(parse_jwks("not json"));
  EXPECT_FALSE(parse_jwks(R"({"keys":{}})"));
  EXPECT_FALSE(parse_jwks(R"([])"));
}

}  // namespace
}  // namespace bulkhead::identity
