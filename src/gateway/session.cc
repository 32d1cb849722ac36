#include "gateway/detail/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bulkhead::gateway::detail {

AsyncSignal::AsyncSignal(asio::any_io_executor executor) : timer_(std::move(executor)) {
  timer_.expires_at(asio::steady_timer::time_point::max());
}

asio::awaitable<void> AsyncSignal::wait() {
  co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<bool> AsyncSignal::wait_for(std::chrono::steady_clock::duration timeout) {
  // A second timer bounds the wait; whichever fires first wins.
  asio::steady_timer deadline(timer_.get_executor());
  deadline.expires_after(timeout);
  bool timed_out = false;
  deadline.async_wait([this, &timed_out](const boost::system::error_code& ec) {
    if (!ec) {
      timed_out = true;
      timer_.cancel();
    }
  });
  co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  deadline.cancel();
  co_return !timed_out;
}

void AsyncSignal::notify() { timer_.cancel(); }

ClientSession::ClientSession(asio::any_io_executor executor, std::size_t upstream_count)
    : outbox_signal(executor) {
  upstreams.resize(upstream_count);
  for (auto& slot : upstreams) slot.opened = std::make_unique<AsyncSignal>(executor);
}

}  // namespace bulkhead::gateway::detail
