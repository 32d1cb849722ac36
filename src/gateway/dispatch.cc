// One JSON-RPC request → a local answer (ping, lists) or the upstream that owns it (tools/call, prompts/get,
// resources/*, completion/complete, logging/setLevel). Messages the upstream sends back are made safe for the
// client here (server→client request ids replaced by gateway ids).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

mcp::Message error_for(const json::Value& id, Reason reason, std::string message,
                       std::optional<int> code = std::nullopt) {
  return mcp::make_error(id, core::Error{reason, std::move(message)}, json::Value(), code);
}

mcp::Message invalid_params(const json::Value& id, std::string message) {
  return error_for(id, Reason::invalid_request, std::move(message), mcp::kInvalidParams);
}

std::string_view outcome_of(const mcp::Message& response) {
  if (response.kind != mcp::Message::Kind::error) return "ok";
  if (const json::Value* data = response.error.find("data")) {
    if (const std::string* reason = data->find_string("reason")) {
      if (auto known = core::reason_from_name(*reason)) return core::reason_name(*known);
    }
  }
  return "upstream_error";
}

}  // namespace

asio::awaitable<void> GatewayImpl::dispatch(const SessionPtr& session, mcp::Message message, Reply& reply) {
  const std::string method = message.method;
  const auto started = clock_.steady_now();
  prepare_dlp(*session, reply.caller, upstreams_.size(), message, reply.dlp);
  std::optional<audit::AuditRecord> trail;
  if (audit_) {
    trail = request_record(*session, message);
    describe_task(*trail, reply.caller);
  }
  mcp::Message response;
  if (method == "ping") {
    response = mcp::make_result(message.id, json::Value::object());
  } else if (auto kind = list_kind_of_method(method)) {
    response = co_await aggregate(session, *kind, std::move(message), reply);
  } else if (method == "tools/call") {
    response = co_await route_by_name(session, ListKind::tools, std::move(message), reply);
  } else if (method == "prompts/get") {
    response = co_await route_by_name(session, ListKind::prompts, std::move(message), reply);
  } else if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe") {
    response = co_await route_by_uri(session, std::move(message), reply);
  } else if (method == "completion/complete") {
    response = co_await complete(session, std::move(message), reply);
  } else if (method == "logging/setLevel") {
    response = co_await broadcast(session, std::move(message), reply);
  } else if (method == "initialize") {
    response = error_for(message.id, Reason::invalid_request, "session already initialized");
  } else {
    response = error_for(message.id, Reason::method_not_found, fmt::format("method '{}' not found", method));
  }
  // An event of this response was withheld by DLP (also on the 2026-07-28 bridge): never a partial leak.
  if (reply.dlp.blocked && response.kind == mcp::Message::Kind::response) dlp_response(response, reply.dlp);
  if (trail && !reply.audited) {
    // Answered here (ping, lists) or refused before reaching an upstream: one record for the whole request.
    describe_dlp(*trail, reply.dlp);
    fill_answer(*trail, response, clock_.steady_now() - started);
    auto durable = co_await record(std::move(*trail));
    if (!durable) response = error_for(response.id, durable.error().reason, durable.error().message);
  }
  metrics_.count_request(reply.tenant_label, method, outcome_of(response));
  co_await reply.final(response);
}

