// The sections of the report document (docs/report.md), each built from the store's facts, the collector's pass
// over the audit log and the options. Pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "register/register.h"
#include "report/detail/collector.h"
#include "report/detail/evidence.h"
#include "report/report.h"
#include "store/store.h"

namespace bulkhead::report::detail {

// What the store holds, read once before the pass over the log.
struct StoreFacts {
  std::optional<registry::Register> reg;
  std::vector<store::RegisterVersion> versions;
  std::vector<store::ToolPin> pins;
  std::map<std::string, std::vector<store::ToolCandidate>> candidates;  // upstream → pending definitions
  std::vector<store::IssuedToken> tokens;
  std::vector<store::Revocation> revocations;
  std::vector<store::Offboarding> offboardings;
};
[[nodiscard]] core::Result<StoreFacts> read_store(store::Store& store, const ReportOptions& options);

// Turns cited records into JSON with their inclusion proofs (when a signed checkpoint covers them).
class Citations {
 public:
  Citations(const std::filesystem::path& audit_dir, const AuditPaths* paths);
  [[nodiscard]] json::Value cite(const Cited& cited) const;
  [[nodiscard]] json::Value cite_list(const CitedList& cited) const;  // {"count": n, "records": [...]}

 private:
  std::string dir_;
  const AuditPaths* paths_;
};

[[nodiscard]] json::Value register_section(const ReportOptions& options, const StoreFacts& facts,
                                           const Collector& collector, const Citations& citations);
[[nodiscard]] json::Value enforcement_section(const ReportOptions& options, const StoreFacts& facts,
                                              const Collector& collector, const Citations& citations);
[[nodiscard]] json::Value data_access_section(const Collector& collector);
[[nodiscard]] json::Value offboarding_section(const ReportOptions& options, const StoreFacts& facts,
                                              const Collector& collector, const Citations& citations);
// One revocation with the audit record that put it on record.
[[nodiscard]] json::Value revocation_json(const store::Revocation& revocation, const Collector& collector,
                                          const Citations& citations);
// Computed from the finished sections of `document` (register, scope_enforcement, offboarding, audit).
[[nodiscard]] json::Value frameworks_section(const json::Value& document, const ReportOptions& options);

// Shared by sections: is `connector` in the report's scope; is `tenant`?
[[nodiscard]] bool connector_in_scope(const ReportOptions& options, const registry::Connector& connector);
[[nodiscard]] bool tenant_in_scope(const ReportOptions& options, std::string_view tenant);

}  // namespace bulkhead::report::detail
