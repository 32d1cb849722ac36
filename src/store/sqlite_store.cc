// The SQLite Store: WAL journal, synchronous commits for what must survive a crash (revocations, credentials),
// `PRAGMA data_version` to notice other processes' commits. Prepared statements are cached per connection.
#include <sys/stat.h>

#include <chrono>
#include <system_error>

#include <fmt/format.h>

#include "store/detail/epoch.h"
#include "store/detail/factories.h"
#include "store/detail/migrations.h"
#include "store/detail/sqlite.h"

namespace bulkhead::store::detail {
namespace {

using core::Reason;

std::int64_t now_ms(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

// `WHERE` clause pieces for a filter: "(?n = '' OR column = ?n)" keeps one prepared statement per query.
constexpr std::string_view kSecretColumns = "upstream, tenant, name, key_id, nonce, ciphertext, updated_at_ms";
constexpr std::string_view kIssuedColumns =
    "jti, parent_jti, tenant, task, subject, actor, chain, scope, issued_at_s, expires_at_s, depth";

SealedSecret secret_from(const Statement& row) {
  SealedSecret s;
  s.upstream = row.text(0);
  s.tenant = row.text(1);
  s.name = row.text(2);
  s.key_id = row.text(3);
  s.nonce = row.blob(4);
  s.ciphertext = row.blob(5);
  s.updated_at_ms = row.int64(6);
  return s;
}

IssuedToken issued_from(const Statement& row) {
  IssuedToken t;
  t.jti = row.text(0);
  t.parent_jti = row.text(1);
  t.tenant = row.text(2);
  t.task = row.text(3);
  t.subject = row.text(4);
  t.actor = row.text(5);
  t.chain = row.text(6);
  t.scope = row.text(7);
  t.issued_at_s = row.int64(8);
  t.expires_at_s = row.int64(9);
  t.depth = static_cast<std::uint32_t>(row.int64(10));
  return t;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(Connection connection, EpochFile epoch, const core::Clock& clock)
      : db_(std::move(connection)), epoch_(std::move(epoch)), clock_(clock) {}

  core::Result<void> init() {
    // WAL: readers (the gateway) never block the CLI's writes; FULL: a committed revocation survives power loss.
    if (auto r = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !r) return r;
    auto version = migrate(db_, now_ms(clock_));
    if (!version) return std::unexpected(version.error());
    return {};
  }

  core::Result<std::int64_t> schema_version() override {
    auto stmt = cached(schema_version_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!stmt) return std::unexpected(stmt.error());
    auto row = (*stmt)->step();
    const std::int64_t version = row && *row ? (*stmt)->int64(0) : -1;
    (*stmt)->reset();
    if (version < 0) return std::unexpected(db_.error("reading the schema version"));
    return version;
  }

  core::Result<std::int64_t> data_version() override {
    // Fast path: no writer bumped the shared epoch and the last real check is less than a second old.
    const std::uint64_t epoch = epoch_.load();
    const auto now = clock_.steady_now();
    if (version_ && epoch == epoch_seen_ && now - version_checked_ < std::chrono::seconds(1)) return *version_;
    auto stmt = cached(data_version_, "PRAGMA data_version");
    if (!stmt) return std::unexpected(stmt.error());
    auto row = (*stmt)->step();
    const bool ok = row && *row;
    const std::int64_t version = ok ? (*stmt)->int64(0) : 0;
    (*stmt)->reset();
    if (!ok) return std::unexpected(db_.error("PRAGMA data_version"));
    version_ = version;
    epoch_seen_ = epoch;
    version_checked_ = now;
    return version;
  }

  core::Result<void> add_revocations(std::span<Revocation> revocations) override {
    auto tx = Transaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    auto stmt = cached(insert_revocation_,
                       "INSERT INTO revocations (kind, value, revoked_at_ms, expires_at_s, actor, reason, audited_at_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!stmt) return std::unexpected(stmt.error());
    for (Revocation& r : revocations) {
      (*stmt)->bind(1, revocation_kind_name(r.kind)).bind(2, r.value).bind(3, r.revoked_at_ms);
      (*stmt)->bind(4, r.expires_at_s).bind(5, r.actor).bind(6, r.reason).bind(7, r.audited_at_ms);
      auto done = (*stmt)->run();
      (*stmt)->reset();
      if (!done) return std::unexpected(db_.error("inserting a revocation"));
      r.id = sqlite3_last_insert_rowid(db_.handle());
    }
    return committed(tx->commit());
  }

  core::Result<std::vector<Revocation>> revocations_after(std::int64_t id) override {
    auto stmt = cached(revocations_after_,
                       "SELECT id, kind, value, revoked_at_ms, expires_at_s, actor, reason, audited_at_ms FROM revocations "
                       "WHERE id > ?1 ORDER BY id");
    if (!stmt) return std::unexpected(stmt.error());
    (*stmt)->bind(1, id);
    std::vector<Revocation> out;
    for (;;) {
      auto row = (*stmt)->step();
      if (!row) {
        (*stmt)->reset();
        return std::unexpected(db_.error("reading revocations"));
      }
      if (!*row) break;
      Revocation r;
      r.id = (*stmt)->int64(0);
      auto kind = revocation_kind_from_name((*stmt)->text(1));
      if (!kind) {
        (*stmt)->reset();
        return core::fail(Reason::internal_error, fmt::format("store {}: revocation {} has an unknown kind", db_.path(), r.id));
      }
      r.kind = *kind;
      r.value = (*stmt)->text(2);
      r.revoked_at_ms = (*stmt)->int64(3);
      r.expires_at_s = (*stmt)->int64(4);
      r.actor = (*stmt)->text(5);
      r.reason = (*stmt)->text(6);
      r.audited_at_ms = (*stmt)->int64(7);
      out.push_back(std::move(r));
    }
    (*stmt)->reset();
    return out;
  }

  core::Result<void> mark_revocations_audited(std::span<const std::int64_t> ids, std::int64_t at_ms) override {
    return mark_audited("revocations", ids, at_ms);
  }

  core::Result<void> add_register_version(RegisterVersion& v) override {
    auto stmt = db_.prepare(
        "INSERT INTO register_versions (applied_at_ms, applied_by, reason, document, classifications, sha256) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, v.applied_at_ms).bind(2, v.applied_by).bind(3, v.reason).bind(4, v.document);
    stmt->bind(5, v.classifications).bind(6, v.sha256);
    if (auto done = stmt->run(); !done) return std::unexpected(db_.error("storing a register version"));
    v.version = sqlite3_last_insert_rowid(db_.handle());
    return committed({});
  }

  core::Result<std::optional<RegisterVersion>> latest_register_version() override {
    auto all = read_register_versions("ORDER BY version DESC LIMIT 1");
    if (!all) return std::unexpected(all.error());
    if (all->empty()) return std::optional<RegisterVersion>();
    return std::optional<RegisterVersion>(std::move(all->front()));
  }

  core::Result<std::vector<RegisterVersion>> register_versions() override {
    return read_register_versions("ORDER BY version");
  }

  core::Result<std::vector<ToolPin>> tool_pins() override {
    auto stmt = db_.prepare(
        "SELECT upstream, tool, digest, definition, approved_at_ms, approved_by FROM tool_pins ORDER BY upstream, tool");
    if (!stmt) return std::unexpected(stmt.error());
    std::vector<ToolPin> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(db_.error("reading tool pins"));
      if (!*row) break;
      out.push_back(ToolPin{stmt->text(0), stmt->text(1), stmt->text(2), stmt->text(3), stmt->int64(4), stmt->text(5)});
    }
    return out;
  }

  core::Result<void> put_tool_pin(const ToolPin& p) override {
    if (auto put = insert_pin(p); !put) return put;
    return committed({});
  }

  core::Result<void> add_tool_candidate(const ToolCandidate& c) override {
    auto stmt = db_.prepare(
        "INSERT OR IGNORE INTO tool_candidates (upstream, tool, digest, definition, first_seen_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, c.upstream).bind(2, c.tool).bind(3, c.digest).bind(4, c.definition).bind(5, c.first_seen_ms);
    if (auto done = stmt->run(); !done) return std::unexpected(db_.error("recording a tool candidate"));
    return committed({});
  }

  core::Result<std::vector<ToolCandidate>> tool_candidates(std::string_view upstream) override {
    auto stmt = db_.prepare(
        "SELECT upstream, tool, digest, definition, first_seen_ms FROM tool_candidates WHERE ?1 = '' OR upstream = ?1 "
        "ORDER BY upstream, tool, first_seen_ms");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, upstream);
    std::vector<ToolCandidate> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(db_.error("reading tool candidates"));
      if (!*row) break;
      out.push_back(ToolCandidate{stmt->text(0), stmt->text(1), stmt->text(2), stmt->text(3), stmt->int64(4)});
    }
    return out;
  }

  core::Result<void> promote_candidates(std::span<const ToolPin> pins) override {
    auto tx = Transaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    auto drop = db_.prepare("DELETE FROM tool_candidates WHERE upstream = ?1 AND tool = ?2");
    if (!drop) return std::unexpected(drop.error());
    for (const ToolPin& p : pins) {
      if (auto put = insert_pin(p); !put) return put;
      drop->bind(1, p.upstream).bind(2, p.tool);
      auto done = drop->run();
      drop->reset();
      if (!done) return std::unexpected(db_.error("dropping tool candidates"));
    }
    return committed(tx->commit());
  }

  core::Result<void> add_offboarding(Offboarding& o) override {
    auto stmt = db_.prepare(
        "INSERT INTO offboardings (at_ms, actor, reason, kind, value, effects) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, o.at_ms).bind(2, o.actor).bind(3, o.reason).bind(4, o.kind).bind(5, o.value);
    stmt->bind(6, o.effects.empty() ? "{}" : o.effects);
    if (auto done = stmt->run(); !done) return std::unexpected(db_.error("recording an offboarding"));
    o.id = sqlite3_last_insert_rowid(db_.handle());
    return committed({});
  }

  core::Result<std::vector<Offboarding>> offboardings() override {
    auto stmt = db_.prepare(
        "SELECT id, at_ms, actor, reason, kind, value, effects, applied_at_ms, applied FROM offboardings ORDER BY id");
    if (!stmt) return std::unexpected(stmt.error());
    std::vector<Offboarding> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(db_.error("reading offboardings"));
      if (!*row) break;
      out.push_back(Offboarding{stmt->int64(0), stmt->int64(1), stmt->text(2), stmt->text(3), stmt->text(4),
                                stmt->text(5), stmt->text(6), stmt->int64(7), stmt->text(8)});
    }
    return out;
  }

  core::Result<void> mark_offboarding_applied(std::int64_t id, std::int64_t at_ms, std::string_view applied) override {
    auto stmt = db_.prepare("UPDATE offboardings SET applied_at_ms = ?1, applied = ?2 WHERE id = ?3 AND applied_at_ms = 0");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, at_ms).bind(2, applied).bind(3, id);
    if (auto done = stmt->run(); !done) return std::unexpected(db_.error("marking an offboarding applied"));
    return committed({});
  }

  core::Result<void> add_task_labels(std::string_view tenant, std::string_view task,
                                     std::span<const std::string> labels, std::int64_t at_ms,
                                     std::int64_t expires_at_s) override {
    auto tx = Transaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    auto stmt = cached(insert_task_label_,
                       "INSERT INTO task_labels (tenant, task, label, first_seen_ms, expires_at_s) VALUES (?1, ?2, ?3, ?4, ?5) "
                       "ON CONFLICT (tenant, task, label) DO UPDATE SET expires_at_s = MAX(expires_at_s, excluded.expires_at_s)");
    if (!stmt) return std::unexpected(stmt.error());
    for (const std::string& label : labels) {
      (*stmt)->bind(1, tenant).bind(2, task).bind(3, label).bind(4, at_ms).bind(5, expires_at_s);
      auto done = (*stmt)->run();
      (*stmt)->reset();
      if (!done) return std::unexpected(db_.error("recording a task label"));
    }
    return tx->commit();
  }

  core::Result<std::vector<std::string>> task_labels(std::string_view tenant, std::string_view task) override {
    auto stmt = cached(select_task_labels_, "SELECT label FROM task_labels WHERE tenant = ?1 AND task = ?2 ORDER BY label");
    if (!stmt) return std::unexpected(stmt.error());
    (*stmt)->bind(1, tenant).bind(2, task);
    std::vector<std::string> out;
    for (;;) {
      auto row = (*stmt)->step();
      if (!row) {
        (*stmt)->reset();
        return std::unexpected(db_.error("reading task labels"));
      }
      if (!*row) break;
      out.push_back((*stmt)->text(0));
    }
    (*stmt)->reset();
    return out;
  }

  core::Result<std::size_t> prune_task_labels(std::int64_t before_s) override {
    auto stmt = db_.prepare("DELETE FROM task_labels WHERE expires_at_s < ?1");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, before_s);
    if (auto done = stmt->run(); !done) return std::unexpected(db_.error("pruning task labels"));
    return static_cast<std::size_t>(sqlite3_changes(db_.handle()));
  }

