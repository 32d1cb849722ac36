// Who is calling: workload identity (JWT-SVID bearer or mTLS X.509-SVID) → principal, the tenant it names
// (Bulkhead-Tenant) checked against the [[tenant]] bindings; RFC 9728 protected-resource metadata; periodic
// refresh of trust domains whose JWKS come from a URL.
#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"
#include "gateway/detail/text.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

constexpr std::string_view kTenantHeader = "Bulkhead-Tenant";
constexpr std::string_view kDefaultTenant = "default";
constexpr std::string_view kAnonymousPrincipal = "anonymous";
constexpr std::string_view kMetadataPath = "/.well-known/oauth-protected-resource";
constexpr auto kJwksRetry = std::chrono::seconds(5);

// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or nullopt.
std::optional<std::string_view> bearer_token(const http::Request& request) {
  auto header = request.headers.get("Authorization");
  if (!header) return std::nullopt;
  std::string_view value = *header;
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() || !starts_with_ci(value, kScheme)) return std::string_view();
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

}  // namespace

core::Result<void> GatewayImpl::init_identity() {
  auto tenants = identity::TenantMap::create(config_.tenants);
  if (!tenants) return std::unexpected(tenants.error());
  tenants_ = std::move(*tenants);
  if (config_.auth.mode == AuthMode::none) return {};
  auto verifier = identity::Verifier::create(config_.trust_domains, config_.auth.verifier, clock_);
  if (!verifier) return std::unexpected(verifier.error());
  verifier_ = std::move(*verifier);
  return {};
}

core::Result<identity::Principal> GatewayImpl::verify_workload(const http::Request& request) {
  core::Result<identity::Principal> principal = core::fail(Reason::unauthenticated,
      "authenticate with a JWT-SVID (Authorization: Bearer) or an X.509-SVID client certificate");
  if (auto token = bearer_token(request)) {
    principal = token->empty() ? core::fail(Reason::unauthenticated, "Authorization header is not \"Bearer <token>\"")
                               : verifier_->verify_jwt(*token);
  } else if (!request.peer_certificates_der.empty()) {
    principal = verifier_->verify_certificate(request.peer_certificates_der);
  }
  if (!principal) {
    spdlog::warn("authentication refused reason={} remote={}: {}", core::reason_name(principal.error().reason),
                 request.remote_address, principal.error().message);
  }
  return principal;
}

core::Result<Caller> GatewayImpl::authenticate_task_token(const http::Request& request, std::string_view token,
                                                          std::string& principal_seen) {
  auto verified = tokens_->verify(token);
  audit_revocations(tokens_->take_unaudited());  // what another process revoked is on record once seen
  if (!verified) {
    spdlog::warn("task token refused reason={} remote={}: {}", core::reason_name(verified.error().reason),
                 request.remote_address, verified.error().message);
    return std::unexpected(verified.error());
  }
  Caller caller;
  caller.principal = (*verified)->holder();
  caller.tenant = (*verified)->tenant;
  principal_seen = caller.principal;
  // The token names the tenant; a header naming another one is a tenant switch, refused.
  if (auto named = request.headers.get(kTenantHeader); named && *named != caller.tenant) {
    spdlog::warn("tenant refused reason=tenant_not_bound principal={} tenant={}: the task token is for tenant {}",
                 caller.principal, *named, caller.tenant);
    return core::fail(Reason::tenant_not_bound,
                      fmt::format("the task token is for tenant '{}', not the Bulkhead-Tenant header's", caller.tenant));
  }
  // Bindings can change after the token was issued (offboarding): the holder must still act for the tenant.
  if (!tenants_.is_bound(caller.principal, caller.tenant)) {
    spdlog::warn("tenant refused reason=tenant_not_bound principal={} tenant={}: no longer bound", caller.principal,
                 caller.tenant);
    return core::fail(Reason::tenant_not_bound, fmt::format("this workload no longer acts for tenant '{}'", caller.tenant));
  }
  caller.task = std::move(*verified);
  if (auto refused = offboarded(caller)) return std::unexpected(*refused);
  return caller;
}

