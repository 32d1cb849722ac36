// Parking and resuming 2026-07-28 calls whose upstream asks the client something (detail/input_bridge.h,
// docs/protocol-2026-07-28.md §9). The upstream call runs on its own coroutine (run_bridged) and hands what it
// receives to the BridgedCall; the POST that started it, and each retry after an input_required answer, follow
// the call (follow_bridged) until it completes or asks again.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

// Upstream messages kept for a parked call until a retry follows it again (progress, logs): beyond this the oldest
// notifications are dropped; server→client requests are always kept.
constexpr std::size_t kMaxParkedEvents = 1024;

bool may_need_input(std::string_view method) {
  return method == "tools/call" || method == "prompts/get" || method == "resources/read";
}

bool asks_anything(const json::Value& capabilities) {
  return capabilities.is_object() && (capabilities.find("elicitation") != nullptr ||
                                      capabilities.find("sampling") != nullptr ||
                                      capabilities.find("roots") != nullptr);
}

void keep_event(BridgedCall& call, mcp::Message message) {
  if (call.events.size() >= kMaxParkedEvents && !message.is_request()) {
    spdlog::warn("parked call {}: dropping an upstream notification nobody follows", call.method);
    return;
  }
  call.events.push_back(std::move(message));
  call.wake.notify();
}

}  // namespace

bool GatewayImpl::bridges_input(const ClientSession& session, const Reply& reply, std::string_view method) const {
  return session.id.empty() && request_states_.has_value() && may_need_input(method) &&
         asks_anything(reply.input_capabilities);
}

asio::awaitable<mcp::Message> GatewayImpl::start_bridged(const SessionPtr& session, std::size_t index,
                                                         mcp::Message message, Reply& reply,
                                                         std::optional<audit::AuditRecord> trail,
                                                         std::chrono::steady_clock::time_point started) {
  auto call = std::make_shared<BridgedCall>(io_.get_executor());
  call->id = core::random_hex(rng_, 16);
  call->principal = reply.principal;
  call->tenant = reply.tenant;
  call->method = message.method;
  call->name = reply.input_target;
  call->session = session;
  call->upstream = index;
  // Ids of different 2026-07-28 clients collide on the shared bridge session: the call gets one of its own.
  call->upstream_request_id = json::Value(fmt::format("bh-bridged-{}", next_bridged_++));
  call->dlp = reply.dlp;
  message.id = call->upstream_request_id;
  bridged_[call->id] = call;
  asio::co_spawn(io_, run_bridged(session, index, call, std::move(message), std::move(trail), started),
                 asio::detached);
  mcp::Message answer = co_await follow_bridged(session, call, reply);
  co_return answer;
}

asio::awaitable<void> GatewayImpl::run_bridged(SessionPtr session, std::size_t index,
                                               std::shared_ptr<BridgedCall> call, mcp::Message message,
                                               std::optional<audit::AuditRecord> trail,
                                               std::chrono::steady_clock::time_point started) {
  mcp::Message response;
  upstream::Session* upstream_session = open_upstream(*session, index);
  if (upstream_session == nullptr) {
    response = mcp::make_error(message.id, core::Error{Reason::upstream_unavailable, "upstream session closed"});
  } else {
    // Not a coroutine itself (it captures): it hands each message to one that takes everything by value.
    upstream::MessageSink sink = [self = this, session, call](mcp::Message m) {
      return self->on_bridged_event(session, call, std::move(m));
    };
    auto result = co_await upstream_session->request(std::move(message), std::move(sink),
                                                     upstreams_[index]->config().request_timeout,
                                                     upstream::ResultForm::raw);
    if (result) {
      response = std::move(*result);
    } else {
      spdlog::warn("upstream {} failed: {}", upstreams_[index]->config().name, result.error().message);
      response = mcp::make_error(call->upstream_request_id, result.error());
    }
  }
  dlp_response(response, call->dlp);
  if (trail) describe_dlp(*trail, call->dlp);
  co_await record_outcome(trail, response, started);
  call->outcome = std::move(response);
  call->wake.notify();
}

asio::awaitable<void> GatewayImpl::on_bridged_event(SessionPtr session, std::shared_ptr<BridgedCall> call,
                                                    mcp::Message message) {
  // Response DLP as the message arrives, before it is kept: a withheld server→client request never becomes an
  // inputRequest (the upstream gets dlp_blocked), and the call's final answer is withheld (run_bridged).
  if (dlp_ && !dlp_event(message, call->tenant, call->dlp.stream, &call->dlp)) {
    co_await refuse_for_dlp(session, call->upstream, message);
    co_return;
  }
  keep_event(*call, std::move(message));
}

