// Request counters rendered in Prometheus text format for /metrics. Event-loop only (no atomics needed).
// Labels are bounded: methods outside the MCP method set are counted as "other"; outcomes are "ok" or a
// reason name, so cardinality is fixed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace bulkhead::gateway::detail {

class Metrics {
 public:
  // `tenant` must be a configured tenant id (gateway lifetime), "default", "other" or "-"; `outcome` must have
  // static storage ("ok", a literal, or core::reason_name()): keys are not copied, so the hot path allocates
  // nothing. Tenants are labels, never principals or tokens (bounded cardinality).
  void count_request(std::string_view tenant, std::string_view method, std::string_view outcome);
  void count_http(int status);
  void count_reload(bool ok);
  [[nodiscard]] std::string render(std::size_t sessions, std::size_t stdio_processes) const;

 private:
  struct Key {
    std::string_view tenant;
    std::string_view method;
    std::string_view outcome;
    auto operator<=>(const Key&) const = default;
  };
  std::map<Key, std::uint64_t> requests_;
  std::map<int, std::uint64_t> http_;
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_failed_ = 0;
};

// The method label for `method`: itself when it is a known MCP method, else "other".
[[nodiscard]] std::string_view method_label(std::string_view method) noexcept;

}  // namespace bulkhead::gateway::detail
