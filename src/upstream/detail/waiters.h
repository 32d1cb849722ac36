// Waiters: a wake-up list for coroutines on one executor ("condition variable" for asio::awaitable code).
// A waiter sleeps until notify_all() or its deadline; callers always re-check their condition after waking.
// Thread-safety: use from a single executor (the upstream's). Lifetime: must outlive its waiting coroutines.
#pragma once

#include <chrono>
#include <list>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace bulkhead::upstream::detail {

namespace asio = boost::asio;

class Waiters {
 public:
  Waiters() = default;
  Waiters(const Waiters&) = delete;
  Waiters& operator=(const Waiters&) = delete;
  ~Waiters() = default;

  // Returns true when woken by notify_all(), false when the deadline passed first.
  asio::awaitable<bool> wait_until(std::chrono::steady_clock::time_point deadline);
  void notify_all();

 private:
  std::list<asio::steady_timer*> timers_;
};

// Sleeps for `duration` (cancellation-safe; returns early only when the coroutine is cancelled).
asio::awaitable<void> sleep_for(std::chrono::steady_clock::duration duration);

}  // namespace bulkhead::upstream::detail
