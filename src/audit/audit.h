// bulkhead::audit — the tamper-evident audit trail (issue #7). Records every decision and outcome as a length-
// prefixed, CRC32C-protected, SHA-256 hash-chained frame in segment files, with periodic Ed25519-signed RFC 9162
// Merkle tree heads (checkpoints). On-disk format: docs/formats/audit.md; behaviour: docs/audit.md.
//
// Thread-safety: AuditLog is safe to call from any number of threads. Two dedicated threads own the files: the
// writer frames and writes batches, the flush thread fdatasyncs them and answers them in order; appenders only
// enqueue (group commit: the next batch is framed and written while the previous fdatasync runs). The reader
// functions (verify, inclusion_proof, export_tenant, tail) are pure readers of a directory and may run while a
// writer appends (they see a prefix of the log).
// Lifetime: destroying an AuditLog drains the queue, writes a final checkpoint and joins both threads; every
// callback has run by the time the destructor returns.
//
// Integration with a single-threaded Boost.Asio io_context (the gateway): the on_durable callback of append() runs
// on one of the log's two threads (or, in async mode / once the log has failed, on the calling thread before append
// returns), so post back to the io_context:
//   log.append(std::move(record), [ex = io.get_executor(), done = std::move(done)](auto seq) mutable {
//     boost::asio::post(ex, [done = std::move(done), seq = std::move(seq)]() mutable { done(std::move(seq)); });
//   });
// and refuse requests with core::Reason::audit_unavailable while !healthy() or when the callback reports an error.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "json/json.h"

namespace bulkhead::audit {

using Sha256Digest = std::array<std::uint8_t, 32>;

// What a record is about. invoke = tools/call (or another forwarded request), read = resources/read (data read),
// write = a call to a tool not annotated read-only (downstream write), deny = a refused request, lifecycle = token
// issue/exchange/revoke, session start/end, policy/config reloads, admin actions, audit recovery.
enum class RecordKind : std::uint8_t { invoke, read, write, deny, lifecycle };
// allow/deny for decisions; none for outcomes and lifecycle events that decide nothing.
enum class Decision : std::uint8_t { allow, deny, none };

[[nodiscard]] std::string_view kind_name(RecordKind kind) noexcept;
[[nodiscard]] std::optional<RecordKind> kind_from_name(std::string_view name) noexcept;
[[nodiscard]] std::string_view decision_name(Decision decision) noexcept;
[[nodiscard]] std::optional<Decision> decision_from_name(std::string_view name) noexcept;

// The outcome of a forwarded call: digest and size of the result body, and its isError flag.
struct ResultSummary {
  Sha256Digest sha256{};
  std::uint64_t bytes = 0;
  bool is_error = false;
  friend bool operator==(const ResultSummary&, const ResultSummary&) = default;
};

// One audit record. Only digests of arguments/results are taken, never their bodies; never put a token or secret
// value in any field (identify tokens by id or digest). Empty strings / nullopt / null are omitted on disk.
struct AuditRecord {
  std::chrono::system_clock::time_point time{};  // epoch (the default) = stamped by append() from the log's Clock
  RecordKind kind = RecordKind::invoke;
  Decision decision = Decision::none;
  std::optional<core::Reason> reason;
  std::string tenant;
  std::string principal;
  std::vector<std::string> delegation_chain;     // outermost actor first
  std::string session;
  std::string task;
  json::Value jsonrpc_id;                        // the request's JSON-RPC id (string or integer), null when none
  std::string upstream;
  std::string method;                            // MCP method, e.g. "tools/call", "resources/read"
  std::string tool;
  std::string resource;                          // resources/read URI
  std::vector<std::string> policy_ids;           // deciding policies
  std::optional<Sha256Digest> args_sha256;       // SHA-256 of the RFC 8785 canonical arguments
  std::string args_preview;                      // optional, already redacted by the caller
  std::optional<ResultSummary> result;
  std::optional<std::chrono::microseconds> latency;
  json::Value detail;                            // free-form object for lifecycle events (event name, ids, ...)
};

// Convenience for callers: SHA-256 of `bytes` as a Sha256Digest.
[[nodiscard]] Sha256Digest digest_of(std::string_view bytes);

// The record's on-disk payload: RFC 8785 canonical JSON (docs/formats/audit.md "Record payload").
[[nodiscard]] std::string encode_record(const AuditRecord& record);
// Parses a payload back; an error for anything encode_record cannot produce (unknown field, wrong type).
[[nodiscard]] core::Result<AuditRecord> decode_record(std::string_view payload);

enum class Durability : std::uint8_t {
  sync,   // on_durable / append_and_wait return after the record's batch was fdatasync'ed
  async,  // they return right after enqueue: a crash can lose the last records although the caller was answered
};

// "sync" | "async" (CONFIG.md [audit] durability).
[[nodiscard]] std::optional<Durability> durability_from_name(std::string_view name) noexcept;

struct AuditOptions {
  std::filesystem::path dir;                     // created (0700) if missing
  std::filesystem::path signing_key_file;        // Ed25519 PKCS#8 PEM; created (0600) when missing and allowed
  bool create_key_if_missing = true;
  Durability durability = Durability::sync;
  std::uint64_t checkpoint_every_records = 1000;  // 0 = only by time / on close
  std::chrono::milliseconds checkpoint_every_ms{1000};  // 0 = only by count / on close
  std::uint64_t segment_max_bytes = 64u << 20;   // rotate to a new segment file once a segment reaches this size
  // Write into preallocated segments (format v2): a background thread prepares zero-filled, flushed files (1 MiB,
  // doubling up to segment_max_bytes) that batches then overwrite in place — an fdatasync with no metadata to
  // commit. Off: plain appending segments (still v2). docs/audit.md "Preallocated segments".
  bool preallocate_segments = true;
  // Start even when the log does not verify (beyond a torn tail): the damaged segment is copied aside, cut at the
  // first bad frame, later segments are renamed aside (*.damaged-<ms>), and a lifecycle record says so.
  bool accept_damaged = false;
};

// What open() found and did.
struct RecoveryReport {
  std::uint64_t records = 0;             // valid records found
  std::uint64_t truncated_bytes = 0;     // torn tail cut from the last segment (0 = clean)
  std::string truncated_segment;         // file name, when truncated_bytes > 0
  std::string damage;                    // non-empty when accept_damaged quarantined damaged data: the finding
  std::vector<std::string> quarantined;  // files written/renamed aside
  [[nodiscard]] bool clean() const noexcept { return truncated_bytes == 0 && damage.empty(); }
};

// Writer counters (metrics; records / batches = average group-commit size).
struct WriterStats {
  std::uint64_t batches = 0;      // write + fdatasync rounds
  std::uint64_t records = 0;      // records made durable by this process
  std::uint64_t checkpoints = 0;  // checkpoints written by this process
  std::uint64_t segments_created = 0;
  std::uint64_t sync_ns = 0;      // time spent in fdatasync (sync_ns / batches = mean flush latency)
};

class AuditLog {
 public:
  using DurableCallback = std::function<void(core::Result<std::uint64_t>)>;  // seq, or audit_unavailable

