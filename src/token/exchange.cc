// RFC 8693 token exchange: a workload's own JWT-SVID → a task token, or a task token (+ the caller as the new
// actor) → a narrower child token of the same tenant and task.
#include <fmt/format.h>

#include "token/detail/service_impl.h"

namespace bulkhead::token {
namespace {

using core::Reason;

std::unexpected<OAuthError> refuse(std::string error, Reason reason, std::string description, int status = 400) {
  return std::unexpected(OAuthError{std::move(error), reason, std::move(description), status});
}

}  // namespace

std::expected<Issued, OAuthError> TokenService::Impl::issue(TaskToken claims, std::string parent_jti) {
  std::array<std::uint8_t, 16> id{};
  rng.fill(id);
  claims.jti = core::base64url_encode(id);
  claims.issuer = options.issuer;
  auto jwt = keys.signer->sign(detail::to_claims(claims, options.audience));
  if (!jwt) return refuse("server_error", Reason::internal_error, jwt.error().message, 500);
  store::IssuedToken row;
  row.jti = claims.jti;
  row.parent_jti = std::move(parent_jti);
  row.tenant = claims.tenant;
  row.task = claims.task;
  row.subject = claims.subject;
  row.actor = claims.holder();
  for (const auto& workload : claims.chain()) {
    if (!row.chain.empty()) row.chain += ' ';
    row.chain += workload;
  }
  row.scope = claims.scope.to_string();
  row.issued_at_s = claims.issued_at_s;
  row.expires_at_s = claims.expires_at_s;
  row.depth = claims.depth();
  if (auto recorded = store.record_issued(row); !recorded) {
    return refuse("server_error", Reason::internal_error, recorded.error().message, 500);
  }
  Issued issued;
  issued.access_token = std::move(*jwt);
  issued.expires_in_s = claims.expires_at_s - claims.issued_at_s;
  issued.claims = std::move(claims);
  return issued;
}

std::expected<Issued, OAuthError> TokenService::exchange(const identity::Principal& caller,
                                                         const ExchangeRequest& request) {
  Impl& s = *impl_;
  if (auto fresh = s.refresh_revocations(); !fresh) {
    return refuse("server_error", Reason::internal_error, fresh.error().message, 500);
  }
  const std::int64_t max_ttl = s.options.max_ttl.count();
  const std::int64_t ttl = request.lifetime_seconds.value_or(s.options.default_ttl.count());
  if (ttl <= 0 || ttl > max_ttl) {
    return refuse("invalid_request", Reason::invalid_request,
                  fmt::format("lifetime_seconds must be 1..{} (the configured maximum)", max_ttl));
  }
  const std::int64_t now = s.now_s();
  TaskToken claims;
  claims.issued_at_s = now;
  std::string parent_jti;

  if (is_task_token(request.subject_token)) {
    // Delegation (or narrowing one's own token): the caller becomes the holder of a child token.
    auto verified = verify(request.subject_token);
    if (!verified) {
      return refuse("invalid_grant", verified.error().reason, fmt::format("subject_token: {}", verified.error().message));
    }
    const TaskTokenPtr parent = *verified;
    if (!request.actor_token.empty()) {
      if (s.svids == nullptr) return refuse("invalid_request", Reason::invalid_request, "actor tokens are not accepted here");
      auto actor = s.svids->verify_jwt(request.actor_token);
      if (!actor) return refuse("invalid_request", actor.error().reason, fmt::format("actor_token: {}", actor.error().message));
      if (actor->spiffe_id != caller.spiffe_id) {
        return refuse("invalid_request", Reason::token_invalid, "actor_token must be the caller's own JWT-SVID");
      }
    }
    if (!request.tenant.empty() && request.tenant != parent->tenant) {
      return refuse("invalid_target", Reason::delegation_widening, "a delegated token keeps its tenant");
    }
    if (!request.task.empty() && request.task != parent->task) {
      return refuse("invalid_request", Reason::delegation_widening, "a delegated token keeps its task");
    }
    if (!s.tenants.is_bound(caller.spiffe_id, parent->tenant)) {
      return refuse("invalid_target", Reason::tenant_not_bound,
                    fmt::format("the caller is not bound to tenant '{}'", parent->tenant));
    }
    claims.subject = parent->subject;
    claims.tenant = parent->tenant;
    claims.task = parent->task;
    claims.actors = parent->actors;
    if (caller.spiffe_id != parent->holder()) claims.actors.insert(claims.actors.begin(), caller.spiffe_id);
    if (claims.depth() > s.options.max_delegation_depth) {
      return refuse("invalid_request", Reason::delegation_widening,
                    fmt::format("the delegation chain would exceed {} hops", s.options.max_delegation_depth));
    }
    if (request.scope) {
      auto scope = Scope::parse(*request.scope);
      if (!scope) return refuse("invalid_scope", Reason::invalid_request, scope.error().message);
      if (!scope->within(parent->scope)) {
        return refuse("invalid_scope", Reason::delegation_widening, "the requested scope is wider than the subject token's");
      }
      claims.scope = std::move(*scope);
    } else {
      claims.scope = parent->scope;
    }
    claims.parents = parent->parents;
    claims.parents.push_back(parent->jti);
    claims.expires_at_s = std::min(now + ttl, parent->expires_at_s);
    parent_jti = parent->jti;
  } else {
    // A workload exchanges its own JWT-SVID for a task token.
    if (s.svids == nullptr) return refuse("invalid_request", Reason::invalid_request, "SVID exchange is not available here");
    if (!request.actor_token.empty()) {
      return refuse("invalid_request", Reason::invalid_request,
                    "actor_token is for delegation: the subject_token must then be a task token");
    }
    auto subject = s.svids->verify_jwt(request.subject_token);
    if (!subject) return refuse("invalid_grant", subject.error().reason, fmt::format("subject_token: {}", subject.error().message));
    if (subject->spiffe_id != caller.spiffe_id) {
      return refuse("invalid_grant", Reason::token_invalid, "subject_token must be the caller's own JWT-SVID");
    }
    std::string tenant = request.tenant;
    if (tenant.empty()) {
      auto bound = s.tenants.tenants_of(caller.spiffe_id);
      if (bound.size() != 1) {
        return refuse("invalid_request", Reason::tenant_not_bound,
                      bound.empty() ? "the caller is not bound to any tenant" : "name the tenant (parameter tenant)");
      }
      tenant = bound.front();
    } else if (!identity::valid_tenant_id(tenant)) {
      return refuse("invalid_request", Reason::invalid_request, "tenant must be 1-128 of [A-Za-z0-9._-]");
    }
    if (!s.tenants.is_bound(caller.spiffe_id, tenant)) {
      return refuse("invalid_target", Reason::tenant_not_bound, fmt::format("the caller is not bound to tenant '{}'", tenant));
    }
    if (request.task.empty()) return refuse("invalid_request", Reason::invalid_request, "task is required");
    if (!valid_task_id(request.task)) return refuse("invalid_request", Reason::invalid_request, "task must be 1-128 of [A-Za-z0-9._:-]");
    if (!request.scope) return refuse("invalid_scope", Reason::invalid_request, "scope is required (exposed tool names or prefix* patterns)");
    auto scope = Scope::parse(*request.scope);
    if (!scope) return refuse("invalid_scope", Reason::invalid_request, scope.error().message);
    claims.subject = caller.spiffe_id;
    claims.tenant = std::move(tenant);
    claims.task = request.task;
    claims.scope = std::move(*scope);
    claims.expires_at_s = now + ttl;
  }
  if (claims.expires_at_s <= now) {
    return refuse("invalid_grant", Reason::token_expired, "subject_token expires now: nothing left to delegate");
  }
  if (s.revocations.task_ended(claims.tenant, claims.task)) {
    return refuse("invalid_grant", Reason::token_revoked, fmt::format("task '{}' has ended", claims.task));
  }
  return s.issue(std::move(claims), std::move(parent_jti));
}

}  // namespace bulkhead::token
