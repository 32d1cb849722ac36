// render_html(): one self-contained page — inline CSS and SVG, no script, no external resource — readable on screen
// and on paper. The verdict is on the first line (in the <title>) and at the top of the page.
#include <fmt/format.h>

#include "report/detail/charts.h"
#include "report/detail/outline.h"
#include "report/detail/text.h"
#include "report/report.h"

namespace bulkhead::report {
namespace {

using detail::html_escape;

constexpr std::string_view kStyle = R"(
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#1b1b1b;max-width:1100px;margin:24px auto;padding:0 16px;line-height:1.4}
h1{font-size:1.6em;border-bottom:3px solid #1b1b1b;padding-bottom:4px}
h2{font-size:1.3em;margin-top:1.8em;border-bottom:1px solid #999;page-break-after:avoid}
h3{font-size:1.1em;margin-top:1.3em;page-break-after:avoid}
h4{font-size:1em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em;page-break-inside:auto}
th,td{border:1px solid #bbb;padding:3px 7px;text-align:left;vertical-align:top;word-break:break-word}
th{background:#eee}
tr{page-break-inside:avoid}
p.verdict{font-weight:bold;padding:8px 12px;border-radius:4px}
.ok{background:#e8f5e9;color:#1b5e20}.warn{background:#fff8e1;color:#8d6e00}.bad{background:#ffebee;color:#b71c1c}
td.met{background:#e8f5e9;color:#1b5e20;font-weight:bold}td.gap{background:#ffebee;color:#b71c1c;font-weight:bold}
td.na{color:#555}
p.ok,p.warn,p.bad{padding:4px 8px}
svg.chart{display:block;margin:.6em 0;max-width:100%;height:auto;font-size:11px}
svg.chart text{fill:#1b1b1b}svg.chart text.t{font-weight:bold;font-size:12px}
footer{margin-top:3em;font-size:.8em;color:#555}
@media print{body{margin:0;max-width:none}a{color:inherit}h2{page-break-before:auto}}
)";

std::string cell_class(const std::string& text) {
  if (text == "met") return R"( class="met")";
  if (text == "gap") return R"( class="gap")";
  if (text == "not applicable") return R"( class="na")";
  return "";
}

}  // namespace

std::string render_html(const json::Value& document) {
  const std::string verdict = detail::str(document, "verdict");
  std::string out = fmt::format(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
      "<style>{}</style></head><body>\n",
      html_escape(verdict), kStyle);
  bool first = true;
  for (const auto& b : detail::outline(document)) {
    using Kind = detail::Block::Kind;
    switch (b.kind) {
      case Kind::heading:
        out += fmt::format("<h{0}>{1}</h{0}>\n", b.level, html_escape(b.text));
        break;
      case Kind::paragraph:
        out += fmt::format("<p class=\"{}{}\">{}</p>\n", first ? "verdict " : "", b.tone, html_escape(b.text));
        break;
      case Kind::bullets:
        out += "<ul>";
        for (const auto& row : b.rows) out += "<li>" + html_escape(row.front()) + "</li>";
        out += "</ul>\n";
        break;
      case Kind::table: {
        out += "<table>";
        bool has_header = false;
        for (const auto& h : b.headers) has_header = has_header || !h.empty();
        if (has_header) {
          out += "<thead><tr>";
          for (const auto& h : b.headers) out += "<th>" + html_escape(h) + "</th>";
          out += "</tr></thead>";
        }
        out += "<tbody>";
        for (const auto& row : b.rows) {
          out += "<tr>";
          for (std::size_t i = 0; i < row.size(); ++i) {
            const bool key = !has_header && i == 0;
            out += fmt::format("<{0}{1}>{2}</{0}>", key ? "th" : "td", cell_class(row[i]), html_escape(row[i]));
          }
          out += "</tr>";
        }
        out += "</tbody></table>\n";
        break;
      }
      case Kind::chart: out += detail::svg_chart(document, b.text) + "\n"; break;
    }
    first = false;
  }
  out += fmt::format("<footer>{} · format {} version {} · generated {}</footer>\n</body></html>\n",
                     "Bulkhead accountability report", html_escape(detail::str(document, "format")),
                     detail::num(document, "version"), html_escape(detail::str(document, "generated_at")));
  return out;
}

}  // namespace bulkhead::report
