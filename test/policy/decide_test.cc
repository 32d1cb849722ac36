// decide() and may_list(): default deny, forbid wins, errors in forbids deny (our divergence from Cedar), errors
// in permits skip, determining ids, the list rule and its agreement with calls.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

namespace bulkhead::policy {
namespace {

Decision run(const PolicySet& set, const Request& request) {
  return decide(set, request, testing::sample_entities());
}

TEST(PolicyDecide, DefaultDeny) {
  auto set = testing::must_parse("");
  const auto d = run(*set, testing::sample_request());
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.determining.empty());
  EXPECT_TRUE(d.errors.empty());
}

TEST(PolicyDecide, PermitAllowsAndForbidWins) {
  auto set = testing::must_parse(R"(
    @id("p1") permit(principal in Tenant::"acme", action == Action::"tools/call", resource);
    @id("p2") permit(principal, action, resource) when { context.scopes.contains("notes") };
    @id("p3") permit(principal, action, resource) when { false };
  )");
  auto d = run(*set, testing::sample_request());
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.determining, (std::vector<std::string>{"p1", "p2"}));

  auto with_forbid = testing::must_parse(R"(
    @id("p1") permit(principal in Tenant::"acme", action, resource);
    @id("f1") forbid(principal, action, resource) when { resource.classification == "restricted" };
    @id("f2") forbid(principal, action, resource) unless { context.scopes.contains("admin") };
  )");
  d = run(*with_forbid, testing::sample_request());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, (std::vector<std::string>{"f1", "f2"}));
}

TEST(PolicyDecide, ErrorInPermitSkipsIt) {
  auto set = testing::must_parse(R"(
    @id("broken") permit(principal, action, resource) when { context.missing == 1 };
    @id("fine") permit(principal, action, resource);
  )");
  auto d = run(*set, testing::sample_request());
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.determining, (std::vector<std::string>{"fine"}));
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0].policy_id, "broken");

  auto only_broken = testing::must_parse("@id(\"broken\") permit(principal, action, resource) when { 1 + \"a\" == 2 };");
  d = run(*only_broken, testing::sample_request());
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.determining.empty());
  EXPECT_EQ(d.errors.size(), 1u);
}

// Divergence from Cedar (docs/policy.md): Cedar skips an erring forbid and would allow here; we deny.
TEST(PolicyDecide, ErrorInForbidDenies) {
  auto set = testing::must_parse(R"(
    @id("allow-all-acme") permit(principal in Tenant::"acme", action, resource);
    @id("big-amounts") forbid(principal, action, resource) when { context.arguments.amount > 1000 };
  )");
  auto d = run(*set, testing::sample_request());  // no `amount` argument: the forbid errs
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, (std::vector<std::string>{"big-amounts"}));
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0].policy_id, "big-amounts");
  EXPECT_EQ(d.errors[0].message, "record does not have the attribute `amount`");

  Request request = testing::sample_request();
  Value args = Value::record({{"amount", Value(5)}});
  request.context.set_field("arguments", args);
  d = run(*set, request);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.errors.empty());

  // A forbid whose condition is not bool also denies.
  auto typed = testing::must_parse(R"(
    permit(principal, action, resource);
    @id("f") forbid(principal, action, resource) when { context.tenant };
  )");
  d = run(*typed, testing::sample_request());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, (std::vector<std::string>{"f"}));
}

TEST(PolicyDecide, DecisionJsonNeverContainsPolicyText) {
  auto set = testing::must_parse("@id(\"p\") permit(principal, action, resource) when { context.tenant == \"acme\" };");
  const auto d = run(*set, testing::sample_request());
  EXPECT_EQ(json::serialize(decision_to_json(d)), R"({"decision":"allow","determining":["p"],"errors":[]})");
}

TEST(PolicyDecide, ContextMustBeARecord) {
  auto set = testing::must_parse("permit(principal, action, resource);");
  Request request = testing::sample_request();
  request.context = Value(1);
  EXPECT_FALSE(run(*set, request).allowed);
  EXPECT_FALSE(may_list(*set, request, testing::sample_entities()));
}

TEST(PolicyDecide, BuildCallMapsTheGatewayRequest) {
  const std::vector<std::string> scopes{"notes"};
  const std::vector<std::string> labels{"pii"};
  auto args = json::parse(R"({"account_id":"acme-7","limit":3})");
  ASSERT_TRUE(args);
  CallFacts facts;
  facts.agent = "spiffe://acme.test/agent/support";
  facts.tenant = "acme";
  facts.resource_name = "crm__lookup";
  facts.upstream = "crm";
  facts.classification = "confidential";
  facts.labels = labels;
  facts.scopes = scopes;
  facts.task = "task-1";
  facts.arguments = &*args;
  const Call call = build_call(facts);
  auto set = testing::must_parse(R"(
    @id("p") permit(principal in Tenant::"acme", action == Action::"tools/call", resource in Upstream::"crm")
    when {
      resource.classification == "confidential" && resource.labels.contains("pii") &&
      context.scopes.contains("notes") && context.tenant == "acme" && context.task == "task-1" &&
      context.classification == "confidential" && context.arguments.account_id like "acme-*" &&
      context.arguments.limit <= 3 && context.task_labels.isEmpty() && !(context has delegated_by)
    };
  )");
  const auto d = decide(*set, call.request, call.entities);
  EXPECT_TRUE(d.allowed) << (d.errors.empty() ? "" : d.errors[0].message);
}

