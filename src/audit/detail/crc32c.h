// CRC32C (Castagnoli, reflected polynomial 0x82F63B78, init/xorout 0xFFFFFFFF) — the frame checksum of the audit
// format. Software slice-by-8; pure functions, thread-safe (tables are constexpr).
#pragma once

#include <cstdint>
#include <span>

namespace bulkhead::audit::detail {

// Continues a CRC: crc32c_extend(crc32c(a), b) == crc32c(a || b). Start value 0.
[[nodiscard]] std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept;
[[nodiscard]] inline std::uint32_t crc32c(std::span<const std::uint8_t> data) noexcept {
  return crc32c_extend(0, data);
}

}  // namespace bulkhead::audit::detail
