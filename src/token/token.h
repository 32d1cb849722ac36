// bulkhead::token — short-lived task tokens: RFC 8693 token exchange (a workload's JWT-SVID, or a task token for
// delegation, becomes an EdDSA-signed JWT naming tenant, task, scope and the delegation chain), verification of
// those tokens on /mcp, revocation (RFC 7009, by jti / task / tenant / agent, cascading to every derived token) and
// introspection (RFC 7662). Behaviour: docs/tokens.md; claims: docs/formats/task-token.md.
//
// Cascade by construction: a token carries the jtis of all its ancestors (`bulkhead_parents`), so revoking one
// jti refuses its whole subtree without looking anything up. Revocations live in the Store; a TokenService notices
// other processes' revocations (`bulkhead token revoke`) on the next verification.
//
// Threading: a TokenService is used from one thread (the gateway's event loop, or a CLI command): it owns caches
// and uses one Store connection. Lifetime: it holds the Store, Verifier, TenantMap, Clock and Rng by reference.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/core.h"
#include "identity/identity.h"
#include "json/json.h"
#include "store/store.h"

namespace bulkhead::token {

// A set of scope entries: exposed tool/prompt names or resource URIs, each exact or ending in one `*` (a prefix
// pattern). Entries are visible ASCII without spaces, at most 256 bytes; at most 64 entries.
class Scope {
 public:
  [[nodiscard]] static core::Result<Scope> parse(std::string_view space_separated);
  // True when `name` (an exposed tool or prompt name, or a resource URI) is matched by an entry.
  [[nodiscard]] bool covers(std::string_view name) const noexcept;
  // True when every entry of this scope is covered by `wider` (an exact entry by any entry matching it; a pattern
  // "p*" by a pattern "q*" with p starting with q).
  [[nodiscard]] bool within(const Scope& wider) const noexcept;
  [[nodiscard]] const std::vector<std::string>& entries() const noexcept { return entries_; }
  [[nodiscard]] std::string to_string() const;  // space-separated, in the order given

 private:
  std::vector<std::string> entries_;
};

// The claims of a verified task token.
struct TaskToken;
using TaskTokenPtr = std::shared_ptr<const TaskToken>;  // verified tokens are immutable and shared with the cache
struct TaskToken {
  std::string issuer;
  std::string subject;               // sub: the workload the task was issued to
  std::string tenant;
  std::string task;
  Scope scope;
  std::string jti;
  std::vector<std::string> actors;   // act chain, current holder first (empty: the subject holds it)
  std::vector<std::string> parents;  // ancestor jtis, root first
  std::int64_t issued_at_s = 0;
  std::int64_t expires_at_s = 0;

  // The workload holding (and presenting) this token.
  [[nodiscard]] const std::string& holder() const noexcept { return actors.empty() ? subject : actors.front(); }
  // Who handed it to the holder (empty when not delegated).
  [[nodiscard]] std::string_view delegated_by() const noexcept;
  // Holder first, then earlier actors, the subject last (the audit record's delegation_chain).
  [[nodiscard]] std::vector<std::string> chain() const;
  [[nodiscard]] std::uint32_t depth() const noexcept { return static_cast<std::uint32_t>(actors.size()); }
};

// Task ids: 1-128 of [A-Za-z0-9._:-].
[[nodiscard]] bool valid_task_id(std::string_view task) noexcept;

struct TokenOptions {
  std::string issuer;                 // iss (the gateway's public URL)
  std::string audience;               // aud; tokens with another audience are refused
  std::filesystem::path signing_key_file;  // Ed25519 PKCS#8 PEM, created (0600) if missing; <file>.previous verifies
  std::chrono::seconds default_ttl{300};
  std::chrono::seconds max_ttl{900};
  std::uint32_t max_delegation_depth = 4;
  std::chrono::seconds clock_skew{30};
  std::size_t max_token_bytes = 8192;
  std::size_t cache_entries = 10'000;  // verified tokens remembered until their exp
};

// RFC 8693 §2.1 parameters of POST /oauth/token (form-encoded).
struct ExchangeRequest {
  std::string grant_type;
  std::string subject_token;
  std::string subject_token_type;
  std::string actor_token;
  std::string actor_token_type;
  std::string tenant;
  std::string task;
  std::optional<std::string> scope;
  std::optional<std::int64_t> lifetime_seconds;
};

// An OAuth error answer: RFC 6749 §5.2 / RFC 8693 §2.2.2 `error` code, Bulkhead's reason, a description, the
// HTTP status.
struct OAuthError {
  std::string error;  // invalid_request | invalid_grant | invalid_scope | invalid_target | unsupported_grant_type |
                      // invalid_client | unauthorized_client | server_error
  core::Reason reason = core::Reason::invalid_request;
  std::string description;
  int http_status = 400;
};
[[nodiscard]] json::Value oauth_error_body(const OAuthError& error);

// Form bodies (application/x-www-form-urlencoded): duplicate parameters, unknown exchange parameters, malformed
// percent-encoding and bodies over 64 KiB are invalid_request.
[[nodiscard]] std::expected<ExchangeRequest, OAuthError> parse_exchange_request(std::string_view body);
// POST /oauth/revoke and /oauth/introspect: `token` (required) and `token_type_hint` (ignored).
[[nodiscard]] std::expected<std::string, OAuthError> parse_token_request(std::string_view body);

struct Issued {
  std::string access_token;  // the JWT (give it to the caller; never log it)
  TaskToken claims;
  std::int64_t expires_in_s = 0;
};
// The RFC 8693 §2.2.1 response body.
[[nodiscard]] json::Value exchange_response_body(const Issued& issued);

// The claims a revocation check needs, rebuilt from the store's index row (the token itself is never stored):
// ancestors from `parent_of` (jti → parent jti over the issued tokens; without it only the direct parent), actors
// from the chain. For RevocationSet::check in the CLI and the report.
[[nodiscard]] TaskToken claims_of(const store::IssuedToken& row,
                                  const std::unordered_map<std::string, std::string>& parent_of = {});

// The in-memory view of the revocations in the Store.
class RevocationSet {
 public:
  void apply(const store::Revocation& revocation);
  // A human reason when `token` is revoked (its jti or an ancestor's, its task, its tenant or one of its workloads
  // since it was issued), else nullopt.
  [[nodiscard]] std::optional<std::string> check(const TaskToken& token) const;
  [[nodiscard]] bool task_ended(std::string_view tenant, std::string_view task) const;
  [[nodiscard]] std::size_t size() const noexcept { return jtis_.size() + tasks_.size() + tenants_.size() + agents_.size(); }
  [[nodiscard]] std::int64_t last_id() const noexcept { return last_id_; }

