// bulkhead::identity — who is calling: verifies workload credentials (SPIFFE JWT-SVIDs against per-trust-domain
// JWKS, and mTLS client certificates against per-trust-domain X.509 bundles) and binds principals to the tenants
// they may act for.
//
// Threading: a Verifier is used from one thread (the gateway's event loop); its verification cache is not
// locked. KeySet is immutable and may be shared across threads. Lifetime: a Verifier holds its Clock by
// reference; the clock must outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "json/json.h"

namespace bulkhead::identity {

// A SPIFFE ID (spiffe://<trust-domain>/<path>), validated per the SPIFFE ID specification: lowercase trust
// domain of [a-z0-9.-_], non-empty path segments of [A-Za-z0-9.-_] other than "." and "..", no query,
// fragment, port or userinfo, at most 2048 bytes.
struct SpiffeId {
  std::string text;          // the whole ID
  std::string trust_domain;  // "acme.test"
};
[[nodiscard]] std::optional<SpiffeId> parse_spiffe_id(std::string_view text);
[[nodiscard]] bool valid_trust_domain_name(std::string_view name);

// How a principal proved who it is.
enum class CredentialKind : std::uint8_t { jwt_svid, x509_svid };

// An authenticated workload. `expires` bounds how long the proof may be relied on (token exp, cert notAfter).
struct Principal {
  std::string spiffe_id;
  std::string trust_domain;
  CredentialKind kind = CredentialKind::jwt_svid;
  std::chrono::system_clock::time_point expires;
};

// JWS algorithms accepted for JWT-SVIDs. Each key is pinned to exactly one.
enum class Algorithm : std::uint8_t { es256, es384, rs256, ps256, eddsa };
[[nodiscard]] std::string_view algorithm_name(Algorithm alg) noexcept;
[[nodiscard]] std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept;

// The public keys of one trust domain, from a JWKS document (RFC 7517; SPIFFE bundles use the same form).
// Immutable once parsed. Keys for X.509-SVIDs (`use` = "x509-svid") and unknown key types are skipped;
// a key with private members, a duplicate `kid`, an RSA key under 2048 bits or without `alg`, or an `alg` that
// does not fit the key type is an error for the whole document.
class KeySet {
 public:
  struct Key;
  ~KeySet();
  KeySet(const KeySet&) = delete;
  KeySet& operator=(const KeySet&) = delete;
  [[nodiscard]] const Key* find(std::string_view kid) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept;

  struct Impl;
  explicit KeySet(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};
[[nodiscard]] core::Result<std::shared_ptr<const KeySet>> parse_jwks(std::string_view text);

struct TrustDomainConfig {
  std::string name;                     // "acme.test"
  std::filesystem::path jwks_file;      // JWT-SVID keys from a file ...
  std::string jwks_url;                 // ... or fetched (and refreshed) by the gateway
  std::chrono::seconds jwks_refresh{300};
  std::filesystem::path bundle_file;    // PEM CA bundle for X.509-SVIDs (mTLS); optional
};

struct VerifierOptions {
  std::string audience = "bulkhead";    // a JWT-SVID's `aud` must contain it
  std::chrono::seconds clock_skew{30};  // tolerance for exp/nbf/iat
  std::size_t max_token_bytes = 8192;
  std::size_t cache_entries = 10'000;   // verified tokens remembered (by SHA-256) until their exp
};

// Verifies credentials. Failures carry reason unauthenticated (no credential), token_expired (exp passed) or
// token_invalid (everything else) and a message that never contains the token.
class Verifier {
 public:
  // Loads jwks_file and bundle_file of every trust domain (jwks_url domains start without keys until the
  // gateway calls replace_keys). Errors name the file and the problem.
  [[nodiscard]] static core::Result<std::unique_ptr<Verifier>> create(std::vector<TrustDomainConfig> trust_domains,
                                                                      VerifierOptions options,
                                                                      const core::Clock& clock);
  virtual ~Verifier() = default;

  // A JWT-SVID from `Authorization: Bearer`. Results are cached by the token's SHA-256 until its exp.
  [[nodiscard]] virtual core::Result<Principal> verify_jwt(std::string_view token) = 0;
  // The client certificate chain of an mTLS connection, leaf first (DER). The leaf must carry exactly one URI
  // SAN, a SPIFFE ID of a configured trust domain, and chain to that trust domain's bundle.
  [[nodiscard]] virtual core::Result<Principal> verify_certificate(std::span<const std::string> chain_der) = 0;
  // Swaps in freshly fetched keys for a trust domain (JWKS URL refresh); clears the cache of that domain.
  virtual core::Result<void> replace_keys(std::string_view trust_domain, std::shared_ptr<const KeySet> keys) = 0;