  core::Result<void> add_admin_event(AdminEvent& e) override {
    auto stmt = db_.prepare("INSERT INTO admin_events (at_ms, actor, event, tenant, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, e.at_ms).bind(2, e.actor).bind(3, e.event).bind(4, e.tenant).bind(5, e.detail.empty() ? "{}" : e.detail);
    if (auto done = stmt->run(); !done) return std::unexpected(db_.error("recording an administrative event"));
    e.id = sqlite3_last_insert_rowid(db_.handle());
    return committed({});
  }

  core::Result<std::vector<AdminEvent>> unaudited_admin_events() override {
    auto stmt = db_.prepare(
        "SELECT id, at_ms, actor, event, tenant, detail FROM admin_events WHERE audited_at_ms = 0 ORDER BY id");
    if (!stmt) return std::unexpected(stmt.error());
    std::vector<AdminEvent> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(db_.error("reading administrative events"));
      if (!*row) break;
      AdminEvent e;
      e.id = stmt->int64(0);
      e.at_ms = stmt->int64(1);
      e.actor = stmt->text(2);
      e.event = stmt->text(3);
      e.tenant = stmt->text(4);
      e.detail = stmt->text(5);
      out.push_back(std::move(e));
    }
    return out;
  }

  core::Result<void> mark_admin_events_audited(std::span<const std::int64_t> ids, std::int64_t at_ms) override {
    return mark_audited("admin_events", ids, at_ms);
  }

