// Recursive-descent parser for the policy language (internal). Grammar: docs/policy.md.
#pragma once

#include <expected>
#include <string_view>
#include <vector>

#include "policy/detail/ast.h"

namespace bulkhead::policy::detail {

// Parses every policy in `text`. Stops at the first syntax error (returned with its position). The policies'
// info.file/line/column are set; ids and effects are filled in (ids from @id, else empty for the caller to assign).
[[nodiscard]] std::expected<std::vector<Policy>, Diagnostic> parse_policies(std::string_view file,
                                                                           std::string_view text);

}  // namespace bulkhead::policy::detail
