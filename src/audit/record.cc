// AuditRecord <-> payload (RFC 8785 canonical JSON, docs/formats/audit.md "Record payload"), names, time parsing.
#include <algorithm>
#include <array>
#include <charconv>

#include "audit/audit.h"
#include "audit/detail/record_json.h"

namespace bulkhead::audit {
namespace {

constexpr std::array<std::string_view, 5> kKindNames = {"invoke", "read", "write", "deny", "lifecycle"};
constexpr std::array<std::string_view, 3> kDecisionNames = {"allow", "deny", "none"};
constexpr std::int64_t kPayloadVersion = 1;
constexpr std::int64_t kMaxTimeUs = 9'000'000'000'000'000;  // < INT64_MAX / 1000 (nanosecond clocks)
constexpr std::int64_t kMaxTimeSeconds = kMaxTimeUs / 1'000'000;

json::Value string_array(const std::vector<std::string>& items) {
  json::Array array;
  array.reserve(items.size());
  for (const auto& item : items) array.emplace_back(item);
  return json::Value(std::move(array));
}

core::Result<Sha256Digest> digest_from_hex(const json::Value& value, std::string_view field) {
  if (!value.is_string()) return core::fail(core::Reason::invalid_request, std::string(field) + " is not a string");
  auto bytes = core::hex_decode(value.as_string());
  if (!bytes || bytes->size() != 32 || core::hex_encode(*bytes) != value.as_string()) {
    return core::fail(core::Reason::invalid_request, std::string(field) + " is not 64 lower-case hex digits");
  }
  Sha256Digest digest{};
  std::copy(bytes->begin(), bytes->end(), digest.begin());
  return digest;
}

core::Result<std::vector<std::string>> strings_from(const json::Value& value, std::string_view field) {
  if (!value.is_array()) return core::fail(core::Reason::invalid_request, std::string(field) + " is not an array");
  std::vector<std::string> out;
  for (const auto& item : value.as_array()) {
    if (!item.is_string()) return core::fail(core::Reason::invalid_request, std::string(field) + " holds a non-string");
    out.push_back(item.as_string());
  }
  return out;
}

bool is_nonnegative_integer(const json::Value& value) {
  return value.type() == json::Value::Type::unsigned_integer ||
         (value.type() == json::Value::Type::integer && value.as_int() >= 0);
}

// Civil date -> days since 1970-01-01 (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool read_digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string_view kind_name(RecordKind kind) noexcept { return kKindNames[static_cast<std::size_t>(kind)]; }

std::optional<RecordKind> kind_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<RecordKind>(i);
  }
  return std::nullopt;
}

std::string_view decision_name(Decision decision) noexcept {
  return kDecisionNames[static_cast<std::size_t>(decision)];
}

std::optional<Decision> decision_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kDecisionNames.size(); ++i) {
    if (kDecisionNames[i] == name) return static_cast<Decision>(i);
  }
  return std::nullopt;
}

std::optional<Durability> durability_from_name(std::string_view name) noexcept {
  if (name == "sync") return Durability::sync;
  if (name == "async") return Durability::async;
  return std::nullopt;
}

Sha256Digest digest_of(std::string_view bytes) { return core::sha256(core::as_bytes(bytes)); }

namespace detail {

json::Value record_json(const AuditRecord& r) {
  json::Value v = json::Value::object();
  v.set("v", kPayloadVersion);
  v.set("time_us", static_cast<std::int64_t>(
                       std::chrono::duration_cast<std::chrono::microseconds>(r.time.time_since_epoch()).count()));
  v.set("kind", kind_name(r.kind));
  v.set("decision", decision_name(r.decision));
  if (r.reason) v.set("reason", core::reason_name(*r.reason));
  if (!r.tenant.empty()) v.set("tenant", r.tenant);
  if (!r.principal.empty()) v.set("principal", r.principal);
  if (!r.delegation_chain.empty()) v.set("delegation", string_array(r.delegation_chain));
  if (!r.session.empty()) v.set("session", r.session);
  if (!r.task.empty()) v.set("task", r.task);
  if (!r.jsonrpc_id.is_null()) v.set("jsonrpc_id", r.jsonrpc_id);
  if (!r.upstream.empty()) v.set("upstream", r.upstream);
  if (!r.method.empty()) v.set("method", r.method);
  if (!r.tool.empty()) v.set("tool", r.tool);
  if (!r.resource.empty()) v.set("resource", r.resource);
  if (!r.policy_ids.empty()) v.set("policies", string_array(r.policy_ids));
  if (r.args_sha256) v.set("args_sha256", core::hex_encode(*r.args_sha256));
  if (!r.args_preview.empty()) v.set("args_preview", r.args_preview);
  if (r.result) {
    json::Value result = json::Value::object();
    result.set("sha256", core::hex_encode(r.result->sha256));
    result.set("bytes", r.result->bytes);
    result.set("is_error", r.result->is_error);
    v.set("result", std::move(result));
  }
  if (r.latency) v.set("latency_us", static_cast<std::int64_t>(r.latency->count()));
  if (!r.detail.is_null()) v.set("detail", r.detail);
  return v;
}

}  // namespace detail


