// Streaming reader + verifier of an audit directory, shared by recovery (AuditLog::open), verify, proof, export,
// tail and the fuzz target. It applies every rule of docs/formats/audit.md "Verification" frame by frame and stops
// at the first problem, remembering the state as of the last good frame (what recovery continues from).
// Not thread-safe; one LogVerifier per scan.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "audit/detail/format.h"
#include "audit/detail/merkle.h"
#include "audit/detail/signing_key.h"

namespace bulkhead::audit::detail {

struct SegmentFile {
  std::filesystem::path path;
  std::string name;
  std::uint64_t first_seq = 0;
};

// Segment files of `dir` in seq order (other files are ignored). Error when the directory cannot be read.
[[nodiscard]] core::Result<std::vector<SegmentFile>> list_segments(const std::filesystem::path& dir);
[[nodiscard]] core::Result<std::vector<std::uint8_t>> read_whole_file(const std::filesystem::path& file);

struct RecordView {
  std::uint64_t seq = 0;
  std::span<const std::uint8_t> body;  // the Merkle leaf
  std::string_view payload;
  Sha256Digest leaf_hash{};
};

struct CheckpointView {
  Checkpoint checkpoint;
  std::span<const std::uint8_t> body;
};

struct ScanHooks {
  std::function<void(const RecordView&)> on_record;
  std::function<void(const CheckpointView&)> on_checkpoint;
};

struct SegmentScan {
  std::size_t valid_bytes = 0;            // prefix of the segment made of good frames (0 when the header is bad)
  std::optional<VerifyFinding> finding;
  bool torn_tail = false;                 // the finding looks like an interrupted append at the end of the file
  // torn_tail, or (v2) the end-of-data marker followed by more data: what a reader racing the writer sees when
  // it read a page before the writer filled it and a later page after. Live readers (tail, verify
  // --allow-unsigned-tail) stop there quietly; recovery treats it as damage (see docs/formats/audit.md).
  bool live_edge = false;
  // With a finding: the end of the segment's non-zero bytes (v1: the file size; v2: before the zero tail).
  std::size_t data_end = 0;
};

class LogVerifier {
 public:
  // key: checkpoints must be signed by it (nullopt: signatures are not checked — tail's viewer mode only).
  // check_payloads: every payload must decode (decode_record).
  LogVerifier(std::optional<PublicKey> key, bool check_payloads, bool keep_leaf_hashes);

  [[nodiscard]] SegmentScan feed_segment(std::string_view name, std::span<const std::uint8_t> bytes,
                                         const ScanHooks& hooks = {});

  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_seq_; }
  [[nodiscard]] const Sha256Digest& last_hash() const noexcept { return last_hash_; }
  [[nodiscard]] const MerkleFrontier& frontier() const noexcept { return frontier_; }
  [[nodiscard]] const std::optional<Checkpoint>& last_checkpoint() const noexcept { return last_checkpoint_; }
  [[nodiscard]] std::uint64_t checkpoints() const noexcept { return checkpoints_; }
  [[nodiscard]] std::uint64_t segments() const noexcept { return segments_; }
  [[nodiscard]] const std::vector<Sha256Digest>& leaf_hashes() const noexcept { return leaf_hashes_; }

 private:
  std::optional<VerifyFinding> check_record(std::span<const std::uint8_t> body, RecordView& view);
  std::optional<VerifyFinding> check_checkpoint(std::span<const std::uint8_t> body, CheckpointView& view);

  std::optional<PublicKey> key_;
  Sha256Digest key_id_{};
  bool check_payloads_;
  bool keep_leaf_hashes_;
  std::uint64_t next_seq_ = 0;
  Sha256Digest last_hash_{};  // all zero before the first record
  MerkleFrontier frontier_;
  std::optional<Checkpoint> last_checkpoint_;
  std::uint64_t checkpoints_ = 0;
  std::uint64_t segments_ = 0;
  std::vector<Sha256Digest> leaf_hashes_;
};

// Scans every segment of `dir` in order, stopping at the first finding.
struct DirectoryScan {
  std::vector<SegmentFile> segments;
  std::size_t bad_segment = 0;        // index into segments of the finding (valid when finding)
  SegmentScan bad;                    // the failing segment's scan result
  std::optional<VerifyFinding> finding;
  std::size_t last_valid_bytes = 0;   // valid bytes of the last segment scanned
};
[[nodiscard]] core::Result<DirectoryScan> scan_directory(const std::filesystem::path& dir, LogVerifier& verifier,
                                                         const ScanHooks& hooks = {});

[[nodiscard]] std::string short_hex(const Sha256Digest& digest);  // first 8 bytes, for messages

}  // namespace bulkhead::audit::detail
