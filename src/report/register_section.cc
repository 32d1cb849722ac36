// "Control register": owners, approval, purpose, review date (overdue flagged), kind with the shared-responsibility
// split for vendor-managed connectors, tenant mappings, tool pins and their change history, register versions.
#include "report/detail/sections.h"
#include "report/detail/text.h"

namespace bulkhead::report::detail {
namespace {

json::Value strings(const std::vector<std::string>& items) {
  json::Value out = json::Value::array();
  for (const auto& s : items) out.push_back(s);
  return out;
}

// What the gateway enforces for the customer and what a vendor running the MCP service must attest.
json::Value shared_responsibility(const registry::Connector& c) {
  json::Value out = json::Value::object();
  out.set("gateway_enforces",
          strings({"workload identity of every caller (JWT-SVID / mTLS) and its tenant binding",
                   "the tenant mappings and workloads of this register entry; review date " +
                       registry::format_date(c.review_by),
                   "policy decisions per call (tenant, tool, arguments, classification)",
                   "task-token scope and lifetime; revocation and offboarding at the next request",
                   "tool definition pins: a changed or new tool is withheld until approved",
                   "per-tenant credentials injected by the gateway, never the client's token",
                   "a tamper-evident audit record of every decision and outcome"}));
  out.set("vendor_attests",
          strings({"isolation of tenants' data inside the vendor's service (the gateway sees calls, not storage)",
                   "handling, retention and deletion of data sent to the service, including after offboarding",
                   "security of the vendor's runtime, staff access and sub-processors",
                   "notice of changes to tool behaviour that a stable definition does not reveal",
                   "incident notification to the connector owner (" + c.owner_team + ")"}));
  return out;
}

}  // namespace

json::Value register_section(const ReportOptions& options, const StoreFacts& facts, const Collector& collector,
                             const Citations& citations) {
  json::Value out = json::Value::object();
  const registry::Date today = registry::date_of(options.now);
  // Versions: who applied which register when and why, with the audit record of each.
  json::Value& versions = out.set("versions", json::Value::array());
  for (const auto& v : facts.versions) {
    json::Value entry = json::Value::object();
    entry.set("version", v.version);
    entry.set("applied_at", rfc3339_ms(v.applied_at_ms));
    entry.set("applied_by", v.applied_by);
    entry.set("reason", v.reason);
    entry.set("sha256", v.sha256);
    auto record = collector.register_applied.find(v.version);
    entry.set("record", record != collector.register_applied.end() ? citations.cite(record->second) : json::Value());
    versions.push_back(std::move(entry));
  }
  out.set("applied", facts.reg.has_value());
  json::Value& connectors = out.set("connectors", json::Value::array());
  std::vector<std::string> registered;
  std::set<std::string> offboarded_connectors;
  std::set<std::string> offboarded_mappings;
  std::set<std::string> offboarded_tenants;
  for (const auto& o : facts.offboardings) {
    if (o.kind == "connector") offboarded_connectors.insert(o.value);
    if (o.kind == "mapping") offboarded_mappings.insert(o.value);
    if (o.kind == "tenant") offboarded_tenants.insert(o.value);
  }
  if (facts.reg) {
    for (const auto& c : facts.reg->connectors) {
      registered.push_back(c.upstream);
      if (!connector_in_scope(options, c)) continue;
      json::Value entry = json::Value::object();
      entry.set("upstream", c.upstream);
      entry.set("kind", c.kind == registry::ConnectorKind::vendor ? "vendor" : "self-hosted");
      entry.set("owner_team", c.owner_team);
      entry.set("policy_owner", c.policy_owner);
      entry.set("downstream_owner", c.downstream_owner);
      entry.set("approver", c.approver);
      entry.set("approved_on", registry::format_date(c.approved_on));
      entry.set("purpose", c.purpose);
      entry.set("review_by", registry::format_date(c.review_by));
      entry.set("review_overdue", c.review_by < today);
      entry.set("days_to_review", static_cast<std::int64_t>(c.review_by - today));
      entry.set("offboarded", offboarded_connectors.contains(c.upstream));
      for (const auto& u : options.upstreams) {
        if (u.name != c.upstream) continue;
        entry.set("prefix", u.prefix);
        entry.set("transport", u.transport);
        entry.set("classification", u.classification);
      }
      json::Value& tenants = entry.set("tenants", json::Value::array());
      for (const auto& m : c.tenants) {
        if (!tenant_in_scope(options, m.tenant)) continue;
        json::Value mapping = json::Value::object();
        mapping.set("tenant", m.tenant);
        mapping.set("agents", strings(m.agents));
        mapping.set("purpose", m.purpose);
        mapping.set("offboarded",
                    offboarded_mappings.contains(c.upstream + ":" + m.tenant) || offboarded_tenants.contains(m.tenant));
        tenants.push_back(std::move(mapping));
      }
      json::Value& tools = entry.set("tools", json::Value::array());
      for (const auto& pin : facts.pins) {
        if (pin.upstream != c.upstream) continue;
        json::Value t = json::Value::object();
        t.set("tool", pin.tool);
        t.set("digest", pin.digest);
        t.set("approved_by", pin.approved_by);
        t.set("approved_at", rfc3339_ms(pin.approved_at_ms));
        tools.push_back(std::move(t));
      }
      json::Value& pending = entry.set("pending_tools", json::Value::array());
      if (auto it = facts.candidates.find(c.upstream); it != facts.candidates.end()) {
        for (const auto& candidate : it->second) {
          json::Value t = json::Value::object();
          t.set("tool", candidate.tool);
          t.set("digest", candidate.digest);
          t.set("first_seen", rfc3339_ms(candidate.first_seen_ms));
          pending.push_back(std::move(t));
        }
      }
      json::Value& history = entry.set("tool_history", json::Value::array());
      for (const auto& event : collector.tool_events) {
        const std::string* upstream = event.detail.find_string("upstream");
        if (upstream != nullptr && *upstream == c.upstream) history.push_back(citations.cite(event));
      }
      entry.set("shared_responsibility",
                c.kind == registry::ConnectorKind::vendor ? shared_responsibility(c) : json::Value());
      connectors.push_back(std::move(entry));
    }
  }
  // Upstreams the gateway serves that the register does not name (not approved once a register is applied).
  json::Value& unregistered = out.set("unregistered_upstreams", json::Value::array());
  for (const auto& u : options.upstreams) {
    if (options.scope == ScopeKind::connector && u.name != options.scope_value) continue;
    if (std::find(registered.begin(), registered.end(), u.name) == registered.end()) unregistered.push_back(u.name);
  }
  return out;
}

}  // namespace bulkhead::report::detail
