// Sealing credentials with a real key file and a real SQLite store: round trip, tenant isolation, a row
// copied onto another tenant does not open, key-file checks, rotation (with a gateway that still holds the old
// keys), and the environment key.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "secrets/secrets.h"

namespace bulkhead::secrets {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulkhead-vault-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::Store::open("sqlite://bulkhead.db", dir_, clock_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  KeySource file_source(bool create = true) const {
    KeySource source;
    source.key_file = dir_ / "keys" / "secrets.key";
    source.create_if_missing = create;
    return source;
  }
  Vault vault(const KeySource& source) {
    auto ring = Keyring::load(source, rng_);
    EXPECT_TRUE(ring) << ring.error().message;
    return Vault(*store_, std::move(*ring), rng_, clock_);
  }

  core::FakeClock clock_{system_clock::time_point(seconds(1'795'000'000))};
  core::SystemRng rng_;
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(VaultTest, RoundTripPerTenantAndMissingIsCredentialMissing) {
  Vault v = vault(file_source());
  ASSERT_TRUE(v.set("crm", "acme", "api_token", "acme-secret-value"));
  ASSERT_TRUE(v.set("crm", "globex", "api_token", "globex-secret-value"));
  EXPECT_EQ(v.get("crm", "acme", "api_token")->reveal(), "acme-secret-value");
  EXPECT_EQ(v.get("crm", "globex", "api_token")->reveal(), "globex-secret-value");
  auto missing = v.get("crm", "initech", "api_token");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, core::Reason::credential_missing);
  // Listing shows names and key ids only.
  auto listed = v.list(store::SecretFilter{});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 2u);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "keys" / "secrets.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // The ciphertext in the store does not contain the value.
  auto row = store_->get_secret("crm", "acme", "api_token");
  const std::string bytes((*row)->ciphertext.begin(), (*row)->ciphertext.end());
  EXPECT_EQ(bytes.find("acme-secret"), std::string::npos);
}

TEST_F(VaultTest, RowCopiedOntoAnotherTenantDoesNotOpen) {
  Vault v = vault(file_source());
  ASSERT_TRUE(v.set("crm", "globex", "api_token", "globex-secret-value"));
  auto row = store_->get_secret("crm", "globex", "api_token");
  ASSERT_TRUE(row && *row);
  store::SealedSecret stolen = **row;
  stolen.tenant = "acme";  // someone with write access to the database moves globex's credential to acme
  ASSERT_TRUE(store_->put_secret(stolen));
  auto opened = v.get("crm", "acme", "api_token");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().reason, core::Reason::internal_error);
  EXPECT_NE(opened.error().message.find("another"), std::string::npos) << opened.error().message;
  // A flipped ciphertext byte does not open either.
  stolen = **row;
  stolen.ciphertext[5] ^= 1;
  ASSERT_TRUE(store_->put_secret(stolen));
  EXPECT_FALSE(v.get("crm", "globex", "api_token"));
}

TEST_F(VaultTest, KeyFileChecks) {
  EXPECT_FALSE(Keyring::load(file_source(/*create=*/false), rng_));  // missing and not allowed to create
  ASSERT_TRUE(Keyring::load(file_source(), rng_));
  const auto path = dir_ / "keys" / "secrets.key";
  ::chmod(path.c_str(), 0644);
  auto loose = Keyring::load(file_source(), rng_);
  ASSERT_FALSE(loose);
  EXPECT_NE(loose.error().message.find("chmod 600"), std::string::npos);
  ::chmod(path.c_str(), 0600);
  std::ofstream(path) << "dG9vIHNob3J0\n";  // "too short"
  EXPECT_FALSE(Keyring::load(file_source(), rng_));
  KeySource none;
  EXPECT_FALSE(Keyring::load(none, rng_));
}

TEST_F(VaultTest, RotationResealsAndAnOldKeyringStillOpensAfterReload) {
  const KeySource source = file_source();
  Vault gateway = vault(source);  // a running gateway holding the old keys
  ASSERT_TRUE(gateway.set("crm", "acme", "api_token", "v1"));
  const std::string old_id = store_->get_secret("crm", "acme", "api_token")->value().key_id;
  // What `bulkhead secrets rotate-key` does: stage the new key, reseal, then swap the files.
  const auto key = source.key_file;
  ASSERT_TRUE(write_key_file(key.string() + ".new", new_key_text(rng_)));
  {
    Vault cli = vault(source);
    KeySource staged = source;
    staged.key_file = key.string() + ".new";
    auto next = Keyring::load(staged, rng_);
    ASSERT_TRUE(next);
    EXPECT_EQ(*cli.reseal_all(std::move(*next)), 1u);
  }
  std::filesystem::rename(key, key.string() + ".previous");
  std::filesystem::rename(key.string() + ".new", key);
  const std::string new_id = store_->get_secret("crm", "acme", "api_token")->value().key_id;
  EXPECT_NE(new_id, old_id);
  auto value = gateway.get("crm", "acme", "api_token");  // unknown key id → re-reads the key files
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->reveal(), "v1");
}

TEST_F(VaultTest, EnvironmentKeyWithPrevious) {
  KeySource first;
  first.env_key = std::string(new_key_text(rng_));
  Vault v1 = vault(first);
  ASSERT_TRUE(v1.set("crm", "acme", "api_token", "v1"));
  KeySource second;
  second.env_key = std::string(new_key_text(rng_));
  Vault v2 = vault(second);
  EXPECT_FALSE(v2.get("crm", "acme", "api_token"));  // sealed with a key it does not have
  second.env_previous_key = first.env_key;
  Vault v3 = vault(second);
  EXPECT_EQ(v3.get("crm", "acme", "api_token")->reveal(), "v1");
  KeySource bad;
  bad.env_key = "not base64!";
  EXPECT_FALSE(Keyring::load(bad, rng_));
}

TEST_F(VaultTest, NamesAreValidated) {
  Vault v = vault(file_source());
  EXPECT_FALSE(v.set("CRM", "acme", "api_token", "x"));
  EXPECT_FALSE(v.set("crm", "ac me", "api_token", "x"));
  EXPECT_FALSE(v.set("crm", "acme", "api token", "x"));
  EXPECT_FALSE(v.set("crm", "acme", "api_token", ""));
  EXPECT_FALSE(v.set("crm", "acme", "api_token", std::string(70'000, 'x')));
}

}  // namespace
}  // namespace bulkhead::secrets
