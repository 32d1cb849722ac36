// Ed25519 key files: created 0600 when missing, reloaded identically, PEM forms OpenSSL/Node understand
// (RFC 8410 DER prefixes), signatures verify only under the right key and message.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "audit/detail/signing_key.h"
#include "audit_test_util.h"

namespace bulkhead::audit::detail {
namespace {

using namespace bulkhead::audit::testing;

TEST(SigningKey, CreatedWhenMissingAndReloaded) {
  ScratchDir dir("key");
  const fs::path file = dir / "keys/audit.pem";
  auto created = SigningKey::load_or_create(file, true);
  ASSERT_TRUE(created) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(read_text(file).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto again = SigningKey::load_or_create(file, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->public_key(), created->public_key());
  EXPECT_FALSE(SigningKey::load_or_create(dir / "other.pem", false));
}

TEST(SigningKey, RejectsOtherPem) {
  ScratchDir dir("key-bad");
  std::ofstream(dir / "bad.pem") << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  EXPECT_FALSE(SigningKey::load_or_create(dir / "bad.pem", false));
  std::ofstream(dir / "junk.pem") << "hello";
  EXPECT_FALSE(SigningKey::load_or_create(dir / "junk.pem", false));
}

TEST(SigningKey, Rfc8032TestVector1) {
  // RFC 8032 §7.1 TEST 1: empty message.
  std::array<std::uint8_t, 32> seed{};
  const auto bytes = *core::hex_decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  std::copy(bytes.begin(), bytes.end(), seed.begin());
  const SigningKey key = SigningKey::from_seed(seed);
  EXPECT_EQ(core::hex_encode(key.public_key()), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const auto signature = key.sign({});
  EXPECT_EQ(core::hex_encode(signature),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0"
            "595bbe24655141438e7a100b");
  EXPECT_TRUE(verify_signature(key.public_key(), {}, signature));
}

TEST(SigningKey, PublicKeyPemRoundTripAndVerification) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(7);
  const SigningKey key = SigningKey::from_seed(seed);
  const std::string pem = public_key_pem(key.public_key());
  EXPECT_NE(pem.find("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"), std::string::npos);
  auto parsed = parse_public_key_pem(pem);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, key.public_key());
  EXPECT_EQ(key.key_id(), core::sha256(key.public_key()));
  const std::string text = "message";
  const auto signature = key.sign(core::as_bytes(text));
  EXPECT_TRUE(verify_signature(key.public_key(), core::as_bytes(text), signature));
  EXPECT_FALSE(verify_signature(key.public_key(), core::as_bytes(std::string("messagf")), signature));
  seed.fill(8);
  EXPECT_FALSE(verify_signature(SigningKey::from_seed(seed).public_key(), core::as_bytes(text), signature));
  EXPECT_NE(private_key_pem(seed).find("MC4CAQAwBQYDK2VwBCIEI"), std::string::npos);
}

}  // namespace
}  // namespace bulkhead::audit::detail
