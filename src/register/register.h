// bulkhead::registry (module `register`; `register` is a C++ keyword, so the namespace differs from the folder) —
// the control register: who owns each connector (an upstream), who approved it for what purpose until when, which
// tenants (and which of their workloads) may use it, the pinned definitions of its tools, and offboarding.
// Behaviour: docs/register.md; storage: docs/formats/store.md.
//
// The register is declarative (register.toml): `apply` stores it as a new version with who and why. The gateway
// enforces an immutable View built from the latest version, the tool pins and the offboardings, rebuilt when the
// store changes. Threading: View is immutable (share it as shared_ptr<const View>); everything else runs on one
// thread with one Store.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/core.h"
#include "json/json.h"
#include "store/store.h"

namespace bulkhead::registry {

// A calendar date (UTC) as days since 1970-01-01.
using Date = std::int32_t;
[[nodiscard]] std::optional<Date> parse_date(std::string_view yyyy_mm_dd);
[[nodiscard]] std::string format_date(Date date);
[[nodiscard]] Date date_of(std::chrono::system_clock::time_point time);

enum class ConnectorKind : std::uint8_t { self_hosted, vendor };

struct TenantMapping {
  std::uint32_t line = 0;  // where it was declared (diagnostics only)
  std::string tenant;
  std::vector<std::string> agents;  // SPIFFE IDs or "<prefix>/*"; empty = any workload bound to the tenant
  std::string purpose;
};

struct Connector {
  std::uint32_t line = 0;  // where it was declared (diagnostics only)
  std::string upstream;
  std::string owner_team;        // owns the connector
  std::string policy_owner;      // owns the policy boundary
  std::string downstream_owner;  // owns the downstream service
  std::string approver;
  Date approved_on = 0;
  std::string purpose;
  Date review_by = 0;
  ConnectorKind kind = ConnectorKind::self_hosted;
  std::vector<TenantMapping> tenants;
};

struct Register {
  std::vector<Connector> connectors;  // in file order
  [[nodiscard]] const Connector* find(std::string_view upstream) const noexcept;
};

// A problem in register.toml, at a line (0 = not tied to one).
struct Diagnostic {
  std::uint32_t line = 0;
  std::string message;
};
[[nodiscard]] std::string to_string(const Diagnostic& diagnostic, std::string_view file);

// Parses register.toml (CONFIG.md "register.toml"). Unknown keys are errors.
[[nodiscard]] std::expected<Register, std::vector<Diagnostic>> parse_register(std::string_view toml_text);

// What the register is checked against: the gateway's config and today's date.
struct Context {
  std::set<std::string> upstreams;                       // [[upstream]] names
  std::map<std::string, std::vector<std::string>> tenants;  // [[tenant]] id → agent patterns
  Date today = 0;
};
// Every problem at once (missing owners, dates, unknown upstream or tenant, duplicates, agents not bound to the
// tenant); empty = valid. `apply` refuses a register with any problem (nothing is applied).
[[nodiscard]] std::vector<Diagnostic> validate(const Register& reg, const Context& context);

// The register as canonical JSON (what a version stores) and back.
[[nodiscard]] json::Value to_json(const Register& reg);
[[nodiscard]] core::Result<Register> from_json(const json::Value& value);

// `register plan`: the changes from `before` to `after`, one line each ("+ connector crm", "~ crm.review_by:
// 2027-05-01 -> 2027-11-01", "- crm.tenant globex"); empty = no change.
[[nodiscard]] std::vector<std::string> plan(const Register& before, const Register& after);

// The classification in force for each upstream and tool (bulkhead.toml), recorded with an approval: a later
// change needs re-approval. {"crm": {"default": "internal", "tools": {"lookup": "confidential"}}}.
using Classifications = json::Value;

// ---- Tool pinning (CONFIG.md "Tool pinning") ----

// SHA-256 (hex) over RFC 8785 canonical JSON of {name, description, inputSchema, annotations} of a tool as the
// upstream lists it (absent members are omitted).
[[nodiscard]] std::string tool_digest(const json::Value& tool);
[[nodiscard]] json::Value pinned_part(const json::Value& tool);  // the members the digest covers

// A line diff of two pinned definitions (pretty-printed JSON), for `register approve-tools`.
[[nodiscard]] std::string definition_diff(const json::Value& pinned, const json::Value& candidate);

// ---- Offboarding ----

enum class OffboardKind : std::uint8_t { connector, tenant, agent, mapping };
[[nodiscard]] std::string_view offboard_kind_name(OffboardKind kind) noexcept;
[[nodiscard]] std::optional<OffboardKind> offboard_kind_from_name(std::string_view name) noexcept;

// ---- What the gateway enforces ----

enum class Verdict : std::uint8_t {
  allow,
  overdue,            // review_by passed: warn or deny per [register] on_review_overdue
  not_approved,       // no connector entry, an incomplete approval, changed classification, offboarded connector
  tenant_not_mapped,  // tenant (or this workload of it) not mapped, or the mapping / tenant offboarded
};

enum class PinState : std::uint8_t {
  pinned,   // the listed definition is the approved one
  changed,  // a pinned tool now has another definition: withheld, calls refused (tool_definition_changed)
  unknown,  // not pinned yet: with a register, hidden until approved; without, pinned on first sight (TOFU)
};

// A pin as the request path reads it: the digest inline (no pointer to chase per tools/call).
struct PinnedTool {
  static constexpr std::size_t kDigestCapacity = 64;  // tool_digest(): lowercase hex SHA-256
  std::array<char, kDigestCapacity> digest{};
  std::size_t size = 0;
  bool well_formed = false;  // a stored digest longer than that never matches (the tool reads as changed)
  [[nodiscard]] bool matches(std::string_view candidate) const noexcept {
    return well_formed && candidate == std::string_view(digest.data(), size);
  }
};

// One immutable snapshot: the latest register version (if any), the pins, the offboardings.
// Hash for string-keyed maps looked up by string_view (no allocation on the request path).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};
template <class T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

// Two-part keys ("<upstream>", "<tenant or tool>") in one table: a request's register check is one probe per table
// instead of two nested ones (each probe of a large table is a cache miss or two). Looked up by string_views.
using KeyPair = std::pair<std::string, std::string>;
using KeyPairView = std::pair<std::string_view, std::string_view>;
struct KeyPairHash {
  using is_transparent = void;
  std::size_t operator()(KeyPairView key) const noexcept {
    const std::size_t a = std::hash<std::string_view>{}(key.first);
    const std::size_t b = std::hash<std::string_view>{}(key.second);
    return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  }
  std::size_t operator()(const KeyPair& key) const noexcept { return (*this)(KeyPairView(key.first, key.second)); }
};
struct KeyPairEqual {
  using is_transparent = void;
  bool operator()(KeyPairView a, KeyPairView b) const noexcept { return a == b; }
  bool operator()(const KeyPair& a, KeyPairView b) const noexcept { return KeyPairView(a.first, a.second) == b; }
  bool operator()(KeyPairView a, const KeyPair& b) const noexcept { return a == KeyPairView(b.first, b.second); }
  bool operator()(const KeyPair& a, const KeyPair& b) const noexcept { return a == b; }
};
template <class T>
using KeyPairMap = std::unordered_map<KeyPair, T, KeyPairHash, KeyPairEqual>;

class View {
 public:
  // `current`: the classifications in force now (bulkhead.toml); a connector approved under others is not approved.
  View(std::optional<Register> reg, std::int64_t version, const Classifications& approved, const Classifications& current,
       std::vector<store::ToolPin> pins, std::vector<store::Offboarding> offboardings);
  ~View();

