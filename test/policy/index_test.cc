// Scope index: only policies pinned to the request's entities (or their ancestors) and unpinned ones are candidates.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/detail/index.h"
#include "policy/detail/policy_set_impl.h"
#include "test_util.h"

namespace bulkhead::policy {
namespace {

std::vector<std::string> candidate_ids(const PolicySet& set, const Request& request, const Entities& entities) {
  std::vector<std::uint32_t> out;
  set.impl().index.candidates(request, entities, out);
  std::vector<std::string> ids;
  for (auto i : out) ids.push_back(set.info(i).id);
  return ids;
}

Call call_for(std::string_view tenant, std::string_view tool, std::string_view method = "tools/call") {
  CallFacts facts;
  facts.agent = "spiffe://x/agent";
  facts.tenant = tenant;
  facts.method = method;
  facts.resource_name = tool;
  facts.upstream = "up";
  return build_call(facts);
}

TEST(PolicyIndex, CandidatesFollowScopePins) {
  auto set = testing::must_parse(R"(
    @id("acme") permit(principal in Tenant::"acme", action, resource);
    @id("globex") permit(principal in Tenant::"globex", action, resource);
    @id("agent") permit(principal == Agent::"spiffe://x/agent", action, resource);
    @id("tool") forbid(principal, action, resource == Tool::"up__secret");
    @id("upstream") permit(principal, action, resource in Upstream::"up");
    @id("list") permit(principal, action in [Action::"tools/list", Action::"prompts/get"], resource);
    @id("call") permit(principal, action == Action::"tools/call", resource);
    @id("typed") permit(principal is Agent, action, resource) when { context.tenant == "acme" };
    @id("none") permit(principal, action in [], resource);
  )");
  ASSERT_TRUE(set);
  const Call acme = call_for("acme", "up__echo");
  EXPECT_EQ(candidate_ids(*set, acme.request, acme.entities),
            (std::vector<std::string>{"acme", "agent", "upstream", "call", "typed"}));
  const Call globex_secret = call_for("globex", "up__secret", "prompts/get");
  EXPECT_EQ(candidate_ids(*set, globex_secret.request, globex_secret.entities),
            (std::vector<std::string>{"globex", "agent", "tool", "upstream", "list", "typed"}));
  EXPECT_EQ(set->impl().index.unpinned_count(), 1u);
}

TEST(PolicyIndex, ManyTenantPinnedPoliciesOnlyTheTenantsAreCandidates) {
  std::string text;
  for (int t = 0; t < 1000; ++t) {
    text += "permit(principal in Tenant::\"t" + std::to_string(t) + "\", action, resource) when { context.arguments.n == " +
            std::to_string(t) + " };\n";
  }
  auto set = testing::must_parse(text);
  ASSERT_TRUE(set);
  const Call call = call_for("t500", "up__echo");
  EXPECT_EQ(candidate_ids(*set, call.request, call.entities), (std::vector<std::string>{"policy500"}));
  EXPECT_EQ(set->impl().index.unpinned_count(), 0u);
}

// The index never changes a decision: compare against evaluating every policy.
TEST(PolicyIndex, AgreesWithExhaustiveEvaluation) {
  auto set = testing::must_parse(R"(
    permit(principal in Tenant::"acme", action, resource) when { resource.classification != "restricted" };
    forbid(principal in Org::"o", action == Action::"tools/call", resource) when { context.arguments.n > 10 };
    permit(principal, action in [Action::"tools/call"], resource in Upstream::"up");
    permit(principal is Agent in Tenant::"globex", action, resource);
  )");
  ASSERT_TRUE(set);
  for (const char* tenant : {"acme", "globex", "initech"}) {
    for (const std::int64_t n : {1, 11}) {
      for (const char* up : {"up", "other"}) {
        CallFacts facts;
        facts.agent = "a";
        facts.tenant = tenant;
        facts.resource_name = "t";
        facts.upstream = up;
        json::Value args = json::Value::object();
        args.set("n", n);
        facts.arguments = &args;
        Call call = build_call(facts);
        (void)call.entities.add(Entity{EntityUid{"Tenant", tenant}, Value::record({}), {EntityUid{"Org", "o"}}});
        std::vector<std::uint32_t> indexed;
        set->impl().index.candidates(call.request, call.entities, indexed);
        detail::Evaluator evaluator(call.request, call.entities, false);
        for (std::uint32_t i = 0; i < set->size(); ++i) {
          const bool candidate = std::find(indexed.begin(), indexed.end(), i) != indexed.end();
          if (!candidate) {
            EXPECT_FALSE(evaluator.scope_matches(set->impl().policies[i])) << tenant << " policy " << i;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace bulkhead::policy
