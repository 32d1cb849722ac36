// One pass over the verified audit records: what is in the report's scope and period is counted (decisions by
// reason, tool and tenant; data access by classification; reasons of every kind, so DLP hits show up by their
// reason) and the records the report cites are kept (cross-tenant refusals, DLP hits, lifecycle events joined to
// the store's offboardings, revocations, task tokens, register versions and pins, refusals after an offboarding).
// Not thread-safe; one Collector per report.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audit/audit.h"
#include "identity/identity.h"
#include "report/report.h"
#include "store/store.h"

namespace bulkhead::report::detail {

// What the collector reads of one record. Strings point into the record's payload (or a decoded AuditRecord) and
// live for the duration of consume(); `detail` is never null (an empty object when the record has none).
struct RecordFacts {
  std::int64_t time_us = 0;
  audit::RecordKind kind = audit::RecordKind::invoke;
  audit::Decision decision = audit::Decision::none;
  std::optional<core::Reason> reason;
  std::string_view tenant;
  std::string_view principal;
  std::string_view upstream;
  std::string_view method;
  std::string_view tool;
  std::string_view resource;
  const json::Value* detail = nullptr;
};
[[nodiscard]] RecordFacts facts_of(const audit::AuditRecord& record);
// The fast path for plain call records (kind invoke/read/write, no reason, no detail, no escaped string): the
// facts straight from the canonical payload without building a record. nullopt = decode the record instead.
[[nodiscard]] std::optional<RecordFacts> plain_facts(std::string_view payload);

// A record the report cites (by seq, with an inclusion proof when a checkpoint covers it).
struct Cited {
  std::uint64_t seq = 0;
  std::int64_t time_us = 0;
  std::string kind;
  std::string decision;
  std::string event;      // detail.event of lifecycle records
  std::string principal;
  std::string tenant;
  std::string target_tenant;  // cross-tenant attempts: the tenant asked for
  std::string reason;
  std::string method;
  std::string tool;
  std::string upstream;
  json::Value detail;
};

struct AllowDeny {
  std::uint64_t allow = 0;
  std::uint64_t deny = 0;
};

struct Access {
  std::string classification;
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t invokes = 0;
  std::uint64_t denied = 0;
};

// A bounded list of cited records with the exact count.
struct CitedList {
  std::vector<Cited> items;
  std::uint64_t count = 0;
  void add(Cited cited, std::size_t max) {
    ++count;
    if (items.size() < max) items.push_back(std::move(cited));
  }
};

class Collector {
 public:
  Collector(const ReportOptions& options, const identity::TenantMap& tenants,
            const std::vector<store::Offboarding>& offboardings);

  void consume(std::uint64_t seq, const RecordFacts& record);

  // Scope helpers shared with the sections.
  [[nodiscard]] const UpstreamFacts* upstream_of_tool(std::string_view exposed_tool) const;
  [[nodiscard]] bool offboarding_in_scope(const store::Offboarding& offboarding) const;
  [[nodiscard]] std::string classification_of(const std::string& upstream, const std::string& tool) const;

  // Results.
  std::uint64_t records_total = 0;
  std::uint64_t records_in_scope = 0;   // scope and period
  std::optional<std::int64_t> first_us;  // of the records in scope and period
  std::optional<std::int64_t> last_us;
  AllowDeny decisions;
  std::map<std::string, std::uint64_t> deny_by_reason;
  std::map<std::string, std::uint64_t> reasons;          // every reason on record, any kind or decision
  std::map<std::string, AllowDeny> by_tool;
  std::map<std::string, AllowDeny> by_tenant;
  std::vector<std::pair<std::int64_t, bool>> decision_times;  // (time_us, denied)
  std::map<std::pair<std::string, std::string>, Access> access;  // (tenant, tool or resource) → counts
  CitedList cross_tenant;
  CitedList dlp;
  AllowDeny token_requests;                                 // /oauth/token decisions in scope and period
  std::map<std::string, Cited> token_issued;                // jti → its token_exchange record
  std::map<std::int64_t, Cited> revocation_records;         // revocation id → token_revoke record
  std::vector<Cited> revoke_requests;                       // /oauth/revoke records (by jti value in detail)
  std::map<std::int64_t, std::vector<Cited>> offboarding_events;  // offboarding id → offboarded / applied records
  std::map<std::int64_t, CitedList> refused_after;          // offboarding id → refusals after it
  std::vector<Cited> tool_events;                           // tools_pinned, tool_definition_seen, tools_approved
  std::map<std::int64_t, Cited> register_applied;           // version → record

 private:
  [[nodiscard]] bool in_scope(const RecordFacts& r) const;
  [[nodiscard]] bool in_period(const RecordFacts& r) const;
  [[nodiscard]] bool touches_connector(const RecordFacts& r, std::string_view connector) const;
  [[nodiscard]] bool bound_to(std::string_view principal, std::string_view tenant) const;
  [[nodiscard]] Cited cite(std::uint64_t seq, const RecordFacts& r) const;
  void lifecycle(std::uint64_t seq, const RecordFacts& r, const std::string& event);
  void refusal_after_offboarding(std::uint64_t seq, const RecordFacts& r);

  const ReportOptions& options_;
  const identity::TenantMap& tenants_;
  const std::vector<store::Offboarding>& offboardings_;
  std::vector<const store::Offboarding*> scoped_offboardings_;
  std::optional<std::int64_t> since_us_;
  std::optional<std::int64_t> until_us_;
  const UpstreamFacts* connector_ = nullptr;  // scope connector
};

// The tenant a refused cross-tenant attempt asked for, from the refusal message ("... tenant 'globex' ...").
[[nodiscard]] std::string quoted_tenant(std::string_view message);
// True when a refusal is a cross-tenant attempt (a workload naming a tenant it is not bound to, a task token used
// for another tenant, or a session presented by or for another principal/tenant).
[[nodiscard]] bool is_cross_tenant(const RecordFacts& record);

}  // namespace bulkhead::report::detail
