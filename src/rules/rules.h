// bulkhead::rules — the credential rule library shared by `bulkhead scan` (configuration files) and the response
// DLP (tool results). It knows the catalogue of scan rules (ids BH001…, severities, messages, fix hints), finds
// provider-format credentials with one Hyperscan database, judges generic high-entropy values, and tells secrets
// from references and placeholders (`${env:X}`, `<your-token>`, `sk-xxxx`…).
//
// Thread-safety: the catalogue and the free functions are pure. A CredentialMatcher owns Hyperscan scratch space,
// so one matcher must not be used by two threads at once; copy it (cheap: the compiled database is shared,
// immutable) to get one per thread. Lifetime: matches hold offsets into the scanned text, not pointers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace bulkhead::rules {

enum class Severity : std::uint8_t { info, low, medium, high, critical };

[[nodiscard]] std::string_view severity_name(Severity severity) noexcept;  // "info" … "critical"
[[nodiscard]] std::optional<Severity> severity_from_name(std::string_view name) noexcept;

// What a rule is about; `secret` rules are the ones the DLP reuses and the secretlint comparison measures.
enum class Category : std::uint8_t { secret, transport, supply_chain, isolation, authorization, file };

// One scan rule. Ids are stable (documented in docs/scan-rules.md, used in baselines and SARIF).
struct Rule {
  std::string_view id;        // "BH001"
  std::string_view name;      // "github-token" (kebab-case, SARIF rule name)
  Category category;
  Severity severity;
  std::string_view message;   // one line, what was found
  std::string_view fix;       // one line, what to do instead
};

[[nodiscard]] std::span<const Rule> all_rules() noexcept;
[[nodiscard]] const Rule* find_rule(std::string_view id) noexcept;

// Stable rule ids, so callers do not spell strings.
namespace id {
inline constexpr std::string_view github_token = "BH001";
inline constexpr std::string_view gitlab_token = "BH002";
inline constexpr std::string_view aws_key = "BH003";
inline constexpr std::string_view google_key = "BH004";
inline constexpr std::string_view slack_token = "BH005";
inline constexpr std::string_view stripe_key = "BH006";
inline constexpr std::string_view openai_key = "BH007";
inline constexpr std::string_view anthropic_key = "BH008";
inline constexpr std::string_view azure_key = "BH009";
inline constexpr std::string_view jwt = "BH010";
inline constexpr std::string_view private_key = "BH011";
inline constexpr std::string_view provider_token = "BH012";
inline constexpr std::string_view generic_secret = "BH013";
inline constexpr std::string_view url_credential = "BH014";
inline constexpr std::string_view shared_credential = "BH015";
inline constexpr std::string_view plain_http = "BH020";
inline constexpr std::string_view unpinned_package = "BH021";
inline constexpr std::string_view privileged_container = "BH022";
inline constexpr std::string_view shell_interpolation = "BH023";
inline constexpr std::string_view token_passthrough = "BH024";
inline constexpr std::string_view unscoped_tools = "BH030";
inline constexpr std::string_view auth_disabled = "BH031";
inline constexpr std::string_view malformed_file = "BH090";
}  // namespace id

// A provider-format credential found in a text: [offset, offset+length) is the credential itself.
struct CredentialMatch {
  std::string_view rule_id;  // one of BH001…BH012
  std::string_view kind;     // human name, e.g. "GitHub personal access token"
  std::size_t offset = 0;
  std::size_t length = 0;
};

// Finds provider-format credentials (GitHub, GitLab, AWS, Google, Slack, Stripe, OpenAI, Anthropic, Azure, JWTs,
// private keys, npm, Hugging Face, …) with one Hyperscan block-mode database. Checks Hyperscan cannot express
// (word boundaries, JWT header decoding, placeholder filtering) run in C++ on each candidate.
class CredentialMatcher {
 public:
  // Compiles the database; fails (internal_error) only if Hyperscan cannot compile or allocate.
  [[nodiscard]] static core::Result<CredentialMatcher> create();

