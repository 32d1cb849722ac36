// Headers (case-insensitive, order preserving) and small Request helpers.
#include <algorithm>

#include "http/detail/text.h"
#include "http/http.h"

namespace bulkhead::http {

void Headers::add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }

void Headers::set(std::string_view name, std::string value) {
  remove(name);
  items_.emplace_back(std::string(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(items_, [name](const auto& item) { return detail::iequals(item.first, name); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (detail::iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view Request::path() const noexcept {
  std::string_view t = target;
  const auto q = t.find_first_of("?#");
  return q == std::string_view::npos ? t : t.substr(0, q);
}

}  // namespace bulkhead::http
