// TokenService: keys, verification of task tokens (with a cache of verified tokens), revocation and
// introspection. The exchange itself is in exchange.cc.
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "token/detail/service_impl.h"

namespace bulkhead::token {
namespace {

using core::Reason;

bool in_chain(const TaskToken& token, std::string_view principal) {
  if (token.subject == principal) return true;
  for (const auto& actor : token.actors) {
    if (actor == principal) return true;
  }
  return false;
}

}  // namespace

std::int64_t TokenService::Impl::now_s() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

std::int64_t TokenService::Impl::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

core::Result<void> TokenService::Impl::refresh_revocations() {
  auto version = store.data_version();
  if (!version) return std::unexpected(version.error());
  if (seen_version && *seen_version == *version) return {};
  auto rows = store.revocations_after(revocations.last_id());
  if (!rows) return std::unexpected(rows.error());
  for (auto& row : *rows) {
    revocations.apply(row);
    if (row.audited_at_ms == 0) unaudited.push_back(std::move(row));
  }
  seen_version = *version;
  return {};
}

core::Result<TaskTokenPtr> TokenService::Impl::verify_signed(std::string_view token) {
  if (auto it = cache.find(token); it != cache.end()) return it->second.token;
  auto jws = identity::verify_jws(token, *keys.verify_keys, options.max_token_bytes);
  if (!jws) return std::unexpected(jws.error());
  auto claims = detail::from_claims(jws->claims, options.issuer, options.audience);
  if (!claims) return std::unexpected(claims.error());
  auto verified = std::make_shared<const TaskToken>(std::move(*claims));
  if (cache.size() >= options.cache_entries) {
    const std::int64_t now = now_s();
    std::erase_if(cache, [now](const auto& entry) { return entry.second.token->expires_at_s <= now; });
    if (cache.size() >= options.cache_entries) cache.clear();
  }
  if (options.cache_entries > 0) cache.emplace(std::string(token), Cached{verified});
  return verified;
}

core::Result<void> TokenService::Impl::check_live(const TaskToken& token) const {
  const std::int64_t now = now_s();
  const std::int64_t skew = options.clock_skew.count();
  if (now >= token.expires_at_s + skew) return core::fail(Reason::token_expired, "the task token has expired");
  if (token.issued_at_s > now + skew) return core::fail(Reason::token_invalid, "the task token is not valid yet");
  if (auto revoked = revocations.check(token)) return core::fail(Reason::token_revoked, *revoked);
  return {};
}

core::Result<RevokeOutcome> TokenService::Impl::record_revocation(store::Revocation revocation) {
  auto outcome = revoke_in_store(store, std::move(revocation), clock, options.max_ttl, options.clock_skew);
  if (!outcome) return outcome;
  for (const auto& row : outcome->recorded) {
    revocations.apply(row);
    unaudited.push_back(row);
  }
  return outcome;
}

core::Result<RevokeOutcome> revoke_in_store(store::Store& store, store::Revocation revocation, const core::Clock& clock,
                                            std::chrono::seconds max_ttl, std::chrono::seconds clock_skew) {
  if (revocation.value.empty()) return core::fail(Reason::invalid_request, "nothing named to revoke");
  const auto now = clock.now().time_since_epoch();
  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  revocation.revoked_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  store::IssuedFilter filter;
  filter.active_at_s = now_s;
  switch (revocation.kind) {
    case store::RevocationKind::jti:
      break;
    case store::RevocationKind::task: {
      const auto slash = revocation.value.find('/');
      if (slash == std::string::npos) return core::fail(Reason::invalid_request, "a task revocation names <tenant>/<task>");
      if (revocation.value.substr(0, slash) != "*") filter.tenant = revocation.value.substr(0, slash);
      filter.task = revocation.value.substr(slash + 1);
      break;
    }
    case store::RevocationKind::tenant:
      filter.tenant = revocation.value;
      break;
    case store::RevocationKind::agent:
      filter.agent = revocation.value;
      break;
  }
  auto issued = store.issued_tokens(filter);
  if (!issued) return std::unexpected(issued.error());
  RevokeOutcome outcome;
  if (revocation.kind == store::RevocationKind::jti) {
    // The revoked token and every live token below it (the index knows parents; tokens carry all ancestors).
    std::unordered_set<std::string> subtree{revocation.value};
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& t : *issued) {
        if (!subtree.contains(t.jti) && subtree.contains(t.parent_jti)) grew = subtree.insert(t.jti).second || grew;
      }
    }
    for (const auto& t : *issued) {
      if (subtree.contains(t.jti)) {
        ++outcome.tokens_affected;
        if (t.jti == revocation.value) revocation.expires_at_s = t.expires_at_s;
      }
    }
    if (revocation.expires_at_s == 0) revocation.expires_at_s = now_s + max_ttl.count();
    revocation.expires_at_s += clock_skew.count();
  } else {
    outcome.tokens_affected = issued->size();
  }
  std::vector<store::Revocation> rows{std::move(revocation)};
  if (auto added = store.add_revocations(rows); !added) return std::unexpected(added.error());
  outcome.recorded = std::move(rows);
  return outcome;
}

