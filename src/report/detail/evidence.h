// Reading the audit log for the report through the audit module's public readers only: verify() (the verdict, on
// a second thread) while tail() reads the records, of which the report keeps the leaf hashes (for inclusion proofs)
// and hands each decoded record to a callback. The caller must not use what the callback collected unless the
// verdict is positive. When a live log grew between the two readers, read_log fails (run it again).
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
  bool grew = false;  // the log grew while it was read: discard what was collected and call read_prefix
};

// Called per record with its payload; the sink decodes it (an error stops the reading).
using RecordSink = std::function<core::Result<void>(std::uint64_t seq, std::string_view payload)>;

// An error when the directory or key cannot be read; a failed verification is LogEvidence with
// verify.failure set (and no record handed out).
[[nodiscard]] core::Result<LogEvidence> read_log(const std::filesystem::path& dir, const audit::VerifyOptions& options,
                                                 const RecordSink& sink);

// Reads the first evidence.verify.records records again (after `grew`), handing them to a fresh sink.
[[nodiscard]] core::Result<void> read_prefix(const std::filesystem::path& dir, LogEvidence& evidence,
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
