// Byte searches the readers spend most of their time in, 16 bytes at a time with SSE2 (part of every x86-64 CPU),
// with a scalar loop for the tail and for other architectures. Each returns the offset of the first byte in
// [from, text.size()) that the predicate stops at, or text.size().
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bulkhead::scan::detail {

// Stops at the first byte that is not ' ', '\t', '\n' or '\r'.
[[nodiscard]] inline std::size_t skip_whitespace(std::string_view text, std::size_t from) noexcept {
  const char* data = text.data();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    const __m128i blank = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, tab)),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
    const unsigned other = ~static_cast<unsigned>(_mm_movemask_epi8(blank)) & 0xFFFFu;
    if (other != 0) return i + static_cast<std::size_t>(__builtin_ctz(other));
  }
#endif
  for (; i < text.size(); ++i) {
    const char c = data[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return i;
  }
  return text.size();
}

// Stops at `quote`, a backslash (when `escapes`), a control character (< 0x20), or DEL when `stop_at_del`.
[[nodiscard]] inline std::size_t find_string_end(std::string_view text, std::size_t from, char quote, bool escapes,
                                                 bool stop_at_del = false) noexcept {
  const char* data = text.data();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i q = _mm_set1_epi8(quote);
  const __m128i backslash = _mm_set1_epi8(escapes ? '\\' : quote);
  const __m128i control = _mm_set1_epi8(0x1F);
  const __m128i del = _mm_set1_epi8(stop_at_del ? 0x7F : quote);
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    const __m128i low = _mm_cmpeq_epi8(_mm_max_epu8(v, control), control);  // v <= 0x1F (unsigned)
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, backslash)),
                                      _mm_or_si128(low, _mm_cmpeq_epi8(v, del)));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c == static_cast<unsigned char>(quote) || (escapes && c == '\\') || c < 0x20 || (stop_at_del && c == 0x7F)) {
      return i;
    }
  }
  return text.size();
}

// True when every byte is printable ASCII, a tab or a line break: the alphabet of the TOML subset reader.
[[nodiscard]] inline bool is_plain_ascii(std::string_view text) noexcept {
  const char* data = text.data();
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i control = _mm_set1_epi8(0x1F);
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i del = _mm_set1_epi8(0x7F);
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    const __m128i low = _mm_cmpeq_epi8(_mm_max_epu8(v, control), control);
    const __m128i allowed =
        _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
    const __m128i bad = _mm_or_si128(_mm_andnot_si128(allowed, low), _mm_cmpeq_epi8(_mm_max_epu8(v, del), v));
    if (_mm_movemask_epi8(bad) != 0) return false;
  }
#endif
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c >= 0x7F || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) return false;
  }
  return true;
}

// How many bytes of `text` are `byte` (the line count of a range).
[[nodiscard]] inline std::size_t count_byte(std::string_view text, char byte) noexcept {
  const char* data = text.data();
  std::size_t i = 0;
  std::size_t count = 0;
#if defined(__SSE2__)
  // Per-lane counters (a match is -1, subtracted), summed every 255 blocks before a lane can overflow.
  const __m128i b = _mm_set1_epi8(byte);
  while (i + 16 <= text.size()) {
    __m128i lanes = _mm_setzero_si128();
    for (int block = 0; block < 255 && i + 16 <= text.size(); ++block, i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(v, b));
    }
    const __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    count += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
  }
#endif
  for (; i < text.size(); ++i) count += data[i] == byte ? 1 : 0;
  return count;
}

// The first byte of `text` from `from` that is a '"', a '\\', a control character or not ASCII (what a JSON string
// writer must look at), or text.size().
[[nodiscard]] inline std::size_t find_json_special(std::string_view text, std::size_t from) noexcept {
  const char* data = text.data();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control = _mm_set1_epi8(0x1F);
  const __m128i del = _mm_set1_epi8(0x7F);
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    const __m128i low = _mm_cmpeq_epi8(_mm_max_epu8(v, control), control);
    const __m128i high = _mm_cmpeq_epi8(_mm_max_epu8(v, del), v);  // >= 0x7F
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                      _mm_or_si128(low, high));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7F) return i;
  }
  return text.size();
}

