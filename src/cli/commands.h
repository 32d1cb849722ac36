// bulkhead::cli — subcommands of the `bulkhead` binary. Each add_*_command registers one subcommand (and its
// flags) on the app; the callback it installs sets `exit_code` (0 ok, 1 negative result, 2 usage/config error).
#pragma once

#include <CLI/CLI.hpp>

namespace bulkhead::cli {

struct CommandContext {
  std::string config_path;  // --config (default $BULKHEAD_CONFIG, else ./bulkhead.toml)
  int exit_code = 0;
};

void add_serve_command(CLI::App& app, CommandContext& context);  // serve_command.cc
void add_demo_command(CLI::App& app, CommandContext& context);   // demo_command.cc
void add_scan_command(CLI::App& app, CommandContext& context);   // scan_command.cc

}  // namespace bulkhead::cli