namespace {

// Appends `"key":` (keys are fixed ASCII names that need no escaping). Members must come in RFC 8785 order.
class CanonicalObject {
 public:
  explicit CanonicalObject(std::string& out) : out_(out) { out_.push_back('{'); }
  std::string& key(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(name);
    out_.append("\":");
    return out_;
  }
  void string(std::string_view name, std::string_view value) {
    if (!value.empty()) json::append_quoted(value, key(name));
  }
  void strings(std::string_view name, const std::vector<std::string>& values) {
    if (values.empty()) return;
    std::string& out = key(name);
    out.push_back('[');
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out.push_back(',');
      json::append_quoted(values[i], out);
    }
    out.push_back(']');
  }
  void integer(std::string_view name, std::int64_t value) { append_integer(value, key(name)); }
  void value(std::string_view name, const json::Value& value) {
    if (!value.is_null()) key(name).append(json::canonicalize(value));
  }
  void close() { out_.push_back('}'); }

  // RFC 8785 numbers are ECMAScript doubles: plain digits only up to 2^53; beyond, defer to the canonicalizer.
  static void append_integer(std::int64_t value, std::string& out) {
    constexpr std::int64_t kExact = std::int64_t{1} << 53;
    if (value > kExact || value < -kExact) {
      out.append(json::canonicalize(json::Value(value)));
      return;
    }
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer)));
  }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace

// Writes the canonical form directly (the hot path of every append); equal to json::canonicalize(record_json(r)),
// which audit_record_test checks.
std::string encode_record(const AuditRecord& r) {
  // One allocation for the whole payload: fixed keys and digests take ~330 bytes, plus the variable strings
  // (a typical tools/call record is ~600 bytes; reserving 512 made it reallocate and copy once per record).
  std::size_t estimate = 384 + r.args_preview.size() + r.resource.size() + r.tenant.size() + r.principal.size() +
                         r.session.size() + r.task.size() + r.upstream.size() + r.method.size() + r.tool.size();
  for (const auto& s : r.delegation_chain) estimate += s.size() + 3;
  for (const auto& s : r.policy_ids) estimate += s.size() + 3;
  std::string out;
  out.reserve(estimate + estimate / 8);  // headroom for JSON escapes
  CanonicalObject o(out);
  o.string("args_preview", r.args_preview);
  if (r.args_sha256) o.string("args_sha256", core::hex_encode(*r.args_sha256));
  o.string("decision", decision_name(r.decision));
  o.strings("delegation", r.delegation_chain);
  o.value("detail", r.detail);
  o.value("jsonrpc_id", r.jsonrpc_id);
  o.string("kind", kind_name(r.kind));
  if (r.latency) o.integer("latency_us", r.latency->count());
  o.string("method", r.method);
  o.strings("policies", r.policy_ids);
  o.string("principal", r.principal);
  if (r.reason) o.string("reason", core::reason_name(*r.reason));
  o.string("resource", r.resource);
  if (r.result) {
    std::string& result = o.key("result");
    result.append("{\"bytes\":");
    if (r.result->bytes > (std::uint64_t{1} << 53)) {
      result.append(json::canonicalize(json::Value(r.result->bytes)));
    } else {
      CanonicalObject::append_integer(static_cast<std::int64_t>(r.result->bytes), result);
    }
    result.append(r.result->is_error ? ",\"is_error\":true,\"sha256\":\"" : ",\"is_error\":false,\"sha256\":\"");
    result.append(core::hex_encode(r.result->sha256));
    result.append("\"}");
  }
  o.string("session", r.session);
  o.string("task", r.task);
  o.string("tenant", r.tenant);
  o.integer("time_us", std::chrono::duration_cast<std::chrono::microseconds>(r.time.time_since_epoch()).count());
  o.string("tool", r.tool);
  o.string("upstream", r.upstream);
  o.integer("v", kPayloadVersion);
  o.close();
  return out;
}

