// Upstream::create: validates the configuration and picks the transport.
#include "upstream/upstream.h"

#include <fmt/format.h>

#include "upstream/detail/factories.h"

namespace bulkhead::upstream {

namespace {

bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

core::Result<void> validate(const UpstreamConfig& config) {
  auto bad = [&](std::string what) {
    return core::fail(core::Reason::invalid_request, fmt::format("upstream '{}': {}", config.name, what));
  };
  if (!valid_name(config.name)) return bad("name must match [a-z0-9-]+");
  if (config.connect_timeout.count() <= 0 || config.request_timeout.count() <= 0) {
    return bad("timeouts must be positive");
  }
  if (config.transport == Transport::http) {
    if (!config.url.starts_with("http://") && !config.url.starts_with("https://")) {
      return bad("url must start with http:// or https://");
    }
  } else {
    if (config.command.empty()) return bad("command is required for stdio");
    if (config.max_processes == 0) return bad("max_processes must be at least 1");
    if (config.restart_backoff_initial.count() <= 0 || config.restart_backoff_max < config.restart_backoff_initial) {
      return bad("restart backoff must satisfy 0 < initial <= max");
    }
    for (const auto& [key, value] : config.env) {
      if (key.empty() || key.find('=') != std::string::npos) return bad("env names must be non-empty without '='");
    }
  }
  return {};
}

}  // namespace

core::Result<std::unique_ptr<Upstream>> Upstream::create(asio::any_io_executor executor, UpstreamConfig config,
                                                         http::Client& client, const core::Clock& clock) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  if (config.transport == Transport::stdio) {
    return detail::make_stdio_upstream(std::move(executor), std::move(config), clock);
  }
  return detail::make_http_upstream(std::move(executor), std::move(config), client, clock);
}

}  // namespace bulkhead::upstream
