#include "store/detail/migrations.h"

#include <array>

#include <fmt/format.h>

namespace bulkhead::store::detail {
namespace {

// Plain SQL that SQLite and PostgreSQL both accept (BIGINT, TEXT, BYTEA-compatible BLOB via the driver).
constexpr std::array<Migration, 5> kMigrations{{
    {1, "task tokens: revocations and the index of issued tokens",
     R"sql(
CREATE TABLE revocations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('jti', 'task', 'tenant', 'agent')),
  value TEXT NOT NULL,
  revoked_at_ms BIGINT NOT NULL,
  expires_at_s BIGINT NOT NULL DEFAULT 0,
  actor TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  audited_at_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX revocations_by_value ON revocations (kind, value);
CREATE TABLE issued_tokens (
  jti TEXT PRIMARY KEY,
  parent_jti TEXT NOT NULL DEFAULT '',
  tenant TEXT NOT NULL,
  task TEXT NOT NULL,
  subject TEXT NOT NULL,
  actor TEXT NOT NULL,
  chain TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL,
  issued_at_s BIGINT NOT NULL,
  expires_at_s BIGINT NOT NULL,
  depth INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX issued_by_tenant_task ON issued_tokens (tenant, task);
CREATE INDEX issued_by_parent ON issued_tokens (parent_jti);
)sql"},
    {2, "per-tenant upstream credentials (sealed by module secrets)",
     R"sql(
CREATE TABLE secrets (
  upstream TEXT NOT NULL,
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  key_id TEXT NOT NULL,
  nonce BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (upstream, tenant, name)
);
)sql"},
    {3, "administrative actions of CLI commands, waiting to be written to the audit log by a gateway",
     R"sql(
CREATE TABLE admin_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  event TEXT NOT NULL,
  tenant TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}',
  audited_at_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX admin_events_unaudited ON admin_events (audited_at_ms, id);
)sql"},
    {4, "control register: versions, tool pins and candidates, offboardings",
     R"sql(
CREATE TABLE register_versions (
  version INTEGER PRIMARY KEY AUTOINCREMENT,
  applied_at_ms BIGINT NOT NULL,
  applied_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  document TEXT NOT NULL,
  classifications TEXT NOT NULL,
  sha256 TEXT NOT NULL
);
CREATE TABLE tool_pins (
  upstream TEXT NOT NULL,
  tool TEXT NOT NULL,
  digest TEXT NOT NULL,
  definition TEXT NOT NULL,
  approved_at_ms BIGINT NOT NULL,
  approved_by TEXT NOT NULL,
  PRIMARY KEY (upstream, tool)
);
CREATE TABLE tool_candidates (
  upstream TEXT NOT NULL,
  tool TEXT NOT NULL,
  digest TEXT NOT NULL,
  definition TEXT NOT NULL,
  first_seen_ms BIGINT NOT NULL,
  PRIMARY KEY (upstream, tool, digest)
);
CREATE TABLE offboardings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('connector', 'tenant', 'agent', 'mapping')),
  value TEXT NOT NULL,
  effects TEXT NOT NULL DEFAULT '{}',
  applied_at_ms BIGINT NOT NULL DEFAULT 0,
  applied TEXT NOT NULL DEFAULT '{}'
);
)sql"},
    {5, "task taint: labels a task has read (response DLP)",
     R"sql(
CREATE TABLE task_labels (
  tenant TEXT NOT NULL,
  task TEXT NOT NULL,
  label TEXT NOT NULL,
  first_seen_ms BIGINT NOT NULL,
  expires_at_s BIGINT NOT NULL,
  PRIMARY KEY (tenant, task, label)
);
CREATE INDEX task_labels_by_expiry ON task_labels (expires_at_s);
)sql"},
}};

}  // namespace

std::span<const Migration> migrations() noexcept { return kMigrations; }

core::Result<std::int64_t> migrate(Connection& connection, std::int64_t now_ms) {
  if (auto made = connection.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, "
          "applied_at_ms BIGINT NOT NULL)");
      !made) {
    return std::unexpected(made.error());
  }
  std::int64_t current = 0;
  {
    auto query = connection.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!query) return std::unexpected(query.error());
    auto row = query->step();
    if (!row) return std::unexpected(connection.error("reading schema_migrations"));
    current = query->int64(0);
  }
  const std::int64_t known = kMigrations.back().version;
  if (current > known) {
    return core::fail(core::Reason::internal_error,
                      fmt::format("store {}: schema version {} is newer than this binary knows ({}); refusing to use it",
                                  connection.path(), current, known));
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= current) continue;
    auto tx = Transaction::begin(connection);
    if (!tx) return std::unexpected(tx.error());
    // Re-check inside the write lock: another process may have migrated meanwhile.
    auto check = connection.prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
    if (!check) return std::unexpected(check.error());
    check->bind(1, migration.version);
    auto exists = check->step();
    if (!exists) return std::unexpected(connection.error("reading schema_migrations"));
    if (*exists) continue;
    if (auto applied = connection.exec(migration.sql); !applied) {
      return core::fail(core::Reason::internal_error,
                        fmt::format("migration {} failed: {}", migration.version, applied.error().message));
    }
    auto mark = connection.prepare("INSERT INTO schema_migrations (version, description, applied_at_ms) VALUES (?1, ?2, ?3)");
    if (!mark) return std::unexpected(mark.error());
    mark->bind(1, migration.version).bind(2, migration.description).bind(3, now_ms);
    if (auto done = mark->run(); !done) return std::unexpected(connection.error("recording a migration"));
    if (auto committed = tx->commit(); !committed) return std::unexpected(committed.error());
  }
  return known;
}

}  // namespace bulkhead::store::detail
