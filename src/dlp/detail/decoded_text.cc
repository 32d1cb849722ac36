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

// Writes `cp` as UTF-8 at o; returns the end.
char* put_utf8(char* o, std::uint32_t cp) noexcept {
  if (cp < 0x80) {
    *o++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *o++ = static_cast<char>(0xc0 | (cp >> 6));
    *o++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *o++ = static_cast<char>(0xe0 | (cp >> 12));
    *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *o++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    *o++ = static_cast<char>(0xf0 | (cp >> 18));
    *o++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *o++ = static_cast<char>(0x80 | (cp & 0x3f));
  }
  return o;
}

// Decodes the escape whose backslash is at `p` to `o`; returns the position after it, or nullptr when malformed.
inline const char* decode_escape(std::string_view json, const char* p, char*& o) noexcept {
  const char* base = json.data();
  if (p + 1 >= base + json.size()) return nullptr;
  switch (p[1]) {
    case '"': *o++ = '"'; return p + 2;
    case '\\': *o++ = '\\'; return p + 2;
    case '/': *o++ = '/'; return p + 2;
    case 'b': *o++ = '\b'; return p + 2;
    case 'f': *o++ = '\f'; return p + 2;
    case 'n': *o++ = '\n'; return p + 2;
    case 'r': *o++ = '\r'; return p + 2;
    case 't': *o++ = '\t'; return p + 2;
    case 'u': {
      std::size_t at = static_cast<std::size_t>(p - base) + 2;
      std::uint32_t cp = 0;
      if (!read_hex4(json, at, cp)) return nullptr;
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
      o = put_utf8(o, cp);
      return base + at;
    }
    default: return nullptr;
  }
}

#if defined(__SSE2__)
// Copies the n (≤ 16) plain bytes at `cur` to `o` and returns the end of the output: one unaligned 16-byte store
// when 16 bytes can be read (the output has 16 bytes of room to spare), else exactly n.
inline char* copy_plain(char* o, const char* cur, const char* end, std::size_t n) noexcept {
  if (end - cur >= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm_loadu_si128(reinterpret_cast<const __m128i*>(cur)));
  } else {
    std::memcpy(o, cur, n);
  }
  return o + n;
}
#endif

// Decodes the string whose content starts at `p` (after its opening quote) to `out`, which has room for the
// decoded bytes plus 16 (whole 16-byte blocks are stored before it is known how many of them belong to the
// string). Returns the position after the closing quote, or nullptr when malformed; `out` ends after the output.
// Strings in tool results are long and escape-heavy (JSON inside text: an escape every few bytes). The input is
// read in 16-byte blocks at a fixed stride (SSE2, the x86-64 baseline) and each block's '"'/'\\' bits are worked
// off one by one, so where the next block is read never waits for the escapes of this one.
const char* decode_one(std::string_view json, const char* p, char*& out, bool& escaped_out) noexcept {
  // Locals, not the references: a char store may alias them, which would reload them after every byte written.
  const char* end = json.data() + json.size();
  char* o = out;
  bool escaped = false;
  const char* cur = p;  // the next byte not yet decoded (≥ p: an escape may reach into the next block)
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i slash = _mm_set1_epi8('\\');
  for (; end - p >= 16; p += 16) {
    if (cur >= p + 16) continue;
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, slash))));
    mask &= ~((1u << (cur - p)) - 1u);  // bytes an escape already took
    while (mask != 0) {
      const char* special = p + __builtin_ctz(mask);
      const std::size_t n = static_cast<std::size_t>(special - cur);
      o = copy_plain(o, cur, end, n);
      if (*special == '"') {
        out = o;
        escaped_out = escaped;
        return special + 1;
      }
      escaped = true;
      cur = decode_escape(json, special, o);
      if (cur == nullptr) return nullptr;
      if (cur >= p + 16) {
        mask = 0;
      } else {
        mask &= ~((1u << (cur - p)) - 1u);
      }
    }
    if (cur < p + 16) {
      const std::size_t n = static_cast<std::size_t>(p + 16 - cur);
      o = copy_plain(o, cur, end, n);
      cur = p + 16;
    }
  }
#endif
  // The last bytes (fewer than 16), or everything without SSE2.
  for (;;) {
    while (cur < end && *cur != '"' && *cur != '\\') *o++ = *cur++;
    if (cur >= end) return nullptr;
    if (*cur == '"') {
      out = o;
      escaped_out = escaped;
      return cur + 1;
    }
    escaped = true;
    cur = decode_escape(json, cur, o);
    if (cur == nullptr) return nullptr;
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

// Decoded strings are never longer than their raw form and each separator takes the place of a quote, so the
// strings need at most json.size() bytes; a base64 value adds at most 3/4 of its raw length. The buffer is sized
// once for the worst case (plus the 16-byte blocks' slack) and never initialised (resize_and_overwrite).
bool decode_strings(std::string_view json, DecodedText& out) {
  out.clear();
  const std::size_t capacity = json.size() * 2 + 64;
  bool ok = true;
  out.text.resize_and_overwrite(capacity, [&](char* buffer, std::size_t /*size*/) -> std::size_t {
    char* o = buffer;
    std::uint32_t last_key = kNoKey;
    const char* base = json.data();
    const char* end = base + json.size();
    const char* at = base;
    while (at < end) {
      const void* q = std::memchr(at, '"', static_cast<std::size_t>(end - at));
      if (q == nullptr) break;
      const char* open = static_cast<const char*>(q);
      Segment segment;
      segment.raw_begin = static_cast<std::size_t>(open - base);
      segment.begin = static_cast<std::size_t>(o - buffer);
      const char* after = decode_one(json, open + 1, o, segment.escaped);
      if (after == nullptr) {
        ok = false;
        return 0;
      }
      segment.raw_end = static_cast<std::size_t>(after - base);
      segment.end = static_cast<std::size_t>(o - buffer);
      *o++ = kSeparator;
      const char* next = after;
      while (next < end && (*next == ' ' || *next == '\t' || *next == '\n' || *next == '\r')) ++next;
      segment.is_key = next < end && *next == ':';
      if (segment.is_key) {
        last_key = static_cast<std::uint32_t>(out.segments.size());
      } else {
        segment.key = last_key;
      }
      out.segments.push_back(segment);
      if (!segment.is_key && last_key != kNoKey) {
        const Segment& key = out.segments[last_key];
        const std::string_view key_text(buffer + key.begin, key.end - key.begin);
        const std::string_view value(buffer + segment.begin, segment.end - segment.begin);
        if (base64_field(key_text) && looks_base64(value)) {
          if (auto bytes = core::base64_decode(value)) {
            Segment decoded = segment;
            decoded.base64 = true;
            decoded.begin = static_cast<std::size_t>(o - buffer);
            if (!bytes->empty()) std::memcpy(o, bytes->data(), bytes->size());
            o += bytes->size();
            decoded.end = static_cast<std::size_t>(o - buffer);
            *o++ = kSeparator;
            out.segments.push_back(decoded);
          }
        }
      }
      at = after;
    }
    return static_cast<std::size_t>(o - buffer);
  });
  if (!ok) out.clear();
  return ok;
}

}  // namespace bulkhead::dlp::detail
