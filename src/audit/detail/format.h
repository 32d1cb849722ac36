// Byte layout of the audit log (docs/formats/audit.md is the normative spec; keep the two in step).
// Pure encode/decode functions and constants; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"

namespace bulkhead::audit::detail {

inline constexpr std::array<std::uint8_t, 8> kSegmentMagic = {'B', 'H', 'A', 'U', 'D', 'S', 'E', 'G'};
inline constexpr std::uint8_t kFormatVersion = 2;    // written; v2 segments may end in a zero-filled preallocated tail
inline constexpr std::uint8_t kFormatVersionV1 = 1;  // still read (no preallocated tail: frames run to end of file)
inline constexpr std::size_t kSegmentHeaderBytes = 28;  // magic 8, version 1, reserved 7, first_seq 8, crc 4
inline constexpr std::size_t kFrameHeaderBytes = 8;     // body length 4, crc32c 4
inline constexpr std::uint8_t kRecordType = 0x01;
inline constexpr std::uint8_t kCheckpointType = 0x02;
inline constexpr std::size_t kRecordFixedBytes = 1 + 8 + 32;              // type, seq, prev_hash
inline constexpr std::size_t kMaxPayloadBytes = 1u << 20;                 // 1 MiB
inline constexpr std::size_t kMaxBodyBytes = kRecordFixedBytes + kMaxPayloadBytes;
inline constexpr std::size_t kCheckpointSignedBytes = 1 + 8 + 8 + 32 + 32;  // type .. key_id
inline constexpr std::size_t kCheckpointBodyBytes = kCheckpointSignedBytes + 64;
inline constexpr std::string_view kSignaturePrefix = "bulkhead-audit-checkpoint-v1\n";
inline constexpr std::string_view kPublicKeyFileName = "public-key.pem";
inline constexpr std::string_view kSegmentPrefix = "segment-";
inline constexpr std::string_view kSegmentSuffix = ".log";
// Zero-filled files prepared ahead of time (SegmentPreparer) become segments by rename; not part of the log.
inline constexpr std::string_view kPreparedPrefix = "preallocated-";
inline constexpr std::string_view kPreparedSuffix = ".tmp";

void put_le32(std::uint32_t value, std::vector<std::uint8_t>& out);
void put_le64(std::uint64_t value, std::vector<std::uint8_t>& out);
[[nodiscard]] std::uint32_t get_le32(const std::uint8_t* p) noexcept;
[[nodiscard]] std::uint64_t get_le64(const std::uint8_t* p) noexcept;

// "segment-<first_seq, 20 digits>.log"; parse returns nullopt for any other name.
[[nodiscard]] std::string segment_file_name(std::uint64_t first_seq);
[[nodiscard]] std::optional<std::uint64_t> parse_segment_file_name(std::string_view name);

[[nodiscard]] std::vector<std::uint8_t> encode_segment_header(std::uint64_t first_seq);

// Appends a frame (length, CRC32C over length bytes and body, body) around `body` to `out`.
void append_frame(std::span<const std::uint8_t> body, std::vector<std::uint8_t>& out);

// Record body: type 0x01, seq, prev_hash, payload. Appended to `out` (as a whole frame by append_record_frame).
// Returns the record's leaf hash (= the next record's prev_hash).
Sha256Digest append_record_frame(std::uint64_t seq, const Sha256Digest& prev_hash, std::string_view payload,
                                 std::vector<std::uint8_t>& out);

struct Checkpoint {
  std::uint64_t tree_size = 0;
  std::uint64_t timestamp_ms = 0;  // unix milliseconds
  Sha256Digest root{};
  Sha256Digest key_id{};           // SHA-256 of the raw 32-byte Ed25519 public key
  std::array<std::uint8_t, 64> signature{};
};
// The bytes covered by the signature: kSignaturePrefix || body[0 .. kCheckpointSignedBytes).
[[nodiscard]] std::vector<std::uint8_t> checkpoint_signed_message(const Checkpoint& checkpoint);
[[nodiscard]] std::vector<std::uint8_t> encode_checkpoint_body(const Checkpoint& checkpoint);
[[nodiscard]] std::optional<Checkpoint> decode_checkpoint_body(std::span<const std::uint8_t> body);

}  // namespace bulkhead::audit::detail
