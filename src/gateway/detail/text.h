// Case-insensitive matching of ASCII header values (Content-Type, Authorization), without allocating.
#pragma once

#include <algorithm>
#include <string_view>

namespace bulkhead::gateway::detail {

// ASCII lower case (std::tolower consults the locale for every character).
[[nodiscard]] constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// True if `text` starts with `prefix`, ignoring ASCII case in `text`; `prefix` must be lowercase.
[[nodiscard]] inline bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char p, char t) { return p == ascii_lower(t); });
}

}  // namespace bulkhead::gateway::detail
