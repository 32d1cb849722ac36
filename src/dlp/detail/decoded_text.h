// The decoded string values of a JSON document, laid end to end so one Hyperscan pass covers them all. Each
// string (keys too) is decoded (\" \\ \uXXXX …) and followed by a separator; a base64 `blob`/`data` value is
// decoded once more into a segment of its own. Segments remember where the string was in the document, so a
// match can be masked by rewriting just that string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bulkhead::dlp::detail {

inline constexpr char kSeparator = '\n';
inline constexpr std::uint32_t kNoKey = 0xffffffffu;

struct Segment {
  std::size_t raw_begin = 0;  // offset of the opening quote in the document
  std::size_t raw_end = 0;    // offset after the closing quote
  std::size_t begin = 0;      // [begin, end) in DecodedText::text
  std::size_t end = 0;
  std::uint32_t key = kNoKey;  // value strings: index of the segment holding their field name
  bool escaped = false;        // the raw string had escapes (decoded text differs from the raw bytes)
  bool is_key = false;
  bool base64 = false;         // decoded base64 of the string value just before it
};

struct DecodedText {
  std::string text;
  std::vector<Segment> segments;  // ascending by begin
  void clear() {
    text.clear();
    segments.clear();
  }
  [[nodiscard]] std::string_view view(const Segment& s) const { return std::string_view(text).substr(s.begin, s.end - s.begin); }
  // The segment holding decoded offset `offset` (< text.size()), or nullptr when it is a separator.
  [[nodiscard]] const Segment* segment_at(std::size_t offset) const;
  [[nodiscard]] std::size_t index_at(std::size_t offset) const;  // segments.size() when none
};

// Fills `out` from `json`. False when the text is not well-formed enough to find its strings (unterminated
// string, bad escape, invalid \u surrogate): the caller must not pass it on unchecked.
[[nodiscard]] bool decode_strings(std::string_view json, DecodedText& out);

}  // namespace bulkhead::dlp::detail
