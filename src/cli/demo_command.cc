// `bulkhead demo`: the gateway in front of the example upstreams in examples/demo/, ready for MCP Inspector.
#include <cstdlib>
#include <filesystem>
#include <fstream>

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
  auto mint = std::make_shared<std::string>();
  auto ttl = std::make_shared<int>(3600);
  cmd->add_option("--log-level", *log_level, "trace|debug|info|warn|error");
  cmd->add_option("--mint-svid", *mint, "print a demo JWT-SVID for this SPIFFE ID (acme.test or globex.test) and exit");
  cmd->add_option("--ttl-seconds", *ttl, "lifetime of --mint-svid tokens (default 3600)")->check(CLI::Range(1, 86400));
  cmd->callback([&context, log_level, mint, ttl] {
    setup_logging(*log_level);
    const auto examples = find_examples();
    if (examples.empty()) {
      fmt::print(stderr, "bulkhead demo: cannot find examples/demo/bulkhead.toml (set BULKHEAD_EXAMPLES)\n");
      context.exit_code = 2;
      return;
    }
    const auto demo_dir = examples / "demo";
    auto identities = prepare_demo_identities(demo_dir);
    if (!identities) {
      fmt::print(stderr, "bulkhead demo: {}\n", identities.error().message);
      context.exit_code = 2;
      return;
    }
    if (!mint->empty()) {
      auto token = mint_demo_svid(demo_dir / "var", *mint, std::chrono::seconds(*ttl));
      if (!token) {
        fmt::print(stderr, "bulkhead demo: {}\n", token.error().message);
        context.exit_code = 2;
        return;
      }
      fmt::print("{}\n", *token);
      return;
    }
    if (auto stored = prepare_demo_secrets(demo_dir / "bulkhead.toml"); !stored) {
      fmt::print(stderr, "bulkhead demo: {}\n", stored.error().message);
      context.exit_code = 2;
      return;
    }
    // The second acme agent of the handoff demo (examples/handoff.mjs): it is handed a task, never reads itself.
    const auto writer_file = demo_dir / "var" / "acme-writer.jwt";
    if (auto writer = mint_demo_svid(demo_dir / "var", "spiffe://acme.test/agent/writer", std::chrono::hours(1))) {
      std::ofstream(writer_file, std::ios::trunc) << *writer;
    } else {
      fmt::print(stderr, "bulkhead demo: {}\n", writer.error().message);
      context.exit_code = 2;
      return;
    }
    std::string who;
    for (const auto& identity : *identities) {
      who += fmt::format("    tenant {:<7} agent {}  token: {}\n", identity.tenant, identity.spiffe_id,
                         identity.token_file.string());
    }
    const std::string acme_token = (*identities)[0].token_file.string();
    const std::string banner =
        "\nBulkhead demo is running: MCP endpoint http://127.0.0.1:{0}/mcp (workload identity required)\n"
        "  upstreams: 'everything' (server-everything, stdio) and 'notes' (examples/servers/notes.mjs, stdio)\n"
        "  workload identities (JWT-SVIDs, valid one hour; `bulkhead demo --mint-svid ID` makes more):\n" +
        who +
        "  try:  npx @modelcontextprotocol/inspector --cli http://127.0.0.1:{0}/mcp --transport http --method tools/list \\\n"
        "          --header \"Authorization: Bearer $(cat " + acme_token + ")\"\n"
        "  without a token the gateway answers 401 (see /.well-known/oauth-protected-resource).\n"
        "  task tokens: exchange the agent's SVID for a 5-minute token scoped to one task (docs/tokens.md):\n"
        "    SVID=$(cat " + acme_token + ")\n"
        "    curl -s http://127.0.0.1:{0}/oauth/token -H \"Authorization: Bearer $SVID\" \\\n"
        "      -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange \\\n"
        "      -d subject_token_type=urn:ietf:params:oauth:token-type:jwt -d subject_token=$SVID \\\n"
        "      -d task=ticket-1 -d scope='notes__*'\n"
        "  each tenant gets its own notes process holding only its own credential (try notes__whoami as acme).\n"
        "  two-agent handoff with task taint (docs/dlp.md): `node examples/handoff.mjs` — acme's support agent reads\n"
        "    a restricted case file, hands the task to acme's writer agent, whose post to the partner portal is\n"
        "    refused (policy no-egress-after-restricted); then `bulkhead audit tail examples/demo/var/audit`.\n"
        "  response DLP: another tenant's markers (acme-NNN / globex-NNN) never reach the other tenant.\n"
        "  Ctrl-C stops it.\n\n";
    context.exit_code = run_gateway((demo_dir / "bulkhead.toml").string(), "", banner);
  });
}

}  // namespace bulkhead::cli
