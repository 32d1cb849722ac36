#include "gateway/detail/metrics.h"

#include <array>

#include <fmt/format.h>

namespace bulkhead::gateway::detail {

std::string_view method_label(std::string_view method) noexcept {
  static constexpr std::array<std::string_view, 24> kKnown = {
      "initialize", "ping", "tools/list", "tools/call", "resources/list", "resources/templates/list",
      "resources/read", "resources/subscribe", "resources/unsubscribe", "prompts/list", "prompts/get",
      "completion/complete", "logging/setLevel", "server/discover", "tasks/get", "tasks/list", "tasks/result",
      "tasks/cancel", "notifications/initialized", "notifications/cancelled", "notifications/roots/list_changed",
      "response", "transport", "subscriptions/listen"};
  for (auto known : kKnown) {
    if (known == method) return known;
  }
  return "other";
}

void Metrics::count_request(std::string_view tenant, std::string_view method, std::string_view outcome) {
  ++requests_[Key{tenant, method_label(method), outcome}];
}

void Metrics::count_http(int status) { ++http_[status]; }

void Metrics::count_reload(bool ok) { ++(ok ? reloads_ok_ : reloads_failed_); }

std::string Metrics::render(std::size_t sessions, std::size_t stdio_processes) const {
  std::string out;
  out += "# HELP bulkhead_requests_total JSON-RPC messages handled, by tenant, method and outcome (ok or reason code).\n";
  out += "# TYPE bulkhead_requests_total counter\n";
  for (const auto& [key, value] : requests_) {
    out += fmt::format("bulkhead_requests_total{{tenant=\"{}\",method=\"{}\",outcome=\"{}\"}} {}\n", key.tenant,
                       key.method, key.outcome, value);
  }
  out += "# HELP bulkhead_http_responses_total HTTP responses on /mcp, by status.\n";
  out += "# TYPE bulkhead_http_responses_total counter\n";
  for (const auto& [status, value] : http_) {
    out += fmt::format("bulkhead_http_responses_total{{status=\"{}\"}} {}\n", status, value);
  }
  out += "# HELP bulkhead_policy_reloads_total Policy reloads (SIGHUP), by result.\n";
  out += "# TYPE bulkhead_policy_reloads_total counter\n";
  out += fmt::format("bulkhead_policy_reloads_total{{result=\"ok\"}} {}\n", reloads_ok_);
  out += fmt::format("bulkhead_policy_reloads_total{{result=\"rejected\"}} {}\n", reloads_failed_);
  out += "# HELP bulkhead_sessions Open client sessions.\n# TYPE bulkhead_sessions gauge\n";
  out += fmt::format("bulkhead_sessions {}\n", sessions);
  out += "# HELP bulkhead_stdio_processes Running stdio upstream processes.\n# TYPE bulkhead_stdio_processes gauge\n";
  out += fmt::format("bulkhead_stdio_processes {}\n", stdio_processes);
  return out;
}

}  // namespace bulkhead::gateway::detail
