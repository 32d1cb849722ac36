// outline(): the document in reading order for a non-engineer: the verdict first, then each section in plain words.
#include "report/detail/outline.h"

#include <fmt/format.h>

#include "report/detail/text.h"

namespace bulkhead::report::detail {
namespace {

using Kind = Block::Kind;

struct Out {
  std::vector<Block> blocks;
  void heading(int level, std::string text) { blocks.push_back({Kind::heading, level, std::move(text), {}, {}, ""}); }
  void para(std::string text, std::string tone = "") {
    blocks.push_back({Kind::paragraph, 0, std::move(text), {}, {}, std::move(tone)});
  }
  void table(std::vector<std::string> headers, std::vector<std::vector<std::string>> rows) {
    if (rows.empty()) return;
    blocks.push_back({Kind::table, 0, "", std::move(headers), std::move(rows), ""});
  }
  void bullets(const std::vector<std::string>& items) {
    Block b{Kind::bullets, 0, "", {}, {}, ""};
    for (const auto& i : items) b.rows.push_back({i});
    if (!b.rows.empty()) blocks.push_back(std::move(b));
  }
  void chart(std::string which) { blocks.push_back({Kind::chart, 0, std::move(which), {}, {}, ""}); }
};

std::string seq_of(const json::Value& record) {
  if (!record.is_object()) return "—";
  const json::Value& proof = member(record, "proof");
  const bool provable = member(proof, "tree_size").is_integer();
  return fmt::format("#{}{}", num(record, "seq"), provable ? " ✓" : " (unsigned)");
}

std::string joined(const json::Array& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i.is_string() ? i.as_string() : json::serialize(i);
  }
  return out;
}

void register_part(Out& o, const json::Value& reg) {
  o.heading(2, "1. Control register: who owns and who approved access");
  if (!flag(reg, "applied")) o.para("No control register has been applied: no connector has recorded owners.", "bad");
  for (const auto& c : list(reg, "connectors")) {
    const std::string name = str(c, "upstream");
    o.heading(3, fmt::format("Connector {}{}", name, flag(c, "offboarded") ? " (offboarded)" : ""));
    o.table({"", ""},
            {{"Purpose", str(c, "purpose")},
             {"Kind", str(c, "kind") == "vendor" ? "vendor-managed" : "self-hosted"},
             {"Connector owner team", str(c, "owner_team")},
             {"Policy owner", str(c, "policy_owner")},
             {"Downstream owner", str(c, "downstream_owner")},
             {"Approved by", fmt::format("{} on {}", str(c, "approver"), str(c, "approved_on"))},
             {"Review by", fmt::format("{}{}", str(c, "review_by"),
                                       flag(c, "review_overdue") ? " — OVERDUE"
                                                                 : fmt::format(" (in {} days)", num(c, "days_to_review")))},
             {"Data classification", str(c, "classification", "—")}});
    if (flag(c, "review_overdue")) o.para(fmt::format("The review of {} is overdue.", name), "bad");
    std::vector<std::vector<std::string>> mappings;
    for (const auto& m : list(c, "tenants")) {
      mappings.push_back({str(m, "tenant"), list(m, "agents").empty() ? "any of the tenant's workloads"
                                                                      : joined(list(m, "agents")),
                          str(m, "purpose", "—"), flag(m, "offboarded") ? "offboarded" : "active"});
    }
    o.para("Tenant mappings:");
    o.table({"Tenant", "Workloads", "Purpose", "State"}, mappings);
    std::vector<std::vector<std::string>> pins;
    for (const auto& t : list(c, "tools")) {
      pins.push_back({str(t, "tool"), str(t, "digest").substr(0, 16), str(t, "approved_by"), str(t, "approved_at")});
    }
    for (const auto& t : list(c, "pending_tools")) {
      pins.push_back({str(t, "tool"), str(t, "digest").substr(0, 16), "PENDING approval (withheld)",
                      str(t, "first_seen")});
    }
    o.para("Pinned tool definitions:");
    o.table({"Tool", "Definition digest", "Approved by", "When"}, pins);
    std::vector<std::vector<std::string>> history;
    for (const auto& e : list(c, "tool_history")) {
      const json::Value& d = member(e, "detail");
      history.push_back({str(e, "time"), str(e, "event"),
                         str(d, "tool", str(d, "by", "")) + (d.find("change") ? " (" + str(d, "change") + ")" : ""),
                         seq_of(e)});
    }
    if (!history.empty()) {
      o.para("Tool definition history:");
      o.table({"When", "Event", "Detail", "Audit record"}, history);
    }
    const json::Value& shared = member(c, "shared_responsibility");
    if (shared.is_object()) {
      o.heading(4, "Shared responsibility (vendor-managed connector)");
      o.para("The gateway enforces for the customer:");
      std::vector<std::string> items;
      for (const auto& i : list(shared, "gateway_enforces")) items.push_back(i.as_string());
      o.bullets(items);
      o.para("The vendor must attest:");
      items.clear();
      for (const auto& i : list(shared, "vendor_attests")) items.push_back(i.as_string());
      o.bullets(items);
    }
  }
  if (!list(reg, "unregistered_upstreams").empty()) {
    o.para("Upstreams served without a register entry: " + joined(list(reg, "unregistered_upstreams")), "bad");
  }
  std::vector<std::vector<std::string>> versions;
  for (const auto& v : list(reg, "versions")) {
    versions.push_back({std::to_string(num(v, "version")), str(v, "applied_at"), str(v, "applied_by"), str(v, "reason"),
                        seq_of(member(v, "record"))});
  }
  o.para("Register versions:");
  o.table({"Version", "Applied", "By", "Why", "Audit record"}, versions);
}

void enforcement_part(Out& o, const json::Value& se) {
  o.heading(2, "2. Scope enforcement: how access was limited");
  o.heading(3, "Policies that apply");
  std::vector<std::vector<std::string>> policies;
  for (const auto& p : list(se, "policies")) {
    policies.push_back({str(p, "id"), str(p, "effect"), joined(list(p, "owners")),
                        fmt::format("{}:{}", str(p, "file"), num(p, "line")), str(p, "applies_because")});
  }
  if (policies.empty()) o.para("No policy applies.", "warn");
  o.table({"Policy", "Effect", "Owner", "Where", "Why it applies"}, policies);
  std::vector<std::vector<std::string>> lint;
  for (const auto& l : list(se, "lint")) lint.push_back({str(l, "policy_id"), str(l, "code"), str(l, "message")});
  if (lint.empty() && !policies.empty()) o.para("Policy lint: no finding.", "ok");
  o.table({"Policy", "Lint finding", "Message"}, lint);
  for (const auto& e : list(se, "errors")) o.para("Policy error: " + e.as_string(), "bad");

  const json::Value& d = member(se, "decisions");
  o.heading(3, "Decisions in the period");
  o.para(fmt::format("{} request(s) allowed, {} refused.", num(d, "allow"), num(d, "deny")));
  o.chart("decisions_over_time");
  o.chart("denials_by_reason");
  o.chart("decisions_by_tenant");
  std::vector<std::vector<std::string>> reasons;
  for (const auto& r : list(d, "deny_by_reason")) reasons.push_back({str(r, "reason"), std::to_string(num(r, "count"))});
  o.table({"Refusal reason", "Count"}, reasons);
  std::vector<std::vector<std::string>> tools;
  for (const auto& t : list(d, "by_tool")) {
    tools.push_back({str(t, "tool"), std::to_string(num(t, "allow")), std::to_string(num(t, "deny"))});
  }
  o.table({"Tool or method", "Allowed", "Refused"}, tools);

  o.heading(3, "Denied cross-tenant attempts");
  const json::Value& cross = member(se, "cross_tenant_denials");
  o.para(fmt::format("{} attempt(s) to act for another tenant, all refused.", num(cross, "count")),
         num(cross, "count") > 0 ? "warn" : "ok");
  std::vector<std::vector<std::string>> attempts;
  for (const auto& r : list(cross, "records")) {
    attempts.push_back({str(r, "time"), str(r, "principal"), str(r, "target_tenant", "—"), str(r, "reason"), seq_of(r)});
  }
  o.table({"When", "Workload", "Tenant asked for", "Reason", "Audit record"}, attempts);

  o.heading(3, "Data loss prevention");
  const json::Value& dlp = member(se, "dlp");
  const json::Value& configured = member(dlp, "configured");
  o.para(fmt::format("{} response(s) blocked (reason dlp_blocked). DLP configured: {}.", num(dlp, "count"),
                     configured.is_bool() ? (configured.as_bool() ? "yes" : "no") : "unknown"));
  std::vector<std::vector<std::string>> hits;
  for (const auto& r : list(dlp, "records")) hits.push_back({str(r, "time"), str(r, "tenant"), str(r, "tool"), seq_of(r)});
  o.table({"When", "Tenant", "Tool", "Audit record"}, hits);

  o.heading(3, "Task tokens issued");
  const json::Value& t = member(se, "task_tokens");
  o.para(fmt::format("{} task token(s) issued in the period, {} request(s) refused; longest lifetime {} s (maximum {} s).",
                     num(t, "issued"), num(t, "refused_requests"), num(t, "longest_lifetime_seconds"),
                     num(t, "max_ttl_seconds")));
  std::vector<std::vector<std::string>> tokens;
  for (const auto& k : list(t, "tokens")) {
    tokens.push_back({str(k, "tenant"), str(k, "task"), str(k, "holder"), str(k, "scope"), str(k, "issued_at"),
                      std::to_string(num(k, "lifetime_seconds")) + " s", flag(k, "revoked") ? "revoked" : "—",
                      seq_of(member(k, "record"))});
  }
  o.table({"Tenant", "Task", "Holder", "Scope", "Issued", "Lifetime", "Revoked", "Audit record"}, tokens);
  std::vector<std::vector<std::string>> revocations;
  for (const auto& r : list(se, "revocations")) {
    revocations.push_back({str(r, "revoked_at"), str(r, "kind") + " " + str(r, "value"), str(r, "actor"), str(r, "reason"),
                           seq_of(member(r, "record"))});
  }
  if (!revocations.empty()) o.para("Revocations:");
  o.table({"When", "What", "By", "Why", "Audit record"}, revocations);
}

void access_part(Out& o, const json::Value& access) {
  o.heading(2, "3. Data access");
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : list(access, "tenants")) {
    for (const auto& c : list(t, "by_classification")) {
      rows.push_back({str(t, "tenant"), str(c, "classification"), std::to_string(num(c, "reads")),
                      std::to_string(num(c, "writes")), std::to_string(num(c, "invokes")),
                      std::to_string(num(c, "denied"))});
    }
  }
  if (rows.empty()) o.para("No tool call or resource read in the period.");
  o.table({"Tenant", "Classification", "Reads", "Downstream writes", "Other calls", "Refused"}, rows);
  rows.clear();
  for (const auto& t : list(access, "tenants")) {
    for (const auto& c : list(t, "by_tool")) {
      rows.push_back({str(t, "tenant"), str(c, "tool"), str(c, "classification"), std::to_string(num(c, "reads")),
                      std::to_string(num(c, "writes")), std::to_string(num(c, "invokes")),
                      std::to_string(num(c, "denied"))});
    }
  }
  o.table({"Tenant", "Tool or resource", "Classification", "Reads", "Writes", "Other", "Refused"}, rows);
}

