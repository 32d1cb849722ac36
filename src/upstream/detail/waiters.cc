#include "upstream/detail/waiters.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bulkhead::upstream::detail {

asio::awaitable<bool> Waiters::wait_until(std::chrono::steady_clock::time_point deadline) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, deadline);
  // Erases our entry however the coroutine ends (resumed, exception, or frame destroyed while suspended).
  struct Registration {
    std::list<asio::steady_timer*>& list;
    std::list<asio::steady_timer*>::iterator it;
    ~Registration() { list.erase(it); }
  } registration{timers_, timers_.insert(timers_.end(), &timer)};
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return ec == asio::error::operation_aborted;
}

void Waiters::notify_all() {
  for (asio::steady_timer* timer : timers_) timer->cancel();
}

asio::awaitable<void> sleep_for(std::chrono::steady_clock::duration duration) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, duration);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace bulkhead::upstream::detail