// --- list rule -------------------------------------------------------------------------------------------

const char* kListPolicies = R"(
  @id("acme-tools") permit(principal in Tenant::"acme", action == Action::"tools/call", resource)
    when { context.arguments.account_id like "acme-*" };
  @id("acme-restricted") forbid(principal, action, resource)
    when { resource.classification == "restricted" } unless { context.scopes.contains("restricted") };
  @id("globex-echo") permit(principal in Tenant::"globex", action, resource == Tool::"everything__echo");
  @id("no-deletes") forbid(principal, action, resource == Tool::"notes__delete");
  @id("limit") forbid(principal, action, resource) when { context.arguments.n > 100 };
  @id("broken-forbid") forbid(principal, action, resource == Tool::"notes__broken") when { context.nope };
)";

Call call(std::string_view tenant, std::string_view tool, std::string_view classification,
          const std::vector<std::string>& scopes, const json::Value* args) {
  CallFacts facts;
  facts.agent = tenant == "acme" ? "spiffe://acme.test/a" : "spiffe://globex.test/a";
  facts.tenant = tenant;
  facts.resource_name = tool;
  facts.upstream = tool.substr(0, tool.find("__"));
  facts.classification = classification;
  facts.scopes = scopes;
  facts.arguments = args;
  return build_call(facts);
}

TEST(PolicyList, Rule) {
  auto set = testing::must_parse(kListPolicies);
  const std::vector<std::string> none;
  const std::vector<std::string> restricted{"restricted"};
  auto listed = [&](std::string_view tenant, std::string_view tool, std::string_view cls,
                    const std::vector<std::string>& scopes) {
    const Call c = call(tenant, tool, cls, scopes, nullptr);
    return may_list(*set, c.request, c.entities);
  };
  EXPECT_TRUE(listed("acme", "notes__add_note", "internal", none));     // permit depends on arguments: possible
  EXPECT_FALSE(listed("acme", "notes__delete", "internal", none));      // forbidden regardless of arguments
  EXPECT_FALSE(listed("acme", "crm__export", "restricted", none));      // restricted without the scope
  EXPECT_TRUE(listed("acme", "crm__export", "restricted", restricted));
  EXPECT_FALSE(listed("acme", "notes__broken", "internal", none));      // erring forbid: every call is denied
  EXPECT_TRUE(listed("globex", "everything__echo", "internal", none));
  EXPECT_FALSE(listed("globex", "everything__get-sum", "internal", none));  // no permit can apply
}

// Agreement: whenever a call is allowed for some arguments, the item is listed; a hidden item is never callable.
TEST(PolicyList, AgreesWithCalls) {
  auto set = testing::must_parse(kListPolicies);
  const std::vector<std::vector<std::string>> scope_sets{{}, {"restricted"}};
  std::vector<json::Value> argument_sets;
  for (const char* account : {"acme-1", "globex-1", ""}) {
    for (const std::int64_t n : {1, 500}) {
      json::Value args = json::Value::object();
      if (*account != '\0') args.set("account_id", account);
      args.set("n", n);
      argument_sets.push_back(args);
    }
  }
  argument_sets.push_back(json::Value::object());
  int checked = 0;
  for (const char* tenant : {"acme", "globex"}) {
    for (const char* tool : {"notes__add_note", "notes__delete", "crm__export", "notes__broken", "everything__echo",
                             "everything__get-sum"}) {
      for (const char* cls : {"internal", "restricted"}) {
        for (const auto& scopes : scope_sets) {
          const Call list_call = call(tenant, tool, cls, scopes, nullptr);
          const bool listed = may_list(*set, list_call.request, list_call.entities);
          bool some_call_allowed = false;
          for (const auto& args : argument_sets) {
            const Call c = call(tenant, tool, cls, scopes, &args);
            some_call_allowed = some_call_allowed || decide(*set, c.request, c.entities).allowed;
            ++checked;
          }
          if (some_call_allowed) {
            EXPECT_TRUE(listed) << tenant << " " << tool << " " << cls;
          }
          if (!listed) {
            EXPECT_FALSE(some_call_allowed) << tenant << " " << tool << " " << cls;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 2 * 6 * 2 * 2 * 7);
}

}  // namespace
}  // namespace bulkhead::policy
