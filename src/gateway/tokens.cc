// Task tokens in the gateway (modules store, token, secrets): the OAuth endpoints (RFC 8693 exchange, RFC 7009
// revoke, RFC 7662 introspect), the task-token JWKS and RFC 8414 metadata, scope checks on /mcp, per-tenant
// upstream credentials, and the audit records of all of it. The caller of an OAuth endpoint authenticates as a
// workload (JWT-SVID bearer or X.509-SVID), never with a task token.
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"
#include "gateway/detail/text.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

constexpr std::string_view kJwksPath = "/.well-known/jwks.json";

http::Response json_response(int status, const json::Value& body) {
  http::Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.headers.set("Cache-Control", "no-store");  // RFC 6749 §5.1
  response.headers.set("Pragma", "no-cache");
  response.body = json::serialize(body);
  return response;
}

http::Response oauth_refusal(const token::OAuthError& error) {
  return json_response(error.http_status, token::oauth_error_body(error));
}

// The exposed name or URI a request acts on, for the scope check.
std::optional<std::string> scoped_name(const mcp::Message& message) {
  const std::string& method = message.method;
  if (method == "tools/call" || method == "prompts/get") {
    if (const std::string* name = mcp::param_string(message, "name")) return *name;
    return std::nullopt;
  }
  if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe") {
    if (const std::string* uri = mcp::param_string(message, "uri")) return *uri;
    return std::nullopt;
  }
  if (method == "completion/complete") {
    if (const json::Value* ref = message.params.find("ref")) {
      if (const std::string* name = ref->find_string("name")) return *name;
      if (const std::string* uri = ref->find_string("uri")) return *uri;
    }
  }
  return std::nullopt;
}

}  // namespace

core::Result<void> GatewayImpl::init_tokens() {
  if (!config_.uses_store()) return {};
  auto store = store::Store::open(config_.store.url, config_.store.base_dir, clock_);
  if (!store) return std::unexpected(store.error());
  store_ = std::move(*store);
  audit_admin_events();
  if (config_.uses_credentials()) {
    auto keyring = secrets::Keyring::load(secrets::key_source_from_environment(config_.secrets.key_file, true), rng_);
    if (!keyring) return std::unexpected(keyring.error());
    vault_ = std::make_unique<secrets::Vault>(*store_, std::move(*keyring), rng_, clock_);
  }
  if (!config_.tokens.enabled) return {};
  token::TokenOptions options;
  options.issuer = config_.server.public_url;
  options.audience = config_.tokens.audience.empty() ? config_.server.public_url : config_.tokens.audience;
  options.signing_key_file = config_.tokens.signing_key_file;
  options.default_ttl = config_.tokens.default_ttl;
  options.max_ttl = config_.tokens.max_ttl;
  options.max_delegation_depth = config_.tokens.max_delegation_depth;
  options.clock_skew = config_.auth.verifier.clock_skew;
  options.max_token_bytes = config_.auth.verifier.max_token_bytes;
  options.cache_entries = config_.auth.verifier.cache_entries;
  auto tokens = token::TokenService::create(std::move(options), *store_, verifier_.get(), tenants_, clock_, rng_);
  if (!tokens) return std::unexpected(tokens.error());
  tokens_ = std::move(*tokens);
  spdlog::info("task tokens: issuer {}, key {}, lifetime {}s (max {}s), delegation depth {}", tokens_->options().issuer,
               *tokens_->jwks().find("keys")->as_array().front().find_string("kid"), config_.tokens.default_ttl.count(),
               config_.tokens.max_ttl.count(), config_.tokens.max_delegation_depth);
  audit_revocations(tokens_->take_unaudited());
  return {};
}

