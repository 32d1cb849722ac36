#include "audit/detail/log_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "audit/detail/crc32c.h"

namespace bulkhead::audit::detail {
namespace {

bool all_zero(std::span<const std::uint8_t> bytes) {
  // bytes[0] == 0 and every byte equals its successor (memcmp runs word-wide over a 64 MiB preallocated tail).
  return bytes.empty() || (bytes[0] == 0 && std::memcmp(bytes.data(), bytes.data() + 1, bytes.size() - 1) == 0);
}

VerifyFinding make_finding(Problem problem, std::string_view segment, std::uint64_t offset,
                           std::optional<std::uint64_t> seq, std::string message) {
  return VerifyFinding{problem, std::string(segment), offset, seq, std::move(message)};
}

}  // namespace

std::string short_hex(const Sha256Digest& digest) { return core::hex_encode({digest.data(), 8}); }

core::Result<std::vector<SegmentFile>> list_segments(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return core::fail(core::Reason::audit_unavailable, "cannot read audit dir " + dir.string() + ": " + ec.message());
  std::vector<SegmentFile> segments;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (const auto first = parse_segment_file_name(name)) segments.push_back({entry.path(), name, *first});
  }
  std::sort(segments.begin(), segments.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.first_seq < b.first_seq; });
  return segments;
}

core::Result<std::vector<std::uint8_t>> read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return core::fail(core::Reason::audit_unavailable, "cannot open " + file.string());
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(std::max<std::streamoff>(size, 0)));
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
    return core::fail(core::Reason::audit_unavailable, "cannot read " + file.string());
  }
  return bytes;
}

LogVerifier::LogVerifier(std::optional<PublicKey> key, bool check_payloads, bool keep_leaf_hashes)
    : key_(key), check_payloads_(check_payloads), keep_leaf_hashes_(keep_leaf_hashes) {
  if (key_) key_id_ = key_id_of(*key_);
}

std::optional<VerifyFinding> LogVerifier::check_record(std::span<const std::uint8_t> body, RecordView& view) {
  if (body.size() < kRecordFixedBytes) {
    return make_finding(Problem::bad_frame, "", 0, std::nullopt,
                        fmt::format("record body of {} bytes is shorter than {}", body.size(), kRecordFixedBytes));
  }
  const std::uint64_t seq = get_le64(body.data() + 1);
  if (seq != next_seq_) {
    std::string why = seq > next_seq_
                          ? fmt::format("record seq {} found where seq {} was expected: {} record(s) missing "
                                        "(deleted) or records out of order",
                                        seq, next_seq_, seq - next_seq_)
                          : fmt::format("record seq {} found where seq {} was expected: records reordered, "
                                        "duplicated or inserted",
                                        seq, next_seq_);
    return make_finding(Problem::seq_mismatch, "", 0, seq, std::move(why));
  }
  if (!std::equal(last_hash_.begin(), last_hash_.end(), body.data() + 9)) {
    return make_finding(Problem::chain_broken, "", 0, seq,
                        next_seq_ == 0
                            ? std::string("hash chain broken at seq 0: prev_hash of the first record is not zero")
                            : fmt::format("hash chain broken at seq {}: prev_hash does not match the hash of record "
                                          "{} (that record or this one was altered)",
                                          seq, seq - 1));
  }
  view.seq = seq;
  view.body = body;
  view.payload = std::string_view(reinterpret_cast<const char*>(body.data()) + kRecordFixedBytes,
                                  body.size() - kRecordFixedBytes);
  if (check_payloads_) {
    if (view.payload.size() > kMaxPayloadBytes) {
      return make_finding(Problem::bad_payload, "", 0, seq, fmt::format("record {} payload exceeds 1 MiB", seq));
    }
    auto decoded = decode_record(view.payload);
    if (!decoded) {
      return make_finding(Problem::bad_payload, "", 0, seq,
                          fmt::format("record {} payload is invalid: {}", seq, decoded.error().message));
    }
  }
  view.leaf_hash = leaf_hash(body);
  return std::nullopt;
}

