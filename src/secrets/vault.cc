// Sealing and opening credentials (secretbox, bound to upstream/tenant/name) and the Vault over a Store.
#include <chrono>

#include <fmt/format.h>
#include <sodium.h>

#include "identity/identity.h"
#include "secrets/secrets.h"

namespace bulkhead::secrets {
namespace {

using core::Reason;

constexpr std::string_view kBindingMagic = "bulkhead-secret-v1\n";

// What a sealed value says it is for: magic, then upstream, tenant and name, each ending in '\n'.
std::string binding_of(std::string_view upstream, std::string_view tenant, std::string_view name) {
  return fmt::format("{}{}\n{}\n{}\n", kBindingMagic, upstream, tenant, name);
}

bool valid_upstream(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

core::Result<void> check_names(std::string_view upstream, std::string_view tenant, std::string_view name) {
  if (!valid_upstream(upstream)) return core::fail(Reason::invalid_request, "upstream must match [a-z0-9-]{1,64}");
  if (!identity::valid_tenant_id(tenant)) return core::fail(Reason::invalid_request, "tenant must be 1-128 of [A-Za-z0-9._-]");
  if (!valid_secret_name(name)) return core::fail(Reason::invalid_request, "secret name must match [A-Za-z0-9._-]{1,64}");
  return {};
}

std::int64_t now_ms(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

}  // namespace

bool valid_secret_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

core::Result<store::SealedSecret> seal(const Key& key, std::string_view upstream, std::string_view tenant,
                                       std::string_view name, std::string_view value, core::Rng& rng,
                                       std::int64_t now_ms) {
  if (auto ok = check_names(upstream, tenant, name); !ok) return std::unexpected(ok.error());
  if (value.empty()) return core::fail(Reason::invalid_request, "a secret value must not be empty");
  if (value.size() > 64 * 1024) return core::fail(Reason::invalid_request, "a secret value is limited to 64 KiB");
  std::string plain = binding_of(upstream, tenant, name);
  plain.append(value);
  store::SealedSecret sealed;
  sealed.upstream = upstream;
  sealed.tenant = tenant;
  sealed.name = name;
  sealed.key_id = key.id;
  sealed.updated_at_ms = now_ms;
  sealed.nonce.resize(crypto_secretbox_NONCEBYTES);
  rng.fill(sealed.nonce);
  sealed.ciphertext.resize(plain.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(sealed.ciphertext.data(), reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                        sealed.nonce.data(), key.bytes.data());
  sodium_memzero(plain.data(), plain.size());
  return sealed;
}

core::Result<SecretValue> open(const Keyring& keyring, const store::SealedSecret& sealed) {
  const Key* key = keyring.find(sealed.key_id);
  if (key == nullptr) {
    return core::fail(Reason::internal_error,
                      fmt::format("secret {}/{}/{} is sealed with key {}, which is not configured", sealed.upstream,
                                  sealed.tenant, sealed.name, sealed.key_id));
  }
  if (sealed.nonce.size() != crypto_secretbox_NONCEBYTES || sealed.ciphertext.size() < crypto_secretbox_MACBYTES) {
    return core::fail(Reason::internal_error, "a sealed secret is damaged (nonce or ciphertext size)");
  }
  std::string plain(sealed.ciphertext.size() - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), sealed.ciphertext.data(),
                                 sealed.ciphertext.size(), sealed.nonce.data(), key->bytes.data()) != 0) {
    return core::fail(Reason::internal_error,
                      fmt::format("secret {}/{}/{} does not open with its key (damaged or forged)", sealed.upstream,
                                  sealed.tenant, sealed.name));
  }
  const std::string expected = binding_of(sealed.upstream, sealed.tenant, sealed.name);
  if (plain.size() < expected.size() || !core::constant_time_equal(std::string_view(plain).substr(0, expected.size()), expected)) {
    sodium_memzero(plain.data(), plain.size());
    return core::fail(Reason::internal_error,
                      fmt::format("secret row {}/{}/{} was sealed for another upstream, tenant or name; refusing it",
                                  sealed.upstream, sealed.tenant, sealed.name));
  }
  SecretValue value(plain.substr(expected.size()));
  sodium_memzero(plain.data(), plain.size());
  return value;
}

Vault::Vault(store::Store& store, Keyring keyring, core::Rng& rng, const core::Clock& clock)
    : store_(store), keyring_(std::move(keyring)), rng_(rng), clock_(clock) {}

core::Result<void> Vault::set(std::string_view upstream, std::string_view tenant, std::string_view name,
                              std::string_view value) {
  auto sealed = seal(keyring_.current(), upstream, tenant, name, value, rng_, now_ms(clock_));
  if (!sealed) return std::unexpected(sealed.error());
  return store_.put_secret(*sealed);
}

core::Result<SecretValue> Vault::get(std::string_view upstream, std::string_view tenant, std::string_view name) {
  auto row = store_.get_secret(upstream, tenant, name);
  if (!row) return std::unexpected(row.error());
  if (!*row) {
    return core::fail(Reason::credential_missing,
                      fmt::format("tenant '{}' has no credential '{}' for upstream '{}'", tenant, name, upstream));
  }
  if (keyring_.find((*row)->key_id) == nullptr) {
    // Rotated by another process since we loaded the keys: read the key files again (once).
    auto reloaded = Keyring::load(keyring_.source(), rng_);
    if (reloaded) keyring_ = std::move(*reloaded);
  }
  return open(keyring_, **row);
}

core::Result<std::vector<Vault::Entry>> Vault::list(const store::SecretFilter& filter) {
  auto rows = store_.list_secrets(filter);
  if (!rows) return std::unexpected(rows.error());
  std::vector<Entry> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) out.push_back(Entry{row.upstream, row.tenant, row.name, row.key_id, row.updated_at_ms});
  return out;
}

core::Result<std::size_t> Vault::remove(const store::SecretFilter& filter) { return store_.delete_secrets(filter); }

core::Result<std::size_t> Vault::reseal_all(Keyring next) {
  auto rows = store_.list_secrets(store::SecretFilter{});
  if (!rows) return std::unexpected(rows.error());
  std::vector<store::SealedSecret> resealed;
  resealed.reserve(rows->size());
  for (const auto& row : *rows) {
    // Rows may be sealed under the current key or one of the older/newer ones of either ring.
    auto value = open(keyring_.find(row.key_id) != nullptr ? keyring_ : next, row);
    if (!value) return std::unexpected(value.error());
    auto sealed = seal(next.current(), row.upstream, row.tenant, row.name, value->reveal(), rng_, now_ms(clock_));
    if (!sealed) return std::unexpected(sealed.error());
    resealed.push_back(std::move(*sealed));
  }
  if (auto replaced = store_.replace_secrets(resealed); !replaced) return std::unexpected(replaced.error());
  keyring_ = std::move(next);
  return resealed.size();
}

}  // namespace bulkhead::secrets