void GatewayImpl::audit_revocations(std::vector<store::Revocation> revocations) {
  for (auto& revocation : revocations) {
    json::Value detail = json::Value::object();
    detail.set("kind", store::revocation_kind_name(revocation.kind));
    detail.set("value", revocation.value);
    detail.set("revocation_id", revocation.id);
    detail.set("revoked_at_ms", revocation.revoked_at_ms);
    if (!revocation.reason.empty()) detail.set("why", revocation.reason);
    audit::AuditRecord entry = lifecycle_record("token_revoke", nullptr, std::move(detail));
    entry.principal = revocation.actor;
    if (revocation.kind == store::RevocationKind::tenant) entry.tenant = revocation.value;
    if (!audit_) continue;
    const std::int64_t id = revocation.id;
    audit_->append(std::move(entry), [this, id, ex = io_.get_executor()](core::Result<std::uint64_t> seq) {
      if (!seq) {
        spdlog::error("audit: a revocation record failed: {}", seq.error().message);
        return;
      }
      asio::post(ex, [this, id] {
        if (auto marked = store_->mark_revocations_audited(std::span<const std::int64_t>(&id, 1), now_ms()); !marked) {
          spdlog::error("store: cannot mark revocation {} audited: {}", id, marked.error().message);
        }
      });
    });
  }
}

std::int64_t GatewayImpl::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
}

void GatewayImpl::audit_admin_events() {
  if (!store_ || !audit_) return;
  auto pending = store_->unaudited_admin_events();
  if (!pending) {
    spdlog::error("store: cannot read administrative events: {}", pending.error().message);
    return;
  }
  for (auto& event : *pending) {
    if (event.id <= admin_events_taken_) continue;  // its record is on its way; marked when durable
    admin_events_taken_ = event.id;
    auto detail = json::parse(event.detail);
    json::Value fields = detail && detail->is_object() ? std::move(*detail) : json::Value::object();
    fields.set("admin_event_id", event.id);
    fields.set("at_ms", event.at_ms);
    audit::AuditRecord entry = lifecycle_record(event.event, nullptr, std::move(fields));
    entry.principal = event.actor;
    entry.tenant = event.tenant;
    const std::int64_t id = event.id;
    audit_->append(std::move(entry), [this, id, ex = io_.get_executor()](core::Result<std::uint64_t> seq) {
      if (!seq) {
        spdlog::error("audit: an administrative record failed: {}", seq.error().message);
        return;
      }
      asio::post(ex, [this, id] {
        if (auto marked = store_->mark_admin_events_audited(std::span<const std::int64_t>(&id, 1), now_ms()); !marked) {
          spdlog::error("store: cannot mark administrative event {} audited: {}", id, marked.error().message);
        }
      });
    });
  }
}

void GatewayImpl::schedule_store_poll() {
  if (!store_) return;
  if (!store_poll_timer_) store_poll_timer_ = std::make_unique<asio::steady_timer>(io_);
  store_poll_timer_->expires_after(std::chrono::seconds(1));
  store_poll_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || draining_) return;
    if (auto fresh = refresh_store_state(); !fresh) spdlog::error("store: {}", fresh.error().message);
    schedule_store_poll();
  });
}

http::Response GatewayImpl::jwks_document() const {
  http::Response response;
  response.headers.set("Content-Type", "application/json");
  response.headers.set("Cache-Control", "max-age=60");
  response.body = json::serialize(tokens_->jwks());
  return response;
}

http::Response GatewayImpl::authorization_server_metadata() const {
  // RFC 8414: what a workload needs to find the exchange, revocation and introspection endpoints.
  const std::string& base = config_.server.public_url;
  json::Value doc = json::Value::object();
  doc.set("issuer", tokens_->options().issuer);
  doc.set("token_endpoint", base + "/oauth/token");
  doc.set("revocation_endpoint", base + "/oauth/revoke");
  doc.set("introspection_endpoint", base + "/oauth/introspect");
  doc.set("jwks_uri", base + std::string(kJwksPath));
  doc.set("grant_types_supported",
          json::Value(json::Array{json::Value("urn:ietf:params:oauth:grant-type:token-exchange")}));
  doc.set("response_types_supported", json::Value::array());
  doc.set("token_endpoint_auth_methods_supported", json::Value(json::Array{json::Value("spiffe_jwt_svid_bearer"),
                                                                          json::Value("tls_client_auth")}));
  http::Response response;
  response.headers.set("Content-Type", "application/json");
  response.headers.set("Cache-Control", "max-age=300");
  response.body = json::serialize(doc);
  return response;
}

