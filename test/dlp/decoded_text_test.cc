#include "dlp/detail/decoded_text.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace bulkhead::dlp::detail
