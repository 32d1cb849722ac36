// bulkhead::dlp — response and egress data-loss prevention. Scans the *decoded* string values of a JSON message
// (\u escapes decoded, base64 `blob`/`data` values decoded) for other tenants' canaries and data markers, for
// credentials (the scanner's rule library, module rules: one catalogue for both) and for custom patterns per
// classification, and decides per hit: block (the whole message is refused, reason dlp_blocked), redact (the match
// is masked) or log. Behaviour and rule ids: docs/dlp.md.
//
// Thread-safety: an Engine is immutable after create() and shared (shared_ptr<const Engine>). A Scanner owns
// Hyperscan scratch space and must be used by one thread at a time (the gateway has one per event loop). A
// StreamState belongs to one response stream (one request's SSE events, or a session's GET stream).
// Lifetime: a Scanner keeps its Engine alive. Verdicts never hold the matched text (only rule ids and labels).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/core.h"

namespace bulkhead::dlp {

enum class Action : std::uint8_t { log, redact, block };  // ordered: a stronger action wins
[[nodiscard]] std::string_view action_name(Action action) noexcept;  // "log" | "redact" | "block"
[[nodiscard]] std::optional<Action> action_from_name(std::string_view name) noexcept;

// One tenant's data: literal canaries and marker regexes (Hyperscan syntax, e.g. `globex-\d{3}`).
struct TenantData {
  std::string tenant;
  std::vector<std::string> canaries;
  std::vector<std::string> markers;
};

// A custom pattern ([[dlp.pattern]]): data of a classification, with its own action.
struct CustomPattern {
  std::string id;              // rule id, [a-z0-9_-]+
  std::string regex;
  std::string classification;  // label the task gets when it reads a match (e.g. "restricted")
  Action action = Action::log;
};

struct Options {
  std::vector<TenantData> tenants;
  std::vector<CustomPattern> patterns;
  Action on_other_tenant_marker = Action::block;  // another tenant's canary or marker
  Action on_secret = Action::redact;              // a credential (rules::CredentialMatcher)
  bool secrets = true;                            // look for credentials at all
  std::size_t carry_bytes = 256;                  // per field, kept across the events of one stream
  // Calling tenants for which a database without their own patterns is kept (compiled in the background on a
  // tenant's first scan; until then the shared database serves it, with the same verdicts). 0: never.
  std::size_t tenant_databases = 32;
  // The share of one core the background compiles may take (more active calling tenants than tenant_databases
  // would otherwise recompile without end); in (0, 1].
  double tenant_compile_share = 0.1;
};

enum class HitKind : std::uint8_t { canary, marker, secret, pattern };

// One rule that matched (never the matched text).
struct Hit {
  std::string rule_id;  // "marker:globex:0", "canary:globex:0", "BH001", "pattern:ssn"
  HitKind kind = HitKind::marker;
  Action action = Action::log;
};

struct Verdict {
  Action action = Action::log;     // the strongest action among hits (log when there are none)
  std::vector<Hit> hits;           // one per rule id, in order of first sight (own-tenant data is not a hit)
  std::set<std::string> labels;    // "tenant:<id>" per tenant whose data was seen, classifications of patterns
  std::optional<std::string> redacted;  // the message text with matches masked (action redact)
  [[nodiscard]] bool blocked() const noexcept { return !hits.empty() && action == Action::block; }
};

// What stays between the events of one stream so a value split across events is still found: per field name the
// last carry_bytes of its previous value.
struct StreamState {
  std::unordered_map<std::string, std::string> tails;
};

// The compiled rule set.
class Engine {
 public:
  // Compiles every canary, marker and pattern (and loads the credential rules). A bad regex is
  // invalid_request naming the rule; a Hyperscan failure is internal_error.
  [[nodiscard]] static core::Result<std::shared_ptr<const Engine>> create(Options options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  [[nodiscard]] const Options& options() const noexcept;
  [[nodiscard]] std::size_t pattern_count() const noexcept;  // canaries + markers + custom patterns

  // Compiles the database `tenant`'s scans use (without its own patterns) now instead of in the background after
  // its first scan. Optional (warm-up, tests, benchmarks); an error leaves the tenant on the shared database.
  [[nodiscard]] core::Result<void> prepare_tenant(std::string_view tenant) const;

  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  [[nodiscard]] const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};
using EnginePtr = std::shared_ptr<const Engine>;

class Scanner {
 public:
  [[nodiscard]] static core::Result<Scanner> create(EnginePtr engine);
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;
  ~Scanner();

  // Scans one JSON document (a message, a result, arguments) on behalf of `tenant` (whose own data is no hit).
  // `stream`: the stream this message belongs to (null: a message on its own). An error (malformed text, a
  // Hyperscan failure) means the text could not be checked: callers block (fail closed).
  [[nodiscard]] core::Result<Verdict> scan_json(std::string_view json_text, std::string_view tenant,
                                                StreamState* stream = nullptr);

  struct State;

 private:
  explicit Scanner(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace bulkhead::dlp
