// application/x-www-form-urlencoded (core.h): strict, as OAuth endpoints and admin query strings need it.
#include <string>

#include "core/core.h"

namespace bulkhead::core {
namespace {

core::Result<std::string> decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) {
        return core::fail(core::Reason::invalid_request, "truncated %-escape in the form body");
      }
      const int hi = hex_digit_value(text[i + 1]);
      const int lo = hex_digit_value(text[i + 2]);
      if (hi < 0 || lo < 0) return core::fail(core::Reason::invalid_request, "malformed %-escape in the form body");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

core::Result<FormFields> parse_form(std::string_view body) {
  if (body.size() > kMaxFormBytes) {
    return core::fail(core::Reason::body_too_large, "form body is larger than " + std::to_string(kMaxFormBytes) + " bytes");
  }
  FormFields fields;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto name = decode(pair.substr(0, eq));
    if (!name) return std::unexpected(name.error());
    auto value = decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!value) return std::unexpected(value.error());
    if (name->empty()) return core::fail(core::Reason::invalid_request, "a form field has no name");
    for (const auto& [seen, unused] : fields) {
      if (seen == *name) {
        return core::fail(core::Reason::invalid_request, "parameter '" + name->substr(0, 64) + "' is repeated");
      }
    }
    fields.emplace_back(std::move(*name), std::move(*value));
  }
  return fields;
}

std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '*';
    if (plain) {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace bulkhead::core
