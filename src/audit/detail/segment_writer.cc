#include "audit/detail/segment_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "audit/detail/format.h"

namespace bulkhead::audit::detail {
namespace {

std::unexpected<core::Error> io_error(std::string_view what, const std::filesystem::path& path, int error) {
  return core::fail(core::Reason::audit_unavailable,
                    std::string(what) + " " + path.string() + ": " + std::strerror(error));
}

}  // namespace

core::Result<SegmentWriter> SegmentWriter::open_existing(const std::filesystem::path& file, std::uint64_t size) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open audit segment", file, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return io_error("cannot stat audit segment", file, error);
  }
  // A v2 segment's zero tail (recovery checked it is all zero) is overwritten in place.
  return SegmentWriter(fd, file, size, static_cast<std::uint64_t>(st.st_size));
}

core::Result<SegmentWriter> SegmentWriter::adopt(const std::filesystem::path& dir, std::uint64_t first_seq,
                                                 PreparedFile prepared) {
  const std::filesystem::path file = dir / segment_file_name(first_seq);
  const std::filesystem::path temporary = prepared.path();
  const std::uint64_t capacity = prepared.bytes();
  SegmentWriter writer(prepared.release(), temporary, 0, capacity);
  const std::vector<std::uint8_t> header = encode_segment_header(first_seq);
  if (auto ok = writer.append(header); !ok) return std::unexpected(ok.error());
  if (auto ok = writer.sync(); !ok) return std::unexpected(ok.error());
  if (::rename(temporary.c_str(), file.c_str()) != 0) return io_error("cannot rename", temporary, errno);
  writer.path_ = file;
  if (auto ok = sync_directory(dir); !ok) return std::unexpected(ok.error());
  return writer;
}

core::Result<SegmentWriter> SegmentWriter::create(const std::filesystem::path& dir, std::uint64_t first_seq) {
  const std::filesystem::path file = dir / segment_file_name(first_seq);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create audit segment", file, errno);
  SegmentWriter writer(fd, file, 0, 0);
  const std::vector<std::uint8_t> header = encode_segment_header(first_seq);
  if (auto ok = writer.append(header); !ok) return std::unexpected(ok.error());
  if (auto ok = writer.sync(); !ok) return std::unexpected(ok.error());
  if (auto ok = sync_directory(dir); !ok) return std::unexpected(ok.error());
  return writer;
}

SegmentWriter::SegmentWriter(SegmentWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), size_(other.size_), capacity_(other.capacity_) {}

SegmentWriter& SegmentWriter::operator=(SegmentWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    size_ = other.size_;
    capacity_ = other.capacity_;
  }
  return *this;
}

SegmentWriter::~SegmentWriter() {
  if (fd_ >= 0) ::close(fd_);
}

core::Result<void> SegmentWriter::append(std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(size_ + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write audit segment", path_, errno);
    }
    if (n == 0) return io_error("cannot write audit segment", path_, ENOSPC);
    done += static_cast<std::size_t>(n);
  }
  size_ += bytes.size();
  return {};
}

core::Result<void> SegmentWriter::sync() {
  if (::fdatasync(fd_) != 0) return io_error("cannot fdatasync audit segment", path_, errno);
  return {};
}

core::Result<void> sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open audit dir", dir, errno);
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync audit dir", dir, error);
  return {};
}

core::Result<void> truncate_file(const std::filesystem::path& file, std::uint64_t size) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", file, errno);
  const bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0 && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) return io_error("cannot truncate", file, error);
  return {};
}

core::Result<void> zero_file_range(const std::filesystem::path& file, std::uint64_t from, std::uint64_t to) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", file, errno);
  const std::vector<std::uint8_t> zeros(static_cast<std::size_t>(std::min<std::uint64_t>(to - from, 1u << 20)), 0);
  bool ok = true;
  for (std::uint64_t at = from; ok && at < to;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), to - at));
    const ssize_t written = ::pwrite(fd, zeros.data(), n, static_cast<off_t>(at));
    if (written < 0 && errno == EINTR) continue;
    ok = written > 0;
    if (ok) at += static_cast<std::uint64_t>(written);
  }
  ok = ok && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) return io_error("cannot zero", file, error);
  return {};
}

}  // namespace bulkhead::audit::detail
