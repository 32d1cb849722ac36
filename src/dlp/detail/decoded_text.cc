#include "dlp/detail/decoded_text.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/core.h"

namespace bulkhead::dlp::detail {
namespace {

bool read_hex4(std::string_view json, std::size_t at, std::uint32_t& out) noexcept {
  if (at + 4 > json.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int v = core::hex_digit_value(json[at + i]);
    if (v < 0) return false;
    out = (out << 4) | static_cast<std::uint32_t>(v);
  }
  return true;
}

// The first '"' or '\\' in [p, end), or end. SSE2 (x86-64 baseline): 16 bytes per step; strings in tool results
// are long and escape-heavy (JSON inside text), so this loop is most of the decoder's time.
const char* find_quote_or_backslash(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i slash = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, slash)));
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && *p != '"' && *p != '\\') ++p;
  return p;
}

// Decodes the string whose opening quote is at json[open] into out; returns the offset after the closing quote,
// or npos when malformed.
std::size_t decode_one(std::string_view json, std::size_t open, std::string& out, bool& escaped) {
  const char* base = json.data();
  const char* end = base + json.size();
  const char* p = base + open + 1;
  escaped = false;
  for (;;) {
    const char* stop = find_quote_or_backslash(p, end);
    out.append(p, static_cast<std::size_t>(stop - p));
    if (stop == end) return std::string_view::npos;
    if (*stop == '"') return static_cast<std::size_t>(stop - base) + 1;
    escaped = true;
    if (stop + 1 >= end) return std::string_view::npos;
    const char e = stop[1];
    std::size_t at = static_cast<std::size_t>(stop - base) + 2;
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        std::uint32_t cp = 0;
        if (!read_hex4(json, at, cp)) return std::string_view::npos;
        at += 4;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          std::uint32_t low = 0;
          if (at + 1 < json.size() && json[at] == '\\' && json[at + 1] == 'u' && read_hex4(json, at + 2, low) &&
              low >= 0xdc00 && low <= 0xdfff) {
            at += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else {
            cp = 0xfffd;  // lone surrogate: what a lenient client shows
          }
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
          cp = 0xfffd;
        }
        core::append_utf8(out, cp);
        break;
      }
      default: return std::string_view::npos;
    }
    p = base + at;
  }
}

bool base64_field(std::string_view key) noexcept { return key == "blob" || key == "data"; }

// Standard base64 with padding, long enough to be content rather than a word.
bool looks_base64(std::string_view value) noexcept {
  if (value.size() < 16 || value.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '=') {
      if (i + 2 < value.size()) return false;
      ++pad;
      continue;
    }
    if (pad != 0) return false;
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::size_t DecodedText::index_at(std::size_t offset) const {
  auto it = std::upper_bound(segments.begin(), segments.end(), offset,
                             [](std::size_t o, const Segment& s) { return o < s.begin; });
  if (it == segments.begin()) return segments.size();
  --it;
  if (offset >= it->end) return segments.size();
  return static_cast<std::size_t>(it - segments.begin());
}

const Segment* DecodedText::segment_at(std::size_t offset) const {
  const std::size_t i = index_at(offset);
  return i < segments.size() ? &segments[i] : nullptr;
}

bool decode_strings(std::string_view json, DecodedText& out) {
  out.clear();
  out.text.reserve(json.size() + 64);
  std::uint32_t last_key = kNoKey;
  std::size_t at = 0;
  const char* base = json.data();
  while (at < json.size()) {
    const void* q = std::memchr(base + at, '"', json.size() - at);
    if (q == nullptr) break;
    const std::size_t open = static_cast<std::size_t>(static_cast<const char*>(q) - base);
    Segment segment;
    segment.raw_begin = open;
    segment.begin = out.text.size();
    const std::size_t after = decode_one(json, open, out.text, segment.escaped);
    if (after == std::string_view::npos) return false;
    segment.raw_end = after;
    segment.end = out.text.size();
    out.text.push_back(kSeparator);
    std::size_t next = after;
    while (next < json.size() && (json[next] == ' ' || json[next] == '\t' || json[next] == '\n' || json[next] == '\r')) ++next;
    segment.is_key = next < json.size() && json[next] == ':';
    if (segment.is_key) {
      last_key = static_cast<std::uint32_t>(out.segments.size());
    } else {
      segment.key = last_key;
    }
    out.segments.push_back(segment);
    if (!segment.is_key && last_key != kNoKey && base64_field(out.view(out.segments[last_key]))) {
      const std::string_view value = out.view(out.segments.back());
      if (looks_base64(value)) {
        if (auto bytes = core::base64_decode(value)) {
          Segment decoded = out.segments.back();
          decoded.base64 = true;
          decoded.begin = out.text.size();
          out.text.append(reinterpret_cast<const char*>(bytes->data()), bytes->size());
          decoded.end = out.text.size();
          out.text.push_back(kSeparator);
          out.segments.push_back(decoded);
        }
      }
    }
    at = after;
  }
  return true;
}

}  // namespace bulkhead::dlp::detail
