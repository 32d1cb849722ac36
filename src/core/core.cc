#include "core/core.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bulkhead::core {
namespace {

// Spellings are the enum identifiers (CONFIG.md "Reason codes"); order matches the enum declaration.
constexpr std::string_view kReasonNames[] = {
    "unauthenticated",
    "token_invalid",
    "token_expired",
    "token_revoked",
    "tenant_not_bound",
    "session_identity_mismatch",
    "scope_insufficient",
    "delegation_widening",
    "policy_denied",
    "connector_not_approved",
    "tenant_not_mapped",
    "review_overdue",
    "tool_definition_changed",
    "credential_missing",
    "dlp_blocked",
    "upstream_unavailable",
    "upstream_timeout",
    "audit_unavailable",
    "invalid_request",
    "header_mismatch",
    "parse_error",
    "method_not_found",
    "unknown_tool",
    "body_too_large",
    "session_not_found",
    "unsupported_protocol_version",
    "batch_not_supported",
    "origin_not_allowed",
    "shutting_down",
    "internal_error",
};
constexpr std::size_t kReasonCount = sizeof(kReasonNames) / sizeof(kReasonNames[0]);
static_assert(kReasonCount == static_cast<std::size_t>(Reason::internal_error) + 1,
              "kReasonNames must list every Reason in declaration order");

constexpr std::array<Reason, kReasonCount> make_all_reasons() {
  std::array<Reason, kReasonCount> all{};
  for (std::size_t i = 0; i < kReasonCount; ++i) all[i] = static_cast<Reason>(i);
  return all;
}
constexpr std::array<Reason, kReasonCount> kAllReasons = make_all_reasons();

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64UrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64_encode_with(std::span<const std::uint8_t> bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

int base64_value(char c, bool url) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (url) {
    if (c == '-') return 62;
    if (c == '_') return 63;
  } else {
    if (c == '+') return 62;
    if (c == '/') return 63;
  }
  return -1;
}

// Strict decoding of unpadded base64 data: only alphabet characters, a length that is not 1 mod 4, and zero
// bits in the unused low bits of the last character (so every byte string has exactly one encoding).
std::optional<std::vector<std::uint8_t>> base64_decode_unpadded(std::string_view text, bool url) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64_value(c, url);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// Splits off correct padding: returns the unpadded part, or nullopt when padding is malformed.
std::optional<std::string_view> strip_padding(std::string_view text) {
  std::size_t pad = 0;
  while (pad < text.size() && pad < 3 && text[text.size() - 1 - pad] == '=') ++pad;
  if (pad == 0) return text;
  if (pad > 2 || text.size() % 4 != 0) return std::nullopt;
  const std::string_view data = text.substr(0, text.size() - pad);
  // "xx==" carries one byte (2 chars), "xxx=" carries two (3 chars).
  if ((data.size() % 4) + pad != 4) return std::nullopt;
  return data;
}

bool parse_port(std::string_view digits, bool allow_zero, std::uint16_t& port) noexcept {
  if (digits.empty() || digits.size() > 5) return false;
  std::uint32_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > 65535) return false;
  if (value == 0 && !allow_zero) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

bool valid_hostname(std::string_view host) noexcept {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool valid_ipv6(std::string_view host) noexcept {
  if (host.empty() || host.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, host.data(), host.size());
  buf[host.size()] = '\0';
  in6_addr addr{};
  return inet_pton(AF_INET6, buf, &addr) == 1;
}

bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string_view reason_name(Reason reason) noexcept {
  const auto index = static_cast<std::size_t>(reason);
  if (index >= kReasonCount) return "internal_error";
  return kReasonNames[index];
}

std::optional<Reason> reason_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    if (kReasonNames[i] == name) return static_cast<Reason>(i);
  }
  return std::nullopt;
}

std::span<const Reason> all_reasons() noexcept { return kAllReasons; }

// ---- clocks ----

std::chrono::system_clock::time_point SystemClock::now() const { return std::chrono::system_clock::now(); }
std::chrono::steady_clock::time_point SystemClock::steady_now() const { return std::chrono::steady_clock::now(); }

