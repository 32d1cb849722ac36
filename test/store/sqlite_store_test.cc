// The SQLite Store against real database files: migrations, two connections (gateway + CLI), revocations,
// the issued-token index, sealed secrets, and refusal of a database from a newer schema.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store.h"

namespace bulkhead::store {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulkhead-store-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Store> open() {
    auto store = Store::open("sqlite://var/bulkhead.db", dir_, clock_);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }
  std::filesystem::path db() const { return dir_ / "var" / "bulkhead.db"; }

  core::FakeClock clock_{system_clock::time_point(seconds(1'795'000'000))};
  std::filesystem::path dir_;
};

TEST_F(SqliteStoreTest, CreatesPrivateFileAndAppliesMigrationsOnce) {
  auto store = open();
  ASSERT_TRUE(store);
  struct stat st {};
  ASSERT_EQ(::stat(db().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_EQ(::stat(db().parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700);
  EXPECT_EQ(*store->schema_version(), 5);
  store.reset();
  auto again = open();  // idempotent: reopening applies nothing and keeps the version
  ASSERT_TRUE(again);
  EXPECT_EQ(*again->schema_version(), 5);
}

TEST_F(SqliteStoreTest, RefusesUnknownUrlsAndNewerSchemas) {
  EXPECT_FALSE(Store::open("postgres://localhost/db", dir_, clock_));
  EXPECT_FALSE(Store::open("mysql://x", dir_, clock_));
  EXPECT_FALSE(Store::open("sqlite://", dir_, clock_));
  ASSERT_TRUE(open());
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "INSERT INTO schema_migrations VALUES (99, 'from the future', 0)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto refused = Store::open("sqlite://var/bulkhead.db", dir_, clock_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos) << refused.error().message;
}

TEST_F(SqliteStoreTest, RevocationsAreSeenByAnotherConnection) {
  auto gateway = open();
  auto cli = open();
  ASSERT_TRUE(gateway && cli);
  const std::int64_t before = *gateway->data_version();
  EXPECT_EQ(*gateway->data_version(), before);  // nothing happened since
  std::vector<Revocation> rows(2);
  rows[0].kind = RevocationKind::jti;
  rows[0].value = "jti-1";
  rows[0].revoked_at_ms = 5;
  rows[0].expires_at_s = 100;
  rows[1].kind = RevocationKind::task;
  rows[1].value = "acme/t-1";
  rows[1].actor = "cli:root";
  rows[1].reason = "task ended";
  ASSERT_TRUE(cli->add_revocations(rows));
  EXPECT_GT(rows[1].id, rows[0].id);
  EXPECT_NE(*gateway->data_version(), before);  // the CLI's commit is visible
  auto seen = gateway->revocations_after(0);
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[1].kind, RevocationKind::task);
  EXPECT_EQ((*seen)[1].value, "acme/t-1");
  EXPECT_EQ((*seen)[1].reason, "task ended");
  EXPECT_EQ(gateway->revocations_after(rows[0].id)->size(), 1u);
  const std::int64_t cli_version = *cli->data_version();
  ASSERT_TRUE(cli->add_revocations(std::span<Revocation>(rows.data(), 1)));
  EXPECT_EQ(*cli->data_version(), cli_version);  // its own commits do not count as changes by others
  rows.resize(2);
  EXPECT_EQ(*gateway->prune_revocations(101), 2u);   // both jti rows expired; the task row never does
  EXPECT_EQ(gateway->revocations_after(0)->size(), 1u);
}

TEST_F(SqliteStoreTest, AWriteWithoutTheEpochBumpIsSeenWithinASecond) {
  auto gateway = open();
  ASSERT_TRUE(gateway);
  const std::int64_t before = *gateway->data_version();
  sqlite3* raw = nullptr;  // a writer that does not know the epoch file (e.g. the sqlite3 shell)
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "INSERT INTO revocations (kind, value, revoked_at_ms) VALUES ('jti', 'x', 1)", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  EXPECT_EQ(*gateway->data_version(), before);  // the cheap path: nothing bumped the epoch
  clock_.advance(std::chrono::milliseconds(1001));
  EXPECT_NE(*gateway->data_version(), before);  // at least once a second the real check runs
}

TEST_F(SqliteStoreTest, AdminEventsWaitUntilAudited) {
  auto cli = open();
  auto gateway = open();
  AdminEvent e;
  e.at_ms = 7;
  e.actor = "cli:root";
  e.event = "secret_set";
  e.tenant = "acme";
  e.detail = R"({"upstream":"crm","name":"api_token"})";
  ASSERT_TRUE(cli->add_admin_event(e));
  EXPECT_GT(e.id, 0);
  auto pending = gateway->unaudited_admin_events();
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].event, "secret_set");
  EXPECT_EQ((*pending)[0].detail, e.detail);
  const std::int64_t id = e.id;
  ASSERT_TRUE(gateway->mark_admin_events_audited(std::span<const std::int64_t>(&id, 1), 9));
  EXPECT_TRUE(gateway->unaudited_admin_events()->empty());
}

TEST_F(SqliteStoreTest, IssuedTokensFilterByTenantTaskAgentAndActivity) {
  auto store = open();
  ASSERT_TRUE(store);
  auto token = [](std::string jti, std::string tenant, std::string task, std::string actor, std::int64_t exp) {
    IssuedToken t;
    t.jti = std::move(jti);
    t.tenant = std::move(tenant);
    t.task = std::move(task);
    t.subject = "spiffe://acme.test/a";
    t.chain = actor + " spiffe://acme.test/a";
    t.actor = std::move(actor);
    t.scope = "notes__*";
    t.issued_at_s = 10;
    t.expires_at_s = exp;
    return t;
  };
  ASSERT_TRUE(store->record_issued(token("1", "acme", "t1", "spiffe://acme.test/a", 100)));
  ASSERT_TRUE(store->record_issued(token("2", "acme", "t1", "spiffe://acme.test/b", 50)));
  ASSERT_TRUE(store->record_issued(token("3", "globex", "t1", "spiffe://globex.test/x", 100)));
  EXPECT_FALSE(store->record_issued(token("3", "globex", "t1", "spiffe://globex.test/x", 100)));  // jti is unique
  IssuedFilter filter;
  filter.tenant = "acme";
  EXPECT_EQ(store->issued_tokens(filter)->size(), 2u);
  filter.active_at_s = 60;
  EXPECT_EQ(store->issued_tokens(filter)->size(), 1u);
  IssuedFilter by_agent;
  by_agent.agent = "spiffe://acme.test/b";
  EXPECT_EQ(store->issued_tokens(by_agent)->size(), 1u);
  by_agent.agent = "spiffe://acme.test/a";  // the subject of all three
  EXPECT_EQ(store->issued_tokens(by_agent)->size(), 3u);
}

TEST_F(SqliteStoreTest, SecretsPutGetListDeleteReplace) {
  auto store = open();
  ASSERT_TRUE(store);
  SealedSecret s;
  s.upstream = "crm";
  s.tenant = "acme";
  s.name = "api_token";
  s.key_id = "k1";
  s.nonce = {1, 2, 3};
  s.ciphertext = {9, 8, 7, 6};
  s.updated_at_ms = 42;
  ASSERT_TRUE(store->put_secret(s));
  s.tenant = "globex";
  s.ciphertext = {5};
  ASSERT_TRUE(store->put_secret(s));
  auto got = store->get_secret("crm", "acme", "api_token");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->ciphertext, (std::vector<std::uint8_t>{9, 8, 7, 6}));
  EXPECT_EQ((*got)->nonce, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_FALSE(*store->get_secret("crm", "initech", "api_token"));
  SecretFilter acme;
  acme.tenant = "acme";
  EXPECT_EQ(store->list_secrets(acme)->size(), 1u);
  EXPECT_EQ(store->list_secrets(SecretFilter{})->size(), 2u);
  EXPECT_FALSE(store->delete_secrets(SecretFilter{}));  // an empty filter would delete everything: refused
  EXPECT_EQ(*store->delete_secrets(acme), 1u);
  EXPECT_EQ(store->list_secrets(SecretFilter{})->size(), 1u);
  s.key_id = "k2";
  std::vector<SealedSecret> rotated{s};
  ASSERT_TRUE(store->replace_secrets(rotated));
  EXPECT_EQ((*store->get_secret("crm", "globex", "api_token"))->key_id, "k2");
}

}  // namespace
}  // namespace bulkhead::store

namespace bulkhead::store {
namespace {

TEST(TaskLabels, AddIdempotentlyReadSortedAndPrune) {
  const auto dir = std::filesystem::temp_directory_path() / ("bulkhead-task-labels-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  core::FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000))};
  auto store = Store::open("sqlite://db/bulkhead.db", dir, clock);
  ASSERT_TRUE(store);
  const std::vector<std::string> first{"restricted", "tenant:acme"};
  ASSERT_TRUE((*store)->add_task_labels("acme", "t1", first, 1, 100));
  const std::vector<std::string> second{"pii", "restricted"};
  ASSERT_TRUE((*store)->add_task_labels("acme", "t1", second, 2, 200));
  auto labels = (*store)->task_labels("acme", "t1");
  ASSERT_TRUE(labels);
  EXPECT_EQ(*labels, (std::vector<std::string>{"pii", "restricted", "tenant:acme"}));
  auto other = (*store)->task_labels("globex", "t1");  // per tenant and task
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
  auto pruned = (*store)->prune_task_labels(150);  // "tenant:acme" expired at 100; the others were extended to 200
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 1u);
  labels = (*store)->task_labels("acme", "t1");
  EXPECT_EQ(*labels, (std::vector<std::string>{"pii", "restricted"}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bulkhead::store
