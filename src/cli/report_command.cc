// `bulkhead report --connector C | --tenant T | --all [--since T] [--until T] --format md|html|json [--out FILE]
// [--scan PATH]` (docs/report.md): the accountability report. The evidence is located through bulkhead.toml
// ([audit] dir, [store] url, [policy] dir, upstreams, tenants); --audit-dir and --store override. The audit log is
// verified first: a report over a log that does not verify says so on its first line and exits 1.
// Exit codes: 0 report written, 1 the audit log does not verify, 2 usage, configuration or read error.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <toml++/toml.h>

#include "audit/audit.h"
#include "cli/commands.h"
#include "gateway/gateway.h"
#include "report/report.h"
#include "scan/scan.h"
#include "store/store.h"

namespace bulkhead::cli {
namespace {

struct ReportFlags {
  std::string connector;
  std::string tenant;
  bool all = false;
  std::string since;
  std::string until;
  std::string format = "md";
  std::string out;
  std::vector<std::string> scan;
  std::string audit_dir;
  std::string store_url;
  std::string public_key;
  bool strict = false;
};

json::Value scan_summary(const std::vector<std::string>& paths, std::string& error) {
  auto scanner = scan::Scanner::create(scan::Options{});
  if (!scanner) {
    error = scanner.error().message;
    return {};
  }
  auto found = scanner->scan_paths(paths);
  if (!found) {
    error = found.error().message;
    return {};
  }
  json::Value out = json::Value::object();
  json::Value& scanned = out.set("paths", json::Value::array());
  for (const auto& p : paths) scanned.push_back(p);
  out.set("files_scanned", static_cast<std::uint64_t>(found->files_scanned));
  out.set("findings", static_cast<std::uint64_t>(found->findings.size()));
  json::Value& items = out.set("items", json::Value::array());
  for (const auto& f : found->findings) {
    if (items.as_array().size() >= 200) break;
    json::Value item = json::Value::object();
    item.set("rule_id", f.rule_id);
    item.set("severity", rules::severity_name(f.severity));
    item.set("message", f.message);
    item.set("path", f.path);
    item.set("line", static_cast<std::int64_t>(f.position.line));
    if (!f.server.empty()) item.set("server", f.server);
    items.push_back(std::move(item));
  }
  return out;
}

std::optional<bool> dlp_configured(const std::filesystem::path& config_file) {
  try {
    const toml::table table = toml::parse_file(config_file.string());
    return table.contains("dlp");
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int run_report(const ReportFlags& flags, const std::string& config_path) {
  const int named = !flags.connector.empty() + !flags.tenant.empty() + (flags.all ? 1 : 0);
  if (named != 1) {
    std::cerr << "bulkhead report: name exactly one of --connector C, --tenant T, --all\n";
    return 2;
  }
  if (flags.format != "md" && flags.format != "html" && flags.format != "json") {
    std::cerr << "bulkhead report: --format must be md, html or json\n";
    return 2;
  }
  report::ReportOptions options;
  options.scope = flags.all ? report::ScopeKind::all
                            : (!flags.connector.empty() ? report::ScopeKind::connector : report::ScopeKind::tenant);
  options.scope_value = !flags.connector.empty() ? flags.connector : flags.tenant;
  for (const auto& [text, slot] : {std::pair{&flags.since, &options.since}, std::pair{&flags.until, &options.until}}) {
    if (text->empty()) continue;
    *slot = audit::parse_time(*text);
    if (!*slot) {
      std::cerr << "bulkhead report: not a time (RFC 3339 or unix seconds): " << *text << "\n";
      return 2;
    }
  }
  core::SystemClock clock;
  options.now = clock.now();
  auto config = gateway::load_config(config_path);
  if (!config) {
    std::cerr << "bulkhead report: " << config.error().message << "\n";
    return 2;
  }
  options.audit_dir = flags.audit_dir.empty() ? config->audit.dir : std::filesystem::path(flags.audit_dir);
  if (options.audit_dir.empty()) {
    std::cerr << "bulkhead report: no audit log: set [audit] dir in " << config_path << " or pass --audit-dir\n";
    return 2;
  }
  options.public_key_file = flags.public_key;
  options.strict = flags.strict;
  options.policy_dir = config->policy.dir;
  options.tenants = config->tenants;
  options.token_max_ttl = config->tokens.max_ttl;
  options.dlp_configured = dlp_configured(config_path);
  for (const auto& entry : config->upstreams) {
    report::UpstreamFacts u;
    u.name = entry.upstream.name;
    u.prefix = entry.prefix;
    u.transport = entry.upstream.transport == upstream::Transport::stdio ? "stdio" : "http";
    u.classification = entry.classification;
    for (const auto& [tool, labels] : entry.tools) {
      if (!labels.classification.empty()) u.tool_classification[entry.prefix + tool] = labels.classification;
    }
    options.upstreams.push_back(std::move(u));
  }
  if (options.scope == report::ScopeKind::connector &&
      std::none_of(options.upstreams.begin(), options.upstreams.end(),
                   [&](const auto& u) { return u.name == options.scope_value; })) {
    std::cerr << "bulkhead report: connector '" << options.scope_value << "' is not an [[upstream]] of the config\n";
    return 2;
  }
  if (!flags.scan.empty()) {
    std::string error;
    options.scan = scan_summary(flags.scan, error);
    if (!error.empty()) {
      std::cerr << "bulkhead report: --scan: " << error << "\n";
      return 2;
    }
  }
  auto store = store::Store::open(flags.store_url.empty() ? config->store.url : flags.store_url,
                                  config->store.base_dir, clock);
  if (!store) {
    std::cerr << "bulkhead report: " << store.error().message << "\n";
    return 2;
  }
  auto built = report::build_report(options, **store);
  if (!built) {
    std::cerr << "bulkhead report: " << built.error().message << "\n";
    return 2;
  }
  std::string text = flags.format == "json"   ? report::render_json(built->document)
                     : flags.format == "html" ? report::render_html(built->document)
                                              : report::render_markdown(built->document);
  if (flags.out.empty()) {
    std::cout << text;
    std::cout.flush();
  } else {
    std::ofstream file(flags.out, std::ios::binary | std::ios::trunc);
    file << text;
    if (!file) {
      std::cerr << "bulkhead report: cannot write " << flags.out << "\n";
      return 2;
    }
  }
  if (!built->verified) {
    std::cerr << "bulkhead report: " << built->refusal << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand("report", "accountability report: approvals, enforcement, offboarding, frameworks");
  cmd->add_option("--connector", flags->connector, "one connector (an [[upstream]] name)");
  cmd->add_option("--tenant", flags->tenant, "one tenant");
  cmd->add_flag("--all", flags->all, "every connector and tenant");
  cmd->add_option("--since", flags->since, "period start, inclusive (RFC 3339 or unix seconds)");
  cmd->add_option("--until", flags->until, "period end, exclusive (RFC 3339 or unix seconds)");
  cmd->add_option("--format", flags->format, "md (default), html or json");
  cmd->add_option("--out,-o", flags->out, "write the report to FILE instead of stdout");
  cmd->add_option("--scan", flags->scan, "also scan these client MCP configurations (files or directories)");
  cmd->add_option("--audit-dir", flags->audit_dir, "the audit directory (default [audit] dir of the config)");
  cmd->add_option("--store", flags->store_url, "the store URL (default [store] url of the config)");
  cmd->add_option("--public-key", flags->public_key, "pinned audit public key (PEM; default DIR/public-key.pem)");
  cmd->add_flag("--strict", flags->strict, "refuse records not yet covered by a signed checkpoint");
  cmd->callback([flags, &context] { context.exit_code = run_report(*flags, context.config_path); });
}

}  // namespace bulkhead::cli