  core::Result<std::size_t> prune_revocations(std::int64_t before_s) override {
    auto stmt = db_.prepare("DELETE FROM revocations WHERE kind = 'jti' AND expires_at_s > 0 AND expires_at_s < ?1");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, before_s);
    if (auto done = stmt->run(); !done) return std::unexpected(db_.error("pruning revocations"));
    return static_cast<std::size_t>(sqlite3_changes(db_.handle()));
  }

  core::Result<void> record_issued(const IssuedToken& t) override {
    // The audit log is the durable record of issuance; this index may lose its last rows on power loss.
    if (auto r = pragma(sync_normal_, "PRAGMA synchronous=NORMAL"); !r) return r;
    auto stmt = cached(insert_issued_,
                       fmt::format("INSERT INTO issued_tokens ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                   kIssuedColumns));
    core::Result<void> result;
    if (!stmt) {
      result = std::unexpected(stmt.error());
    } else {
      (*stmt)->bind(1, t.jti).bind(2, t.parent_jti).bind(3, t.tenant).bind(4, t.task).bind(5, t.subject);
      (*stmt)->bind(6, t.actor).bind(7, t.chain).bind(8, t.scope).bind(9, t.issued_at_s).bind(10, t.expires_at_s);
      (*stmt)->bind(11, static_cast<std::int64_t>(t.depth));
      if (auto done = (*stmt)->run(); !done) result = std::unexpected(db_.error("recording an issued token"));
      (*stmt)->reset();
    }
    if (auto r = pragma(sync_full_, "PRAGMA synchronous=FULL"); !r) return r;
    return result;
  }

  core::Result<std::vector<IssuedToken>> issued_tokens(const IssuedFilter& f) override {
    auto stmt = db_.prepare(fmt::format(
        "SELECT {} FROM issued_tokens WHERE (?1 = '' OR tenant = ?1) AND (?2 = '' OR task = ?2) AND "
        "(?3 = '' OR subject = ?3 OR instr(' ' || chain || ' ', ' ' || ?3 || ' ') > 0) AND (?4 = 0 OR expires_at_s > ?4) ORDER BY issued_at_s, jti",
        kIssuedColumns));
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, f.tenant).bind(2, f.task).bind(3, f.agent).bind(4, f.active_at_s);
    std::vector<IssuedToken> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(db_.error("reading issued tokens"));
      if (!*row) break;
      out.push_back(issued_from(*stmt));
    }
    return out;
  }

