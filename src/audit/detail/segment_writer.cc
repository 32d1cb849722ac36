#include "audit/detail/segment_writer.h"

#include <fcntl.h>
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
  return SegmentWriter(fd, file, size);
}

core::Result<SegmentWriter> SegmentWriter::create(const std::filesystem::path& dir, std::uint64_t first_seq) {
  const std::filesystem::path file = dir / segment_file_name(first_seq);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create audit segment", file, errno);
  SegmentWriter writer(fd, file, 0);
  const std::vector<std::uint8_t> header = encode_segment_header(first_seq);
  if (auto ok = writer.append(header); !ok) return std::unexpected(ok.error());
  if (auto ok = writer.sync(); !ok) return std::unexpected(ok.error());
  if (auto ok = sync_directory(dir); !ok) return std::unexpected(ok.error());
  return writer;
}

SegmentWriter::SegmentWriter(SegmentWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), size_(other.size_) {}

SegmentWriter& SegmentWriter::operator=(SegmentWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    size_ = other.size_;
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

}  // namespace bulkhead::audit::detail