  // Loads/creates the signing key, publishes public-key.pem, verifies the existing log (recovery: a torn tail is
  // truncated; other damage is an error unless accept_damaged), then starts the writer thread. When recovery did
  // something, a lifecycle record (detail.event = "audit_recovery") is appended; uncovered records get a checkpoint.
  // Errors: Reason::audit_unavailable (I/O, damage), Reason::invalid_request (bad options / key file).
  [[nodiscard]] static core::Result<std::unique_ptr<AuditLog>> open(const AuditOptions& options, core::Clock& clock);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Enqueues one record. on_durable (must not throw; keep it short: it runs on a log thread between flushes)
  // gets the record's seq once durable (sync) / enqueued (async), or an error:
  // audit_unavailable after any write/fsync error (the failed batch, everything pending, every later append),
  // invalid_request for a record larger than the 1 MiB payload limit. Never drops a record silently.
  void append(AuditRecord record, DurableCallback on_durable);
  // Blocking form for the CLI and tests (never call it on an io_context thread in sync mode).
  [[nodiscard]] core::Result<std::uint64_t> append_and_wait(AuditRecord record);
  // Writes a checkpoint covering every record enqueued so far and waits until it is durable.
  [[nodiscard]] core::Result<void> checkpoint();
  // False once a write or fsync failed: refuse new requests with audit_unavailable. Never becomes true again.
  [[nodiscard]] bool healthy() const noexcept;
  [[nodiscard]] const RecoveryReport& recovery() const noexcept;
  [[nodiscard]] WriterStats stats() const;
  // The seq the next append will get (= number of records in the log, durable or queued).
  [[nodiscard]] std::uint64_t next_seq() const;

