// Client sessions of the gateway. A ClientSession is created by initialize (session-era protocols) or per
// tenant for stateless (2026-07-28) requests; it owns one upstream::Session per upstream, opened lazily with the
// client's capabilities, plus the per-session catalog of what each upstream listed.
// Lives on the gateway's event loop only (no locks); shared_ptr because handlers keep it alive while a DELETE
// or idle expiry removes it from the table.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/detail/names.h"
#include "json/json.h"
#include "dlp/dlp.h"
#include "mcp/mcp.h"
#include "upstream/upstream.h"

namespace bulkhead::gateway::detail {

namespace asio = boost::asio;

// Wakes every coroutine waiting on it (a level-triggered condition: waiters re-check their predicate).
class AsyncSignal {
 public:
  explicit AsyncSignal(asio::any_io_executor executor);
  asio::awaitable<void> wait();
  // Waits at most `timeout`; returns false on timeout.
  asio::awaitable<bool> wait_for(std::chrono::steady_clock::duration timeout);
  void notify();

 private:
  asio::steady_timer timer_;
};

struct UpstreamSlot {
  std::unique_ptr<upstream::Session> session;
  bool opening = false;
  std::unique_ptr<AsyncSignal> opened;              // notified when an open attempt finishes
  std::array<std::optional<json::Array>, kListKinds> catalog;  // items as the upstream listed them (unprefixed)
  std::unordered_map<std::string, std::string> tool_digests;  // tool name → pin digest of the listed definition
};

// A message queued for the session's GET stream.
struct OutboundEvent {
  std::uint64_t id = 0;
  std::string data;  // serialized JSON-RPC message
};

inline constexpr std::size_t kOutboxLimit = 4096;

struct ClientSession {
  ClientSession(asio::any_io_executor executor, std::size_t upstream_count);

  std::string id;  // empty for a stateless (2026-07-28) per-tenant session
  mcp::ProtocolVersion version = mcp::ProtocolVersion::v2025_11_25;
  std::string principal;
  std::string tenant;
  json::Value client_info;
  json::Value client_capabilities;
  bool closed = false;
  std::size_t active_requests = 0;
  std::chrono::steady_clock::time_point last_used;

  std::vector<UpstreamSlot> upstreams;  // index = Config::upstreams index

  // Server→client requests waiting for the client's answer: gateway id → (upstream, the upstream's id).
  struct PendingServerRequest {
    std::size_t upstream = 0;
    json::Value upstream_id;
  };
  std::unordered_map<std::string, PendingServerRequest> pending_server_requests;
  std::uint64_t next_server_request = 1;

  // Client requests being served: serialized client id → upstream index (for notifications/cancelled).
  std::unordered_map<std::string, std::size_t> in_flight;

  // GET stream: unsolicited server messages, with ids for Last-Event-ID replay.
  std::deque<OutboundEvent> outbox;    // not yet delivered (bounded: kOutboxLimit, oldest dropped)
  std::deque<OutboundEvent> replay;    // recently delivered (bounded)
  std::uint64_t next_event_id = 1;
  bool get_stream_open = false;
  std::uint64_t get_stream_generation = 0;
  AsyncSignal outbox_signal;
  // Response DLP of unsolicited messages (GET stream), per upstream: a value split across events is still found.
  std::unordered_map<std::size_t, dlp::StreamState> dlp_streams;
};

// An open 2026-07-28 subscriptions/listen stream: which list_changed notifications it asked for.
struct ListenStream {
  explicit ListenStream(asio::any_io_executor executor) : signal(std::move(executor)) {}
  std::string tenant;
  json::Value id;
  bool tools = false;
  bool prompts = false;
  bool resources = false;
  bool closed = false;
  std::deque<mcp::Message> pending;
  AsyncSignal signal;
};

}  // namespace bulkhead::gateway::detail
