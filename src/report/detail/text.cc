#include "report/detail/text.h"

#include <fmt/format.h>

namespace bulkhead::report::detail {

std::string rfc3339_us(std::int64_t us) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds{us}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> hms{t - day};
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (hms.subseconds().count() != 0) out += fmt::format(".{:06}", hms.subseconds().count());
  out += 'Z';
  return out;
}

std::string rfc3339_ms(std::int64_t ms) { return rfc3339_us(ms * 1000); }

std::int64_t unix_us(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

std::string str(const json::Value& object, std::string_view key, std::string_view fallback) {
  const json::Value* v = object.find(key);
  if (v == nullptr || v->is_null()) return std::string(fallback);
  if (v->is_string()) return v->as_string();
  if (v->is_bool()) return v->as_bool() ? "yes" : "no";
  return json::serialize(*v);
}

std::int64_t num(const json::Value& object, std::string_view key, std::int64_t fallback) {
  const json::Value* v = object.find(key);
  return v != nullptr && v->is_integer() ? v->as_int() : fallback;
}

bool flag(const json::Value& object, std::string_view key) {
  const json::Value* v = object.find(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

const json::Array& list(const json::Value& object, std::string_view key) {
  static const json::Array kEmpty;
  const json::Value* v = object.find(key);
  return v != nullptr && v->is_array() ? v->as_array() : kEmpty;
}

const json::Value& member(const json::Value& object, std::string_view key) {
  static const json::Value kNull;
  const json::Value* v = object.find(key);
  return v != nullptr ? *v : kNull;
}

}  // namespace bulkhead::report::detail