asio::awaitable<void> GatewayImpl::handle_oauth(http::Request& request, http::ResponseStream& stream) {
  http::Response response = co_await oauth_answer(request);
  co_await stream.send(std::move(response));
}

// Each co_await below is its own statement on named values (g++ 12 coroutine miscompiles; see STYLE notes).
asio::awaitable<http::Response> GatewayImpl::oauth_answer(const http::Request& request) {
  const std::string path(request.path());
  if (request.method != "POST") {
    http::Response response = json_response(405, token::oauth_error_body(
        token::OAuthError{"invalid_request", Reason::invalid_request, "use POST", 405}));
    response.headers.set("Allow", "POST");
    co_return response;
  }
  std::optional<token::OAuthError> refusal;
  if (draining_) {
    refusal = token::OAuthError{"temporarily_unavailable", Reason::shutting_down, "gateway is shutting down", 503};
  } else if (auto origin = check_origin(request)) {
    refusal = token::OAuthError{"invalid_request", origin->reason, origin->message, 403};
  } else if (!audit_healthy()) {
    refusal = token::OAuthError{"temporarily_unavailable", Reason::audit_unavailable,
                                "the audit log cannot record token operations; refusing them", 503};
  } else if (auto type = request.headers.get("Content-Type");
             !type || !starts_with_ci(*type, "application/x-www-form-urlencoded")) {
    refusal = token::OAuthError{"invalid_request", Reason::invalid_request,
                                "Content-Type must be application/x-www-form-urlencoded", 400};
  }
  if (!refusal) {
    if (auto fresh = refresh_store_state(); !fresh) {
      refusal = token::OAuthError{"server_error", Reason::internal_error, "the gateway's store cannot be read", 500};
    }
  }
  if (refusal) {
    metrics_.count_request("-", "oauth", core::reason_name(refusal->reason));
    http::Response response = oauth_refusal(*refusal);
    co_return response;
  }
  auto caller = verify_workload(request);
  if (!caller) {
    const token::OAuthError unauthenticated{"invalid_client", caller.error().reason,
                                            caller.error().message + " (task tokens do not authenticate here)", 401};
    http::Response response = oauth_refusal(unauthenticated);
    response.headers.set("WWW-Authenticate", www_authenticate(caller.error().reason));
    metrics_.count_request("-", "oauth", core::reason_name(caller.error().reason));
    audit::AuditRecord entry = lifecycle_record("token_request_refused", nullptr, json::Value::object());
    entry.decision = audit::Decision::deny;
    entry.reason = caller.error().reason;
    entry.detail.set("path", path);
    auto durable = co_await record(std::move(entry));
    if (!durable) response = oauth_refusal(token::OAuthError{"temporarily_unavailable", Reason::audit_unavailable,
                                                             "the audit log cannot record token operations", 503});
    co_return response;
  }
  if (register_view_ && register_view_->agent_offboarded(caller->spiffe_id)) {
    const token::OAuthError refused{"unauthorized_client", Reason::tenant_not_bound, "this workload was offboarded", 403};
    http::Response response = oauth_refusal(refused);
    co_return response;
  }
  const auto tenants = tenants_.tenants_of(caller->spiffe_id);
  const std::string_view label = tenant_label(tenants.size() == 1 ? tenants.front() : std::string_view("other"));

  if (path == "/oauth/introspect") {
    auto token = token::parse_token_request(request.body);
    metrics_.count_request(label, "oauth/introspect", token ? "ok" : "invalid_request");
    http::Response response = token ? json_response(200, tokens_->introspect(*caller, *token)) : oauth_refusal(token.error());
    co_return response;
  }
  if (path != "/oauth/token" && path != "/oauth/revoke") {
    http::Response response = json_response(404, token::oauth_error_body(token::OAuthError{
        "invalid_request", Reason::invalid_request, "no such OAuth endpoint", 404}));
    co_return response;
  }

  audit::AuditRecord entry = lifecycle_record(path == "/oauth/token" ? "token_exchange" : "token_revoke", nullptr,
                                              json::Value::object());
  entry.principal = caller->spiffe_id;
  http::Response response = path == "/oauth/token" ? exchange_answer(*caller, request.body, label, entry)
                                                   : revoke_answer(*caller, request.body, label, entry);
  // The record is durable before the caller learns the outcome (sync audit); a token is not handed out unrecorded.
  auto durable = co_await record(std::move(entry));
  if (!durable) {
    response = oauth_refusal(token::OAuthError{"temporarily_unavailable", Reason::audit_unavailable,
                                               "the audit log cannot record token operations", 503});
  }
  // The revocation this request made is on record above: mark it audited; audit any others seen meanwhile.
  std::vector<store::Revocation> others;
  for (auto& revocation : tokens_->take_unaudited()) {
    if (durable && revocation.actor == caller->spiffe_id && path == "/oauth/revoke") {
      const std::int64_t id = revocation.id;
      if (auto marked = store_->mark_revocations_audited(std::span<const std::int64_t>(&id, 1), now_ms()); !marked) {
        spdlog::error("store: cannot mark revocation {} audited: {}", id, marked.error().message);
      }
    } else {
      others.push_back(std::move(revocation));
    }
  }
  audit_revocations(std::move(others));
  co_return response;
}

