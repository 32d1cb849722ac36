// The immutable snapshot the gateway enforces: approvals, tenant mappings, classifications at approval, pins,
// offboardings. Lookups are hash lookups (BM_Register_Lookup).
#include <algorithm>

#include <fmt/format.h>

#include "register/register.h"

namespace bulkhead::registry {
namespace {

bool agent_matches(std::string_view pattern, std::string_view principal) {
  if (pattern.ends_with("/*")) {
    const std::string_view stem = pattern.substr(0, pattern.size() - 1);
    return principal.starts_with(stem) && principal.size() > stem.size();
  }
  return pattern == principal;
}

}  // namespace

struct View::ConnectorState {
  bool approval_complete = false;
  bool classifications_match = true;
  Date approved_on = 0;
  Date review_by = 0;
};

struct View::Mapping {
  const ConnectorState* connector = nullptr;  // owned by connectors_
  bool any_agent = true;                      // the mapping names no agents
  std::string agents;                         // agent patterns, each followed by '\n'
};

View::View(std::optional<Register> reg, std::int64_t version, const Classifications& approved,
           const Classifications& current, std::vector<store::ToolPin> pins,
           std::vector<store::Offboarding> offboardings)
    : register_(std::move(reg)), version_(version) {
  if (register_) {
    for (const Connector& c : register_->connectors) {
      auto state = std::make_shared<ConnectorState>();
      state->approval_complete = !c.owner_team.empty() && !c.policy_owner.empty() && !c.downstream_owner.empty() &&
                                 !c.approver.empty() && !c.purpose.empty() && c.approved_on > 0 && c.review_by > 0;
      const json::Value* then = approved.find(c.upstream);
      const json::Value* now = current.find(c.upstream);
      state->classifications_match = then != nullptr && now != nullptr && *then == *now;
      state->approved_on = c.approved_on;
      state->review_by = c.review_by;
      // A connector declared twice never validates; were one stored anyway, its first declaration counts.
      if (!connectors_.emplace(c.upstream, state).second) continue;
      for (const TenantMapping& m : c.tenants) {
        Mapping mapping{state.get(), m.agents.empty(), {}};
        for (const auto& agent : m.agents) {
          // A SPIFFE ID has no line break: a pattern with one matches nothing (and never widens another).
          if (agent.find('\n') == std::string::npos) mapping.agents.append(agent).push_back('\n');
        }
        mappings_.emplace(KeyPair(c.upstream, m.tenant), std::move(mapping));
      }
    }
  }
  for (auto& pin : pins) {
    pinned_upstreams_[pin.upstream] = true;
    PinnedTool entry;
    entry.well_formed = pin.digest.size() <= PinnedTool::kDigestCapacity;
    if (entry.well_formed) {
      std::copy(pin.digest.begin(), pin.digest.end(), entry.digest.begin());
      entry.size = pin.digest.size();
    }
    pins_[KeyPair(std::move(pin.upstream), std::move(pin.tool))] = entry;
  }
  for (const auto& o : offboardings) {
    if (o.kind == "connector") offboarded_connectors_.insert(o.value);
    else if (o.kind == "tenant") offboarded_tenants_.insert(o.value);
    else if (o.kind == "agent") offboarded_agents_.insert(o.value);
    else if (o.kind == "mapping") offboarded_mappings_.insert(o.value);
  }
}

View::~View() = default;

Verdict View::check(std::string_view upstream, std::string_view tenant, std::string_view principal, Date today) const {
  if (!offboarded_connectors_.empty() && offboarded_connectors_.contains(upstream)) return Verdict::not_approved;
  if (!offboarded_mappings_.empty()) {
    std::string key;
    key.append(upstream).append(":").append(tenant);
    if (offboarded_mappings_.contains(key)) return Verdict::tenant_not_mapped;
  }
  if (!register_) return Verdict::allow;
  auto mapping = mappings_.find(KeyPairView(upstream, tenant));
  if (mapping == mappings_.end()) {
    // Not mapped: an unknown or unapproved connector says so first.
    auto it = connectors_.find(upstream);
    if (it == connectors_.end()) return Verdict::not_approved;
    const ConnectorState& c = *it->second;
    if (!c.approval_complete || !c.classifications_match || c.approved_on > today) return Verdict::not_approved;
    return Verdict::tenant_not_mapped;
  }
  const ConnectorState& c = *mapping->second.connector;
  if (!c.approval_complete || !c.classifications_match || c.approved_on > today) return Verdict::not_approved;
  if (!mapping->second.any_agent) {
    bool matched = false;
    std::string_view rest = mapping->second.agents;
    while (!matched && !rest.empty()) {
      const auto end = rest.find('\n');
      matched = agent_matches(rest.substr(0, end), principal);
      rest.remove_prefix(end + 1);
    }
    if (!matched) return Verdict::tenant_not_mapped;
  }
  if (c.review_by < today) return Verdict::overdue;
  return Verdict::allow;
}

std::string View::explain(Verdict verdict, std::string_view upstream, std::string_view tenant) const {
  const std::string name(upstream);
  switch (verdict) {
    case Verdict::allow:
      return "allowed";
    case Verdict::overdue: {
      auto it = connectors_.find(name);
      return fmt::format("connector '{}' was due for review on {}", name,
                         it != connectors_.end() ? format_date(it->second->review_by) : std::string("?"));
    }
    case Verdict::not_approved: {
      if (offboarded_connectors_.contains(upstream)) return fmt::format("connector '{}' was offboarded", name);
      auto it = connectors_.find(name);
      if (it == connectors_.end()) return fmt::format("connector '{}' is not in the control register", name);
      if (!it->second->classifications_match) {
        return fmt::format("connector '{}': its data classification changed since the approval (apply the register again)",
                           name);
      }
      return fmt::format("connector '{}' has no complete, current approval", name);
    }
    case Verdict::tenant_not_mapped: {
      std::string key;
      key.append(upstream).append(":").append(tenant);
      if (offboarded_mappings_.contains(key)) return fmt::format("tenant '{}' was offboarded from connector '{}'", tenant, name);
      return fmt::format("tenant '{}' (or this workload of it) is not mapped to connector '{}'", tenant, name);
    }
  }
  return "";
}

PinState View::pin_state(std::string_view upstream, std::string_view tool, std::string_view digest) const {
  auto it = pins_.find(KeyPairView(upstream, tool));
  if (it == pins_.end()) return PinState::unknown;
  return it->second.matches(digest) ? PinState::pinned : PinState::changed;
}

bool View::has_pins(std::string_view upstream) const { return pinned_upstreams_.contains(upstream); }

bool View::connector_approved(std::string_view upstream) const {
  if (offboarded_connectors_.contains(upstream)) return false;
  auto it = connectors_.find(upstream);
  return it != connectors_.end() && it->second->approval_complete && it->second->classifications_match;
}

bool View::tenant_offboarded(std::string_view tenant) const { return offboarded_tenants_.contains(tenant); }
bool View::agent_offboarded(std::string_view spiffe_id) const { return offboarded_agents_.contains(spiffe_id); }

core::Result<ViewPtr> load_view(store::Store& store, const Classifications& current) {
  auto latest_version = store.latest_register_version();
  if (!latest_version) return std::unexpected(latest_version.error());
  std::optional<Register> reg;
  std::int64_t version = 0;
  json::Value approved = json::Value::object();
  if (*latest_version) {
    auto document = json::parse((*latest_version)->document);
    if (!document) return core::fail(core::Reason::internal_error, "the stored register version is not JSON");
    auto parsed = from_json(*document);
    if (!parsed) return std::unexpected(parsed.error());
    reg = std::move(*parsed);
    version = (*latest_version)->version;
    auto classes = json::parse((*latest_version)->classifications);
    if (!classes || !classes->is_object()) {
      return core::fail(core::Reason::internal_error, "the stored register version has no classifications");
    }
    approved = std::move(*classes);
  }
  auto pins = store.tool_pins();
  if (!pins) return std::unexpected(pins.error());
  auto offboardings = store.offboardings();
  if (!offboardings) return std::unexpected(offboardings.error());
  return std::make_shared<const View>(std::move(reg), version, approved, current, std::move(*pins),
                                      std::move(*offboardings));
}

}  // namespace bulkhead::registry
