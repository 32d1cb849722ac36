// Register validation against the gateway's config and today's date: every problem at once, nothing applied on any.
#include <fmt/format.h>

#include "identity/identity.h"
#include "register/register.h"

namespace bulkhead::registry {
namespace {

bool ends_with_wildcard(std::string_view pattern) { return pattern.ends_with("/*"); }
std::string_view stem_of(std::string_view pattern) { return pattern.substr(0, pattern.size() - 1); }  // keeps '/'

// Is every workload `agent` (an ID or "<prefix>/*") names also bound to the tenant by one of `bindings`?
bool covered(std::string_view agent, const std::vector<std::string>& bindings) {
  for (const auto& binding : bindings) {
    if (!ends_with_wildcard(binding)) {
      if (binding == agent) return true;
      continue;
    }
    const std::string_view stem = stem_of(binding);
    if (ends_with_wildcard(agent) ? stem_of(agent).starts_with(stem) : agent.starts_with(stem) && agent.size() > stem.size()) {
      return true;
    }
  }
  return false;
}

bool valid_agent_pattern(std::string_view agent) {
  if (ends_with_wildcard(agent)) return identity::parse_spiffe_id(agent.substr(0, agent.size() - 2)).has_value();
  return identity::parse_spiffe_id(agent).has_value();
}

}  // namespace

std::vector<Diagnostic> validate(const Register& reg, const Context& context) {
  std::vector<Diagnostic> out;
  auto problem = [&](std::uint32_t line, std::string message) { out.push_back({line, std::move(message)}); };
  std::set<std::string> seen;
  for (const Connector& c : reg.connectors) {
    if (c.upstream.empty()) {
      problem(c.line, "a [[connector]] needs upstream = \"<name of an [[upstream]]>\"");
      continue;
    }
    const std::string name = fmt::format("connector '{}'", c.upstream);
    if (!seen.insert(c.upstream).second) problem(c.line, fmt::format("{} is declared twice", name));
    if (!context.upstreams.contains(c.upstream)) {
      problem(c.line, fmt::format("{}: no [[upstream]] of that name in bulkhead.toml", name));
    }
    for (auto [field, value] : {std::pair{"owner_team", &c.owner_team}, std::pair{"policy_owner", &c.policy_owner},
                                std::pair{"downstream_owner", &c.downstream_owner}, std::pair{"approver", &c.approver},
                                std::pair{"purpose", &c.purpose}}) {
      if (value->empty()) problem(c.line, fmt::format("{}: {} is missing (ownership must be explicit)", name, field));
    }
    if (c.approved_on == 0) {
      problem(c.line, fmt::format("{}: approved_on is missing", name));
    } else if (c.approved_on > context.today) {
      problem(c.line, fmt::format("{}: approved_on {} is in the future", name, format_date(c.approved_on)));
    }
    if (c.review_by == 0) {
      problem(c.line, fmt::format("{}: review_by is missing", name));
    } else if (c.review_by < context.today) {
      problem(c.line, fmt::format("{}: review_by {} has passed (review it and set the next date)", name,
                                  format_date(c.review_by)));
    } else if (c.approved_on != 0 && c.review_by <= c.approved_on) {
      problem(c.line, fmt::format("{}: review_by must be after approved_on", name));
    }
    std::set<std::string> mapped;
    for (const TenantMapping& m : c.tenants) {
      if (m.tenant.empty()) {
        problem(m.line, fmt::format("{}: a [[connector.tenant]] needs id", name));
        continue;
      }
      if (!mapped.insert(m.tenant).second) problem(m.line, fmt::format("{}: tenant '{}' is mapped twice", name, m.tenant));
      auto bound = context.tenants.find(m.tenant);
      if (bound == context.tenants.end()) {
        problem(m.line, fmt::format("{}: tenant '{}' is not a [[tenant]] of bulkhead.toml", name, m.tenant));
        continue;
      }
      for (const auto& agent : m.agents) {
        if (!valid_agent_pattern(agent)) {
          problem(m.line, fmt::format("{}: tenant '{}': '{}' is not a SPIFFE ID or <id>/*", name, m.tenant, agent));
        } else if (!covered(agent, bound->second)) {
          problem(m.line, fmt::format("{}: tenant '{}': workload {} is not bound to that tenant in bulkhead.toml",
                                      name, m.tenant, agent));
        }
      }
    }
  }
  return out;
}

}  // namespace bulkhead::registry
