// `bulkhead policy lint`: permits that do not pin a tenant, permit-all policies, unreachable policies.
#include <string>

#include "policy/detail/policy_set_impl.h"
#include "policy/policy.h"

namespace bulkhead::policy {
namespace {

using detail::Expr;
using detail::Op;
using detail::Policy;
using detail::Scope;

// True if the expression mentions the tenant: context.tenant or a Tenant::"..." entity literal.
bool mentions_tenant(const Expr& e) {
  if (e.op == Op::get_attr && e.name == "tenant" && !e.children.empty() && e.children[0].op == Op::context) {
    return true;
  }
  if (e.op == Op::literal && e.value.kind() == Value::Kind::entity && e.value.as_entity().type == "Tenant") return true;
  for (const auto& child : e.children) {
    if (mentions_tenant(child)) return true;
  }
  return false;
}

bool pins_tenant(const Policy& policy) {
  const Scope& p = policy.principal;
  if ((p.kind == Scope::Kind::in || p.kind == Scope::Kind::is_in) && p.uid.type == "Tenant") return true;
  if (p.kind == Scope::Kind::equal) return true;  // one agent belongs to one tenant
  for (const auto& condition : policy.conditions) {
    if (condition.when && mentions_tenant(condition.expr)) return true;
  }
  return false;
}

// `wide` matches every request `narrow` matches (syntactically; no entity data is consulted).
bool covers(const Scope& wide, const Scope& narrow) {
  if (wide.kind == Scope::Kind::any) return true;
  if (wide.kind == narrow.kind && wide.uid == narrow.uid && wide.type == narrow.type && wide.uids == narrow.uids) {
    return true;
  }
  if (wide.kind == Scope::Kind::in && (narrow.kind == Scope::Kind::equal || narrow.kind == Scope::Kind::is_in)) {
    return wide.uid == narrow.uid;
  }
  if (wide.kind == Scope::Kind::is && (narrow.kind == Scope::Kind::is_in)) return wide.type == narrow.type;
  if (wide.kind == Scope::Kind::is && narrow.kind == Scope::Kind::equal) return wide.type == narrow.uid.type;
  return false;
}

bool constant_false(const detail::Condition& condition) {
  const Expr& e = condition.expr;
  return e.op == Op::literal && e.value.kind() == Value::Kind::boolean && e.value.as_bool() != condition.when;
}

LintWarning warning(const Policy& policy, std::string code, std::string message) {
  return LintWarning{policy.info.id, policy.info.file, policy.info.line, policy.info.column, std::move(code),
                     std::move(message)};
}

}  // namespace

std::vector<LintWarning> lint(const PolicySet& set) {
  std::vector<LintWarning> warnings;
  const auto& policies = set.impl().policies;
  for (const Policy& policy : policies) {
    const bool all_scopes = policy.principal.kind == Scope::Kind::any && policy.action.kind == Scope::Kind::any &&
                            policy.resource.kind == Scope::Kind::any;
    if (!policy.info.forbid && all_scopes && policy.conditions.empty()) {
      warnings.push_back(warning(policy, "permit-all", "permits every request of every tenant"));
    } else if (!policy.info.forbid && !pins_tenant(policy)) {
      warnings.push_back(warning(policy, "unpinned-tenant",
                                 "permit does not constrain the tenant (principal in Tenant::\"...\" or "
                                 "context.tenant)"));
    }
    bool unreachable = false;
    std::string why;
    for (const auto& condition : policy.conditions) {
      if (constant_false(condition)) {
        unreachable = true;
        why = "a condition is always false";
      }
    }
    if (policy.action.kind == Scope::Kind::in_set && policy.action.uids.empty()) {
      unreachable = true;
      why = "`action in []` matches no action";
    }
    if (!unreachable && !policy.info.forbid) {
      for (const Policy& other : policies) {
        if (other.info.forbid && other.conditions.empty() && covers(other.principal, policy.principal) &&
            covers(other.action, policy.action) && covers(other.resource, policy.resource)) {
          unreachable = true;
          why = "shadowed by the unconditional forbid " + other.info.id;
          break;
        }
      }
    }
    if (unreachable) warnings.push_back(warning(policy, "unreachable", "policy can never apply: " + why));
  }
  return warnings;
}

}  // namespace bulkhead::policy
