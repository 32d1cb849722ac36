// Store::open (URL → implementation) and the names of revocation kinds.
#include <array>
#include <utility>

#include <fmt/format.h>

#include "store/detail/factories.h"

namespace bulkhead::store {
namespace {

constexpr std::array<std::pair<RevocationKind, std::string_view>, 4> kKinds{{
    {RevocationKind::jti, "jti"},
    {RevocationKind::task, "task"},
    {RevocationKind::tenant, "tenant"},
    {RevocationKind::agent, "agent"},
}};

}  // namespace

std::string_view revocation_kind_name(RevocationKind kind) noexcept {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<RevocationKind> revocation_kind_from_name(std::string_view name) noexcept {
  for (const auto& [k, n] : kKinds) {
    if (n == name) return k;
  }
  return std::nullopt;
}

core::Result<std::unique_ptr<Store>> Store::open(std::string_view url, const std::filesystem::path& base_dir,
                                                 const core::Clock& clock) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    std::filesystem::path path(std::string(url.substr(kSqlite.size())));
    if (path.empty()) return core::fail(core::Reason::invalid_request, "store url sqlite:// needs a file path");
    if (path.is_relative() && !base_dir.empty()) path = base_dir / path;
    return detail::open_sqlite(path, clock);
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return core::fail(core::Reason::invalid_request,
                      "store: PostgreSQL is not in this build yet; use sqlite://<path> (docs/formats/store.md)");
  }
  return core::fail(core::Reason::invalid_request,
                    fmt::format("store url '{}' must start with sqlite:// (or postgres:// later)", url.substr(0, 64)));
}

}  // namespace bulkhead::store