void offboarding_part(Out& o, const json::Value& offboardings) {
  o.heading(2, "4. Offboarding and revocation");
  if (!offboardings.is_array() || offboardings.as_array().empty()) o.para("No offboarding in the report's scope.");
  if (!offboardings.is_array()) return;
  for (const auto& off : offboardings.as_array()) {
    o.heading(3, fmt::format("Offboarding of {} {}", str(off, "kind"), str(off, "value")));
    o.table({"", ""}, {{"Who", str(off, "actor")},
                       {"Why", str(off, "reason")},
                       {"When", str(off, "at")},
                       {"Applied by the gateway", str(off, "applied_at", "NOT APPLIED")},
                       {"Task tokens revoked", std::to_string(num(off, "tokens_revoked"))},
                       {"Sessions closed", std::to_string(num(off, "sessions_closed"))},
                       {"Processes stopped", std::to_string(num(off, "processes_stopped"))},
                       {"Credentials removed", std::to_string(num(off, "credentials_deleted"))}});
    std::vector<std::vector<std::string>> steps;
    for (const auto& s : list(off, "timeline")) {
      steps.push_back({str(s, "time"), str(s, "what"), str(s, "actor", "—"), seq_of(member(s, "record"))});
    }
    o.para("Timeline:");
    o.table({"When", "What happened", "Who", "Audit record"}, steps);
    const json::Value& refused = member(off, "refused_after");
    o.para(fmt::format("Later attempts refused: {}. Each listed record has an inclusion proof; `bulkhead audit proof "
                       "<audit dir> --seq N` reproduces it.", num(refused, "count")),
           num(refused, "count") > 0 ? "ok" : "");
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : list(refused, "records")) {
      rows.push_back({str(r, "time"), str(r, "principal", "—"), str(r, "tool", str(r, "method")), str(r, "reason"),
                      seq_of(r)});
    }
    o.table({"When", "Who", "What", "Reason", "Audit record"}, rows);
  }
}

