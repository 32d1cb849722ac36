// build_report(): verify the audit log, read the store, one pass over the records, then the sections.
#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "report/detail/collector.h"
#include "report/detail/evidence.h"
#include "report/detail/sections.h"
#include "report/detail/text.h"
#include "report/report.h"

namespace bulkhead::report {
namespace {

using detail::rfc3339_us;
using detail::unix_us;

std::string_view scope_name(ScopeKind kind) {
  switch (kind) {
    case ScopeKind::all: return "all";
    case ScopeKind::connector: return "connector";
    case ScopeKind::tenant: return "tenant";
  }
  return "all";
}

json::Value header(const ReportOptions& options) {
  json::Value doc = json::Value::object();
  doc.set("verdict", "");
  doc.set("format", "bulkhead-accountability-report");
  doc.set("version", 1);
  doc.set("generated_at", rfc3339_us(unix_us(options.now)));
  json::Value scope = json::Value::object();
  scope.set("kind", scope_name(options.scope));
  scope.set("value", options.scope == ScopeKind::all ? json::Value() : json::Value(options.scope_value));
  doc.set("scope", std::move(scope));
  json::Value period = json::Value::object();
  period.set("since", options.since ? json::Value(rfc3339_us(unix_us(*options.since))) : json::Value());
  period.set("until", options.until ? json::Value(rfc3339_us(unix_us(*options.until))) : json::Value());
  doc.set("period", std::move(period));
  return doc;
}

}  // namespace

core::Result<Report> build_report(const ReportOptions& options, store::Store& store) {
  if (options.audit_dir.empty()) return core::fail(core::Reason::invalid_request, "no audit directory ([audit] dir)");
  auto tenants = identity::TenantMap::create(options.tenants);
  if (!tenants) return std::unexpected(tenants.error());
  auto facts = detail::read_store(store, options);
  if (!facts) return std::unexpected(facts.error());

  Report report;
  report.document = header(options);
  json::Value& doc = report.document;
  audit::VerifyOptions verify_options;
  verify_options.public_key_file = options.public_key_file;
  verify_options.allow_unsigned_tail = !options.strict;
  auto collector = std::make_unique<detail::Collector>(options, *tenants, facts->offboardings);
  const auto started = std::chrono::steady_clock::now();
  // Plain call records take the fast path; everything else is decoded in full (and must decode).
  auto sink = [&collector](std::uint64_t seq, std::string_view payload) -> core::Result<void> {
    if (auto plain = detail::plain_facts(payload)) {
      collector->consume(seq, *plain);
      return {};
    }
    auto record = audit::decode_record(payload);
    if (!record) return std::unexpected(record.error());
    collector->consume(seq, detail::facts_of(*record));
    return {};
  };
  auto evidence = detail::read_log(options.audit_dir, verify_options, sink);
  if (!evidence) return std::unexpected(evidence.error());
  if (evidence->grew) {  // a live log: collect again over exactly the verified prefix
    collector = std::make_unique<detail::Collector>(options, *tenants, facts->offboardings);
    if (auto again = detail::read_prefix(options.audit_dir, *evidence, sink); !again) return std::unexpected(again.error());
  }
  const auto& v = evidence->verify;
  json::Value audit = json::Value::object();
  audit.set("dir", options.audit_dir.string());
  audit.set("verified", v.ok());
  audit.set("segments", v.segments);
  audit.set("records", v.records);
  audit.set("checkpoints", v.checkpoints);
  audit.set("signed_records", v.signed_records);
  audit.set("unsigned_records", v.records - std::min(v.records, v.signed_records));
  audit.set("trust_anchor", options.public_key_file.empty() ? (options.audit_dir / "public-key.pem").string()
                                                            : options.public_key_file.string());
  if (!v.ok()) {
    const audit::VerifyFinding& f = *v.failure;
    json::Value failure = json::Value::object();
    failure.set("problem", audit::problem_name(f.problem));
    failure.set("segment", f.segment);
    failure.set("offset", f.offset);
    failure.set("seq", f.seq ? json::Value(*f.seq) : json::Value());
    failure.set("message", f.message);
    audit.set("failure", std::move(failure));
    report.verified = false;
    report.refusal = fmt::format("REPORT REFUSED: the audit log {} does not verify: {}: {} offset {}{}: {}",
                                 options.audit_dir.string(), audit::problem_name(f.problem), f.segment, f.offset,
                                 f.seq ? fmt::format(" seq {}", *f.seq) : std::string(), f.message);
    doc.set("verdict", report.refusal);
    doc.set("audit", std::move(audit));
    return report;
  }
  report.verified = true;
  // Proofs against the latest signed checkpoint (the one `bulkhead audit proof` uses).
  std::optional<detail::AuditPaths> paths;
  if (v.signed_records > 0) paths.emplace(evidence->leaves, v.signed_records);
  if (paths) audit.set("root_hash", core::hex_encode(paths->root()));
  audit.set("records_in_scope", collector->records_in_scope);
  json::Value& period = *doc.find("period");
  period.set("first_record", collector->first_us ? json::Value(rfc3339_us(*collector->first_us)) : json::Value());
  period.set("last_record", collector->last_us ? json::Value(rfc3339_us(*collector->last_us)) : json::Value());
  doc.set("audit", std::move(audit));
  const detail::Citations citations(options.audit_dir, paths ? &*paths : nullptr);
  doc.set("register", detail::register_section(options, *facts, *collector, citations));
  doc.set("scope_enforcement", detail::enforcement_section(options, *facts, *collector, citations));
  doc.set("data_access", detail::data_access_section(*collector));
  doc.set("offboarding", detail::offboarding_section(options, *facts, *collector, citations));
  if (!options.scan.is_null()) doc.set("scan", options.scan);
  doc.set("frameworks", detail::frameworks_section(doc, options));
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  doc.find("audit")->set("read_ms", static_cast<std::int64_t>(elapsed.count()));
  report.refusal.clear();
  doc.set("verdict", fmt::format("VERIFIED: audit log of {} records ({} signed) verified before this report was "
                                 "assembled", v.records, v.signed_records));
  return report;
}

}  // namespace bulkhead::report
