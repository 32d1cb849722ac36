// Entry point of the `bulkhead` binary: global flags, then one subcommand.
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  bulkhead::cli::CommandContext context;
  if (const char* env = std::getenv("BULKHEAD_CONFIG"); env != nullptr && *env != '\0') {
    context.config_path = env;
  } else {
    context.config_path = "bulkhead.toml";
  }
  CLI::App app{"bulkhead — an MCP gateway that makes the tenant boundary explicit"};
  app.set_version_flag("--version", std::string("bulkhead 0.1.0"));
  app.add_option("--config", context.config_path, "configuration file (default $BULKHEAD_CONFIG, else ./bulkhead.toml)");
  app.require_subcommand(1);
  app.fallthrough();
#if BULKHEAD_HAVE_GATEWAY
  bulkhead::cli::add_serve_command(app, context);
  bulkhead::cli::add_demo_command(app, context);
  bulkhead::cli::add_token_command(app, context);
  bulkhead::cli::add_secrets_command(app, context);
  bulkhead::cli::add_register_command(app, context);
  bulkhead::cli::add_offboard_command(app, context);
#endif
#if BULKHEAD_HAVE_REPORT && BULKHEAD_HAVE_GATEWAY
  bulkhead::cli::add_report_command(app, context);
#endif
#if BULKHEAD_HAVE_SCAN
  bulkhead::cli::add_scan_command(app, context);
#endif
#if BULKHEAD_HAVE_POLICY
  bulkhead::cli::add_policy_command(app, context);
#endif
#if BULKHEAD_HAVE_AUDIT
  bulkhead::cli::add_audit_command(app, context);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return context.exit_code;
}