core::Result<Caller> GatewayImpl::authenticate(const http::Request& request, std::string& principal_seen) {
  Caller caller;
  std::vector<std::string> bound;
  if (config_.auth.mode == AuthMode::none) {
    caller.principal = std::string(kAnonymousPrincipal);
  } else {
    if (auto token = bearer_token(request); token && !token->empty() && tokens_ && tokens_->is_task_token(*token)) {
      return authenticate_task_token(request, *token, principal_seen);
    }
    if (config_.auth.require_task_token) {
      return core::fail(Reason::unauthenticated,
                        "this gateway accepts only task tokens: exchange your workload identity at POST /oauth/token");
    }
    auto principal = verify_workload(request);
    if (!principal) return std::unexpected(principal.error());
    caller.principal = std::move(principal->spiffe_id);
    principal_seen = caller.principal;
    bound = tenants_.tenants_of(caller.principal);
  }

  auto named = request.headers.get(kTenantHeader);
  if (named && !identity::valid_tenant_id(*named)) {
    return core::fail(Reason::invalid_request, "Bulkhead-Tenant must be 1-128 of [A-Za-z0-9._-]");
  }
  if (config_.auth.mode == AuthMode::none) {
    caller.tenant = named ? std::string(*named) : std::string(kDefaultTenant);
    // Tenants configured even without identity: only those may be named.
    if (!config_.tenants.empty() && !tenants_.has_tenant(caller.tenant)) {
      return core::fail(Reason::tenant_not_bound, fmt::format("tenant '{}' is not configured", caller.tenant));
    }
    if (auto refused = offboarded(caller)) return std::unexpected(*refused);
    return caller;
  }
  if (!named) {
    if (bound.size() != 1) {
      spdlog::warn("tenant refused reason=tenant_not_bound principal={}: no Bulkhead-Tenant and {} bound tenants",
                   caller.principal, bound.size());
      return core::fail(Reason::tenant_not_bound,
                        bound.empty() ? "this workload is not bound to any tenant"
                                      : "this workload acts for several tenants: name one with the Bulkhead-Tenant header");
    }
    caller.tenant = bound.front();
    if (auto refused = offboarded(caller)) return std::unexpected(*refused);
    return caller;
  }
  if (std::find(bound.begin(), bound.end(), *named) == bound.end()) {
    spdlog::warn("tenant refused reason=tenant_not_bound principal={} tenant={}", caller.principal, *named);
    return core::fail(Reason::tenant_not_bound,
                      fmt::format("this workload is not bound to tenant '{}'", *named));
  }
  caller.tenant = std::string(*named);
  if (auto refused = offboarded(caller)) return std::unexpected(*refused);
  return caller;
}

std::string GatewayImpl::www_authenticate(Reason reason) const {
  std::string value = fmt::format("Bearer resource_metadata=\"{}{}/mcp\"", config_.server.public_url, kMetadataPath);
  if (reason == Reason::token_invalid || reason == Reason::token_expired || reason == Reason::token_revoked) {
    value += ", error=\"invalid_token\"";
  }
  return value;
}

http::Response GatewayImpl::resource_metadata(std::string_view path) const {
  // RFC 9728 §3: the resource identifier is the URL the metadata path was derived from (origin, or origin + /mcp).
  json::Value doc = json::Value::object();
  const std::string suffix(path.substr(kMetadataPath.size()));
  doc.set("resource", config_.server.public_url + suffix);
  doc.set("bearer_methods_supported", json::Value(json::Array{json::Value("header")}));
  doc.set("resource_name", "Bulkhead MCP gateway");
  doc.set("tls_client_certificate_bound_access_tokens", false);
  if (tokens_) {
    // Task tokens come from this gateway's own token endpoint (RFC 8693 exchange of a workload identity).
    doc.set("authorization_servers", json::Value(json::Array{json::Value(tokens_->options().issuer)}));
  }
  http::Response response;
  response.headers.set("Content-Type", "application/json");
  response.headers.set("Cache-Control", "max-age=300");
  response.body = json::serialize(doc);
  return response;
}

std::string_view GatewayImpl::tenant_label(std::string_view tenant) const noexcept {
  for (const auto& binding : config_.tenants) {
    if (binding.tenant == tenant) return binding.tenant;
  }
  return tenant == kDefaultTenant ? kDefaultTenant : std::string_view("other");
}

void GatewayImpl::start_jwks_refresh() {
  if (!verifier_) return;
  const auto& domains = config_.trust_domains;
  for (std::size_t i = 0; i < domains.size(); ++i) {
    if (domains[i].jwks_url.empty()) continue;
    jwks_timers_.push_back(std::make_unique<asio::steady_timer>(io_));
    asio::co_spawn(io_, refresh_jwks(i, *jwks_timers_.back()), asio::detached);
  }
}

asio::awaitable<void> GatewayImpl::refresh_jwks(std::size_t index, asio::steady_timer& timer) {
  const identity::TrustDomainConfig domain = config_.trust_domains[index];
  while (!draining_) {
    http::ClientRequest request;
    request.method = "GET";
    request.url = domain.jwks_url;
    request.headers.set("Accept", "application/json");
    request.timeout = std::chrono::seconds(10);
    auto response = co_await client_->request(std::move(request));
    auto wait = domain.jwks_refresh;
    std::string problem;
    if (!response) {
      problem = response.error().message;
    } else if (response->status != 200) {
      problem = fmt::format("HTTP {}", response->status);
    } else if (auto keys = identity::parse_jwks(response->body); !keys) {
      problem = keys.error().message;
    } else {
      const std::size_t count = (*keys)->size();
      auto swapped = verifier_->replace_keys(domain.name, std::move(*keys));
      if (swapped) spdlog::info("trust domain {}: {} JWT-SVID keys loaded from its JWKS URL", domain.name, count);
    }
    if (!problem.empty()) {
      // Keep the last good keys (tokens they signed stay verifiable); retry soon.
      spdlog::warn("trust domain {}: JWKS fetch from {} failed: {}", domain.name, domain.jwks_url, problem);
      wait = std::min<std::chrono::seconds>(wait, kJwksRetry);
    }
    if (draining_) break;
    timer.expires_after(wait);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
}

}  // namespace bulkhead::gateway::detail