  // May `principal` of `tenant` use connector `upstream` on `today`?
  [[nodiscard]] Verdict check(std::string_view upstream, std::string_view tenant, std::string_view principal,
                              Date today) const;
  // A human reason for a non-allow verdict (never secret).
  [[nodiscard]] std::string explain(Verdict verdict, std::string_view upstream, std::string_view tenant) const;
  [[nodiscard]] PinState pin_state(std::string_view upstream, std::string_view tool, std::string_view digest) const;
  // True when the upstream has at least one pin (with a register, its first listing after approval is pinned).
  [[nodiscard]] bool has_pins(std::string_view upstream) const;
  // The connector's own approval is complete, current and under today's classifications (tenants aside).
  [[nodiscard]] bool connector_approved(std::string_view upstream) const;
  // Offboarded tenants and workloads are refused at authentication.
  [[nodiscard]] bool tenant_offboarded(std::string_view tenant) const;
  [[nodiscard]] bool agent_offboarded(std::string_view spiffe_id) const;
  [[nodiscard]] bool has_register() const noexcept { return register_.has_value(); }
  [[nodiscard]] std::int64_t version() const noexcept { return version_; }
  [[nodiscard]] const std::optional<Register>& document() const noexcept { return register_; }

 private:
  struct ConnectorState;
  struct Mapping;
  std::optional<Register> register_;
  std::int64_t version_ = 0;
  StringMap<std::shared_ptr<const ConnectorState>> connectors_;
  KeyPairMap<Mapping> mappings_;           // (upstream, tenant) → connector state + agent patterns
  KeyPairMap<PinnedTool> pins_;            // (upstream, tool) → pin
  StringMap<bool> pinned_upstreams_;       // upstreams with at least one pin
  std::set<std::string, std::less<>> offboarded_connectors_;
  std::set<std::string, std::less<>> offboarded_tenants_;
  std::set<std::string, std::less<>> offboarded_agents_;
  std::set<std::string, std::less<>> offboarded_mappings_;  // "<upstream>:<tenant>"
};
using ViewPtr = std::shared_ptr<const View>;

// Builds the View from what the store holds now.
[[nodiscard]] core::Result<ViewPtr> load_view(store::Store& store, const Classifications& current);

// ---- Operations shared by the CLI and the admin API ----

struct Actor {
  std::string who;     // "cli:<user>" or the admin's identity
  std::string reason;  // --reason
};

struct ApplyOutcome {
  std::int64_t version = 0;             // the new version (or the current one when nothing changed)
  std::vector<std::string> changes;     // plan lines
  bool changed = false;
};
// Validates `reg` against `context` and, when it differs from the latest version, stores it as a new version with
// `classifications` (in force now) and an administrative event (`register_applied`). Nothing is stored on any
// problem: the error lists every diagnostic.
[[nodiscard]] core::Result<ApplyOutcome> apply(store::Store& store, const Register& reg, const Context& context,
                                               const Classifications& classifications, const Actor& actor,
                                               const core::Clock& clock);

// The latest stored version, if any.
[[nodiscard]] core::Result<std::optional<store::RegisterVersion>> latest(store::Store& store);

// `approve-tools C`: every pending candidate definition of connector `upstream` becomes its pin. Returns the tools
// approved with their diffs against the previous pin.
struct ApprovedTool {
  std::string tool;
  std::string diff;  // empty for a new tool
};
[[nodiscard]] core::Result<std::vector<ApprovedTool>> approve_tools(store::Store& store, std::string_view upstream,
                                                                    const Actor& actor, const core::Clock& clock);

// `offboard`: records the offboarding (the running gateway applies it: sessions, processes) and does what needs
// only the store now: revokes the task tokens touching it, deletes the credentials. `value`: the connector, the
// tenant, the SPIFFE ID, or "<connector>:<tenant>".
// Does a task token's scope reach the tools exposed under `prefix`? An empty prefix or an unreadable scope counts as
// reaching it (revoking too much is the safe side).
[[nodiscard]] bool scope_touches(std::string_view scope, std::string_view prefix);

struct OffboardOutcome {
  store::Offboarding record;
  std::size_t tokens_revoked = 0;
  std::size_t credentials_deleted = 0;
};
[[nodiscard]] core::Result<OffboardOutcome> offboard(store::Store& store, OffboardKind kind, std::string value,
                                                     const Actor& actor, std::string_view connector_prefix,
                                                     const core::Clock& clock, std::chrono::seconds token_max_ttl);

}  // namespace bulkhead::registry
