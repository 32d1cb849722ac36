// Headers (case-insensitive, order preserving) and small Request helpers.
#include <algorithm>

#include "http/detail/text.h"
#include "http/http.h"

namespace bulkhead::http {

Headers& Headers::operator=(const Headers& other) {
  if (this != &other) {
    clear();
    for (const auto& [name, value] : other.all()) add(name, value);
  }
  return *this;
}

void Headers::add(std::string_view name, std::string_view value) {
  if (size_ < items_.size()) {
    items_[size_].first.assign(name);
    items_[size_].second.assign(value);
  } else {
    items_.emplace_back(std::string(name), std::string(value));
  }
  ++size_;
}

void Headers::set(std::string_view name, std::string value) {
  remove(name);
  if (size_ < items_.size()) {
    items_[size_].first.assign(name);
    items_[size_].second = std::move(value);
    ++size_;
  } else {
    items_.emplace_back(std::string(name), std::move(value));
    ++size_;
  }
}

void Headers::remove(std::string_view name) {
  const auto live_end = items_.begin() + static_cast<std::ptrdiff_t>(size_);
  // Kept items move forward in order; removed ones end up behind size_, where their storage is reused.
  auto out = items_.begin();
  for (auto it = items_.begin(); it != live_end; ++it) {
    if (detail::iequals(it->first, name)) continue;
    if (out != it) std::swap(*out, *it);
    ++out;
  }
  size_ = static_cast<std::size_t>(out - items_.begin());
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  // Length and first letter rule out almost every other header; a name spelled exactly as asked (the usual
  // case) is found by a plain comparison.
  const char first = detail::ascii_lower(name.front());
  for (const auto& [key, value] : all()) {
    if (key.size() != name.size() || detail::ascii_lower(key.front()) != first) continue;
    if (std::string_view(key) == name || detail::iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view Request::path() const noexcept {
  std::string_view t = target;
  const auto q = t.find_first_of("?#");
  return q == std::string_view::npos ? t : t.substr(0, q);
}

}  // namespace bulkhead::http
