#include "report/detail/collector.h"

#include <charconv>

#include "json/json.h"
#include "register/register.h"
#include "report/detail/text.h"

namespace bulkhead::report::detail {
namespace {

std::string detail_string(const RecordFacts& r, std::string_view key) {
  const std::string* value = r.detail->find_string(key);
  return value != nullptr ? *value : std::string();
}

std::int64_t detail_int(const RecordFacts& r, std::string_view key) {
  const json::Value* value = r.detail->find(key);
  return value != nullptr && value->is_integer() ? value->as_int() : -1;
}

bool is_deny(const RecordFacts& r) { return r.decision == audit::Decision::deny; }

}  // namespace

RecordFacts facts_of(const audit::AuditRecord& r) {
  static const json::Value kEmpty = json::Value::object();
  RecordFacts f;
  f.time_us = unix_us(r.time);
  f.kind = r.kind;
  f.decision = r.decision;
  f.reason = r.reason;
  f.tenant = r.tenant;
  f.principal = r.principal;
  f.upstream = r.upstream;
  f.method = r.method;
  f.tool = r.tool;
  f.resource = r.resource;
  f.detail = r.detail.is_object() ? &r.detail : &kEmpty;
  return f;
}

std::optional<RecordFacts> plain_facts(std::string_view payload) {
  static const json::Value kEmpty = json::Value::object();
  if (payload.find('\\') != std::string_view::npos) return std::nullopt;
  // split_object needs a document validate() accepted; the payload comes from a log still being verified.
  if (!json::validate(payload)) return std::nullopt;
  thread_local std::vector<json::RawMember> members;
  if (!json::split_object(payload, members)) return std::nullopt;
  RecordFacts f;
  f.detail = &kEmpty;
  bool have_time = false;
  bool have_kind = false;
  auto text = [](std::string_view raw, std::string_view& out) {
    if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return false;
    out = raw.substr(1, raw.size() - 2);
    return true;
  };
  for (const auto& m : members) {
    const std::string_view k = m.key;
    std::string_view v;
    if (k == "time_us") {
      auto [ptr, ec] = std::from_chars(m.value.data(), m.value.data() + m.value.size(), f.time_us);
      if (ec != std::errc() || ptr != m.value.data() + m.value.size()) return std::nullopt;
      have_time = true;
    } else if (k == "kind") {
      if (m.value == R"("invoke")") f.kind = audit::RecordKind::invoke;
      else if (m.value == R"("read")") f.kind = audit::RecordKind::read;
      else if (m.value == R"("write")") f.kind = audit::RecordKind::write;
      else return std::nullopt;  // deny, lifecycle: decoded in full
      have_kind = true;
    } else if (k == "decision") {
      if (m.value == R"("allow")") f.decision = audit::Decision::allow;
      else if (m.value == R"("none")") f.decision = audit::Decision::none;
      else return std::nullopt;
    } else if (k == "tenant" || k == "principal" || k == "upstream" || k == "method" || k == "tool" || k == "resource") {
      if (!text(m.value, v)) return std::nullopt;
      (k == "tenant" ? f.tenant : k == "principal" ? f.principal : k == "upstream" ? f.upstream
                     : k == "method" ? f.method : k == "tool" ? f.tool : f.resource) = v;
    } else if (k == "reason" || k == "detail") {
      return std::nullopt;
    }
  }
  if (!have_time || !have_kind) return std::nullopt;
  return f;
}

std::string quoted_tenant(std::string_view message) {
  const auto at = message.find("tenant '");
  if (at == std::string_view::npos) return "";
  const auto start = at + 8;
  const auto end = message.find('\'', start);
  if (end == std::string_view::npos) return "";
  return std::string(message.substr(start, end - start));
}

bool is_cross_tenant(const RecordFacts& r) {
  if (!is_deny(r) || !r.reason) return false;
  if (*r.reason == core::Reason::session_identity_mismatch) return true;
  if (*r.reason != core::Reason::tenant_not_bound) return false;
  const std::string message = detail_string(r, "message");
  return message.find("not bound to tenant") != std::string::npos ||
         message.find("task token is for tenant") != std::string::npos;
}

Collector::Collector(const ReportOptions& options, const identity::TenantMap& tenants,
                     const std::vector<store::Offboarding>& offboardings)
    : options_(options), tenants_(tenants), offboardings_(offboardings) {
  if (options.since) since_us_ = unix_us(*options.since);
  if (options.until) until_us_ = unix_us(*options.until);
  if (options.scope == ScopeKind::connector) {
    for (const auto& u : options.upstreams) {
      if (u.name == options.scope_value) connector_ = &u;
    }
  }
  for (const auto& o : offboardings_) {
    if (offboarding_in_scope(o)) scoped_offboardings_.push_back(&o);
  }
}

const UpstreamFacts* Collector::upstream_of_tool(std::string_view tool) const {
  const UpstreamFacts* best = nullptr;
  for (const auto& u : options_.upstreams) {
    if (!u.prefix.empty() && tool.starts_with(u.prefix) && (best == nullptr || u.prefix.size() > best->prefix.size())) {
      best = &u;
    }
  }
  return best;
}

std::string Collector::classification_of(const std::string& upstream, const std::string& tool) const {
  const UpstreamFacts* facts = nullptr;
  for (const auto& u : options_.upstreams) {
    if (u.name == upstream) facts = &u;
  }
  if (facts == nullptr && !tool.empty()) facts = upstream_of_tool(tool);
  if (facts == nullptr) return "unclassified";
  if (auto it = facts->tool_classification.find(tool); it != facts->tool_classification.end()) return it->second;
  return facts->classification;
}

bool Collector::bound_to(std::string_view principal, std::string_view tenant) const {
  return !principal.empty() && principal.starts_with("spiffe://") && tenants_.is_bound(principal, tenant);
}

bool Collector::offboarding_in_scope(const store::Offboarding& o) const {
  const std::string& v = options_.scope_value;
  switch (options_.scope) {
    case ScopeKind::all: return true;
    case ScopeKind::connector:
      return (o.kind == "connector" && o.value == v) || (o.kind == "mapping" && o.value.starts_with(v + ":"));
    case ScopeKind::tenant:
      return (o.kind == "tenant" && o.value == v) || (o.kind == "mapping" && o.value.ends_with(":" + v)) ||
             (o.kind == "agent" && bound_to(o.value, v));
  }
  return false;
}

bool Collector::touches_connector(const RecordFacts& r, std::string_view connector) const {
  if (r.upstream == connector) return true;
  const std::string prefix = connector_ != nullptr ? connector_->prefix : std::string();
  if (!prefix.empty() && !r.tool.empty() && r.tool.starts_with(prefix)) return true;
  if (r.kind != audit::RecordKind::lifecycle) return false;
  const std::string event = detail_string(r, "event");
  if (event == "register_applied") return true;
  if (detail_string(r, "upstream") == connector) return true;
  const std::string value = detail_string(r, "value");
  if (value == connector || value.starts_with(std::string(connector) + ":")) return true;
  if (event == "token_exchange" && r.detail->find("scope") != nullptr) {
    return registry::scope_touches(detail_string(r, "scope"), prefix);
  }
  return false;
}

bool Collector::in_scope(const RecordFacts& r) const {
  const std::string& v = options_.scope_value;
  switch (options_.scope) {
    case ScopeKind::all: return true;
    case ScopeKind::connector: return touches_connector(r, v);
    case ScopeKind::tenant: {
      if (r.tenant == v || bound_to(r.principal, v)) return true;
      if (is_cross_tenant(r) && quoted_tenant(detail_string(r, "message")) == v) return true;
      if (r.kind == audit::RecordKind::lifecycle) {
        const std::string value = detail_string(r, "value");
        return value == v || value.ends_with(":" + v) || detail_string(r, "event") == "register_applied";
      }
      return false;
    }
  }
  return false;
}

bool Collector::in_period(const RecordFacts& r) const {
  const std::int64_t t = r.time_us;
  return (!since_us_ || t >= *since_us_) && (!until_us_ || t < *until_us_);
}

Cited Collector::cite(std::uint64_t seq, const RecordFacts& r) const {
  Cited c;
  c.seq = seq;
  c.time_us = r.time_us;
  c.kind = std::string(audit::kind_name(r.kind));
  c.decision = std::string(audit::decision_name(r.decision));
  c.event = detail_string(r, "event");
  c.principal = std::string(r.principal);
  c.tenant = std::string(r.tenant);
  if (r.reason) c.reason = std::string(core::reason_name(*r.reason));
  c.method = std::string(r.method);
  c.tool = std::string(r.tool.empty() ? r.resource : r.tool);
  c.upstream = std::string(r.upstream);
  c.detail = *r.detail;
  if (is_cross_tenant(r)) c.target_tenant = quoted_tenant(detail_string(r, "message"));
  return c;
}

void Collector::lifecycle(std::uint64_t seq, const RecordFacts& r, const std::string& event) {
  if (event == "offboarded" || event == "offboarding_applied") {
    if (const std::int64_t id = detail_int(r, "offboarding_id"); id >= 0) offboarding_events[id].push_back(cite(seq, r));
  } else if (event == "token_revoke") {
    if (const std::int64_t id = detail_int(r, "revocation_id"); id >= 0) {
      revocation_records.emplace(id, cite(seq, r));
    } else if (r.decision == audit::Decision::allow) {
      revoke_requests.push_back(cite(seq, r));
    }
  } else if (event == "token_exchange") {
    if (r.decision == audit::Decision::allow) {
      if (std::string jti = detail_string(r, "jti"); !jti.empty()) token_issued.emplace(std::move(jti), cite(seq, r));
    }
  } else if (event == "tools_pinned" || event == "tool_definition_seen" || event == "tools_approved") {
    tool_events.push_back(cite(seq, r));
  } else if (event == "register_applied") {
    if (const std::int64_t version = detail_int(r, "version"); version >= 0) register_applied.emplace(version, cite(seq, r));
  }
}

void Collector::refusal_after_offboarding(std::uint64_t seq, const RecordFacts& r) {
  const std::int64_t t = r.time_us;
  for (const store::Offboarding* o : scoped_offboardings_) {
    if (t < o->at_ms * 1000) continue;
    bool matches = false;
    const std::string message = detail_string(r, "message");
    if (o->kind == "agent") {
      matches = r.principal == o->value;
    } else if (o->kind == "tenant") {
      matches = r.tenant == o->value || bound_to(r.principal, o->value) || quoted_tenant(message) == o->value;
    } else {
      const auto colon = o->value.find(':');
      const std::string connector = o->kind == "mapping" ? o->value.substr(0, colon) : o->value;
      std::string prefix;
      for (const auto& u : options_.upstreams) {
        if (u.name == connector) prefix = u.prefix;
      }
      const bool on_connector = r.upstream == connector || (!prefix.empty() && r.tool.starts_with(prefix));
      matches = on_connector && (o->kind == "connector" || r.tenant == o->value.substr(colon + 1));
    }
    if (matches) refused_after[o->id].add(cite(seq, r), options_.max_listed);
  }
}

void Collector::consume(std::uint64_t seq, const RecordFacts& r) {
  ++records_total;
  const bool lifecycle_record = r.kind == audit::RecordKind::lifecycle;
  std::string event;
  if (lifecycle_record) {
    event = detail_string(r, "event");
    lifecycle(seq, r, event);
  }
  if (is_deny(r) && !scoped_offboardings_.empty()) refusal_after_offboarding(seq, r);
  if (!in_period(r) || !in_scope(r)) return;
  ++records_in_scope;
  const std::int64_t t = r.time_us;
  if (!first_us || t < *first_us) first_us = t;
  if (!last_us || t > *last_us) last_us = t;
  if (r.reason) {
    const std::string reason(core::reason_name(*r.reason));
    ++reasons[reason];
    if (*r.reason == core::Reason::dlp_blocked) dlp.add(cite(seq, r), options_.max_listed);
  }
  if (lifecycle_record) {
    if (event == "token_exchange") (is_deny(r) ? token_requests.deny : token_requests.allow) += 1;
    return;
  }
  if (r.decision == audit::Decision::none) return;  // an outcome record: its decision was counted
  const bool denied = is_deny(r);
  (denied ? decisions.deny : decisions.allow) += 1;
  if (denied) ++deny_by_reason[r.reason ? std::string(core::reason_name(*r.reason)) : std::string("unspecified")];
  const std::string_view target = !r.tool.empty() ? r.tool : (!r.resource.empty() ? r.resource : r.method);
  AllowDeny& tool = by_tool[std::string(target.empty() ? std::string_view("(none)") : target)];
  (denied ? tool.deny : tool.allow) += 1;
  AllowDeny& tenant = by_tenant[std::string(r.tenant.empty() ? std::string_view("(unbound)") : r.tenant)];
  (denied ? tenant.deny : tenant.allow) += 1;
  decision_times.emplace_back(t, denied);
  if (denied && is_cross_tenant(r)) cross_tenant.add(cite(seq, r), options_.max_listed);
  const std::string_view object = !r.tool.empty() ? r.tool : r.resource;
  if (object.empty()) return;  // initialize, lists, transport refusals: no data touched
  Access& a = access[{std::string(r.tenant.empty() ? std::string_view("(unbound)") : r.tenant), std::string(object)}];
  if (a.classification.empty()) a.classification = classification_of(std::string(r.upstream), std::string(r.tool));
  if (denied) {
    ++a.denied;
  } else if (r.kind == audit::RecordKind::read) {
    ++a.reads;
  } else if (r.kind == audit::RecordKind::write) {
    ++a.writes;
  } else {
    ++a.invokes;
  }
}

}  // namespace bulkhead::report::detail
