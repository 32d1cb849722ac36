#include "audit/detail/batch_signal.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

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
  const std::size_t parity = batch & 1u;
  std::atomic<std::uint32_t>& word = words_[parity];
  for (;;) {
    const std::uint32_t seen = word.load();
    if (finished_.load() > batch) return;
    // Announce before the last check: finish() either sees the sleeper (and wakes it) or this check sees the
    // finished batch (sequentially consistent order of the two stores and two loads).
    waiting_[parity].fetch_add(1);
    if (finished_.load() > batch) {
      waiting_[parity].fetch_sub(1);
      return;
    }
    futex_wait(word, seen);
    waiting_[parity].fetch_sub(1);
  }
}

void BatchSignal::finish(std::uint64_t end) noexcept {
  const std::uint64_t before = finished_.exchange(end);
  if (end <= before) return;
  // One batch: wake its parity only; several (the failure path): both.
  const bool both = end - before > 1;
  for (std::size_t parity = 0; parity < 2; ++parity) {
    if (!both && parity != ((end - 1) & 1u)) continue;
    words_[parity].fetch_add(1);
    if (waiting_[parity].load() > 0) futex_wake_all(words_[parity]);
  }
}

}  // namespace bulkhead::audit::detail
