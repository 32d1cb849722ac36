// Tokenizer for the policy language: identifiers, strings, integers, symbols and `//` comments.
#include "policy/detail/lexer.h"

#include <cstdint>

#include "core/core.h"

namespace bulkhead::policy::detail {
namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Shared by strings and patterns: decodes one escape at raw[i] == '\\'; returns the error or "".
std::string decode_escape(std::string_view raw, std::size_t& i, std::string& out) {
  if (i + 1 >= raw.size()) return "unterminated escape sequence";
  const char c = raw[i + 1];
  i += 2;
  switch (c) {
    case 'n': out.push_back('\n'); return "";
    case 'r': out.push_back('\r'); return "";
    case 't': out.push_back('\t'); return "";
    case '\\': out.push_back('\\'); return "";
    case '0': out.push_back('\0'); return "";
    case '\'': out.push_back('\''); return "";
    case '"': out.push_back('"'); return "";
    case 'u': {
      if (i >= raw.size() || raw[i] != '{') return "expected '{' after \\u";
      ++i;
      std::uint32_t cp = 0;
      std::size_t digits = 0;
      while (i < raw.size() && raw[i] != '}') {
        const char h = raw[i];
        std::uint32_t d = 0;
        if (h >= '0' && h <= '9') d = static_cast<std::uint32_t>(h - '0');
        else if (h >= 'a' && h <= 'f') d = static_cast<std::uint32_t>(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') d = static_cast<std::uint32_t>(h - 'A' + 10);
        else return "invalid hex digit in \\u{...}";
        if (++digits > 6) return "too many hex digits in \\u{...}";
        cp = cp * 16 + d;
        ++i;
      }
      if (i >= raw.size()) return "unterminated \\u{...}";
      ++i;
      if (digits == 0) return "empty \\u{}";
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return "\\u{...} is not a Unicode scalar value";
      core::append_utf8(out, cp);
      return "";
    }
    default:
      return std::string("unknown escape sequence \\") + c;
  }
}

}  // namespace

void Lexer::advance(std::size_t bytes) {
  for (std::size_t k = 0; k < bytes && offset_ < text_.size(); ++k) {
    const auto c = static_cast<unsigned char>(text_[offset_++]);
    if (c == '\n') {
      ++position_.line;
      position_.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++position_.column;  // columns count code points
    }
  }
}

void Lexer::skip_space_and_comments() {
  while (offset_ < text_.size()) {
    const char c = text_[offset_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      advance(1);
    } else if (c == '/' && offset_ + 1 < text_.size() && text_[offset_ + 1] == '/') {
      while (offset_ < text_.size() && text_[offset_] != '\n') advance(1);
    } else {
      break;
    }
  }
}

Token Lexer::next() {
  skip_space_and_comments();
  Token token;
  token.position = position_;
  if (offset_ >= text_.size()) return token;
  const char c = text_[offset_];
  const std::size_t start = offset_;
  if (is_ident_start(c)) {
    std::size_t end = offset_;
    while (end < text_.size() && is_ident_char(text_[end])) ++end;
    token.kind = TokenKind::identifier;
    token.text = text_.substr(start, end - start);
    advance(end - start);
    return token;
  }
  if (is_digit(c)) {
    std::size_t end = offset_;
    while (end < text_.size() && is_digit(text_[end])) ++end;
    token.kind = TokenKind::integer;
    token.text = text_.substr(start, end - start);
    advance(end - start);
    return token;
  }
  if (c == '"') {
    std::size_t end = offset_ + 1;
    while (end < text_.size() && text_[end] != '"') {
      end += text_[end] == '\\' ? 2 : 1;
    }
    if (end >= text_.size()) {
      token.kind = TokenKind::error;
      error_ = "unterminated string literal";
      return token;
    }
    token.kind = TokenKind::string;
    token.text = text_.substr(start + 1, end - start - 1);
    advance(end + 1 - start);
    return token;
  }
  static constexpr std::string_view two[] = {"==", "!=", "<=", ">=", "&&", "||", "::"};
  for (const auto s : two) {
    if (text_.substr(offset_, 2) == s) {
      token.kind = TokenKind::symbol;
      token.text = text_.substr(start, 2);
      advance(2);
      return token;
    }
  }
  static constexpr std::string_view one = "()[]{},;.:@<>!+-*=";
  if (one.find(c) != std::string_view::npos) {
    token.kind = TokenKind::symbol;
    token.text = text_.substr(start, 1);
    advance(1);
    return token;
  }
  token.kind = TokenKind::error;
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) {
    error_ = std::string("unexpected character '") + c + "'";
  } else {
    static constexpr char hex[] = "0123456789abcdef";
    error_ = std::string("unexpected byte 0x") + hex[u >> 4] + hex[u & 15];
  }
  return token;
}

std::string decode_string(std::string_view raw, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] == '\\') {
      if (auto e = decode_escape(raw, i, out); !e.empty()) return e;
    } else {
      out.push_back(raw[i++]);
    }
  }
  return "";
}

std::string decode_pattern(std::string_view raw, Pattern& out) {
  out.parts.assign(1, std::string());
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '*') {
      out.parts.back().push_back('*');
      i += 2;
    } else if (raw[i] == '\\') {
      if (auto e = decode_escape(raw, i, out.parts.back()); !e.empty()) return e;
    } else if (raw[i] == '*') {
      out.parts.emplace_back();
      ++i;
    } else {
      out.parts.back().push_back(raw[i++]);
    }
  }
  return "";
}

}  // namespace bulkhead::policy::detail
