// export_tenant(): `bulkhead audit export DIR --tenant T` (docs/formats/audit.md "Export").
#include <fmt/format.h>

#include <ostream>

#include "audit/audit.h"
#include "audit/detail/evidence.h"
#include "audit/detail/merkle.h"

namespace bulkhead::audit {
namespace {

struct Selected {
  std::uint64_t seq = 0;
  std::vector<std::uint8_t> leaf;
  AuditRecord record;
  std::string payload;
};

// RFC 4180 quoting; cells a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV injection).
std::string csv_cell(std::string_view text) {
  std::string cell;
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                        text[0] == '\r')) {
    cell.push_back('\'');
  }
  cell.append(text);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(items[i]);
  }
  return out;
}

std::string hex_path(const std::vector<Sha256Digest>& path) {
  std::vector<std::string> items;
  for (const auto& h : path) items.push_back(core::hex_encode(h));
  return join(items, " ");
}

std::int64_t micros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::optional<ExportFormat> export_format_from_name(std::string_view name) noexcept {
  if (name == "jsonl") return ExportFormat::jsonl;
  if (name == "csv") return ExportFormat::csv;
  return std::nullopt;
}

core::Result<ExportSummary> export_tenant(const std::filesystem::path& dir, const ExportOptions& options,
                                          std::ostream& out) {
  if (options.tenant.empty()) return core::fail(core::Reason::invalid_request, "export needs a tenant");
  std::vector<Selected> selected;
  detail::ScanHooks hooks;
  hooks.on_record = [&](const detail::RecordView& view) {
    auto record = decode_record(view.payload);  // the verifier already checked that it decodes
    if (!record || record->tenant != options.tenant) return;
    if (options.since && record->time < *options.since) return;
    if (options.until && record->time >= *options.until) return;
    selected.push_back({view.seq, {view.body.begin(), view.body.end()}, std::move(*record), std::string(view.payload)});
  };
  auto log = detail::load_verified(dir, options.verify, hooks);
  if (!log) return std::unexpected(log.error());
  const std::uint64_t covered = log->checkpoint ? log->checkpoint->tree_size : 0;
  log->leaf_hashes.resize(covered);
  const detail::MerkleLevels tree(std::move(log->leaf_hashes));
  const std::string checkpoint_body =
      log->checkpoint ? core::base64_encode(detail::encode_checkpoint_body(*log->checkpoint)) : std::string();
  ExportSummary summary;

  if (options.format == ExportFormat::jsonl) {
    json::Value header = json::Value::object();
    header.set("type", "header");
    header.set("format", "bulkhead-audit-export");
    header.set("version", 1);
    header.set("tenant", options.tenant);
    if (options.since) header.set("since_us", micros(*options.since));
    if (options.until) header.set("until_us", micros(*options.until));
    header.set("public_key_pem", detail::public_key_pem(log->key));
    header.set("public_key", core::hex_encode(log->key));
    header.set("checkpoint", log->checkpoint ? detail::checkpoint_json(*log->checkpoint) : json::Value());
    out << json::serialize(header) << '\n';
  } else {
    out << "seq,time_us,tenant,principal,kind,decision,reason,method,upstream,tool,resource,session,task,policies,"
           "latency_us,leaf_b64,audit_path,tree_size,checkpoint_b64,public_key_b64\r\n";
  }
  const std::string public_key_b64 = core::base64_encode(log->key);
  for (const Selected& s : selected) {
    const bool provable = s.seq < covered;
    const std::vector<Sha256Digest> path = provable ? tree.inclusion_path(s.seq) : std::vector<Sha256Digest>{};
    ++summary.exported;
    if (!provable) ++summary.without_proof;
    if (options.format == ExportFormat::jsonl) {
      json::Value line = json::Value::object();
      line.set("type", "record");
      line.set("seq", s.seq);
      line.set("leaf", core::base64_encode(s.leaf));
      line.set("leaf_hash", core::hex_encode(detail::leaf_hash(s.leaf)));
      line.set("tree_size", provable ? json::Value(covered) : json::Value());
      line.set("audit_path", provable ? detail::hex_array(path) : json::Value());
      auto record = json::parse(s.payload);
      line.set("record", record ? std::move(*record) : json::Value());
      out << json::serialize(line) << '\n';
    } else {
      const AuditRecord& r = s.record;
      const std::vector<std::string> cells = {
          std::to_string(s.seq),
          std::to_string(micros(r.time)),
          csv_cell(r.tenant),
          csv_cell(r.principal),
          std::string(kind_name(r.kind)),
          std::string(decision_name(r.decision)),
          r.reason ? std::string(core::reason_name(*r.reason)) : std::string(),
          csv_cell(r.method),
          csv_cell(r.upstream),
          csv_cell(r.tool),
          csv_cell(r.resource),
          csv_cell(r.session),
          csv_cell(r.task),
          csv_cell(join(r.policy_ids, " ")),
          r.latency ? std::to_string(r.latency->count()) : std::string(),
          core::base64_encode(s.leaf),
          hex_path(path),
          provable ? std::to_string(covered) : std::string(),
          provable ? checkpoint_body : std::string(),
          public_key_b64};
      out << join(cells, ",") << "\r\n";
    }
  }
  if (options.format == ExportFormat::jsonl) {
    json::Value footer = json::Value::object();
    footer.set("type", "footer");
    footer.set("records", summary.exported);
    footer.set("without_proof", summary.without_proof);
    out << json::serialize(footer) << '\n';
  }
  out.flush();
  if (!out) return core::fail(core::Reason::audit_unavailable, "cannot write the export");
  return summary;
}

}  // namespace bulkhead::audit
