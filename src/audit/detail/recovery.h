// Start-up recovery of an audit directory (docs/audit.md "Recovery"): verify everything, cut a torn tail, refuse
// other damage unless accept_damaged (then quarantine it). Returns the state the writer continues from.
// Runs on the opening thread before the writer thread exists.
#pragma once

#include <filesystem>
#include <optional>

#include "audit/audit.h"
#include "audit/detail/merkle.h"
#include "audit/detail/segment_writer.h"
#include "audit/detail/signing_key.h"

namespace bulkhead::audit::detail {

struct RecoveredLog {
  RecoveryReport report;
  std::uint64_t next_seq = 0;
  Sha256Digest last_hash{};
  MerkleFrontier frontier;
  std::uint64_t checkpointed = 0;  // tree size of the last checkpoint (0 = none)
  std::optional<SegmentWriter> segment;  // the segment to append to
};

[[nodiscard]] core::Result<RecoveredLog> recover(const AuditOptions& options, const PublicKey& key,
                                                 core::Clock& clock);

}  // namespace bulkhead::audit::detail
