#include "http/detail/url.h"

#include "http/detail/text.h"

namespace bulkhead::http::detail {

std::optional<Url> parse_url(std::string_view url) {
  Url out;
  if (istarts_with(url, "http://")) {
    url.remove_prefix(7);
  } else if (istarts_with(url, "https://")) {
    out.tls = true;
    url.remove_prefix(8);
  } else {
    return std::nullopt;
  }
  const auto authority_end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, authority_end);
  std::string_view rest = authority_end == std::string_view::npos ? std::string_view() : url.substr(authority_end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host;
  std::string_view port_text;
  bool v6 = false;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    host = authority.substr(1, close - 1);
    v6 = true;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    } else {
      host = authority;
    }
    if (host.empty() || host.find(':') != std::string_view::npos) return std::nullopt;
  }
  for (char c : host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '\\' || c == '"' || c == '<' || c == '>') {
      return std::nullopt;
    }
  }
  unsigned port = out.tls ? 443 : 80;
  if (!port_text.empty()) {
    if (port_text.size() > 5) return std::nullopt;
    port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return std::nullopt;
      port = port * 10 + unsigned(c - '0');
    }
    if (port == 0 || port > 65535) return std::nullopt;
  }
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(port);
  const std::string bracketed = v6 ? "[" + out.host + "]" : out.host;
  out.authority = bracketed + ":" + std::to_string(port);
  const bool default_port = port == (out.tls ? 443u : 80u);
  out.host_header = default_port ? bracketed : out.authority;

  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  if (rest.empty()) {
    out.target = "/";
  } else if (rest.front() == '?') {
    out.target = "/" + std::string(rest);
  } else {
    out.target = std::string(rest);
  }
  for (char c : out.target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return std::nullopt;  // would corrupt the request line
  }
  return out;
}

}  // namespace bulkhead::http::detail
