#include <cstdint>
#include <limits>

#include "json/json.h"

namespace bulkhead::json {
namespace {

constexpr std::uint64_t kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

}  // namespace

Value::Value(std::uint64_t u) {
  if (u <= kInt64Max) {
    data_ = static_cast<std::int64_t>(u);
  } else {
    data_ = u;
  }
}

std::int64_t Value::as_int() const {
  switch (type()) {
    case Type::integer:
      return std::get<std::int64_t>(data_);
    case Type::unsigned_integer: {
      const std::uint64_t u = std::get<std::uint64_t>(data_);
      return u <= kInt64Max ? static_cast<std::int64_t>(u) : 0;
    }
    default:
      return 0;
  }
}

std::uint64_t Value::as_uint() const {
  switch (type()) {
    case Type::integer: {
      const std::int64_t i = std::get<std::int64_t>(data_);
      return i >= 0 ? static_cast<std::uint64_t>(i) : 0;
    }
    case Type::unsigned_integer:
      return std::get<std::uint64_t>(data_);
    default:
      return 0;
  }
}

double Value::as_double() const {
  switch (type()) {
    case Type::integer:
      return static_cast<double>(std::get<std::int64_t>(data_));
    case Type::unsigned_integer:
      return static_cast<double>(std::get<std::uint64_t>(data_));
    case Type::floating:
      return std::get<double>(data_);
    default:
      return 0.0;
  }
}

const Value* Value::find(std::string_view key) const noexcept {
  const auto* object = std::get_if<Object>(&data_);
  if (object == nullptr) return nullptr;
  for (const auto& member : *object) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

Value* Value::find(std::string_view key) noexcept {
  auto* object = std::get_if<Object>(&data_);
  if (object == nullptr) return nullptr;
  for (auto& member : *object) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

const std::string* Value::find_string(std::string_view key) const noexcept {
  const Value* v = find(key);
  if (v == nullptr) return nullptr;
  return std::get_if<std::string>(&v->data_);
}

Value& Value::set(std::string_view key, Value value) {
  if (!is_object()) data_ = Object{};
  auto& object = std::get<Object>(data_);
  for (auto& member : object) {
    if (member.first == key) {
      member.second = std::move(value);
      return member.second;
    }
  }
  object.emplace_back(std::string(key), std::move(value));
  return object.back().second;
}

bool Value::erase(std::string_view key) {
  auto* object = std::get_if<Object>(&data_);
  if (object == nullptr) return false;
  for (auto it = object->begin(); it != object->end(); ++it) {
    if (it->first == key) {
      object->erase(it);
      return true;
    }
  }
  return false;
}

Value& Value::push_back(Value value) {
  if (!is_array()) data_ = Array{};
  auto& array = std::get<Array>(data_);
  array.push_back(std::move(value));
  return array.back();
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_integer() && b.is_integer()) {
    if (a.type() == b.type()) {
      if (a.type() == Value::Type::integer) return std::get<std::int64_t>(a.data_) == std::get<std::int64_t>(b.data_);
      return std::get<std::uint64_t>(a.data_) == std::get<std::uint64_t>(b.data_);
    }
    const std::int64_t s = a.type() == Value::Type::integer ? std::get<std::int64_t>(a.data_)
                                                             : std::get<std::int64_t>(b.data_);
    const std::uint64_t u = a.type() == Value::Type::unsigned_integer ? std::get<std::uint64_t>(a.data_)
                                                                       : std::get<std::uint64_t>(b.data_);
    return s >= 0 && static_cast<std::uint64_t>(s) == u;
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::null:
      return true;
    case Value::Type::boolean:
      return std::get<bool>(a.data_) == std::get<bool>(b.data_);
    case Value::Type::floating:
      return std::get<double>(a.data_) == std::get<double>(b.data_);
    case Value::Type::string:
      return std::get<std::string>(a.data_) == std::get<std::string>(b.data_);
    case Value::Type::array:
      return std::get<Array>(a.data_) == std::get<Array>(b.data_);
    case Value::Type::object: {
      // JSON objects are unordered: equal when they have the same members, in any order.
      const auto& x = std::get<Object>(a.data_);
      const auto& y = std::get<Object>(b.data_);
      if (x.size() != y.size()) return false;
      bool same_order = true;
      for (std::size_t i = 0; i < x.size() && same_order; ++i) {
        if (x[i].first != y[i].first) same_order = false;
      }
      if (same_order) {
        for (std::size_t i = 0; i < x.size(); ++i) {
          if (!(x[i].second == y[i].second)) return false;
        }
        return true;
      }
      for (const auto& member : x) {
        const Value* other = b.find(member.first);
        if (other == nullptr || !(member.second == *other)) return false;
      }
      // Same size and every member of x found in y: equal unless x has duplicate names.
      for (const auto& member : y) {
        if (a.find(member.first) == nullptr) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace bulkhead::json