void frameworks_part(Out& o, const json::Value& frameworks) {
  o.heading(2, "5. Framework mapping");
  o.para("Status is computed from the evidence above: met, gap, or not applicable (with why). Identifiers: OWASP Top 10 "
         "for Agentic Applications 2026 (ASI), OWASP Agentic AI Threats and Mitigations (T), CSA MAESTRO layers (L), "
         "NIST AI RMF 1.0 subcategories.");
  std::vector<std::vector<std::string>> rows;
  if (frameworks.is_array()) {
    for (const auto& c : frameworks.as_array()) {
      const std::string status = str(c, "status");
      rows.push_back({str(c, "title"), status == "not_applicable" ? "not applicable" : status, str(c, "why"),
                      joined(list(c, "owasp_asi_2026")), joined(list(c, "owasp_agentic_threats")),
                      joined(list(c, "csa_maestro")), joined(list(c, "nist_ai_rmf"))});
    }
  }
  o.table({"Control", "Status", "Why", "OWASP ASI", "OWASP T", "MAESTRO", "NIST AI RMF"}, rows);
}

}  // namespace

std::vector<Block> outline(const json::Value& doc) {
  Out o;
  o.para(str(doc, "verdict"), flag(member(doc, "audit"), "verified") ? "ok" : "bad");
  const json::Value& scope = member(doc, "scope");
  const std::string what = str(scope, "kind") == "all" ? std::string("all connectors and tenants")
                                                      : str(scope, "kind") + " " + str(scope, "value");
  o.heading(1, "Accountability report: " + what);
  const json::Value& period = member(doc, "period");
  const json::Value& audit = member(doc, "audit");
  o.table({"", ""}, {{"Generated", str(doc, "generated_at")},
                     {"Period", fmt::format("{} to {}", str(period, "since", "the beginning of the log"),
                                            str(period, "until", "now"))},
                     {"Audit log", str(audit, "dir")},
                     {"Records verified", fmt::format("{} ({} covered by a signed checkpoint)", num(audit, "records"),
                                                      num(audit, "signed_records"))},
                     {"Signed tree head", str(audit, "root_hash", "—")},
                     {"Trust anchor", str(audit, "trust_anchor")}});
  if (!flag(audit, "verified")) {
    const json::Value& f = member(audit, "failure");
    o.para(fmt::format("Verification stopped at {} offset {}: {} ({}). Nothing in this log can be relied on; the "
                       "report is refused.", str(f, "segment"), num(f, "offset"), str(f, "message"), str(f, "problem")),
           "bad");
    return std::move(o.blocks);
  }
  o.para("Audit record numbers (#N) marked ✓ are covered by the signed checkpoint: `bulkhead audit proof <audit dir> "
         "--seq N` prints the inclusion proof this report cites.");
  register_part(o, member(doc, "register"));
  enforcement_part(o, member(doc, "scope_enforcement"));
  access_part(o, member(doc, "data_access"));
  offboarding_part(o, member(doc, "offboarding"));
  frameworks_part(o, member(doc, "frameworks"));
  const json::Value& scan = member(doc, "scan");
  if (scan.is_object()) {
    o.heading(2, "6. Client configuration scan");
    o.para(fmt::format("{} file(s) scanned, {} finding(s).", num(scan, "files_scanned"), num(scan, "findings")));
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : list(scan, "items")) {
      rows.push_back({str(f, "severity"), str(f, "rule_id"), fmt::format("{}:{}", str(f, "path"), num(f, "line")),
                      str(f, "message")});
    }
    o.table({"Severity", "Rule", "Where", "Finding"}, rows);
  }
  return std::move(o.blocks);
}

}  // namespace bulkhead::report::detail
