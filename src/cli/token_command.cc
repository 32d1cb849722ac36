// `bulkhead token revoke --task T [--tenant T] | --jti J | --tenant T | --agent ID [--reason R]`,
// `bulkhead token list [--tenant T] [--task T] [--agent ID] [--all]`, `bulkhead token rotate-key [--force]
// [--pid-file F]` (docs/tokens.md). They work on the store and key files named by the config; a running gateway
// refuses revoked tokens on its next request and audits the revocation.
// Exit codes: 0 ok, 2 usage or configuration error (nothing was changed), 1 a store error.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <unordered_set>

#include <fmt/format.h>

#include "cli/commands.h"
#include "gateway/gateway.h"
#include "identity/identity.h"
#include "store/store.h"
#include "token/token.h"

namespace bulkhead::cli {
namespace {

struct TokenFlags {
  std::string task;
  std::string jti;
  std::string tenant;
  std::string agent;
  std::string reason;
  std::string pid_file;
  bool all = false;
  bool force = false;
};

struct Opened {
  gateway::Config config;
  std::unique_ptr<store::Store> store;
};

core::Result<Opened> open_token_store(const std::string& config_path, const core::Clock& clock) {
  auto config = gateway::load_config(config_path);
  if (!config) return std::unexpected(config.error());
  if (!config->tokens.enabled) {
    return core::fail(core::Reason::invalid_request, fmt::format("{} has no [tokens] section", config_path));
  }
  auto store = store::Store::open(config->store.url, config->store.base_dir, clock);
  if (!store) return std::unexpected(store.error());
  return Opened{std::move(*config), std::move(*store)};
}

int run_revoke(const std::string& config_path, const TokenFlags& flags) {
  const int named = !flags.jti.empty() + !flags.task.empty() + !flags.agent.empty() +
                    (!flags.tenant.empty() && flags.task.empty());
  if (named != 1) {
    std::cerr << "bulkhead token revoke: name exactly one of --jti, --task (optionally with --tenant), --tenant, --agent\n";
    return 2;
  }
  store::Revocation revocation;
  if (!flags.jti.empty()) {
    revocation.kind = store::RevocationKind::jti;
    revocation.value = flags.jti;
  } else if (!flags.task.empty()) {
    if (!token::valid_task_id(flags.task) || (!flags.tenant.empty() && !identity::valid_tenant_id(flags.tenant))) {
      std::cerr << "bulkhead token revoke: --task must be 1-128 of [A-Za-z0-9._:-] and --tenant a tenant id\n";
      return 2;
    }
    revocation.kind = store::RevocationKind::task;
    revocation.value = (flags.tenant.empty() ? std::string("*") : flags.tenant) + "/" + flags.task;
  } else if (!flags.agent.empty()) {
    if (!identity::parse_spiffe_id(flags.agent)) {
      std::cerr << "bulkhead token revoke: --agent must be a SPIFFE ID\n";
      return 2;
    }
    revocation.kind = store::RevocationKind::agent;
    revocation.value = flags.agent;
  } else {
    if (!identity::valid_tenant_id(flags.tenant)) {
      std::cerr << "bulkhead token revoke: --tenant must be 1-128 of [A-Za-z0-9._-]\n";
      return 2;
    }
    revocation.kind = store::RevocationKind::tenant;
    revocation.value = flags.tenant;
  }
  revocation.actor = cli_actor();
  revocation.reason = flags.reason;
  core::SystemClock clock;
  auto opened = open_token_store(config_path, clock);
  if (!opened) {
    std::cerr << "bulkhead token revoke: " << opened.error().message << "\n";
    return 2;
  }
  auto outcome = token::revoke_in_store(*opened->store, std::move(revocation), clock, opened->config.tokens.max_ttl,
                                        opened->config.auth.verifier.clock_skew);
  if (!outcome) {
    std::cerr << "bulkhead token revoke: " << outcome.error().message << "\n";
    return 1;
  }
  const store::Revocation& done = outcome->recorded.front();
  std::cout << fmt::format("revoked {} {} (revocation {}): {} live token(s) covered, with everything derived from them; "
                           "a running gateway refuses them on the next request\n",
                           store::revocation_kind_name(done.kind), done.value, done.id, outcome->tokens_affected);
  return 0;
}

int run_list(const std::string& config_path, const TokenFlags& flags) {
  core::SystemClock clock;
  auto opened = open_token_store(config_path, clock);
  if (!opened) {
    std::cerr << "bulkhead token list: " << opened.error().message << "\n";
    return 2;
  }
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  store::IssuedFilter filter;
  filter.tenant = flags.tenant;
  filter.task = flags.task;
  filter.agent = flags.agent;
  filter.active_at_s = flags.all ? 0 : now;
  auto issued = opened->store->issued_tokens(filter);
  auto revocations = opened->store->revocations_after(0);
  if (!issued || !revocations) {
    std::cerr << "bulkhead token list: " << (!issued ? issued.error().message : revocations.error().message) << "\n";
    return 1;
  }
  token::RevocationSet set;
  for (const auto& r : *revocations) set.apply(r);
  // Rebuild each token's ancestry from the index (parent links) to apply the cascade the gateway applies.
  std::unordered_map<std::string, std::string> parent_of;
  auto everything = opened->store->issued_tokens(store::IssuedFilter{});
  if (everything) {
    for (const auto& t : *everything) parent_of[t.jti] = t.parent_jti;
  }
  std::cout << fmt::format("{:<24} {:<12} {:<16} {:>5} {:>8}  {:<8} {}\n", "jti", "tenant", "task", "depth", "expires",
                           "status", "holder / scope");
  for (const auto& row : *issued) {
    const token::TaskToken t = token::claims_of(row, parent_of);
    const bool expired = row.expires_at_s <= now;
    const auto revoked = set.check(t);
    std::cout << fmt::format("{:<24} {:<12} {:<16} {:>5} {:>7}s  {:<8} {} / {}\n", row.jti, row.tenant, row.task,
                             row.depth, expired ? 0 : row.expires_at_s - now,
                             revoked ? "revoked" : (expired ? "expired" : "live"), row.actor, row.scope);
  }
  return 0;
}

int run_rotate(const std::string& config_path, const TokenFlags& flags) {
  auto config = gateway::load_config(config_path);
  if (!config) {
    std::cerr << "bulkhead token rotate-key: " << config.error().message << "\n";
    return 2;
  }
  if (!config->tokens.enabled) {
    std::cerr << "bulkhead token rotate-key: " << config_path << " has no [tokens] section\n";
    return 2;
  }
  core::SystemClock clock;
  auto kid = token::rotate_signing_key(config->tokens.signing_key_file, config->tokens.max_ttl, flags.force, clock);
  if (!kid) {
    std::cerr << "bulkhead token rotate-key: " << kid.error().message << "\n";
    return 2;
  }
  std::cout << "new task-token signing key " << *kid << " in " << config->tokens.signing_key_file.string()
            << "; the previous key keeps verifying until it is rotated out\n";
  if (config->uses_store()) {
    auto store = store::Store::open(config->store.url, config->store.base_dir, clock);
    if (store) {
      store::AdminEvent event;
      event.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
      event.actor = cli_actor();
      event.event = "token_key_rotated";
      event.detail = fmt::format(R"({{"kid":"{}"}})", *kid);
      if (auto added = (*store)->add_admin_event(event); !added) std::cerr << "warning: " << added.error().message << "\n";
    }
  }
  if (flags.pid_file.empty()) {
    std::cout << "send the gateway SIGHUP (or pass --pid-file) to sign with the new key\n";
    return 0;
  }
  return signal_reload("bulkhead token rotate-key", flags.pid_file,
                       "the gateway signs with the new key and verifies with both");
}

}  // namespace

std::string cli_actor() {
  const char* user = std::getenv("SUDO_USER");
  if (user == nullptr || *user == '\0') user = std::getenv("USER");
  if (user != nullptr && *user != '\0') return fmt::format("cli:{}", user);
  return fmt::format("cli:uid={}", ::getuid());
}

void add_token_command(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<TokenFlags>();
  CLI::App* token = app.add_subcommand("token", "revoke, list and rotate the keys of task tokens");
  token->require_subcommand(1);

  CLI::App* revoke = token->add_subcommand("revoke", "revoke task tokens (and every token derived from them)");
  revoke->add_option("--jti", flags->jti, "one token by its jti");
  revoke->add_option("--task", flags->task, "every token of a task (ends it; with --tenant: that tenant's task)");
  revoke->add_option("--tenant", flags->tenant, "every token of a tenant issued until now");
  revoke->add_option("--agent", flags->agent, "every token with this workload in its delegation chain");
  revoke->add_option("--reason", flags->reason, "why (kept with the revocation and in the audit log)");
  revoke->callback([flags, &context] { context.exit_code = run_revoke(context.config_path, *flags); });

  CLI::App* list = token->add_subcommand("list", "issued task tokens (live ones unless --all) and their status");
  list->add_option("--tenant", flags->tenant, "only this tenant's");
  list->add_option("--task", flags->task, "only this task's");
  list->add_option("--agent", flags->agent, "only tokens with this workload in their chain");
  list->add_flag("--all", flags->all, "include expired tokens");
  list->callback([flags, &context] { context.exit_code = run_list(context.config_path, *flags); });

  CLI::App* rotate = token->add_subcommand("rotate-key", "make a new task-token signing key; the old one keeps verifying");
  rotate->add_flag("--force", flags->force, "rotate although the previous key may still verify live tokens");
  rotate->add_option("--pid-file", flags->pid_file, "signal the running gateway (its --ready-file) to load the new key");
  rotate->callback([flags, &context] { context.exit_code = run_rotate(context.config_path, *flags); });
}

}  // namespace bulkhead::cli
