// The /mcp transport (Streamable HTTP): origin checks, who is calling, sessions, and turning one HTTP
// request into one JSON-RPC message for dispatch. Also /healthz and /metrics.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"
#include "gateway/detail/text.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kVersionHeader = "MCP-Protocol-Version";
constexpr std::size_t kReplayEvents = 256;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Case-insensitive search without allocating (hot path: runs on every POST).
bool contains_ci(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && ascii_lower(haystack[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

bool accepts_sse(const http::Request& request) {
  auto accept = request.headers.get("Accept");
  if (!accept) return true;  // no preference stated
  return contains_ci(*accept, "text/event-stream") || contains_ci(*accept, "*/*");
}

// Host of a Host header or Origin URL, without port and brackets.
std::string host_of(std::string_view value) {
  if (auto scheme = value.find("://"); scheme != std::string_view::npos) value.remove_prefix(scheme + 3);
  if (auto slash = value.find('/'); slash != std::string_view::npos) value = value.substr(0, slash);
  if (value.starts_with('[')) {
    auto close = value.find(']');
    return std::string(value.substr(1, close == std::string_view::npos ? value.size() - 1 : close - 1));
  }
  if (auto colon = value.rfind(':'); colon != std::string_view::npos) value = value.substr(0, colon);
  return lower(value);
}

const json::Value kNoId;  // the id of a refusal that precedes (or has no) parsed message

// What `Mcp-Name` must equal for this message (2026-07-28 routing headers), if anything.
const std::string* routed_name(const mcp::Message& message) {
  if (message.method == "tools/call" || message.method == "prompts/get") return mcp::param_string(message, "name");
  if (message.method.starts_with("resources/")) return mcp::param_string(message, "uri");
  return nullptr;
}

}  // namespace

asio::awaitable<void> GatewayImpl::handle(http::Request& request, http::ResponseStream& stream) {
  const std::string_view path = request.path();
  if (path == "/mcp") {
    co_await handle_mcp(request, stream);
    co_return;
  }
  if (path == "/.well-known/oauth-protected-resource" || path == "/.well-known/oauth-protected-resource/mcp") {
    http::Response metadata = resource_metadata(path);
    co_await stream.send(std::move(metadata));
    co_return;
  }
  if (path == "/admin" || path.starts_with("/admin/")) {
    co_await handle_admin(request, stream);
    co_return;
  }
  if (tokens_) {
    if (path.starts_with("/oauth/")) {
      co_await handle_oauth(request, stream);
      co_return;
    }
    if (path == "/.well-known/jwks.json" || path == "/.well-known/oauth-authorization-server") {
      http::Response document = path == "/.well-known/jwks.json" ? jwks_document() : authorization_server_metadata();
      co_await stream.send(std::move(document));
      co_return;
    }
  }
  http::Response response;
  response.headers.set("Content-Type", "application/json");
  if (path == "/healthz") {
    response.status = draining_ ? 503 : 200;
    response.body = draining_ ? R"({"status":"draining"})" : R"({"status":"ok"})";
  } else if (path == "/metrics") {
    std::size_t processes = 0;
    for (const auto& upstream : upstreams_) processes += upstream->processes().size();
    response.headers.set("Content-Type", "text/plain; version=0.0.4");
    response.body = metrics_.render(sessions_.size(), processes);
  } else {
    response.status = 404;
    response.body = R"({"error":"not found"})";
  }
  co_await stream.send(std::move(response));
}

std::optional<core::Error> GatewayImpl::check_origin(const http::Request& request) const {
  // DNS-rebinding protection: a browser page on another origin must not reach a loopback gateway.
  auto allowed = [this](std::string_view value) {
    const std::string host = host_of(value);
    if (core::is_loopback_host(host)) return true;
    for (const auto& extra : config_.server.allowed_origins) {
      if (lower(extra) == lower(value) || host_of(extra) == host) return true;
    }
    return false;
  };
  if (auto origin = request.headers.get("Origin"); origin && !origin->empty() && *origin != "null") {
    if (!allowed(*origin)) return core::Error{Reason::origin_not_allowed, "Origin not allowed"};
  }
  if (request.local_is_loopback) {
    if (auto host = request.headers.get("Host"); host && !allowed(*host)) {
      return core::Error{Reason::origin_not_allowed, "Host not allowed on a loopback listener"};
    }
  }
  return std::nullopt;
}

asio::awaitable<void> GatewayImpl::handle_mcp(http::Request& request, http::ResponseStream& stream) {
  Reply reply(stream, accepts_sse(request), http::Headers{});
  if (draining_) {
    co_await refuse(reply, kNoId, Reason::shutting_down, "gateway is shutting down");
    co_return;
  }
  if (auto refused = check_origin(request)) {
    co_await refuse(reply, kNoId, refused->reason, refused->message);
    co_return;
  }
  if (!audit_healthy()) {
    co_await refuse(reply, kNoId, Reason::audit_unavailable, "the audit log cannot record requests; refusing them");
    co_return;
  }
  // What the CLI revoked or offboarded a moment ago applies to this request already.
  if (auto fresh = refresh_store_state(); !fresh) {
    spdlog::error("store unreadable, refusing requests: {}", fresh.error().message);
    co_await refuse(reply, kNoId, Reason::internal_error, "the gateway's store cannot be read; refusing requests");
    co_return;
  }
  auto authenticated = authenticate(request, reply.principal);
  if (!authenticated) {
    const core::Error error = std::move(authenticated.error());
    if (mcp::map_reason(error.reason).http_status == 401) {
      reply.headers().set("WWW-Authenticate", www_authenticate(error.reason));
    }
    co_await refuse(reply, kNoId, error.reason, error.message);
    co_return;
  }
  const Caller caller = std::move(*authenticated);
  reply.tenant_label = tenant_label(caller.tenant);
  reply.tenant = caller.tenant;
  reply.caller = &caller;
  if (request.method == "POST") {
    co_await handle_post(request, reply, caller);
  } else if (request.method == "GET") {
    co_await handle_get(request, stream, reply, caller);
  } else if (request.method == "DELETE") {
    co_await handle_delete(request, reply, caller);
  } else {
    reply.headers().set("Allow", "GET, POST, DELETE");
    co_await refuse(reply, kNoId, Reason::invalid_request, "method not allowed on /mcp", 405, std::nullopt,
                    json::Value());
  }
}

asio::awaitable<void> GatewayImpl::refuse(Reply& reply, const json::Value& id, Reason reason, std::string message,
                                          int status, std::optional<int> code, json::Value data) {
  metrics_.count_request(reply.tenant_label, "transport", core::reason_name(reason));
  metrics_.count_http(status);
  if (audit_ && reason != Reason::audit_unavailable && audit_->healthy()) {
    audit::AuditRecord entry = refusal_record(reply, reason, message);
    auto durable = co_await record(std::move(entry));
    if (!durable) {
      reason = Reason::audit_unavailable;
      message = "the audit log cannot record requests; refusing them";
      status = mcp::map_reason(reason).http_status;
    }
  }
  const core::Error error{reason, std::move(message)};
  std::string body = mcp::serialize(mcp::make_error(id, error, std::move(data), code));
  co_await reply.raw(status, std::move(body));
}

asio::awaitable<void> GatewayImpl::refuse(Reply& reply, const json::Value& id, Reason reason, std::string message) {
  const int status = mcp::map_reason(reason).http_status;
  co_await refuse(reply, id, reason, std::move(message), status, std::nullopt, json::Value());
}

SessionPtr GatewayImpl::find_session(std::string_view id, const Caller& caller) {
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end() || it->second->closed) return nullptr;
  if (it->second->principal != caller.principal) {
    // Same answer as an unknown session: another principal never learns the session exists.
    spdlog::warn("session presented by another principal: reason=session_identity_mismatch");
    metrics_.count_request(tenant_label(caller.tenant), "transport", "session_identity_mismatch");
    return nullptr;
  }
  return it->second;
}

SessionPtr GatewayImpl::stateless_session(const Caller& caller, const mcp::Message& message) {
  auto& slot = stateless_[caller.tenant];
  if (!slot) {
    slot = std::make_shared<ClientSession>(io_.get_executor(), upstreams_.size());
    slot->version = mcp::ProtocolVersion::v2026_07_28;
    slot->principal = caller.principal;
    slot->tenant = caller.tenant;
    slot->client_info = json::Value::object();
    slot->client_info.set("name", "bulkhead-stateless-bridge");
    slot->client_info.set("version", "0.1.0");
    // Declared upstream so the upstream asks; each request's envelope decides whether its client can be asked
    // (input_required bridge, bridged_calls.cc).
    slot->client_capabilities = bridge_capabilities();
  }
  (void)message;
  slot->last_used = clock_.steady_now();
  return slot;
}

asio::awaitable<void> GatewayImpl::handle_post(http::Request& request, Reply& reply, const Caller& caller) {

  // Only JSON bodies: a cross-site form or text/plain POST (no CORS preflight) must not reach the pipeline.
  const auto content_type = request.headers.get("Content-Type");
  if (!content_type || !starts_with_ci(*content_type, "application/json")) {
    co_await refuse(reply, kNoId, Reason::invalid_request, "Content-Type must be application/json", 415,
                    std::nullopt, json::Value());
    co_return;
  }
  auto parsed = mcp::parse_body(request.body);
  if (!parsed) {
    co_await refuse(reply, parsed.error().id, parsed.error().error.reason, parsed.error().error.message);
    co_return;
  }
  mcp::Message message = std::move(*parsed);

  // Protocol era: a body carrying the 2026-07-28 envelope, or a header naming a revision from 2026-07-28 on,
  // is stateless traffic; everything else is the session era (docs/protocol-2026-07-28.md §9).
  if (auto text = request.headers.get(kVersionHeader);
      claims_modern(message) || (text && *text >= mcp::version_name(mcp::ProtocolVersion::v2026_07_28))) {
    co_await handle_modern(request, reply, std::move(message), caller);
    co_return;
  }

  // 2026-07-28 routing headers must agree with the body (a proxy may route on them).
  if (auto method = request.headers.get("Mcp-Method")) {
    if (message.is_response() || *method != message.method) {
      co_await refuse(reply, message.id, Reason::header_mismatch, "Mcp-Method header does not match the request body");
      co_return;
    }
  }
  if (auto name = request.headers.get("Mcp-Name")) {
    const std::string* body_name = routed_name(message);
    if (body_name == nullptr || *name != *body_name) {
      co_await refuse(reply, message.id, Reason::header_mismatch, "Mcp-Name header does not match the request body");
      co_return;
    }
  }

  // Session era: any revision this gateway knows of is accepted in the header (as the reference SDK does:
  // older clients keep sending what they first spoke); an unknown one is refused.
  if (auto text = request.headers.get(kVersionHeader)) {
    const bool known = mcp::parse_version(*text).has_value() || *text == "2025-03-26" || *text == "2024-11-05";
    if (!known) {
      co_await refuse(reply, message.id, Reason::unsupported_protocol_version,
                      fmt::format("unsupported MCP-Protocol-Version '{}'", *text));
      co_return;
    }
  }

  if (message.is_request() && message.method == "initialize") {
    co_await handle_initialize(std::move(message), reply, caller);
    co_return;
  }

  SessionPtr session;
  if (auto id = request.headers.get(kSessionHeader)) {
    session = find_session(*id, caller);
    if (!session) {
      co_await refuse(reply, message.id, Reason::session_not_found, "unknown or ended session");
      co_return;
    }
    if (session->tenant != caller.tenant) {
      co_await refuse(reply, message.id, Reason::session_identity_mismatch, "the session is bound to another tenant");
      co_return;
    }
    // The session is bound to the revision negotiated at initialize; another supported one is a different client.
    if (auto text = request.headers.get(kVersionHeader)) {
      if (auto version = mcp::parse_version(*text); version && *version != session->version) {
        co_await refuse(reply, message.id, Reason::unsupported_protocol_version,
                        fmt::format("MCP-Protocol-Version '{}' is not the session's negotiated revision", *text));
        co_return;
      }
    }
  } else {
    co_await refuse(reply, message.id, Reason::invalid_request,
                    "missing Mcp-Session-Id: send initialize first (or use protocol 2026-07-28)");
    co_return;
  }

  // A task token's scope bounds what this request may name (checked before policy, as the whole request).
  if (auto needed = out_of_scope(caller, message)) {
    co_await refuse_scope(reply, message, *needed);
    co_return;
  }
  session->last_used = clock_.steady_now();
  ++session->active_requests;
  struct ActiveGuard {
    ClientSession& s;
    ~ActiveGuard() { --s.active_requests; }
  } guard{*session};

  switch (message.kind) {
    case mcp::Message::Kind::request:
      co_await dispatch(session, std::move(message), reply);
      break;
    case mcp::Message::Kind::notification:
      metrics_.count_request(reply.tenant_label, message.method, "ok");
      co_await handle_client_notification(session, std::move(message));
      co_await reply.accepted();
      break;
    case mcp::Message::Kind::response:
    case mcp::Message::Kind::error:
      metrics_.count_request(reply.tenant_label, "response", "ok");
      co_await handle_client_response(session, std::move(message));
      co_await reply.accepted();
      break;
  }
  metrics_.count_http(reply.status());
}

asio::awaitable<void> GatewayImpl::handle_initialize(mcp::Message message, Reply& reply, const Caller& caller) {
  const std::string* requested = mcp::param_string(message, "protocolVersion");
  if (requested == nullptr) {
    metrics_.count_request(reply.tenant_label, "initialize", "invalid_request");
    const core::Error missing{Reason::invalid_request, "initialize needs params.protocolVersion"};
    co_await reply.final(mcp::make_error(message.id, missing, json::Value(), mcp::kInvalidParams));
    co_return;
  }
  if (sessions_.size() >= config_.server.max_sessions) {
    co_await refuse(reply, message.id, Reason::shutting_down, "too many open sessions");
    co_return;
  }
  const auto version = mcp::negotiate_initialize(*requested);
  auto session = std::make_shared<ClientSession>(io_.get_executor(), upstreams_.size());
  session->id = core::random_hex(rng_, 16);
  session->version = version;
  session->principal = caller.principal;
  session->tenant = caller.tenant;
  if (const json::Value* caps = message.params.find("capabilities"); caps && caps->is_object()) {
    session->client_capabilities = *caps;
  } else {
    session->client_capabilities = json::Value::object();
  }
  if (const json::Value* info = message.params.find("clientInfo"); info && info->is_object()) {
    session->client_info = *info;
  }
  session->last_used = clock_.steady_now();
  sessions_[session->id] = session;
  json::Value started = json::Value::object();
  started.set("protocol", mcp::version_name(version));
  audit::AuditRecord entry = lifecycle_record("session_start", session.get(), std::move(started));
  auto durable = co_await record(std::move(entry));
  if (!durable) {
    close_session(session);
    co_await refuse(reply, message.id, Reason::audit_unavailable, "the audit log cannot record requests; refusing them");
    co_return;
  }

  json::Value capabilities = json::Value::object();
  capabilities.set("tools", json::Value::object()).set("listChanged", true);
  capabilities.set("prompts", json::Value::object()).set("listChanged", true);
  json::Value& resources = capabilities.set("resources", json::Value::object());
  resources.set("subscribe", true);
  resources.set("listChanged", true);
  capabilities.set("completions", json::Value::object());
  capabilities.set("logging", json::Value::object());
  json::Value result = json::Value::object();
  result.set("protocolVersion", std::string(mcp::version_name(version)));
  result.set("capabilities", std::move(capabilities));
  json::Value& info = result.set("serverInfo", json::Value::object());
  info.set("name", "bulkhead");
  info.set("version", "0.1.0");
  result.set("instructions",
             "Bulkhead gateway: tools and prompts are exposed as <upstream>__<name>; resources keep their URIs.");
  spdlog::info("session started tenant={} principal={} protocol={}", session->tenant, session->principal,
               mcp::version_name(version));
  metrics_.count_request(reply.tenant_label, "initialize", "ok");
  reply.headers().set(std::string(kSessionHeader), session->id);
  co_await reply.final(mcp::make_result(message.id, std::move(result)));
}

asio::awaitable<void> GatewayImpl::handle_client_notification(const SessionPtr& session, mcp::Message message) {
  if (message.method == "notifications/cancelled") {
    const json::Value* request_id = message.params.find("requestId");
    if (request_id == nullptr) co_return;
    auto it = session->in_flight.find(json::serialize(*request_id));
    if (it == session->in_flight.end()) co_return;
    auto& slot = session->upstreams[it->second];
    if (slot.session) (void)co_await slot.session->send(std::move(message));
    co_return;
  }
  if (message.method == "notifications/roots/list_changed") {
    for (auto& slot : session->upstreams) {
      if (slot.session) (void)co_await slot.session->send(message);
    }
  }
  // notifications/initialized and anything else: nothing to forward (upstream sessions were initialized by us).
}

asio::awaitable<void> GatewayImpl::handle_client_response(const SessionPtr& session, mcp::Message message) {
  if (!message.id.is_string()) co_return;
  auto it = session->pending_server_requests.find(message.id.as_string());
  if (it == session->pending_server_requests.end()) {
    spdlog::debug("response to an unknown server request id ignored");
    co_return;
  }
  auto pending = std::move(it->second);
  session->pending_server_requests.erase(it);
  auto& slot = session->upstreams[pending.upstream];
  if (!slot.session) co_return;
  message.id = std::move(pending.upstream_id);
  (void)dlp_answer(message, session->tenant, nullptr);  // egress: refused → the upstream gets dlp_blocked instead
  auto sent = co_await slot.session->send(std::move(message));
  if (!sent) {
    spdlog::warn("could not deliver a client response upstream: {}", sent.error().message);
  }
}

asio::awaitable<void> GatewayImpl::handle_get(http::Request& request, http::ResponseStream& stream, Reply& reply,
                                              const Caller& caller) {
  auto id = request.headers.get(kSessionHeader);
  if (!id) {
    reply.headers().set("Allow", "POST");
    co_await refuse(reply, kNoId, Reason::invalid_request,
                    "GET /mcp needs an Mcp-Session-Id (stateless clients have no stream)", 405, std::nullopt,
                    json::Value());
    co_return;
  }
  SessionPtr session = find_session(*id, caller);
  if (!session) {
    co_await refuse(reply, kNoId, Reason::session_not_found, "unknown or ended session");
    co_return;
  }
  if (session->tenant != caller.tenant) {
    co_await refuse(reply, kNoId, Reason::session_identity_mismatch, "the session is bound to another tenant");
    co_return;
  }
  if (!accepts_sse(request)) {
    co_await refuse(reply, kNoId, Reason::invalid_request, "GET /mcp needs Accept: text/event-stream", 406,
                    std::nullopt, json::Value());
    co_return;
  }
  // One stream per session: a new GET takes over (the client reconnected); the older loop sees the
  // generation change and ends.
  const std::uint64_t generation = ++session->get_stream_generation;
  session->get_stream_open = true;
  session->outbox_signal.notify();
  http::Headers headers;
  headers.set(std::string(kSessionHeader), session->id);
  metrics_.count_http(200);
  const bool started = co_await stream.start_sse(headers);
  if (!started) co_return;

  if (auto last = request.headers.get("Last-Event-ID")) {
    std::uint64_t value = 0;
    bool ok = !last->empty() && last->size() < 20;
    for (char c : *last) {
      if (c < '0' || c > '9') ok = false;
      else value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (ok) {
      for (const auto& event : session->replay) {
        if (event.id <= value) continue;
        http::SseEvent replayed;
        replayed.id = std::to_string(event.id);
        replayed.data = event.data;
        const bool sent = co_await stream.send_event(replayed);
        if (!sent) co_return;
      }
    }
  }
  auto owns_stream = [&] { return session->get_stream_generation == generation; };
  while (!stream.closed() && !session->closed && !draining_ && owns_stream()) {
    while (!session->outbox.empty() && owns_stream()) {
      OutboundEvent event = std::move(session->outbox.front());
      session->outbox.pop_front();
      http::SseEvent outgoing;
      outgoing.id = std::to_string(event.id);
      outgoing.data = event.data;
      const bool sent = co_await stream.send_event(outgoing);
      session->replay.push_back(std::move(event));
      if (session->replay.size() > kReplayEvents) session->replay.pop_front();
      if (!sent) break;
    }
    (void)co_await session->outbox_signal.wait_for(std::chrono::seconds(1));
  }
  if (owns_stream()) session->get_stream_open = false;
  co_await stream.finish();
}

asio::awaitable<void> GatewayImpl::handle_delete(http::Request& request, Reply& reply, const Caller& caller) {
  auto id = request.headers.get(kSessionHeader);
  SessionPtr session = id ? find_session(*id, caller) : nullptr;
  if (!session) {
    co_await refuse(reply, kNoId, Reason::session_not_found, "unknown or ended session");
    co_return;
  }
  if (session->tenant != caller.tenant) {
    co_await refuse(reply, kNoId, Reason::session_identity_mismatch, "the session is bound to another tenant");
    co_return;
  }
  spdlog::info("session ended by client tenant={}", session->tenant);
  close_session(session);
  metrics_.count_http(200);
  co_await reply.raw(200, std::string(), "");
}

}  // namespace bulkhead::gateway::detail
