// The report document laid out for people: headings, paragraphs, tables, lists and chart slots, in reading order.
// Markdown and HTML render the same outline, so both say the same thing. Pure function of the document.
#pragma once

#include <string>
#include <vector>

#include "json/json.h"

namespace bulkhead::report::detail {

struct Block {
  enum class Kind { heading, paragraph, table, bullets, chart };
  Kind kind = Kind::paragraph;
  int level = 2;                                  // heading level
  std::string text;                               // heading / paragraph text; chart: which chart
  std::vector<std::string> headers;               // table
  std::vector<std::vector<std::string>> rows;     // table rows, bullets (one cell each)
  std::string tone;                               // "ok" | "warn" | "bad" | "" (HTML colour of a paragraph)
};

[[nodiscard]] std::vector<Block> outline(const json::Value& document);

}  // namespace bulkhead::report::detail
