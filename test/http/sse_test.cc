// SseParser (WHATWG event stream rules) and format_sse.
#include <gtest/gtest.h>

#include "http/http.h"

namespace bulkhead::http {
namespace {

std::vector<SseEvent> parse_all(std::string_view text) {
  SseParser parser;
  std::vector<SseEvent> out;
  parser.feed(text, out);
  return out;
}

// Feeds `text` split at every possible pair of positions; every split must give the same events.
void expect_split_invariant(std::string_view text) {
  const auto whole = parse_all(text);
  for (std::size_t i = 0; i <= text.size(); ++i) {
    for (std::size_t j = i; j <= text.size(); ++j) {
      SseParser parser;
      std::vector<SseEvent> out;
      parser.feed(text.substr(0, i), out);
      parser.feed(text.substr(i, j - i), out);
      parser.feed(text.substr(j), out);
      ASSERT_EQ(out.size(), whole.size()) << "split at " << i << "," << j;
      for (std::size_t k = 0; k < out.size(); ++k) {
        EXPECT_EQ(out[k].data, whole[k].data) << "split at " << i << "," << j;
        EXPECT_EQ(out[k].id, whole[k].id);
        EXPECT_EQ(out[k].event, whole[k].event);
        EXPECT_EQ(out[k].retry_ms, whole[k].retry_ms);
      }
    }
  }
}

TEST(SseParser, SingleEvent) {
  const auto events = parse_all("data: hello\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "hello");
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[0].id, "");
  EXPECT_FALSE(events[0].retry_ms);
}

TEST(SseParser, MultiLineDataJoinedWithNewline) {
  const auto events = parse_all("data: a\ndata: b\ndata:c\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb\nc");
}

TEST(SseParser, AllLineEndings) {
  for (std::string_view text : {"id: 1\r\nevent: e\r\ndata: x\r\n\r\n", "id: 1\revent: e\rdata: x\r\r",
                                "id: 1\nevent: e\ndata: x\n\n", "id: 1\r\nevent: e\rdata: x\n\r\n"}) {
    const auto events = parse_all(text);
    ASSERT_EQ(events.size(), 1u) << text;
    EXPECT_EQ(events[0].id, "1");
    EXPECT_EQ(events[0].event, "e");
    EXPECT_EQ(events[0].data, "x");
  }
}

TEST(SseParser, CrAtChunkEndFollowedByLfCountsOnce) {
  SseParser parser;
  std::vector<SseEvent> out;
  parser.feed("data: a\r", out);
  parser.feed("\ndata: b\r", out);
  parser.feed("\n\r", out);
  ASSERT_EQ(out.size(), 1u) << "the blank line (lone CR) dispatches immediately";
  EXPECT_EQ(out[0].data, "a\nb");
  parser.feed("\ndata: c\n\n", out);  // the LF completes the CRLF, it is not a second blank line
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].data, "c");
}

