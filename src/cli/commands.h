// bulkhead::cli — subcommands of the `bulkhead` binary. Each add_*_command registers one subcommand (and its
// flags) on the app; the callback it installs sets `exit_code` (0 ok, 1 negative result, 2 usage/config error).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/core.h"

namespace bulkhead::cli {

struct CommandContext {
  std::string config_path;  // --config (default $BULKHEAD_CONFIG, else ./bulkhead.toml)
  int exit_code = 0;
};

void add_serve_command(CLI::App& app, CommandContext& context);  // serve_command.cc
void add_demo_command(CLI::App& app, CommandContext& context);   // demo_command.cc
void add_scan_command(CLI::App& app, CommandContext& context);   // scan_command.cc
void add_policy_command(CLI::App& app, CommandContext& context);  // policy_command.cc
void add_audit_command(CLI::App& app, CommandContext& context);   // audit_command.cc
void add_token_command(CLI::App& app, CommandContext& context);   // token_command.cc
void add_secrets_command(CLI::App& app, CommandContext& context); // secrets_command.cc
void add_register_command(CLI::App& app, CommandContext& context);  // register_command.cc
void add_offboard_command(CLI::App& app, CommandContext& context);  // offboard_command.cc
void add_report_command(CLI::App& app, CommandContext& context);    // report_command.cc

// Sends SIGHUP to the pid in `pid_file` (a ready file's JSON, or a bare pid); prints `what_happens`. Exit code.
int signal_reload(std::string_view command, const std::string& pid_file, std::string_view what_happens);
// Who runs a CLI command, for revocation and audit records: "cli:<user>".
std::string cli_actor();

// Runs the gateway described by the config file until SIGINT/SIGTERM (serve_command.cc). Writes `ready_file`
// (JSON: pid, listen, url) once every listener accepts. Returns the process exit code.
// Sends logs to stderr at `level` (trace|debug|info|warn|error|off).
void setup_logging(const std::string& level);
// `accept_damaged`: serve --accept-damaged (start although the audit log does not verify; see docs/audit.md).
int run_gateway(const std::string& config_path, const std::string& ready_file, const std::string& banner,
                bool accept_damaged = false);

// Demo workload identities (demo_identity.cc): keys and JWKS for the demo trust domains under <demo_dir>/var and a
// fresh one-hour JWT-SVID per tenant's support agent.
struct DemoIdentity {
  std::string tenant;
  std::string spiffe_id;
  std::filesystem::path token_file;
};
core::Result<std::vector<DemoIdentity>> prepare_demo_identities(const std::filesystem::path& demo_dir);
// Demo upstream credentials (demo_identity.cc): each tenant's secret for every upstream secret the demo config
// names, stored once (sealed) in the demo's store.
core::Result<void> prepare_demo_secrets(const std::filesystem::path& config_file);
// A JWT-SVID for `spiffe_id` (trust domain acme.test or globex.test) signed with the demo key in `var_dir`.
core::Result<std::string> mint_demo_svid(const std::filesystem::path& var_dir, std::string_view spiffe_id,
                                         std::chrono::seconds lifetime);

}  // namespace bulkhead::cli
