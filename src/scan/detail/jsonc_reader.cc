// JSONC reader with positions: JSON (RFC 8259) plus // and /* */ comments and trailing commas, as VS Code,
// Cursor and Claude Code accept in their MCP configuration files. Recursive descent with a depth limit.
#include <cstring>

#include "core/core.h"
#include "scan/detail/document.h"

namespace bulkhead::scan::detail {

std::uint32_t code_points(std::string_view text) noexcept {
  std::uint32_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

Position PositionTracker::at(std::size_t offset) noexcept {
  if (offset > text_.size()) offset = text_.size();
  if (offset < offset_) {
    offset_ = 0;
    line_ = 1;
    column_ = 1;
  }
  for (; offset_ < offset; ++offset_) {
    const auto c = static_cast<unsigned char>(text_[offset_]);
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column_;
    }
  }
  return {line_, column_};
}

namespace {

class JsoncReader {
 public:
  explicit JsoncReader(std::string_view text) : text_(text), tracker_(text) {}

  std::variant<Document, ParseError> read() {
    Document document;
    // A UTF-8 byte order mark is allowed before the value.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    skip_space(document);
    if (failed_) return error_;
    if (pos_ >= text_.size()) return fail_at(pos_, "empty document");
    if (!parse_value(document.root, document, 0)) return error_;
    skip_space(document);
    if (failed_) return error_;
    if (pos_ < text_.size()) return fail_at(pos_, "unexpected content after the top-level value");
    return document;
  }

 private:
  ParseError fail_at(std::size_t offset, std::string message) {
    if (!failed_) {
      failed_ = true;
      error_ = ParseError{tracker_.at(offset), std::move(message)};
    }
    return error_;
  }

