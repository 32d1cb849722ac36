// Small formatting helpers shared by the report's sections and renderers. Pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "json/json.h"

namespace bulkhead::report::detail {

// RFC 3339 UTC with microseconds when they are not zero: "2026-12-03T11:53:00.123456Z".
[[nodiscard]] std::string rfc3339_us(std::int64_t unix_us);
[[nodiscard]] std::string rfc3339_ms(std::int64_t unix_ms);
[[nodiscard]] std::int64_t unix_us(std::chrono::system_clock::time_point time);

// Member helpers for reading a document (absent or wrong type → the fallback).
[[nodiscard]] std::string str(const json::Value& object, std::string_view key, std::string_view fallback = "");
[[nodiscard]] std::int64_t num(const json::Value& object, std::string_view key, std::int64_t fallback = 0);
[[nodiscard]] bool flag(const json::Value& object, std::string_view key);
[[nodiscard]] const json::Array& list(const json::Value& object, std::string_view key);
[[nodiscard]] const json::Value& member(const json::Value& object, std::string_view key);

}  // namespace bulkhead::report::detail