TokenService::TokenService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TokenService::~TokenService() = default;

core::Result<std::unique_ptr<TokenService>> TokenService::create(TokenOptions options, store::Store& store,
                                                                 identity::Verifier* svids,
                                                                 const identity::TenantMap& tenants,
                                                                 const core::Clock& clock, core::Rng& rng) {
  if (options.issuer.empty() || options.audience.empty()) {
    return core::fail(Reason::invalid_request, "task tokens need an issuer and an audience");
  }
  if (options.default_ttl.count() <= 0 || options.max_ttl < options.default_ttl) {
    return core::fail(Reason::invalid_request, "[tokens] needs 0 < default_ttl_seconds <= max_ttl_seconds");
  }
  auto keys = detail::load_signing_keys(options.signing_key_file, /*create=*/true);
  if (!keys) return std::unexpected(keys.error());
  auto impl = std::unique_ptr<Impl>(new Impl{std::move(options), store, svids, tenants, clock, rng, std::move(*keys)});
  if (auto loaded = impl->refresh_revocations(); !loaded) return std::unexpected(loaded.error());
  return std::make_unique<TokenService>(std::move(impl));
}

bool TokenService::is_task_token(std::string_view token) const {
  auto kid = identity::peek_kid(token, impl_->options.max_token_bytes);
  return kid && impl_->keys.verify_keys->find(*kid) != nullptr;
}

core::Result<TaskTokenPtr> TokenService::verify(std::string_view token) {
  if (auto fresh = impl_->refresh_revocations(); !fresh) {
    return core::fail(Reason::internal_error, fmt::format("revocations cannot be read: {}", fresh.error().message));
  }
  auto claims = impl_->verify_signed(token);
  if (!claims) return claims;
  if (auto live = impl_->check_live(**claims); !live) return std::unexpected(live.error());
  return claims;
}

std::expected<RevokeOutcome, OAuthError> TokenService::revoke_token(const identity::Principal& caller,
                                                                     std::string_view token) {
  if (!is_task_token(token)) return RevokeOutcome{};
  auto claims = impl_->verify_signed(token);
  if (!claims) return RevokeOutcome{};  // RFC 7009 §2.2: an invalid token is not an error
  if (!in_chain(**claims, caller.spiffe_id)) {
    return std::unexpected(OAuthError{"unauthorized_client", Reason::token_invalid,
                                      "only the token's subject or an actor of its chain may revoke it", 400});
  }
  store::Revocation revocation;
  revocation.kind = store::RevocationKind::jti;
  revocation.value = (*claims)->jti;
  revocation.actor = caller.spiffe_id;
  revocation.reason = "revoked by its holder (RFC 7009)";
  auto outcome = impl_->record_revocation(std::move(revocation));
  if (!outcome) return std::unexpected(OAuthError{"server_error", Reason::internal_error, outcome.error().message, 500});
  return std::move(*outcome);
}

core::Result<RevokeOutcome> TokenService::revoke(store::RevocationKind kind, std::string value, std::string actor,
                                                 std::string reason) {
  if (auto fresh = impl_->refresh_revocations(); !fresh) return std::unexpected(fresh.error());
  store::Revocation revocation;
  revocation.kind = kind;
  revocation.value = std::move(value);
  revocation.actor = std::move(actor);
  revocation.reason = std::move(reason);
  return impl_->record_revocation(std::move(revocation));
}

json::Value TokenService::introspect(const identity::Principal& caller, std::string_view token) {
  json::Value inactive = json::Value::object();
  inactive.set("active", false);
  if (!is_task_token(token)) return inactive;
  auto claims = verify(token);
  if (!claims || !impl_->tenants.is_bound(caller.spiffe_id, (*claims)->tenant)) return inactive;
  json::Value body = detail::to_claims(**claims, impl_->options.audience);
  body.set("active", true);
  body.set("token_type", "Bearer");
  return body;
}

core::Result<void> TokenService::refresh(bool force) {
  if (force) impl_->seen_version.reset();
  return impl_->refresh_revocations();
}

std::vector<store::Revocation> TokenService::take_unaudited() { return std::exchange(impl_->unaudited, {}); }

const json::Value& TokenService::jwks() const noexcept { return impl_->keys.jwks; }

core::Result<void> TokenService::reload_keys() {
  auto keys = detail::load_signing_keys(impl_->options.signing_key_file, /*create=*/false);
  if (!keys) return std::unexpected(keys.error());
  impl_->keys = std::move(*keys);
  impl_->cache.clear();
  return {};
}

const TokenOptions& TokenService::options() const noexcept { return impl_->options; }

}  // namespace bulkhead::token
