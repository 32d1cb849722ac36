// TOML reader: toml++ parses; this converts its tree into the scanner's Node tree with positions, and finds `#`
// comments in the source lines (toml++ drops them) so inline ignores work.
#include <exception>
#include <sstream>

#include <toml++/toml.h>

#include "scan/detail/document.h"

namespace bulkhead::scan::detail {
namespace {

class TomlConverter {
 public:
  explicit TomlConverter(std::string_view text) : text_(text) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  void convert(const toml::node& in, Node& out, std::size_t depth) {
    out.position = position_of(in.source().begin);
    if (depth > kMaxDepth) return;  // toml++ limits nesting already; stay bounded regardless
    if (const toml::table* table = in.as_table()) {
      out.kind = Node::Kind::object;
      for (auto&& [key, value] : *table) {
        Node member;
        member.key = std::string(key.str());
        member.key_position = position_of(key.source().begin);
        convert(value, member, depth + 1);
        out.children.push_back(std::move(member));
      }
    } else if (const toml::array* array = in.as_array()) {
      out.kind = Node::Kind::array;
      for (const toml::node& item : *array) {
        Node child;
        convert(item, child, depth + 1);
        out.children.push_back(std::move(child));
      }
    } else if (const auto* str = in.as_string()) {
      out.kind = Node::Kind::string;
      out.text = str->get();
      out.verbatim = is_verbatim(out.position, out.text);
    } else if (const auto* boolean = in.as_boolean()) {
      out.kind = Node::Kind::boolean;
      out.text = boolean->get() ? "true" : "false";
    } else {
      out.kind = Node::Kind::number;  // integers, floats, dates and times: kept as written by toml++
      std::ostringstream stream;
      in.visit([&stream](auto&& value) {
        if constexpr (toml::is_value<decltype(value)>) stream << value;
      });
      out.text = stream.str();
    }
  }

  Position position_of(const toml::source_position& position) const noexcept {
    return {static_cast<std::uint32_t>(position.line), static_cast<std::uint32_t>(position.column)};
  }

  // Byte offset of a position (columns in code points), or npos.
  std::size_t offset_of(Position position) const noexcept {
    if (position.line == 0 || position.line > line_starts_.size()) return std::string_view::npos;
    std::size_t offset = line_starts_[position.line - 1];
    for (std::uint32_t column = 1; column < position.column; ++column) {
      if (offset >= text_.size() || text_[offset] == '\n') return std::string_view::npos;
      ++offset;
      while (offset < text_.size() && (static_cast<unsigned char>(text_[offset]) & 0xC0) == 0x80) ++offset;
    }
    return offset;
  }

  bool is_verbatim(Position position, std::string_view value) const noexcept {
    const std::size_t offset = offset_of(position);
    if (offset == std::string_view::npos || offset + value.size() + 2 > text_.size()) return false;
    const char quote = text_[offset];
    if (quote != '"' && quote != '\'') return false;
    if (text_.substr(offset, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''")) return false;
    return text_.substr(offset + 1, value.size()) == value && text_[offset + 1 + value.size()] == quote;
  }

  // `#` comments outside quoted strings (multi-line strings are rare in MCP configs; a `#` inside one can only
  // add an ignore comment that the author wrote).
  std::vector<Comment> comments() const {
    std::vector<Comment> out;
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
          out.push_back({{static_cast<std::uint32_t>(line + 1), code_points(text_.substr(begin, i - begin)) + 1},
                         std::string(body), true});
          break;
        }
      }
    }
    return out;
  }

 private:
  std::string_view text_;
  std::vector<std::size_t> line_starts_;
};

}  // namespace

std::variant<Document, ParseError> read_toml(std::string_view text) {
  try {
    toml::table table = toml::parse(text);
    TomlConverter converter(text);
    Document document;
    converter.convert(table, document.root, 0);
    document.root.position = {1, 1};
    document.comments = converter.comments();
    return document;
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    return ParseError{{static_cast<std::uint32_t>(begin.line), static_cast<std::uint32_t>(begin.column)},
                      std::string(error.description())};
  } catch (const std::exception& error) {
    return ParseError{{1, 1}, std::string("cannot parse TOML: ") + error.what()};
  }
}

}  // namespace bulkhead::scan::detail