TEST(SseParser, CommentsAndUnknownFieldsIgnored) {
  const auto events = parse_all(": keep-alive\nfoo: bar\ndata: x\n:another\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
}

TEST(SseParser, NoDataNoEvent) {
  const auto events = parse_all("event: ping\n\n: comment only\n\nid: 7\n\ndata: after\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "after");
  EXPECT_EQ(events[0].event, "") << "event type resets at every blank line";
  EXPECT_EQ(events[0].id, "7") << "the last event id persists";
}

TEST(SseParser, EmptyDataFieldDispatches) {
  // The MCP priming event: an id with empty data.
  const auto events = parse_all("id: 42\ndata:\n\ndata\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, "42");
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[1].data, "") << "a field name without colon has an empty value";
}

TEST(SseParser, OnlyOneLeadingSpaceStripped) {
  const auto events = parse_all("data:  two spaces\ndata:none\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, " two spaces\nnone");
}

TEST(SseParser, IdPersistsAndIdWithNulIgnored) {
  const auto events = parse_all(std::string("id: a\ndata: 1\n\ndata: 2\n\nid: b\0c\ndata: 3\n\nid\ndata: 4\n\n", 53));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].id, "a");
  EXPECT_EQ(events[1].id, "a");
  EXPECT_EQ(events[2].id, "a");
  EXPECT_EQ(events[3].id, "") << "an empty id field resets the last event id";
}

TEST(SseParser, Retry) {
  const auto events = parse_all("retry: 1500\ndata: a\n\nretry: 12x\ndata: b\n\nretry: 99999999999\ndata: c\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].retry_ms, 1500);
  EXPECT_FALSE(events[1].retry_ms);
  EXPECT_FALSE(events[2].retry_ms) << "overflow is ignored";
}

TEST(SseParser, EventTypeAndBom) {
  const auto events = parse_all("\xEF\xBB\xBF" "event: update\ndata: {\"x\":1}\n\ndata: y\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "update");
  EXPECT_EQ(events[0].data, "{\"x\":1}");
  EXPECT_EQ(events[1].event, "");
}

TEST(SseParser, BomSplitAcrossFeeds) {
  SseParser parser;
  std::vector<SseEvent> out;
  parser.feed("\xEF", out);
  parser.feed("\xBB", out);
  parser.feed("\xBF" "data: z\n\n", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "z");
}

TEST(SseParser, IncompleteEventNotDispatched) {
  SseParser parser;
  std::vector<SseEvent> out;
  parser.feed("data: partial\n", out);
  EXPECT_TRUE(out.empty());
  parser.feed("\n", out);
  EXPECT_EQ(out.size(), 1u);
}

TEST(SseParser, SplitAnywhereGivesSameEvents) {
  expect_split_invariant("id: 1\r\nevent: message\r\ndata: {\"jsonrpc\":\"2.0\"}\r\n\r\n: c\rdata: a\rdata: b\r\rretry: 5\ndata: q\n\n");
}

TEST(SseParser, ByteAtATime) {
  const std::string text = "data: one\n\ndata: two\r\ndata: lines\r\n\r\n";
  SseParser parser;
  std::vector<SseEvent> out;
  for (char c : text) parser.feed(std::string_view(&c, 1), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, "one");
  EXPECT_EQ(out[1].data, "two\nlines");
}

// Line ends are found 16 bytes at a time: put them at every offset around the block boundaries.
TEST(SseParser, LineEndsAtEveryOffset) {
  for (std::size_t len = 0; len <= 48; ++len) {
    for (std::string_view eol : {"\n", "\r", "\r\n"}) {
      const std::string value(len, 'x');
      const std::string text = "data: " + value + std::string(eol) + "data:" + value + "y" + std::string(eol) +
                               std::string(eol);
      const auto events = parse_all(text);
      ASSERT_EQ(events.size(), 1u) << len;
      EXPECT_EQ(events[0].data, value + "\n" + value + "y") << len;
      SseEvent ev;
      ev.data = value + std::string(eol) + value;
      EXPECT_EQ(format_sse(ev), "data: " + value + "\ndata: " + value + "\n\n") << len;
    }
  }
}

TEST(FormatSse, WireForm) {
  SseEvent ev;
  ev.id = "5";
  ev.event = "message";
  ev.data = "line1\nline2";
  ev.retry_ms = 100;
  EXPECT_EQ(format_sse(ev), "id: 5\nevent: message\nretry: 100\ndata: line1\ndata: line2\n\n");
  EXPECT_EQ(format_sse(SseEvent{}), "data: \n\n");
}

TEST(FormatSse, SanitizesSingleLineFields) {
  SseEvent ev;
  ev.id = "a\nb";
  ev.event = "x\r\ndata: injected";
  ev.data = "d";
  const auto events = parse_all(format_sse(ev));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "ab");
  EXPECT_EQ(events[0].event, "xdata: injected");
  EXPECT_EQ(events[0].data, "d");
}

TEST(FormatSse, RoundTrip) {
  for (std::string data : {"", "x", "a\nb", "a\r\nb\rc", " lead", "trail\n", "\n\n", "{\"k\":\"v\"}"}) {
    SseEvent ev;
    ev.id = "id-1";
    ev.data = data;
    const auto events = parse_all(format_sse(ev));
    ASSERT_EQ(events.size(), 1u) << data;
    // CRLF and CR become LF on the wire.
    std::string normalized;
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (data[i] == '\r') {
        normalized.push_back('\n');
        if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
      } else {
        normalized.push_back(data[i]);
      }
    }
    EXPECT_EQ(events[0].data, normalized);
    EXPECT_EQ(events[0].id, "id-1");
  }
}

}  // namespace
}  // namespace bulkhead::http
