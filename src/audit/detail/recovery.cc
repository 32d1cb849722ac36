#include "audit/detail/recovery.h"

#include <fmt/format.h>

#include "audit/detail/log_reader.h"

namespace bulkhead::audit::detail {

core::Result<RecoveredLog> recover(const AuditOptions& options, const PublicKey& key, core::Clock& clock) {
  LogVerifier verifier(key, /*check_payloads=*/true, /*keep_leaf_hashes=*/false);
  auto scan = scan_directory(options.dir, verifier);
  if (!scan) return std::unexpected(scan.error());
  RecoveredLog out;
  std::vector<SegmentFile> segments = scan->segments;
  std::uint64_t last_valid_bytes = scan->last_valid_bytes;
  if (scan->finding) {
    const VerifyFinding& finding = *scan->finding;
    const SegmentFile& bad = segments[scan->bad_segment];
    const bool is_last = scan->bad_segment + 1 == segments.size();
    std::error_code ec;
    const std::uint64_t file_size = std::filesystem::file_size(bad.path, ec);
    if (ec) return core::fail(core::Reason::audit_unavailable, "cannot stat " + bad.path.string());
    const std::uint64_t valid = scan->bad.valid_bytes;
    const bool in_place = scan->bad.data_end < file_size && valid >= kSegmentHeaderBytes;  // v2 zero tail
    if (scan->bad.torn_tail && is_last) {
      out.report.truncated_bytes = scan->bad.data_end - valid;
      out.report.truncated_segment = bad.name;
    } else if (options.accept_damaged) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
      const std::string suffix = fmt::format(".damaged-{}", ms);
      out.report.damage = fmt::format("{} offset {}: {} ({})", finding.segment, finding.offset, finding.message,
                                      problem_name(finding.problem));
      const std::filesystem::path copy = bad.path.string() + suffix;
      std::filesystem::copy_file(bad.path, copy, ec);
      if (ec) return core::fail(core::Reason::audit_unavailable, "cannot copy " + bad.path.string() + ": " + ec.message());
      out.report.quarantined.push_back(copy.filename().string());
      for (std::size_t i = scan->bad_segment + 1; i < segments.size(); ++i) {
        const std::filesystem::path moved = segments[i].path.string() + suffix;
        std::filesystem::rename(segments[i].path, moved, ec);
        if (ec) return core::fail(core::Reason::audit_unavailable, "cannot rename " + segments[i].path.string());
        out.report.quarantined.push_back(moved.filename().string());
      }
    } else {
      return core::fail(core::Reason::audit_unavailable,
                        fmt::format("audit log in {} does not verify: {} offset {}: {} [{}]; refusing to start "
                                    "(--accept-damaged quarantines the damaged part and continues)",
                                    options.dir.string(), finding.segment, finding.offset, finding.message,
                                    problem_name(finding.problem)));
    }
    // Cut the bad segment at its last good frame (or drop it when not even its header is good).
    segments.resize(scan->bad_segment + 1);
    if (valid < kSegmentHeaderBytes) {
      std::filesystem::remove(bad.path, ec);
      if (ec) return core::fail(core::Reason::audit_unavailable, "cannot remove " + bad.path.string());
      segments.pop_back();
      last_valid_bytes = segments.empty() ? 0 : std::filesystem::file_size(segments.back().path, ec);
    } else if (in_place) {
      // A preallocated (v2) segment: zero the cut bytes, so its tail stays preallocated and all zero.
      if (auto ok = zero_file_range(bad.path, valid, scan->bad.data_end); !ok) return std::unexpected(ok.error());
      last_valid_bytes = valid;
    } else {
      if (auto ok = truncate_file(bad.path, valid); !ok) return std::unexpected(ok.error());
      last_valid_bytes = valid;
    }
    if (auto ok = sync_directory(options.dir); !ok) return std::unexpected(ok.error());
  }
  out.report.records = verifier.next_seq();
  out.next_seq = verifier.next_seq();
  out.last_hash = verifier.last_hash();
  out.frontier = verifier.frontier();
  out.checkpointed = verifier.last_checkpoint() ? verifier.last_checkpoint()->tree_size : 0;
  if (segments.empty()) {
    auto created = SegmentWriter::create(options.dir, out.next_seq);
    if (!created) return std::unexpected(created.error());
    out.segment.emplace(std::move(*created));
  } else {
    auto opened = SegmentWriter::open_existing(segments.back().path, last_valid_bytes);
    if (!opened) return std::unexpected(opened.error());
    out.segment.emplace(std::move(*opened));
  }
  return out;
}

}  // namespace bulkhead::audit::detail
