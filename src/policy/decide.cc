// decide() and may_list(): candidate policies from the index, evaluated in policy order.
#include <string>
#include <utility>

#include "policy/detail/evaluator.h"
#include "policy/detail/policy_set_impl.h"
#include "policy/policy.h"

namespace bulkhead::policy {

Decision decide(const PolicySet& policies, const Request& request, const Entities& entities) {
  Decision decision;
  if (request.context.kind() != Value::Kind::record) {
    decision.errors.push_back(PolicyError{"", "the request context must be a record"});
    return decision;
  }
  const auto& impl = policies.impl();
  thread_local std::vector<std::uint32_t> candidates;  // per-thread scratch, reused across decisions
  impl.index.candidates(request, entities, candidates);
  detail::Evaluator evaluator(request, entities, /*partial=*/false);
  thread_local std::vector<std::uint32_t> permits;
  permits.clear();
  bool forbidden = false;
  for (const std::uint32_t index : candidates) {
    const detail::Policy& policy = impl.policies[index];
    auto outcome = evaluator.evaluate(policy);
    switch (outcome.satisfied) {
      case detail::Satisfied::no:
      case detail::Satisfied::unknown:  // not produced outside partial mode
        break;
      case detail::Satisfied::error:
        decision.errors.push_back(PolicyError{policy.info.id, std::move(outcome.error)});
        if (policy.info.forbid) {  // fail closed: an erring forbid denies (Cedar would skip it)
          forbidden = true;
          decision.determining.push_back(policy.info.id);
        }
        break;
      case detail::Satisfied::yes:
        if (policy.info.forbid) {
          forbidden = true;
          decision.determining.push_back(policy.info.id);
        } else {
          permits.push_back(index);
        }
        break;
    }
  }
  if (!forbidden && !permits.empty()) {
    decision.allowed = true;
    for (const std::uint32_t index : permits) decision.determining.push_back(impl.policies[index].info.id);
  }
  return decision;
}

bool may_list(const PolicySet& policies, const Request& request, const Entities& entities) {
  if (request.context.kind() != Value::Kind::record) return false;
  const auto& impl = policies.impl();
  thread_local std::vector<std::uint32_t> candidates;
  impl.index.candidates(request, entities, candidates);
  detail::Evaluator evaluator(request, entities, /*partial=*/true);
  bool some_permit = false;
  for (const std::uint32_t index : candidates) {
    const detail::Policy& policy = impl.policies[index];
    if (!policy.info.forbid && some_permit) continue;  // one possible permit is enough
    const auto outcome = evaluator.evaluate(policy);
    if (policy.info.forbid) {
      // Denies for every argument value: satisfied, or erring without depending on the arguments.
      if (outcome.satisfied == detail::Satisfied::yes || outcome.satisfied == detail::Satisfied::error) return false;
    } else if (outcome.satisfied == detail::Satisfied::yes || outcome.satisfied == detail::Satisfied::unknown) {
      some_permit = true;
    }
  }
  return some_permit;
}

}  // namespace bulkhead::policy
