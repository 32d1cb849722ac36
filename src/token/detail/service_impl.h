// TokenService internals shared by service.cc (keys, verification, revocation, introspection), exchange.cc
// (RFC 8693) and claims.cc (JSON ↔ TaskToken).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "token/token.h"

namespace bulkhead::token::detail {

// The signing key and every key that verifies (current first, then <file>.previous), as one JWKS.
struct SigningKeys {
  std::unique_ptr<identity::JwtSigner> signer;
  std::shared_ptr<const identity::KeySet> verify_keys;
  json::Value jwks;
};
[[nodiscard]] core::Result<SigningKeys> load_signing_keys(const std::filesystem::path& key_file, bool create);

// Claims ↔ JSON (docs/formats/task-token.md). from_claims refuses missing, mistyped and unknown claims.
[[nodiscard]] json::Value to_claims(const TaskToken& token, std::string_view audience);
[[nodiscard]] core::Result<TaskToken> from_claims(const json::Value& claims, std::string_view issuer,
                                                 std::string_view audience);

}  // namespace bulkhead::token::detail

namespace bulkhead::token {

struct TokenService::Impl {
  TokenOptions options;
  store::Store& store;
  identity::Verifier* svids;  // null: SVID subjects cannot be exchanged (CLI use)
  const identity::TenantMap& tenants;
  const core::Clock& clock;
  core::Rng& rng;
  detail::SigningKeys keys;
  RevocationSet revocations;
  std::vector<store::Revocation> unaudited;  // applied, not yet in the audit log
  std::optional<std::int64_t> seen_version;  // the store's data_version when revocations were last read
  struct Cached {
    TaskTokenPtr token;
  };
  // Hashes the last 64 bytes (the signature, unique per token) rather than the whole ~700-byte token; equality
  // still compares the whole text.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text.size() > 64 ? text.substr(text.size() - 64) : text);
    }
  };
  // Verified tokens (signature and claims), keyed by the whole token text (so a hash collision cannot alias).
  std::unordered_map<std::string, Cached, TextHash, std::equal_to<>> cache;

  [[nodiscard]] std::int64_t now_s() const;
  [[nodiscard]] std::int64_t now_ms() const;
  // Re-reads revocations when another process committed to the store.
  [[nodiscard]] core::Result<void> refresh_revocations();
  // Signature and claims, not time or revocation (revoke and introspect need those separately).
  [[nodiscard]] core::Result<TaskTokenPtr> verify_signed(std::string_view token);
  // Time and revocation.
  [[nodiscard]] core::Result<void> check_live(const TaskToken& token) const;
  [[nodiscard]] std::expected<Issued, OAuthError> issue(TaskToken claims, std::string parent_jti);
  [[nodiscard]] core::Result<RevokeOutcome> record_revocation(store::Revocation revocation);
};

}  // namespace bulkhead::token