asio::awaitable<mcp::Message> GatewayImpl::forward(const SessionPtr& session, std::size_t index,
                                                   mcp::Message message, Reply& reply) {
  const json::Value id = message.id;
  upstream::Session* upstream_session = open_upstream(*session, index);
  if (upstream_session == nullptr) {
    auto opened = co_await ensure_upstream(session, index);
    if (!opened) co_return mcp::make_error(id, opened.error());
    upstream_session = *opened;
  }
  // Egress DLP: arguments carrying data this tenant may not send are refused before anything is written upstream.
  prepare_dlp(*session, reply.caller, index, message, reply.dlp);
  if (auto refused = dlp_egress(message, reply.dlp)) co_return std::move(*refused);
  // The decision record is durable before the upstream sees the request (a downstream write is on record before
  // it happens); the outcome record follows the answer.
  reply.audited = true;
  std::optional<audit::AuditRecord> trail;
  if (audit_) {
    trail = forward_record(*session, index, message);
    describe_task(*trail, reply.caller);
    describe_dlp(*trail, reply.dlp);
    audit::AuditRecord decision = *trail;
    decision.decision = audit::Decision::allow;
    auto durable = co_await record(std::move(decision));
    if (!durable) co_return mcp::make_error(id, durable.error());
  }
  const auto started = clock_.steady_now();
  if (bridges_input(*session, reply, message.method)) {
    // A 2026-07-28 client that can be asked: the call may pause for input_required rounds (bridged_calls.cc).
    mcp::Message answer = co_await start_bridged(session, index, std::move(message), reply, std::move(trail), started);
    co_return answer;
  }
  const std::string key = json::serialize(id);
  session->in_flight[key] = index;
  // The sink is used only while request() runs, so it refers to this frame (one pointer: no allocation).
  struct DuringRequest {
    GatewayImpl* self;
    const SessionPtr* session;
    std::size_t index;
    Reply* reply;
  } during{this, &session, index, &reply};
  upstream::MessageSink sink = [&during](mcp::Message m) {
    return during.self->on_during_request(*during.session, during.index, std::move(m), during.reply);
  };
  // The result is passed on as the upstream wrote it (no Value built and written back) unless something here
  // needs to look inside it (the audit record below; 2026-07-28 decoration in modern.cc).
  auto result = co_await upstream_session->request(std::move(message), std::move(sink),
                                                   upstreams_[index]->config().request_timeout,
                                                   upstream::ResultForm::raw);
  session->in_flight.erase(key);
  mcp::Message response;
  if (!result) {
    spdlog::warn("upstream {} failed: {}", upstreams_[index]->config().name, result.error().message);
    response = mcp::make_error(id, result.error());
  } else {
    response = std::move(*result);
    response.id = id;
  }
  dlp_response(response, reply.dlp);  // withheld or masked before anyone sees it; a read taints the task
  if (trail) describe_dlp(*trail, reply.dlp);
  co_await record_outcome(trail, response, started);
  co_return response;
}

asio::awaitable<void> GatewayImpl::record_outcome(std::optional<audit::AuditRecord>& trail, mcp::Message& response,
                                                  std::chrono::steady_clock::time_point started) {
  if (!trail) co_return;
  mcp::materialize_result(response);
  fill_outcome(*trail, response, clock_.steady_now() - started);
  auto durable = co_await record(std::move(*trail));
  trail.reset();
  // An outcome that cannot be recorded is not delivered (fail closed).
  if (!durable) response = mcp::make_error(response.id, durable.error());
}

asio::awaitable<void> GatewayImpl::refuse_for_dlp(const SessionPtr& session, std::size_t upstream,
                                                  const mcp::Message& message) {
  if (!message.is_request()) co_return;
  auto& slot = session->upstreams[upstream];
  if (!slot.session) co_return;
  const core::Error refusal{core::Reason::dlp_blocked, "request withheld by the gateway's DLP"};
  mcp::Message answer = mcp::make_error(message.id, refusal);
  auto sent = co_await slot.session->send(std::move(answer));
  if (!sent) spdlog::debug("could not refuse an upstream request: {}", sent.error().message);
}

asio::awaitable<void> GatewayImpl::answer_for_client(const SessionPtr& session, std::size_t upstream,
                                                     const mcp::Message& request, bool during_request) {
  auto& slot = session->upstreams[upstream];
  if (!slot.session) co_return;
  mcp::Message answer;
  if (request.method == "ping") {
    answer = mcp::make_result(request.id, json::Value::object());
  } else if (request.method == "roots/list" && !during_request) {
    // After initialize a 2025 upstream may ask for roots; a 2026-07-28 client has no channel for that.
    json::Value none = json::Value::object();
    none.set("roots", json::Value::array());
    answer = mcp::make_result(request.id, std::move(none));
  } else {
    // Named, not a braced temporary inside co_await: g++ 12 destroys those twice.
    const core::Error refusal{core::Reason::method_not_found, "not available through the 2026-07-28 bridge"};
    answer = mcp::make_error(request.id, refusal, json::Value(), mcp::kMethodNotFound);
  }
  auto sent = co_await slot.session->send(std::move(answer));
  if (!sent) spdlog::debug("could not answer an upstream request: {}", sent.error().message);
}

