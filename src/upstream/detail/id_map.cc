#include "upstream/detail/id_map.h"

#include <exception>

#include <spdlog/spdlog.h>

namespace bulkhead::upstream::detail {

namespace {

json::Value* mutable_progress_token(mcp::Message& message) {
  json::Value* meta = message.params.find("_meta");
  if (meta == nullptr || !meta->is_object()) return nullptr;
  json::Value* token = meta->find("progressToken");
  if (token == nullptr || !(token->is_string() || token->is_integer())) return nullptr;
  return token;
}

std::optional<std::int64_t> wire_number(const json::Value& value) {
  if (value.type() != json::Value::Type::integer) return std::nullopt;
  return value.as_int();
}

}  // namespace

std::shared_ptr<PendingCall> CallTable::register_call(mcp::Message& request, std::uint64_t session) {
  auto call = std::make_shared<PendingCall>();
  call->wire_id = next_wire_id_++;
  call->caller_id = std::move(request.id);
  call->session = session;
  call->method = request.method;
  request.id = json::Value(call->wire_id);
  if (json::Value* token = mutable_progress_token(request)) {
    call->has_progress_token = true;
    call->caller_progress_token = std::move(*token);
    *token = json::Value(call->wire_id);
  }
  calls_.emplace(call->wire_id, call);
  return call;
}

void CallTable::remove(std::int64_t wire_id) { calls_.erase(wire_id); }

bool CallTable::complete(mcp::Message response) {
  auto wire = wire_number(response.id);
  if (!wire) return false;
  auto it = calls_.find(*wire);
  if (it == calls_.end()) return false;
  std::shared_ptr<PendingCall> call = it->second;
  response.id = call->caller_id;
  if (call->result_form == ResultForm::value) mcp::materialize_result(response);
  call->finish(std::move(response));
  return true;
}

bool CallTable::deliver_progress(mcp::Message notification) {
  json::Value* token = notification.params.find("progressToken");
  if (token == nullptr) return false;
  auto wire = wire_number(*token);
  if (!wire) return false;
  auto it = calls_.find(*wire);
  if (it == calls_.end() || !it->second->has_progress_token || it->second->outcome) return false;
  std::shared_ptr<PendingCall> call = it->second;
  *token = call->caller_progress_token;
  call->deliver(std::move(notification));
  return true;
}

bool CallTable::map_cancelled(mcp::Message& notification, std::uint64_t session) const {
  json::Value* request_id = notification.params.find("requestId");
  if (request_id == nullptr) return false;
  for (const auto& [wire, call] : calls_) {
    if (call->session == session && session != kInternalSession && call->caller_id == *request_id) {
      *request_id = json::Value(wire);
      // The caller gave up on it: stop waiting now (the upstream sends no response to a cancelled request),
      // so a cancelled call neither holds its handler open nor delays a drain.
      call->finish(core::fail(core::Reason::upstream_unavailable, "request cancelled by the client"));
      return true;
    }
  }
  return false;
}

std::shared_ptr<PendingCall> CallTable::most_recent(std::optional<std::uint64_t> session) const {
  for (auto it = calls_.rbegin(); it != calls_.rend(); ++it) {
    const auto& call = it->second;
    if (call->session == kInternalSession || call->outcome) continue;
    if (session && call->session != *session) continue;
    return call;
  }
  return nullptr;
}

void CallTable::fail_all(const core::Error& error) {
  auto calls = std::move(calls_);
  calls_.clear();
  for (auto& [wire, call] : calls) call->finish(std::unexpected(error));
}

asio::awaitable<void> drain_inbox(PendingCall& call, const MessageSink& on_message) {
  while (!call.inbox.empty()) {
    mcp::Message message = std::move(call.inbox.front());
    call.inbox.pop_front();
    if (!on_message) continue;
    try {
      co_await on_message(std::move(message));
    } catch (const std::exception& e) {
      spdlog::warn("upstream: message handler failed: {}", e.what());
    }
  }
}

asio::awaitable<std::optional<core::Result<mcp::Message>>> await_outcome(
    std::shared_ptr<PendingCall> call, const MessageSink& on_message,
    std::chrono::steady_clock::time_point deadline) {
  while (true) {
    if (!call->inbox.empty()) co_await drain_inbox(*call, on_message);
    if (call->outcome) co_return std::move(call->outcome);
    if (std::chrono::steady_clock::now() >= deadline) co_return std::nullopt;
    co_await call->wake.wait_until(deadline);
  }
}

}  // namespace bulkhead::upstream::detail
