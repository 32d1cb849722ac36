// What `bulkhead register apply|approve-tools` and `bulkhead offboard` do to the store (shared with the admin API).
// Each change is one administrative event, written to the audit log by the gateway.
#include <fmt/format.h>

#include "identity/identity.h"
#include "register/register.h"
#include "token/token.h"

namespace bulkhead::registry {
namespace {

using core::Reason;

std::int64_t now_ms(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

core::Result<void> record_event(store::Store& store, const core::Clock& clock, const Actor& actor, std::string event,
                                std::string tenant, json::Value detail) {
  if (!actor.reason.empty()) detail.set("why", actor.reason);
  store::AdminEvent e;
  e.at_ms = now_ms(clock);
  e.actor = actor.who;
  e.event = std::move(event);
  e.tenant = std::move(tenant);
  e.detail = json::serialize(detail);
  return store.add_admin_event(e);
}

}  // namespace

bool scope_touches(std::string_view scope_text, std::string_view prefix) {
  if (prefix.empty()) return true;
  auto scope = token::Scope::parse(scope_text);
  if (!scope) return true;  // unreadable: treat as touching (revoking too much is the safe side)
  for (const auto& entry : scope->entries()) {
    if (entry.ends_with('*')) {
      const std::string_view stem = std::string_view(entry).substr(0, entry.size() - 1);
      if (stem.starts_with(prefix) || prefix.starts_with(stem)) return true;
    } else if (std::string_view(entry).starts_with(prefix)) {
      return true;
    }
  }
  return false;
}

core::Result<std::optional<store::RegisterVersion>> latest(store::Store& store) { return store.latest_register_version(); }

core::Result<ApplyOutcome> apply(store::Store& store, const Register& reg, const Context& context,
                                 const Classifications& classifications, const Actor& actor, const core::Clock& clock) {
  if (actor.reason.empty()) return core::fail(Reason::invalid_request, "a register change needs a reason (--reason)");
  auto problems = validate(reg, context);
  if (!problems.empty()) {
    std::string message = fmt::format("the register has {} problem(s); nothing was applied:", problems.size());
    for (const auto& p : problems) message += "\n  " + to_string(p, "register.toml");
    return core::fail(Reason::invalid_request, std::move(message));
  }
  const std::string document = json::canonicalize(to_json(reg));
  const std::string classes = json::canonicalize(classifications);
  auto current = store.latest_register_version();
  if (!current) return std::unexpected(current.error());
  Register before;
  if (*current) {
    auto parsed = json::parse((*current)->document);
    if (!parsed) return core::fail(Reason::internal_error, "the stored register version is not JSON");
    auto old = from_json(*parsed);
    if (!old) return std::unexpected(old.error());
    before = std::move(*old);
  }
  ApplyOutcome outcome;
  outcome.changes = plan(before, reg);
  if (*current && (*current)->classifications != classes) {
    outcome.changes.push_back("~ classifications in force changed since the last approval (recorded anew)");
  }
  if (*current && (*current)->document == document && (*current)->classifications == classes) {
    outcome.version = (*current)->version;
    return outcome;
  }
  store::RegisterVersion version;
  version.applied_at_ms = now_ms(clock);
  version.applied_by = actor.who;
  version.reason = actor.reason;
  version.document = document;
  version.classifications = classes;
  version.sha256 = core::sha256_hex(document);
  if (auto added = store.add_register_version(version); !added) return std::unexpected(added.error());
  outcome.version = version.version;
  outcome.changed = true;
  json::Value detail = json::Value::object();
  detail.set("version", version.version);
  detail.set("sha256", version.sha256);
  json::Value& lines = detail.set("changes", json::Value::array());
  for (std::size_t i = 0; i < outcome.changes.size() && i < 200; ++i) lines.push_back(outcome.changes[i]);
  if (auto event = record_event(store, clock, actor, "register_applied", "", std::move(detail)); !event) {
    return std::unexpected(event.error());
  }
  return outcome;
}

core::Result<std::vector<ApprovedTool>> approve_tools(store::Store& store, std::string_view upstream, const Actor& actor,
                                                      const core::Clock& clock) {
  auto candidates = store.tool_candidates(upstream);
  if (!candidates) return std::unexpected(candidates.error());
  auto pins = store.tool_pins();
  if (!pins) return std::unexpected(pins.error());
  // The newest candidate of each tool (an upstream may have changed a definition more than once).
  std::map<std::string, const store::ToolCandidate*> newest;
  for (const auto& c : *candidates) {
    auto& slot = newest[c.tool];
    if (slot == nullptr || c.first_seen_ms >= slot->first_seen_ms) slot = &c;
  }
  std::vector<store::ToolPin> approved;
  std::vector<ApprovedTool> out;
  for (const auto& [tool, candidate] : newest) {
    ApprovedTool shown{tool, ""};
    for (const auto& pin : *pins) {
      if (pin.upstream != upstream || pin.tool != tool) continue;
      auto before = json::parse(pin.definition);
      auto after = json::parse(candidate->definition);
      if (before && after) shown.diff = definition_diff(*before, *after);
    }
    out.push_back(std::move(shown));
    approved.push_back(store::ToolPin{std::string(upstream), tool, candidate->digest, candidate->definition, now_ms(clock),
                                      actor.who});
  }
  if (approved.empty()) return out;
  if (auto promoted = store.promote_candidates(approved); !promoted) return std::unexpected(promoted.error());
  json::Value detail = json::Value::object();
  detail.set("upstream", upstream);
  json::Value& tools = detail.set("tools", json::Value::array());
  for (const auto& pin : approved) {
    json::Value t = json::Value::object();
    t.set("tool", pin.tool);
    t.set("digest", pin.digest);
    tools.push_back(std::move(t));
  }
  if (auto event = record_event(store, clock, actor, "tools_approved", "", std::move(detail)); !event) {
    return std::unexpected(event.error());
  }
  return out;
}

std::string_view offboard_kind_name(OffboardKind kind) noexcept {
  switch (kind) {
    case OffboardKind::connector: return "connector";
    case OffboardKind::tenant: return "tenant";
    case OffboardKind::agent: return "agent";
    case OffboardKind::mapping: return "mapping";
  }
  return "?";
}

std::optional<OffboardKind> offboard_kind_from_name(std::string_view name) noexcept {
  for (auto kind : {OffboardKind::connector, OffboardKind::tenant, OffboardKind::agent, OffboardKind::mapping}) {
    if (offboard_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

core::Result<OffboardOutcome> offboard(store::Store& store, OffboardKind kind, std::string value, const Actor& actor,
                                       std::string_view connector_prefix, const core::Clock& clock,
                                       std::chrono::seconds token_max_ttl) {
  if (actor.reason.empty()) return core::fail(Reason::invalid_request, "offboarding needs a reason (--reason)");
  std::string upstream;
  std::string tenant;
  switch (kind) {
    case OffboardKind::connector:
      upstream = value;
      break;
    case OffboardKind::tenant:
      if (!identity::valid_tenant_id(value)) return core::fail(Reason::invalid_request, "not a tenant id");
      tenant = value;
      break;
    case OffboardKind::agent:
      if (!identity::parse_spiffe_id(value)) return core::fail(Reason::invalid_request, "not a SPIFFE ID");
      break;
    case OffboardKind::mapping: {
      const auto colon = value.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
        return core::fail(Reason::invalid_request, "a mapping is <connector>:<tenant>");
      }
      upstream = value.substr(0, colon);
      tenant = value.substr(colon + 1);
      break;
    }
  }
  if (upstream.empty() && kind == OffboardKind::connector) return core::fail(Reason::invalid_request, "no connector named");
  OffboardOutcome outcome;
  // 1. Every task token touching it, with everything derived from them (the revocations are durable).
  auto revoke = [&](store::RevocationKind revocation_kind, std::string revoked) -> core::Result<void> {
    store::Revocation r;
    r.kind = revocation_kind;
    r.value = std::move(revoked);
    r.actor = actor.who;
    r.reason = fmt::format("offboarding {} {}: {}", offboard_kind_name(kind), value, actor.reason);
    auto done = token::revoke_in_store(store, std::move(r), clock, token_max_ttl, std::chrono::seconds(30));
    if (!done) return std::unexpected(done.error());
    outcome.tokens_revoked += done->tokens_affected;
    return {};
  };
  if (kind == OffboardKind::tenant) {
    if (auto r = revoke(store::RevocationKind::tenant, tenant); !r) return std::unexpected(r.error());
  } else if (kind == OffboardKind::agent) {
    if (auto r = revoke(store::RevocationKind::agent, value); !r) return std::unexpected(r.error());
  } else {
    store::IssuedFilter filter;
    filter.tenant = tenant;
    filter.active_at_s = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    auto issued = store.issued_tokens(filter);
    if (!issued) return std::unexpected(issued.error());
    for (const auto& t : *issued) {
      if (!scope_touches(t.scope, connector_prefix)) continue;
      if (auto r = revoke(store::RevocationKind::jti, t.jti); !r) return std::unexpected(r.error());
    }
  }
  // 2. The per-tenant credentials it covers.
  if (kind != OffboardKind::agent) {
    auto deleted = store.delete_secrets(store::SecretFilter{upstream, tenant, ""});
    if (!deleted) return std::unexpected(deleted.error());
    outcome.credentials_deleted = *deleted;
  }
  // 3. The record every gateway enforces from now on (and applies: sessions, processes).
  json::Value effects = json::Value::object();
  effects.set("tokens_revoked", static_cast<std::int64_t>(outcome.tokens_revoked));
  effects.set("credentials_deleted", static_cast<std::int64_t>(outcome.credentials_deleted));
  store::Offboarding& record = outcome.record;
  record.at_ms = now_ms(clock);
  record.actor = actor.who;
  record.reason = actor.reason;
  record.kind = offboard_kind_name(kind);
  record.value = value;
  record.effects = json::serialize(effects);
  if (auto added = store.add_offboarding(record); !added) return std::unexpected(added.error());
  json::Value detail = effects;
  detail.set("offboarding_id", record.id);
  detail.set("kind", record.kind);
  detail.set("value", record.value);
  if (auto event = record_event(store, clock, actor, "offboarded", tenant, std::move(detail)); !event) {
    return std::unexpected(event.error());
  }
  return outcome;
}

}  // namespace bulkhead::registry
