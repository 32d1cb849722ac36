// The register as JSON (a stored version) and the diff between two registers (`register plan`).
#include <fmt/format.h>

#include "register/register.h"

namespace bulkhead::registry {
namespace {

std::string_view kind_name(ConnectorKind kind) { return kind == ConnectorKind::vendor ? "vendor" : "self-hosted"; }

json::Value strings(const std::vector<std::string>& items) {
  json::Value out = json::Value::array();
  for (const auto& item : items) out.push_back(item);
  return out;
}

const std::string* member(const json::Value& object, std::string_view key) { return object.find_string(key); }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "(any of the tenant's workloads)" : out;
}

void diff_field(std::vector<std::string>& out, std::string_view where, std::string_view field, std::string_view before,
                std::string_view after) {
  if (before != after) out.push_back(fmt::format("~ {}.{}: {} -> {}", where, field, before.empty() ? "(none)" : before,
                                                 after.empty() ? "(none)" : after));
}

}  // namespace

json::Value to_json(const Register& reg) {
  json::Value out = json::Value::object();
  json::Value& list = out.set("connectors", json::Value::array());
  for (const Connector& c : reg.connectors) {
    json::Value j = json::Value::object();
    j.set("upstream", c.upstream);
    j.set("owner_team", c.owner_team);
    j.set("policy_owner", c.policy_owner);
    j.set("downstream_owner", c.downstream_owner);
    j.set("approver", c.approver);
    j.set("approved_on", format_date(c.approved_on));
    j.set("purpose", c.purpose);
    j.set("review_by", format_date(c.review_by));
    j.set("kind", kind_name(c.kind));
    json::Value& tenants = j.set("tenants", json::Value::array());
    for (const TenantMapping& m : c.tenants) {
      json::Value t = json::Value::object();
      t.set("id", m.tenant);
      t.set("agents", strings(m.agents));
      t.set("purpose", m.purpose);
      tenants.push_back(std::move(t));
    }
    list.push_back(std::move(j));
  }
  return out;
}

core::Result<Register> from_json(const json::Value& value) {
  auto bad = [](std::string what) { return core::fail(core::Reason::internal_error, "stored register: " + what); };
  const json::Value* list = value.find("connectors");
  if (list == nullptr || !list->is_array()) return bad("no connectors array");
  Register reg;
  for (const auto& j : list->as_array()) {
    Connector c;
    for (auto [key, field] : {std::pair{"upstream", &c.upstream}, std::pair{"owner_team", &c.owner_team},
                              std::pair{"policy_owner", &c.policy_owner}, std::pair{"downstream_owner", &c.downstream_owner},
                              std::pair{"approver", &c.approver}, std::pair{"purpose", &c.purpose}}) {
      const std::string* text = member(j, key);
      if (text == nullptr) return bad(fmt::format("a connector has no {}", key));
      *field = *text;
    }
    const std::string* approved = member(j, "approved_on");
    const std::string* review = member(j, "review_by");
    const std::string* kind = member(j, "kind");
    auto approved_on = approved != nullptr ? parse_date(*approved) : std::nullopt;
    auto review_by = review != nullptr ? parse_date(*review) : std::nullopt;
    if (!approved_on || !review_by || kind == nullptr) return bad(fmt::format("connector {}: dates or kind", c.upstream));
    c.approved_on = *approved_on;
    c.review_by = *review_by;
    c.kind = *kind == "vendor" ? ConnectorKind::vendor : ConnectorKind::self_hosted;
    const json::Value* tenants = j.find("tenants");
    if (tenants == nullptr || !tenants->is_array()) return bad(fmt::format("connector {}: tenants", c.upstream));
    for (const auto& t : tenants->as_array()) {
      TenantMapping m;
      const std::string* id = member(t, "id");
      const std::string* purpose = member(t, "purpose");
      const json::Value* agents = t.find("agents");
      if (id == nullptr || purpose == nullptr || agents == nullptr || !agents->is_array()) {
        return bad(fmt::format("connector {}: a tenant mapping", c.upstream));
      }
      m.tenant = *id;
      m.purpose = *purpose;
      for (const auto& agent : agents->as_array()) {
        if (!agent.is_string()) return bad("an agent is not a string");
        m.agents.push_back(agent.as_string());
      }
      c.tenants.push_back(std::move(m));
    }
    reg.connectors.push_back(std::move(c));
  }
  return reg;
}

std::vector<std::string> plan(const Register& before, const Register& after) {
  std::vector<std::string> out;
  for (const Connector& old : before.connectors) {
    if (after.find(old.upstream) == nullptr) out.push_back(fmt::format("- connector {}", old.upstream));
  }
  for (const Connector& c : after.connectors) {
    const Connector* old = before.find(c.upstream);
    if (old == nullptr) {
      out.push_back(fmt::format("+ connector {} (owner {}, approved by {} on {}, review by {}, {} tenant(s))", c.upstream,
                                c.owner_team, c.approver, format_date(c.approved_on), format_date(c.review_by),
                                c.tenants.size()));
      for (const auto& m : c.tenants) out.push_back(fmt::format("+ {}.tenant {}: {}", c.upstream, m.tenant, joined(m.agents)));
      continue;
    }
    const std::string& w = c.upstream;
    diff_field(out, w, "owner_team", old->owner_team, c.owner_team);
    diff_field(out, w, "policy_owner", old->policy_owner, c.policy_owner);
    diff_field(out, w, "downstream_owner", old->downstream_owner, c.downstream_owner);
    diff_field(out, w, "approver", old->approver, c.approver);
    diff_field(out, w, "approved_on", format_date(old->approved_on), format_date(c.approved_on));
    diff_field(out, w, "purpose", old->purpose, c.purpose);
    diff_field(out, w, "review_by", format_date(old->review_by), format_date(c.review_by));
    diff_field(out, w, "kind", kind_name(old->kind), kind_name(c.kind));
    for (const auto& m : old->tenants) {
      bool kept = false;
      for (const auto& n : c.tenants) kept = kept || n.tenant == m.tenant;
      if (!kept) out.push_back(fmt::format("- {}.tenant {}", w, m.tenant));
    }
    for (const auto& m : c.tenants) {
      const TenantMapping* prior = nullptr;
      for (const auto& n : old->tenants) {
        if (n.tenant == m.tenant) prior = &n;
      }
      if (prior == nullptr) {
        out.push_back(fmt::format("+ {}.tenant {}: {}", w, m.tenant, joined(m.agents)));
        continue;
      }
      diff_field(out, fmt::format("{}.tenant {}", w, m.tenant), "agents", joined(prior->agents), joined(m.agents));
      diff_field(out, fmt::format("{}.tenant {}", w, m.tenant), "purpose", prior->purpose, m.purpose);
    }
  }
  return out;
}

}  // namespace bulkhead::registry
