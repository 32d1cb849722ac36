// Evaluator: every operator with Cedar semantics, type errors, missing attributes, the entity hierarchy.
#include <string>

#include <gtest/gtest.h>

#include "test_util.h"

namespace bulkhead::policy {
namespace {

using testing::eval_expr;
using testing::sample_entities;
using testing::sample_request;
using testing::set_of;

class PolicyEvaluator : public ::testing::Test {
 protected:
  // The expression's value (fails the test on error).
  Value value(std::string_view expr) {
    auto r = eval_expr(expr, request_, entities_);
    EXPECT_TRUE(r.ok) << expr << ": " << r.error;
    return r.value;
  }
  bool is_true(std::string_view expr) {
    const Value v = value(expr);
    return v.kind() == Value::Kind::boolean && v.as_bool();
  }
  bool is_false(std::string_view expr) {
    const Value v = value(expr);
    return v.kind() == Value::Kind::boolean && !v.as_bool();
  }
  // The error message ("" when it evaluated).
  std::string error(std::string_view expr) {
    auto r = eval_expr(expr, request_, entities_);
    EXPECT_FALSE(r.ok) << expr << " evaluated";
    return r.error;
  }

  Request request_ = sample_request();
  Entities entities_ = sample_entities();
};

TEST_F(PolicyEvaluator, Literals) {
  EXPECT_EQ(value("42"), Value(42));
  EXPECT_EQ(value("-7"), Value(-7));
  EXPECT_EQ(value("\"s\""), Value("s"));
  EXPECT_EQ(value("Tenant::\"acme\""), Value(EntityUid{"Tenant", "acme"}));
  EXPECT_EQ(value("[3, 1, 2, 1]"), set_of({Value(1), Value(2), Value(3)}));
  EXPECT_EQ(value("{b: 1, a: principal}"),
            Value::record({{"a", Value(EntityUid{"Agent", "spiffe://acme.test/agent/a"})}, {"b", Value(1)}}));
}

TEST_F(PolicyEvaluator, Equality) {
  EXPECT_TRUE(is_true("1 == 1"));
  EXPECT_TRUE(is_true("\"a\" != \"b\""));
  EXPECT_TRUE(is_false("1 == \"1\""));  // across types: false, not an error
  EXPECT_TRUE(is_false("true == 1"));
  EXPECT_TRUE(is_true("1 != \"1\""));
  EXPECT_TRUE(is_true("[1, 2] == [2, 1, 1]"));  // set semantics
  EXPECT_TRUE(is_true("{a: 1, b: [2]} == {b: [2], a: 1}"));
  EXPECT_TRUE(is_false("{a: 1} == {a: 1, b: 2}"));
  EXPECT_TRUE(is_true("principal == Agent::\"spiffe://acme.test/agent/a\""));
  EXPECT_TRUE(is_false("principal == Tenant::\"spiffe://acme.test/agent/a\""));
  EXPECT_TRUE(is_true("context.scopes == [\"notes\", \"crm:read\"]"));
}

TEST_F(PolicyEvaluator, ComparisonAndArithmetic) {
  EXPECT_TRUE(is_true("1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3"));
  EXPECT_TRUE(is_false("2 < 1"));
  EXPECT_EQ(value("2 + 3 * 4 - 1"), Value(13));
  EXPECT_EQ(value("-(2 - 5)"), Value(3));
  EXPECT_EQ(value("- -9223372036854775807"), Value(std::int64_t{9223372036854775807}));
  EXPECT_EQ(error("9223372036854775807 + 1"), "integer overflow");
  EXPECT_EQ(error("-9223372036854775808 - 1"), "integer overflow");
  EXPECT_EQ(error("4611686018427387904 * 2"), "integer overflow");
  EXPECT_EQ(error("-(-9223372036854775808)"), "integer overflow in negation");
  EXPECT_EQ(error("1 < \"2\""), "type error: expected long, got string");
  EXPECT_EQ(error("\"a\" + 1"), "type error: expected long, got string");
  EXPECT_EQ(error("-true"), "type error: expected long, got bool");
}

TEST_F(PolicyEvaluator, BooleanLogicShortCircuits) {
  EXPECT_TRUE(is_false("false && (1 + \"x\" == 2)"));  // right side never evaluated
  EXPECT_TRUE(is_true("true || context.missing"));
  EXPECT_TRUE(is_true("!false"));
  EXPECT_EQ(error("true && context.missing"), "record does not have the attribute `missing`");
  EXPECT_EQ(error("1 && true"), "type error: expected bool, got long");
  EXPECT_EQ(error("true && 1"), "type error: expected bool, got long");
  EXPECT_EQ(error("false || \"x\""), "type error: expected bool, got string");
  EXPECT_EQ(error("!1"), "type error: expected bool, got long");
}

TEST_F(PolicyEvaluator, IfThenElse) {
  EXPECT_EQ(value("if 1 < 2 then \"yes\" else 1 + \"boom\""), Value("yes"));
  EXPECT_EQ(value("if context has nope then context.nope else 0"), Value(0));
  EXPECT_EQ(error("if 1 then 2 else 3"), "type error: expected bool, got long");
}

TEST_F(PolicyEvaluator, AttributesAndHas) {
  EXPECT_EQ(value("context.tenant"), Value("acme"));
  EXPECT_EQ(value("context[\"tenant\"]"), Value("acme"));
  EXPECT_EQ(value("context.nested.x.y"), Value(1));
  EXPECT_EQ(value("resource.classification"), Value("restricted"));
  EXPECT_EQ(value("principal.level"), Value(3));
  EXPECT_TRUE(is_true("context has tenant && context has \"scopes\" && principal has name"));
  EXPECT_TRUE(is_false("context has nope || principal has nope"));
  EXPECT_TRUE(is_false("Agent::\"ghost\" has name"));  // a missing entity has no attributes: false, no error
  EXPECT_EQ(error("context.nope"), "record does not have the attribute `nope`");
  EXPECT_EQ(error("principal.nope"), "Agent::\"spiffe://acme.test/agent/a\" does not have the attribute `nope`");
  EXPECT_EQ(error("Agent::\"ghost\".name"), "entity Agent::\"ghost\" does not exist");
  EXPECT_EQ(error("1 has a"), "type error: expected entity or record, got long");
  EXPECT_EQ(error("\"s\".a"), "type error: expected entity or record, got string");
  EXPECT_EQ(value("resource.owner"), Value(EntityUid{"Tenant", "acme"}));
}

TEST_F(PolicyEvaluator, Like) {
  EXPECT_TRUE(is_true("context.arguments.account_id like \"acme-*\""));
  EXPECT_TRUE(is_false("context.arguments.account_id like \"globex-*\""));
  EXPECT_TRUE(is_true("\"abc\" like \"abc\""));
  EXPECT_TRUE(is_false("\"abcd\" like \"abc\""));
  EXPECT_TRUE(is_true("\"\" like \"*\""));
  EXPECT_TRUE(is_true("\"abc\" like \"*b*\""));
  EXPECT_TRUE(is_true("\"abc\" like \"a**c\""));
  EXPECT_TRUE(is_false("\"ab\" like \"a*b*b\""));
  EXPECT_TRUE(is_true("\"abab\" like \"a*b*b\""));
  EXPECT_TRUE(is_true("\"a*c\" like \"a\\*c\""));   // escaped star is literal
  EXPECT_TRUE(is_false("\"abc\" like \"a\\*c\""));
  EXPECT_TRUE(is_true("\"a*\" like \"*\\*\""));
  EXPECT_TRUE(is_true("\"tab\there\" like \"tab\\t*\""));
  EXPECT_TRUE(is_true("\"\xc3\xa9t\xc3\xa9\" like \"*t*\""));
  EXPECT_EQ(error("1 like \"*\""), "type error: expected string, got long");
}

TEST_F(PolicyEvaluator, SetOperations) {
  EXPECT_TRUE(is_true("[1, 2, 3].contains(2)"));
  EXPECT_TRUE(is_false("[1, 2, 3].contains(\"2\")"));
  EXPECT_TRUE(is_true("[[1], {a: 2}].contains({a: 2})"));
  EXPECT_TRUE(is_true("context.scopes.contains(\"notes\")"));
  EXPECT_TRUE(is_true("resource.labels.containsAll([\"pii\"])"));
  EXPECT_TRUE(is_false("resource.labels.containsAll([\"pii\", \"hr\"])"));
  EXPECT_TRUE(is_true("[1, 2].containsAll([])"));
  EXPECT_TRUE(is_true("resource.labels.containsAny([\"hr\", \"crm\"])"));
  EXPECT_TRUE(is_false("[1, 2].containsAny([])"));
  EXPECT_TRUE(is_true("[].isEmpty() && ![1].isEmpty()"));
  EXPECT_TRUE(is_true("[principal, resource].contains(principal)"));
  EXPECT_EQ(error("\"abc\".contains(\"a\")"), "type error: expected set, got string");
  EXPECT_EQ(error("[1].containsAll(1)"), "type error: expected set, got long");
  EXPECT_EQ(error("{a: 1}.containsAny([1])"), "type error: expected set, got record");
  EXPECT_EQ(error("[1, context.nope]"), "record does not have the attribute `nope`");
}

TEST_F(PolicyEvaluator, HierarchyIn) {
  EXPECT_TRUE(is_true("principal in Tenant::\"acme\""));
  EXPECT_TRUE(is_true("principal in Org::\"o\""));  // transitive
  EXPECT_TRUE(is_true("principal in principal"));   // reflexive
  EXPECT_TRUE(is_false("principal in Tenant::\"globex\""));
  EXPECT_TRUE(is_true("principal in [Tenant::\"globex\", Org::\"o\"]"));
  EXPECT_TRUE(is_false("principal in []"));
  EXPECT_TRUE(is_true("resource in Upstream::\"up\""));
  EXPECT_TRUE(is_true("Agent::\"ghost\" in Agent::\"ghost\""));  // missing entity: only itself
  EXPECT_TRUE(is_false("Agent::\"ghost\" in Tenant::\"acme\""));
  EXPECT_EQ(error("1 in Tenant::\"acme\""), "type error: expected entity, got long");
  EXPECT_EQ(error("principal in \"acme\""), "type error: expected entity or set of entities, got string");
  EXPECT_EQ(error("principal in [Tenant::\"acme\", 1]"), "type error: expected set of entities, got long");
}

TEST_F(PolicyEvaluator, HierarchyCyclesTerminate) {
  Entities cyclic;
  ASSERT_TRUE(cyclic.add(Entity{EntityUid{"G", "a"}, Value::record({}), {EntityUid{"G", "b"}}}));
  ASSERT_TRUE(cyclic.add(Entity{EntityUid{"G", "b"}, Value::record({}), {EntityUid{"G", "a"}}}));
  EXPECT_TRUE(cyclic.is_in(EntityUid{"G", "a"}, EntityUid{"G", "b"}));
  EXPECT_FALSE(cyclic.is_in(EntityUid{"G", "a"}, EntityUid{"G", "c"}));
}

TEST_F(PolicyEvaluator, Is) {
  EXPECT_TRUE(is_true("principal is Agent"));
  EXPECT_TRUE(is_false("principal is Tool"));
  EXPECT_TRUE(is_true("principal is Agent in Tenant::\"acme\""));
  EXPECT_TRUE(is_false("principal is Agent in Tenant::\"globex\""));
  EXPECT_TRUE(is_false("principal is Tool in 1"));  // `is` fails first, `in` not evaluated
  EXPECT_EQ(error("1 is Agent"), "type error: expected entity, got long");
}

TEST_F(PolicyEvaluator, ConditionMustBeBool) {
  auto set = testing::must_parse("permit(principal, action, resource) when { 1 };");
  const auto decision = decide(*set, request_, entities_);
  EXPECT_FALSE(decision.allowed);
  ASSERT_EQ(decision.errors.size(), 1u);
  EXPECT_EQ(decision.errors[0].message, "type error: condition must be bool, got long");
}

TEST_F(PolicyEvaluator, LenientJsonValuesErrOnlyWhenUsed) {
  auto args = json::parse(R"({"ratio": 0.5, "note": null, "n": 1})");
  ASSERT_TRUE(args);
  auto converted = value_from_json(*args, JsonMode::lenient);
  ASSERT_TRUE(converted);
  request_.context.set_field("arguments", *converted);
  EXPECT_TRUE(is_true("context.arguments.n == 1 && context.arguments has ratio"));
  EXPECT_EQ(error("context.arguments.ratio == 1"),
            "attribute `ratio` holds a value policies cannot use (null or fraction)");
  EXPECT_FALSE(value_from_json(*args, JsonMode::strict));
}

TEST_F(PolicyEvaluator, PartialModeTreatsArgumentsAsUnknown) {
  auto partial = [&](std::string_view expr) { return eval_expr(expr, request_, entities_, true); };
  EXPECT_TRUE(partial("context.arguments.account_id like \"x*\"").unknown);
  EXPECT_TRUE(partial("context has arguments").ok);
  EXPECT_TRUE(partial("context.tenant == \"acme\" && context.arguments.n > 1").unknown);
  auto definite = partial("context.tenant == \"globex\" && context.arguments.n > 1");  // short-circuits
  EXPECT_TRUE(definite.ok);
  EXPECT_EQ(definite.value, Value(false));
  EXPECT_TRUE(partial("if context.arguments.b then 1 else 2").unknown);
  EXPECT_FALSE(partial("context.nope").ok);  // errors not depending on arguments stay errors
  EXPECT_TRUE(partial("[context.arguments.n].contains(1)").unknown);
}

TEST(PolicyPattern, Matching) {
  detail::Pattern p;
  ASSERT_EQ(detail::decode_pattern("a*b\\*c*", p), "");
  EXPECT_TRUE(detail::match_pattern("a-b*c-", p));
  EXPECT_TRUE(detail::match_pattern("ab*c", p));
  EXPECT_FALSE(detail::match_pattern("ab-c", p));
  ASSERT_EQ(detail::decode_pattern("*aa", p), "");
  EXPECT_TRUE(detail::match_pattern("aa", p));
  EXPECT_FALSE(detail::match_pattern("a", p));
  ASSERT_EQ(detail::decode_pattern("aa*aa", p), "");
  EXPECT_FALSE(detail::match_pattern("aaa", p));  // prefix and suffix must not overlap
  EXPECT_TRUE(detail::match_pattern("aaaa", p));
}

}  // namespace
}  // namespace bulkhead::policy
