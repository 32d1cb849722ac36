// bulkhead::store — the gateway's durable state besides the audit log: revocations, issued task tokens and
// per-tenant upstream credentials (encrypted by module secrets before they get here). One schema, numbered
// migrations (docs/formats/store.md); SQLite today, PostgreSQL later behind the same interface.
//
// Errors are values (reason internal_error, or invalid_request for bad arguments) with a message naming the
// database and the step; callers in security decisions deny on any error (fail closed).
//
// Threading: a Store is one connection, used from one thread at a time (the gateway's event loop, or a CLI
// command). Several processes may open the same database (the CLI revokes while the gateway runs); `changed()`
// tells a process that another one committed. Lifetime: the Clock passed to open() must outlive the Store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace bulkhead::store {

// What a revocation applies to. jti: one token and everything derived from it; task: every token of a task of a
// tenant (value "<tenant>/<task>"), and the task is over; tenant / agent: every token of that tenant, or with that
// workload anywhere in its delegation chain, issued at or before `revoked_at_ms`.
enum class RevocationKind : std::uint8_t { jti, task, tenant, agent };
[[nodiscard]] std::string_view revocation_kind_name(RevocationKind kind) noexcept;
[[nodiscard]] std::optional<RevocationKind> revocation_kind_from_name(std::string_view name) noexcept;

struct Revocation {
  std::int64_t id = 0;          // assigned by the store, increasing
  RevocationKind kind = RevocationKind::jti;
  std::string value;
  std::int64_t revoked_at_ms = 0;
  std::int64_t expires_at_s = 0;  // jti: the token's exp (the row may be pruned after it); 0 = never
  std::string actor;              // who revoked (SPIFFE ID, "cli:<user>")
  std::string reason;             // free text ("task ended", "offboarding", ...)
  std::int64_t audited_at_ms = 0;  // when a gateway put it in the audit log (0 = not yet: the CLI wrote it)
};

// One task token the gateway issued (an index for operations and reports; the token itself is never stored).
struct IssuedToken {
  std::string jti;
  std::string parent_jti;  // empty for a token exchanged from a workload SVID
  std::string tenant;
  std::string task;
  std::string subject;     // sub: the workload the task was first issued to
  std::string actor;       // the workload holding this token (== subject without delegation)
  std::string chain;       // every workload of the delegation chain, holder first, subject last (space-separated)
  std::string scope;       // space-separated
  std::int64_t issued_at_s = 0;
  std::int64_t expires_at_s = 0;
  std::uint32_t depth = 0;  // delegation hops
};

struct IssuedFilter {
  std::string tenant;  // empty = any
  std::string task;
  std::string agent;   // anywhere in the delegation chain
  std::int64_t active_at_s = 0;  // > 0: only tokens with expires_at_s > this
};

// A per-tenant upstream credential, sealed by module secrets (the store never sees the value).
struct SealedSecret {
  std::string upstream;
  std::string tenant;
  std::string name;
  std::string key_id;  // which secrets key sealed it
  std::vector<std::uint8_t> nonce;
  std::vector<std::uint8_t> ciphertext;
  std::int64_t updated_at_ms = 0;
};

// An administrative action taken outside a gateway (a CLI command). The audit log has one writer, the gateway:
// it writes these as lifecycle records and marks them audited.
struct AdminEvent {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::string actor;   // "cli:<user>"
  std::string event;   // "secret_set", "secret_removed", "secrets_key_rotated", ...
  std::string tenant;  // when the action concerns one tenant
  std::string detail;  // a JSON object (never a secret value)
  std::int64_t audited_at_ms = 0;
};

// One applied version of the control register (module register).
struct RegisterVersion {
  std::int64_t version = 0;        // assigned by the store, increasing
  std::int64_t applied_at_ms = 0;
  std::string applied_by;
  std::string reason;
  std::string document;            // the register as canonical JSON
  std::string classifications;     // JSON: the classifications in force when it was applied
  std::string sha256;              // of `document`
};

// The approved definition of one tool of one upstream.
struct ToolPin {
  std::string upstream;
  std::string tool;
  std::string digest;       // SHA-256 hex of the canonical definition
  std::string definition;   // canonical JSON of what the digest covers (for diffs)
  std::int64_t approved_at_ms = 0;
  std::string approved_by;  // "first listing after approval", "tofu", or who ran approve-tools
};

// A definition an upstream served that is not (yet) its pin: a new tool or a changed one.
struct ToolCandidate {
  std::string upstream;
  std::string tool;
  std::string digest;
  std::string definition;
  std::int64_t first_seen_ms = 0;
};

// One offboarding: recorded by the CLI (or admin API), applied by every running gateway.
struct Offboarding {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::string actor;
  std::string reason;
  std::string kind;   // connector | tenant | agent | mapping
  std::string value;  // connector, tenant, SPIFFE ID, or "<connector>:<tenant>"
  std::string effects;  // JSON: what the command did (tokens revoked, credentials deleted)
  std::int64_t applied_at_ms = 0;  // when a gateway applied it (0 = not yet)
  std::string applied;             // JSON: what the gateway did (sessions closed, processes stopped)
};

struct SecretFilter {
  std::string upstream;  // empty = any
  std::string tenant;
  std::string name;
};

