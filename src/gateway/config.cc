// bulkhead.toml → Config. Strict on purpose: an unknown key is far more often a typo in a security setting
// than a harmless extra, so it is an error naming the key and its line.
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "gateway/gateway.h"

namespace bulkhead::gateway {
namespace {

using core::Reason;

core::Error config_error(std::string message) { return core::Error{Reason::invalid_request, std::move(message)}; }

std::string where(const toml::node& node) {
  const auto& source = node.source();
  if (source.begin.line == 0) return "";
  return fmt::format(" (line {})", source.begin.line);
}

// Fails on keys of `table` not in `known`, naming the section.
core::Result<void> reject_unknown_keys(const toml::table& table, std::string_view section,
                                       std::initializer_list<std::string_view> known) {
  for (const auto& [key, node] : table) {
    bool found = false;
    for (auto k : known) found = found || k == key.str();
    if (!found) {
      return std::unexpected(config_error(fmt::format("unknown key '{}' in [{}]{}", key.str(), section, where(node))));
    }
  }
  return {};
}

template <class T>
core::Result<T> get_value(const toml::table& table, std::string_view key, std::string_view section, T fallback) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  auto value = node->value<T>();
  if (!value) {
    return std::unexpected(config_error(fmt::format("[{}] {} has the wrong type{}", section, key, where(*node))));
  }
  return *value;
}

core::Result<std::int64_t> get_positive(const toml::table& table, std::string_view key, std::string_view section,
                                        std::int64_t fallback) {
  auto value = get_value<std::int64_t>(table, key, section, fallback);
  if (!value) return value;
  if (*value <= 0) {
    return std::unexpected(config_error(fmt::format("[{}] {} must be positive{}", section, key, where(*table.get(key)))));
  }
  return value;
}

core::Result<std::vector<std::string>> get_strings(const toml::table& table, std::string_view key,
                                                   std::string_view section, bool allow_single) {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (node == nullptr) return out;
  if (allow_single) {
    if (auto single = node->value<std::string>()) {
      out.push_back(*single);
      return out;
    }
  }
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return std::unexpected(config_error(fmt::format("[{}] {} must be an array of strings{}", section, key, where(*node))));
  }
  for (const auto& item : *array) {
    auto text = item.value<std::string>();
    if (!text) {
      return std::unexpected(config_error(fmt::format("[{}] {} must contain only strings{}", section, key, where(item))));
    }
    out.push_back(*text);
  }
  return out;
}

std::filesystem::path resolve(const std::filesystem::path& origin, const std::string& value) {
  std::filesystem::path p(value);
  if (p.is_absolute() || origin.empty()) return p;
  return origin.parent_path() / p;
}

bool valid_upstream_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