core::Result<AuditRecord> decode_record(std::string_view payload) {
  auto parsed = json::parse(payload);
  if (!parsed) return core::fail(core::Reason::invalid_request, "payload is not JSON: " + parsed.error().message);
  if (!parsed->is_object()) return core::fail(core::Reason::invalid_request, "payload is not a JSON object");
  AuditRecord r;
  bool have_version = false;
  bool have_time = false;
  bool have_kind = false;
  bool have_decision = false;
  auto bad = [](std::string_view field, std::string_view why) {
    return core::fail(core::Reason::invalid_request, "payload field " + std::string(field) + " " + std::string(why));
  };
  for (const auto& [key, value] : parsed->as_object()) {
    if (key == "v") {
      if (!value.is_integer() || value.as_int() != kPayloadVersion) return bad(key, "is not 1");
      have_version = true;
    } else if (key == "time_us") {
      // Bounded so the conversion to system_clock's nanoseconds cannot overflow (years 1970..2255).
      if (value.type() != json::Value::Type::integer || value.as_int() < 0 || value.as_int() > kMaxTimeUs) {
        return bad(key, "is not an integer in 0..9e15");
      }
      r.time = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::microseconds(value.as_int())));
      have_time = true;
    } else if (key == "kind" || key == "decision" || key == "reason") {
      if (!value.is_string()) return bad(key, "is not a string");
      if (key == "kind") {
        const auto kind = kind_from_name(value.as_string());
        if (!kind) return bad(key, "is unknown");
        r.kind = *kind;
        have_kind = true;
      } else if (key == "decision") {
        const auto decision = decision_from_name(value.as_string());
        if (!decision) return bad(key, "is unknown");
        r.decision = *decision;
        have_decision = true;
      } else {
        r.reason = core::reason_from_name(value.as_string());
        if (!r.reason) return bad(key, "is not a reason code");
      }
    } else if (key == "tenant" || key == "principal" || key == "session" || key == "task" || key == "upstream" ||
               key == "method" || key == "tool" || key == "resource" || key == "args_preview") {
      if (!value.is_string() || value.as_string().empty()) return bad(key, "is not a non-empty string");
      std::string* target = key == "tenant"      ? &r.tenant
                            : key == "principal" ? &r.principal
                            : key == "session"   ? &r.session
                            : key == "task"      ? &r.task
                            : key == "upstream"  ? &r.upstream
                            : key == "method"    ? &r.method
                            : key == "tool"      ? &r.tool
                            : key == "resource"  ? &r.resource
                                                 : &r.args_preview;
      *target = value.as_string();
    } else if (key == "delegation" || key == "policies") {
      auto items = strings_from(value, key);
      if (!items) return std::unexpected(items.error());
      if (items->empty()) return bad(key, "is empty");
      (key == "delegation" ? r.delegation_chain : r.policy_ids) = std::move(*items);
    } else if (key == "jsonrpc_id") {
      if (!value.is_string() && !value.is_integer()) return bad(key, "is not a string or integer");
      r.jsonrpc_id = value;
    } else if (key == "args_sha256") {
      auto digest = digest_from_hex(value, key);
      if (!digest) return std::unexpected(digest.error());
      r.args_sha256 = *digest;
    } else if (key == "result") {
      if (!value.is_object() || value.as_object().size() != 3) return bad(key, "is not {sha256, bytes, is_error}");
      const json::Value* sha = value.find("sha256");
      const json::Value* bytes = value.find("bytes");
      const json::Value* is_error = value.find("is_error");
      if (sha == nullptr || bytes == nullptr || is_error == nullptr || !is_nonnegative_integer(*bytes) ||
          !is_error->is_bool()) {
        return bad(key, "is not {sha256, bytes, is_error}");
      }
      auto digest = digest_from_hex(*sha, "result.sha256");
      if (!digest) return std::unexpected(digest.error());
      r.result = ResultSummary{*digest, bytes->as_uint(), is_error->as_bool()};
    } else if (key == "latency_us") {
      if (value.type() != json::Value::Type::integer || value.as_int() < 0) {
        return bad(key, "is not a non-negative 64-bit integer");
      }
      r.latency = std::chrono::microseconds(value.as_int());
    } else if (key == "detail") {
      if (value.is_null()) return bad(key, "is null");
      r.detail = value;
    } else {
      return bad(key, "is not part of format version 1");
    }
  }
  if (!have_version || !have_time || !have_kind || !have_decision) {
    return core::fail(core::Reason::invalid_request, "payload lacks one of v, time_us, kind, decision");
  }
  return r;
}

std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view text) {
  using namespace std::chrono;
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t seconds = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc{} || ptr != text.data() + text.size() || seconds > kMaxTimeSeconds) return std::nullopt;
    return system_clock::time_point(duration_cast<system_clock::duration>(std::chrono::seconds(seconds)));
  }
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !read_digits(text, 5, 2, month) ||
      text[7] != '-' || !read_digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !read_digits(text, 11, 2, hour) || text[13] != ':' || !read_digits(text, 14, 2, minute) || text[16] != ':' ||
      !read_digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t at = 19;
  std::int64_t micros = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int digits = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[at] - '0');
      ++digits;
      ++at;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int oh = 0, om = 0;
    if (!read_digits(text, at + 1, 2, oh) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !read_digits(text, at + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (text[at] == '+' ? 1 : -1) * (oh * 60 + om);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  if (seconds < 0 || seconds > kMaxTimeSeconds) return std::nullopt;
  return system_clock::time_point(
      duration_cast<system_clock::duration>(std::chrono::seconds(seconds) + std::chrono::microseconds(micros)));
}

}  // namespace bulkhead::audit
