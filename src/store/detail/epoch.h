// A change counter shared by every process that opens one database: an 8-byte file (<db>-epoch) mapped into
// memory. Writers bump it after each commit that others must notice (revocations, credentials, administrative
// events); readers compare it with the value they saw, which costs one memory load instead of a SQLite read
// transaction. It is a hint: a reader still consults `PRAGMA data_version` at least once a second.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/core.h"

namespace bulkhead::store::detail {

class EpochFile {
 public:
  [[nodiscard]] static core::Result<EpochFile> open(const std::filesystem::path& path);
  EpochFile() = default;
  EpochFile(EpochFile&& other) noexcept;
  EpochFile& operator=(EpochFile&& other) noexcept;
  EpochFile(const EpochFile&) = delete;
  EpochFile& operator=(const EpochFile&) = delete;
  ~EpochFile();

  [[nodiscard]] std::uint64_t load() const noexcept;
  void bump() noexcept;

 private:
  std::uint64_t* counter_ = nullptr;  // in a MAP_SHARED mapping
};

}  // namespace bulkhead::store::detail
