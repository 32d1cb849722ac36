// render_markdown(): the outline as GitHub-flavoured Markdown; the verdict is the first line.
#include "report/detail/outline.h"
#include "report/report.h"

namespace bulkhead::report {
namespace {

std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string render_markdown(const json::Value& document) {
  std::string out;
  bool first = true;
  for (const auto& b : detail::outline(document)) {
    using Kind = detail::Block::Kind;
    if (!first) out += "\n";
    switch (b.kind) {
      case Kind::heading:
        out.append(static_cast<std::size_t>(b.level), '#').append(" ").append(b.text).append("\n");
        break;
      case Kind::paragraph: out.append(b.text).append("\n"); break;
      case Kind::bullets:
        for (const auto& row : b.rows) out.append("- ").append(cell(row.front())).append("\n");
        break;
      case Kind::table: {
        out += "|";
        for (const auto& h : b.headers) out.append(" ").append(cell(h.empty() ? " " : h)).append(" |");
        out += "\n|";
        for (std::size_t i = 0; i < b.headers.size(); ++i) out += "---|";
        out += "\n";
        for (const auto& row : b.rows) {
          out += "|";
          for (const auto& c : row) out.append(" ").append(cell(c)).append(" |");
          out += "\n";
        }
        break;
      }
      case Kind::chart: out.pop_back(); break;  // charts are drawn in HTML; the tables carry the numbers
    }
    first = false;
  }
  return out;
}

}  // namespace bulkhead::report