 private:
  std::unordered_set<std::string> jtis_;
  std::unordered_set<std::string> tasks_;                    // "<tenant>/<task>"
  std::unordered_map<std::string, std::int64_t> tenants_;    // tenant → latest revoked_at_ms
  std::unordered_map<std::string, std::int64_t> agents_;     // SPIFFE ID → latest revoked_at_ms
  std::int64_t last_id_ = 0;
};

// What a revocation request did.
struct RevokeOutcome {
  std::vector<store::Revocation> recorded;
  std::size_t tokens_affected = 0;  // issued tokens (still unexpired) the revocation covers, from the store's index
};

class TokenService {
 public:
  // Loads (or creates) the signing key and the previous key, and the revocations in the store.
  [[nodiscard]] static core::Result<std::unique_ptr<TokenService>> create(TokenOptions options, store::Store& store,
                                                                          identity::Verifier* svids,
                                                                          const identity::TenantMap& tenants,
                                                                          const core::Clock& clock, core::Rng& rng);
  ~TokenService();

  // RFC 8693. `caller`: the workload that authenticated the request (its JWT-SVID or certificate).
  [[nodiscard]] std::expected<Issued, OAuthError> exchange(const identity::Principal& caller,
                                                           const ExchangeRequest& request);
  // True when the token's header names one of this gateway's task-token keys (then verify() decides).
  [[nodiscard]] bool is_task_token(std::string_view token) const;
  // Signature, iss, aud, exp/nbf/iat with the clock skew, claim shapes, revocation (re-read from the store when
  // another process changed it). Errors: token_invalid, token_expired, token_revoked, internal_error (store).
  [[nodiscard]] core::Result<TaskTokenPtr> verify(std::string_view token);
  // RFC 7009 on behalf of `caller` (who must be the token's subject or one of its actors). A token that is not
  // ours or does not verify is no error (RFC 7009 §2.2); `unauthorized_client` otherwise refused.
  [[nodiscard]] std::expected<RevokeOutcome, OAuthError> revoke_token(const identity::Principal& caller,
                                                                       std::string_view token);
  // Operator revocation (`bulkhead token revoke`, offboarding).
  [[nodiscard]] core::Result<RevokeOutcome> revoke(store::RevocationKind kind, std::string value, std::string actor,
                                                   std::string reason);
  // RFC 7662: {"active": false} unless the token verifies and `caller` is bound to its tenant.
  [[nodiscard]] json::Value introspect(const identity::Principal& caller, std::string_view token);

  // Re-reads revocations if another process changed the store (verify() does this itself), or unconditionally with
  // `force` (after this process wrote revocations through another component).
  [[nodiscard]] core::Result<void> refresh(bool force = false);
  // Revocations not yet in the audit log (recorded by another process, or by this one): the caller audits them,
  // then marks them with store::Store::mark_revocations_audited. Each is handed out once per process.
  [[nodiscard]] std::vector<store::Revocation> take_unaudited();

  // The task-token keys as a JWKS document (current and previous).
  [[nodiscard]] const json::Value& jwks() const noexcept;
  // Re-reads the key files (after `bulkhead token rotate-key`); on error the loaded keys stay.
  [[nodiscard]] core::Result<void> reload_keys();
  [[nodiscard]] const TokenOptions& options() const noexcept;

  struct Impl;
  explicit TokenService(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// Records a revocation in the store (durable before it returns) and counts the live issued tokens it covers.
// `value` per kind: a jti; "<tenant>/<task>" ("*/<task>" = that task in every tenant); a tenant id; a SPIFFE ID.
// Used by TokenService::revoke and by the CLI (which needs no signing key).
[[nodiscard]] core::Result<RevokeOutcome> revoke_in_store(store::Store& store, store::Revocation revocation,
                                                          const core::Clock& clock, std::chrono::seconds max_ttl,
                                                          std::chrono::seconds clock_skew);

// `bulkhead token rotate-key`: the current key becomes <file>.previous (refused while the old previous key may
// still verify live tokens, unless `force`), a new key becomes current. Returns the new kid.
[[nodiscard]] core::Result<std::string> rotate_signing_key(const std::filesystem::path& signing_key_file,
                                                           std::chrono::seconds max_ttl, bool force,
                                                           const core::Clock& clock);

}  // namespace bulkhead::token
