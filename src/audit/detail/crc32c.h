// CRC32C (Castagnoli, reflected polynomial 0x82F63B78, init/xorout 0xFFFFFFFF) — the frame checksum of the audit
// format. Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run time), else software
// slice-by-8; pure functions, thread-safe (tables are constexpr).
#pragma once

#include <cstdint>
#include <span>

namespace bulkhead::audit::detail {

// Continues a CRC: crc32c_extend(crc32c(a), b) == crc32c(a || b). Start value 0.
[[nodiscard]] std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept;
[[nodiscard]] inline std::uint32_t crc32c(std::span<const std::uint8_t> data) noexcept {
  return crc32c_extend(0, data);
}

// The two implementations behind crc32c_extend, for tests (hardware falls back to software without SSE4.2).
[[nodiscard]] std::uint32_t crc32c_extend_software(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept;
[[nodiscard]] std::uint32_t crc32c_extend_hardware(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept;
[[nodiscard]] bool crc32c_hardware_available() noexcept;

}  // namespace bulkhead::audit::detail
