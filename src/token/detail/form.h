// application/x-www-form-urlencoded (WHATWG URL §5.1, as RFC 6749 Appendix B uses it): name=value pairs
// separated by '&', '+' for space, %XX escapes. Strict: malformed escapes, empty names and repeated names are
// errors (RFC 6749 §3.1: parameters must not be included more than once).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace bulkhead::token::detail {

inline constexpr std::size_t kMaxFormBytes = 64 * 1024;

using FormFields = std::vector<std::pair<std::string, std::string>>;
[[nodiscard]] core::Result<FormFields> parse_form(std::string_view body);
// Percent-encodes for a form body (tests, clients).
[[nodiscard]] std::string form_encode(std::string_view text);

}  // namespace bulkhead::token::detail
