#include "audit/detail/batch_signal.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

namespace bulkhead::audit::detail {
namespace {

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept {
  // Returns at once (EAGAIN) when the word no longer holds `expected`; EINTR and spurious returns are re-checked.
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

}  // namespace

void BatchSignal::wait(std::uint64_t batch) noexcept {
  const std::size_t slot = batch % kWords;
  std::atomic<std::uint32_t>& word = words_[slot];
  for (;;) {
    const std::uint32_t seen = word.load();
    if (finished_.load() > batch) return;
    // Announce before the last check: finish() either sees the sleeper (and wakes it) or this check sees the
    // finished batch (sequentially consistent order of the two stores and two loads).
    waiting_[slot].fetch_add(1);
    if (finished_.load() > batch) {
      waiting_[slot].fetch_sub(1);
      return;
    }
    futex_wait(word, seen);
    waiting_[slot].fetch_sub(1);
  }
}

void BatchSignal::finish(std::uint64_t end) noexcept {
  const std::uint64_t before = finished_.exchange(end);
  if (end <= before) return;
  // Wake the slot of every batch that just finished (all of them when kWords or more finished at once).
  const std::uint64_t count = std::min<std::uint64_t>(end - before, kWords);
  for (std::uint64_t b = end - count; b < end; ++b) {
    const std::size_t slot = b % kWords;
    words_[slot].fetch_add(1);
    if (waiting_[slot].load() > 0) futex_wake_all(words_[slot]);
  }
}

}  // namespace bulkhead::audit::detail
