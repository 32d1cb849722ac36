#include "report/detail/charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "report/detail/text.h"

namespace bulkhead::report::detail {
namespace {

constexpr std::string_view kAllow = "#2e7d32";
constexpr std::string_view kDeny = "#c62828";

struct Bar {
  std::string label;
  std::uint64_t allow = 0;
  std::uint64_t deny = 0;
};

std::string legend(int x, int y) {
  return fmt::format(
      R"(<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}">allowed</text>)"
      R"(<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}">refused</text>)",
      x, y, kAllow, x + 14, y + 9, x + 80, y, kDeny, x + 94, y + 9);
}

// Vertical stacked bars over time.
std::string timeline(const json::Value& over_time) {
  const auto& buckets = list(over_time, "buckets");
  if (buckets.empty()) return "<p>No decision in the period.</p>";
  const int width = 720;
  const int height = 220;
  const int left = 48;
  const int bottom = 40;
  const int plot_w = width - left - 10;
  const int plot_h = height - bottom - 30;
  std::uint64_t peak = 1;
  for (const auto& b : buckets) peak = std::max<std::uint64_t>(peak, num(b, "allow") + num(b, "deny"));
  const double slot = static_cast<double>(plot_w) / static_cast<double>(buckets.size());
  std::string svg = fmt::format(
      R"(<svg class="chart" role="img" aria-label="Decisions over time" viewBox="0 0 {} {}" width="{}" height="{}" xmlns="http://www.w3.org/2000/svg">)",
      width, height, width, height);
  svg += fmt::format(R"(<text x="{}" y="14" class="t">Decisions over time (per {} s)</text>)", left,
                     num(over_time, "bucket_seconds"));
  svg += legend(width - 190, 4);
  svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#555"/>)", left, 30 + plot_h, left + plot_w,
                     30 + plot_h);
  svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text><text x="{}" y="{}" text-anchor="end">0</text>)",
                     left - 4, 38, peak, left - 4, 30 + plot_h);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const auto allow = static_cast<std::uint64_t>(num(buckets[i], "allow"));
    const auto deny = static_cast<std::uint64_t>(num(buckets[i], "deny"));
    const double x = left + slot * static_cast<double>(i) + 1;
    const double w = std::max(1.0, slot - 2);
    const double ha = plot_h * static_cast<double>(allow) / static_cast<double>(peak);
    const double hd = plot_h * static_cast<double>(deny) / static_cast<double>(peak);
    const double base = 30 + plot_h;
    svg += fmt::format(R"(<g><title>{}: {} allowed, {} refused</title>)", str(buckets[i], "start"), allow, deny);
    svg += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>)", x, base - ha, w, ha,
                       kAllow);
    svg += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/></g>)", x,
                       base - ha - hd, w, hd, kDeny);
  }
  svg += fmt::format(R"(<text x="{}" y="{}">{}</text>)", left, height - 22, html_escape(str(buckets.front(), "start")));
  svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", left + plot_w, height - 8,
                     html_escape(str(buckets.back(), "start")));
  svg += "</svg>";
  return svg;
}

// Horizontal bars (allow and deny side by side, or deny only).
std::string horizontal(std::string_view title, const std::vector<Bar>& bars, bool with_allow) {
  if (bars.empty()) return fmt::format("<p>{}: none in the period.</p>", html_escape(title));
  const int width = 720;
  const int row = 22;
  const int label_w = 220;
  const int height = 34 + row * static_cast<int>(bars.size()) + 6;
  std::uint64_t peak = 1;
  for (const auto& b : bars) peak = std::max(peak, with_allow ? std::max(b.allow, b.deny) : b.deny);
  const double scale = static_cast<double>(width - label_w - 70) / static_cast<double>(peak);
  std::string svg = fmt::format(
      R"(<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" xmlns="http://www.w3.org/2000/svg">)",
      html_escape(title), width, height, width, height);
  svg += fmt::format(R"(<text x="0" y="14" class="t">{}</text>)", html_escape(title));
  if (with_allow) svg += legend(width - 190, 4);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const int y = 30 + row * static_cast<int>(i);
    const Bar& b = bars[i];
    std::string label = b.label.size() > 34 ? b.label.substr(0, 33) + "…" : b.label;
    svg += fmt::format(R"(<g><title>{}: {} allowed, {} refused</title>)", html_escape(b.label), b.allow, b.deny);
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", label_w - 6, y + 13, html_escape(label));
    if (with_allow) {
      const double wa = scale * static_cast<double>(b.allow);
      const double wd = scale * static_cast<double>(b.deny);
      svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.1f}" height="8" fill="{}"/>)", label_w, y + 2, wa, kAllow);
      svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.1f}" height="8" fill="{}"/>)", label_w, y + 10, wd, kDeny);
      svg += fmt::format(R"(<text x="{:.1f}" y="{}">{} / {}</text>)", label_w + std::max(wa, wd) + 6, y + 14, b.allow,
                         b.deny);
    } else {
      const double wd = scale * static_cast<double>(b.deny);
      svg += fmt::format(R"(<rect x="{}" y="{}" width="{:.1f}" height="14" fill="{}"/>)", label_w, y + 2, wd, kDeny);
      svg += fmt::format(R"(<text x="{:.1f}" y="{}">{}</text>)", label_w + wd + 6, y + 14, b.deny);
    }
    svg += "</g>";
  }
  svg += "</svg>";
  return svg;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_chart(const json::Value& document, std::string_view which) {
  const json::Value& decisions = member(member(document, "scope_enforcement"), "decisions");
  if (which == "decisions_over_time") return timeline(member(decisions, "over_time"));
  std::vector<Bar> bars;
  if (which == "denials_by_reason") {
    for (const auto& r : list(decisions, "deny_by_reason")) {
      if (bars.size() >= 15) break;
      bars.push_back({str(r, "reason"), 0, static_cast<std::uint64_t>(num(r, "count"))});
    }
    return horizontal("Refusals by reason", bars, false);
  }
  for (const auto& t : list(decisions, "by_tenant")) {
    if (bars.size() >= 15) break;
    bars.push_back({str(t, "tenant"), static_cast<std::uint64_t>(num(t, "allow")), static_cast<std::uint64_t>(num(t, "deny"))});
  }
  return horizontal("Decisions per tenant (allowed / refused)", bars, true);
}

}  // namespace bulkhead::report::detail
