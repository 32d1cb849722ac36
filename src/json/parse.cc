// parse(): simdjson DOM (runtime-dispatched SIMD kernels, full validation incl. UTF-8) → owned Value.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "json/json.h"

namespace bulkhead::json {
namespace {

namespace dom = simdjson::dom;

// Parsers keep their buffers between calls (one per thread). A parser grown by a large document is dropped
// afterwards so a single big message does not pin memory in every worker thread.
constexpr std::size_t kKeepCapacityBytes = 1u << 20;
constexpr std::size_t kSmallObjectMembers = 16;

dom::parser& thread_parser() {
  thread_local dom::parser parser;
  return parser;
}

// Duplicate names are refused (RFC 8259 leaves them undefined; parsers disagree on which one wins, and a
// gateway that checks the first while the server uses the last would be bypassed). `name(i)` is member i's name.
template <class NameOf>
bool has_duplicates(std::size_t n, NameOf name) {
  if (n < 2) return false;
  if (n <= kSmallObjectMembers) {
    for (std::size_t i = 1; i < n; ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (name(i) == name(j)) return true;
      }
    }
    return false;
  }
  std::vector<std::string_view> names;
  names.reserve(n);
  for (std::size_t i = 0; i < n; ++i) names.emplace_back(name(i));
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

// The checks of Converter without building anything (validate()).
class Checker {
 public:
  explicit Checker(std::size_t max_depth) : max_depth_(max_depth) {}

  bool check(dom::element element, std::size_t depth) {
    switch (element.type()) {
      case dom::element_type::ARRAY: {
        if (depth + 1 > max_depth_) return fail("nesting deeper than the limit");
        for (dom::element child : dom::array(element)) {
          if (!check(child, depth + 1)) return false;
        }
        return true;
      }
      case dom::element_type::OBJECT: {
        if (depth + 1 > max_depth_) return fail("nesting deeper than the limit");
        const dom::object object(element);
        std::array<std::string_view, kSmallObjectMembers> small;
        std::vector<std::string_view> large;
        std::size_t n = 0;
        for (dom::key_value_pair field : object) {
          if (n < small.size()) {
            small[n] = field.key;
          } else {
            if (large.empty()) large.assign(small.begin(), small.end());
            large.push_back(field.key);
          }
          ++n;
          if (!check(field.value, depth + 1)) return false;
        }
        const bool duplicate =
            n <= small.size() ? has_duplicates(n, [&](std::size_t i) { return small[i]; })
                              : has_duplicates(n, [&](std::size_t i) { return large[i]; });
        if (duplicate) return fail("duplicate member name in object");
        return true;
      }
      case dom::element_type::DOUBLE: {
        double v = 0;
        if (element.get_double().get(v) != simdjson::SUCCESS) return fail("internal: double expected");
        if (!std::isfinite(v)) return fail("number out of range");
        return true;
      }
      default:
        return true;
    }
  }

  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  bool fail(const char* message) {
    error_ = message;
    return false;
  }

  std::size_t max_depth_;
  std::string error_;
};

class Converter {
 public:
  explicit Converter(std::size_t max_depth) : max_depth_(max_depth) {}

  bool convert(dom::element element, Value& out, std::size_t depth) {
    switch (element.type()) {
      case dom::element_type::ARRAY: {
        if (depth + 1 > max_depth_) return fail("nesting deeper than the limit");
        dom::array array;
        if (element.get_array().get(array) != simdjson::SUCCESS) return fail("internal: array expected");
        Array items;
        items.reserve(array.size());
        for (dom::element child : array) {
          items.emplace_back();
          if (!convert(child, items.back(), depth + 1)) return false;
        }
        out = Value(std::move(items));
        return true;
      }
      case dom::element_type::OBJECT: {
        if (depth + 1 > max_depth_) return fail("nesting deeper than the limit");
        dom::object object;
        if (element.get_object().get(object) != simdjson::SUCCESS) return fail("internal: object expected");
        Object members;
        members.reserve(object.size());
        for (dom::key_value_pair field : object) {
          members.emplace_back(std::string(field.key), Value());
          if (!convert(field.value, members.back().second, depth + 1)) return false;
        }
        if (has_duplicate_names(members)) return fail("duplicate member name in object");
        out = Value(std::move(members));
        return true;
      }
      case dom::element_type::INT64: {
        std::int64_t v = 0;
        if (element.get_int64().get(v) != simdjson::SUCCESS) return fail("internal: int64 expected");
        out = Value(v);
        return true;
      }
      case dom::element_type::UINT64: {
        std::uint64_t v = 0;
        if (element.get_uint64().get(v) != simdjson::SUCCESS) return fail("internal: uint64 expected");
        out = Value(v);
        return true;
      }
      case dom::element_type::DOUBLE: {
        double v = 0;
        if (element.get_double().get(v) != simdjson::SUCCESS) return fail("internal: double expected");
        if (!std::isfinite(v)) return fail("number out of range");
        out = Value(v);
        return true;
      }
      case dom::element_type::STRING: {
        std::string_view v;
        if (element.get_string().get(v) != simdjson::SUCCESS) return fail("internal: string expected");
        out = Value(std::string(v));
        return true;
      }
      case dom::element_type::BOOL: {
        bool v = false;
        if (element.get_bool().get(v) != simdjson::SUCCESS) return fail("internal: bool expected");
        out = Value(v);
        return true;
      }
      case dom::element_type::NULL_VALUE:
        out = Value();
        return true;
    }
    return fail("internal: unknown element type");
  }

  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  bool fail(const char* message) {
    error_ = message;
    return false;
  }

