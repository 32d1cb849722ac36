// Protocol revision 2026-07-28 (stateless) at the front door, bridged to session-era upstreams. What the
// revision requires is written down in docs/protocol-2026-07-28.md; the checks below follow its §4 ladder in
// order. Requests share a per-tenant bridge session whose upstream sessions the gateway owns.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

constexpr std::string_view kMetaVersion = "io.modelcontextprotocol/protocolVersion";
constexpr std::string_view kMetaCapabilities = "io.modelcontextprotocol/clientCapabilities";
constexpr std::string_view kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
constexpr std::string_view kMetaLogLevel = "io.modelcontextprotocol/logLevel";
constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";
constexpr std::string_view kMetaSubscriptionId = "io.modelcontextprotocol/subscriptionId";
constexpr int kUnsupportedVersion = -32022;

// Methods of the 2026-07-28 registry; everything else is -32601 with HTTP 404.
bool in_registry(std::string_view method) {
  for (auto m : {"tools/call", "tools/list", "prompts/get", "prompts/list", "resources/list", "resources/templates/list",
                 "resources/read", "completion/complete", "server/discover", "subscriptions/listen"}) {
    if (method == m) return true;
  }
  return false;
}

bool cacheable(std::string_view method) {
  return method == "tools/list" || method == "prompts/list" || method == "resources/list" ||
         method == "resources/templates/list" || method == "resources/read" || method == "server/discover";
}

json::Value server_info() {
  json::Value info = json::Value::object();
  info.set("name", "bulkhead");
  info.set("version", "0.1.0");
  return info;
}

// Decodes an `Mcp-Name`/`Mcp-Param-*` header value: plain, or `=?base64?<padded base64 of UTF-8>?=`.
std::optional<std::string> decode_header_value(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  constexpr std::string_view open = "=?base64?";
  constexpr std::string_view close = "?=";
  if (!value.starts_with(open)) return std::string(value);
  if (!value.ends_with(close) || value.size() < open.size() + close.size()) return std::nullopt;
  auto bytes = core::base64_decode(value.substr(open.size(), value.size() - open.size() - close.size()));
  if (!bytes) return std::nullopt;
  std::string text(bytes->begin(), bytes->end());
  // Must be valid UTF-8: reuse the JSON parser's validation on a quoted copy.
  std::string quoted;
  json::append_quoted(text, quoted);
  if (!json::parse(quoted)) return std::nullopt;
  return text;
}

json::Value mismatch(std::string header, std::string body) {
  json::Value data = json::Value::object();
  json::Value& m = data.set("mismatch", json::Value::object());
  m.set("header", std::move(header));
  m.set("body", std::move(body));
  return data;
}

}  // namespace

bool GatewayImpl::claims_modern(const mcp::Message& message) {
  const json::Value* meta = message.params.find("_meta");
  return meta != nullptr && meta->find(kMetaVersion) != nullptr;
}

