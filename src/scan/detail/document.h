// The document tree the rule engine walks, and the two readers that build it with source positions:
// a JSONC reader (JSON plus // and /* */ comments and trailing commas) and a TOML reader (toml++).
// Readers never throw and never abort on bad input: they return an error with a position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "scan/scan.h"

namespace bulkhead::scan::detail {

struct Node {
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  std::string text;         // decoded string, or the scalar as written (numbers, booleans, dates)
  Position position;        // first character of the value (the opening quote of a string)
  bool verbatim = false;    // string written on one line without escapes: text[i] is at column+1+cp(i)
  std::string key;          // member name when this node is an object member
  Position key_position;
  std::vector<Node> children;  // array items, or object members in source order

  [[nodiscard]] const Node* find(std::string_view name) const noexcept {
    if (kind != Kind::object) return nullptr;
    for (const Node& child : children) {
      if (child.key == name) return &child;
    }
    return nullptr;
  }
  [[nodiscard]] bool is_string() const noexcept { return kind == Kind::string; }
};

struct Comment {
  Position position;   // of the comment's first character ('/' or '#')
  std::string text;    // without the comment markers
  bool verbatim = true;  // single-line: text[i] is at column+2+cp(i)
};

struct ParseError {
  Position position;
  std::string message;
};

struct Document {
  Node root;
  std::vector<Comment> comments;
};

inline constexpr std::size_t kMaxDepth = 200;

// JSONC. Duplicate keys are kept (both are scanned). Depth is limited to kMaxDepth.
[[nodiscard]] std::variant<Document, ParseError> read_jsonc(std::string_view text);

// TOML 1.0 via toml++. Comments are collected from the source lines (for inline ignores).
[[nodiscard]] std::variant<Document, ParseError> read_toml(std::string_view text);

// Number of Unicode code points in `text` (UTF-8; invalid bytes count one each).
[[nodiscard]] std::uint32_t code_points(std::string_view text) noexcept;

// Maps byte offsets to positions. Amortized O(1) per call when offsets do not decrease (it restarts from the
// beginning when they do), so readers can ask for every token's position on a one-line, 100 MB file.
class PositionTracker {
 public:
  explicit PositionTracker(std::string_view text) noexcept : text_(text) {}
  [[nodiscard]] Position at(std::size_t offset) noexcept;

 private:
  std::string_view text_;
  std::size_t offset_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
};

}  // namespace bulkhead::scan::detail
