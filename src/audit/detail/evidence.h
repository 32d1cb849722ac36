// Shared by inclusion_proof and export_tenant: a fully verified pass over an audit directory that keeps what
// proofs need (leaf hashes, the latest checkpoint) and the JSON shapes of checkpoints and proofs
// (docs/formats/audit.md "Inclusion proof"). Pure functions over a directory; thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "audit/audit.h"
#include "audit/detail/format.h"
#include "audit/detail/log_reader.h"
#include "audit/detail/signing_key.h"

namespace bulkhead::audit::detail {

// The trust anchor: options.public_key_file, else DIR/public-key.pem.
[[nodiscard]] core::Result<PublicKey> resolve_public_key(const std::filesystem::path& dir, const VerifyOptions& options);

struct VerifiedLog {
  PublicKey key{};
  std::uint64_t records = 0;
  std::vector<Sha256Digest> leaf_hashes;
  std::optional<Checkpoint> checkpoint;  // the latest
};

// Verifies the whole directory (as verify() does) while calling `hooks`; audit_unavailable when it fails.
[[nodiscard]] core::Result<VerifiedLog> load_verified(const std::filesystem::path& dir, const VerifyOptions& options,
                                                      const ScanHooks& hooks);

[[nodiscard]] json::Value checkpoint_json(const Checkpoint& checkpoint);
[[nodiscard]] json::Value hex_array(const std::vector<Sha256Digest>& hashes);

}  // namespace bulkhead::audit::detail
