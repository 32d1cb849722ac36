// Demo upstream credentials: for every secret the demo config names (credential_name, secret_env), each tenant gets
// its own value ("<tenant>-demo-<name>-<random>"), sealed into the demo's store once. Demo only: in a deployment
// an operator stores real credentials with `bulkhead secrets set`.
#include <fmt/format.h>

#include "cli/commands.h"
#include "gateway/gateway.h"
#include "secrets/secrets.h"
#include "store/store.h"

namespace bulkhead::cli {

core::Result<void> prepare_demo_secrets(const std::filesystem::path& config_file) {
  auto config = gateway::load_config(config_file);
  if (!config) return std::unexpected(config.error());
  if (!config->uses_credentials()) return {};
  core::SystemClock clock;
  core::SystemRng rng;
  auto store = store::Store::open(config->store.url, config->store.base_dir, clock);
  if (!store) return std::unexpected(store.error());
  auto keyring = secrets::Keyring::load(secrets::key_source_from_environment(config->secrets.key_file, true), rng);
  if (!keyring) return std::unexpected(keyring.error());
  secrets::Vault vault(**store, std::move(*keyring), rng, clock);
  for (const auto& entry : config->upstreams) {
    std::vector<std::string> names;
    if (!entry.credential.name.empty()) names.push_back(entry.credential.name);
    for (const auto& [variable, name] : entry.credential.env) names.push_back(name);
    for (const auto& binding : config->tenants) {
      for (const auto& name : names) {
        if ((*store)->get_secret(entry.upstream.name, binding.tenant, name).value_or(std::nullopt)) continue;
        const std::string value = fmt::format("{}-demo-{}-{}", binding.tenant, name, core::random_hex(rng, 8));
        if (auto stored = vault.set(entry.upstream.name, binding.tenant, name, value); !stored) {
          return std::unexpected(stored.error());
        }
      }
    }
  }
  return {};
}

}  // namespace bulkhead::cli