asio::awaitable<mcp::Message> GatewayImpl::route_by_name(const SessionPtr& session, ListKind kind,
                                                         mcp::Message message, Reply& reply) {
  const std::string* name = mcp::param_string(message, "name");
  if (name == nullptr) co_return invalid_params(message.id, fmt::format("{} needs params.name", message.method));
  core::Result<RoutedName> routed = core::fail(Reason::internal_error, "unresolved");
  if (auto cached = resolve_name_cached(*session, kind, *name)) {
    routed = std::move(*cached);
  } else {
    routed = co_await resolve_name(session, kind, *name);
  }
  if (!routed) co_return error_for(message.id, routed.error().reason, routed.error().message);
  std::optional<mcp::Message> denied =
      authorize(*session, reply.caller, message.id, kind, *name, routed->upstream, routed->name, message.params.find("arguments"));
  if (denied) {
    mcp::Message refusal = std::move(*denied);
    co_return refusal;
  }
  message.params.set("name", routed->name);
  mcp::Message forwarded = co_await forward(session, routed->upstream, std::move(message), reply);
  co_return forwarded;
}

asio::awaitable<mcp::Message> GatewayImpl::route_by_uri(const SessionPtr& session, mcp::Message message,
                                                        Reply& reply) {
  const std::string* uri = mcp::param_string(message, "uri");
  if (uri == nullptr) co_return invalid_params(message.id, fmt::format("{} needs params.uri", message.method));
  auto owner = co_await resolve_uri(session, *uri);
  if (!owner) co_return error_for(message.id, owner.error().reason, owner.error().message, -32002);
  std::optional<mcp::Message> denied = authorize(*session, reply.caller, message.id, ListKind::resources, *uri, *owner, *uri, nullptr);
  if (denied) {
    mcp::Message refusal = std::move(*denied);
    co_return refusal;
  }
  mcp::Message forwarded = co_await forward(session, *owner, std::move(message), reply);
  co_return forwarded;
}

asio::awaitable<mcp::Message> GatewayImpl::complete(const SessionPtr& session, mcp::Message message, Reply& reply) {
  json::Value* ref = message.params.find("ref");
  const std::string* type = ref != nullptr ? ref->find_string("type") : nullptr;
  if (type == nullptr) co_return invalid_params(message.id, "completion/complete needs params.ref.type");
  if (*type == "ref/prompt") {
    const std::string* name = ref->find_string("name");
    if (name == nullptr) co_return invalid_params(message.id, "ref/prompt needs a name");
    auto routed = co_await resolve_name(session, ListKind::prompts, *name);
    if (!routed) co_return error_for(message.id, routed.error().reason, routed.error().message);
    std::optional<mcp::Message> denied =
        authorize(*session, reply.caller, message.id, ListKind::prompts, *name, routed->upstream, routed->name, nullptr);
    if (denied) {
      mcp::Message refusal = std::move(*denied);
      co_return refusal;
    }
    ref->set("name", routed->name);
    mcp::Message forwarded = co_await forward(session, routed->upstream, std::move(message), reply);
    co_return forwarded;
  }
  if (*type == "ref/resource") {
    const std::string* uri = ref->find_string("uri");
    if (uri == nullptr) co_return invalid_params(message.id, "ref/resource needs a uri");
    auto owner = co_await resolve_uri(session, *uri);
    if (!owner) co_return error_for(message.id, owner.error().reason, owner.error().message, -32002);
    std::optional<mcp::Message> denied =
        authorize(*session, reply.caller, message.id, ListKind::resources, *uri, *owner, *uri, nullptr);
    if (denied) {
      mcp::Message refusal = std::move(*denied);
      co_return refusal;
    }
    mcp::Message forwarded = co_await forward(session, *owner, std::move(message), reply);
    co_return forwarded;
  }
  co_return invalid_params(message.id, fmt::format("unknown completion ref type '{}'", *type));
}

asio::awaitable<mcp::Message> GatewayImpl::broadcast(const SessionPtr& session, mcp::Message message, Reply& reply) {
  // logging/setLevel applies to every upstream of the session; it succeeds if any upstream accepted it.
  std::optional<mcp::Message> last_error;
  bool any_ok = false;
  for (std::size_t i = 0; i < upstreams_.size(); ++i) {
    auto answer = co_await forward(session, i, message, reply);
    if (answer.kind == mcp::Message::Kind::response) any_ok = true;
    else last_error = std::move(answer);
  }
  if (any_ok || !last_error) co_return mcp::make_result(message.id, json::Value::object());
  co_return std::move(*last_error);
}

