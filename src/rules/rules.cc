// The rule catalogue and the credential heuristics (entropy, references, placeholders, sensitive key names).
#include "rules/rules.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <initializer_list>

// SHA256_Init/Update/Final: see sha256_hex_digits.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "core/core.h"
#include "rules/detail/heuristics.h"

namespace bulkhead::rules {
namespace {

using namespace std::literals;

using enum Category;
using enum Severity;

constexpr std::array kRules = {
    Rule{id::github_token, "github-token", secret, critical, "hard-coded GitHub token",
         "reference it instead (\"${env:GITHUB_TOKEN}\" or an input) and revoke the exposed token"},
    Rule{id::gitlab_token, "gitlab-token", secret, critical, "hard-coded GitLab token",
         "reference it from the environment or a secret store and revoke the exposed token"},
    Rule{id::aws_key, "aws-credential", secret, critical, "hard-coded AWS access key",
         "use an AWS profile, SSO or an instance role instead of static keys; deactivate the exposed key"},
    Rule{id::google_key, "google-credential", secret, critical, "hard-coded Google API key or OAuth secret",
         "reference it from the environment and restrict/rotate the key in the Google Cloud console"},
    Rule{id::slack_token, "slack-token", secret, critical, "hard-coded Slack token or webhook URL",
         "reference it from the environment and rotate it in the Slack app settings"},
    Rule{id::stripe_key, "stripe-key", secret, critical, "hard-coded Stripe secret or restricted key",
         "reference it from the environment and roll the key in the Stripe dashboard"},
    Rule{id::openai_key, "openai-key", secret, critical, "hard-coded OpenAI API key",
         "reference it from the environment (\"${env:OPENAI_API_KEY}\") and revoke the exposed key"},
    Rule{id::anthropic_key, "anthropic-key", secret, critical, "hard-coded Anthropic API key",
         "reference it from the environment (\"${env:ANTHROPIC_API_KEY}\") and revoke the exposed key"},
    Rule{id::azure_key, "azure-credential", secret, critical, "hard-coded Azure key, SAS token or client secret",
         "use a managed identity or reference the secret from Key Vault/the environment; rotate it"},
    Rule{id::jwt, "jwt", secret, high, "hard-coded JSON Web Token",
         "obtain tokens at run time (OAuth) instead of pasting one into the configuration"},
    Rule{id::private_key, "private-key", secret, critical, "private key embedded in the configuration",
         "keep keys in files with restrictive permissions or a secret store and reference the path"},
    Rule{id::provider_token, "provider-token", secret, critical,
         "hard-coded provider token",
         "reference it from the environment or a secret store and revoke the exposed token"},
    Rule{id::generic_secret, "generic-secret", secret, high, "high-entropy value in a credential field",
         "move the value to the environment or a secret store and reference it (\"${env:NAME}\", \"${input:id}\")"},
    Rule{id::url_credential, "url-credential", secret, high, "credential in a URL (userinfo or query string)",
         "send credentials in a header that references the environment, never in the URL"},
    Rule{id::shared_credential, "shared-credential", secret, high, "the same credential is given to several servers",
         "issue one credential per server with the least scope it needs"},
    Rule{id::plain_http, "plain-http", transport, high, "plain http:// to a non-loopback host",
         "use https:// (or keep plain http on 127.0.0.1/localhost only)"},
    Rule{id::unpinned_package, "unpinned-package", supply_chain, medium,
         "server package or image is not pinned to a version",
         "pin an exact version (npx -y pkg@1.2.3, uvx pkg==1.2.3, image:1.2.3 or @sha256:…)"},
    Rule{id::privileged_container, "privileged-container", isolation, high,
         "container runs privileged or mounts the host root or Docker socket",
         "drop --privileged and mount only the directories the server needs, read-only where possible"},
    Rule{id::shell_interpolation, "shell-interpolation", isolation, high,
         "server is started through a shell that interpolates",
         "run the server binary directly with an argument list; pass values through env"},
    Rule{id::token_passthrough, "token-passthrough", authorization, high,
         "the client's own token is passed through to a remote server",
         "give the server its own credential (token exchange) instead of forwarding the caller's token"},
    Rule{id::unscoped_tools, "unscoped-tools", authorization, medium,
         "tools are not scoped to an allowlist or policy",
         "list the tools each server may expose and configure a policy (bulkhead: [policy] dir)"},
    Rule{id::auth_disabled, "auth-disabled", authorization, high, "gateway authentication is disabled",
         "use [auth] mode = \"workload\" (JWT-SVID or mTLS); \"none\" is for loopback tests only"},
    Rule{id::malformed_file, "malformed-file", file, medium, "configuration file could not be parsed",
         "fix the syntax error; a file that cannot be parsed cannot be checked completely"},
};

constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high", "critical"};

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool is_alnum(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool all_of(std::string_view s, bool (*pred)(char) noexcept) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

bool is_identifier(std::string_view s) {
  if (s.empty() || is_digit(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '_'; });
}

// `text` in lower case, in `buffer` when it fits (the common case: no allocation), else in `heap`.
template <std::size_t N>
std::string_view lowered(std::string_view text, std::array<char, N>& buffer, std::string& heap) {
  if (text.size() <= N) {
    for (std::size_t i = 0; i < text.size(); ++i) buffer[i] = lower(text[i]);
    return {buffer.data(), text.size()};
  }
  heap = to_lower(text);
  return heap;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

bool looks_like_version_or_date(std::string_view s) {
  // 1.2.3, v2.0.0-beta.1, 2026-11-01, 2026-11-01T10:00:00Z
  const bool date_like = std::all_of(s.begin(), s.end(), [](char c) {
    return is_digit(c) || c == '.' || c == '-' || c == ':' || c == 'T' || c == 'Z' || c == '+';
  });
  if (date_like) return true;
  std::string_view v = s;
  if (v.starts_with("v") || v.starts_with("V")) v.remove_prefix(1);
  std::size_t i = 0;
  while (i < v.size() && is_digit(v[i])) ++i;
  if (i == 0 || i >= v.size() || v[i] != '.') return false;
  const std::size_t minor = ++i;
  while (i < v.size() && is_digit(v[i])) ++i;
  return i > minor;
}

// Well-known documentation values that have a credential's shape.
constexpr std::array<std::string_view, 6> kDocumentedExamples = {
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",  // jwt.io sample signature
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",  // jwt.io sample payload
    "xoxb-not-a-real-token",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
};

}  // namespace

std::string_view severity_name(Severity severity) noexcept {
  const auto index = static_cast<std::size_t>(severity);
  return index < kSeverityNames.size() ? kSeverityNames[index] : "unknown";
}

std::optional<Severity> severity_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

std::span<const Rule> all_rules() noexcept { return kRules; }

const Rule* find_rule(std::string_view rule_id) noexcept {
  // Ids are "BH" and three digits; a table by number answers the common case (a lookup per finding).
  static constexpr std::array<std::int8_t, 1000> kByNumber = [] {
    std::array<std::int8_t, 1000> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < kRules.size(); ++i) {
      const std::string_view id = kRules[i].id;
      table[static_cast<std::size_t>((id[2] - '0') * 100 + (id[3] - '0') * 10 + (id[4] - '0'))] =
          static_cast<std::int8_t>(i);
    }
    return table;
  }();
  if (rule_id.size() == 5 && rule_id[0] == 'B' && rule_id[1] == 'H' && is_digit(rule_id[2]) && is_digit(rule_id[3]) &&
      is_digit(rule_id[4])) {
    const int index =
        kByNumber[static_cast<std::size_t>((rule_id[2] - '0') * 100 + (rule_id[3] - '0') * 10 + (rule_id[4] - '0'))];
    return index < 0 ? nullptr : &kRules[static_cast<std::size_t>(index)];
  }
  return nullptr;
}

double shannon_entropy(std::string_view text) noexcept {
  if (text.empty()) return 0.0;
  std::array<std::size_t, 256> counts{};
  for (char c : text) ++counts[static_cast<unsigned char>(c)];
  double entropy = 0.0;
  const double n = static_cast<double>(text.size());
  for (std::size_t count : counts) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) / n;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

bool is_reference(std::string_view value) noexcept {
  if (value.find("${") != std::string_view::npos || value.find("{{") != std::string_view::npos ||
      value.find("$(") != std::string_view::npos) {
    return true;
  }
  if (value.size() > 1 && value.front() == '$' && is_identifier(value.substr(1))) return true;
  if (value.size() > 2 && value.front() == '%' && value.back() == '%' &&
      is_identifier(value.substr(1, value.size() - 2))) {
    return true;
  }
  for (std::string_view prefix : {"env:"sv, "op://"sv, "secret://"sv, "vault:"sv, "vault://"sv, "keychain:"sv,
                                  "file:"sv,
                                  "awssm:"sv, "gcpsm:"sv, "azurekv:"sv, "sops:"sv, "${"sv}) {
    if (value.starts_with(prefix)) return true;
  }
  return false;
}

namespace {

// True when `low` contains one of the words of placeholders: one pass, dispatching on the first byte.
bool has_placeholder_word(std::string_view low) noexcept {
  const auto at = [&low](std::size_t i, std::initializer_list<std::string_view> words) {
    const std::string_view rest = low.substr(i);
    for (std::string_view word : words) {
      if (rest.starts_with(word)) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < low.size(); ++i) {
    bool found = false;
    switch (low[i]) {
      case '<': case '>': return true;
      case 'y': found = at(i, {"your"sv}); break;
      case 'e': found = at(i, {"example"sv}); break;
      case 'p': found = at(i, {"placeholder"sv}); break;
      case 'c': found = at(i, {"changeme"sv, "change_me"sv, "change-me"sv}); break;
      case 'r': found = at(i, {"replace"sv, "redacted"sv}); break;
      case 'd': found = at(i, {"dummy"sv}); break;
      case 's': found = at(i, {"sample"sv, "secret_here"sv}); break;
      case 'i': found = at(i, {"insert"sv}); break;
      case 't': found = at(i, {"todo"sv, "token_here"sv}); break;
      case 'f': found = at(i, {"fixme"sv}); break;
      case 'x': found = at(i, {"xxxx"sv}); break;
      case '*': found = at(i, {"****"sv}); break;
      case '.': found = at(i, {"..."sv}); break;
      case '\xE2': found = at(i, {"…"sv}); break;
      case 'n': found = at(i, {"not-a-real"sv, "notreal"sv, "not_real"sv}); break;
      case 'k': found = at(i, {"key_here"sv}); break;
      case 'h': found = at(i, {"here>"sv}); break;
      case '0': found = at(i, {"0000000000"sv}); break;
      case '1': found = at(i, {"1111111111"sv}); break;
      default: break;
    }
    if (found) return true;
  }
  return false;
}

}  // namespace

bool is_placeholder(std::string_view value) noexcept {
  if (value.empty()) return true;
  std::array<char, 256> buffer;
  std::string heap;
  const std::string_view low = lowered(value, buffer, heap);
  // "your", "example", "placeholder", "changeme", "change_me", "change-me", "replace", "dummy", "sample",
  // "redacted", "insert", "todo", "fixme", "xxxx", "****", "...", "…", "<", ">", "not-a-real", "notreal",
  // "not_real", "secret_here", "token_here", "key_here", "here>", "0000000000", "1111111111"
  if (has_placeholder_word(low)) return true;
  // Few distinct characters (aaaa…, abababab…).
  std::array<bool, 256> seen{};
  std::size_t distinct = 0;
  for (char c : value) {
    if (!seen[static_cast<unsigned char>(c)]) {
      seen[static_cast<unsigned char>(c)] = true;
      ++distinct;
    }
  }
  if (value.size() >= 8 && distinct <= 3) return true;
  // Mostly ascending sequences (1234567890abcdef…, abcdefgh…).
  std::size_t ascending = 0;
  std::size_t pairs = 0;
  for (std::size_t i = 1; i < low.size(); ++i) {
    if (!is_alnum(low[i]) || !is_alnum(low[i - 1])) continue;
    ++pairs;
    if (low[i] == low[i - 1] + 1 || (low[i - 1] == '9' && low[i] == 'a') || (low[i - 1] == '9' && low[i] == '0')) {
      ++ascending;
    }
  }
  return pairs >= 8 && ascending * 10 >= pairs * 6;
}

namespace {

// True when `low` contains one of "tok", "secret", "pass", "pwd", "key", "auth", "credential", "bearer", "pat",
// "cookie": every sensitive word does. One pass, dispatching on the first letter.
bool has_sensitive_fragment(std::string_view low) noexcept {
  for (std::size_t i = 0; i < low.size(); ++i) {
    const std::string_view rest = low.substr(i);
    switch (low[i]) {
      case 't': if (rest.starts_with("tok")) return true; break;
      case 's': if (rest.starts_with("secret")) return true; break;
      case 'p':
        if (rest.starts_with("pass") || rest.starts_with("pwd") || rest.starts_with("pat")) return true;
        break;
      case 'k': if (rest.starts_with("key")) return true; break;
      case 'a': if (rest.starts_with("auth")) return true; break;
      case 'c': if (rest.starts_with("credential") || rest.starts_with("cookie")) return true; break;
      case 'b': if (rest.starts_with("bearer")) return true; break;
      default: break;
    }
  }
  return false;
}

}  // namespace

bool is_sensitive_key(std::string_view key) noexcept {
  std::array<char, 128> buffer;
  std::string heap;
  const std::string_view low = lowered(key, buffer, heap);
  // Cheap filter first: every sensitive word contains one of these fragments.
  if (key.size() <= buffer.size()) {
    if (!has_sensitive_fragment(low)) return false;
  }
  static constexpr std::array<std::string_view, 20> kSensitive = {
      "token",    "tokens",      "secret",        "secrets", "password",  "passwd", "pwd",
      "passphrase", "apikey",    "credential",    "credentials", "authorization", "auth", "bearer",
      "pat",      "privatekey",  "cookie",        "key",      "accesskey", "secretkey"};
  static constexpr std::array<std::string_view, 29> kNotTheValue = {
      "url",   "uri",     "endpoint", "id",     "file",   "path",   "name",    "type",    "env",   "header",
      "expiry", "expires", "ttl",     "length", "size",   "count",  "limit",   "format",  "mode",  "enabled",
      "prefix", "host",   "user",     "username", "region", "dir",  "command", "version"};
  // Words of "OPENAI_API_KEY", "x-api-key" or "apiKey": runs of letters and digits, split before an upper-case
  // letter that follows a lower-case one; compared in lower case.
  bool sensitive = false;
  std::string_view last;
  std::size_t i = 0;
  while (i < key.size()) {
    if (!is_alnum(key[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i++;
    while (i < key.size() && is_alnum(key[i]) && !(is_upper(key[i]) && is_lower(key[i - 1]))) ++i;
    const std::string_view word = low.substr(start, i - start);
    if (word == "public" || word == "publishable") return false;
    if (std::find(kSensitive.begin(), kSensitive.end(), word) != kSensitive.end()) sensitive = true;
    last = word;
  }
  if (!sensitive) return false;
  return std::find(kNotTheValue.begin(), kNotTheValue.end(), last) == kNotTheValue.end();
}

bool looks_like_generic_secret(std::string_view value) noexcept {
  for (std::string_view scheme : {"Bearer "sv, "bearer "sv, "Basic "sv, "basic "sv, "Token "sv, "token "sv}) {
    if (value.starts_with(scheme)) {
      value.remove_prefix(scheme.size());
      break;
    }
  }
  if (value.size() < 12 || value.size() > 1024) return false;
  if (is_reference(value) || is_placeholder(value)) return false;
  for (std::string_view example : kDocumentedExamples) {
    if (value.find(example) != std::string_view::npos) return false;
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  if (is_uuid(value) || looks_like_version_or_date(value)) return false;
  // The name of an environment variable (LINEAR_TOKEN) says where the secret is, it is not the secret.
  if (value.find('_') != std::string_view::npos &&
      all_of(value, [](char c) noexcept { return is_upper(c) || is_digit(c) || c == '_'; })) {
    return false;
  }
  if (value.find("://") != std::string_view::npos || value.front() == '/' || value.starts_with("./") ||
      value.starts_with("~/") || value.starts_with("../")) {
    return false;
  }
  if (value.find('@') != std::string_view::npos && value.find('.') != std::string_view::npos &&
      value.find('@') > 0 && all_of(value.substr(0, value.find('@')), [](char c) noexcept {
        return is_alnum(c) || c == '.' || c == '_' || c == '-' || c == '+';
      })) {
    return false;  // e-mail address
  }
  int classes = 0;
  classes += std::any_of(value.begin(), value.end(), [](char c) { return is_upper(c); }) ? 1 : 0;
  classes += std::any_of(value.begin(), value.end(), [](char c) { return is_lower(c); }) ? 1 : 0;
  classes += std::any_of(value.begin(), value.end(), [](char c) { return is_digit(c); }) ? 1 : 0;
  classes += std::any_of(value.begin(), value.end(), [](char c) { return !is_alnum(c); }) ? 1 : 0;
  const bool hex_only = all_of(value, is_hex);
  if (!hex_only && classes < 2) return false;
  if (hex_only && value.size() < 16) return false;
  // Words joined by separators ("read-only-access", "my_service_name") are names, not secrets.
  const bool wordish = all_of(value, [](char c) noexcept { return is_lower(c) || c == '-' || c == '_' || c == '.'; });
  if (wordish) return false;
  const double entropy = shannon_entropy(value);
  const double threshold = value.size() < 20 ? 3.0 : 3.3;
  return entropy >= threshold;
}

std::string redact(std::string_view secret) {
  const std::size_t shown = secret.size() >= 16 ? 4 : secret.size() / 4;
  std::string out(secret.substr(0, shown));
  out += "...(";
  out += std::to_string(secret.size());
  out += " chars, sha256:";
  out.append(sha256_hex_digits(secret).data(), 8);
  out += ")";
  return out;
}

std::array<char, 64> sha256_hex_digits(std::string_view data) noexcept {
  // The low-level API: deprecated in OpenSSL 3 in favour of EVP, whose dispatch costs more than hashing the
  // short inputs this is for (about 100 ns a call, measured), and the same implementation underneath.
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, data.data(), data.size());
  SHA256_Final(digest.data(), &context);
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<char, 64> out{};
  for (std::size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  const std::array<char, 64> digits = sha256_hex_digits(data);
  return std::string(digits.data(), digits.size());
}

bool detail::is_documented_example(std::string_view token) noexcept {
  for (std::string_view example : kDocumentedExamples) {
    if (token.find(example) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace bulkhead::rules
