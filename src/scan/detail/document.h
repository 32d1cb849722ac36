// The document tree the rule engine walks, and the readers that build it: a JSONC reader (JSON plus // and /* */
// comments and trailing commas) and a TOML reader (a fast reader for the subset MCP configurations use, with
// toml++ for everything else and for error messages).
//
// Nodes are views: `text` and `key` point into the source text when it was written without escapes, else into the
// document's arena; `children` point into the arena. A Document is therefore valid only while the source text it
// was read from is alive. Positions are byte offsets into the source; `Document::position` turns them into lines
// and columns (only findings need that, so readers never count lines). Readers never throw and never abort on bad
// input: they report an error with a position. Not thread-safe; a Document may be reused for the next file (its
// arena keeps its memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "scan/scan.h"

namespace bulkhead::scan::detail {

struct Node {
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool verbatim = false;       // string written on one line without escapes: text[i] is at source offset + 1 + i
  std::size_t offset = 0;      // first character of the value (the opening quote of a string)
  std::size_t key_offset = 0;  // first character of the member name when this node is an object member
  std::string_view text;       // decoded string, or the scalar as written (numbers, booleans, dates)
  std::string_view key;        // member name when this node is an object member
  std::span<const Node> children;  // array items, or object members (JSONC: source order; TOML: by name)

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
  std::size_t offset = 0;  // of the comment's first character ('/' or '#')
  std::string_view text;   // without the comment markers (a view into the source)
  bool verbatim = true;    // single-line: text[i] is at column+2+cp(i) ('//', '/*') or column+1+cp(i) ('#')
};

struct ParseError {
  Position position;
  std::string message;
};

// Bump allocator for children arrays and decoded strings. Blocks are kept across reset() so that reading the next
// file allocates nothing once the arena has grown to the largest document.
class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) noexcept = default;
  Arena& operator=(Arena&&) noexcept = default;
  ~Arena() = default;

  [[nodiscard]] std::span<const Node> copy(std::span<const Node> nodes);
  [[nodiscard]] std::string_view copy(std::string_view text);
  void reset() noexcept;

 private:
  void* allocate(std::size_t bytes, std::size_t align);
  struct Block {
    std::unique_ptr<std::byte[]> data;
    std::size_t size = 0;
  };
  std::vector<Block> blocks_;
  std::size_t current_ = 0;  // index of the block being filled
  std::size_t used_ = 0;     // bytes used in it
};

struct TomlScratch;  // the TOML subset reader's tables (toml_subset_reader.cc)

struct Document {
  Node root;
  std::vector<Comment> comments;
  std::string_view source;
  std::size_t origin = 0;  // offset of line 1, column 1 (3 when TOML skips a UTF-8 byte order mark)
  Arena arena;
  std::vector<Node> scratch;  // readers' stack of the members of open containers (kept for reuse)
  std::shared_ptr<TomlScratch> toml;  // kept for reuse as well

  void clear(std::string_view text) noexcept;
  // The nodes pushed on `scratch` since `base` (a container's members or items) become `node`'s children.
  void close_children(Node& node, std::size_t base);
  // Line and column (code points) of a byte offset into `source`.
  [[nodiscard]] Position position(std::size_t offset) const noexcept;
};

inline constexpr std::size_t kMaxDepth = 200;

// JSONC. Duplicate keys are kept (both are scanned). Depth is limited to kMaxDepth. Reads into `document` (cleared
// first, arena memory reused); on failure fills `error` and returns false.
[[nodiscard]] bool read_jsonc(std::string_view text, Document& document, ParseError& error);
[[nodiscard]] std::variant<Document, ParseError> read_jsonc(std::string_view text);

// TOML 1.0: the fast subset reader (read_toml_subset), else toml++ (read_toml_reference), which also reports
// every error. Both produce the same tree for documents the subset reader accepts (tested, and fuzzed
// differentially); comments are collected from the source lines (for inline ignores).
[[nodiscard]] bool read_toml(std::string_view text, Document& document, ParseError& error);
[[nodiscard]] std::variant<Document, ParseError> read_toml(std::string_view text);
[[nodiscard]] bool read_toml_reference(std::string_view text, Document& document, ParseError& error);
// The subset: ASCII documents of tables, arrays of tables, bare/quoted keys without dots in key/value pairs,
// single-line basic and literal strings, decimal integers, booleans, arrays and single-line inline tables.
// Returns false (document unspecified) for anything else, including every error.
[[nodiscard]] bool read_toml_subset(std::string_view text, Document& document);

// Empty when the two documents are the same tree (kinds, texts, keys, offsets, verbatim flags, comments), else
// where they first differ: the subset TOML reader is checked against toml++ with it (tests, fuzz_scan).
[[nodiscard]] std::string describe_difference(const Document& a, const Document& b);

// Appends `value` in decimal (the readers and writers spell many small numbers; no temporary string).
void append_decimal(std::string& out, std::size_t value);

// Number of Unicode code points in `text` (UTF-8; invalid bytes count one each).
[[nodiscard]] std::uint32_t code_points(std::string_view text) noexcept;

// Maps byte offsets to positions. Amortized O(1) per byte when offsets do not decrease (it restarts from `origin`
// when they do), so a caller can ask for many positions of a one-line, 100 MB file in increasing order.
class PositionTracker {
 public:
  explicit PositionTracker(std::string_view text, std::size_t origin = 0) noexcept
      : text_(text), origin_(origin), offset_(origin) {}
  [[nodiscard]] Position at(std::size_t offset) noexcept;

 private:
  std::string_view text_;
  std::size_t origin_ = 0;
  std::size_t offset_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
};

}  // namespace bulkhead::scan::detail
