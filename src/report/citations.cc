// Store facts read once per report, and cited audit records with their RFC 9162 inclusion proofs.
#include <fmt/format.h>

#include "report/detail/sections.h"
#include "report/detail/text.h"

namespace bulkhead::report::detail {

core::Result<StoreFacts> read_store(store::Store& store, const ReportOptions& options) {
  StoreFacts facts;
  auto versions = store.register_versions();
  if (!versions) return std::unexpected(versions.error());
  facts.versions = std::move(*versions);
  if (!facts.versions.empty()) {
    auto parsed = json::parse(facts.versions.back().document);
    if (!parsed) return core::fail(core::Reason::internal_error, "the stored register version is not JSON");
    auto reg = registry::from_json(*parsed);
    if (!reg) return std::unexpected(reg.error());
    facts.reg = std::move(*reg);
  }
  auto pins = store.tool_pins();
  if (!pins) return std::unexpected(pins.error());
  facts.pins = std::move(*pins);
  for (const auto& u : options.upstreams) {
    auto candidates = store.tool_candidates(u.name);
    if (!candidates) return std::unexpected(candidates.error());
    if (!candidates->empty()) facts.candidates[u.name] = std::move(*candidates);
  }
  auto tokens = store.issued_tokens(store::IssuedFilter{});
  if (!tokens) return std::unexpected(tokens.error());
  facts.tokens = std::move(*tokens);
  auto revocations = store.revocations_after(0);
  if (!revocations) return std::unexpected(revocations.error());
  facts.revocations = std::move(*revocations);
  auto offboardings = store.offboardings();
  if (!offboardings) return std::unexpected(offboardings.error());
  facts.offboardings = std::move(*offboardings);
  return facts;
}

Citations::Citations(const std::filesystem::path& audit_dir, const AuditPaths* paths)
    : dir_(audit_dir.string()), paths_(paths) {}

json::Value Citations::cite(const Cited& c) const {
  json::Value out = json::Value::object();
  out.set("seq", c.seq);
  out.set("time", rfc3339_us(c.time_us));
  out.set("time_us", c.time_us);
  out.set("kind", c.kind);
  out.set("decision", c.decision);
  if (!c.event.empty()) out.set("event", c.event);
  if (!c.principal.empty()) out.set("principal", c.principal);
  if (!c.tenant.empty()) out.set("tenant", c.tenant);
  if (!c.target_tenant.empty()) out.set("target_tenant", c.target_tenant);
  if (!c.reason.empty()) out.set("reason", c.reason);
  if (!c.method.empty()) out.set("method", c.method);
  if (!c.tool.empty()) out.set("tool", c.tool);
  if (!c.upstream.empty()) out.set("upstream", c.upstream);
  if (c.detail.is_object() && !c.detail.as_object().empty()) out.set("detail", c.detail);
  json::Value proof = json::Value::object();
  proof.set("reproduce", fmt::format("bulkhead audit proof {} --seq {}", dir_, c.seq));
  if (paths_ != nullptr && c.seq < paths_->tree_size()) {
    proof.set("tree_size", paths_->tree_size());
    proof.set("root_hash", core::hex_encode(paths_->root()));
    json::Value& path = proof.set("audit_path", json::Value::array());
    for (const auto& h : paths_->path(c.seq)) path.push_back(core::hex_encode(h));
  } else {
    proof.set("tree_size", nullptr);
    proof.set("note", "not yet covered by a signed checkpoint");
  }
  out.set("proof", std::move(proof));
  return out;
}

json::Value Citations::cite_list(const CitedList& cited) const {
  json::Value out = json::Value::object();
  out.set("count", cited.count);
  json::Value& records = out.set("records", json::Value::array());
  for (const auto& c : cited.items) records.push_back(cite(c));
  if (cited.count > cited.items.size()) out.set("truncated", true);
  return out;
}

bool connector_in_scope(const ReportOptions& options, const registry::Connector& connector) {
  switch (options.scope) {
    case ScopeKind::all: return true;
    case ScopeKind::connector: return connector.upstream == options.scope_value;
    case ScopeKind::tenant:
      return std::any_of(connector.tenants.begin(), connector.tenants.end(),
                         [&](const auto& m) { return m.tenant == options.scope_value; });
  }
  return false;
}

bool tenant_in_scope(const ReportOptions& options, std::string_view tenant) {
  return options.scope != ScopeKind::tenant || tenant == options.scope_value;
}

}  // namespace bulkhead::report::detail
