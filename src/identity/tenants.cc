// Principal → tenant binding from [[tenant]] agents patterns.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "identity/identity.h"

namespace bulkhead::identity {
namespace {

constexpr std::string_view kPrefixSuffix = "/*";

// "spiffe://td/team/*" matches "spiffe://td/team/x" and deeper, never "spiffe://td/team" itself.
bool matches(std::string_view pattern, std::string_view spiffe_id) {
  if (pattern.ends_with(kPrefixSuffix)) {
    const std::string_view base = pattern.substr(0, pattern.size() - 1);  // keeps the trailing '/'
    return spiffe_id.size() > base.size() && spiffe_id.starts_with(base);
  }
  return pattern == spiffe_id;
}

}  // namespace

bool valid_tenant_id(std::string_view tenant) {
  if (tenant.empty() || tenant.size() > 128) return false;
  return std::all_of(tenant.begin(), tenant.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

core::Result<TenantMap> TenantMap::create(std::vector<TenantBinding> bindings) {
  std::set<std::string, std::less<>> seen;
  for (const auto& binding : bindings) {
    if (!valid_tenant_id(binding.tenant)) {
      return core::fail(core::Reason::invalid_request,
                        fmt::format("tenant id '{}' must be 1-128 of [A-Za-z0-9._-]", binding.tenant));
    }
    if (!seen.insert(binding.tenant).second) {
      return core::fail(core::Reason::invalid_request, fmt::format("tenant '{}' is defined twice", binding.tenant));
    }
    for (const auto& pattern : binding.agents) {
      std::string_view id = pattern;
      if (id.ends_with(kPrefixSuffix)) id.remove_suffix(kPrefixSuffix.size());
      if (!parse_spiffe_id(id)) {
        return core::fail(core::Reason::invalid_request,
                          fmt::format("tenant '{}': agent '{}' is not a SPIFFE ID or a prefix ending in \"/*\"",
                                      binding.tenant, pattern));
      }
    }
  }
  TenantMap map;
  map.bindings_ = std::move(bindings);
  return map;
}

bool TenantMap::is_bound(std::string_view spiffe_id, std::string_view tenant) const {
  for (const auto& binding : bindings_) {
    if (binding.tenant != tenant) continue;
    return std::any_of(binding.agents.begin(), binding.agents.end(),
                       [&](const std::string& pattern) { return matches(pattern, spiffe_id); });
  }
  return false;
}

std::vector<std::string> TenantMap::tenants_of(std::string_view spiffe_id) const {
  std::vector<std::string> out;
  for (const auto& binding : bindings_) {
    if (std::any_of(binding.agents.begin(), binding.agents.end(),
                    [&](const std::string& pattern) { return matches(pattern, spiffe_id); })) {
      out.push_back(binding.tenant);
    }
  }
  return out;
}

bool TenantMap::has_tenant(std::string_view tenant) const {
  return std::any_of(bindings_.begin(), bindings_.end(), [&](const TenantBinding& b) { return b.tenant == tenant; });
}

}  // namespace bulkhead::identity
