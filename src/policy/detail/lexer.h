// Tokenizer for the policy language (internal). Works on a string_view that must outlive the tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "policy/detail/ast.h"

namespace bulkhead::policy::detail {

enum class TokenKind : std::uint8_t { end, identifier, string, integer, symbol, error };

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;  // identifier, integer digits, symbol, or the raw string body (between the quotes)
  Position position;
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}
  // The next token; TokenKind::error carries the message in `error()`.
  [[nodiscard]] Token next();
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  void skip_space_and_comments();
  void advance(std::size_t bytes);

  std::string_view text_;
  std::size_t offset_ = 0;
  Position position_{1, 1};
  std::string error_;
};

// Decodes a raw string body: \n \r \t \\ \0 \' \" \u{hex}. In a `like` pattern, `\*` is a literal star and an
// unescaped `*` is a wildcard (returned as parts). Returns an error message or "".
[[nodiscard]] std::string decode_string(std::string_view raw, std::string& out);
[[nodiscard]] std::string decode_pattern(std::string_view raw, Pattern& out);

}  // namespace bulkhead::policy::detail
