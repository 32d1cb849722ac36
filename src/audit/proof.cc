// inclusion_proof(): `bulkhead audit proof DIR --seq N` (docs/formats/audit.md "Inclusion proof").
#include <fmt/format.h>

#include "audit/audit.h"
#include "audit/detail/evidence.h"
#include "audit/detail/merkle.h"

namespace bulkhead::audit {

core::Result<json::Value> inclusion_proof(const std::filesystem::path& dir, std::uint64_t seq,
                                          const VerifyOptions& options) {
  std::vector<std::uint8_t> leaf;
  std::string payload;
  detail::ScanHooks hooks;
  hooks.on_record = [&](const detail::RecordView& view) {
    if (view.seq == seq) {
      leaf.assign(view.body.begin(), view.body.end());
      payload = std::string(view.payload);
    }
  };
  VerifyOptions relaxed = options;
  relaxed.allow_unsigned_tail = true;  // a record already covered stays provable while the log grows
  auto log = detail::load_verified(dir, relaxed, hooks);
  if (!log) return std::unexpected(log.error());
  if (seq >= log->records) {
    return core::fail(core::Reason::invalid_request, fmt::format("no record with seq {} (the log has {} records)",
                                                                 seq, log->records));
  }
  if (!log->checkpoint || seq >= log->checkpoint->tree_size) {
    return core::fail(core::Reason::invalid_request,
                      fmt::format("record {} is not covered by a signed checkpoint yet (latest covers {} records)",
                                  seq, log->checkpoint ? log->checkpoint->tree_size : 0));
  }
  const std::uint64_t size = log->checkpoint->tree_size;
  log->leaf_hashes.resize(size);
  const detail::MerkleLevels tree(std::move(log->leaf_hashes));
  json::Value proof = json::Value::object();
  proof.set("format", "bulkhead-audit-proof");
  proof.set("version", 1);
  proof.set("seq", seq);
  proof.set("leaf_index", seq);
  proof.set("tree_size", size);
  proof.set("leaf", core::base64_encode(leaf));
  proof.set("leaf_hash", core::hex_encode(detail::leaf_hash(leaf)));
  proof.set("audit_path", detail::hex_array(tree.inclusion_path(seq)));
  auto record = json::parse(payload);
  proof.set("record", record ? std::move(*record) : json::Value());
  proof.set("checkpoint", detail::checkpoint_json(*log->checkpoint));
  proof.set("public_key_pem", detail::public_key_pem(log->key));
  proof.set("public_key", core::hex_encode(log->key));
  return proof;
}

}  // namespace bulkhead::audit
