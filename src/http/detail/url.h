// Absolute http(s) URL parsing for the client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bulkhead::http::detail {

struct Url {
  bool tls = false;
  std::string host;         // without brackets
  std::uint16_t port = 0;   // explicit or the scheme default
  std::string target;       // path and query, at least "/"
  std::string host_header;  // Host header value
  std::string authority;    // host:port (or [v6]:port) for pool keys and messages
};

// nullopt when not an absolute http/https URL with a host (userinfo is refused: credentials never go in URLs).
[[nodiscard]] std::optional<Url> parse_url(std::string_view url);

}  // namespace bulkhead::http::detail
