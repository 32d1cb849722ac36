// TOML reader: the subset reader (toml_subset_reader.cc) reads what MCP configurations are made of; anything else,
// and every error, goes to toml++, whose tree this converts into the scanner's Node tree with byte offsets, finding
// `#` comments in the source lines (toml++ drops them) so inline ignores work.
#include <exception>
#include <sstream>

#include <toml++/toml.h>

#include "scan/detail/document.h"

namespace bulkhead::scan::detail {
namespace {

class TomlConverter {
 public:
  TomlConverter(std::string_view text, Document& document) : text_(text), document_(document) {
    // toml++ skips a byte order mark before it starts counting columns.
    line_starts_.push_back(document.origin);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  void convert(const toml::node& in, Node& out, std::size_t depth) {
    out.offset = offset_of(in.source().begin);
    if (depth > kMaxDepth) return;  // toml++ limits nesting already; stay bounded regardless
    std::vector<Node> children;
    if (const toml::table* table = in.as_table()) {
      out.kind = Node::Kind::object;
      for (auto&& [key, value] : *table) {
        Node member;
        member.key = document_.arena.copy(key.str());
        member.key_offset = offset_of(key.source().begin);
        convert(value, member, depth + 1);
        children.push_back(member);
      }
      out.children = document_.arena.copy(children);
    } else if (const toml::array* array = in.as_array()) {
      out.kind = Node::Kind::array;
      for (const toml::node& item : *array) {
        Node child;
        convert(item, child, depth + 1);
        children.push_back(child);
      }
      out.children = document_.arena.copy(children);
    } else if (const auto* str = in.as_string()) {
      out.kind = Node::Kind::string;
      out.text = document_.arena.copy(str->get());
      out.verbatim = is_verbatim(out.offset, out.text);
    } else if (const auto* boolean = in.as_boolean()) {
      out.kind = Node::Kind::boolean;
      out.text = boolean->get() ? "true" : "false";
    } else {
      out.kind = Node::Kind::number;  // integers, floats, dates and times: kept as written by toml++
      std::ostringstream stream;
      in.visit([&stream](auto&& value) {
        if constexpr (toml::is_value<decltype(value)>) stream << value;
      });
      out.text = document_.arena.copy(stream.str());
    }
  }

  // Byte offset of a toml++ position (columns in code points); the end of the line when the column is past it.
  std::size_t offset_of(const toml::source_position& position) const noexcept {
    if (position.line == 0 || position.line > line_starts_.size()) return document_.origin;
    std::size_t offset = line_starts_[position.line - 1];
    for (std::uint32_t column = 1; column < position.column; ++column) {
      if (offset >= text_.size() || text_[offset] == '\n') break;
      ++offset;
      while (offset < text_.size() && (static_cast<unsigned char>(text_[offset]) & 0xC0) == 0x80) ++offset;
    }
    return offset;
  }

  bool is_verbatim(std::size_t offset, std::string_view value) const noexcept {
    if (offset + value.size() + 2 > text_.size()) return false;
    const char quote = text_[offset];
    if (quote != '"' && quote != '\'') return false;
    if (text_.substr(offset, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''")) return false;
    return text_.substr(offset + 1, value.size()) == value && text_[offset + 1 + value.size()] == quote;
  }

  // `#` comments outside quoted strings (multi-line strings are rare in MCP configs; a `#` inside one can only
  // add an ignore comment that the author wrote).
  void collect_comments() const {
    for (std::size_t line = 0; line < line_starts_.size(); ++line) {
      const std::size_t begin = line_starts_[line];
      const std::size_t end = line + 1 < line_starts_.size() ? line_starts_[line + 1] : text_.size();
      char quote = 0;
      for (std::size_t i = begin; i < end; ++i) {
        const char c = text_[i];
        if (quote != 0) {
          if (c == '\\' && quote == '"') {
            ++i;
          } else if (c == quote) {
            quote = 0;
          }
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '#') {
          std::string_view body = text_.substr(i + 1, end - i - 1);
          while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
          document_.comments.push_back({i, body, true});
          break;
        }
      }
    }
  }

 private:
  std::string_view text_;
  Document& document_;
  std::vector<std::size_t> line_starts_;
};

}  // namespace

bool read_toml_reference(std::string_view text, Document& document, ParseError& error) {
  document.clear(text);
  try {
    toml::table table = toml::parse(text);
    if (text.substr(0, 3) == "\xEF\xBB\xBF") document.origin = 3;
    TomlConverter converter(text, document);
    converter.convert(table, document.root, 0);
    document.root.offset = document.origin;  // line 1, column 1
    converter.collect_comments();
    return true;
  } catch (const toml::parse_error& failure) {
    const auto& begin = failure.source().begin;
    error = ParseError{{static_cast<std::uint32_t>(begin.line), static_cast<std::uint32_t>(begin.column)},
                       std::string(failure.description())};
  } catch (const std::exception& failure) {
    error = ParseError{{1, 1}, std::string("cannot parse TOML: ") + failure.what()};
  }
  return false;
}

bool read_toml(std::string_view text, Document& document, ParseError& error) {
  if (read_toml_subset(text, document)) return true;
  return read_toml_reference(text, document, error);
}

std::variant<Document, ParseError> read_toml(std::string_view text) {
  Document document;
  ParseError error;
  if (!read_toml(text, document, error)) return error;
  return document;
}

}  // namespace bulkhead::scan::detail