asio::awaitable<void> GatewayImpl::handle_modern(http::Request& request, Reply& reply, mcp::Message message,
                                                 const Caller& caller) {
  const json::Value id = message.id;
  const json::Value* meta = message.params.find("_meta");
  const bool claimed = meta != nullptr && meta->find(kMetaVersion) != nullptr;
  const auto header_version = request.headers.get("MCP-Protocol-Version");

  // (4) envelope shape, (7) header names a modern version but the body has no envelope.
  auto envelope_problem = [](std::string key, std::string problem) {
    json::Value data = json::Value::object();
    json::Value& e = data.set("envelope", json::Value::object());
    e.set("key", std::move(key));
    e.set("problem", std::move(problem));
    return data;
  };
  if (!claimed && message.method == "initialize") {
    const std::string refusal_message = "Bad Request: the request headers and body disagree: MCP-Protocol-Version";
    json::Value refusal_data = mismatch(header_version ? std::string(*header_version) : "(missing)", "initialize");
    co_await refuse(reply, id, Reason::header_mismatch, refusal_message, 400, mcp::kHeaderMismatch,
                    std::move(refusal_data));
    co_return;
  }
  if (!claimed) {
    json::Value data = json::Value::object();
    json::Value missing = json::Value::array();
    missing.push_back("_meta");
    data.set("envelope", json::Value::object()).set("missing", std::move(missing));
    const std::string refusal_message = "Invalid params: protocol revision 2026-07-28 needs the _meta envelope";
    json::Value refusal_data = std::move(data);
    co_await refuse(reply, id, Reason::invalid_request, refusal_message, 400, mcp::kInvalidParams,
                    std::move(refusal_data));
    co_return;
  }
  const json::Value* version_value = meta->find(kMetaVersion);
  if (!version_value->is_string()) {
    const std::string refusal_message = "Invalid params: envelope protocolVersion";
    json::Value refusal_data = envelope_problem(std::string(kMetaVersion), "not a string");
    co_await refuse(reply, id, Reason::invalid_request, refusal_message, 400, mcp::kInvalidParams,
                    std::move(refusal_data));
    co_return;
  }
  const json::Value* caps = meta->find(kMetaCapabilities);
  if (message.is_request() && (caps == nullptr || !caps->is_object())) {
    const std::string refusal_message = "Invalid params: envelope clientCapabilities";
    json::Value refusal_data = envelope_problem(std::string(kMetaCapabilities), caps == nullptr ? "missing" : "not an object");
    co_await refuse(reply, id, Reason::invalid_request, refusal_message, 400, mcp::kInvalidParams,
                    std::move(refusal_data));
    co_return;
  }
  if (const json::Value* info = meta->find(kMetaClientInfo); info != nullptr && !info->is_object()) {
    const std::string refusal_message = "Invalid params: envelope clientInfo";
    json::Value refusal_data = envelope_problem(std::string(kMetaClientInfo), "not an object");
    co_await refuse(reply, id, Reason::invalid_request, refusal_message, 400, mcp::kInvalidParams,
                    std::move(refusal_data));
    co_return;
  }
  const std::string& claimed_version = version_value->as_string();
  // (5) header version must equal the envelope's.
  if (header_version && *header_version != claimed_version) {
    const std::string refusal_message = "Bad Request: the request headers and body disagree: MCP-Protocol-Version";
    json::Value refusal_data = mismatch(std::string(*header_version), claimed_version);
    co_await refuse(reply, id, Reason::header_mismatch, refusal_message, 400, mcp::kHeaderMismatch,
                    std::move(refusal_data));
    co_return;
  }
  // (6) Mcp-Method must equal the body's method.
  const auto header_method = request.headers.get("Mcp-Method");
  if (message.is_request() && header_method && *header_method != message.method) {
    const std::string refusal_message = "Bad Request: the request headers and body disagree: Mcp-Method";
    json::Value refusal_data = mismatch(std::string(*header_method), message.method);
    co_await refuse(reply, id, Reason::header_mismatch, refusal_message, 400, mcp::kHeaderMismatch,
                    std::move(refusal_data));
    co_return;
  }
  // (8) the claimed version must be one we speak.
  auto version = mcp::parse_version(claimed_version);
  if (!version || !mcp::is_stateless(*version)) {
    json::Value data = json::Value::object();
    json::Value supported = json::Value::array();
    supported.push_back(std::string(mcp::version_name(mcp::ProtocolVersion::v2026_07_28)));
    data.set("supported", std::move(supported));
    data.set("requested", claimed_version);
    const std::string refusal_message = "Unsupported protocol version";
    json::Value refusal_data = std::move(data);
    co_await refuse(reply, id, Reason::unsupported_protocol_version, refusal_message, 400, kUnsupportedVersion,
                    std::move(refusal_data));
    co_return;
  }
  // (9)-(13) required headers on requests.
  if (message.is_request()) {
    if (!header_version) {
      const std::string refusal_message = "Bad Request: the request headers and body disagree: MCP-Protocol-Version";
      json::Value refusal_data = mismatch("(missing)", claimed_version);
      co_await refuse(reply, id, Reason::header_mismatch, refusal_message, 400, mcp::kHeaderMismatch,
                    std::move(refusal_data));
      co_return;
    }
    if (!header_method) {
      const std::string refusal_message = "Bad Request: the request headers and body disagree: Mcp-Method";
      json::Value refusal_data = mismatch("(missing)", message.method);
      co_await refuse(reply, id, Reason::header_mismatch, refusal_message, 400, mcp::kHeaderMismatch,
                    std::move(refusal_data));
      co_return;
    }
    const bool named = message.method == "tools/call" || message.method == "prompts/get" ||
                       message.method == "resources/read";
    const std::string* body_name = message.method == "resources/read" ? mcp::param_string(message, "uri")
                                                                       : mcp::param_string(message, "name");
    if (named && body_name != nullptr) {
      const auto header_name = request.headers.get("Mcp-Name");
      if (!header_name) {
        const std::string refusal_message = "Bad Request: the request headers and body disagree: Mcp-Name";
        json::Value refusal_data = mismatch("(missing)", *body_name);
        co_await refuse(reply, id, Reason::header_mismatch, refusal_message, 400, mcp::kHeaderMismatch,
                    std::move(refusal_data));
        co_return;
      }
      auto decoded = decode_header_value(*header_name);
      if (!decoded || *decoded != *body_name) {
        const std::string refusal_message = "Bad Request: the request headers and body disagree: Mcp-Name";
        json::Value refusal_data = mismatch(std::string(*header_name), *body_name);
        co_await refuse(reply, id, Reason::header_mismatch, refusal_message, 400, mcp::kHeaderMismatch,
                    std::move(refusal_data));
        co_return;
      }
    }
  }

  SessionPtr session = stateless_session(caller, message);
  if (message.is_notification()) {
    // notifications/cancelled for a listen stream closes it; anything else has nothing to act on.
    if (message.method == "notifications/cancelled") {
      if (const json::Value* request_id = message.params.find("requestId")) {
        auto it = listens_.find(listen_key(caller.principal, caller.tenant, *request_id));
        if (it != listens_.end()) it->second->closed = true;
      }
    }
    metrics_.count_request(reply.tenant_label, message.method, "ok");
    metrics_.count_http(202);
    co_await reply.accepted();
    co_return;
  }
  if (!message.is_request()) {
    // A posted response has no meaning without server→client requests in this revision.
    metrics_.count_http(202);
    co_await reply.accepted();
    co_return;
  }
  // (16) methods outside the 2026 registry.
  if (!in_registry(message.method)) {
    metrics_.count_request(reply.tenant_label, message.method, "method_not_found");
    metrics_.count_http(404);
    const core::Error unknown{Reason::method_not_found, fmt::format("Method not found: {}", message.method)};
    co_await reply.raw(404, mcp::serialize(mcp::make_error(id, unknown)));
    co_return;
  }
  if (message.method == "subscriptions/listen") {
    co_await listen(session, std::move(message), reply);
    co_return;
  }
  if (auto needed = out_of_scope(caller, message)) {
    co_await refuse_scope(reply, message, *needed);
    co_return;
  }

  mcp::Message response;
  const std::string method = message.method;
  // A request answered here or refused before it reaches an upstream (policy, egress DLP) gets one record, as on
  // the 2025 path (dispatch); forward() writes the records of what it sends upstream.
  std::optional<audit::AuditRecord> trail;
  const auto started = clock_.steady_now();
  if (method == "server/discover") {
    json::Value result = json::Value::object();
    json::Value supported = json::Value::array();
    supported.push_back(std::string(mcp::version_name(mcp::ProtocolVersion::v2026_07_28)));
    result.set("supportedVersions", std::move(supported));
    json::Value capabilities = json::Value::object();
    capabilities.set("tools", json::Value::object()).set("listChanged", true);
    capabilities.set("prompts", json::Value::object()).set("listChanged", true);
    capabilities.set("resources", json::Value::object()).set("listChanged", true);
    capabilities.set("completions", json::Value::object());
    result.set("capabilities", std::move(capabilities));
    result.set("instructions",
               "Bulkhead gateway: tools and prompts are exposed as <upstream>__<name>; resources keep their URIs.");
    response = mcp::make_result(id, std::move(result));
  } else {
    const bool may_need_input = method == "tools/call" || method == "prompts/get" || method == "resources/read";
    // Strip the envelope before anything goes upstream; keep progressToken and other keys.
    if (json::Value* m = message.params.find("_meta")) {
      if (const std::string* level = m->find_string(kMetaLogLevel)) reply.log_threshold = log_level_rank(*level);
      if (json::Value* client_caps = m->find(kMetaCapabilities); client_caps && may_need_input) {
        reply.input_capabilities = std::move(*client_caps);  // what the input_required bridge may ask
      }
      for (auto key : {kMetaVersion, kMetaCapabilities, kMetaClientInfo, kMetaLogLevel}) m->erase(key);
      if (m->as_object().empty()) message.params.erase("_meta");
    }
    if (may_need_input) {
      const std::string* target = mcp::param_string(message, method == "resources/read" ? "uri" : "name");
      if (target != nullptr) reply.input_target = *target;
    }
    // inputResponses/requestState belong to the gateway (a parked call), never to the upstream.
    json::Value input_responses;
    json::Value request_state;
    if (json::Value* v = message.params.find("inputResponses")) input_responses = std::move(*v);
    if (json::Value* v = message.params.find("requestState")) request_state = std::move(*v);
    message.params.erase("inputResponses");
    message.params.erase("requestState");
    if (audit_ && request_state.is_null()) {
      trail = request_record(*session, message);
      describe_task(*trail, reply.caller);
    }
    if (may_need_input && !request_state.is_null()) {
      response = co_await resume_bridged(session, message, reply, request_state, input_responses);
    } else if (auto kind = list_kind_of_method(method)) {
      response = co_await aggregate(session, *kind, std::move(message), reply);
    } else if (method == "tools/call") {
      response = co_await route_by_name(session, ListKind::tools, std::move(message), reply);
    } else if (method == "prompts/get") {
      response = co_await route_by_name(session, ListKind::prompts, std::move(message), reply);
    } else if (method == "resources/read") {
      response = co_await route_by_uri(session, std::move(message), reply);
    } else {
      response = co_await complete(session, std::move(message), reply);
    }
  }
  // An event of this call was withheld by DLP: the answer is withheld too (dlp_gate.cc; a bridged call's own events
  // are scanned as they arrive, and its answer withheld, in bridged_calls.cc).
  if (reply.dlp.blocked && response.kind == mcp::Message::Kind::response) dlp_response(response, reply.dlp);
  if (trail && !reply.audited) {
    describe_dlp(*trail, reply.dlp);
    fill_answer(*trail, response, clock_.steady_now() - started);
    auto durable = co_await record(std::move(*trail));
    if (!durable) response = mcp::make_error(id, durable.error());  // not on record: not answered (fail closed)
  }
  response.id = id;
  if (response.kind == mcp::Message::Kind::response) {
    mcp::materialize_result(response);
    decorate_modern_result(method, response.result);
  } else if (method == "resources/read") {
    // 2026-07-28 reports an unknown resource as -32602 with data.uri.
    if (json::Value* code = response.error.find("code"); code && code->is_integer() && code->as_int() == -32002) {
      *code = json::Value(mcp::kInvalidParams);
    }
  }
  metrics_.count_request(reply.tenant_label, method, response.kind == mcp::Message::Kind::response ? "ok" : "error");
  metrics_.count_http(200);
  co_await reply.final(response);
}

