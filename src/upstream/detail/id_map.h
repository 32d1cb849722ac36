// CallTable: the requests one wire (a stdio process or an HTTP session) has in flight. It rewrites each
// request's id and `_meta.progressToken` to wire values unique on that wire, routes responses and progress
// notifications back to the waiting caller with the caller's values restored, and maps the `requestId` of
// `notifications/cancelled`. Wire ids and wire progress tokens are the same increasing integers (1, 2, 3...).
// Thread-safety: one executor. Lifetime: calls are shared with the coroutines waiting on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/core.h"
#include "json/json.h"
#include "mcp/mcp.h"
#include "upstream/detail/waiters.h"
#include "upstream/upstream.h"

namespace bulkhead::upstream::detail {

// Session number used for calls the upstream layer makes itself (initialize).
inline constexpr std::uint64_t kInternalSession = 0;

struct PendingCall {
  std::int64_t wire_id = 0;
  json::Value caller_id;
  bool has_progress_token = false;
  json::Value caller_progress_token;
  std::uint64_t session = kInternalSession;
  std::string method;
  ResultForm result_form = ResultForm::value;  // raw: the response may keep its result as text (raw_result)
  std::list<mcp::Message> inbox;                       // for the caller's on_message, in arrival order
  std::optional<core::Result<mcp::Message>> outcome;  // the response (caller id restored) or a failure
  Waiters wake;
  // Set while the caller itself reads the call's response (HTTP: the POST's own stream): finishing the call from
  // elsewhere (cancelled by the client, session closed, answered on another stream) stops that read.
  std::function<void()> abort;

  void deliver(mcp::Message message) {
    inbox.push_back(std::move(message));
    wake.notify_all();
  }
  void finish(core::Result<mcp::Message> result) {
    if (outcome) return;
    outcome = std::move(result);
    wake.notify_all();
    if (abort) {
      auto stop = std::move(abort);
      abort = nullptr;
      stop();
    }
  }
};

class CallTable {
 public:
  // Rewrites `request`'s id (and progress token, when present) to wire values and registers the call.
  std::shared_ptr<PendingCall> register_call(mcp::Message& request, std::uint64_t session);
  void remove(std::int64_t wire_id);
  // A response or error from upstream: restores the caller's id and finishes its call (building a raw result
  // into a Value unless the call asked for ResultForm::raw). False if unknown.
  bool complete(mcp::Message response);
  // notifications/progress from upstream: restores the caller's token and hands it to the owning call's
  // inbox. False if the token is not one of ours (or its call is over).
  bool deliver_progress(mcp::Message notification);
  // notifications/cancelled sent by `session`: rewrites params.requestId to the wire id and finishes that
  // call with "cancelled by the client". False when that session has no such call in flight (the
  // notification must then be dropped, never forwarded).
  bool map_cancelled(mcp::Message& notification, std::uint64_t session) const;
  // The most recently started open call, of any session or of one session (internal calls excluded).
  [[nodiscard]] std::shared_ptr<PendingCall> most_recent(std::optional<std::uint64_t> session = {}) const;
  // Finishes every open call with `error` and forgets them.
  void fail_all(const core::Error& error);
  [[nodiscard]] std::size_t size() const noexcept { return calls_.size(); }

 private:
  std::int64_t next_wire_id_ = 1;
  std::map<std::int64_t, std::shared_ptr<PendingCall>> calls_;
};

// Removes a call from its table when the waiting coroutine leaves (normally, by timeout or by exception).
class CallGuard {
 public:
  CallGuard(CallTable& table, std::int64_t wire_id) : table_(&table), wire_id_(wire_id) {}
  CallGuard(const CallGuard&) = delete;
  CallGuard& operator=(const CallGuard&) = delete;
  ~CallGuard() {
    if (table_) table_->remove(wire_id_);
  }

 private:
  CallTable* table_;
  std::int64_t wire_id_;
};

// Hands what is in the call's inbox to `on_message`, in order (dropped when on_message is empty). Exceptions from
// on_message are logged and dropped.
asio::awaitable<void> drain_inbox(PendingCall& call, const MessageSink& on_message);

// Hands the call's inbox to `on_message` (in order) until its outcome is set, then returns the outcome after
// the inbox is empty; nullopt when `deadline` passes first. Exceptions from on_message are logged and dropped.
asio::awaitable<std::optional<core::Result<mcp::Message>>> await_outcome(
    std::shared_ptr<PendingCall> call, const MessageSink& on_message,
    std::chrono::steady_clock::time_point deadline);

}  // namespace bulkhead::upstream::detail