std::optional<VerifyFinding> LogVerifier::check_checkpoint(std::span<const std::uint8_t> body, CheckpointView& view) {
  const auto checkpoint = decode_checkpoint_body(body);
  if (!checkpoint) {
    return make_finding(Problem::bad_frame, "", 0, std::nullopt,
                        fmt::format("checkpoint body has {} bytes, expected {}", body.size(), kCheckpointBodyBytes));
  }
  if (checkpoint->tree_size != next_seq_) {
    return make_finding(Problem::checkpoint_size, "", 0, std::nullopt,
                        fmt::format("checkpoint claims tree size {} but {} records precede it (records were "
                                    "removed or inserted, or the checkpoint was moved)",
                                    checkpoint->tree_size, next_seq_));
  }
  if (key_) {
    if (checkpoint->key_id != key_id_) {
      return make_finding(Problem::checkpoint_key, "", 0, std::nullopt,
                          fmt::format("checkpoint at tree size {} is signed by key id {}…, not the log's public key "
                                      "{}… (re-signed with another key)",
                                      checkpoint->tree_size, short_hex(checkpoint->key_id), short_hex(key_id_)));
    }
    const std::vector<std::uint8_t> message = checkpoint_signed_message(*checkpoint);
    if (!verify_signature(*key_, message, std::span<const std::uint8_t, 64>(checkpoint->signature))) {
      return make_finding(Problem::bad_signature, "", 0, std::nullopt,
                          fmt::format("checkpoint at tree size {}: Ed25519 signature does not verify under the "
                                      "log's public key (checkpoint altered or forged)",
                                      checkpoint->tree_size));
    }
  }
  if (checkpoint->root != frontier_.root()) {
    return make_finding(Problem::root_mismatch, "", 0, std::nullopt,
                        fmt::format("checkpoint at tree size {}: signed Merkle root {}… does not match the root {}… "
                                    "of the records (a record was altered, or the checkpoint was replaced)",
                                    checkpoint->tree_size, short_hex(checkpoint->root), short_hex(frontier_.root())));
  }
  view.checkpoint = *checkpoint;
  view.body = body;
  return std::nullopt;
}

