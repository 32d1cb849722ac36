#include "store/detail/sqlite.h"

#include <fmt/format.h>

namespace bulkhead::store::detail {

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    bind_error_ = other.bind_error_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::span<const std::uint8_t> blob) {
  // A zero-length blob still binds as a blob (not NULL): pass a non-null pointer.
  static const std::uint8_t kEmpty = 0;
  const void* data = blob.empty() ? &kEmpty : blob.data();
  const int rc = sqlite3_bind_blob(stmt_, index, data, static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) bind_error_ = rc;
  return *this;
}

core::Result<bool> Statement::step() {
  if (bind_error_ != SQLITE_OK) {
    return core::fail(core::Reason::internal_error, fmt::format("binding a parameter failed: {}", sqlite3_errstr(bind_error_)));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return core::fail(core::Reason::internal_error, sqlite3_errmsg(db_));
}

core::Result<void> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::vector<std::uint8_t> Statement::blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::vector<std::uint8_t>(data, data + size);
}

core::Result<Connection> Connection::open(const std::string& path) {
  Connection connection;
  connection.path_ = path;
  const int rc = sqlite3_open_v2(path.c_str(), &connection.db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = connection.db_ != nullptr ? sqlite3_errmsg(connection.db_) : sqlite3_errstr(rc);
    return core::fail(core::Reason::internal_error, fmt::format("store {}: cannot open: {}", path, message));
  }
  sqlite3_extended_result_codes(connection.db_, 1);
  sqlite3_busy_timeout(connection.db_, 5000);
  return connection;
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    other.db_ = nullptr;
  }
  return *this;
}

Connection::~Connection() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

core::Result<void> Connection::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  std::string why = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return core::fail(core::Reason::internal_error, fmt::format("store {}: {}", path_, why));
}

core::Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(error("prepare"));
  return Statement(db_, stmt);
}

core::Error Connection::error(std::string_view step) const {
  return core::Error{core::Reason::internal_error, fmt::format("store {}: {}: {}", path_, step, sqlite3_errmsg(db_))};
}

core::Result<Transaction> Transaction::begin(Connection& connection) {
  if (auto begun = connection.exec("BEGIN IMMEDIATE"); !begun) return std::unexpected(begun.error());
  return Transaction(connection);
}

Transaction::~Transaction() {
  if (connection_ != nullptr) (void)connection_->exec("ROLLBACK");
}

core::Result<void> Transaction::commit() {
  Connection* connection = connection_;
  connection_ = nullptr;
  auto committed = connection->exec("COMMIT");
  if (!committed) (void)connection->exec("ROLLBACK");  // a failed COMMIT can leave the transaction open
  return committed;
}

}  // namespace bulkhead::store::detail
