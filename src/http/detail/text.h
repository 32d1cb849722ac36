// Small ASCII helpers shared by the server, client and SSE code.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bulkhead::http {
struct SseEvent;
}

namespace bulkhead::http::detail {

// format_sse() appending to a reusable buffer.
void append_sse(std::string& out, const SseEvent& event);

[[nodiscard]] constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// True when `value` (e.g. a Content-Type) starts with `prefix`, ignoring ASCII case.
[[nodiscard]] constexpr bool istarts_with(std::string_view value, std::string_view prefix) noexcept {
  return value.size() >= prefix.size() && iequals(value.substr(0, prefix.size()), prefix);
}

// Offset of the first '\r' or '\n' in [from, text.size()), or npos. SSE events are split into lines with it:
// std::string_view::find_first_of("\r\n") calls memchr once per byte of the text.
[[nodiscard]] inline std::size_t find_line_end(std::string_view text, std::size_t from) noexcept {
  const char* data = text.data();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    const __m128i eol = _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(eol));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < text.size(); ++i) {
    if (data[i] == '\r' || data[i] == '\n') return i;
  }
  return std::string_view::npos;
}

// A header name is an RFC 9110 token; a value must not contain CR, LF or NUL (response splitting).
[[nodiscard]] constexpr bool valid_header_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

[[nodiscard]] constexpr bool valid_header_value(std::string_view value) noexcept {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Appends `n` in decimal / lower-case hex without allocating a temporary.
inline void append_decimal(std::string& out, std::size_t n) {
  char buf[24];
  char* p = buf + sizeof(buf);
  do {
    *--p = char('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(p, buf + sizeof(buf));
}

inline void append_hex(std::string& out, std::size_t n) {
  char buf[20];
  char* p = buf + sizeof(buf);
  do {
    *--p = "0123456789abcdef"[n & 0xf];
    n >>= 4;
  } while (n != 0);
  out.append(p, buf + sizeof(buf));
}

}  // namespace bulkhead::http::detail
