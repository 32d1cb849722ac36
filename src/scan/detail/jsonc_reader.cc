// JSONC reader: JSON (RFC 8259) plus // and /* */ comments and trailing commas, as VS Code, Cursor and Claude Code
// accept in their MCP configuration files. Recursive descent with a depth limit; strings without escapes, numbers
// and literals are views into the source, so a typical configuration is read without allocating.
#include "core/core.h"
#include "scan/detail/byte_scan.h"
#include "scan/detail/document.h"

namespace bulkhead::scan::detail {
namespace {

class JsoncReader {
 public:
  JsoncReader(std::string_view text, Document& document, ParseError& error)
      : text_(text), document_(document), error_(error) {}

  bool read() {
    document_.clear(text_);
    // A UTF-8 byte order mark is allowed before the value.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    if (!skip_space()) return false;
    if (pos_ >= text_.size()) return fail_at(pos_, "empty document");
    if (!parse_value(document_.root, 0)) return false;
    if (!skip_space()) return false;
    if (pos_ < text_.size()) return fail_at(pos_, "unexpected content after the top-level value");
    return true;
  }

 private:
  bool fail_at(std::size_t offset, std::string message) {
    error_ = ParseError{PositionTracker(text_).at(offset), std::move(message)};
    return false;
  }

  // Skips whitespace and comments (collecting them). False on an unterminated block comment.
  [[gnu::always_inline]] bool skip_space() {
    // Most calls are at a token or one space before one.
    if (pos_ < text_.size() && static_cast<unsigned char>(text_[pos_]) > ' ' && text_[pos_] != '/') return true;
    if (pos_ + 1 < text_.size() && text_[pos_] == ' ' && static_cast<unsigned char>(text_[pos_ + 1]) > ' ' &&
        text_[pos_ + 1] != '/') {
      ++pos_;
      return true;
    }
    return skip_space_and_comments();
  }

  [[gnu::noinline]] bool skip_space_and_comments() {
    while (pos_ < text_.size()) {
      pos_ = skip_whitespace(text_, pos_);
      if (pos_ >= text_.size()) return true;
      const char c = text_[pos_];
      if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        const std::size_t start = pos_;
        const std::size_t end = text_.find('\n', pos_);
        pos_ = end == std::string_view::npos ? text_.size() : end;
        std::string_view body = text_.substr(start + 2, pos_ - start - 2);
        if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
        document_.comments.push_back({start, body, true});
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        const std::size_t start = pos_;
        const std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return fail_at(start, "unterminated /* comment");
        pos_ = end + 2;
        const std::string_view body = text_.substr(start + 2, end - start - 2);
        document_.comments.push_back({start, body, body.find('\n') == std::string_view::npos});
      } else {
        return true;
      }
    }
    return true;
  }

