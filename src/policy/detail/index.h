// Scope index (internal): maps the entity a policy's scope pins (principal first, else resource, else action) to
// the policies, so a decision only evaluates policies whose pinned entity is the request's principal/resource/
// action or one of its ancestors, plus the unpinned ones. Immutable after construction; thread-safe to read.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/detail/ast.h"

namespace bulkhead::policy::detail {

class PolicyIndex {
 public:
  PolicyIndex() = default;
  explicit PolicyIndex(const std::vector<Policy>& policies);

  // Indices of the policies that may apply, ascending (policy order), each once.
  void candidates(const Request& request, const Entities& entities, std::vector<std::uint32_t>& out) const;

  // For tests and lint: how many policies are evaluated for every request.
  [[nodiscard]] std::size_t unpinned_count() const noexcept { return unpinned_.size(); }

 private:
  // Policies by pinned entity, plus the entity types present so most misses skip hashing.
  struct Buckets {
    std::unordered_map<EntityUid, std::vector<std::uint32_t>, EntityUidHash> map;
    std::vector<std::string> types;
    void add(const EntityUid& uid, std::uint32_t policy);
  };
  static void collect(const Buckets& buckets, const EntityUid& uid, const Entities& entities,
                      std::vector<const EntityUid*>& scratch, std::vector<std::uint32_t>& out);

  Buckets by_principal_;
  Buckets by_resource_;
  Buckets by_action_;
  std::vector<std::uint32_t> unpinned_;
};

}  // namespace bulkhead::policy::detail