http::Response GatewayImpl::exchange_answer(const identity::Principal& caller, std::string_view body,
                                            std::string_view label, audit::AuditRecord& entry) {
  auto request = token::parse_exchange_request(body);
  // An offboarded tenant gets no new tokens (the tenant named, or the only one the caller is bound to).
  std::string tenant = request ? request->tenant : std::string();
  if (const auto bound = tenants_.tenants_of(caller.spiffe_id); tenant.empty() && bound.size() == 1) tenant = bound.front();
  std::expected<token::Issued, token::OAuthError> issued = std::unexpected(token::OAuthError{});
  if (!request) {
    issued = std::unexpected(request.error());
  } else if (register_view_ && !tenant.empty() && register_view_->tenant_offboarded(tenant)) {
    issued = std::unexpected(token::OAuthError{"invalid_target", Reason::tenant_not_bound,
                                               fmt::format("tenant '{}' was offboarded", tenant), 400});
  } else {
    issued = tokens_->exchange(caller, *request);
  }
  metrics_.count_request(label, "oauth/token", issued ? "ok" : core::reason_name(issued.error().reason));
  if (!issued) {
    entry.decision = audit::Decision::deny;
    entry.reason = issued.error().reason;
    if (request) {
      entry.tenant = request->tenant;
      entry.task = request->task;
    }
    entry.detail.set("error", issued.error().error);
    entry.detail.set("description", issued.error().description.substr(0, 300));
    spdlog::warn("token exchange refused principal={} error={} reason={}: {}", caller.spiffe_id, issued.error().error,
                 core::reason_name(issued.error().reason), issued.error().description);
    return oauth_refusal(issued.error());
  }
  const token::TaskToken& t = issued->claims;
  entry.decision = audit::Decision::allow;
  entry.tenant = t.tenant;
  entry.task = t.task;
  entry.delegation_chain = t.chain();
  entry.detail.set("jti", t.jti);
  if (!t.parents.empty()) entry.detail.set("parent_jti", t.parents.back());
  entry.detail.set("scope", t.scope.to_string());
  entry.detail.set("expires_at", t.expires_at_s);
  entry.detail.set("lifetime_seconds", issued->expires_in_s);
  spdlog::info("task token issued tenant={} task={} holder={} depth={} scope=\"{}\" expires_in={}s", t.tenant, t.task,
               t.holder(), t.depth(), t.scope.to_string(), issued->expires_in_s);
  return json_response(200, token::exchange_response_body(*issued));
}

