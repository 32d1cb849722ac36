#include "upstream/detail/line_reader.h"

#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace bulkhead::upstream::test {
namespace {

// Writes `data` into a pipe from a thread and collects what LineReader yields.
std::vector<std::string> read_lines(const std::string& data, std::size_t limit, std::size_t* skipped = nullptr) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    std::size_t off = 0;
    while (off < data.size()) {
      // Small, uneven chunks exercise lines split across reads.
      std::size_t n = std::min<std::size_t>(data.size() - off, 7 + off % 13);
      ssize_t w = ::write(fds[1], data.data() + off, n);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
    }
    ::close(fds[1]);
  });
  asio::io_context io;
  asio::posix::stream_descriptor in(io, fds[0]);
  std::vector<std::string> lines;
  detail::LineReader reader(in, limit);
  run_test(io, [&]() -> asio::awaitable<void> {
    while (auto line = co_await reader.next_line()) lines.push_back(*line);
  });
  writer.join();
  if (skipped) *skipped = reader.skipped_lines();
  return lines;
}

TEST(LineReader, SplitsOnNewlinesAndDropsCarriageReturns) {
  auto lines = read_lines("a\r\nbb\n\nccc\nlast", 100);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "bb", "", "ccc", "last"}));
}

TEST(LineReader, SkipsOverlongLinesAndKeepsGoing) {
  std::string data = "ok1\n" + std::string(5000, 'x') + "\nok2\n" + std::string(300, 'y') + "\nok3\n";
  std::size_t skipped = 0;
  auto lines = read_lines(data, 100, &skipped);
  EXPECT_EQ(lines, (std::vector<std::string>{"ok1", "ok2", "ok3"}));
  EXPECT_EQ(skipped, 2u);
}

TEST(LineReader, LineOfExactlyTheLimitIsKept) {
  auto lines = read_lines(std::string(100, 'z') + "\n" + std::string(101, 'w') + "\nend\n", 100);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), 100u);
  EXPECT_EQ(lines[1], "end");
}

}  // namespace
}  // namespace bulkhead::upstream::test
