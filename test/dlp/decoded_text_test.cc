#include "dlp/detail/decoded_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "json/json.h"

namespace bulkhead::dlp::detail {
namespace {

TEST(DecodedText, DecodesEscapesAndMarksKeys) {
  DecodedText d;
  ASSERT_TRUE(decode_strings(R"({"a\u0062":"x\"y\\z\u00e9\ud83d\ude00","n":12})", d));
  ASSERT_EQ(d.segments.size(), 3u);
  EXPECT_TRUE(d.segments[0].is_key);
  EXPECT_EQ(d.view(d.segments[0]), "ab");
  EXPECT_FALSE(d.segments[1].is_key);
  EXPECT_TRUE(d.segments[1].escaped);
  EXPECT_EQ(d.segments[1].key, 0u);
  EXPECT_EQ(d.view(d.segments[1]), "x\"y\\z\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(d.view(d.segments[2]), "n");
}

TEST(DecodedText, DecodesBase64BlobsAndData) {
  DecodedText d;
  // "secret globex-042 inside" in base64
  ASSERT_TRUE(decode_strings(R"({"blob":"c2VjcmV0IGdsb2JleC0wNDIgaW5zaWRl","data":"short"})", d));
  bool found = false;
  for (const auto& s : d.segments) {
    if (s.base64) {
      found = true;
      EXPECT_EQ(d.view(s), "secret globex-042 inside");
    }
  }
  EXPECT_TRUE(found);
}

TEST(DecodedText, RejectsMalformedStrings) {
  DecodedText d;
  EXPECT_FALSE(decode_strings(R"({"a":"unterminated)", d));
  EXPECT_FALSE(decode_strings(R"({"a":"bad \q escape"})", d));
  EXPECT_FALSE(decode_strings(R"({"a":"\u12"})", d));
  EXPECT_TRUE(decode_strings("[1,2,3]", d));
  EXPECT_TRUE(d.segments.empty());
}

TEST(DecodedText, SegmentAtFindsOffsets) {
  DecodedText d;
  ASSERT_TRUE(decode_strings(R"(["ab","cd"])", d));
  EXPECT_EQ(d.text, "ab\ncd\n");
  EXPECT_EQ(d.index_at(0), 0u);
  EXPECT_EQ(d.index_at(2), d.segments.size());  // separator
  EXPECT_EQ(d.index_at(4), 1u);
}

// The decoder copies 16-byte blocks and handles the first '"' or '\\' of each: every escape at every offset around
// a block boundary, at the very end of the document, and several in one block must decode as json::parse does.
TEST(DecodedText, EscapesAtEveryBlockOffsetMatchJsonParse) {
  const std::vector<std::string> escapes = {R"(\")", R"(\\)", R"(\/)", R"(\n)", R"(\t)", R"(\u0067)", R"(\u00e9)",
                                            R"(\ud83d\ude00)", R"(\"\")", R"(\\\")"};
  DecodedText d;
  for (const std::string& escape : escapes) {
    for (std::size_t before = 0; before < 40; ++before) {
      for (std::size_t after : {0u, 1u, 15u, 16u, 17u}) {
        const std::string value = std::string(before, 'a') + escape + std::string(after, 'b');
        for (const std::string& doc : {"\"" + value + "\"", "{\"k\":\"" + value + "\",\"z\":\"" + value + "\"}"}) {
          auto parsed = json::parse(doc);
          ASSERT_TRUE(parsed) << doc;
          ASSERT_TRUE(decode_strings(doc, d)) << doc;
          const std::string expected = parsed->is_string() ? parsed->as_string() : *parsed->find_string("k");
          ASSERT_FALSE(d.segments.empty());
          const Segment& first = d.segments[parsed->is_string() ? 0 : 1];
          EXPECT_EQ(d.view(first), expected) << doc;
          EXPECT_TRUE(first.escaped) << doc;
          EXPECT_EQ(d.text[first.end], kSeparator);
          if (!parsed->is_string()) {
            EXPECT_EQ(d.view(d.segments[3]), expected) << doc;
          }
        }
      }
    }
  }
}

TEST(DecodedText, PlainStringsAreNotMarkedEscaped) {
  DecodedText d;
  const std::string doc = "[\"" + std::string(100, 'x') + "\",\"\",\"short\"]";
  ASSERT_TRUE(decode_strings(doc, d));
  ASSERT_EQ(d.segments.size(), 3u);
  for (const Segment& s : d.segments) EXPECT_FALSE(s.escaped);
  EXPECT_EQ(d.text, std::string(100, 'x') + "\n\nshort\n");
}

TEST(DecodedText, TruncatedEscapesNearTheEndAreErrors) {
  DecodedText d;
  for (std::string_view doc : {R"("abc\)", R"("abcdefghijklmnopq\)", R"("abcdefghijklmnopq\u00)", R"("\u004)",
                               R"("abcdefghijklmnopqrstuvwxyz)", R"(["abcdefghijklmnopqrstuvwxyz\"])"}) {
    EXPECT_FALSE(decode_strings(doc, d)) << doc;
    EXPECT_TRUE(d.segments.empty());
  }
}

}  // namespace
}  // namespace bulkhead::dlp::detail
