// LineReader: newline-delimited reading from a pipe (the stdio transport's framing). A line longer than the
// limit is skipped up to its newline and counted, never buffered without bound.
// Thread-safety: one coroutine at a time. Lifetime: must not outlive the descriptor.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace bulkhead::upstream::detail {

namespace asio = boost::asio;

class LineReader {
 public:
  LineReader(asio::posix::stream_descriptor& descriptor, std::size_t max_line_bytes)
      : descriptor_(descriptor), max_line_bytes_(max_line_bytes) {}

  // The next line without its "\n" (a trailing "\r" is dropped too). At end of input a final unterminated
  // line is returned; then nullopt (EOF, read error or cancellation).
  asio::awaitable<std::optional<std::string>> next_line();
  [[nodiscard]] std::size_t skipped_lines() const noexcept { return skipped_; }

 private:
  std::optional<std::string> take_line();

  asio::posix::stream_descriptor& descriptor_;
  std::size_t max_line_bytes_;
  static constexpr std::size_t kReadChunk = 1u << 16;
  // Reads land here and only the bytes read are appended to buffer_ (growing buffer_ by a whole chunk per
  // read would zero-fill 64 KiB for every small message).
  std::unique_ptr<char[]> scratch_ = std::make_unique_for_overwrite<char[]>(kReadChunk);
  std::string buffer_;
  std::size_t begin_ = 0;    // start of the unread part of buffer_
  std::size_t scanned_ = 0;  // bytes from begin_ known to hold no newline
  bool discarding_ = false;  // inside an over-long line
  bool eof_ = false;
  std::size_t skipped_ = 0;
};

}  // namespace bulkhead::upstream::detail
