// `bulkhead serve`: run the gateway in the foreground on one event-loop thread.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "gateway/gateway.h"
#include "json/json.h"

namespace bulkhead::cli {
namespace {

// Writes the ready file atomically (temp file + rename) so a watcher never reads half of it.
bool write_ready_file(const std::string& path, const std::vector<std::uint16_t>& ports, const gateway::Config& config) {
  json::Value ready = json::Value::object();
  ready.set("pid", static_cast<std::int64_t>(::getpid()));
  json::Value listen = json::Value::array();
  for (std::size_t i = 0; i < ports.size() && i < config.server.listen.size(); ++i) {
    const auto& host = config.server.listen[i].host;
    const bool v6 = host.find(':') != std::string::npos;
    listen.push_back(fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", ports[i]));
  }
  if (!listen.as_array().empty()) ready.set("url", fmt::format("{}://{}/mcp", config.server.tls ? "https" : "http", listen.as_array().front().as_string()));
  ready.set("listen", std::move(listen));
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    if (!out) return false;
    out << json::serialize(ready) << '\n';
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  return !ec;
}

}  // namespace

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("bulkhead");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

int run_gateway(const std::string& config_path, const std::string& ready_file, const std::string& banner,
                bool accept_damaged) {
  std::signal(SIGPIPE, SIG_IGN);
  auto config = gateway::load_config(config_path);
  if (!config) {
    fmt::print(stderr, "bulkhead: configuration error: {}\n", config.error().message);
    return 2;
  }
  config->audit.accept_damaged = accept_damaged;
  if (config->auth.mode == gateway::AuthMode::workload && config->policy.dir.empty()) {
    spdlog::warn("no [policy] dir: every authenticated, tenant-bound workload may use every tool (unscoped tools)");
  }
  if (config->audit.dir.empty()) spdlog::warn("no [audit] dir: requests are not recorded in an audit trail");
  if (config->auth.mode == gateway::AuthMode::none) {
    spdlog::warn("[auth] mode = \"none\": no workload identity, every caller is 'anonymous' (loopback only)");
  }
  boost::asio::io_context io(1);
  core::SystemClock clock;
  core::SystemRng rng;
  auto created = gateway::Gateway::create(io, *config, clock, rng);
  if (!created) {
    fmt::print(stderr, "bulkhead: cannot start: {}\n", created.error().message);
    return 2;
  }
  auto& gw = **created;
  gw.start();
  const auto ports = gw.ports();
  for (std::size_t i = 0; i < ports.size() && i < config->server.listen.size(); ++i) {
    spdlog::info("listening on {}:{} (MCP at /mcp)", config->server.listen[i].host, ports[i]);
  }
  if (!ready_file.empty() && !write_ready_file(ready_file, ports, *config)) {
    fmt::print(stderr, "bulkhead: cannot write ready file {}\n", ready_file);
    return 2;
  }
  if (!banner.empty()) fmt::print(fmt::runtime(banner), ports.empty() ? 0 : ports.front());
  std::fflush(stdout);

  // SIGHUP reloads the policy set (bulkhead policy reload sends it); a bad set is logged and the old one stays.
  boost::asio::signal_set hangups(io, SIGHUP);
  std::function<void()> await_hangup = [&] {
    hangups.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      spdlog::info("received SIGHUP: reloading");
      gw.reload();
      await_hangup();
    });
  };
  await_hangup();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("received signal {}: shutting down", signal);
    hangups.cancel();
    gw.stop([&io] { io.stop(); });
  });
  io.run();
  spdlog::info("stopped");
  return 0;
}

void add_serve_command(CLI::App& app, CommandContext& context) {
  auto* cmd = app.add_subcommand("serve", "Run the gateway (MCP Streamable HTTP on /mcp)");
  auto ready_file = std::make_shared<std::string>();
  auto log_level = std::make_shared<std::string>("info");
  auto accept_damaged = std::make_shared<bool>(false);
  cmd->add_option("--ready-file", *ready_file, "write {pid, listen, url} as JSON here once listening");
  cmd->add_flag("--accept-damaged", *accept_damaged,
                "start even when the audit log does not verify (damaged data is set aside and the start recorded)");
  cmd->add_option("--log-level", *log_level, "trace|debug|info|warn|error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  cmd->callback([&context, ready_file, log_level, accept_damaged] {
    setup_logging(*log_level);
    context.exit_code = run_gateway(context.config_path, *ready_file, "", *accept_damaged);
  });
}

}  // namespace bulkhead::cli
