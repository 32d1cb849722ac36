#include "audit/detail/format.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "audit/detail/crc32c.h"
#include "audit/detail/merkle.h"

namespace bulkhead::audit::detail {

void put_le32(std::uint32_t value, std::vector<std::uint8_t>& out) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void put_le64(std::uint64_t value, std::vector<std::uint8_t>& out) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint32_t get_le32(const std::uint8_t* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t get_le64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string segment_file_name(std::uint64_t first_seq) {
  return fmt::format("{}{:020}{}", kSegmentPrefix, first_seq, kSegmentSuffix);
}

std::optional<std::uint64_t> parse_segment_file_name(std::string_view name) {
  if (name.size() != kSegmentPrefix.size() + 20 + kSegmentSuffix.size()) return std::nullopt;
  if (!name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) return std::nullopt;
  const std::string_view digits = name.substr(kSegmentPrefix.size(), 20);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || ptr != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::vector<std::uint8_t> encode_segment_header(std::uint64_t first_seq) {
  std::vector<std::uint8_t> out(kSegmentMagic.begin(), kSegmentMagic.end());
  out.push_back(kFormatVersion);
  out.insert(out.end(), 7, 0);
  put_le64(first_seq, out);
  put_le32(crc32c(out), out);
  return out;
}

void append_frame(std::span<const std::uint8_t> body, std::vector<std::uint8_t>& out) {
  const std::size_t at = out.size();
  put_le32(static_cast<std::uint32_t>(body.size()), out);
  const std::uint32_t crc = crc32c_extend(crc32c({out.data() + at, 4}), body);
  put_le32(crc, out);
  out.insert(out.end(), body.begin(), body.end());
}

Sha256Digest append_record_frame(std::uint64_t seq, const Sha256Digest& prev_hash, std::string_view payload,
                                 std::vector<std::uint8_t>& out) {
  const std::size_t frame_at = out.size();
  const std::size_t body_size = kRecordFixedBytes + payload.size();
  put_le32(static_cast<std::uint32_t>(body_size), out);
  put_le32(0, out);  // CRC placeholder
  const std::size_t body_at = out.size();
  out.push_back(kRecordType);
  put_le64(seq, out);
  out.insert(out.end(), prev_hash.begin(), prev_hash.end());
  out.insert(out.end(), payload.begin(), payload.end());
  const std::uint32_t crc =
      crc32c_extend(crc32c({out.data() + frame_at, 4}), {out.data() + body_at, body_size});
  for (int i = 0; i < 4; ++i) out[frame_at + 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  return leaf_hash({out.data() + body_at, body_size});
}

std::vector<std::uint8_t> encode_checkpoint_body(const Checkpoint& checkpoint) {
  std::vector<std::uint8_t> out;
  out.reserve(kCheckpointBodyBytes);
  out.push_back(kCheckpointType);
  put_le64(checkpoint.tree_size, out);
  put_le64(checkpoint.timestamp_ms, out);
  out.insert(out.end(), checkpoint.root.begin(), checkpoint.root.end());
  out.insert(out.end(), checkpoint.key_id.begin(), checkpoint.key_id.end());
  out.insert(out.end(), checkpoint.signature.begin(), checkpoint.signature.end());
  return out;
}

std::vector<std::uint8_t> checkpoint_signed_message(const Checkpoint& checkpoint) {
  const std::vector<std::uint8_t> body = encode_checkpoint_body(checkpoint);
  // Sized up front: g++ 12 reports a false -Warray-bounds for insert() after a range construction here.
  std::vector<std::uint8_t> message(kSignaturePrefix.size() + kCheckpointSignedBytes);
  for (std::size_t i = 0; i < kSignaturePrefix.size(); ++i) message[i] = static_cast<std::uint8_t>(kSignaturePrefix[i]);
  for (std::size_t i = 0; i < kCheckpointSignedBytes; ++i) message[kSignaturePrefix.size() + i] = body[i];
  return message;
}

std::optional<Checkpoint> decode_checkpoint_body(std::span<const std::uint8_t> body) {
  if (body.size() != kCheckpointBodyBytes || body[0] != kCheckpointType) return std::nullopt;
  Checkpoint c;
  c.tree_size = get_le64(body.data() + 1);
  c.timestamp_ms = get_le64(body.data() + 9);
  std::copy_n(body.data() + 17, 32, c.root.begin());
  std::copy_n(body.data() + 49, 32, c.key_id.begin());
  std::copy_n(body.data() + 81, 64, c.signature.begin());
  return c;
}

}  // namespace bulkhead::audit::detail
