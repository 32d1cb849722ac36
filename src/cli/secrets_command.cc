// `bulkhead secrets set --upstream U --tenant T --name N` (value on stdin) | `list [--upstream U] [--tenant T]` |
// `rm --upstream U --tenant T [--name N]` | `rotate-key` (docs/secrets.md). Values are never printed. Each change
// is recorded in the store for the gateway to put in the audit log.
// Exit codes: 0 ok, 1 nothing matched / store error, 2 usage or configuration error.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "gateway/gateway.h"
#include "json/json.h"
#include "secrets/secrets.h"
#include "store/store.h"

namespace bulkhead::cli {
namespace {

struct SecretsFlags {
  std::string upstream;
  std::string tenant;
  std::string name;
};

struct Opened {
  gateway::Config config;
  std::unique_ptr<store::Store> store;
};

core::Result<Opened> open_secrets_store(const std::string& config_path, const core::Clock& clock) {
  auto config = gateway::load_config(config_path);
  if (!config) return std::unexpected(config.error());
  auto store = store::Store::open(config->store.url, config->store.base_dir, clock);
  if (!store) return std::unexpected(store.error());
  return Opened{std::move(*config), std::move(*store)};
}

std::int64_t now_ms(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

void record_event(store::Store& store, const core::Clock& clock, std::string event, std::string tenant,
                  json::Value detail) {
  store::AdminEvent e;
  e.at_ms = now_ms(clock);
  e.actor = cli_actor();
  e.event = std::move(event);
  e.tenant = std::move(tenant);
  e.detail = json::serialize(detail);
  if (auto added = store.add_admin_event(e); !added) {
    std::cerr << "warning: the change is made but not queued for the audit log: " << added.error().message << "\n";
  }
}

// Checks the upstream and tenant against the config, so a typo does not store a credential nobody uses.
bool known_target(const gateway::Config& config, const SecretsFlags& flags, std::string_view command) {
  const gateway::UpstreamEntry* upstream = nullptr;
  for (const auto& entry : config.upstreams) {
    if (entry.upstream.name == flags.upstream) upstream = &entry;
  }
  if (upstream == nullptr) {
    std::cerr << command << ": upstream '" << flags.upstream << "' is not in the config\n";
    return false;
  }
  bool tenant_known = config.tenants.empty();
  for (const auto& binding : config.tenants) tenant_known = tenant_known || binding.tenant == flags.tenant;
  if (!tenant_known) {
    std::cerr << command << ": tenant '" << flags.tenant << "' is not in the config\n";
    return false;
  }
  bool used = upstream->credential.name == flags.name;
  for (const auto& [variable, name] : upstream->credential.env) used = used || name == flags.name;
  if (!used) {
    std::cerr << command << ": note: upstream '" << flags.upstream << "' does not use a secret named '" << flags.name
              << "' (credential_name / secret_env)\n";
  }
  return true;
}

int run_set(const std::string& config_path, const SecretsFlags& flags) {
  constexpr std::string_view kCommand = "bulkhead secrets set";
  if (flags.upstream.empty() || flags.tenant.empty() || flags.name.empty()) {
    std::cerr << kCommand << ": --upstream, --tenant and --name are required; the value comes on stdin\n";
    return 2;
  }
  core::SystemClock clock;
  core::SystemRng rng;
  auto opened = open_secrets_store(config_path, clock);
  if (!opened) {
    std::cerr << kCommand << ": " << opened.error().message << "\n";
    return 2;
  }
  if (!known_target(opened->config, flags, kCommand)) return 2;
  if (::isatty(STDIN_FILENO)) std::cerr << "value (end with Ctrl-D): " << std::flush;
  std::string value((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (value.ends_with('\n')) value.pop_back();
  if (value.ends_with('\r')) value.pop_back();
  secrets::SecretValue held(std::move(value));
  auto keyring = secrets::Keyring::load(secrets::key_source_from_environment(opened->config.secrets.key_file, true), rng);
  if (!keyring) {
    std::cerr << kCommand << ": " << keyring.error().message << "\n";
    return 2;
  }
  const std::string key_id = keyring->current().id;
  secrets::Vault vault(*opened->store, std::move(*keyring), rng, clock);
  if (auto stored = vault.set(flags.upstream, flags.tenant, flags.name, held.reveal()); !stored) {
    std::cerr << kCommand << ": " << stored.error().message << "\n";
    return stored.error().reason == core::Reason::invalid_request ? 2 : 1;
  }
  json::Value detail = json::Value::object();
  detail.set("upstream", flags.upstream);
  detail.set("name", flags.name);
  detail.set("key_id", key_id);
  record_event(*opened->store, clock, "secret_set", flags.tenant, std::move(detail));
  std::cout << fmt::format("stored secret '{}' of tenant '{}' for upstream '{}' (sealed with key {})\n", flags.name,
                           flags.tenant, flags.upstream, key_id);
  return 0;
}

int run_list(const std::string& config_path, const SecretsFlags& flags) {
  core::SystemClock clock;
  auto opened = open_secrets_store(config_path, clock);
  if (!opened) {
    std::cerr << "bulkhead secrets list: " << opened.error().message << "\n";
    return 2;
  }
  store::SecretFilter filter{flags.upstream, flags.tenant, flags.name};
  auto rows = opened->store->list_secrets(filter);
  if (!rows) {
    std::cerr << "bulkhead secrets list: " << rows.error().message << "\n";
    return 1;
  }
  std::cout << fmt::format("{:<20} {:<20} {:<24} {:<16} {}\n", "upstream", "tenant", "name", "key", "updated (UTC ms)");
  for (const auto& row : *rows) {
    std::cout << fmt::format("{:<20} {:<20} {:<24} {:<16} {}\n", row.upstream, row.tenant, row.name, row.key_id,
                             row.updated_at_ms);
  }
  return 0;
}

int run_rm(const std::string& config_path, const SecretsFlags& flags) {
  if (flags.tenant.empty() && flags.upstream.empty()) {
    std::cerr << "bulkhead secrets rm: name --tenant and/or --upstream (and optionally --name)\n";
    return 2;
  }
  core::SystemClock clock;
  auto opened = open_secrets_store(config_path, clock);
  if (!opened) {
    std::cerr << "bulkhead secrets rm: " << opened.error().message << "\n";
    return 2;
  }
  auto removed = opened->store->delete_secrets(store::SecretFilter{flags.upstream, flags.tenant, flags.name});
  if (!removed) {
    std::cerr << "bulkhead secrets rm: " << removed.error().message << "\n";
    return 1;
  }
  json::Value detail = json::Value::object();
  if (!flags.upstream.empty()) detail.set("upstream", flags.upstream);
  if (!flags.name.empty()) detail.set("name", flags.name);
  detail.set("removed", static_cast<std::int64_t>(*removed));
  record_event(*opened->store, clock, "secret_removed", flags.tenant, std::move(detail));
  std::cout << "removed " << *removed << " secret(s)\n";
  return *removed > 0 ? 0 : 1;
}

int run_rotate(const std::string& config_path) {
  constexpr std::string_view kCommand = "bulkhead secrets rotate-key";
  core::SystemClock clock;
  core::SystemRng rng;
  auto opened = open_secrets_store(config_path, clock);
  if (!opened) {
    std::cerr << kCommand << ": " << opened.error().message << "\n";
    return 2;
  }
  const auto source = secrets::key_source_from_environment(opened->config.secrets.key_file, false);
  auto current = secrets::Keyring::load(source, rng);
  if (!current) {
    std::cerr << kCommand << ": " << current.error().message << "\n";
    return 2;
  }
  secrets::Vault vault(*opened->store, *current, rng, clock);
  if (!source.env_key.empty()) {
    // Environment keys: the operator already put the new key in $BULKHEAD_SECRETS_KEY and the old one in
    // $BULKHEAD_SECRETS_KEY_PREVIOUS; reseal every row under the new one.
    auto count = vault.reseal_all(*current);
    if (!count) {
      std::cerr << kCommand << ": " << count.error().message << "\n";
      return 1;
    }
    std::cout << "resealed " << *count << " secret(s) under $BULKHEAD_SECRETS_KEY (" << current->current().id << ")\n";
    return 0;
  }
  // Key file: stage <file>.new, reseal in one transaction, then swap the files (every step is recoverable: the
  // keyring also reads <file>.new and <file>.previous).
  const auto& file = source.key_file;
  const std::filesystem::path staged(file.string() + ".new");
  const std::filesystem::path previous(file.string() + ".previous");
  std::error_code ec;
  if (std::filesystem::exists(staged, ec)) {
    std::cerr << kCommand << ": " << staged.string() << " exists (an unfinished rotation?); move it away first\n";
    return 2;
  }
  if (auto written = secrets::write_key_file(staged, secrets::new_key_text(rng)); !written) {
    std::cerr << kCommand << ": " << written.error().message << "\n";
    return 2;
  }
  secrets::KeySource next_source;
  next_source.key_file = staged;
  auto next = secrets::Keyring::load(next_source, rng);
  if (!next) {
    std::cerr << kCommand << ": " << next.error().message << "\n";
    return 1;
  }
  const std::string new_id = next->current().id;
  auto count = vault.reseal_all(std::move(*next));
  if (!count) {
    std::cerr << kCommand << ": " << count.error().message << " (nothing changed; " << staged.string() << " removed)\n";
    std::filesystem::remove(staged, ec);
    return 1;
  }
  std::filesystem::remove(previous, ec);
  std::filesystem::rename(file, previous, ec);
  if (!ec) std::filesystem::rename(staged, file, ec);
  if (ec) {
    std::cerr << kCommand << ": the secrets are resealed but the key files could not be swapped: " << ec.message()
              << " (the keyring still finds " << staged.string() << ")\n";
    return 1;
  }
  json::Value detail = json::Value::object();
  detail.set("key_id", new_id);
  detail.set("resealed", static_cast<std::int64_t>(*count));
  record_event(*opened->store, clock, "secrets_key_rotated", "", std::move(detail));
  std::cout << "resealed " << *count << " secret(s) under new key " << new_id << "; the old key is "
            << previous.string() << " (delete it once no backup needs it)\n";
  return 0;
}

}  // namespace

void add_secrets_command(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<SecretsFlags>();
  CLI::App* secrets = app.add_subcommand("secrets", "per-tenant upstream credentials (sealed in the store)");
  secrets->require_subcommand(1);

  CLI::App* set = secrets->add_subcommand("set", "store a tenant's credential for an upstream (value on stdin)");
  set->add_option("--upstream", flags->upstream, "upstream name")->required();
  set->add_option("--tenant", flags->tenant, "tenant id")->required();
  set->add_option("--name", flags->name, "secret name (credential_name / secret_env)")->required();
  set->callback([flags, &context] { context.exit_code = run_set(context.config_path, *flags); });

  CLI::App* list = secrets->add_subcommand("list", "names and keys of stored credentials (never values)");
  list->add_option("--upstream", flags->upstream, "only this upstream's");
  list->add_option("--tenant", flags->tenant, "only this tenant's");
  list->callback([flags, &context] { context.exit_code = run_list(context.config_path, *flags); });

  CLI::App* rm = secrets->add_subcommand("rm", "delete credentials");
  rm->add_option("--upstream", flags->upstream, "upstream name");
  rm->add_option("--tenant", flags->tenant, "tenant id");
  rm->add_option("--name", flags->name, "secret name");
  rm->callback([flags, &context] { context.exit_code = run_rm(context.config_path, *flags); });

  CLI::App* rotate = secrets->add_subcommand("rotate-key", "reseal every credential under a new key");
  rotate->callback([&context] { context.exit_code = run_rotate(context.config_path); });
}

}  // namespace bulkhead::cli
