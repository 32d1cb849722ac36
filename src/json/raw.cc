// split_object(): member spans of a document that validate() accepted. The input is known to be valid JSON, so
// the scanner only tracks strings (and their escapes) and bracket depth.
#include <cstring>

#include "json/json.h"

namespace bulkhead::json {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(std::string_view text, std::size_t i) {
  while (i < text.size() && is_space(text[i])) ++i;
  return i;
}

// `i` at an opening quote; returns the index just past the closing quote (a quote preceded by an odd number of
// backslashes is escaped).
std::size_t skip_string(std::string_view text, std::size_t i) {
  std::size_t from = i + 1;
  while (from < text.size()) {
    const void* found = std::memchr(text.data() + from, '"', text.size() - from);
    if (found == nullptr) break;
    const std::size_t quote = static_cast<std::size_t>(static_cast<const char*>(found) - text.data());
    std::size_t backslashes = 0;
    while (text[quote - 1 - backslashes] == '\\') ++backslashes;  // stops at the opening quote at the latest
    if (backslashes % 2 == 0) return quote + 1;
    from = quote + 1;
  }
  return text.size();
}

// `i` at the first character of a value; returns the index just past it.
std::size_t skip_value(std::string_view text, std::size_t i) {
  const char first = text[i];
  if (first == '"') return skip_string(text, i);
  if (first == '{' || first == '[') {
    std::size_t depth = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = skip_string(text, i);
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return text.size();
  }
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' && !is_space(text[i])) ++i;
  return i;
}

}  // namespace

bool split_object(std::string_view text, std::vector<RawMember>& members) {
  members.clear();
  std::size_t i = skip_space(text, 0);
  if (i >= text.size() || text[i] != '{') return false;
  i = skip_space(text, i + 1);
  if (i < text.size() && text[i] == '}') return true;
  while (i < text.size() && text[i] == '"') {
    RawMember member;
    const std::size_t key_end = skip_string(text, i);
    member.key = text.substr(i + 1, key_end - i - 2);
    member.key_escaped = member.key.find('\\') != std::string_view::npos;
    i = skip_space(text, key_end);
    if (i >= text.size() || text[i] != ':') return false;  // cannot happen for validated input
    i = skip_space(text, i + 1);
    const std::size_t value_end = skip_value(text, i);
    member.value = text.substr(i, value_end - i);
    members.push_back(member);
    i = skip_space(text, value_end);
    if (i >= text.size() || text[i] != ',') break;
    i = skip_space(text, i + 1);
  }
  return true;
}

}  // namespace bulkhead::json
