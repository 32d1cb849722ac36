// Scope index: one bucket per policy, keyed by the most selective entity its scope pins.
#include "policy/detail/index.h"

#include <algorithm>

namespace bulkhead::policy::detail {
namespace {

const EntityUid* pinned(const Scope& scope) {
  switch (scope.kind) {
    case Scope::Kind::equal:
    case Scope::Kind::in:
    case Scope::Kind::is_in:
      return &scope.uid;
    default:
      return nullptr;
  }
}

}  // namespace

void PolicyIndex::Buckets::add(const EntityUid& uid, std::uint32_t policy) {
  map[uid].push_back(policy);
  if (std::find(types.begin(), types.end(), uid.type) == types.end()) types.push_back(uid.type);
}

PolicyIndex::PolicyIndex(const std::vector<Policy>& policies) {
  for (std::uint32_t i = 0; i < policies.size(); ++i) {
    const Policy& policy = policies[i];
    if (const EntityUid* uid = pinned(policy.principal)) {
      by_principal_.add(*uid, i);
    } else if (const EntityUid* uid = pinned(policy.resource)) {
      by_resource_.add(*uid, i);
    } else if (const EntityUid* uid = pinned(policy.action)) {
      by_action_.add(*uid, i);
    } else if (policy.action.kind == Scope::Kind::in_set) {
      // One entry per listed action (an empty list matches nothing and is never a candidate).
      for (const auto& action : policy.action.uids) by_action_.add(action, i);
    } else {
      unpinned_.push_back(i);
    }
  }
}

void PolicyIndex::collect(const Buckets& buckets, const EntityUid& uid, const Entities& entities,
                          std::vector<const EntityUid*>& scratch, std::vector<std::uint32_t>& out) {
  if (buckets.map.empty()) return;
  scratch.clear();
  entities.ancestors_or_self(uid, scratch);
  for (const EntityUid* key : scratch) {
    bool type_present = false;
    for (const auto& type : buckets.types) type_present = type_present || type == key->type;
    if (!type_present) continue;
    const auto it = buckets.map.find(*key);
    if (it != buckets.map.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }
}

void PolicyIndex::candidates(const Request& request, const Entities& entities,
                             std::vector<std::uint32_t>& out) const {
  out.clear();
  out.insert(out.end(), unpinned_.begin(), unpinned_.end());
  // Per-thread scratch: a decision allocates nothing for ancestor lists once warmed up.
  thread_local std::vector<const EntityUid*> scratch;
  collect(by_principal_, request.principal, entities, scratch, out);
  collect(by_resource_, request.resource, entities, scratch, out);
  collect(by_action_, request.action, entities, scratch, out);
  if (out.size() > unpinned_.size()) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
}

}  // namespace bulkhead::policy::detail
