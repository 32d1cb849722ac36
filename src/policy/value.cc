// Cedar values: construction with set/record normalization, total order, Cedar JSON conversion.
#include <algorithm>
#include <functional>
#include <string>
#include <utility>

#include "policy/detail/json_forms.h"
#include "policy/policy.h"

namespace bulkhead::policy {

std::size_t EntityUidHash::operator()(const EntityUid& uid) const noexcept {
  const std::size_t h = std::hash<std::string_view>{}(uid.type);
  return h ^ (std::hash<std::string_view>{}(uid.id) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

std::string to_string(const EntityUid& uid) {
  std::string out = uid.type;
  out += "::";
  json::append_quoted(uid.id, out);
  return out;
}

Value Value::set(Set elements) {
  const auto strictly_less = [](const Value& a, const Value& b) { return compare(a, b) < 0; };
  bool normalized = true;
  for (std::size_t i = 1; i < elements.size() && normalized; ++i) normalized = strictly_less(elements[i - 1], elements[i]);
  if (normalized) {
    Value v;
    v.data_ = SetBox{std::move(elements)};
    return v;
  }
  std::sort(elements.begin(), elements.end(), [](const Value& a, const Value& b) { return compare(a, b) < 0; });
  elements.erase(std::unique(elements.begin(), elements.end(),
                             [](const Value& a, const Value& b) { return compare(a, b) == 0; }),
                 elements.end());
  Value v;
  v.data_ = SetBox{std::move(elements)};
  return v;
}

Value Value::record(Record fields) {
  bool normalized = true;  // the common case: built in key order (build_call, sorted JSON) — no copy, no sort
  for (std::size_t i = 1; i < fields.size() && normalized; ++i) normalized = fields[i - 1].first < fields[i].first;
  if (normalized) {
    Value v;
    v.data_ = RecordBox{std::move(fields)};
    return v;
  }
  std::stable_sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  // Keep the last of equal keys.
  Record unique;
  unique.reserve(fields.size());
  for (auto& field : fields) {
    if (!unique.empty() && unique.back().first == field.first) {
      unique.back().second = std::move(field.second);
    } else {
      unique.push_back(std::move(field));
    }
  }
  Value v;
  v.data_ = RecordBox{std::move(unique)};
  return v;
}

const Value* Value::find(std::string_view key) const noexcept {
  const auto* box = std::get_if<RecordBox>(&data_);
  if (box == nullptr) return nullptr;
  const auto it = std::lower_bound(box->fields.begin(), box->fields.end(), key,
                                   [](const auto& field, std::string_view k) { return field.first < k; });
  if (it == box->fields.end() || it->first != key) return nullptr;
  return &it->second;
}

Value& Value::set_field(std::string_view key, Value value) {
  if (kind() == Kind::unknown) data_ = RecordBox{};
  auto& fields = std::get<RecordBox>(data_).fields;
  const auto it = std::lower_bound(fields.begin(), fields.end(), key,
                                   [](const auto& field, std::string_view k) { return field.first < k; });
  if (it != fields.end() && it->first == key) {
    it->second = std::move(value);
  } else {
    fields.insert(it, {std::string(key), std::move(value)});
  }
  return *this;
}

int Value::compare(const Value& a, const Value& b) noexcept {
  if (a.kind() != b.kind()) return a.kind() < b.kind() ? -1 : 1;
  switch (a.kind()) {
    case Kind::unknown:
      return 0;
    case Kind::boolean:
      return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
    case Kind::integer:
      return a.as_long() < b.as_long() ? -1 : a.as_long() > b.as_long() ? 1 : 0;
    case Kind::string: {
      const int c = a.as_string().compare(b.as_string());
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case Kind::entity: {
      int c = a.as_entity().type.compare(b.as_entity().type);
      if (c == 0) c = a.as_entity().id.compare(b.as_entity().id);
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case Kind::set: {
      const auto& x = a.as_set();
      const auto& y = b.as_set();
      for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
        if (const int c = compare(x[i], y[i]); c != 0) return c;
      }
      return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
    }
    case Kind::record: {
      const auto& x = a.as_record();
      const auto& y = b.as_record();
      for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
        if (const int c = x[i].first.compare(y[i].first); c != 0) return c < 0 ? -1 : 1;
        if (const int c = compare(x[i].second, y[i].second); c != 0) return c;
      }
      return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
    }
  }
  return 0;
}

namespace {

core::Result<EntityUid> uid_from_json(const json::Value& json) {
  const auto* type = json.find_string("type");
  const auto* id = json.find_string("id");
  if (type == nullptr || id == nullptr || json.as_object().size() != 2) {
    return core::fail(core::Reason::invalid_request, "an entity reference must be {\"type\":\"...\",\"id\":\"...\"}");
  }
  return EntityUid{*type, *id};
}

}  // namespace

namespace detail {
core::Result<EntityUid> entity_uid_from_json(const json::Value& json) {
  if (!json.is_object()) {
    return core::fail(core::Reason::invalid_request, "an entity reference must be {\"type\":\"...\",\"id\":\"...\"}");
  }
  if (const auto* escaped = json.find("__entity"); escaped != nullptr && json.as_object().size() == 1) {
    if (!escaped->is_object()) return core::fail(core::Reason::invalid_request, "__entity must be an object");
    return uid_from_json(*escaped);
  }
  return uid_from_json(json);
}
}  // namespace detail

core::Result<Value> value_from_json(const json::Value& json, JsonMode mode) {
  switch (json.type()) {
    case json::Value::Type::boolean:
      return Value(json.as_bool());
    case json::Value::Type::integer:
      return Value(json.as_int());
    case json::Value::Type::unsigned_integer:
      if (mode == JsonMode::lenient) return Value::unknown();
      return core::fail(core::Reason::invalid_request, "integer out of the 64-bit signed range");
    case json::Value::Type::string:
      return Value(json.as_string());
    case json::Value::Type::null:
    case json::Value::Type::floating:
      if (mode == JsonMode::lenient) return Value::unknown();
      return core::fail(core::Reason::invalid_request,
                        json.is_null() ? "null is not a policy value" : "non-integer numbers are not policy values");
    case json::Value::Type::array: {
      Value::Set items;
      items.reserve(json.as_array().size());
      for (const auto& element : json.as_array()) {
        auto v = value_from_json(element, mode);
        if (!v) return std::unexpected(v.error());
        items.push_back(std::move(*v));
      }
      return Value::set(std::move(items));
    }
    case json::Value::Type::object: {
      const auto& object = json.as_object();
      if (object.size() == 1 && object[0].first == "__entity") {
        auto uid = detail::entity_uid_from_json(json);
        if (!uid) return std::unexpected(uid.error());
        return Value(std::move(*uid));
      }
      if (object.size() == 1 && object[0].first == "__extn") {
        if (mode == JsonMode::lenient) return Value::unknown();
        return core::fail(core::Reason::invalid_request, "extension values are not supported");
      }
      Value::Record fields;
      fields.reserve(object.size());
      for (const auto& [key, member] : object) {
        auto v = value_from_json(member, mode);
        if (!v) return std::unexpected(v.error());
        fields.emplace_back(key, std::move(*v));
      }
      return Value::record(std::move(fields));
    }
  }
  return core::fail(core::Reason::invalid_request, "unsupported JSON value");
}

json::Value value_to_json(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::unknown:
      return json::Value();
    case Value::Kind::boolean:
      return json::Value(value.as_bool());
    case Value::Kind::integer:
      return json::Value(value.as_long());
    case Value::Kind::string:
      return json::Value(value.as_string());
    case Value::Kind::entity: {
      json::Value uid = json::Value::object();
      uid.set("type", value.as_entity().type);
      uid.set("id", value.as_entity().id);
      json::Value out = json::Value::object();
      out.set("__entity", std::move(uid));
      return out;
    }
    case Value::Kind::set: {
      json::Value out = json::Value::array();
      for (const auto& item : value.as_set()) out.push_back(value_to_json(item));
      return out;
    }
    case Value::Kind::record: {
      json::Value out = json::Value::object();
      for (const auto& [key, item] : value.as_record()) out.set(key, value_to_json(item));
      return out;
    }
  }
  return json::Value();
}

}  // namespace bulkhead::policy
