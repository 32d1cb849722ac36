// CRC32C against published vectors (RFC 3720 appendix B.4, the "123456789" check value) and the extend property.
#include <gtest/gtest.h>

#include <numeric>
#include <string_view>
#include <vector>

#include "audit/detail/crc32c.h"

namespace bulkhead::audit::detail {
namespace {

std::uint32_t crc_of(std::string_view text) {
  return crc32c({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

TEST(Crc32c, CheckValue) { EXPECT_EQ(crc_of("123456789"), 0xE3069283u); }

TEST(Crc32c, Empty) { EXPECT_EQ(crc_of(""), 0u); }

TEST(Crc32c, Rfc3720Vectors) {
  std::vector<std::uint8_t> bytes(32, 0x00);
  EXPECT_EQ(crc32c(bytes), 0x8A9136AAu);
  std::fill(bytes.begin(), bytes.end(), 0xFF);
  EXPECT_EQ(crc32c(bytes), 0x62A8AB43u);
  std::iota(bytes.begin(), bytes.end(), std::uint8_t{0});
  EXPECT_EQ(crc32c(bytes), 0x46DD794Eu);
  for (std::size_t i = 0; i < 32; ++i) bytes[i] = static_cast<std::uint8_t>(31 - i);
  EXPECT_EQ(crc32c(bytes), 0x113FDB5Cu);
}

TEST(Crc32c, ExtendEqualsWholeAtEverySplit) {
  std::vector<std::uint8_t> bytes(100);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
  const std::uint32_t whole = crc32c(bytes);
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    const std::span<const std::uint8_t> all(bytes);
    EXPECT_EQ(crc32c_extend(crc32c(all.first(split)), all.subspan(split)), whole) << split;
  }
}

TEST(Crc32c, DetectsEverySingleBitFlip) {
  std::vector<std::uint8_t> bytes(64, 0x5A);
  const std::uint32_t good = crc32c(bytes);
  for (std::size_t i = 0; i < bytes.size() * 8; ++i) {
    bytes[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
    EXPECT_NE(crc32c(bytes), good);
    bytes[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
  }
}

// The SSE4.2 path (when the CPU has it) and the portable slice-by-8 path agree at every length, alignment and
// start value (both paths are what crc32c_extend may pick on some machine).
TEST(Crc32c, HardwareEqualsSoftware) {
  std::vector<std::uint8_t> bytes(300);
  std::uint32_t x = 12345;
  for (auto& b : bytes) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  const std::span<const std::uint8_t> all(bytes);
  for (std::size_t offset = 0; offset < 9; ++offset) {
    for (std::size_t length = 0; offset + length <= bytes.size(); length += 7) {
      const auto part = all.subspan(offset, length);
      for (const std::uint32_t start : {0u, 0xE3069283u, 0xFFFFFFFFu}) {
        EXPECT_EQ(crc32c_extend_hardware(start, part), crc32c_extend_software(start, part)) << offset << " " << length;
      }
    }
  }
  EXPECT_EQ(crc32c_extend_software(0, all), crc32c(all));
}

}  // namespace
}  // namespace bulkhead::audit::detail
