// `bulkhead demo`: the gateway in front of the example upstreams in examples/demo/, ready for MCP Inspector.
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"

namespace bulkhead::cli {
namespace {

// examples/ is found via $BULKHEAD_EXAMPLES, ./examples, or next to the source tree the binary was built in.
std::filesystem::path find_examples() {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("BULKHEAD_EXAMPLES"); env != nullptr && *env != '\0') candidates.emplace_back(env);
  candidates.emplace_back(fs::current_path() / "examples");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      candidates.push_back(dir / "examples");
    }
  }
  for (const auto& candidate : candidates) {
    if (fs::exists(candidate / "demo" / "bulkhead.toml", ec)) return candidate;
  }
  return {};
}

}  // namespace

void add_demo_command(CLI::App& app, CommandContext& context) {
  auto* cmd = app.add_subcommand("demo", "Run the gateway in front of the example upstreams (examples/demo)");
  auto log_level = std::make_shared<std::string>("info");
  cmd->add_option("--log-level", *log_level, "trace|debug|info|warn|error");
  cmd->callback([&context, log_level] {
    setup_logging(*log_level);
    const auto examples = find_examples();
    if (examples.empty()) {
      fmt::print(stderr, "bulkhead demo: cannot find examples/demo/bulkhead.toml (set BULKHEAD_EXAMPLES)\n");
      context.exit_code = 2;
      return;
    }
    const std::string banner =
        "\nBulkhead demo is running: MCP endpoint http://127.0.0.1:{0}/mcp\n"
        "  upstreams: 'everything' (server-everything, stdio) and 'notes' (examples/servers/notes.mjs, stdio)\n"
        "  try:  npx @modelcontextprotocol/inspector --cli http://127.0.0.1:{0}/mcp --transport http --method tools/list\n"
        "  or open MCP Inspector (npx @modelcontextprotocol/inspector), transport Streamable HTTP, URL above.\n"
        "  Ctrl-C stops it.\n\n";
    context.exit_code = run_gateway((examples / "demo" / "bulkhead.toml").string(), "", banner);
  });
}

}  // namespace bulkhead::cli
