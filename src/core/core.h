// bulkhead::core — vocabulary shared by every module: reason codes, errors, clocks, randomness, encodings.
// Thread-safety: free functions are pure; SystemClock/SystemRng are safe from any thread; FakeClock is
// internally synchronized. Nothing here holds global mutable state (STYLE.md rule 8).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bulkhead::core {

// Stable reason codes (CONFIG.md "Reason codes"). The spelling returned by reason_name() is part of the
// interface contract: it is error.data.reason, the audit record's reason and a metrics label.
enum class Reason : std::uint8_t {
  unauthenticated,
  token_invalid,
  token_expired,
  token_revoked,
  tenant_not_bound,
  session_identity_mismatch,
  scope_insufficient,
  delegation_widening,
  policy_denied,
  connector_not_approved,
  tenant_not_mapped,
  review_overdue,
  tool_definition_changed,
  credential_missing,
  dlp_blocked,
  upstream_unavailable,
  upstream_timeout,
  audit_unavailable,
  invalid_request,
  header_mismatch,
  parse_error,
  method_not_found,
  unknown_tool,
  body_too_large,
  session_not_found,
  unsupported_protocol_version,
  batch_not_supported,
  origin_not_allowed,   // DNS-rebinding protection refused Host/Origin (HTTP 403)
  shutting_down,        // gateway is draining after SIGTERM (HTTP 503)
  internal_error,       // a bug or an unexpected state; fail closed
};

[[nodiscard]] std::string_view reason_name(Reason reason) noexcept;
[[nodiscard]] std::optional<Reason> reason_from_name(std::string_view name) noexcept;
// Every reason, in declaration order (for tables, metrics and tests).
[[nodiscard]] std::span<const Reason> all_reasons() noexcept;

// An error value: a stable reason plus a human message. The message never contains secrets or tokens.
struct Error {
  Reason reason = Reason::internal_error;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(Reason reason, std::string message) {
  return std::unexpected<Error>(Error{reason, std::move(message)});
}

// Clock: injected everywhere time matters so tests can fake it.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
  [[nodiscard]] virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override;
  [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override;
};

// A manually advanced clock for tests. Both time lines advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start);
  [[nodiscard]] std::chrono::system_clock::time_point now() const override;
  [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override;
  void advance(std::chrono::nanoseconds by);

 private:
  std::chrono::system_clock::time_point start_;
  std::atomic<std::int64_t> offset_ns_{0};
};

// Rng: cryptographically secure randomness (OpenSSL RAND_bytes in SystemRng). Fails closed: if the CSPRNG
// cannot produce bytes the process aborts, because every caller uses it for secrets or session ids.
class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

class SystemRng final : public Rng {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

// Deterministic generator for tests only (never for ids or keys in production code paths).
class SeededRng final : public Rng {
 public:
  explicit SeededRng(std::uint64_t seed) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::uint64_t state_;
};

// `bytes` random bytes, lower-case hex encoded (session ids use 16 bytes = 128 bits or more).
[[nodiscard]] std::string random_hex(Rng& rng, std::size_t bytes);

[[nodiscard]] std::string hex_encode(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view text);
// The value of one hex digit (either case), or -1.
[[nodiscard]] constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
[[nodiscard]] std::string base64url_encode(std::span<const std::uint8_t> bytes);   // no padding
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);  // padding optional
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);      // standard, padded
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

[[nodiscard]] inline std::span<const std::uint8_t> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Constant-time equality for secrets (length is not hidden).
// Appends code point `cp` (≤ 0x10FFFF, not a surrogate: the caller checks) as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);

[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// SHA-256 of `data` (OpenSSL), raw 32 bytes / lower-case hex.
[[nodiscard]] std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);
[[nodiscard]] std::string sha256_hex(std::string_view data);

// application/x-www-form-urlencoded (WHATWG URL §5.1, as RFC 6749 Appendix B uses it): name=value pairs separated by
// '&', '+' for space, %XX escapes. Strict: malformed escapes, empty names and repeated names are errors (RFC 6749
// §3.1: parameters must not be included more than once); bodies over kMaxFormBytes are body_too_large.
inline constexpr std::size_t kMaxFormBytes = 64 * 1024;
using FormFields = std::vector<std::pair<std::string, std::string>>;
[[nodiscard]] Result<FormFields> parse_form(std::string_view body);
// Percent-encodes `text` for a form body or query string.
[[nodiscard]] std::string form_encode(std::string_view text);

// Parses "host:port" or "[v6]:port". Returns nullopt when malformed or port not in 1..65535 (0 allowed
// when allow_zero_port, meaning "pick any").
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
[[nodiscard]] std::optional<HostPort> parse_host_port(std::string_view text, bool allow_zero_port = false);
// True for 127.0.0.0/8, ::1 and "localhost".
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

}  // namespace bulkhead::core
