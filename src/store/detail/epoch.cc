#include "store/detail/epoch.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace bulkhead::store::detail {

core::Result<EpochFile> EpochFile::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return core::fail(core::Reason::internal_error,
                      fmt::format("store: cannot open {}: {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_size < 8 && ::ftruncate(fd, 8) != 0)) {
    ::close(fd);
    return core::fail(core::Reason::internal_error, fmt::format("store: cannot size {}", path.string()));
  }
  void* mapped = ::mmap(nullptr, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (mapped == MAP_FAILED) {
    return core::fail(core::Reason::internal_error,
                      fmt::format("store: cannot map {}: {}", path.string(), std::strerror(errno)));
  }
  EpochFile epoch;
  epoch.counter_ = static_cast<std::uint64_t*>(mapped);
  return epoch;
}

EpochFile::EpochFile(EpochFile&& other) noexcept : counter_(other.counter_) { other.counter_ = nullptr; }

EpochFile& EpochFile::operator=(EpochFile&& other) noexcept {
  if (this != &other) {
    if (counter_ != nullptr) ::munmap(counter_, 8);
    counter_ = other.counter_;
    other.counter_ = nullptr;
  }
  return *this;
}

EpochFile::~EpochFile() {
  if (counter_ != nullptr) ::munmap(counter_, 8);
}

std::uint64_t EpochFile::load() const noexcept {
  return counter_ == nullptr ? 0 : std::atomic_ref<std::uint64_t>(*counter_).load(std::memory_order_acquire);
}

void EpochFile::bump() noexcept {
  if (counter_ != nullptr) std::atomic_ref<std::uint64_t>(*counter_).fetch_add(1, std::memory_order_release);
}

}  // namespace bulkhead::store::detail