void GatewayImpl::decorate_modern_result(std::string_view method, json::Value& result) {
  if (!result.is_object()) result = json::Value::object();
  if (result.find("resultType") == nullptr) result.set("resultType", "complete");
  const std::string* result_type = result.find_string("resultType");
  const bool input_required = result_type != nullptr && *result_type == "input_required";
  if (cacheable(method) && !input_required) {  // input_required results carry no cache fields (§6)
    if (result.find("ttlMs") == nullptr) result.set("ttlMs", 0);
    if (result.find("cacheScope") == nullptr) result.set("cacheScope", "private");
  }
  if (method == "tools/list") {
    if (json::Value* tools = result.find("tools"); tools && tools->is_array()) {
      for (auto& tool : tools->as_array()) tool.erase("execution");
    }
  }
  json::Value* meta = result.find("_meta");
  if (meta == nullptr || !meta->is_object()) meta = &result.set("_meta", json::Value::object());
  meta->set(kMetaServerInfo, server_info());
}

std::string GatewayImpl::listen_key(std::string_view principal, std::string_view tenant, const json::Value& id) {
  return fmt::format("{}\n{}\n{}", principal, tenant, json::serialize(id));
}

asio::awaitable<void> GatewayImpl::listen(const SessionPtr& session, mcp::Message message, Reply& reply) {
  // Honour only what we advertise: list_changed for tools, prompts, resources (no resource subscriptions yet).
  json::Value honored = json::Value::object();
  if (const json::Value* wanted = message.params.find("notifications"); wanted && wanted->is_object()) {
    for (auto flag : {"toolsListChanged", "promptsListChanged", "resourcesListChanged"}) {
      if (const json::Value* v = wanted->find(flag); v && v->is_bool() && v->as_bool()) honored.set(flag, true);
    }
  }
  auto state = std::make_shared<ListenStream>(io_.get_executor());
  state->tenant = session->tenant;
  state->id = message.id;
  state->tools = honored.find("toolsListChanged") != nullptr;
  state->prompts = honored.find("promptsListChanged") != nullptr;
  state->resources = honored.find("resourcesListChanged") != nullptr;
  const std::string key = listen_key(session->principal, session->tenant, message.id);
  listens_[key] = state;
  // Open the upstream sessions so their list_changed notifications reach us.
  for (std::size_t i = 0; i < upstreams_.size(); ++i) (void)co_await ensure_upstream(session, i);

  json::Value params = json::Value::object();
  params.set("notifications", std::move(honored));
  params.set("_meta", json::Value::object()).set(kMetaSubscriptionId, message.id);
  metrics_.count_request(reply.tenant_label, "subscriptions/listen", "ok");
  bool open = co_await reply.intermediate(mcp::make_notification("notifications/subscriptions/acknowledged", params));
  while (open && !state->closed && !draining_ && !reply.client_gone()) {
    while (open && !state->pending.empty()) {
      mcp::Message note = std::move(state->pending.front());
      state->pending.pop_front();
      json::Value* note_meta = note.params.find("_meta");
      if (note_meta == nullptr || !note_meta->is_object()) {
        if (!note.params.is_object()) note.params = json::Value::object();
        note_meta = &note.params.set("_meta", json::Value::object());
      }
      note_meta->set(kMetaSubscriptionId, message.id);
      open = co_await reply.intermediate(note);
    }
    if (!open) break;
    (void)co_await state->signal.wait_for(std::chrono::seconds(1));
  }
  if (auto it = listens_.find(key); it != listens_.end() && it->second == state) listens_.erase(it);
  if (open && !reply.client_gone()) {
    json::Value result = json::Value::object();
    result.set("resultType", "complete");
    result.set("_meta", json::Value::object()).set(kMetaSubscriptionId, message.id);
    co_await reply.final(mcp::make_result(message.id, std::move(result)));
  }
}

void GatewayImpl::notify_listeners(std::string_view tenant, const mcp::Message& note) {
  for (auto& [key, state] : listens_) {
    if (state->tenant != tenant || state->closed) continue;
    const bool wanted = (note.method == "notifications/tools/list_changed" && state->tools) ||
                        (note.method == "notifications/prompts/list_changed" && state->prompts) ||
                        (note.method == "notifications/resources/list_changed" && state->resources);
    if (!wanted) continue;
    state->pending.push_back(note);
    state->signal.notify();
  }
}

}  // namespace bulkhead::gateway::detail