asio::awaitable<mcp::Message> GatewayImpl::follow_bridged(SessionPtr session, std::shared_ptr<BridgedCall> call,
                                                          Reply& reply) {
  call->following = true;
  call->expiry.cancel();
  while (true) {
    while (!call->events.empty()) {
      mcp::Message message = std::move(call->events.front());
      call->events.pop_front();
      if (message.is_request()) {
        if (client_can_answer(reply.input_capabilities, message)) {
          std::string key = fmt::format("bh-{}", call->next_key++);
          call->asked.emplace_back(std::move(key), std::move(message));
        } else {
          co_await answer_for_client(session, call->upstream, message, true);
        }
        continue;
      }
      co_await on_during_request(session, call->upstream, std::move(message), &reply, /*scanned=*/true);
    }
    if (!call->asked.empty()) {
      // Park: the client answers these and retries with requestState (resume_bridged).
      json::Value requests = json::Value::object();
      for (const auto& [key, request] : call->asked) requests.set(key, input_request_entry(request));
      json::Value result = json::Value::object();
      result.set("resultType", "input_required");
      result.set("inputRequests", std::move(requests));
      result.set("requestState", request_states_->mint(call->id, call->principal, call->tenant));
      call->following = false;
      call->expiry.expires_after(upstreams_[call->upstream]->config().request_timeout);
      call->expiry.async_wait([this, weak = std::weak_ptr<BridgedCall>(call)](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto parked = weak.lock(); parked && !parked->following) cancel_bridged(parked, "no retry in time");
      });
      co_return mcp::make_result(json::Value(), std::move(result));
    }
    if (call->outcome) {
      bridged_.erase(call->id);
      call->following = false;
      mcp::Message done = std::move(*call->outcome);
      call->outcome.reset();
      co_return done;
    }
    if (reply.client_gone() || draining_ || session->closed) {
      // Closing the response is how a 2026-07-28 client cancels (§7).
      call->following = false;
      cancel_bridged(call, "the client went away");
      const core::Error cancelled{Reason::upstream_unavailable, "request cancelled"};
      mcp::Message refusal = mcp::make_error(json::Value(), cancelled);
      co_return refusal;
    }
    (void)co_await call->wake.wait_for(std::chrono::seconds(1));
  }
}

asio::awaitable<mcp::Message> GatewayImpl::resume_bridged(const SessionPtr& session, const mcp::Message& message,
                                                          Reply& reply, const json::Value& request_state,
                                                          const json::Value& input_responses) {
  std::optional<std::string> call_id;
  if (request_state.is_string()) call_id = request_states_->open(request_state.as_string(), reply.principal, reply.tenant);
  auto it = call_id ? bridged_.find(*call_id) : bridged_.end();
  if (it == bridged_.end() || it->second->following || it->second->method != message.method ||
      it->second->name != reply.input_target) {
    const core::Error stale{Reason::invalid_request,
                            "Invalid params: requestState does not name a pending request of this caller (unknown, "
                            "expired, already continued, or another request's)"};
    mcp::Message refusal = mcp::make_error(message.id, stale, json::Value(), mcp::kInvalidParams);
    co_return refusal;
  }
  std::shared_ptr<BridgedCall> call = it->second;
  call->expiry.cancel();
  auto asked = std::move(call->asked);
  call->asked.clear();
  auto& slot = session->upstreams[call->upstream];
  for (auto& [key, request] : asked) {
    const json::Value* answer = input_responses.is_object() ? input_responses.find(key) : nullptr;
    mcp::Message reply_up;
    if (answer != nullptr && answer->is_object()) {
      reply_up = mcp::make_result(request.id, *answer);
    } else {
      const core::Error missing{Reason::invalid_request, fmt::format("the client sent no answer for {}", request.method)};
      reply_up = mcp::make_error(request.id, missing, json::Value(), mcp::kInvalidParams);
    }
    (void)dlp_answer(reply_up, call->tenant, &call->dlp);  // egress: refused → the upstream gets dlp_blocked
    if (!slot.session) break;
    auto sent = co_await slot.session->send(std::move(reply_up));
    if (!sent) spdlog::warn("could not deliver a client answer upstream: {}", sent.error().message);
  }
  mcp::Message answer = co_await follow_bridged(session, call, reply);
  co_return answer;
}

void GatewayImpl::cancel_bridged(const std::shared_ptr<BridgedCall>& call, std::string_view reason) {
  call->expiry.cancel();
  bridged_.erase(call->id);
  if (call->outcome) return;
  SessionPtr session = call->session.lock();
  if (!session || session->closed) return;
  json::Value params = json::Value::object();
  params.set("requestId", call->upstream_request_id);
  params.set("reason", std::string(reason));
  const std::size_t index = call->upstream;
  auto send = [](SessionPtr owner, std::size_t upstream, mcp::Message note) -> asio::awaitable<void> {
    auto& slot = owner->upstreams[upstream];
    if (!slot.session) co_return;
    auto sent = co_await slot.session->send(std::move(note));
    if (!sent) spdlog::debug("could not cancel a parked call upstream: {}", sent.error().message);
  };
  asio::co_spawn(io_, send(std::move(session), index, mcp::make_notification("notifications/cancelled", std::move(params))),
                 asio::detached);
}

}  // namespace bulkhead::gateway::detail