core::Result<void> parse_server(const toml::table& root, Config& config) {
  const toml::table* server = root["server"].as_table();
  if (server == nullptr) return std::unexpected(config_error("missing [server] section (with listen = \"host:port\")"));
  if (auto r = reject_unknown_keys(*server, "server",
                                   {"listen", "public_url", "max_body_bytes", "request_timeout_ms", "allowed_origins",
                                    "list_page_size", "session_idle_timeout_seconds", "max_sessions",
                                    "shutdown_drain_ms"});
      !r) {
    return r;
  }
  auto listen = get_strings(*server, "listen", "server", true);
  if (!listen) return std::unexpected(listen.error());
  if (listen->empty()) return std::unexpected(config_error("[server] listen is required, e.g. \"127.0.0.1:8080\""));
  for (const auto& text : *listen) {
    auto hp = core::parse_host_port(text, /*allow_zero_port=*/true);
    if (!hp) return std::unexpected(config_error(fmt::format("[server] listen: '{}' is not host:port", text)));
    config.server.listen.push_back(*hp);
  }
  auto& s = config.server;
  auto public_url = get_value<std::string>(*server, "public_url", "server", "");
  if (!public_url) return std::unexpected(public_url.error());
  s.public_url = *public_url;
  auto body = get_positive(*server, "max_body_bytes", "server", static_cast<std::int64_t>(s.max_body_bytes));
  if (!body) return std::unexpected(body.error());
  s.max_body_bytes = static_cast<std::size_t>(*body);
  auto timeout = get_positive(*server, "request_timeout_ms", "server", s.request_timeout.count());
  if (!timeout) return std::unexpected(timeout.error());
  s.request_timeout = std::chrono::milliseconds(*timeout);
  auto origins = get_strings(*server, "allowed_origins", "server", false);
  if (!origins) return std::unexpected(origins.error());
  s.allowed_origins = *origins;
  auto page = get_positive(*server, "list_page_size", "server", static_cast<std::int64_t>(s.list_page_size));
  if (!page) return std::unexpected(page.error());
  s.list_page_size = static_cast<std::size_t>(*page);
  auto idle = get_positive(*server, "session_idle_timeout_seconds", "server", s.session_idle_timeout.count());
  if (!idle) return std::unexpected(idle.error());
  s.session_idle_timeout = std::chrono::seconds(*idle);
  auto max_sessions = get_positive(*server, "max_sessions", "server", static_cast<std::int64_t>(s.max_sessions));
  if (!max_sessions) return std::unexpected(max_sessions.error());
  s.max_sessions = static_cast<std::size_t>(*max_sessions);
  auto drain = get_positive(*server, "shutdown_drain_ms", "server", s.shutdown_drain.count());
  if (!drain) return std::unexpected(drain.error());
  s.shutdown_drain = std::chrono::milliseconds(*drain);
  if (s.public_url.empty()) {
    const auto& first = s.listen.front();
    const bool v6 = first.host.find(':') != std::string::npos;
    s.public_url = fmt::format("http://{}{}{}:{}", v6 ? "[" : "", first.host, v6 ? "]" : "", first.port);
  }
  return {};
}

core::Result<void> parse_auth(const toml::table& root, Config& config) {
  const toml::node* node = root.get("auth");
  if (node == nullptr) {
    return std::unexpected(config_error(
        "[auth] mode = \"workload\" (the default) needs workload identity, which this build does not provide yet; "
        "set [auth] mode = \"none\" on a loopback listener to run the bare proxy"));
  }
  const toml::table* auth = node->as_table();
  if (auth == nullptr) return std::unexpected(config_error("[auth] must be a table"));
  if (auto r = reject_unknown_keys(*auth, "auth", {"mode"}); !r) return r;
  auto mode = get_value<std::string>(*auth, "mode", "auth", "workload");
  if (!mode) return std::unexpected(mode.error());
  if (*mode == "none") {
    config.auth_mode = AuthMode::none;
    for (const auto& listener : config.server.listen) {
      if (!core::is_loopback_host(listener.host)) {
        return std::unexpected(config_error(fmt::format(
            "[auth] mode = \"none\" is allowed only on loopback listeners, but [server] listen has '{}'",
            listener.host)));
      }
    }
    return {};
  }
  if (*mode == "workload") {
    return std::unexpected(config_error(
        "[auth] mode = \"workload\" needs workload identity, which this build does not provide yet; "
        "use mode = \"none\" on a loopback listener"));
  }
  return std::unexpected(config_error(fmt::format("[auth] mode must be \"workload\" or \"none\", not \"{}\"", *mode)));
}