  bool parse_value(Node& node, std::size_t depth) {
    if (depth > kMaxDepth) return fail_at(pos_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    if (pos_ >= text_.size()) return fail_at(pos_, "unexpected end of input, expected a value");
    node.offset = pos_;
    const char c = text_[pos_];
    switch (c) {
      case '{': return parse_object(node, depth);
      case '[': return parse_array(node, depth);
      case '"': node.kind = Node::Kind::string; return parse_string(node.text, &node.verbatim);
      case 't': return parse_literal(node, "true", Node::Kind::boolean);
      case 'f': return parse_literal(node, "false", Node::Kind::boolean);
      case 'n': return parse_literal(node, "null", Node::Kind::null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(node);
        return fail_at(pos_, std::string("unexpected character '") + printable(c) + "'");
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
    if (text_.substr(pos_, word.size()) != word) return fail_at(pos_, "invalid literal");
    node.kind = kind;
    node.text = text_.substr(pos_, word.size());
    pos_ += word.size();
    return true;
  }

  bool digits() {
    const std::size_t before = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > before;
  }

  bool parse_number(Node& node) {
    const std::size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return fail_at(pos_, "invalid number");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digits()) return fail_at(pos_, "invalid number: digits expected after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) return fail_at(pos_, "invalid number: digits expected in exponent");
    }
    node.kind = Node::Kind::number;
    node.text = text_.substr(start, pos_ - start);
    return true;
  }

  static int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool read_hex4(std::size_t at, std::uint32_t& out) const {
    if (at + 4 > text_.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const int d = hex_digit(text_[at + i]);
      if (d < 0) return false;
      out = out * 16 + static_cast<std::uint32_t>(d);
    }
    return true;
  }

  // At the opening quote. `out` views the source when the string has no escape (`verbatim`), else the decoded
  // text in the arena.
  bool parse_string(std::string_view& out, bool* verbatim) {
    const std::size_t open = pos_;
    ++pos_;
    const char* data = text_.data();
    const std::size_t size = text_.size();
    const std::size_t i = find_string_end(text_, pos_, '"', true);
    if (i < size && data[i] == '"') {
      out = text_.substr(pos_, i - pos_);
      pos_ = i + 1;
      if (verbatim != nullptr) *verbatim = true;
      return true;
    }
    decoded_.assign(data + pos_, i - pos_);
    pos_ = i;
    if (!parse_escaped_rest(open)) return false;
    out = document_.arena.copy(decoded_);
    if (verbatim != nullptr) *verbatim = false;
    return true;
  }

  // The rest of a string after its first escape (or control character), decoded into decoded_.
  bool parse_escaped_rest(std::size_t open) {
    while (true) {
      const std::size_t run_start = pos_;
      pos_ = find_string_end(text_, pos_, '"', true);
      decoded_.append(text_.data() + run_start, pos_ - run_start);
      if (pos_ >= text_.size()) return fail_at(open, "unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c != '\\') return fail_at(pos_, "control character in string");
      if (pos_ + 1 >= text_.size()) return fail_at(open, "unterminated string");
      const char e = text_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case '"': decoded_.push_back('"'); break;
        case '\\': decoded_.push_back('\\'); break;
        case '/': decoded_.push_back('/'); break;
        case 'b': decoded_.push_back('\b'); break;
        case 'f': decoded_.push_back('\f'); break;
        case 'n': decoded_.push_back('\n'); break;
        case 'r': decoded_.push_back('\r'); break;
        case 't': decoded_.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!read_hex4(pos_, cp)) return fail_at(pos_ - 2, "invalid \\u escape");
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
          core::append_utf8(decoded_, cp);
          break;
        }
        default:
          return fail_at(pos_ - 2, "invalid escape in string");
      }
    }
  }

  bool parse_object(Node& node, std::size_t depth) {
    node.kind = Node::Kind::object;
    ++pos_;  // '{'
    const std::size_t base = document_.scratch.size();
    while (true) {
      if (!skip_space()) return false;
      if (pos_ >= text_.size()) return fail_at(pos_, "unterminated object, expected '}'");
      if (text_[pos_] == '}') {
        ++pos_;
        document_.close_children(node, base);
        return true;
      }
      if (text_[pos_] != '"') return fail_at(pos_, "expected a member name in double quotes");
      Node member;
      member.key_offset = pos_;
      if (!parse_string(member.key, nullptr)) return false;
      if (!skip_space()) return false;
      if (pos_ >= text_.size() || text_[pos_] != ':') return fail_at(pos_, "expected ':' after member name");
      ++pos_;
      if (!skip_space()) return false;
      if (!parse_value(member, depth + 1)) return false;
      document_.scratch.push_back(member);
      if (!skip_space()) return false;
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;  // a trailing comma before '}' is accepted (JSONC)
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        document_.close_children(node, base);
        return true;
      }
      return fail_at(pos_, "expected ',' or '}' in object");
    }
  }

  bool parse_array(Node& node, std::size_t depth) {
    node.kind = Node::Kind::array;
    ++pos_;  // '['
    const std::size_t base = document_.scratch.size();
    while (true) {
      if (!skip_space()) return false;
      if (pos_ >= text_.size()) return fail_at(pos_, "unterminated array, expected ']'");
      if (text_[pos_] == ']') {
        ++pos_;
        document_.close_children(node, base);
        return true;
      }
      Node item;
      if (!parse_value(item, depth + 1)) return false;
      document_.scratch.push_back(item);
      if (!skip_space()) return false;
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        document_.close_children(node, base);
        return true;
      }
      return fail_at(pos_, "expected ',' or ']' in array");
    }
  }

  std::string_view text_;
  Document& document_;
  ParseError& error_;
  std::size_t pos_ = 0;
  std::string decoded_;
};

}  // namespace

bool read_jsonc(std::string_view text, Document& document, ParseError& error) {
  return JsoncReader(text, document, error).read();
}

std::variant<Document, ParseError> read_jsonc(std::string_view text) {
  Document document;
  ParseError error;
  if (!read_jsonc(text, document, error)) return error;
  return document;
}

}  // namespace bulkhead::scan::detail