  CredentialMatcher(const CredentialMatcher& other);
  CredentialMatcher& operator=(const CredentialMatcher& other);
  CredentialMatcher(CredentialMatcher&&) noexcept;
  CredentialMatcher& operator=(CredentialMatcher&&) noexcept;
  ~CredentialMatcher();

  // Every credential in `text`, ordered by offset, non-overlapping (the longest candidate wins). Placeholders
  // and documented example values (AKIAIOSFODNN7EXAMPLE…) are not reported.
  [[nodiscard]] std::vector<CredentialMatch> find(std::string_view text);

  // End offsets (exclusive; ascending, each once) of every candidate in `text` before the checks find() applies.
  // find(text.substr(a, n)) can only report a credential when a candidate ends in (a, a + n], so a caller that
  // checks many substrings of one text (the strings of a configuration file) can scan the whole text once and
  // skip the substrings without a candidate. Returns false when the text could not be scanned completely (then
  // every substring needs find()).
  [[nodiscard]] bool candidate_ends(std::string_view text, std::vector<std::size_t>& ends);

  // The Hyperscan expressions of the candidates, for a caller that folds them into a database of its own (the
  // DLP's, to scan a response once instead of twice): a text in which none of them matches (block mode, any
  // flags but HS_FLAG_SOM_*) has no credential, so find() can be skipped; otherwise find() over the whole text.
  [[nodiscard]] static std::vector<std::string> candidate_expressions();

 private:
  struct Database;
  struct Scratch;
  CredentialMatcher(std::shared_ptr<const Database> database, std::unique_ptr<Scratch> scratch);
  std::shared_ptr<const Database> database_;
  std::unique_ptr<Scratch> scratch_;
};

// Shannon entropy in bits per character of `text` (0 for empty text).
[[nodiscard]] double shannon_entropy(std::string_view text) noexcept;

// True when the value refers to a secret kept elsewhere instead of holding one: `${env:X}`, `${input:x}`,
// `${X}`, `$X`, `%X%`, `{{ x }}`, `env:X`, `op://…`, `secret://…`.
[[nodiscard]] bool is_reference(std::string_view value) noexcept;

// True for obvious placeholders and examples: `<your-token>`, `YOUR_API_KEY`, `changeme`, `xxxx…`, `****`,
// `example`, `dummy`, `REDACTED`, repeated characters, sequences like `1234567890abcdef`.
[[nodiscard]] bool is_placeholder(std::string_view value) noexcept;

// True when a key name says its value is a credential (TOKEN, SECRET, PASSWORD, API_KEY, Authorization, …)
// and not merely about one (TOKEN_URL, KEY_ID, PASSWORD_FILE, …).
[[nodiscard]] bool is_sensitive_key(std::string_view key) noexcept;

// The high-entropy rule (BH013), for values found in a credential field (is_sensitive_key): true when `value`
// (after an optional "Bearer "/"Basic "/"Token " scheme) looks like a credential: 12–1024 printable characters
// without spaces, two character classes (or ≥ 16 hex digits), Shannon entropy ≥ 3.0 bits/char (≥ 3.3 from 20
// characters), and not a reference, placeholder, documented example, UUID, version, date, path, URL, e-mail
// address, environment variable name or lower-case words joined by separators.
[[nodiscard]] bool looks_like_generic_secret(std::string_view value) noexcept;

// How a secret is shown anywhere (never whole): first 4 characters, length and SHA-256 prefix,
// e.g. "ghp_…(40 chars, sha256:1f2e3d4c)".
[[nodiscard]] std::string redact(std::string_view secret);

// SHA-256 of `data` as 64 lower-case hex digits (the value of core::sha256_hex), without OpenSSL's per-call EVP
// dispatch (redaction and scan fingerprints hash every finding). Thread-safe.
[[nodiscard]] std::string sha256_hex(std::string_view data);
[[nodiscard]] std::array<char, 64> sha256_hex_digits(std::string_view data) noexcept;

}  // namespace bulkhead::rules
