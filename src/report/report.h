// bulkhead::report — the accountability report (issue #11): what an auditor, customer or regulator reads to see who
// approved access, how scope was enforced and how offboarding worked. It verifies the audit log first, then joins
// the control register, the store (versions, pins, task tokens, revocations, offboardings), the policies and the
// audit records into one document, maps the controls to OWASP / CSA MAESTRO / NIST AI RMF with a status computed
// from that evidence, and renders it as JSON (the model itself, schema in docs/report.md), Markdown or HTML.
//
// Pure functions over a directory, a store and inputs; nothing is written. Not thread-safe per Store (one thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "identity/identity.h"
#include "json/json.h"
#include "store/store.h"

namespace bulkhead::report {

enum class ScopeKind : std::uint8_t { all, connector, tenant };

// One [[upstream]] of bulkhead.toml as far as the report needs it.
struct UpstreamFacts {
  std::string name;
  std::string prefix;                                   // exposed name = prefix + tool
  std::string transport;                                // "http" | "stdio"
  std::string classification = "internal";             // default of its tools and resources
  std::map<std::string, std::string> tool_classification;  // exposed tool name → classification (overrides)
};

struct ReportOptions {
  ScopeKind scope = ScopeKind::all;
  std::string scope_value;                              // the connector or tenant
  std::optional<std::chrono::system_clock::time_point> since;  // inclusive
  std::optional<std::chrono::system_clock::time_point> until;  // exclusive
  std::chrono::system_clock::time_point now{};          // "today" for review dates; generated_at

  std::filesystem::path audit_dir;                      // required
  std::filesystem::path public_key_file;                // pinned trust anchor; empty = DIR/public-key.pem
  bool strict = false;                                  // refuse records after the last checkpoint too
  std::filesystem::path policy_dir;                     // empty = no policies
  std::vector<UpstreamFacts> upstreams;
  std::vector<identity::TenantBinding> tenants;
  std::chrono::seconds token_max_ttl{900};
  std::optional<bool> dlp_configured;                   // nullopt = unknown
  json::Value scan;                                     // optional `bulkhead scan` JSON of the client configs
  std::size_t max_listed = 100;                         // per list of cited records (counts stay exact)
};

struct Report {
  bool verified = false;   // false: the audit log did not verify; `document` says why and holds nothing else
  std::string refusal;     // the first line of a refused report
  json::Value document;    // the report (docs/report.md)
};

// Verifies the audit log and assembles the report. An error only when inputs cannot be read at all (no audit
// directory, store failure); a log that does not verify is a Report with verified = false.
[[nodiscard]] core::Result<Report> build_report(const ReportOptions& options, store::Store& store);

// Renderers of a document made by build_report. Markdown and HTML start with the verdict line; HTML is one
// self-contained page (inline CSS and SVG, no script, no external resource), printable.
[[nodiscard]] std::string render_json(const json::Value& document);  // indented, ends with a newline
[[nodiscard]] std::string render_markdown(const json::Value& document);
[[nodiscard]] std::string render_html(const json::Value& document);

}  // namespace bulkhead::report
