// "Framework mapping": each control of the gateway mapped to OWASP Top 10 for Agentic Applications 2026 (ASI01-10),
// OWASP Agentic AI Threats and Mitigations (T1-T15), CSA MAESTRO layers and NIST AI RMF 1.0 subcategories, with a
// status computed from the evidence in the report. Identifiers and sources: docs/frameworks.md.
#include <fmt/format.h>

#include "report/detail/sections.h"
#include "report/detail/text.h"

namespace bulkhead::report::detail {
namespace {

struct Mapping {
  std::vector<std::string_view> asi;
  std::vector<std::string_view> threats;
  std::vector<std::string_view> maestro;
  std::vector<std::string_view> nist;
};

json::Value names(const std::vector<std::string_view>& ids) {
  json::Value out = json::Value::array();
  for (auto id : ids) out.push_back(id);
  return out;
}

struct Verdict {
  std::string status;  // met | gap | not_applicable
  std::string why;
};

json::Value control(std::string_view id, std::string_view title, const Verdict& v, const Mapping& m) {
  json::Value c = json::Value::object();
  c.set("id", id);
  c.set("title", title);
  c.set("status", v.status);
  c.set("why", v.why);
  c.set("owasp_asi_2026", names(m.asi));
  c.set("owasp_agentic_threats", names(m.threats));
  c.set("csa_maestro", names(m.maestro));
  c.set("nist_ai_rmf", names(m.nist));
  return c;
}

Verdict inventory(const json::Value& reg) {
  if (!flag(reg, "applied")) return {"gap", "no control register has been applied: connectors have no recorded owners"};
  const auto& unregistered = list(reg, "unregistered_upstreams");
  if (!unregistered.empty()) {
    return {"gap", fmt::format("{} upstream(s) served without a register entry, e.g. {}", unregistered.size(),
                               unregistered.front().as_string())};
  }
  const auto& connectors = list(reg, "connectors");
  for (const auto& c : connectors) {
    for (auto key : {"owner_team", "policy_owner", "downstream_owner", "approver", "purpose"}) {
      if (str(c, key).empty()) return {"gap", fmt::format("connector {} has no {}", str(c, "upstream"), key)};
    }
  }
  if (connectors.empty()) return {"not_applicable", "no connector in the report's scope"};
  return {"met", fmt::format("{} connector(s) in scope, each with owner team, policy owner, downstream owner, "
                             "approver, approval date and purpose", connectors.size())};
}

Verdict review(const json::Value& reg) {
  const auto& connectors = list(reg, "connectors");
  if (connectors.empty()) return {"not_applicable", "no connector in the report's scope"};
  for (const auto& c : connectors) {
    if (flag(c, "review_overdue")) {
      return {"gap", fmt::format("connector {}: review was due {}", str(c, "upstream"), str(c, "review_by"))};
    }
  }
  return {"met", fmt::format("every review date of the {} connector(s) is in the future", connectors.size())};
}

Verdict pinning(const json::Value& reg) {
  const auto& connectors = list(reg, "connectors");
  if (connectors.empty()) return {"not_applicable", "no connector in the report's scope"};
  std::size_t pinned = 0;
  std::size_t pending = 0;
  for (const auto& c : connectors) {
    if (flag(c, "offboarded")) continue;
    if (list(c, "tools").empty()) return {"gap", fmt::format("connector {} has no pinned tool yet", str(c, "upstream"))};
    pinned += list(c, "tools").size();
    pending += list(c, "pending_tools").size();
  }
  return {"met", fmt::format("{} tool definition(s) pinned; {} changed or new definition(s) withheld pending approval",
                             pinned, pending)};
}

Verdict isolation(const json::Value& enforcement) {
  const json::Value& decisions = member(enforcement, "decisions");
  const std::int64_t total = num(decisions, "allow") + num(decisions, "deny");
  const std::int64_t attempts = num(member(enforcement, "cross_tenant_denials"), "count");
  if (total == 0) return {"not_applicable", "no decision on record in the period"};
  return {"met", fmt::format("{} decision(s) in the period, each bound to an authenticated workload and its tenant; "
                             "{} cross-tenant attempt(s), all refused and on record",
                             total, attempts)};
}

Verdict tokens(const json::Value& enforcement) {
  const json::Value& t = member(enforcement, "task_tokens");
  if (num(t, "issued") == 0) return {"not_applicable", "no task token issued in the period"};
  const std::int64_t longest = num(t, "longest_lifetime_seconds");
  const std::int64_t max_ttl = num(t, "max_ttl_seconds", 900);
  if (longest > max_ttl) return {"gap", fmt::format("a token lived {} s, over the {} s maximum", longest, max_ttl)};
  for (const auto& token : list(t, "tokens")) {
    const std::string scope = str(token, "scope");
    if (scope == "*" || scope.empty()) return {"gap", fmt::format("token {} is not scoped", str(token, "jti"))};
  }
  return {"met", fmt::format("{} task token(s), each scoped to named tools, longest lifetime {} s (maximum {} s)",
                             num(t, "issued"), longest, max_ttl)};
}

Verdict policies(const json::Value& enforcement) {
  if (!list(enforcement, "errors").empty()) return {"gap", "the policy directory does not load: " +
                                                           list(enforcement, "errors").front().as_string()};
  if (member(enforcement, "dir").is_null()) return {"gap", "no policy engine configured ([policy] dir)"};
  const auto& p = list(enforcement, "policies");
  if (p.empty()) return {"gap", "no policy applies to the report's scope"};
  const auto& findings = list(enforcement, "lint");
  if (!findings.empty()) {
    return {"gap", fmt::format("{} lint finding(s), e.g. {}: {}", findings.size(), str(findings.front(), "policy_id"),
                               str(findings.front(), "message"))};
  }
  return {"met", fmt::format("{} polic(ies) apply, each with an owner, no lint finding", p.size())};
}

Verdict audit_trail(const json::Value& audit) {
  if (!flag(audit, "verified")) return {"gap", "the audit log does not verify"};
  const std::int64_t unsigned_records = num(audit, "unsigned_records");
  return {"met", fmt::format("{} record(s) verified (hash chain, signed Merkle checkpoints){}", num(audit, "records"),
                             unsigned_records > 0 ? fmt::format("; {} newest not yet signed", unsigned_records)
                                                  : std::string())};
}

Verdict offboarding(const json::Value& offboardings) {
  const auto& items = offboardings.as_array();
  if (items.empty()) return {"not_applicable", "no offboarding in the report's scope"};
  std::int64_t refused = 0;
  for (const auto& o : items) {
    if (member(o, "applied_at").is_null()) {
      return {"gap", fmt::format("offboarding {} {} was not applied by a running gateway", str(o, "kind"),
                                 str(o, "value"))};
    }
    refused += num(member(o, "refused_after"), "count");
  }
  return {"met", fmt::format("{} offboarding(s), each applied by the gateway; {} later attempt(s) refused, with "
                             "inclusion proofs", items.size(), refused)};
}

Verdict dlp(const json::Value& enforcement) {
  const json::Value& d = member(enforcement, "dlp");
  const std::int64_t hits = num(d, "count");
  const json::Value& configured = member(d, "configured");
  if (hits > 0) return {"met", fmt::format("{} response(s) blocked by DLP in the period (reason dlp_blocked)", hits)};
  if (configured.is_bool() && configured.as_bool()) return {"met", "DLP is configured; no hit in the period"};
  if (configured.is_bool()) return {"gap", "no [dlp] configured: responses are not scanned for other tenants' data"};
  return {"gap", "no DLP evidence: no dlp_blocked record in the period and DLP configuration unknown"};
}

Verdict shared(const json::Value& reg) {
  std::size_t vendors = 0;
  for (const auto& c : list(reg, "connectors")) {
    if (str(c, "kind") != "vendor") continue;
    ++vendors;
    if (member(c, "shared_responsibility").is_null()) return {"gap", "vendor connector without a responsibility split"};
  }
  if (vendors == 0) return {"not_applicable", "no vendor-managed connector in scope"};
  return {"met", fmt::format("{} vendor-managed connector(s): what the gateway enforces and what the vendor must "
                             "attest is listed per connector", vendors)};
}

Verdict scan(const json::Value& document) {
  const json::Value& s = member(document, "scan");
  if (s.is_null()) return {"not_applicable", "no --scan of client configurations requested"};
  const std::int64_t findings = num(s, "findings");
  if (findings > 0) return {"gap", fmt::format("{} finding(s) in the scanned client configurations", findings)};
  return {"met", "no finding in the scanned client configurations"};
}

}  // namespace

json::Value frameworks_section(const json::Value& document, const ReportOptions& options) {
  (void)options;
  const json::Value& reg = member(document, "register");
  const json::Value& enforcement = member(document, "scope_enforcement");
  json::Value out = json::Value::array();
  out.push_back(control("inventory", "Connector inventory with explicit ownership and approval", inventory(reg),
                        {{"ASI04"}, {"T2"}, {"L6", "L7"}, {"GOVERN 1.6", "GOVERN 2.1", "MAP 3.5"}}));
  out.push_back(control("review", "Periodic review of every approval", review(reg),
                        {{"ASI04"}, {"T2"}, {"L6"}, {"GOVERN 1.5"}}));
  out.push_back(control("tool_pinning", "Tool definitions pinned; changed or new tools withheld until approved",
                        pinning(reg), {{"ASI04", "ASI02"}, {"T2", "T6"}, {"L3", "L7"}, {"MANAGE 3.1", "GOVERN 6.1"}}));
  out.push_back(control("tenant_isolation", "Tenant boundary enforced per request; cross-tenant attempts refused",
                        isolation(enforcement),
                        {{"ASI03"}, {"T3", "T9"}, {"L4", "L6"}, {"MEASURE 2.7"}}));
  out.push_back(control("task_tokens", "Least privilege: short-lived task tokens scoped to tools", tokens(enforcement),
                        {{"ASI03", "ASI02"}, {"T3", "T9"}, {"L3", "L6"}, {"MEASURE 2.7", "MANAGE 1.3"}}));
  out.push_back(control("policy", "Owned policies decide every call; lint clean", policies(enforcement),
                        {{"ASI02", "ASI01"}, {"T2", "T6"}, {"L3", "L6"}, {"MANAGE 1.3", "GOVERN 2.1"}}));
  out.push_back(control("audit_trail", "Tamper-evident audit trail of every decision", audit_trail(member(document, "audit")),
                        {{"ASI10"}, {"T8"}, {"L5"}, {"MANAGE 4.1", "MEASURE 2.8"}}));
  out.push_back(control("offboarding", "Offboarding and revocation take effect at once, with proof",
                        offboarding(member(document, "offboarding")),
                        {{"ASI10", "ASI03"}, {"T13", "T3"}, {"L6", "L7"}, {"MANAGE 2.4", "GOVERN 1.7"}}));
  out.push_back(control("dlp", "Responses scanned for other tenants' data and secrets", dlp(enforcement),
                        {{"ASI01", "ASI02"}, {"T6", "T2"}, {"L2"}, {"MEASURE 2.10"}}));
  out.push_back(control("shared_responsibility", "Vendor-managed connectors: shared-responsibility split", shared(reg),
                        {{"ASI04"}, {}, {"L4", "L7"}, {"GOVERN 6.1", "MANAGE 3.1"}}));
  out.push_back(control("client_config_scan", "Client MCP configurations scanned", scan(document),
                        {{"ASI04", "ASI05"}, {"T11"}, {"L4"}, {"GOVERN 6.1"}}));
  return out;
}

}  // namespace bulkhead::report::detail
