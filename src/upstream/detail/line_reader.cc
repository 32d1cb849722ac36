#include "upstream/detail/line_reader.h"

#include <cstring>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bulkhead::upstream::detail {

std::optional<std::string> LineReader::take_line() {
  while (true) {
    const char* start = buffer_.data() + begin_ + scanned_;
    std::size_t avail = buffer_.size() - begin_ - scanned_;
    const void* nl = avail ? std::memchr(start, '\n', avail) : nullptr;
    if (nl == nullptr) {
      scanned_ = buffer_.size() - begin_;
      if (discarding_ || scanned_ > max_line_bytes_) {
        if (!discarding_) ++skipped_;
        discarding_ = true;
        buffer_.clear();
        begin_ = scanned_ = 0;
      }
      return std::nullopt;
    }
    std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - buffer_.data());
    std::size_t length = end - begin_;
    bool skip = discarding_ || length > max_line_bytes_;
    if (!discarding_ && length > max_line_bytes_) ++skipped_;
    std::optional<std::string> line;
    if (!skip) {
      if (length > 0 && buffer_[end - 1] == '\r') --length;
      line.emplace(buffer_, begin_, length);
    }
    discarding_ = false;
    begin_ = end + 1;
    scanned_ = 0;
    if (begin_ == buffer_.size()) {
      buffer_.clear();
      begin_ = 0;
    } else if (begin_ > (1u << 16) && begin_ * 2 > buffer_.size()) {
      buffer_.erase(0, begin_);
      begin_ = 0;
    }
    if (line) return line;
  }
}

asio::awaitable<std::optional<std::string>> LineReader::next_line() {
  while (true) {
    if (auto line = take_line()) co_return line;
    if (eof_) {
      if (!discarding_ && begin_ < buffer_.size()) {
        std::string rest(buffer_, begin_);
        buffer_.clear();
        begin_ = scanned_ = 0;
        co_return rest;
      }
      co_return std::nullopt;
    }
    boost::system::error_code ec;
    const std::size_t n = co_await descriptor_.async_read_some(asio::buffer(scratch_.get(), kReadChunk),
                                                               asio::redirect_error(asio::use_awaitable, ec));
    buffer_.append(scratch_.get(), n);
    if (ec) eof_ = true;
  }
}

}  // namespace bulkhead::upstream::detail
