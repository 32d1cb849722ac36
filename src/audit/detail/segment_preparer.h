// Prepares preallocated segment files ahead of the writer (docs/audit.md "Preallocated segments"): a background
// thread writes a zero-filled file `preallocated-<n>.tmp` in the audit dir and makes it durable, so the writer's
// batches later overwrite blocks that are already allocated and written — an fdatasync then has no metadata to
// commit (no journal transaction), about half the cost of an append here. Sizes double from `first_bytes` up to
// `max_bytes`, so a short-lived log (a test, a CLI run) writes little. Failures (full disk) only stop preparing:
// the writer falls back to plain appending segments. Thread-safe: take() is called by the writer thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

namespace bulkhead::audit::detail {

// An open, zero-filled, fsync'ed file of `bytes` bytes. Owns the descriptor (closed and the file removed unless
// released).
class PreparedFile {
 public:
  PreparedFile(int fd, std::filesystem::path path, std::uint64_t bytes) : fd_(fd), path_(std::move(path)), bytes_(bytes) {}
  PreparedFile(PreparedFile&& other) noexcept;
  PreparedFile& operator=(PreparedFile&& other) noexcept;
  PreparedFile(const PreparedFile&) = delete;
  PreparedFile& operator=(const PreparedFile&) = delete;
  ~PreparedFile();

  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::uint64_t bytes() const noexcept { return bytes_; }
  int release() noexcept;  // the caller now owns the descriptor and the file

 private:
  void discard() noexcept;
  int fd_ = -1;
  std::filesystem::path path_;
  std::uint64_t bytes_ = 0;
};

class SegmentPreparer {
 public:
  SegmentPreparer(std::filesystem::path dir, std::uint64_t first_bytes, std::uint64_t max_bytes);
  ~SegmentPreparer();
  SegmentPreparer(const SegmentPreparer&) = delete;
  SegmentPreparer& operator=(const SegmentPreparer&) = delete;

  // The prepared file when one is ready (and starts preparing the next); never blocks on I/O.
  [[nodiscard]] std::optional<PreparedFile> take();

 private:
  void run();

  const std::filesystem::path dir_;
  const std::uint64_t max_bytes_;
  std::uint64_t next_bytes_;      // guarded by mutex_
  std::uint64_t counter_ = 0;     // preparer thread only
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<PreparedFile> ready_;  // guarded by mutex_
  bool stopping_ = false;              // guarded by mutex_
  std::atomic<bool> stop_{false};      // the same, read while writing zeros (stop promptly at close)
  std::thread thread_;
};

// Removes leftover preallocated-*.tmp files (a crash while preparing); they are never part of the log.
void remove_prepared_files(const std::filesystem::path& dir);

}  // namespace bulkhead::audit::detail
