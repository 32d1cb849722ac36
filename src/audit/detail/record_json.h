// The record payload as a json::Value (the readable definition of the encoding); encode_record writes the same
// bytes directly. Kept for tests and tools; pure, thread-safe.
#pragma once

#include "audit/audit.h"

namespace bulkhead::audit::detail {

[[nodiscard]] json::Value record_json(const AuditRecord& record);

}  // namespace bulkhead::audit::detail
