// SessionChannel: the per-session listener and its queue. Messages not tied to an open request are queued and
// handed to the listener in order by one pump coroutine, so a slow listener never stalls the wire that shares
// the upstream (stdio: the tenant's process). Messages queued before set_listener() wait for it (bounded).
// Thread-safety: one executor. Lifetime: shared by the Session and the pump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "mcp/mcp.h"
#include "upstream/upstream.h"

namespace bulkhead::upstream::detail {

class SessionChannel : public std::enable_shared_from_this<SessionChannel> {
 public:
  static constexpr std::size_t kMaxQueued = 4096;

  SessionChannel(asio::any_io_executor executor, std::uint64_t number)
      : executor_(std::move(executor)), number_(number) {}

  [[nodiscard]] std::uint64_t number() const noexcept { return number_; }
  [[nodiscard]] bool has_listener() const noexcept { return static_cast<bool>(listener_); }
  [[nodiscard]] bool closed() const noexcept { return closed_; }

  void set_listener(MessageSink listener);
  // Queues `message` for the listener (dropped when closed or when the queue is full).
  void deliver(mcp::Message message);
  // Drops what is queued; later deliveries are dropped.
  void close();

 private:
  void start_pump();
  asio::awaitable<void> pump();

  asio::any_io_executor executor_;
  std::uint64_t number_;
  MessageSink listener_;
  std::deque<mcp::Message> queue_;
  bool pumping_ = false;
  bool closed_ = false;
};

}  // namespace bulkhead::upstream::detail