FakeClock::FakeClock(std::chrono::system_clock::time_point start) : start_(start) {}

std::chrono::system_clock::time_point FakeClock::now() const {
  const auto offset = std::chrono::nanoseconds(offset_ns_.load(std::memory_order_acquire));
  return start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(offset);
}

std::chrono::steady_clock::time_point FakeClock::steady_now() const {
  // A fixed, arbitrary epoch: tests only compare steady time points with each other.
  const auto offset = std::chrono::nanoseconds(offset_ns_.load(std::memory_order_acquire));
  return std::chrono::steady_clock::time_point{} + std::chrono::hours(24) +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(offset);
}

void FakeClock::advance(std::chrono::nanoseconds by) { offset_ns_.fetch_add(by.count(), std::memory_order_acq_rel); }

// ---- randomness ----

void SystemRng::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, static_cast<std::size_t>(INT_MAX));
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      // Fail closed: every caller uses these bytes for secrets or ids (see core.h).
      std::fputs("bulkhead: fatal: the system CSPRNG (RAND_bytes) failed\n", stderr);
      std::abort();
    }
    done += chunk;
  }
}

void SeededRng::fill(std::span<std::uint8_t> out) {
  // splitmix64: deterministic, well distributed, and trivially reproducible in tests.
  std::size_t i = 0;
  while (i < out.size()) {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (int b = 0; b < 8 && i < out.size(); ++b, ++i) out[i] = static_cast<std::uint8_t>(z >> (8 * b));
  }
}

std::string random_hex(Rng& rng, std::size_t bytes) {
  std::vector<std::uint8_t> buf(bytes);
  rng.fill(buf);
  std::string out = hex_encode(buf);
  OPENSSL_cleanse(buf.data(), buf.size());
  return out;
}

// ---- encodings ----

std::string hex_encode(std::span<const std::uint8_t> bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0xF];
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit_value(text[2 * i]);
    const int lo = hex_digit_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  return base64_encode_with(bytes, kBase64UrlAlphabet, /*pad=*/false);
}

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
  const auto data = strip_padding(text);
  if (!data) return std::nullopt;
  return base64_decode_unpadded(*data, /*url=*/true);
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  return base64_encode_with(bytes, kBase64Alphabet, /*pad=*/true);
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  // Standard base64 is always padded: the length must be a multiple of 4.
  if (text.size() % 4 != 0) return std::nullopt;
  const auto data = strip_padding(text);
  if (!data) return std::nullopt;
  return base64_decode_unpadded(*data, /*url=*/false);
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int length = 0;
  // EVP_Digest with EVP_sha256() cannot fail short of memory exhaustion; treat that as fatal like the RNG.
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 || length != 32) {
    std::fputs("bulkhead: fatal: SHA-256 failed\n", stderr);
    std::abort();
  }
  return digest;
}

std::string sha256_hex(std::string_view data) { return hex_encode(sha256(as_bytes(data))); }

// ---- hosts ----

std::optional<HostPort> parse_host_port(std::string_view text, bool allow_zero_port) {
  HostPort result;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    const std::string_view host = text.substr(1, close - 1);
    if (!valid_ipv6(host)) return std::nullopt;
    if (!parse_port(text.substr(close + 2), allow_zero_port, result.port)) return std::nullopt;
    result.host = std::string(host);
    return result;
  }
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view host = text.substr(0, colon);
  if (!valid_hostname(host)) return std::nullopt;  // also rejects a bare IPv6 address (contains ':')
  if (!parse_port(text.substr(colon + 1), allow_zero_port, result.port)) return std::nullopt;
  result.host = std::string(host);
  return result;
}

bool is_loopback_host(std::string_view host) noexcept {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (ascii_iequal(host, "localhost") || ascii_iequal(host, "localhost.")) return true;
  if (host.empty() || host.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, host.data(), host.size());
  buf[host.size()] = '\0';
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
    return false;
  }
  return false;
}

}  // namespace bulkhead::core
