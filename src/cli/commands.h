// bulkhead::cli — subcommands of the `bulkhead` binary. Each add_*_command registers one subcommand (and its
// flags) on the app; the callback it installs sets `exit_code` (0 ok, 1 negative result, 2 usage/config error).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

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

// Runs the gateway described by the config file until SIGINT/SIGTERM (serve_command.cc). Writes `ready_file`
// (JSON: pid, listen, url) once every listener accepts. Returns the process exit code.
// Sends logs to stderr at `level` (trace|debug|info|warn|error|off).
void setup_logging(const std::string& level);
int run_gateway(const std::string& config_path, const std::string& ready_file, const std::string& banner);

}  // namespace bulkhead::cli
