// bulkhead::secrets — per-tenant upstream credentials, sealed at rest with libsodium secretbox
// (XSalsa20-Poly1305) under a 32-byte key kept outside the store (a key file or $BULKHEAD_SECRETS_KEY).
// A sealed value is bound to its (upstream, tenant, name): a row copied onto another tenant does not open.
// Behaviour and key rotation: docs/secrets.md.
//
// Threading: a Keyring is immutable; a Vault is used from one thread (it uses one Store connection).
// Lifetime: a Vault holds its Store, Rng and Clock by reference; they must outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "store/store.h"

namespace bulkhead::secrets {

// A secret value in memory: zeroed when destroyed, never formatted; reveal() only where it is used.
class SecretValue {
 public:
  SecretValue() = default;
  explicit SecretValue(std::string value) : value_(std::move(value)) {}
  SecretValue(const SecretValue&) = delete;
  SecretValue& operator=(const SecretValue&) = delete;
  SecretValue(SecretValue&& other) noexcept : value_(std::move(other.value_)) {}
  SecretValue& operator=(SecretValue&& other) noexcept;
  ~SecretValue();
  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

 private:
  std::string value_;
};

struct Key {
  std::array<std::uint8_t, 32> bytes{};
  std::string id;  // 16 hex digits derived from the key (BLAKE2b), stored with each sealed row
  ~Key();
};

// Where the keys come from. With `env_key` set (the value of $BULKHEAD_SECRETS_KEY, base64) the files are not
// read; `env_previous_key` ($BULKHEAD_SECRETS_KEY_PREVIOUS) still opens rows sealed before a rotation.
// Otherwise `key_file` (base64 text, mode 0600) is current, and `<key_file>.previous` / `<key_file>.new` (left by
// a rotation) open older or newer rows.
struct KeySource {
  std::filesystem::path key_file;
  std::string env_key;
  std::string env_previous_key;
  bool create_if_missing = false;  // `secrets set` creates the key file on first use; the gateway never does
};
// The environment's keys ($BULKHEAD_SECRETS_KEY, $BULKHEAD_SECRETS_KEY_PREVIOUS) over `key_file`.
[[nodiscard]] KeySource key_source_from_environment(std::filesystem::path key_file, bool create_if_missing);

class Keyring {
 public:
  // Errors (invalid_request): a key file readable by group/others, not 32 bytes of base64, missing (unless
  // create_if_missing); no key configured at all.
  [[nodiscard]] static core::Result<Keyring> load(const KeySource& source, core::Rng& rng);
  [[nodiscard]] const Key& current() const noexcept { return keys_.front(); }
  [[nodiscard]] const Key* find(std::string_view id) const noexcept;
  [[nodiscard]] const KeySource& source() const noexcept { return source_; }

 private:
  KeySource source_;
  std::vector<Key> keys_;  // current first
};

// A new random key as the text a key file holds (base64 + newline).
[[nodiscard]] std::string new_key_text(core::Rng& rng);
// Writes a key file (0600, fsynced); refuses to overwrite.
[[nodiscard]] core::Result<void> write_key_file(const std::filesystem::path& path, std::string_view text);

// Valid names: upstream [a-z0-9-]{1,64}, tenant per identity rules, secret name [A-Za-z0-9._-]{1,64}.
[[nodiscard]] bool valid_secret_name(std::string_view name) noexcept;

[[nodiscard]] core::Result<store::SealedSecret> seal(const Key& key, std::string_view upstream,
                                                     std::string_view tenant, std::string_view name,
                                                     std::string_view value, core::Rng& rng, std::int64_t now_ms);
// Opens a row with the key that sealed it; a wrong key, a damaged row or a row sealed for another (upstream,
// tenant, name) is an internal_error.
[[nodiscard]] core::Result<SecretValue> open(const Keyring& keyring, const store::SealedSecret& sealed);

// The credentials of every tenant, in a Store. Values never leave except through get().
class Vault {
 public:
  Vault(store::Store& store, Keyring keyring, core::Rng& rng, const core::Clock& clock);

  [[nodiscard]] core::Result<void> set(std::string_view upstream, std::string_view tenant, std::string_view name,
                                       std::string_view value);
  // credential_missing when the tenant has no such secret (never another tenant's, never a default).
  [[nodiscard]] core::Result<SecretValue> get(std::string_view upstream, std::string_view tenant, std::string_view name);
  // Names and metadata only.
  struct Entry {
    std::string upstream, tenant, name, key_id;
    std::int64_t updated_at_ms = 0;
  };
  [[nodiscard]] core::Result<std::vector<Entry>> list(const store::SecretFilter& filter);
  [[nodiscard]] core::Result<std::size_t> remove(const store::SecretFilter& filter);
  // Re-seals every row under `next` (one transaction) and adopts it. Returns how many rows.
  [[nodiscard]] core::Result<std::size_t> reseal_all(Keyring next);

 private:
  store::Store& store_;
  Keyring keyring_;
  core::Rng& rng_;
  const core::Clock& clock_;
};

}  // namespace bulkhead::secrets
