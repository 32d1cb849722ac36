#include "audit/detail/segment_preparer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "audit/detail/format.h"

namespace bulkhead::audit::detail {
namespace {

// Small enough that the zeros queued in front of one of the log's flushes cost little (41.6 KB overwrite +
// fdatasync p50 with a zero-writer beside it, 2026-12-03: 1 MiB chunks 464-595 us, 256 KiB 187-237 us, 128 KiB
// 187-203 us, 64 KiB 157-222 us), large enough to write ~0.5 GB/s of zeros (several times the log's fill rate).
constexpr std::size_t kChunkBytes = 128u << 10;

// Writes `bytes` zero bytes to a new file and makes them durable; nullopt on any error (the file is removed).
std::optional<PreparedFile> prepare_file(const std::filesystem::path& path, std::uint64_t bytes,
                                         const std::vector<std::uint8_t>& zeros, const std::atomic<bool>& stop) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::nullopt;
  PreparedFile file(fd, path, bytes);  // removes the file on every early return
  std::uint64_t done = 0;
  while (done < bytes) {
    if (stop.load(std::memory_order_relaxed)) return std::nullopt;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), bytes - done));
    const ssize_t written = ::pwrite(fd, zeros.data(), n, static_cast<off_t>(done));
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return std::nullopt;
    // Write back chunk by chunk (and wait), so the device queue never holds more than one chunk of ours in front
    // of the writer's flushes, and the final fdatasync has little left to do.
    if (::sync_file_range(fd, static_cast<off_t>(done), written,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
      return std::nullopt;
    }
    done += static_cast<std::uint64_t>(written);
  }
  if (::fdatasync(fd) != 0) return std::nullopt;
  return file;
}

}  // namespace

PreparedFile::PreparedFile(PreparedFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), bytes_(other.bytes_) {}

PreparedFile& PreparedFile::operator=(PreparedFile&& other) noexcept {
  if (this != &other) {
    discard();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    bytes_ = other.bytes_;
  }
  return *this;
}

PreparedFile::~PreparedFile() { discard(); }

void PreparedFile::discard() noexcept {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

int PreparedFile::release() noexcept { return std::exchange(fd_, -1); }

SegmentPreparer::SegmentPreparer(std::filesystem::path dir, std::uint64_t first_bytes, std::uint64_t max_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes), next_bytes_(std::min(first_bytes, max_bytes)) {
  thread_ = std::thread([this] { run(); });
}

SegmentPreparer::~SegmentPreparer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.store(true);
  cv_.notify_one();
  thread_.join();
  ready_.reset();  // an unused prepared file is removed
}

std::optional<PreparedFile> SegmentPreparer::take() {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !ready_) return std::nullopt;
  std::optional<PreparedFile> out = std::move(ready_);
  ready_.reset();
  lock.unlock();
  cv_.notify_one();
  return out;
}

void SegmentPreparer::run() {
  // Background work: yield the CPU to the gateway and the writer (this thread only; Linux thread nice value).
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 19);
  const std::vector<std::uint8_t> zeros(kChunkBytes, 0);
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !ready_; });
    if (stopping_) return;
    const std::uint64_t bytes = next_bytes_;
    lock.unlock();
    const std::filesystem::path path =
        dir_ / (std::string(kPreparedPrefix) + std::to_string(counter_++) + std::string(kPreparedSuffix));
    std::optional<PreparedFile> file = prepare_file(path, bytes, zeros, stop_);
    lock.lock();
    if (!file) return;  // full disk or I/O error: stop preparing (the writer appends plain segments)
    ready_ = std::move(file);
    next_bytes_ = std::min(max_bytes_, next_bytes_ * 2);
  }
}

void remove_prepared_files(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return;
  std::vector<std::filesystem::path> stale;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kPreparedPrefix) && name.ends_with(kPreparedSuffix)) stale.push_back(entry.path());
  }
  for (const auto& path : stale) std::filesystem::remove(path, ec);
}

}  // namespace bulkhead::audit::detail
