#include "audit/detail/evidence.h"

#include <fmt/format.h>

namespace bulkhead::audit::detail {

core::Result<PublicKey> resolve_public_key(const std::filesystem::path& dir, const VerifyOptions& options) {
  const std::filesystem::path file =
      options.public_key_file.empty() ? dir / kPublicKeyFileName : options.public_key_file;
  return read_public_key_file(file);
}

core::Result<VerifiedLog> load_verified(const std::filesystem::path& dir, const VerifyOptions& options,
                                        const ScanHooks& hooks) {
  auto key = resolve_public_key(dir, options);
  if (!key) return std::unexpected(key.error());
  LogVerifier verifier(*key, /*check_payloads=*/true, /*keep_leaf_hashes=*/true);
  auto scan = scan_directory(dir, verifier, hooks);
  if (!scan) return std::unexpected(scan.error());
  const bool live_tail = options.allow_unsigned_tail && scan->finding && scan->bad.live_edge &&
                         scan->bad_segment + 1 == scan->segments.size();  // a writer mid-append (see verify())
  if (scan->finding && !live_tail) {
    return core::fail(core::Reason::audit_unavailable,
                      fmt::format("audit log does not verify: {} offset {}: {} [{}]", scan->finding->segment,
                                  scan->finding->offset, scan->finding->message, problem_name(scan->finding->problem)));
  }
  const std::uint64_t signed_records = verifier.last_checkpoint() ? verifier.last_checkpoint()->tree_size : 0;
  if (!options.allow_unsigned_tail && verifier.next_seq() > signed_records) {
    return core::fail(core::Reason::audit_unavailable,
                      fmt::format("audit log does not verify: {} record(s) after the last signed checkpoint "
                                  "[unsigned_tail] (--allow-unsigned-tail for a live log)",
                                  verifier.next_seq() - signed_records));
  }
  VerifiedLog out;
  out.key = *key;
  out.records = verifier.next_seq();
  out.leaf_hashes = verifier.leaf_hashes();
  out.checkpoint = verifier.last_checkpoint();
  return out;
}

json::Value checkpoint_json(const Checkpoint& c) {
  json::Value v = json::Value::object();
  v.set("tree_size", c.tree_size);
  v.set("timestamp_ms", c.timestamp_ms);
  v.set("root_hash", core::hex_encode(c.root));
  v.set("key_id", core::hex_encode(c.key_id));
  v.set("signature", core::hex_encode(c.signature));
  v.set("body", core::base64_encode(encode_checkpoint_body(c)));
  return v;
}

json::Value hex_array(const std::vector<Sha256Digest>& hashes) {
  json::Array array;
  array.reserve(hashes.size());
  for (const auto& h : hashes) array.emplace_back(core::hex_encode(h));
  return json::Value(std::move(array));
}

}  // namespace bulkhead::audit::detail