// What the string rules ask of every value before doing any real work, in one pass.
struct StringFeatures {
  bool scheme_separator = false;  // "://"
  bool brace_or_dollar = false;   // '{' or '$'
  bool s_dot = false;             // "s." (every "headers." has one)
  bool he_or_cl = false;          // "he" or "cl" in any case ("header", "client_token")
};

// Bytes that can start one of the patterns of StringFeatures.
inline constexpr std::array<bool, 256> kFeatureStart = [] {
  std::array<bool, 256> start{};
  for (const unsigned char c : {':', '{', '$', 's', 'S', 'h', 'H', 'c', 'C'}) start[c] = true;
  return start;
}();

[[nodiscard]] inline StringFeatures string_features(std::string_view text) noexcept {
  StringFeatures f;
  const char* data = text.data();
  std::size_t i = 0;
#if defined(__SSE2__)
  if (text.size() >= 18) {
    const __m128i colon = _mm_set1_epi8(':');
    const __m128i slash = _mm_set1_epi8('/');
    const __m128i brace = _mm_set1_epi8('{');
    const __m128i dollar = _mm_set1_epi8('$');
    const __m128i s = _mm_set1_epi8('s');
    const __m128i dot = _mm_set1_epi8('.');
    const __m128i lower = _mm_set1_epi8(0x20);
    const __m128i h = _mm_set1_epi8('h');
    const __m128i e = _mm_set1_epi8('e');
    const __m128i c = _mm_set1_epi8('c');
    const __m128i l = _mm_set1_epi8('l');
    __m128i scheme = _mm_setzero_si128();
    __m128i marker = _mm_setzero_si128();
    __m128i sdot = _mm_setzero_si128();
    __m128i hecl = _mm_setzero_si128();
    for (; i + 18 <= text.size(); i += 16) {
      const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 1));
      const __m128i v2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 2));
      scheme = _mm_or_si128(scheme, _mm_and_si128(_mm_cmpeq_epi8(v0, colon),
                                                  _mm_and_si128(_mm_cmpeq_epi8(v1, slash), _mm_cmpeq_epi8(v2, slash))));
      marker = _mm_or_si128(marker, _mm_or_si128(_mm_cmpeq_epi8(v0, brace), _mm_cmpeq_epi8(v0, dollar)));
      sdot = _mm_or_si128(sdot, _mm_and_si128(_mm_cmpeq_epi8(v0, s), _mm_cmpeq_epi8(v1, dot)));
      const __m128i l0 = _mm_or_si128(v0, lower);
      const __m128i l1 = _mm_or_si128(v1, lower);
      hecl = _mm_or_si128(hecl, _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(l0, h), _mm_cmpeq_epi8(l1, e)),
                                             _mm_and_si128(_mm_cmpeq_epi8(l0, c), _mm_cmpeq_epi8(l1, l))));
    }
    f.scheme_separator = _mm_movemask_epi8(scheme) != 0;
    f.brace_or_dollar = _mm_movemask_epi8(marker) != 0;
    f.s_dot = _mm_movemask_epi8(sdot) != 0;
    f.he_or_cl = _mm_movemask_epi8(hecl) != 0;
  }
#endif
  // The rest (short strings, and the tail): most bytes start none of the patterns.
  for (; i < text.size(); ++i) {
    const char x = data[i];
    if (!kFeatureStart[static_cast<unsigned char>(x)]) continue;
    const char y = i + 1 < text.size() ? data[i + 1] : '\0';
    switch (x) {
      case ':': f.scheme_separator |= y == '/' && i + 2 < text.size() && data[i + 2] == '/'; break;
      case '{': case '$': f.brace_or_dollar = true; break;
      case 's': f.s_dot |= y == '.'; [[fallthrough]];
      default: {
        const char folded = static_cast<char>(x | 0x20);
        const char next = static_cast<char>(y | 0x20);
        f.he_or_cl |= (folded == 'h' && next == 'e') || (folded == 'c' && next == 'l');
      }
    }
  }
  return f;
}

}  // namespace bulkhead::scan::detail