std::optional<mcp::Message> GatewayImpl::from_upstream(ClientSession& session, std::size_t upstream,
                                                       mcp::Message message) {
  switch (message.kind) {
    case mcp::Message::Kind::request: {
      // Server→client request: the client answers with our id; we map it back to (upstream, its id).
      std::string gateway_id = fmt::format("bh-{}", session.next_server_request++);
      session.pending_server_requests[gateway_id] = {upstream, std::move(message.id)};
      message.id = json::Value(gateway_id);
      return message;
    }
    case mcp::Message::Kind::notification: {
      for (auto kind : kinds_of_list_changed(message.method)) session.upstreams[upstream].catalog[static_cast<std::size_t>(kind)].reset();
      if (message.method == "notifications/cancelled") {
        // The upstream cancels one of its own server→client requests: translate its id to ours.
        if (const json::Value* request_id = message.params.find("requestId")) {
          for (const auto& [gateway_id, pending] : session.pending_server_requests) {
            if (pending.upstream == upstream && pending.upstream_id == *request_id) {
              message.params.set("requestId", gateway_id);
              break;
            }
          }
        }
      }
      return message;
    }
    case mcp::Message::Kind::response:
    case mcp::Message::Kind::error:
      return std::nullopt;  // responses belong to requests the upstream session already matched
  }
  return std::nullopt;
}

namespace {
void enqueue(ClientSession& session, mcp::Message message) {
  if (session.outbox.size() >= kOutboxLimit) {
    spdlog::warn("session outbox full: dropping the oldest undelivered server message");
    session.outbox.pop_front();
  }
  session.outbox.push_back(OutboundEvent{session.next_event_id++, mcp::serialize(message)});
  session.outbox_signal.notify();
}
}  // namespace

asio::awaitable<void> GatewayImpl::on_unsolicited(std::weak_ptr<ClientSession> weak, std::size_t upstream,
                                                  mcp::Message message) {
  SessionPtr session = weak.lock();
  if (!session || session->closed) co_return;
  if (dlp_ && !dlp_event(message, session->tenant, session->dlp_streams[upstream], nullptr)) {
    co_await refuse_for_dlp(session, upstream, message);
    co_return;
  }
  if (session->id.empty() && message.is_request()) {
    // Stateless bridge: nobody to ask outside a request.
    co_await answer_for_client(session, upstream, message, false);
    co_return;
  }
  auto ready = from_upstream(*session, upstream, std::move(message));
  if (!ready) co_return;
  if (session->id.empty()) {
    // Stateless bridge: only list_changed has a 2026-07-28 channel (subscriptions/listen).
    if (ready->is_notification()) notify_listeners(session->tenant, *ready);
    co_return;
  }
  enqueue(*session, std::move(*ready));
}

asio::awaitable<void> GatewayImpl::on_during_request(SessionPtr session, std::size_t upstream, mcp::Message message,
                                                     Reply* reply, bool scanned) {
  if (dlp_ && !scanned && !dlp_event(message, session->tenant, reply->dlp.stream, &reply->dlp)) {
    // Withheld; the request's final answer becomes dlp_blocked (dispatch), and the upstream is not left waiting.
    co_await refuse_for_dlp(session, upstream, message);
    co_return;
  }
  if (session->id.empty()) {
    // Stateless bridge, a request whose client cannot be asked (calls that can are bridged_calls.cc's): refuse
    // so the upstream does not wait. Log messages need the request's logLevel opt-in.
    if (message.is_request()) {
      co_await answer_for_client(session, upstream, message, true);
      co_return;
    }
    if (message.method == "notifications/message") {
      // Only when this request opted in with a logLevel, and only at or above it.
      const std::string* level = mcp::param_string(message, "level");
      const auto rank = level != nullptr ? log_level_rank(*level) : std::nullopt;
      if (!reply->log_threshold || !rank || *rank < *reply->log_threshold) co_return;
    }
    if (!kinds_of_list_changed(message.method).empty()) {
      // A change notice that arrived while a request was open still belongs on the listen streams.
      if (auto ready = from_upstream(*session, upstream, std::move(message))) notify_listeners(session->tenant, *ready);
      co_return;
    }
  }
  auto ready = from_upstream(*session, upstream, std::move(message));
  if (!ready) co_return;
  const bool delivered = co_await reply->intermediate(*ready);
  if (delivered) co_return;
  // The POST cannot carry it (client does not accept SSE, or it went away): requests still need an answer,
  // so they go to the session's GET stream; notifications tied to this request are dropped.
  if (ready->is_request() && !session->id.empty()) enqueue(*session, std::move(*ready));
}

}  // namespace bulkhead::gateway::detail
