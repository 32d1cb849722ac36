// verify(): the whole-directory check behind `bulkhead audit verify` (docs/formats/audit.md "Verification").
#include <fmt/format.h>

#include <array>

#include "audit/audit.h"
#include "audit/detail/evidence.h"
#include "audit/detail/log_reader.h"

namespace bulkhead::audit {

std::string_view problem_name(Problem problem) noexcept {
  static constexpr std::array<std::string_view, 13> kNames = {
      "bad_segment_header", "segment_sequence", "truncated_frame", "crc_mismatch",    "bad_frame",
      "seq_mismatch",       "chain_broken",     "bad_payload",     "checkpoint_size", "checkpoint_key",
      "bad_signature",      "root_mismatch",    "unsigned_tail"};
  return kNames[static_cast<std::size_t>(problem)];
}

core::Result<VerifyReport> verify(const std::filesystem::path& dir, const VerifyOptions& options) {
  auto key = detail::resolve_public_key(dir, options);
  if (!key) return std::unexpected(key.error());
  detail::LogVerifier verifier(*key, /*check_payloads=*/true, /*keep_leaf_hashes=*/false);
  auto scan = detail::scan_directory(dir, verifier);
  if (!scan) return std::unexpected(scan.error());
  VerifyReport report;
  report.segments = verifier.segments();
  report.records = verifier.next_seq();
  report.checkpoints = verifier.checkpoints();
  report.signed_records = verifier.last_checkpoint() ? verifier.last_checkpoint()->tree_size : 0;
  // A live log: the writer may be mid-append, so a torn last frame of the last segment is its current end.
  const bool live_tail = options.allow_unsigned_tail && scan->finding && scan->bad.live_edge &&
                         scan->bad_segment + 1 == scan->segments.size();
  if (scan->finding && !live_tail) {
    report.failure = scan->finding;
  } else if (!options.allow_unsigned_tail && report.records > report.signed_records) {
    VerifyFinding finding;
    finding.problem = Problem::unsigned_tail;
    finding.segment = scan->segments.empty() ? std::string() : scan->segments.back().name;
    finding.offset = scan->last_valid_bytes;
    finding.seq = report.signed_records;
    finding.message = fmt::format(
        "records {}..{} ({}) follow the last signed checkpoint (tree size {}): no signature covers them, so they "
        "cannot be told from appended forgeries (a live log not yet checkpointed: --allow-unsigned-tail)",
        report.signed_records, report.records - 1, report.records - report.signed_records, report.signed_records);
    report.failure = std::move(finding);
  }
  return report;
}

}  // namespace bulkhead::audit
