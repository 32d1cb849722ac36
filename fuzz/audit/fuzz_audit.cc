// fuzz_audit: the audit log reader (src/audit/detail/log_reader.cc) and the record payload decoder.
// Input byte 0 selects the target; the rest is one segment file (0 mod 3), one payload (1 mod 3), or one segment
// file whose header and frame CRCs are recomputed first (2 mod 3) so mutations reach the checks behind the CRC
// (seq, chain, payload, checkpoint size/key/signature/root).
// Invariants: no crash/UB/leak on any input; the reader never claims more valid bytes than it was given, valid
// bytes end on a frame boundary that re-scans without a finding, and without a finding only a (v2) zero tail
// follows them; a decodable payload re-encodes to a payload that
// decodes to the same encoding (encode . decode is idempotent).
// Signatures are checked with the key of seed 0x42 * 32 (the saved corpus was written with it, see
// test/audit/audit_format_test.cc WriteFuzzCorpusWhenAsked), so checkpoint code is reached.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <vector>

#include "audit/audit.h"
#include "audit/detail/crc32c.h"
#include "audit/detail/log_reader.h"
#include "audit/detail/signing_key.h"

namespace {

namespace audit = bulkhead::audit;

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "fuzz_audit invariant violated: %s\n", what);
  std::abort();
}

const audit::detail::PublicKey& fuzz_key() {
  static const audit::detail::PublicKey key = [] {
    std::array<std::uint8_t, 32> seed{};
    seed.fill(0x42);
    return audit::detail::SigningKey::from_seed(seed).public_key();
  }();
  return key;
}

void fuzz_segment(std::span<const std::uint8_t> bytes) {
  audit::detail::LogVerifier verifier(fuzz_key(), /*check_payloads=*/true, /*keep_leaf_hashes=*/true);
  std::uint64_t records = 0;
  audit::detail::ScanHooks hooks;
  hooks.on_record = [&](const audit::detail::RecordView& view) {
    if (view.seq != records++) violated("records out of order");
  };
  const audit::detail::SegmentScan scan = verifier.feed_segment("fuzz", bytes, hooks);
  if (scan.valid_bytes > bytes.size()) violated("valid_bytes beyond input");
  if (!scan.finding && scan.valid_bytes != bytes.size()) {
    // Version 2: only a zero-filled preallocated tail may follow the frames.
    if (bytes[8] != audit::detail::kFormatVersion) violated("no finding but input not consumed");
    for (std::size_t i = scan.valid_bytes; i < bytes.size(); ++i) {
      if (bytes[i] != 0) violated("no finding but non-zero bytes after the frames");
    }
  }
  if (scan.finding && (scan.data_end > bytes.size() || scan.data_end < scan.valid_bytes)) violated("data_end");
  if (scan.torn_tail && !scan.live_edge) violated("torn tail is not a live edge");
  if (verifier.leaf_hashes().size() != verifier.next_seq()) violated("leaf count");
  if (scan.valid_bytes >= audit::detail::kSegmentHeaderBytes) {
    // The good prefix is exactly what recovery keeps: it must verify on its own.
    audit::detail::LogVerifier again(fuzz_key(), true, false);
    const auto rescan = again.feed_segment("fuzz", bytes.first(scan.valid_bytes));
    if (rescan.finding) violated("truncated prefix does not verify");
    if (again.next_seq() != verifier.next_seq()) violated("prefix record count");
  }
}

// Rewrites every CRC a forger would fix: the header's and each frame's, as far as lengths stay inside the input.
std::vector<std::uint8_t> with_fixed_crcs(std::span<const std::uint8_t> input) {
  namespace d = audit::detail;
  std::vector<std::uint8_t> bytes(input.begin(), input.end());
  if (bytes.size() < d::kSegmentHeaderBytes) return bytes;
  const std::uint32_t header_crc = d::crc32c({bytes.data(), d::kSegmentHeaderBytes - 4});
  for (int i = 0; i < 4; ++i) bytes[d::kSegmentHeaderBytes - 4 + i] = static_cast<std::uint8_t>(header_crc >> (8 * i));
  std::size_t pos = d::kSegmentHeaderBytes;
  while (pos + d::kFrameHeaderBytes <= bytes.size()) {
    const std::uint32_t length = d::get_le32(bytes.data() + pos);
    if (length == 0 || length > bytes.size() - pos - d::kFrameHeaderBytes) break;
    const std::uint32_t crc =
        d::crc32c_extend(d::crc32c({bytes.data() + pos, 4}), {bytes.data() + pos + d::kFrameHeaderBytes, length});
    for (int i = 0; i < 4; ++i) bytes[pos + 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    pos += d::kFrameHeaderBytes + length;
  }
  return bytes;
}

void fuzz_payload(std::span<const std::uint8_t> bytes) {
  const std::string_view payload(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto record = audit::decode_record(payload);
  if (!record) return;
  const std::string encoded = audit::encode_record(*record);
  auto again = audit::decode_record(encoded);
  if (!again) violated("re-encoded payload does not decode");
  if (audit::encode_record(*again) != encoded) violated("encode(decode(x)) not idempotent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > (4u << 20)) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzz_segment(rest);
      break;
    case 1:
      fuzz_payload(rest);
      break;
    default:
      fuzz_segment(with_fixed_crcs(rest));
      break;
  }
  return 0;
}