  [[nodiscard]] virtual const std::vector<TrustDomainConfig>& trust_domains() const noexcept = 0;
  struct CacheStats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::size_t entries = 0;
  };
  [[nodiscard]] virtual CacheStats cache_stats() const noexcept = 0;
};

// Which tenants a principal may act for: [[tenant]] agents patterns, each an exact SPIFFE ID or a prefix
// ending in "/*" (matching IDs below that path, not the path itself).
struct TenantBinding {
  std::string tenant;
  std::vector<std::string> agents;
};
class TenantMap {
 public:
  // Fails on an invalid tenant id, a pattern that is not a SPIFFE ID (or "<id>/*"), or a duplicate tenant.
  [[nodiscard]] static core::Result<TenantMap> create(std::vector<TenantBinding> bindings);
  [[nodiscard]] bool is_bound(std::string_view spiffe_id, std::string_view tenant) const;
  [[nodiscard]] std::vector<std::string> tenants_of(std::string_view spiffe_id) const;
  [[nodiscard]] bool has_tenant(std::string_view tenant) const;

 private:
  std::vector<TenantBinding> bindings_;
};
[[nodiscard]] bool valid_tenant_id(std::string_view tenant);  // 1-128 of [A-Za-z0-9._-]

// A private key ready to sign JWTs (task tokens, demo SVIDs, benchmarks). Immutable once created; sign() may be
// called from any thread.
class JwtSigner {
 public:
  // `private_key_pem`: PKCS#8 PEM of the algorithm's key type.
  [[nodiscard]] static core::Result<std::unique_ptr<JwtSigner>> create(Algorithm alg, std::string_view private_key_pem,
                                                                       std::string kid);
  ~JwtSigner();
  // header {"alg","kid","typ":"JWT"} . claims . signature (compact JWS).
  [[nodiscard]] core::Result<std::string> sign(const json::Value& claims) const;
  // The public JWK (kty/crv/x/y/n/e, kid, alg, `use`).
  [[nodiscard]] core::Result<json::Value> public_jwk(std::string_view use) const;
  [[nodiscard]] const std::string& kid() const noexcept;
  [[nodiscard]] Algorithm alg() const noexcept;

  struct Impl;
  explicit JwtSigner(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// RFC 7638 JWK thumbprint (base64url of SHA-256 over the required members) of a public JWK.
[[nodiscard]] core::Result<std::string> jwk_thumbprint(const json::Value& jwk);

// A compact JWS checked against `keys`: the structural rules of JWT-SVIDs (no none/HS*, kid required, no embedded
// keys, no crit), the kid found in `keys`, the header alg equal to that key's pinned algorithm, the signature
// valid. Claims are returned unchecked (the caller checks iss/aud/exp/...). Errors are token_invalid.
struct VerifiedJws {
  json::Value header;
  json::Value claims;
  std::string kid;
};
[[nodiscard]] core::Result<VerifiedJws> verify_jws(std::string_view token, const KeySet& keys, std::size_t max_bytes);
// The `kid` of a compact JWS header without verifying anything (to choose which verifier applies); nullopt when
// the token is not a well-formed compact JWS.
[[nodiscard]] std::optional<std::string> peek_kid(std::string_view token, std::size_t max_bytes);

// Signing, for the demo's SVID helper and benchmarks (one-shot: parses the key every call; see JwtSigner). `private_key_pem` is a PKCS#8 PEM key
// of the algorithm's type. Returns header.payload.signature with header {"alg","kid","typ":"JWT"}.
[[nodiscard]] core::Result<std::string> sign_jwt(Algorithm alg, std::string_view private_key_pem, std::string_view kid,
                                                 const json::Value& claims);
// A new private key for `alg` as PKCS#8 PEM (RSA: 2048 bits).
[[nodiscard]] core::Result<std::string> generate_private_key(Algorithm alg);
// The public JWK of a private key (with kid, alg and use "jwt-svid").
[[nodiscard]] core::Result<json::Value> public_jwk(Algorithm alg, std::string_view private_key_pem,
                                                   std::string_view kid);

}  // namespace bulkhead::identity