  core::Result<void> put_secret(const SealedSecret& s) override {
    auto stmt = cached(put_secret_, fmt::format("INSERT OR REPLACE INTO secrets ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                                kSecretColumns));
    if (!stmt) return std::unexpected(stmt.error());
    bind_secret(**stmt, s);
    auto done = (*stmt)->run();
    (*stmt)->reset();
    if (!done) return std::unexpected(db_.error("storing a secret"));
    return committed({});
  }

  core::Result<std::optional<SealedSecret>> get_secret(std::string_view upstream, std::string_view tenant,
                                                       std::string_view name) override {
    auto stmt = cached(get_secret_, fmt::format("SELECT {} FROM secrets WHERE upstream = ?1 AND tenant = ?2 AND name = ?3",
                                                kSecretColumns));
    if (!stmt) return std::unexpected(stmt.error());
    (*stmt)->bind(1, upstream).bind(2, tenant).bind(3, name);
    auto row = (*stmt)->step();
    std::optional<SealedSecret> out;
    if (row && *row) out = secret_from(**stmt);
    (*stmt)->reset();
    if (!row) return std::unexpected(db_.error("reading a secret"));
    return out;
  }

  core::Result<std::vector<SealedSecret>> list_secrets(const SecretFilter& f) override {
    auto stmt = db_.prepare(fmt::format(
        "SELECT {} FROM secrets WHERE (?1 = '' OR upstream = ?1) AND (?2 = '' OR tenant = ?2) AND (?3 = '' OR name = ?3) "
        "ORDER BY upstream, tenant, name",
        kSecretColumns));
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, f.upstream).bind(2, f.tenant).bind(3, f.name);
    std::vector<SealedSecret> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(db_.error("listing secrets"));
      if (!*row) break;
      out.push_back(secret_from(*stmt));
    }
    return out;
  }

