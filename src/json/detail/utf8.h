// UTF-8 helpers shared by the writer and the canonicalizer (internal to bulkhead::json).
#pragma once

#include <cstddef>
#include <cstdint>

namespace bulkhead::json::detail {

// Length (2..4) of the well-formed multi-byte UTF-8 sequence at p (p[0] >= 0x80), or 0 when it is malformed
// (overlong, surrogate, above U+10FFFF, truncated). Stores the code point in *code_point when valid.
inline std::size_t utf8_sequence(const unsigned char* p, std::size_t available, char32_t* code_point) noexcept {
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) {
    if (available < 2 || (p[1] & 0xC0) != 0x80) return 0;
    *code_point = (char32_t{c & 0x1Fu} << 6) | (p[1] & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (available < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;  // overlong
    if (c == 0xED && p[1] > 0x9F) return 0;  // UTF-16 surrogate
    *code_point = (char32_t{c & 0x0Fu} << 12) | (char32_t{p[1] & 0x3Fu} << 6) | (p[2] & 0x3Fu);
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (available < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;  // overlong
    if (c == 0xF4 && p[1] > 0x8F) return 0;  // above U+10FFFF
    *code_point = (char32_t{c & 0x07u} << 18) | (char32_t{p[1] & 0x3Fu} << 12) | (char32_t{p[2] & 0x3Fu} << 6) |
                  (p[3] & 0x3Fu);
    return 4;
  }
  return 0;
}

}  // namespace bulkhead::json::detail
