// PolicySet internals shared by decide, may_list and lint (internal).
#pragma once

#include <vector>

#include "policy/detail/ast.h"
#include "policy/detail/index.h"

namespace bulkhead::policy {

struct PolicySet::Impl {
  std::vector<detail::Policy> policies;
  detail::PolicyIndex index;
};

}  // namespace bulkhead::policy
