// Ed25519 keys of the audit log (libsodium). The private key file is PKCS#8 PEM ("PRIVATE KEY", the 32-byte seed),
// the published public key SubjectPublicKeyInfo PEM ("PUBLIC KEY"), so OpenSSL and Node read both directly.
// Values; a SigningKey may be used from one thread at a time (the writer thread).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "audit/audit.h"

namespace bulkhead::audit::detail {

using PublicKey = std::array<std::uint8_t, 32>;

class SigningKey {
 public:
  // Reads the PEM file; when it is missing and `create` is set, generates a key and writes it (mode 0600).
  [[nodiscard]] static core::Result<SigningKey> load_or_create(const std::filesystem::path& file, bool create);
  [[nodiscard]] static SigningKey from_seed(const std::array<std::uint8_t, 32>& seed);

  [[nodiscard]] const PublicKey& public_key() const noexcept { return public_key_; }
  [[nodiscard]] Sha256Digest key_id() const;
  [[nodiscard]] std::array<std::uint8_t, 64> sign(std::span<const std::uint8_t> message) const;

 private:
  std::array<std::uint8_t, 64> secret_{};  // libsodium form: seed || public key
  PublicKey public_key_{};
};

[[nodiscard]] Sha256Digest key_id_of(const PublicKey& key);
[[nodiscard]] bool verify_signature(const PublicKey& key, std::span<const std::uint8_t> message,
                                    std::span<const std::uint8_t, 64> signature);

[[nodiscard]] std::string private_key_pem(const std::array<std::uint8_t, 32>& seed);
[[nodiscard]] std::string public_key_pem(const PublicKey& key);
// Parses a "PUBLIC KEY" PEM holding an Ed25519 SubjectPublicKeyInfo.
[[nodiscard]] core::Result<PublicKey> parse_public_key_pem(std::string_view pem);
[[nodiscard]] core::Result<PublicKey> read_public_key_file(const std::filesystem::path& file);

}  // namespace bulkhead::audit::detail
