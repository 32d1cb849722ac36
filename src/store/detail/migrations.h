// The numbered schema migrations (docs/formats/store.md). Each runs once, in its own transaction, and is recorded
// in schema_migrations; the list only ever grows (never edit an applied migration: add the next one).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/core.h"
#include "store/detail/sqlite.h"

namespace bulkhead::store::detail {

struct Migration {
  std::int64_t version;
  std::string_view description;
  std::string_view sql;
};

[[nodiscard]] std::span<const Migration> migrations() noexcept;

// Applies what is missing; refuses a database whose schema is newer than this binary knows.
[[nodiscard]] core::Result<std::int64_t> migrate(Connection& connection, std::int64_t now_ms);

}  // namespace bulkhead::store::detail
