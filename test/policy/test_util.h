// Helpers for the policy tests: parse a set from text, evaluate one expression, build gateway-like requests.
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "policy/detail/evaluator.h"
#include "policy/detail/lexer.h"
#include "policy/detail/parser.h"
#include "policy/policy.h"

namespace bulkhead::policy::testing {

inline PolicySetPtr must_parse(std::string_view text) {
  auto set = PolicySet::parse_text(text);
  if (!set) {
    ADD_FAILURE() << "parse failed: " << to_string(set.error().front());
    return nullptr;
  }
  return *set;
}

// Evaluates `expr` (inside a `when`) against request/entities. Returns the value, or sets `error`.
struct ExprResult {
  bool ok = false;
  bool unknown = false;
  Value value;
  std::string error;
};

inline ExprResult eval_expr(std::string_view expr, const Request& request, const Entities& entities,
                            bool partial = false) {
  const std::string text = "permit(principal, action, resource) when { " + std::string(expr) + " };";
  auto parsed = detail::parse_policies("t", text);
  ExprResult result;
  if (!parsed) {
    result.error = "parse: " + to_string(parsed.error());
    return result;
  }
  detail::Evaluator evaluator(request, entities, partial);
  const auto outcome = evaluator.evaluate_expression((*parsed)[0].conditions[0].expr, result.value);
  result.ok = outcome.satisfied == detail::Satisfied::yes;
  result.unknown = outcome.satisfied == detail::Satisfied::unknown;
  result.error = outcome.error;
  return result;
}

inline Value set_of(std::initializer_list<Value> items) { return Value::set(Value::Set(items)); }

// Agent a in Tenant t (tenant in Org::"o"), Tool::"up__tool" in Upstream::"up" with classification and labels.
inline Entities sample_entities() {
  Entities entities;
  (void)entities.add(Entity{EntityUid{"Agent", "spiffe://acme.test/agent/a"},
                            Value::record({{"name", Value("a")}, {"level", Value(3)}}),
                            {EntityUid{"Tenant", "acme"}}});
  (void)entities.add(Entity{EntityUid{"Tenant", "acme"}, Value::record({}), {EntityUid{"Org", "o"}}});
  (void)entities.add(Entity{EntityUid{"Tool", "up__tool"},
                            Value::record({{"classification", Value("restricted")},
                                           {"labels", set_of({Value("pii"), Value("crm")})},
                                           {"owner", Value(EntityUid{"Tenant", "acme"})}}),
                            {EntityUid{"Upstream", "up"}}});
  return entities;
}

inline Request sample_request() {
  Request request;
  request.principal = EntityUid{"Agent", "spiffe://acme.test/agent/a"};
  request.action = EntityUid{"Action", "tools/call"};
  request.resource = EntityUid{"Tool", "up__tool"};
  request.context = Value::record({
      {"tenant", Value("acme")},
      {"scopes", set_of({Value("crm:read"), Value("notes")})},
      {"arguments", Value::record({{"account_id", Value("acme-42")}, {"n", Value(7)}})},
      {"nested", Value::record({{"x", Value::record({{"y", Value(1)}})}})},
  });
  return request;
}

}  // namespace bulkhead::policy::testing
