// "Scope enforcement": the policies that apply (ids, owners, lint findings), decisions in the period (allow/deny by
// reason, tool and tenant, and over time), denied cross-tenant attempts, DLP hits, task tokens issued with their
// scopes and lifetimes, and revocations.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "policy/policy.h"
#include "report/detail/sections.h"
#include "report/detail/text.h"
#include "token/token.h"

namespace bulkhead::report::detail {
namespace {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text of each policy: from its line to the line before the next policy of the same file.
std::string policy_text(const std::vector<std::string>& lines, std::uint32_t from, std::uint32_t to) {
  std::string text;
  for (std::uint32_t i = from; i < to && i <= lines.size(); ++i) text += lines[i - 1] + "\n";
  return text;
}

struct Applies {
  bool applies = true;
  std::string why;
  std::vector<std::string> connectors;  // named connectors
};

// A policy applies to a connector when it names it (Upstream::"c" or a Tool::"<prefix>..."), or names no upstream
// or tool at all; to a tenant when it names it (Tenant::"t") or names no tenant. A text test, documented as such.
Applies applies_to(const std::string& text, const ReportOptions& options) {
  Applies out;
  const bool names_upstream = text.find("Upstream::\"") != std::string::npos || text.find("Tool::\"") != std::string::npos;
  for (const auto& u : options.upstreams) {
    if (text.find("Upstream::\"" + u.name + "\"") != std::string::npos ||
        (!u.prefix.empty() && text.find("Tool::\"" + u.prefix) != std::string::npos)) {
      out.connectors.push_back(u.name);
    }
  }
  if (options.scope == ScopeKind::connector) {
    const bool named = std::find(out.connectors.begin(), out.connectors.end(), options.scope_value) != out.connectors.end();
    out.applies = named || !names_upstream;
    out.why = named ? "names connector " + options.scope_value : "names no upstream or tool (applies to every call)";
  } else if (options.scope == ScopeKind::tenant) {
    const bool named = text.find("Tenant::\"" + options.scope_value + "\"") != std::string::npos;
    const bool names_tenant = text.find("Tenant::\"") != std::string::npos;
    out.applies = named || !names_tenant;
    out.why = named ? "names tenant " + options.scope_value : "names no tenant (applies to every tenant)";
  } else {
    out.why = "every policy applies";
  }
  return out;
}

json::Value policies_part(const ReportOptions& options, const StoreFacts& facts) {
  json::Value out = json::Value::object();
  out.set("dir", options.policy_dir.empty() ? json::Value() : json::Value(options.policy_dir.string()));
  json::Value list = json::Value::array();
  json::Value lint = json::Value::array();
  json::Value errors = json::Value::array();
  auto finish = [&]() {
    out.set("policies", std::move(list));
    out.set("lint", std::move(lint));
    out.set("errors", std::move(errors));
    return out;
  };
  if (options.policy_dir.empty()) return finish();
  auto set = policy::PolicySet::load_directory(options.policy_dir);
  if (!set) {
    for (const auto& d : set.error()) errors.push_back(policy::to_string(d));
    return finish();
  }
  // Policy owners: the register's policy_owner of each connector the policy names (of every connector in scope
  // when it names none): the register is where ownership of the policy boundary is declared.
  std::map<std::string, std::string> owner_of;
  std::set<std::string> all_owners;
  if (facts.reg) {
    for (const auto& c : facts.reg->connectors) {
      owner_of[c.upstream] = c.policy_owner;
      if (connector_in_scope(options, c)) all_owners.insert(c.policy_owner);
    }
  }
  std::map<std::string, std::vector<std::string>> file_lines;
  std::map<std::string, std::vector<std::uint32_t>> starts;  // file → policy start lines
  for (std::size_t i = 0; i < (*set)->size(); ++i) starts[(*set)->info(i).file].push_back((*set)->info(i).line);
  std::set<std::string> applying;
  for (std::size_t i = 0; i < (*set)->size(); ++i) {
    const policy::PolicyInfo& info = (*set)->info(i);
    auto& lines = file_lines[info.file];
    if (lines.empty()) {
      std::istringstream in(read_text(options.policy_dir / info.file));
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    auto& s = starts[info.file];
    std::uint32_t next = static_cast<std::uint32_t>(lines.size() + 1);
    for (auto line : s) {
      if (line > info.line && line < next) next = line;
    }
    const Applies applies = applies_to(policy_text(lines, info.line, next), options);
    if (!applies.applies) continue;
    applying.insert(info.id);
    json::Value p = json::Value::object();
    p.set("id", info.id);
    p.set("effect", info.forbid ? "forbid" : "permit");
    p.set("file", info.file);
    p.set("line", static_cast<std::int64_t>(info.line));
    json::Value& owners = p.set("owners", json::Value::array());
    std::set<std::string> mine;
    for (const auto& c : applies.connectors) {
      if (auto it = owner_of.find(c); it != owner_of.end()) mine.insert(it->second);
    }
    if (applies.connectors.empty()) mine = all_owners;
    for (const auto& o : mine) owners.push_back(o);
    p.set("applies_because", applies.why);
    list.push_back(std::move(p));
  }
  for (const auto& w : policy::lint(**set)) {
    if (!applying.contains(w.policy_id)) continue;
    json::Value entry = json::Value::object();
    entry.set("policy_id", w.policy_id);
    entry.set("code", w.code);
    entry.set("message", w.message);
    entry.set("file", w.file);
    entry.set("line", static_cast<std::int64_t>(w.line));
    lint.push_back(std::move(entry));
  }
  return finish();
}

json::Value counts(const std::map<std::string, std::uint64_t>& map, std::string_view key) {
  std::vector<std::pair<std::string, std::uint64_t>> rows(map.begin(), map.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  json::Value out = json::Value::array();
  for (const auto& [name, n] : rows) {
    json::Value row = json::Value::object();
    row.set(key, name);
    row.set("count", n);
    out.push_back(std::move(row));
  }
  return out;
}

json::Value allow_deny(const std::map<std::string, AllowDeny>& map, std::string_view key, std::size_t max) {
  std::vector<std::pair<std::string, AllowDeny>> rows(map.begin(), map.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second.allow + a.second.deny > b.second.allow + b.second.deny;
  });
  json::Value out = json::Value::array();
  for (std::size_t i = 0; i < rows.size() && i < max; ++i) {
    json::Value row = json::Value::object();
    row.set(key, rows[i].first);
    row.set("allow", rows[i].second.allow);
    row.set("deny", rows[i].second.deny);
    out.push_back(std::move(row));
  }
  return out;
}

// Buckets of a round width giving at most ~48 buckets over the period of the decisions.
json::Value over_time(const std::vector<std::pair<std::int64_t, bool>>& times) {
  json::Value out = json::Value::object();
  json::Value buckets = json::Value::array();
  if (times.empty()) {
    out.set("bucket_seconds", 0);
    out.set("buckets", std::move(buckets));
    return out;
  }
  std::int64_t lo = times.front().first;
  std::int64_t hi = lo;
  for (const auto& [t, d] : times) {
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  static constexpr std::int64_t kWidths[] = {1, 5, 10, 30, 60, 300, 600, 1800, 3600, 21600, 86400, 604800, 2592000};
  std::int64_t width = kWidths[std::size(kWidths) - 1];
  for (std::int64_t w : kWidths) {
    if ((hi - lo) / (w * 1'000'000) < 48) {
      width = w;
      break;
    }
  }
  const std::int64_t width_us = width * 1'000'000;
  const std::int64_t start = lo / width_us * width_us;
  const std::size_t n = static_cast<std::size_t>((hi - start) / width_us + 1);
  std::vector<AllowDeny> counts(n);
  for (const auto& [t, denied] : times) {
    AllowDeny& c = counts[static_cast<std::size_t>((t - start) / width_us)];
    (denied ? c.deny : c.allow) += 1;
  }
  out.set("bucket_seconds", width);
  for (std::size_t i = 0; i < n; ++i) {
    json::Value b = json::Value::object();
    b.set("start", rfc3339_us(start + static_cast<std::int64_t>(i) * width_us));
    b.set("allow", counts[i].allow);
    b.set("deny", counts[i].deny);
    buckets.push_back(std::move(b));
  }
  out.set("buckets", std::move(buckets));
  return out;
}

bool token_in_scope(const ReportOptions& options, const store::IssuedToken& t) {
  if (options.scope == ScopeKind::tenant) return t.tenant == options.scope_value;
  if (options.scope == ScopeKind::connector) {
    for (const auto& u : options.upstreams) {
      if (u.name == options.scope_value) return registry::scope_touches(t.scope, u.prefix);
    }
    return false;
  }
  return true;
}

json::Value tokens_part(const ReportOptions& options, const StoreFacts& facts, const Collector& collector,
                        const Citations& citations) {
  token::RevocationSet revoked;
  for (const auto& r : facts.revocations) revoked.apply(r);
  std::unordered_map<std::string, std::string> parent_of;
  for (const auto& t : facts.tokens) parent_of[t.jti] = t.parent_jti;
  const std::int64_t since_s = options.since ? unix_us(*options.since) / 1'000'000 : INT64_MIN;
  const std::int64_t until_s = options.until ? unix_us(*options.until) / 1'000'000 : INT64_MAX;
  json::Value out = json::Value::object();
  json::Value& list = out.set("tokens", json::Value::array());
  std::uint64_t issued = 0;
  std::int64_t longest = 0;
  for (const auto& row : facts.tokens) {
    if (!token_in_scope(options, row) || row.issued_at_s < since_s || row.issued_at_s >= until_s) continue;
    ++issued;
    longest = std::max(longest, row.expires_at_s - row.issued_at_s);
    if (list.as_array().size() >= options.max_listed) continue;
    const token::TaskToken t = token::claims_of(row, parent_of);
    json::Value entry = json::Value::object();
    entry.set("jti", row.jti);
    entry.set("tenant", row.tenant);
    entry.set("task", row.task);
    entry.set("subject", row.subject);
    entry.set("holder", row.actor);
    entry.set("scope", row.scope);
    entry.set("issued_at", rfc3339_us(row.issued_at_s * 1'000'000));
    entry.set("expires_at", rfc3339_us(row.expires_at_s * 1'000'000));
    entry.set("lifetime_seconds", row.expires_at_s - row.issued_at_s);
    entry.set("delegation_depth", static_cast<std::int64_t>(row.depth));
    if (!row.parent_jti.empty()) entry.set("parent_jti", row.parent_jti);
    auto why = revoked.check(t);
    entry.set("revoked", why.has_value());
    if (why) entry.set("revoked_because", *why);
    auto record = collector.token_issued.find(row.jti);
    entry.set("record", record != collector.token_issued.end() ? citations.cite(record->second) : json::Value());
    list.push_back(std::move(entry));
  }
  out.set("issued", issued);
  out.set("refused_requests", collector.token_requests.deny);
  out.set("longest_lifetime_seconds", longest);
  out.set("max_ttl_seconds", static_cast<std::int64_t>(options.token_max_ttl.count()));
  if (issued > list.as_array().size()) out.set("truncated", true);
  return out;
}

bool revocation_in_scope(const ReportOptions& options, const store::Revocation& r, const StoreFacts& facts) {
  if (options.scope == ScopeKind::all) return true;
  const std::string& v = options.scope_value;
  if (options.scope == ScopeKind::tenant) {
    if (r.kind == store::RevocationKind::tenant) return r.value == v;
    if (r.kind == store::RevocationKind::task) return r.value.starts_with(v + "/");
  }
  if (r.kind == store::RevocationKind::jti) {
    for (const auto& t : facts.tokens) {
      if (t.jti == r.value) return token_in_scope(options, t);
    }
  }
  return r.reason.find(" " + v + ":") != std::string::npos || r.reason.find(":" + v + ":") != std::string::npos;
}

}  // namespace

json::Value revocation_json(const store::Revocation& r, const Collector& collector, const Citations& citations) {
  json::Value entry = json::Value::object();
  entry.set("id", r.id);
  entry.set("kind", store::revocation_kind_name(r.kind));
  entry.set("value", r.value);
  entry.set("revoked_at", rfc3339_ms(r.revoked_at_ms));
  entry.set("actor", r.actor);
  entry.set("reason", r.reason);
  const Cited* record = nullptr;
  if (auto it = collector.revocation_records.find(r.id); it != collector.revocation_records.end()) record = &it->second;
  for (const auto& c : collector.revoke_requests) {  // revoked at /oauth/revoke: the request's own record
    const std::string* value = c.detail.find_string("value");
    if (record == nullptr && r.kind == store::RevocationKind::jti && value != nullptr && *value == r.value) record = &c;
  }
  entry.set("record", record != nullptr ? citations.cite(*record) : json::Value());
  return entry;
}

json::Value enforcement_section(const ReportOptions& options, const StoreFacts& facts, const Collector& collector,
                                const Citations& citations) {
  json::Value out = policies_part(options, facts);
  json::Value decisions = json::Value::object();
  decisions.set("allow", collector.decisions.allow);
  decisions.set("deny", collector.decisions.deny);
  decisions.set("deny_by_reason", counts(collector.deny_by_reason, "reason"));
  decisions.set("by_tool", allow_deny(collector.by_tool, "tool", 200));
  decisions.set("by_tenant", allow_deny(collector.by_tenant, "tenant", 200));
  decisions.set("over_time", over_time(collector.decision_times));
  out.set("decisions", std::move(decisions));
  out.set("reasons", counts(collector.reasons, "reason"));
  out.set("cross_tenant_denials", citations.cite_list(collector.cross_tenant));
  json::Value dlp = citations.cite_list(collector.dlp);
  dlp.set("configured", options.dlp_configured ? json::Value(*options.dlp_configured) : json::Value());
  out.set("dlp", std::move(dlp));
  out.set("task_tokens", tokens_part(options, facts, collector, citations));
  json::Value& revocations = out.set("revocations", json::Value::array());
  for (const auto& r : facts.revocations) {
    if (revocation_in_scope(options, r, facts)) revocations.push_back(revocation_json(r, collector, citations));
  }
  return out;
}

}  // namespace bulkhead::report::detail
