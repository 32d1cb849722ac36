#include <gtest/gtest.h>

#include "identity/identity.h"

namespace bulkhead::identity {
namespace {

TenantMap make_map() {
  auto map = TenantMap::create({
      {"acme", {"spiffe://acme.test/agent/support", "spiffe://acme.test/team/*"}},
      {"globex", {"spiffe://globex.test/agent/support", "spiffe://acme.test/agent/support"}},
  });
  EXPECT_TRUE(map) << map.error().message;
  return std::move(*map);
}

TEST(TenantMapTest, ExactAndPrefixPatterns) {
  const TenantMap map = make_map();
  EXPECT_TRUE(map.is_bound("spiffe://acme.test/agent/support", "acme"));
  EXPECT_TRUE(map.is_bound("spiffe://acme.test/team/a", "acme"));
  EXPECT_TRUE(map.is_bound("spiffe://acme.test/team/a/b", "acme"));
  EXPECT_FALSE(map.is_bound("spiffe://acme.test/team", "acme"));       // the prefix itself is not below it
  EXPECT_FALSE(map.is_bound("spiffe://acme.test/teamster", "acme"));   // segment boundary
  EXPECT_FALSE(map.is_bound("spiffe://acme.test/agent/support2", "acme"));
  EXPECT_FALSE(map.is_bound("spiffe://globex.test/agent/support", "acme"));
  EXPECT_FALSE(map.is_bound("spiffe://acme.test/agent/support", "initech"));
}

TEST(TenantMapTest, TenantsOfAPrincipal) {
  const TenantMap map = make_map();
  EXPECT_EQ(map.tenants_of("spiffe://acme.test/agent/support"), (std::vector<std::string>{"acme", "globex"}));
  EXPECT_EQ(map.tenants_of("spiffe://acme.test/team/x"), (std::vector<std::string>{"acme"}));
  EXPECT_TRUE(map.tenants_of("spiffe://other.test/x").empty());
  EXPECT_TRUE(map.has_tenant("globex"));
  EXPECT_FALSE(map.has_tenant("initech"));
}

TEST(TenantMapTest, RefusesBadConfiguration) {
  EXPECT_FALSE(TenantMap::create({{"acme", {"acme.test/agent"}}}));
  EXPECT_FALSE(TenantMap::create({{"acme", {"spiffe://acme.test/a*"}}}));
  EXPECT_FALSE(TenantMap::create({{"ac me", {}}}));
  EXPECT_FALSE(TenantMap::create({{"acme", {}}, {"acme", {}}}));
  EXPECT_FALSE(valid_tenant_id(std::string(129, 'a')));
  EXPECT_TRUE(valid_tenant_id("acme-eu.1_x"));
}

}  // namespace
}  // namespace bulkhead::identity
