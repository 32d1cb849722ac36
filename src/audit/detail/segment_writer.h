// The file of the current segment, owned by the writer thread (not thread-safe). Writes are
// positional (pwrite at the tracked end) and made durable with fdatasync; creating a segment also fsyncs the
// directory so the new name survives a crash. Every error is reported, never retried (a failed fsync leaves the
// page cache state unknown: the log goes unhealthy instead).
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>

#include "audit/detail/segment_preparer.h"
#include "core/core.h"

namespace bulkhead::audit::detail {

class SegmentWriter {
 public:
  // Opens an existing, already verified segment whose valid length is `size` for appending.
  [[nodiscard]] static core::Result<SegmentWriter> open_existing(const std::filesystem::path& file, std::uint64_t size);
  // Creates dir/segment-<first_seq>.log with its header, durably (file and directory synced).
  [[nodiscard]] static core::Result<SegmentWriter> create(const std::filesystem::path& dir, std::uint64_t first_seq);
  // Turns a prepared zero-filled file into dir/segment-<first_seq>.log: header written and flushed, then renamed
  // and the directory synced (a crash leaves either the .tmp file or a valid segment with an all-zero tail).
  [[nodiscard]] static core::Result<SegmentWriter> adopt(const std::filesystem::path& dir, std::uint64_t first_seq,
                                                         PreparedFile prepared);

  SegmentWriter(SegmentWriter&& other) noexcept;
  SegmentWriter& operator=(SegmentWriter&& other) noexcept;
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;
  ~SegmentWriter();

  [[nodiscard]] core::Result<void> append(std::span<const std::uint8_t> bytes);
  [[nodiscard]] core::Result<void> sync();
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  // Bytes of the file (>= size): size..capacity is the zero-filled preallocated tail writes overwrite in place.
  [[nodiscard]] std::uint64_t capacity() const noexcept { return std::max(size_, capacity_); }

 private:
  SegmentWriter(int fd, std::filesystem::path path, std::uint64_t size, std::uint64_t capacity)
      : fd_(fd), path_(std::move(path)), size_(size), capacity_(capacity) {}
  int fd_ = -1;
  std::filesystem::path path_;
  std::uint64_t size_ = 0;
  std::uint64_t capacity_ = 0;
};

[[nodiscard]] core::Result<void> sync_directory(const std::filesystem::path& dir);
[[nodiscard]] core::Result<void> truncate_file(const std::filesystem::path& file, std::uint64_t size);
// Overwrites [from, to) with zero bytes and fsyncs (recovery's cut inside a preallocated segment).
[[nodiscard]] core::Result<void> zero_file_range(const std::filesystem::path& file, std::uint64_t from, std::uint64_t to);

}  // namespace bulkhead::audit::detail