 private:
  struct Impl;
  explicit AuditLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- Readers (the CLI's verify/proof/export/tail) ----

struct VerifyOptions {
  // Trust anchor: the log's Ed25519 public key (PEM). Empty = DIR/public-key.pem (detects everything except an
  // attacker who replaced that file and re-signed every checkpoint; pin the key to detect that too).
  std::filesystem::path public_key_file;
  // Accept records after the last checkpoint and a torn last frame (a live log, whose writer may be mid-append).
  // By default both fail verification: nothing signs those records, so they cannot be told apart from forgeries.
  bool allow_unsigned_tail = false;
};

// Why verification stopped. Stable names (problem_name) appear in the CLI output.
enum class Problem : std::uint8_t {
  bad_segment_header,    // magic, header CRC or unsupported version byte
  segment_sequence,      // a segment starts at the wrong seq (missing or reordered segment file)
  truncated_frame,       // a frame runs past the end of its segment (torn tail / truncation)
  crc_mismatch,          // a frame's CRC32C does not match its bytes
  bad_frame,             // unknown frame type, impossible length, malformed record/checkpoint body
  seq_mismatch,          // a record's seq is not the next one (deleted, swapped, duplicated, inserted)
  chain_broken,          // prev_hash is not the hash of the previous record
  bad_payload,           // the payload is not a valid record encoding
  checkpoint_size,       // a checkpoint's tree_size is not the number of records before it
  checkpoint_key,        // a checkpoint names another signing key
  bad_signature,         // the Ed25519 signature does not verify
  root_mismatch,         // the signed Merkle root does not match the records
  unsigned_tail,         // records after the last checkpoint (only without allow_unsigned_tail)
};
[[nodiscard]] std::string_view problem_name(Problem problem) noexcept;

struct VerifyFinding {
  Problem problem = Problem::bad_frame;
  std::string segment;                 // file name
  std::uint64_t offset = 0;            // byte offset of the bad frame in that file
  std::optional<std::uint64_t> seq;    // the record concerned, when known
  std::string message;                 // human text: what and why
};

struct VerifyReport {
  std::uint64_t segments = 0;
  std::uint64_t records = 0;           // valid records before the finding (all of them when ok)
  std::uint64_t checkpoints = 0;
  std::uint64_t signed_records = 0;    // tree size of the last valid checkpoint
  std::optional<VerifyFinding> failure;
  [[nodiscard]] bool ok() const noexcept { return !failure.has_value(); }
};

// Checks segment headers, CRCs, seq order, the hash chain, checkpoint tree heads and signatures; stops at the first
// problem. An error (not a failed report) when DIR or the public key cannot be read.
[[nodiscard]] core::Result<VerifyReport> verify(const std::filesystem::path& dir, const VerifyOptions& options = {});

// RFC 9162 inclusion proof for record `seq` against the latest signed checkpoint covering it, as JSON (format in
// docs/formats/audit.md "Inclusion proof"). Verifies the log first: invalid_request when seq is not covered by a
// checkpoint, audit_unavailable when the log does not verify or cannot be read.
[[nodiscard]] core::Result<json::Value> inclusion_proof(const std::filesystem::path& dir, std::uint64_t seq,
                                                        const VerifyOptions& options = {});

enum class ExportFormat : std::uint8_t { jsonl, csv };
[[nodiscard]] std::optional<ExportFormat> export_format_from_name(std::string_view name) noexcept;

struct ExportOptions {
  std::string tenant;                                          // required
  std::optional<std::chrono::system_clock::time_point> since;  // inclusive
  std::optional<std::chrono::system_clock::time_point> until;  // exclusive
  ExportFormat format = ExportFormat::jsonl;
  VerifyOptions verify;  // allow_unsigned_tail: uncovered records are exported without a proof
};

struct ExportSummary {
  std::uint64_t exported = 0;
  std::uint64_t without_proof = 0;  // records after the last checkpoint
};

// Writes one tenant's records with the material to check them (public key, checkpoint, per-record audit paths).
// Verifies the whole log first (audit_unavailable when it does not verify).
[[nodiscard]] core::Result<ExportSummary> export_tenant(const std::filesystem::path& dir, const ExportOptions& options,
                                                        std::ostream& out);

struct TailOptions {
  std::uint64_t last = 0;                 // print only the last N records (0 = all)
  bool follow = false;                    // keep printing new records
  std::chrono::milliseconds poll{250};
  std::function<bool()> keep_following;   // follow ends when this returns false (empty = forever)
};

// Prints records as JSON lines {"seq":N,"leaf_hash":hex,"record":{...}}. Stops with an error at a bad frame
// (a torn tail of a live log is waited for in follow mode).
[[nodiscard]] core::Result<void> tail(const std::filesystem::path& dir, const TailOptions& options, std::ostream& out);

// Parses RFC 3339 ("2026-11-25T15:00:00Z", fractional seconds and ±hh:mm offsets allowed) or integer unix seconds.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view text);

}  // namespace bulkhead::audit
