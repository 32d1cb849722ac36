// Compact writer and RFC 8785 (JCS) canonicalizer.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "json/detail/utf8.h"
#include "json/json.h"

namespace bulkhead::json {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD for malformed UTF-8 bytes

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighs = 0x8080808080808080ull;

// True when any of the 8 bytes needs attention: a control character, '"', '\\' or a non-ASCII byte.
inline bool word_needs_escape(std::uint64_t w) noexcept {
  const std::uint64_t below_space = (w - kOnes * 0x20) & ~w;
  const std::uint64_t q = w ^ (kOnes * '"');
  const std::uint64_t quote = (q - kOnes) & ~q;
  const std::uint64_t b = w ^ (kOnes * '\\');
  const std::uint64_t backslash = (b - kOnes) & ~b;
  return ((below_space | quote | backslash | w) & kHighs) != 0;
}

void append_escape(unsigned char c, std::string& out) {
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\f':
      out.append("\\f");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    default: {
      const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escaped, sizeof(escaped));
      return;
    }
  }
}

void append_double(double value, std::string& out) {
  if (!std::isfinite(value)) {
    out.append("null");
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  out.append(text);
  // Keep the value a floating-point number when read back ("5.0", not the integer 5).
  if (text.find_first_of(".e") == std::string_view::npos) out.append(".0");
}

template <class Integer>
void append_integer(Integer value, std::string& out) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

void write_value(const Value& value, std::string& out) {
  switch (value.type()) {
    case Value::Type::null:
      out.append("null");
      return;
    case Value::Type::boolean:
      out.append(value.as_bool() ? "true" : "false");
      return;
    case Value::Type::integer:
      append_integer(value.as_int(), out);
      return;
    case Value::Type::unsigned_integer:
      append_integer(value.as_uint(), out);
      return;
    case Value::Type::floating:
      append_double(value.as_double(), out);
      return;
    case Value::Type::string:
      append_quoted(value.as_string(), out);
      return;
    case Value::Type::array: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : value.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        write_value(item, out);
      }
      out.push_back(']');
      return;
    }
    case Value::Type::object: {
      out.push_back('{');
      bool first = true;
      for (const Member& member : value.as_object()) {
        if (!first) out.push_back(',');
        first = false;
        append_quoted(member.first, out);
        out.push_back(':');
        write_value(member.second, out);
      }
      out.push_back('}');
      return;
    }
  }
}

// ---- RFC 8785 ----

// ECMAScript Number::toString (ECMA-262 "Number::toString", as required by RFC 8785 section 3.2.2.3).
void append_ecmascript_number(double value, std::string& out) {
  if (!std::isfinite(value)) {
    out.append("null");  // JCS has no form for these; never produced by parse()
    return;
  }
  if (value == 0) {
    out.push_back('0');  // also for -0
    return;
  }
  if (value < 0) {
    out.push_back('-');
    value = -value;
  }
  // Shortest round-trip digits, as "d[.ddd]e±x".
  char buffer[40];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  const std::size_t e = text.find('e');
  std::string digits;
  digits.reserve(17);
  for (std::size_t i = 0; i < e; ++i) {
    if (text[i] != '.') digits.push_back(text[i]);
  }
  int exponent = 0;
  {
    std::string_view exp_text = text.substr(e + 1);
    if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
    std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  }
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // value = 0.digits × 10^n
  if (k <= n && n <= 21) {
    out.append(digits);
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-n), '0');
    out.append(digits);
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    append_integer(n - 1 >= 0 ? n - 1 : 1 - n, out);
  }
}

// Member names as UTF-16 code units, for RFC 8785 section 3.2.3 ordering.
std::u16string to_utf16(std::string_view text) {
  std::u16string units;
  units.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t cp = p[i];
    if (cp < 0x80) {
      ++i;
    } else {
      const std::size_t length = detail::utf8_sequence(p + i, text.size() - i, &cp);
      if (length == 0) {
        cp = 0xFFFD;  // the writer emits U+FFFD for a malformed byte; sort as what is written
        ++i;
      } else {
        i += length;
      }
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      units.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      units.push_back(static_cast<char16_t>(cp));
    }
  }
  return units;
}

void write_canonical(const Value& value, std::string& out) {
  switch (value.type()) {
    case Value::Type::floating:
      append_ecmascript_number(value.as_double(), out);
      return;
    case Value::Type::array: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : value.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        write_canonical(item, out);
      }
      out.push_back(']');
      return;
    }
    case Value::Type::object: {
      const Object& object = value.as_object();
      std::vector<std::pair<std::u16string, const Member*>> sorted;
      sorted.reserve(object.size());
      for (const Member& member : object) sorted.emplace_back(to_utf16(member.first), &member);
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back('{');
      bool first = true;
      for (const auto& entry : sorted) {
        if (!first) out.push_back(',');
        first = false;
        append_quoted(entry.second->first, out);
        out.push_back(':');
        write_canonical(entry.second->second, out);
      }
      out.push_back('}');
      return;
    }
    default:
      // null, booleans, integers (printed exactly, as integers) and strings: the JCS form is the compact form.
      write_value(value, out);
      return;
  }
}

}  // namespace

void append_quoted(std::string_view text, std::string& out) {
  // Grow geometrically: std::string::reserve allocates exactly what is asked, and this runs once per string.
  const std::size_t needed = out.size() + text.size() + 2;
  if (out.capacity() < needed) out.reserve(std::max(needed, out.capacity() * 2));
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t run_start = 0;  // start of bytes that are copied verbatim
  std::size_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, sizeof(word));
      if (word_needs_escape(word)) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      char32_t code_point = 0;
      const std::size_t length = detail::utf8_sequence(p + i, n - i, &code_point);
      if (length != 0) {
        i += length;
        continue;
      }
      out.append(text.data() + run_start, i - run_start);
      out.append(kReplacementCharacter);
      ++i;
      run_start = i;
      continue;
    }
    out.append(text.data() + run_start, i - run_start);
    append_escape(c, out);
    ++i;
    run_start = i;
  }
  out.append(text.data() + run_start, n - run_start);
  out.push_back('"');
}

void serialize_to(const Value& value, std::string& out) { write_value(value, out); }

std::string serialize(const Value& value) {
  std::string out;
  out.reserve(256);
  write_value(value, out);
  return out;
}

std::string canonicalize(const Value& value) {
  std::string out;
  out.reserve(256);
  write_canonical(value, out);
  return out;
}

}  // namespace bulkhead::json