  core::Result<std::size_t> delete_secrets(const SecretFilter& f) override {
    if (f.upstream.empty() && f.tenant.empty() && f.name.empty()) {
      return core::fail(Reason::invalid_request, "deleting secrets needs an upstream, a tenant or a name");
    }
    auto stmt = db_.prepare(
        "DELETE FROM secrets WHERE (?1 = '' OR upstream = ?1) AND (?2 = '' OR tenant = ?2) AND (?3 = '' OR name = ?3)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, f.upstream).bind(2, f.tenant).bind(3, f.name);
    if (auto done = stmt->run(); !done) return std::unexpected(db_.error("deleting secrets"));
    const auto count = static_cast<std::size_t>(sqlite3_changes(db_.handle()));
    epoch_.bump();
    return count;
  }

  core::Result<void> replace_secrets(std::span<const SealedSecret> secrets) override {
    auto tx = Transaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    for (const SealedSecret& s : secrets) {
      if (auto put = put_secret(s); !put) return put;
    }
    return committed(tx->commit());
  }

 private:
  core::Result<void> mark_audited(std::string_view table, std::span<const std::int64_t> ids, std::int64_t at_ms) {
    auto tx = Transaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    auto stmt = db_.prepare(fmt::format("UPDATE {} SET audited_at_ms = ?1 WHERE id = ?2 AND audited_at_ms = 0", table));
    if (!stmt) return std::unexpected(stmt.error());
    for (std::int64_t id : ids) {
      stmt->bind(1, at_ms).bind(2, id);
      auto done = stmt->run();
      stmt->reset();
      if (!done) return std::unexpected(db_.error(fmt::format("marking {} audited", table)));
    }
    return tx->commit();
  }

  core::Result<std::vector<RegisterVersion>> read_register_versions(std::string_view order) {
    auto stmt = db_.prepare(fmt::format(
        "SELECT version, applied_at_ms, applied_by, reason, document, classifications, sha256 FROM register_versions {}",
        order));
    if (!stmt) return std::unexpected(stmt.error());
    std::vector<RegisterVersion> out;
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(db_.error("reading register versions"));
      if (!*row) break;
      out.push_back(RegisterVersion{stmt->int64(0), stmt->int64(1), stmt->text(2), stmt->text(3), stmt->text(4),
                                    stmt->text(5), stmt->text(6)});
    }
    return out;
  }

