// Calendar dates of the register (review_by, approved_on): UTC days since 1970-01-01, via std::chrono's calendar.
#include <charconv>

#include <fmt/format.h>

#include "register/register.h"

namespace bulkhead::registry {

std::optional<Date> parse_date(std::string_view text) {
  // Exactly YYYY-MM-DD.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  auto number = [&](std::string_view part, auto& out) {
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && ptr == part.data() + part.size();
  };
  if (!number(text.substr(0, 4), y) || !number(text.substr(5, 2), m) || !number(text.substr(8, 2), d)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok() || y < 1970 || y > 9999) return std::nullopt;
  return static_cast<Date>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

std::string format_date(Date date) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{date}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

Date date_of(std::chrono::system_clock::time_point time) {
  return static_cast<Date>(std::chrono::floor<std::chrono::days>(time).time_since_epoch().count());
}

}  // namespace bulkhead::registry
