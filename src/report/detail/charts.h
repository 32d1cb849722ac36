// Inline SVG charts of the report (decisions over time, denials by reason, decisions per tenant): static markup
// with text labels and <title> tooltips, no script. Pure functions of the document.
#pragma once

#include <string>
#include <string_view>

#include "json/json.h"

namespace bulkhead::report::detail {

[[nodiscard]] std::string svg_chart(const json::Value& document, std::string_view which);
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace bulkhead::report::detail
