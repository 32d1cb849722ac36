// Wakes every thread waiting for one group-commit batch with a single futex call, instead of one wake-up per
// waiter (docs/audit.md "Writing"). Batches are numbered 0, 1, 2, ... in the order the writer takes them and finish
// in that order; waiters of batch b sleep on futex word b mod 8, so finishing batch b does not wake the waiters of
// b + 1..b + 7 (which formed while b was being written and flushed: the writer runs a few batches ahead of the
// flush). Linux futex; thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace bulkhead::audit::detail {

class BatchSignal {
 public:
  // Blocks until every batch up to and including `batch` has finished.
  void wait(std::uint64_t batch) noexcept;
  // Batches [0, end) have finished (the writer; `end` never decreases). Wakes their waiters.
  void finish(std::uint64_t end) noexcept;
  [[nodiscard]] std::uint64_t finished() const noexcept { return finished_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::uint64_t> finished_{0};
  static constexpr std::size_t kWords = 8;
  std::array<std::atomic<std::uint32_t>, kWords> words_{};    // futex words, bumped when a batch of that slot finishes
  std::array<std::atomic<std::uint32_t>, kWords> waiting_{};  // sleepers per slot (skips the syscall when none)
};

}  // namespace bulkhead::audit::detail
