// Internal helpers shared by rules.cc and matcher.cc (not part of the public surface).
#pragma once

#include <string_view>

namespace bulkhead::rules::detail {

// True when `token` contains a well-known documentation value (AKIAIOSFODNN7EXAMPLE, the jwt.io sample, …).
[[nodiscard]] bool is_documented_example(std::string_view token) noexcept;

}  // namespace bulkhead::rules::detail
