// Cedar JSON helpers shared by the policy module's parsers (internal).
#pragma once

#include "core/core.h"
#include "json/json.h"
#include "policy/policy.h"

namespace bulkhead::policy::detail {

// {"type","id"} or {"__entity":{"type","id"}}.
[[nodiscard]] core::Result<EntityUid> entity_uid_from_json(const json::Value& json);

}  // namespace bulkhead::policy::detail
