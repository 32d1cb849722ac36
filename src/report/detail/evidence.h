// Reading the audit log for the report through the audit module's public readers only: verify() first (the
// verdict), then tail() for the records, of which the report keeps the leaf hashes (for inclusion proofs) and hands
// each decoded record to a callback. Records beyond what verify() checked (a live log that grew meanwhile) are
// ignored, so the report covers exactly the verified prefix.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "audit/audit.h"
#include "core/core.h"

namespace bulkhead::report::detail {

struct LogEvidence {
  audit::VerifyReport verify;
  std::vector<audit::Sha256Digest> leaves;  // leaf hash of each record read, by seq
};

using RecordSink = std::function<void(std::uint64_t seq, const audit::AuditRecord& record)>;

// An error when the directory or key cannot be read; a failed verification is LogEvidence with
// verify.failure set (and no record handed out).
[[nodiscard]] core::Result<LogEvidence> read_log(const std::filesystem::path& dir, const audit::VerifyOptions& options,
                                                 const RecordSink& sink);

// RFC 9162 audit paths over the first `tree_size` leaves (levels built once; each path is then O(log n)).
class AuditPaths {
 public:
  AuditPaths(const std::vector<audit::Sha256Digest>& leaves, std::uint64_t tree_size);
  [[nodiscard]] std::uint64_t tree_size() const noexcept { return size_; }
  [[nodiscard]] audit::Sha256Digest root() const;
  [[nodiscard]] std::vector<audit::Sha256Digest> path(std::uint64_t index) const;  // index < tree_size

 private:
  std::uint64_t size_ = 0;
  std::vector<std::vector<audit::Sha256Digest>> levels_;  // levels_[0] = leaves; an odd last node moves up as is
};

}  // namespace bulkhead::report::detail
