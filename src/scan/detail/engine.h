// The rule engine behind Scanner::scan_text (internal).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "rules/rules.h"
#include "scan/scan.h"

namespace bulkhead::scan::detail {

// Reads `text` (TOML when `path` ends in .toml, else JSONC) and applies every rule. Findings suppressed by
// inline `bulkhead-ignore` comments are dropped and counted in *suppressed.
[[nodiscard]] std::vector<Finding> scan_document(std::string_view path, std::string_view text,
                                                 rules::CredentialMatcher& matcher, std::size_t* suppressed);

}  // namespace bulkhead::scan::detail
