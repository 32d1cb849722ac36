// bulkhead::json — an owned, order-preserving JSON value parsed with simdjson, and a compact writer.
// Values are plain data: copyable, movable, not thread-safe for concurrent mutation (share const).
// Parsing limits (depth, size) make hostile input an error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bulkhead::json {

class Value;
using Array = std::vector<Value>;
// Objects keep member order (messages are forwarded as written). Lookup is linear: MCP objects are small.
using Member = std::pair<std::string, Value>;
using Object = std::vector<Member>;

class Value {
 public:
  enum class Type : std::uint8_t { null, boolean, integer, unsigned_integer, floating, string, array, object };

  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  Value(int i) : data_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : data_(i) {}
  Value(std::uint64_t u);  // stored as integer when it fits
  Value(double d) : data_(d) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(Array a) : data_(std::move(a)) {}
  Value(Object o) : data_(std::move(o)) {}

  [[nodiscard]] static Value object() { return Value(Object{}); }
  [[nodiscard]] static Value array() { return Value(Array{}); }

  [[nodiscard]] Type type() const noexcept { return static_cast<Type>(data_.index()); }
  [[nodiscard]] bool is_null() const noexcept { return type() == Type::null; }
  [[nodiscard]] bool is_bool() const noexcept { return type() == Type::boolean; }
  [[nodiscard]] bool is_integer() const noexcept { return type() == Type::integer || type() == Type::unsigned_integer; }
  [[nodiscard]] bool is_number() const noexcept { return is_integer() || type() == Type::floating; }
  [[nodiscard]] bool is_string() const noexcept { return type() == Type::string; }
  [[nodiscard]] bool is_array() const noexcept { return type() == Type::array; }
  [[nodiscard]] bool is_object() const noexcept { return type() == Type::object; }

  // Accessors assert the type in debug builds; check the type first (input is never trusted).
  [[nodiscard]] bool as_bool() const { return std::get<bool>(data_); }
  [[nodiscard]] std::int64_t as_int() const;  // integer or unsigned that fits; else 0
  [[nodiscard]] double as_double() const;     // any number
  [[nodiscard]] std::uint64_t as_uint() const;  // non-negative integer (either signedness); else 0
  [[nodiscard]] const std::string& as_string() const { return std::get<std::string>(data_); }
  [[nodiscard]] std::string& as_string() { return std::get<std::string>(data_); }
  [[nodiscard]] const Array& as_array() const { return std::get<Array>(data_); }
  [[nodiscard]] Array& as_array() { return std::get<Array>(data_); }
  [[nodiscard]] const Object& as_object() const { return std::get<Object>(data_); }
  [[nodiscard]] Object& as_object() { return std::get<Object>(data_); }

  // Object helpers. find() returns nullptr when this is not an object or the key is absent.
  [[nodiscard]] const Value* find(std::string_view key) const noexcept;
  [[nodiscard]] Value* find(std::string_view key) noexcept;
  // String member or nullptr (absent or not a string).
  [[nodiscard]] const std::string* find_string(std::string_view key) const noexcept;
  // Sets (replacing in place, or appending) a member; turns a null into an object first.
  Value& set(std::string_view key, Value value);
  bool erase(std::string_view key);
  // Array helper: turns a null into an array first.
  Value& push_back(Value value);

  friend bool operator==(const Value& a, const Value& b);  // deep; integers compare by value across signedness

 private:
  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string, Array, Object> data_;
};

struct ParseError {
  std::size_t offset = 0;  // byte offset when known, else 0
  std::string message;
};

struct ParseLimits {
  std::size_t max_bytes = 64u << 20;
  std::size_t max_depth = 128;
};

// Parses one JSON document (RFC 8259). Trailing non-whitespace, invalid UTF-8, depth or size over the
// limits are errors. Thread-safe (uses a thread_local simdjson parser).
// Duplicate member names in one object are an error (parsers disagree on which wins; a gateway must not).
// Integers outside int64/uint64 become the nearest double; numbers beyond double range are an error.
[[nodiscard]] std::expected<Value, ParseError> parse(std::string_view text, const ParseLimits& limits = {});

// The checks of parse() (syntax, UTF-8, limits, duplicate names, number range) without building a Value: for text
// that is forwarded as it is.
[[nodiscard]] std::expected<void, ParseError> validate(std::string_view text, const ParseLimits& limits = {});

// One top-level member of an object as text. `key` is the name between its quotes with escapes left as written
// (`key_escaped` tells whether it has any); `value` is the member's JSON text. Both point into the document.
struct RawMember {
  std::string_view key;
  bool key_escaped = false;
  std::string_view value;
};
// Splits `text` — a document validate() accepted — into its top-level members, in order. False when the document
// is not an object. Linear in the size of `text`; nothing is decoded or copied.
[[nodiscard]] bool split_object(std::string_view text, std::vector<RawMember>& members);

// Compact serialization (no spaces). Strings are escaped per RFC 8259 (\" \\ \b \f \n \r \t, other control
// characters as \u00xx); well-formed non-ASCII UTF-8 passes through, malformed bytes become U+FFFD.
// Doubles use the shortest round-trip form ("5.0" for integral values, so they read back as doubles);
// non-finite doubles serialize as null.
[[nodiscard]] std::string serialize(const Value& value);
void serialize_to(const Value& value, std::string& out);
// Appends `text` as a quoted, escaped JSON string.
void append_quoted(std::string_view text, std::string& out);

// RFC 8785 (JCS) canonical form: members sorted by UTF-16 code units, ECMAScript number formatting.
[[nodiscard]] std::string canonicalize(const Value& value);

}  // namespace bulkhead::json
