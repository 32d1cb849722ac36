// Store implementations, chosen by store.cc from the URL scheme.
#pragma once

#include <filesystem>
#include <memory>

#include "store/store.h"

namespace bulkhead::store::detail {

[[nodiscard]] core::Result<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& path,
                                                               const core::Clock& clock);

}  // namespace bulkhead::store::detail