  void skip_space(Document& document) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        const std::size_t start = pos_;
        const std::size_t end = text_.find('\n', pos_);
        pos_ = end == std::string_view::npos ? text_.size() : end;
        std::string_view body = text_.substr(start + 2, pos_ - start - 2);
        if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
        document.comments.push_back({tracker_.at(start), std::string(body), true});
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        const std::size_t start = pos_;
        const std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          fail_at(start, "unterminated /* comment");
          return;
        }
        pos_ = end + 2;
        const std::string_view body = text_.substr(start + 2, end - start - 2);
        document.comments.push_back(
            {tracker_.at(start), std::string(body), body.find('\n') == std::string_view::npos});
      } else {
        return;
      }
    }
  }

  bool parse_value(Node& node, Document& document, std::size_t depth) {
    if (depth > kMaxDepth) {
      fail_at(pos_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
      return false;
    }
    if (pos_ >= text_.size()) {
      fail_at(pos_, "unexpected end of input, expected a value");
      return false;
    }
    node.position = tracker_.at(pos_);
    const char c = text_[pos_];
    switch (c) {
      case '{': return parse_object(node, document, depth);
      case '[': return parse_array(node, document, depth);
      case '"': node.kind = Node::Kind::string; return parse_string(node.text, &node.verbatim);
      case 't': return parse_literal(node, "true", Node::Kind::boolean);
      case 'f': return parse_literal(node, "false", Node::Kind::boolean);
      case 'n': return parse_literal(node, "null", Node::Kind::null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(node);
        fail_at(pos_, std::string("unexpected character '") + printable(c) + "'");
        return false;
    }
  }

  static std::string printable(char c) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto u = static_cast<unsigned char>(c);
      return std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
    }
    return std::string(1, c);
  }

  bool parse_literal(Node& node, std::string_view word, Node::Kind kind) {
    if (text_.substr(pos_, word.size()) != word) {
      fail_at(pos_, "invalid literal");
      return false;
    }
    node.kind = kind;
    node.text = std::string(word);
    pos_ += word.size();
    return true;
  }

  bool parse_number(Node& node) {
    const std::size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const std::size_t before = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ > before;
    };
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      fail_at(pos_, "invalid number");
      return false;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digits()) {
        fail_at(pos_, "invalid number: digits expected after '.'");
        return false;
      }
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) {
        fail_at(pos_, "invalid number: digits expected in exponent");
        return false;
      }
    }
    node.kind = Node::Kind::number;
    node.text = std::string(text_.substr(start, pos_ - start));
    return true;
  }

  static int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool read_hex4(std::size_t at, std::uint32_t& out) {
    if (at + 4 > text_.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const int d = hex_digit(text_[at + i]);
      if (d < 0) return false;
      out = out * 16 + static_cast<std::uint32_t>(d);
    }
    return true;
  }

  // At the opening quote. Decodes into `out`; `verbatim` says whether no escape was used.
  bool parse_string(std::string& out, bool* verbatim) {
    const std::size_t open = pos_;
    ++pos_;
    bool escaped = false;
    // Fast path: copy runs without escapes.
    while (true) {
      const std::size_t run_start = pos_;
      while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\\' &&
             static_cast<unsigned char>(text_[pos_]) >= 0x20) {
        ++pos_;
      }
      out.append(text_.data() + run_start, pos_ - run_start);
      if (pos_ >= text_.size()) {
        fail_at(open, "unterminated string");
        return false;
      }
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c != '\\') {
        fail_at(pos_, "control character in string");
        return false;
      }
      escaped = true;
      if (pos_ + 1 >= text_.size()) {
        fail_at(open, "unterminated string");
        return false;
      }
      const char e = text_[pos_ + 1];
      pos_ += 2;
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
          if (!read_hex4(pos_, cp)) {
            fail_at(pos_ - 2, "invalid \\u escape");
            return false;
          }
          pos_ += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t low = 0;
            if (pos_ + 6 <= text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u' &&
                read_hex4(pos_ + 2, low) && low >= 0xDC00 && low <= 0xDFFF) {
              pos_ += 6;
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              cp = 0xFFFD;
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;
          }
          core::append_utf8(out, cp);
          break;
        }
        default:
          fail_at(pos_ - 2, "invalid escape in string");
          return false;
      }
    }
    if (verbatim != nullptr) *verbatim = !escaped;
    return true;
  }

  bool parse_object(Node& node, Document& document, std::size_t depth) {
    node.kind = Node::Kind::object;
    ++pos_;  // '{'
    while (true) {
      skip_space(document);
      if (failed_) return false;
      if (pos_ >= text_.size()) {
        fail_at(pos_, "unterminated object, expected '}'");
        return false;
      }
      if (text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      if (text_[pos_] != '"') {
        fail_at(pos_, "expected a member name in double quotes");
        return false;
      }
      Node member;
      member.key_position = tracker_.at(pos_);
      if (!parse_string(member.key, nullptr)) return false;
      skip_space(document);
      if (failed_) return false;
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        fail_at(pos_, "expected ':' after member name");
        return false;
      }
      ++pos_;
      skip_space(document);
      if (failed_) return false;
      if (!parse_value(member, document, depth + 1)) return false;
      node.children.push_back(std::move(member));
      skip_space(document);
      if (failed_) return false;
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;  // a trailing comma before '}' is accepted (JSONC)
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      fail_at(pos_, "expected ',' or '}' in object");
      return false;
    }
  }

  bool parse_array(Node& node, Document& document, std::size_t depth) {
    node.kind = Node::Kind::array;
    ++pos_;  // '['
    while (true) {
      skip_space(document);
      if (failed_) return false;
      if (pos_ >= text_.size()) {
        fail_at(pos_, "unterminated array, expected ']'");
        return false;
      }
      if (text_[pos_] == ']') {
        ++pos_;
        return true;
      }
      Node item;
      if (!parse_value(item, document, depth + 1)) return false;
      node.children.push_back(std::move(item));
      skip_space(document);
      if (failed_) return false;
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return true;
      }
      fail_at(pos_, "expected ',' or ']' in array");
      return false;
    }
  }

  std::string_view text_;
  PositionTracker tracker_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  ParseError error_;
};

}  // namespace

std::variant<Document, ParseError> read_jsonc(std::string_view text) { return JsoncReader(text).read(); }

}  // namespace bulkhead::scan::detail