core::Result<UpstreamEntry> parse_upstream(const toml::table& table, const std::filesystem::path& origin,
                                           std::chrono::milliseconds server_request_timeout) {
  if (auto r = reject_unknown_keys(table, "upstream",
                                   {"name", "transport", "url", "headers", "command", "args", "env", "cwd", "prefix",
                                    "request_timeout_ms", "connect_timeout_ms", "idle_stop_seconds", "max_processes"});
      !r) {
    return std::unexpected(r.error());
  }
  UpstreamEntry entry;
  auto& u = entry.upstream;
  auto name = get_value<std::string>(table, "name", "upstream", "");
  if (!name) return std::unexpected(name.error());
  if (!valid_upstream_name(*name)) {
    return std::unexpected(config_error(fmt::format("[[upstream]] name '{}' must match [a-z0-9-]+{}", *name, where(table))));
  }
  u.name = *name;
  auto transport = get_value<std::string>(table, "transport", "upstream", "");
  if (!transport) return std::unexpected(transport.error());
  auto prefix = get_value<std::string>(table, "prefix", "upstream", u.name + "__");
  if (!prefix) return std::unexpected(prefix.error());
  entry.prefix = *prefix;
  auto request_timeout = get_positive(table, "request_timeout_ms", "upstream", server_request_timeout.count());
  if (!request_timeout) return std::unexpected(request_timeout.error());
  u.request_timeout = std::chrono::milliseconds(*request_timeout);
  auto connect_timeout = get_positive(table, "connect_timeout_ms", "upstream", u.connect_timeout.count());
  if (!connect_timeout) return std::unexpected(connect_timeout.error());
  u.connect_timeout = std::chrono::milliseconds(*connect_timeout);

  if (*transport == "http") {
    u.transport = upstream::Transport::http;
    auto url = get_value<std::string>(table, "url", "upstream", "");
    if (!url) return std::unexpected(url.error());
    if (!url->starts_with("http://") && !url->starts_with("https://")) {
      return std::unexpected(config_error(fmt::format("upstream '{}': url must start with http:// or https://", u.name)));
    }
    u.url = *url;
    if (const toml::node* headers = table.get("headers")) {
      const toml::table* h = headers->as_table();
      if (h == nullptr) return std::unexpected(config_error(fmt::format("upstream '{}': headers must be a table", u.name)));
      for (const auto& [k, v] : *h) {
        auto value = v.value<std::string>();
        if (!value) return std::unexpected(config_error(fmt::format("upstream '{}': header {} must be a string", u.name, k.str())));
        u.headers.add(std::string(k.str()), *value);
      }
    }
    for (auto key : {"command", "args", "env", "cwd", "idle_stop_seconds", "max_processes"}) {
      if (table.get(key) != nullptr) {
        return std::unexpected(config_error(fmt::format("upstream '{}': '{}' applies to stdio upstreams only", u.name, key)));
      }
    }
  } else if (*transport == "stdio") {
    u.transport = upstream::Transport::stdio;
    auto command = get_value<std::string>(table, "command", "upstream", "");
    if (!command) return std::unexpected(command.error());
    if (command->empty()) return std::unexpected(config_error(fmt::format("upstream '{}': command is required", u.name)));
    u.command = *command;
    auto args = get_strings(table, "args", "upstream", false);
    if (!args) return std::unexpected(args.error());
    u.args = *args;
    if (const toml::node* env = table.get("env")) {
      const toml::table* e = env->as_table();
      if (e == nullptr) return std::unexpected(config_error(fmt::format("upstream '{}': env must be a table", u.name)));
      for (const auto& [k, v] : *e) {
        auto value = v.value<std::string>();
        if (!value) return std::unexpected(config_error(fmt::format("upstream '{}': env {} must be a string", u.name, k.str())));
        u.env.emplace_back(std::string(k.str()), *value);
      }
    }
    auto cwd = get_value<std::string>(table, "cwd", "upstream", "");
    if (!cwd) return std::unexpected(cwd.error());
    u.working_dir = cwd->empty() ? (origin.empty() ? std::string() : origin.parent_path().string())
                                 : resolve(origin, *cwd).string();
    auto idle = get_positive(table, "idle_stop_seconds", "upstream", 300);
    if (!idle) return std::unexpected(idle.error());
    u.idle_stop = std::chrono::seconds(*idle);
    auto max_processes = get_positive(table, "max_processes", "upstream", static_cast<std::int64_t>(u.max_processes));
    if (!max_processes) return std::unexpected(max_processes.error());
    u.max_processes = static_cast<std::size_t>(*max_processes);
    if (table.get("url") != nullptr || table.get("headers") != nullptr) {
      return std::unexpected(config_error(fmt::format("upstream '{}': url/headers apply to http upstreams only", u.name)));
    }
  } else {
    return std::unexpected(config_error(
        fmt::format("upstream '{}': transport must be \"http\" or \"stdio\"{}", u.name, where(table))));
  }
  return entry;
}

