#include <gtest/gtest.h>

#include "identity/identity.h"

namespace bulkhead::identity {
namespace {

TEST(SpiffeIdTest, AcceptsWellFormedIds) {
  auto id = parse_spiffe_id("spiffe://acme.test/agent/support");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->trust_domain, "acme.test");
  EXPECT_EQ(id->text, "spiffe://acme.test/agent/support");
  EXPECT_TRUE(parse_spiffe_id("spiffe://acme.test"));
  EXPECT_TRUE(parse_spiffe_id("spiffe://a_b-c.d/Path.With-Mixed_Case/9"));
}

TEST(SpiffeIdTest, RefusesMalformedIds) {
  for (const char* bad : {"", "spiffe://", "spiffe:///path", "https://acme.test/agent", "SPIFFE://acme.test/a",
                          "spiffe://Acme.test/a", "spiffe://acme.test/", "spiffe://acme.test//a", "spiffe://acme.test/a/",
                          "spiffe://acme.test/./a", "spiffe://acme.test/a/..", "spiffe://acme.test:8080/a",
                          "spiffe://user@acme.test/a", "spiffe://acme.test/a?x=1", "spiffe://acme.test/a#f",
                          "spiffe://acme.test/a b", "spiffe://acme.test/%41"}) {
    EXPECT_FALSE(parse_spiffe_id(bad)) << bad;
  }
  EXPECT_FALSE(parse_spiffe_id("spiffe://acme.test/" + std::string(2048, 'a')));
}

TEST(SpiffeIdTest, TrustDomainNames) {
  EXPECT_TRUE(valid_trust_domain_name("acme.test"));
  EXPECT_FALSE(valid_trust_domain_name(""));
  EXPECT_FALSE(valid_trust_domain_name("ACME"));
  EXPECT_FALSE(valid_trust_domain_name("acme/test"));
}

}  // namespace
}  // namespace bulkhead::identity
