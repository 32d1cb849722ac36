// lint(): unpinned tenants, permit-all and unreachable policies.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

namespace bulkhead::policy {
namespace {

std::vector<std::string> codes(std::string_view text) {
  auto set = testing::must_parse(text);
  std::vector<std::string> out;
  if (!set) return out;
  for (const auto& w : lint(*set)) out.push_back(w.policy_id + ":" + w.code);
  return out;
}

TEST(PolicyLint, Warnings) {
  EXPECT_EQ(codes("permit(principal, action, resource);"), (std::vector<std::string>{"policy0:permit-all"}));
  EXPECT_EQ(codes("permit(principal, action == Action::\"tools/call\", resource);"),
            (std::vector<std::string>{"policy0:unpinned-tenant"}));
  EXPECT_TRUE(codes("permit(principal in Tenant::\"acme\", action, resource);").empty());
  EXPECT_TRUE(codes("permit(principal is Agent in Tenant::\"acme\", action, resource);").empty());
  EXPECT_TRUE(codes("permit(principal == Agent::\"a\", action, resource);").empty());
  EXPECT_TRUE(codes("permit(principal, action, resource) when { context.tenant == \"acme\" };").empty());
  EXPECT_TRUE(codes("forbid(principal, action, resource) when { context.arguments.n > 1 };").empty());
  EXPECT_EQ(codes("permit(principal in Tenant::\"acme\", action, resource) when { false };"),
            (std::vector<std::string>{"policy0:unreachable"}));
  EXPECT_EQ(codes("permit(principal in Tenant::\"acme\", action in [], resource);"),
            (std::vector<std::string>{"policy0:unreachable"}));
  EXPECT_EQ(codes(R"(
      permit(principal in Tenant::"acme", action, resource == Tool::"x");
      forbid(principal, action, resource == Tool::"x");
      permit(principal in Tenant::"acme", action, resource == Tool::"y");
      forbid(principal, action, resource == Tool::"y") when { context.arguments.n > 1 };
    )"),
            (std::vector<std::string>{"policy0:unreachable"}));
}

}  // namespace
}  // namespace bulkhead::policy