core::Result<void> check_upstreams(const Config& config) {
  std::set<std::string> names;
  for (const auto& entry : config.upstreams) {
    if (!names.insert(entry.upstream.name).second) {
      return std::unexpected(config_error(fmt::format("duplicate upstream name '{}'", entry.upstream.name)));
    }
  }
  // Non-empty prefixes must not be prefixes of one another, or routing by name would be ambiguous.
  for (std::size_t i = 0; i < config.upstreams.size(); ++i) {
    for (std::size_t j = 0; j < config.upstreams.size(); ++j) {
      const auto& a = config.upstreams[i].prefix;
      const auto& b = config.upstreams[j].prefix;
      if (i != j && !a.empty() && !b.empty() && b.starts_with(a)) {
        return std::unexpected(config_error(fmt::format("upstream prefixes '{}' ({}) and '{}' ({}) overlap", a,
                                                        config.upstreams[i].upstream.name, b,
                                                        config.upstreams[j].upstream.name)));
      }
    }
  }
  return {};
}

}  // namespace

core::Result<Config> parse_config(std::string_view toml_text, const std::filesystem::path& origin) {
  toml::table parsed;
  try {
    // Debian's toml++ is built with exceptions; they stop here (configuration is not the data plane).
    parsed = toml::parse(toml_text, origin.string());
  } catch (const toml::parse_error& err) {
    return std::unexpected(config_error(fmt::format("{}:{}:{}: {}", origin.string(), err.source().begin.line,
                                                    err.source().begin.column, err.description())));
  }
  const toml::table& root = parsed;
  for (const auto& [key, node] : root) {
    const auto k = key.str();
    if (k == "server" || k == "auth" || k == "upstream") continue;
    if (k == "trust_domain" || k == "tenant" || k == "policy" || k == "tokens" || k == "store" || k == "secrets" ||
        k == "audit" || k == "dlp" || k == "register" || k == "admin") {
      return std::unexpected(config_error(fmt::format(
          "[{}]{} is not supported by this build yet; remove it rather than run without the control it asks for", k,
          where(node))));
    }
    return std::unexpected(config_error(fmt::format("unknown section or key '{}'{}", k, where(node))));
  }
  Config config;
  config.path = origin;
  if (auto r = parse_server(root, config); !r) return std::unexpected(r.error());
  if (auto r = parse_auth(root, config); !r) return std::unexpected(r.error());
  if (const toml::node* node = root.get("upstream")) {
    const toml::array* array = node->as_array();
    if (array == nullptr) return std::unexpected(config_error("upstream must be an array of tables: [[upstream]]"));
    for (const auto& item : *array) {
      const toml::table* table = item.as_table();
      if (table == nullptr) return std::unexpected(config_error("each [[upstream]] must be a table"));
      auto entry = parse_upstream(*table, origin, config.server.request_timeout);
      if (!entry) return std::unexpected(entry.error());
      config.upstreams.push_back(std::move(*entry));
    }
  }
  if (auto r = check_upstreams(config); !r) return std::unexpected(r.error());
  return config;
}

core::Result<Config> load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(config_error(fmt::format("cannot read config file {}", path.string())));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), std::filesystem::absolute(path));
}

}  // namespace bulkhead::gateway