  core::Result<void> insert_pin(const ToolPin& p) {
    auto stmt = db_.prepare(
        "INSERT OR REPLACE INTO tool_pins (upstream, tool, digest, definition, approved_at_ms, approved_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, p.upstream).bind(2, p.tool).bind(3, p.digest).bind(4, p.definition).bind(5, p.approved_at_ms);
    stmt->bind(6, p.approved_by);
    if (auto done = stmt->run(); !done) return std::unexpected(db_.error("storing a tool pin"));
    return {};
  }

  // Others must notice this commit: bump the shared epoch after it (a reader that sees the bump sees the commit).
  core::Result<void> committed(core::Result<void> result) {
    if (result) epoch_.bump();
    return result;
  }

  // A prepared pragma, run (prepared once: this is on the token-exchange path).
  core::Result<void> pragma(std::optional<Statement>& slot, std::string_view sql) {
    auto stmt = cached(slot, sql);
    if (!stmt) return std::unexpected(stmt.error());
    auto done = (*stmt)->run();
    (*stmt)->reset();
    if (!done) return std::unexpected(db_.error(sql));
    return {};
  }

  core::Result<Statement*> cached(std::optional<Statement>& slot, std::string_view sql) {
    if (!slot) {
      auto stmt = db_.prepare(sql);
      if (!stmt) return std::unexpected(stmt.error());
      slot = std::move(*stmt);
    }
    return &*slot;
  }

  static void bind_secret(Statement& stmt, const SealedSecret& s) {
    stmt.bind(1, s.upstream).bind(2, s.tenant).bind(3, s.name).bind(4, s.key_id);
    stmt.bind(5, std::span<const std::uint8_t>(s.nonce)).bind(6, std::span<const std::uint8_t>(s.ciphertext));
    stmt.bind(7, s.updated_at_ms);
  }

  Connection db_;
  EpochFile epoch_;
  const core::Clock& clock_;
  std::optional<std::int64_t> version_;
  std::uint64_t epoch_seen_ = 0;
  std::chrono::steady_clock::time_point version_checked_;
  std::optional<Statement> schema_version_, data_version_, insert_revocation_, revocations_after_, insert_issued_,
      put_secret_, get_secret_, sync_normal_, sync_full_, insert_task_label_, select_task_labels_;
};

}  // namespace

core::Result<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& path, const core::Clock& clock) {
  std::error_code ec;
  if (path.has_parent_path() && !std::filesystem::exists(path.parent_path(), ec)) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return core::fail(Reason::internal_error,
                        fmt::format("store: cannot create {}: {}", path.parent_path().string(), ec.message()));
    }
    ::chmod(path.parent_path().c_str(), 0700);
  }
  const bool existed = std::filesystem::exists(path, ec);
  auto connection = Connection::open(path.string());
  if (!connection) return std::unexpected(connection.error());
  if (!existed) ::chmod(path.c_str(), 0600);
  auto epoch = EpochFile::open(std::filesystem::path(path.string() + "-epoch"));
  if (!epoch) return std::unexpected(epoch.error());
  auto store = std::make_unique<SqliteStore>(std::move(*connection), std::move(*epoch), clock);
  if (auto ready = store->init(); !ready) return std::unexpected(ready.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace bulkhead::store::detail