  static bool has_duplicate_names(const Object& members) {
    return has_duplicates(members.size(), [&](std::size_t i) { return std::string_view(members[i].first); });
  }

  std::size_t max_depth_;
  std::string error_;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_integer_token(std::string_view token) {
  std::size_t i = 0;
  if (i < token.size() && token[i] == '-') ++i;
  if (i >= token.size()) return false;
  if (token[i] == '0') return i + 1 == token.size();
  for (; i < token.size(); ++i) {
    if (!is_digit(token[i])) return false;
  }
  return true;
}

bool fits_64_bits(std::string_view token) {
  const char* first = token.data();
  const char* last = token.data() + token.size();
  std::int64_t s = 0;
  auto [end_s, ec_s] = std::from_chars(first, last, s);
  if (ec_s == std::errc() && end_s == last) return true;
  if (token.front() == '-') return false;
  std::uint64_t u = 0;
  auto [end_u, ec_u] = std::from_chars(first, last, u);
  return ec_u == std::errc() && end_u == last;
}

// simdjson refuses integers outside int64/uint64. Such numbers are valid JSON and become doubles here: each
// one is replaced (outside strings) by the scientific form of its nearest double, which simdjson then parses
// to that same double. Returns nullopt when there was nothing to replace.
std::optional<std::string> rewrite_big_integers(std::string_view text) {
  std::string out;
  bool changed = false;
  std::size_t copied = 0;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (c == '"') {
      ++i;
      while (i < n && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      ++i;
      continue;
    }
    if (c != '-' && !is_digit(c)) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < n && (is_digit(text[i]) || text[i] == '-' || text[i] == '+' || text[i] == '.' || text[i] == 'e' ||
                     text[i] == 'E')) {
      ++i;
    }
    const std::string_view token = text.substr(start, i - start);
    if (!is_integer_token(token) || fits_64_bits(token)) continue;
    double value = 0;
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (ec != std::errc() || end != token.data() + token.size() || !std::isfinite(value)) continue;
    char buffer[64];
    auto [buf_end, buf_ec] = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
    if (buf_ec != std::errc()) continue;
    if (!changed) out.reserve(text.size() + 16);
    out.append(text.substr(copied, start - copied));
    out.append(buffer, buf_end);
    copied = i;
    changed = true;
  }
  if (!changed) return std::nullopt;
  out.append(text.substr(copied));
  return out;
}

std::string describe(simdjson::error_code code) {
  switch (code) {
    case simdjson::DEPTH_ERROR:
      return "nesting deeper than the limit";
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8";
    case simdjson::NUMBER_ERROR:
      return "invalid or out-of-range number";
    case simdjson::EMPTY:
      return "empty document";
    default:
      return simdjson::error_message(code);
  }
}


// simdjson's DOM of `text` in the thread's parser (valid until its next use), after the size limit and with
// integers beyond 64 bits read as doubles.
std::expected<dom::element, ParseError> parse_dom(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return std::unexpected(ParseError{0, "document larger than the limit"});
  }
  if (text.empty()) return std::unexpected(ParseError{0, "empty document"});
  dom::parser& parser = thread_parser();
  // simdjson enforces its own depth limit on the tape; make sure it is at least ours (+1 for the root).
  if (parser.max_depth() < limits.max_depth + 1) {
    const std::size_t capacity = std::max({text.size(), parser.capacity(), std::size_t{4096}});
    if (parser.allocate(capacity, limits.max_depth + 1) != simdjson::SUCCESS) {
      return std::unexpected(ParseError{0, "out of memory"});
    }
  }

  dom::element root;
  simdjson::error_code code = parser.parse(text.data(), text.size(), true).get(root);
  if (code == simdjson::NUMBER_ERROR) {
    // The DOM keeps its own copy of every string, so it outlives `rewritten`.
    if (auto rewritten = rewrite_big_integers(text)) {
      code = parser.parse(rewritten->data(), rewritten->size(), true).get(root);
    }
  }
  if (code != simdjson::SUCCESS) {
    return std::unexpected(ParseError{0, describe(code)});
  }
  return root;
}

// A parser grown by a large document is dropped afterwards.
void release_large_parser() {
  dom::parser& parser = thread_parser();
  if (parser.capacity() > kKeepCapacityBytes) parser = dom::parser();
}

}  // namespace

std::expected<Value, ParseError> parse(std::string_view text, const ParseLimits& limits) {
  auto root = parse_dom(text, limits);
  if (!root) return std::unexpected(std::move(root.error()));
  Converter converter(limits.max_depth);
  Value value;
  const bool ok = converter.convert(*root, value, 0);
  release_large_parser();
  if (!ok) return std::unexpected(ParseError{0, converter.error()});
  return value;
}

std::expected<void, ParseError> validate(std::string_view text, const ParseLimits& limits) {
  auto root = parse_dom(text, limits);
  if (!root) return std::unexpected(std::move(root.error()));
  Checker checker(limits.max_depth);
  const bool ok = checker.check(*root, 0);
  release_large_parser();
  if (!ok) return std::unexpected(ParseError{0, checker.error()});
  return {};
}

}  // namespace bulkhead::json
