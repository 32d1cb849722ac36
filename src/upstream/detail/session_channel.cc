#include "upstream/detail/session_channel.h"

#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

namespace bulkhead::upstream::detail {

void SessionChannel::set_listener(MessageSink listener) {
  listener_ = std::move(listener);
  start_pump();
}

void SessionChannel::deliver(mcp::Message message) {
  if (closed_) return;
  if (queue_.size() >= kMaxQueued) {
    spdlog::warn("upstream: session listener queue full, dropping '{}'", message.method);
    return;
  }
  queue_.push_back(std::move(message));
  start_pump();
}

void SessionChannel::close() {
  closed_ = true;
  queue_.clear();
  listener_ = nullptr;
}

void SessionChannel::start_pump() {
  if (pumping_ || closed_ || !listener_ || queue_.empty()) return;
  pumping_ = true;
  asio::co_spawn(executor_, [self = shared_from_this()]() { return self->pump(); }, asio::detached);
}

asio::awaitable<void> SessionChannel::pump() {
  while (!closed_ && listener_ && !queue_.empty()) {
    mcp::Message message = std::move(queue_.front());
    queue_.pop_front();
    MessageSink listener = listener_;  // the listener may be replaced while it runs
    try {
      co_await listener(std::move(message));
    } catch (const std::exception& e) {
      spdlog::warn("upstream: session listener failed: {}", e.what());
    }
  }
  pumping_ = false;
}

}  // namespace bulkhead::upstream::detail