SegmentScan LogVerifier::feed_segment(std::string_view name, std::span<const std::uint8_t> bytes,
                                      const ScanHooks& hooks) {
  SegmentScan scan;
  auto fail = [&](VerifyFinding finding, std::uint64_t offset, bool torn, bool live_edge = false) {
    finding.segment = std::string(name);
    finding.offset = offset;
    scan.finding = std::move(finding);
    scan.torn_tail = torn;
    scan.live_edge = torn || live_edge;
    scan.data_end = bytes.size();
    if (bytes.size() >= kSegmentHeaderBytes && bytes[8] == kFormatVersion) {
      while (scan.data_end > offset && bytes[scan.data_end - 1] == 0) --scan.data_end;
    }
    return scan;
  };
  if (bytes.size() < kSegmentHeaderBytes) {
    return fail(make_finding(Problem::truncated_frame, name, 0, std::nullopt,
                             fmt::format("segment header truncated ({} of {} bytes)", bytes.size(),
                                         kSegmentHeaderBytes)),
                0, true);
  }
  if (!std::equal(kSegmentMagic.begin(), kSegmentMagic.end(), bytes.begin()) ||
      crc32c(bytes.first(kSegmentHeaderBytes - 4)) != get_le32(bytes.data() + kSegmentHeaderBytes - 4)) {
    return fail(make_finding(Problem::bad_segment_header, name, 0, std::nullopt,
                             "segment header damaged (bad magic or header CRC32C)"),
                0, false);
  }
  if (bytes[8] != kFormatVersion && bytes[8] != kFormatVersionV1) {
    return fail(make_finding(Problem::bad_segment_header, name, 0, std::nullopt,
                             fmt::format("unsupported format version byte {} (this build reads {} and {})", bytes[8],
                                         kFormatVersionV1, kFormatVersion)),
                0, false);
  }
  // v2: a frame length of 0 ends the data; the rest of the file (the preallocated tail) must be zero bytes.
  const bool v2 = bytes[8] == kFormatVersion;
  const std::uint64_t first_seq = get_le64(bytes.data() + 16);
  if (first_seq != next_seq_) {
    return fail(make_finding(Problem::segment_sequence, name, 0, first_seq,
                             fmt::format("segment starts at seq {} but seq {} was expected (a segment file is "
                                         "missing, renamed or out of order)",
                                         first_seq, next_seq_)),
                0, false);
  }
  ++segments_;
  std::size_t pos = kSegmentHeaderBytes;
  scan.valid_bytes = pos;
  while (pos < bytes.size()) {
    const std::size_t remaining = bytes.size() - pos;
    // v2 clean end: fewer than 8 bytes left or a length of 0, and nothing but zero bytes from here.
    if (v2 && (remaining < kFrameHeaderBytes || get_le32(bytes.data() + pos) == 0) && all_zero(bytes.subspan(pos))) {
      return scan;
    }
    if (remaining < kFrameHeaderBytes) {
      return fail(make_finding(Problem::truncated_frame, name, 0, next_seq_,
                               fmt::format("truncated frame header at end of segment ({} bytes; torn tail or "
                                           "truncation)",
                                           remaining)),
                  pos, true);
    }
    const std::uint32_t length = get_le32(bytes.data() + pos);
    const std::uint32_t stored_crc = get_le32(bytes.data() + pos + 4);
    if (length == 0 && v2) {
      // Not all zero after the marker (checked above): a hole (a page the writer had not filled when a live
      // reader read it, or a page lost in a power cut while later ones reached the disk) or bytes written into
      // the preallocated tail.
      return fail(make_finding(Problem::bad_frame, name, 0, next_seq_,
                               "non-zero bytes after the end-of-data marker (a frame length of 0) in the "
                               "preallocated tail"),
                  pos, false, /*live_edge=*/true);
    }
    if (length == 0) {
      const bool zero_tail = all_zero(bytes.subspan(pos));
      return fail(make_finding(zero_tail ? Problem::truncated_frame : Problem::bad_frame, name, 0, next_seq_,
                               zero_tail ? "zero-filled tail after the last frame (torn tail)"
                                         : "frame of length 0"),
                  pos, zero_tail);
    }
    if (length > kMaxBodyBytes) {
      return fail(make_finding(Problem::bad_frame, name, 0, next_seq_,
                               fmt::format("frame length {} exceeds the maximum {}", length, kMaxBodyBytes)),
                  pos, false);
    }
    if (remaining - kFrameHeaderBytes < length) {
      return fail(make_finding(Problem::truncated_frame, name, 0, next_seq_,
                               fmt::format("frame of {} bytes runs past the end of the segment ({} bytes left): "
                                           "truncated mid-record (torn tail or truncation)",
                                           length, remaining - kFrameHeaderBytes)),
                  pos, true);
    }
    const std::span<const std::uint8_t> body = bytes.subspan(pos + kFrameHeaderBytes, length);
    const std::uint32_t crc = crc32c_extend(crc32c(bytes.subspan(pos, 4)), body);
    // The last frame: nothing but (v2) the zero-filled preallocated tail follows it.
    const std::size_t frame_end = pos + kFrameHeaderBytes + length;
    const bool last_frame = frame_end == bytes.size() || (v2 && all_zero(bytes.subspan(frame_end)));
    if (crc != stored_crc) {
      const std::optional<std::uint64_t> seq =
          body[0] == kRecordType && body.size() >= 9 ? std::optional(get_le64(body.data() + 1)) : std::nullopt;
      return fail(make_finding(Problem::crc_mismatch, name, 0, seq,
                               fmt::format("CRC32C mismatch in the frame after seq {}: stored {:08x}, computed {:08x} "
                                           "(bytes altered)",
                                           next_seq_ == 0 ? std::string("(start)") : std::to_string(next_seq_ - 1),
                                           stored_crc, crc)),
                  pos, last_frame);
    }
    if (body[0] == kRecordType) {
      RecordView view;
      if (auto finding = check_record(body, view)) return fail(std::move(*finding), pos, false);
      frontier_.add_leaf_hash(view.leaf_hash);
      if (keep_leaf_hashes_) leaf_hashes_.push_back(view.leaf_hash);
      last_hash_ = view.leaf_hash;
      ++next_seq_;
      if (hooks.on_record) hooks.on_record(view);
    } else if (body[0] == kCheckpointType) {
      CheckpointView view;
      if (auto finding = check_checkpoint(body, view)) return fail(std::move(*finding), pos, false);
      last_checkpoint_ = view.checkpoint;
      ++checkpoints_;
      if (hooks.on_checkpoint) hooks.on_checkpoint(view);
    } else {
      return fail(make_finding(Problem::bad_frame, name, 0, std::nullopt,
                               fmt::format("unknown frame type 0x{:02x}", body[0])),
                  pos, false);
    }
    pos += kFrameHeaderBytes + length;
    scan.valid_bytes = pos;
  }
  return scan;
}

core::Result<DirectoryScan> scan_directory(const std::filesystem::path& dir, LogVerifier& verifier,
                                           const ScanHooks& hooks) {
  auto segments = list_segments(dir);
  if (!segments) return std::unexpected(segments.error());
  DirectoryScan out;
  out.segments = std::move(*segments);
  for (std::size_t i = 0; i < out.segments.size(); ++i) {
    auto bytes = read_whole_file(out.segments[i].path);
    if (!bytes) return std::unexpected(bytes.error());
    SegmentScan scan = verifier.feed_segment(out.segments[i].name, *bytes, hooks);
    out.last_valid_bytes = scan.valid_bytes;
    if (scan.finding) {
      out.bad_segment = i;
      out.finding = scan.finding;
      out.bad = std::move(scan);
      break;
    }
  }
  return out;
}

}  // namespace bulkhead::audit::detail