class Store {
 public:
  // url: "sqlite://<path>" (relative to base_dir), "sqlite:///<absolute path>". The folder is created (0700), the
  // file is 0600, migrations are applied. A database written by a newer Bulkhead (unknown migration) is refused.
  [[nodiscard]] static core::Result<std::unique_ptr<Store>> open(std::string_view url,
                                                                 const std::filesystem::path& base_dir,
                                                                 const core::Clock& clock);
  virtual ~Store() = default;

  // The schema version (highest applied migration).
  [[nodiscard]] virtual core::Result<std::int64_t> schema_version() = 0;
  // A number that changes whenever another connection commits (SQLite `PRAGMA data_version`); compare with the
  // value seen last to learn that another process changed something.
  [[nodiscard]] virtual core::Result<std::int64_t> data_version() = 0;

  // Durable (synchronous commit) before it returns.
  [[nodiscard]] virtual core::Result<void> add_revocations(std::span<Revocation> revocations) = 0;
  [[nodiscard]] virtual core::Result<std::vector<Revocation>> revocations_after(std::int64_t id) = 0;
  // Marks revocations as written to the audit log (a gateway audits what the CLI revoked, once).
  [[nodiscard]] virtual core::Result<void> mark_revocations_audited(std::span<const std::int64_t> ids,
                                                                    std::int64_t at_ms) = 0;
  // Drops jti revocations whose token expired before `before_s` (callers add their clock skew).
  [[nodiscard]] virtual core::Result<std::size_t> prune_revocations(std::int64_t before_s) = 0;

  // Not synchronous: the audit log holds the durable record of every issue; this is an index.
  [[nodiscard]] virtual core::Result<void> record_issued(const IssuedToken& token) = 0;
  [[nodiscard]] virtual core::Result<std::vector<IssuedToken>> issued_tokens(const IssuedFilter& filter) = 0;

  [[nodiscard]] virtual core::Result<void> put_secret(const SealedSecret& secret) = 0;  // insert or replace
  [[nodiscard]] virtual core::Result<std::optional<SealedSecret>> get_secret(std::string_view upstream,
                                                                             std::string_view tenant,
                                                                             std::string_view name) = 0;
  [[nodiscard]] virtual core::Result<std::vector<SealedSecret>> list_secrets(const SecretFilter& filter) = 0;
  // Deletes what the filter matches (an all-empty filter is refused: invalid_request); returns how many.
  [[nodiscard]] virtual core::Result<std::size_t> delete_secrets(const SecretFilter& filter) = 0;
  // Replaces every row given in one transaction (key rotation): all or nothing.
  [[nodiscard]] virtual core::Result<void> replace_secrets(std::span<const SealedSecret> secrets) = 0;

  // Control register. add_register_version sets version.version.
  [[nodiscard]] virtual core::Result<void> add_register_version(RegisterVersion& version) = 0;
  [[nodiscard]] virtual core::Result<std::optional<RegisterVersion>> latest_register_version() = 0;
  [[nodiscard]] virtual core::Result<std::vector<RegisterVersion>> register_versions() = 0;  // oldest first
  [[nodiscard]] virtual core::Result<std::vector<ToolPin>> tool_pins() = 0;
  [[nodiscard]] virtual core::Result<void> put_tool_pin(const ToolPin& pin) = 0;  // insert or replace
  [[nodiscard]] virtual core::Result<void> add_tool_candidate(const ToolCandidate& candidate) = 0;  // once per digest
  [[nodiscard]] virtual core::Result<std::vector<ToolCandidate>> tool_candidates(std::string_view upstream) = 0;
  // Approves candidates: each becomes the pin of its tool and the tool's candidates are dropped (one transaction).
  [[nodiscard]] virtual core::Result<void> promote_candidates(std::span<const ToolPin> pins) = 0;
  [[nodiscard]] virtual core::Result<void> add_offboarding(Offboarding& offboarding) = 0;  // sets id
  [[nodiscard]] virtual core::Result<std::vector<Offboarding>> offboardings() = 0;  // oldest first
  [[nodiscard]] virtual core::Result<void> mark_offboarding_applied(std::int64_t id, std::int64_t at_ms,
                                                                    std::string_view applied) = 0;

  // Task taint (response DLP): the labels a task (tenant + task id, across its delegation chain) has read. Adding
  // is idempotent per label and keeps the latest expiry (the task's tokens' lifetime); durable before it returns.
  [[nodiscard]] virtual core::Result<void> add_task_labels(std::string_view tenant, std::string_view task,
                                                           std::span<const std::string> labels, std::int64_t at_ms,
                                                           std::int64_t expires_at_s) = 0;
  [[nodiscard]] virtual core::Result<std::vector<std::string>> task_labels(std::string_view tenant,
                                                                           std::string_view task) = 0;  // sorted
  // Forgets the labels of tasks whose tokens all expired before `before_s`.
  [[nodiscard]] virtual core::Result<std::size_t> prune_task_labels(std::int64_t before_s) = 0;

  [[nodiscard]] virtual core::Result<void> add_admin_event(AdminEvent& event) = 0;  // sets event.id
  [[nodiscard]] virtual core::Result<std::vector<AdminEvent>> unaudited_admin_events() = 0;  // oldest first
  [[nodiscard]] virtual core::Result<void> mark_admin_events_audited(std::span<const std::int64_t> ids,
                                                                     std::int64_t at_ms) = 0;
};

}  // namespace bulkhead::store