http::Response GatewayImpl::revoke_answer(const identity::Principal& caller, std::string_view body,
                                          std::string_view label, audit::AuditRecord& entry) {
  auto token = token::parse_token_request(body);
  std::expected<token::RevokeOutcome, token::OAuthError> outcome =
      token ? tokens_->revoke_token(caller, *token) : std::unexpected(token.error());
  metrics_.count_request(label, "oauth/revoke", outcome ? "ok" : core::reason_name(outcome.error().reason));
  if (!outcome) {
    entry.decision = audit::Decision::deny;
    entry.reason = outcome.error().reason;
    entry.detail.set("error", outcome.error().error);
    return oauth_refusal(outcome.error());
  }
  entry.decision = audit::Decision::allow;
  entry.detail.set("revoked", static_cast<std::int64_t>(outcome->recorded.size()));
  entry.detail.set("tokens_affected", static_cast<std::int64_t>(outcome->tokens_affected));
  if (!outcome->recorded.empty()) {
    entry.detail.set("kind", "jti");
    entry.detail.set("value", outcome->recorded.front().value);
  }
  return json_response(200, json::Value::object());  // RFC 7009 §2.2: 200 whether or not the token was valid
}

std::optional<std::string> GatewayImpl::out_of_scope(const Caller& caller, const mcp::Message& message) const {
  if (!caller.task || !message.is_request()) return std::nullopt;
  auto name = scoped_name(message);
  if (!name) return std::nullopt;  // lists, ping, ...: filtered or harmless
  if (caller.task->scope.covers(*name)) return std::nullopt;
  return name;
}

asio::awaitable<void> GatewayImpl::refuse_scope(Reply& reply, const mcp::Message& message, const std::string& needed) {
  spdlog::info("scope refused tenant={} principal={} task={} needs={}", reply.caller->tenant, reply.caller->principal,
               reply.caller->task->task, needed);
  // MCP authorization "scope challenge": 403 insufficient_scope naming what the call needs.
  reply.headers().set("WWW-Authenticate",
                      fmt::format("Bearer error=\"insufficient_scope\", scope=\"{}\", resource_metadata=\"{}{}/mcp\"",
                                  needed, config_.server.public_url, "/.well-known/oauth-protected-resource"));
  json::Value data = json::Value::object();
  data.set("scope", reply.caller->task->scope.to_string());
  data.set("needed", needed);
  co_await refuse(reply, message.id, Reason::scope_insufficient,
                  fmt::format("'{}' is outside the task token's scope", needed), 403, std::nullopt, std::move(data));
}

core::Result<void> GatewayImpl::add_credentials(std::size_t index, upstream::SessionParams& params) {
  const UpstreamEntry& entry = config_.upstreams[index];
  const CredentialConfig& credential = entry.credential;
  if (!credential.configured()) return {};
  if (!vault_) return core::fail(Reason::internal_error, "upstream credentials are configured but the vault is not open");
  auto fetch = [&](const std::string& name) -> core::Result<secrets::SecretValue> {
    auto value = vault_->get(entry.upstream.name, params.tenant, name);
    if (!value) {
      spdlog::warn("credential refused reason={} upstream={} tenant={} secret={}: {}",
                   core::reason_name(value.error().reason), entry.upstream.name, params.tenant, name,
                   value.error().message);
      return value;
    }
    for (char c : value->reveal()) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return core::fail(Reason::internal_error, fmt::format("credential '{}' of tenant '{}' holds a control character",
                                                              name, params.tenant));
      }
    }
    return value;
  };
  if (!credential.name.empty()) {
    auto value = fetch(credential.name);
    if (!value) return std::unexpected(value.error());
    std::string header = credential.format;
    header.replace(header.find("{secret}"), 8, value->reveal());
    params.extra_headers.set(credential.header, std::move(header));
  }
  for (const auto& [variable, name] : credential.env) {
    auto value = fetch(name);
    if (!value) return std::unexpected(value.error());
    params.extra_env.emplace_back(variable, std::string(value->reveal()));
  }
  return {};
}

void GatewayImpl::describe_task(audit::AuditRecord& entry, const Caller* caller) {
  if (caller == nullptr || !caller->task) return;
  entry.task = caller->task->task;
  entry.delegation_chain = caller->task->chain();
}

}  // namespace bulkhead::gateway::detail
