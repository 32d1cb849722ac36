// bulkhead.toml → Config. Strict on purpose: an unknown key is far more often a typo in a security setting
// than a harmless extra, so it is an error naming the key and its line.
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "gateway/gateway.h"
#include "secrets/secrets.h"

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

bool valid_classification(std::string_view value) {
  return value == "public" || value == "internal" || value == "confidential" || value == "restricted";
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
                                    "shutdown_drain_ms", "tls_cert_file", "tls_key_file", "client_ca_file"});
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
  auto cert = get_value<std::string>(*server, "tls_cert_file", "server", "");
  auto key = get_value<std::string>(*server, "tls_key_file", "server", "");
  auto client_ca = get_value<std::string>(*server, "client_ca_file", "server", "");
  if (!cert) return std::unexpected(cert.error());
  if (!key) return std::unexpected(key.error());
  if (!client_ca) return std::unexpected(client_ca.error());
  if (cert->empty() != key->empty()) {
    return std::unexpected(config_error("[server] tls_cert_file and tls_key_file go together"));
  }
  if (!cert->empty()) {
    TlsConfig tls;
    tls.cert_file = resolve(config.path, *cert);
    tls.key_file = resolve(config.path, *key);
    if (!client_ca->empty()) tls.client_ca_files.push_back(resolve(config.path, *client_ca));
    s.tls = std::move(tls);
  } else if (!client_ca->empty()) {
    return std::unexpected(config_error("[server] client_ca_file needs tls_cert_file and tls_key_file (mTLS is TLS)"));
  }
  if (s.public_url.empty()) {
    s.public_url_from_listen = true;
    const auto& first = s.listen.front();
    const bool v6 = first.host.find(':') != std::string::npos;
    s.public_url = fmt::format("{}://{}{}{}:{}", s.tls ? "https" : "http", v6 ? "[" : "", first.host, v6 ? "]" : "", first.port);
  }
  return {};
}

core::Result<void> parse_auth(const toml::table& root, Config& config) {
  const toml::table empty;
  const toml::node* node = root.get("auth");
  const toml::table* auth = node == nullptr ? &empty : node->as_table();
  if (auth == nullptr) return std::unexpected(config_error("[auth] must be a table"));
  if (auto r = reject_unknown_keys(*auth, "auth",
                                   {"mode", "audience", "clock_skew_seconds", "require_task_token", "max_token_bytes",
                                    "verify_cache_entries"});
      !r) {
    return r;
  }
  auto& options = config.auth.verifier;
  auto audience = get_value<std::string>(*auth, "audience", "auth", options.audience);
  if (!audience) return std::unexpected(audience.error());
  if (audience->empty()) return std::unexpected(config_error("[auth] audience must not be empty"));
  options.audience = *audience;
  auto skew = get_value<std::int64_t>(*auth, "clock_skew_seconds", "auth", options.clock_skew.count());
  if (!skew) return std::unexpected(skew.error());
  if (*skew < 0 || *skew > 300) return std::unexpected(config_error("[auth] clock_skew_seconds must be 0..300"));
  options.clock_skew = std::chrono::seconds(*skew);
  auto max_token = get_positive(*auth, "max_token_bytes", "auth", static_cast<std::int64_t>(options.max_token_bytes));
  if (!max_token) return std::unexpected(max_token.error());
  options.max_token_bytes = static_cast<std::size_t>(*max_token);
  auto cache = get_value<std::int64_t>(*auth, "verify_cache_entries", "auth",
                                       static_cast<std::int64_t>(options.cache_entries));
  if (!cache) return std::unexpected(cache.error());
  if (*cache < 0) return std::unexpected(config_error("[auth] verify_cache_entries must not be negative"));
  options.cache_entries = static_cast<std::size_t>(*cache);
  auto task_only = get_value<bool>(*auth, "require_task_token", "auth", false);
  if (!task_only) return std::unexpected(task_only.error());
  config.auth.require_task_token = *task_only;
  auto mode = get_value<std::string>(*auth, "mode", "auth", "workload");
  if (!mode) return std::unexpected(mode.error());
  if (*mode == "none") {
    config.auth.mode = AuthMode::none;
    for (const auto& listener : config.server.listen) {
      if (!core::is_loopback_host(listener.host)) {
        return std::unexpected(config_error(fmt::format(
            "[auth] mode = \"none\" is allowed only on loopback listeners, but [server] listen has '{}'",
            listener.host)));
      }
    }
    return {};
  }
  if (*mode != "workload") {
    return std::unexpected(config_error(fmt::format("[auth] mode must be \"workload\" or \"none\", not \"{}\"", *mode)));
  }
  config.auth.mode = AuthMode::workload;
  if (config.trust_domains.empty()) {
    return std::unexpected(config_error(
        "[auth] mode = \"workload\" (the default) needs at least one [[trust_domain]] with jwks_file, jwks_url or "
        "bundle_file; for a bare loopback proxy set [auth] mode = \"none\""));
  }
  if (config.tenants.empty()) {
    return std::unexpected(config_error(
        "[auth] mode = \"workload\" needs at least one [[tenant]] binding workload identities (agents) to a tenant"));
  }
  return {};
}

// Every [[name]] entry as a table, or an error naming the section.
core::Result<std::vector<const toml::table*>> table_array(const toml::table& root, std::string_view name) {
  std::vector<const toml::table*> out;
  const toml::node* node = root.get(name);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) return std::unexpected(config_error(fmt::format("{0} must be an array of tables: [[{0}]]", name)));
  for (const auto& item : *array) {
    const toml::table* table = item.as_table();
    if (table == nullptr) return std::unexpected(config_error(fmt::format("each [[{}]] must be a table", name)));
    out.push_back(table);
  }
  return out;
}

core::Result<void> parse_trust_domains(const toml::table& root, Config& config) {
  auto tables = table_array(root, "trust_domain");
  if (!tables) return std::unexpected(tables.error());
  for (const toml::table* table : *tables) {
    if (auto r = reject_unknown_keys(*table, "trust_domain",
                                     {"name", "jwks_file", "jwks_url", "jwks_refresh_seconds", "bundle_file"});
        !r) {
      return r;
    }
    identity::TrustDomainConfig domain;
    auto name = get_value<std::string>(*table, "name", "trust_domain", "");
    if (!name) return std::unexpected(name.error());
    if (!identity::valid_trust_domain_name(*name)) {
      return std::unexpected(config_error(
          fmt::format("[[trust_domain]] name '{}' is not a SPIFFE trust domain ([a-z0-9.-_]+){}", *name, where(*table))));
    }
    domain.name = *name;
    auto jwks_file = get_value<std::string>(*table, "jwks_file", "trust_domain", "");
    auto jwks_url = get_value<std::string>(*table, "jwks_url", "trust_domain", "");
    auto bundle = get_value<std::string>(*table, "bundle_file", "trust_domain", "");
    auto refresh = get_positive(*table, "jwks_refresh_seconds", "trust_domain", domain.jwks_refresh.count());
    if (!jwks_file) return std::unexpected(jwks_file.error());
    if (!jwks_url) return std::unexpected(jwks_url.error());
    if (!bundle) return std::unexpected(bundle.error());
    if (!refresh) return std::unexpected(refresh.error());
    if (!jwks_file->empty() && !jwks_url->empty()) {
      return std::unexpected(config_error(fmt::format("trust domain '{}': jwks_file or jwks_url, not both", *name)));
    }
    if (jwks_file->empty() && jwks_url->empty() && bundle->empty()) {
      return std::unexpected(config_error(
          fmt::format("trust domain '{}' needs jwks_file, jwks_url (JWT-SVIDs) or bundle_file (mTLS)", *name)));
    }
    if (!jwks_url->empty() && !jwks_url->starts_with("https://") && !jwks_url->starts_with("http://")) {
      return std::unexpected(config_error(fmt::format("trust domain '{}': jwks_url must be an http(s) URL", *name)));
    }
    if (!jwks_file->empty()) domain.jwks_file = resolve(config.path, *jwks_file);
    domain.jwks_url = *jwks_url;
    domain.jwks_refresh = std::chrono::seconds(*refresh);
    if (!bundle->empty()) domain.bundle_file = resolve(config.path, *bundle);
    config.trust_domains.push_back(std::move(domain));
  }
  return {};
}

core::Result<void> parse_tenants(const toml::table& root, Config& config) {
  auto tables = table_array(root, "tenant");
  if (!tables) return std::unexpected(tables.error());
  for (const toml::table* table : *tables) {
    if (auto r = reject_unknown_keys(*table, "tenant", {"id", "agents", "canaries", "markers"}); !r) return r;
    identity::TenantBinding binding;
    auto id = get_value<std::string>(*table, "id", "tenant", "");
    if (!id) return std::unexpected(id.error());
    binding.tenant = *id;
    auto agents = get_strings(*table, "agents", "tenant", false);
    if (!agents) return std::unexpected(agents.error());
    binding.agents = std::move(*agents);
    auto canaries = get_strings(*table, "canaries", "tenant", false);
    if (!canaries) return std::unexpected(canaries.error());
    auto markers = get_strings(*table, "markers", "tenant", false);
    if (!markers) return std::unexpected(markers.error());
    if (!canaries->empty() || !markers->empty()) {
      config.dlp.enabled = true;
      config.dlp.options.tenants.push_back({binding.tenant, std::move(*canaries), std::move(*markers)});
    }
    config.tenants.push_back(std::move(binding));
  }
  // Same checks the gateway applies at start, reported here with the file's name.
  if (auto map = identity::TenantMap::create(config.tenants); !map) return std::unexpected(config_error(map.error().message));
  return {};
}

bool valid_header_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!token) return false;
  }
  return true;
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || (name.front() >= '0' && name.front() <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// credential_header / credential_format / credential_name of an http upstream: all or nothing.
core::Result<void> parse_http_credential(const toml::table& table, UpstreamEntry& entry) {
  const std::string& name = entry.upstream.name;
  auto header = get_value<std::string>(table, "credential_header", "upstream", "");
  auto format = get_value<std::string>(table, "credential_format", "upstream", entry.credential.format);
  auto secret = get_value<std::string>(table, "credential_name", "upstream", "");
  if (!header) return std::unexpected(header.error());
  if (!format) return std::unexpected(format.error());
  if (!secret) return std::unexpected(secret.error());
  if (header->empty() != secret->empty()) {
    return std::unexpected(config_error(fmt::format(
        "upstream '{}': credential_header and credential_name go together (the header and the secret it carries)", name)));
  }
  if (header->empty()) {
    if (table.get("credential_format") != nullptr) {
      return std::unexpected(config_error(fmt::format("upstream '{}': credential_format needs credential_header", name)));
    }
    return {};
  }
  if (!valid_header_name(*header)) {
    return std::unexpected(config_error(fmt::format("upstream '{}': credential_header '{}' is not a header name", name, *header)));
  }
  if (format->find("{secret}") == std::string::npos) {
    return std::unexpected(config_error(fmt::format("upstream '{}': credential_format must contain {{secret}}", name)));
  }
  if (!secrets::valid_secret_name(*secret)) {
    return std::unexpected(config_error(fmt::format("upstream '{}': credential_name must match [A-Za-z0-9._-]{{1,64}}", name)));
  }
  if (entry.upstream.headers.get(*header)) {
    return std::unexpected(config_error(fmt::format(
        "upstream '{}': header {} is both a static header and the tenant credential", name, *header)));
  }
  entry.credential.header = *header;
  entry.credential.format = *format;
  entry.credential.name = *secret;
  return {};
}

// secret_env = { VAR = "secret name" } of a stdio upstream.
core::Result<void> parse_secret_env(const toml::table& table, UpstreamEntry& entry) {
  const toml::node* node = table.get("secret_env");
  if (node == nullptr) return {};
  const std::string& name = entry.upstream.name;
  const toml::table* map = node->as_table();
  if (map == nullptr) return std::unexpected(config_error(fmt::format("upstream '{}': secret_env must be a table", name)));
  for (const auto& [var, value] : *map) {
    auto secret = value.value<std::string>();
    if (!secret || !secrets::valid_secret_name(*secret)) {
      return std::unexpected(config_error(fmt::format(
          "upstream '{}': secret_env {} must name a secret ([A-Za-z0-9._-]{{1,64}})", name, var.str())));
    }
    if (!valid_env_name(var.str())) {
      return std::unexpected(config_error(fmt::format("upstream '{}': secret_env key '{}' is not an environment variable name",
                                                      name, var.str())));
    }
    for (const auto& [static_var, unused] : entry.upstream.env) {
      if (static_var == var.str()) {
        return std::unexpected(config_error(fmt::format("upstream '{}': {} is in both env and secret_env", name, var.str())));
      }
    }
    entry.credential.env.emplace_back(std::string(var.str()), *secret);
  }
  return {};
}

core::Result<UpstreamEntry> parse_upstream(const toml::table& table, const std::filesystem::path& origin,
                                           std::chrono::milliseconds server_request_timeout) {
  if (auto r = reject_unknown_keys(table, "upstream",
                                   {"name", "transport", "url", "headers", "command", "args", "env", "cwd", "prefix",
                                    "request_timeout_ms", "connect_timeout_ms", "idle_stop_seconds", "max_processes",
                                    "classification", "tools", "credential_header", "credential_format",
                                    "credential_name", "secret_env"});
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
  auto classification = get_value<std::string>(table, "classification", "upstream", entry.classification);
  if (!classification) return std::unexpected(classification.error());
  if (!valid_classification(*classification)) {
    return std::unexpected(config_error(fmt::format(
        "upstream '{}': classification must be public, internal, confidential or restricted", u.name)));
  }
  entry.classification = *classification;
  if (const toml::node* tools = table.get("tools")) {
    const toml::table* t = tools->as_table();
    if (t == nullptr) return std::unexpected(config_error(fmt::format("upstream '{}': tools must be a table", u.name)));
    for (const auto& [tool_name, node] : *t) {
      const toml::table* tool = node.as_table();
      const std::string section = fmt::format("upstream.tools.{}", tool_name.str());
      if (tool == nullptr) return std::unexpected(config_error(fmt::format("[{}] must be a table", section)));
      if (auto r = reject_unknown_keys(*tool, section, {"classification", "labels"}); !r) return std::unexpected(r.error());
      ToolLabels labels;
      auto tool_class = get_value<std::string>(*tool, "classification", section, entry.classification);
      if (!tool_class) return std::unexpected(tool_class.error());
      if (!valid_classification(*tool_class)) {
        return std::unexpected(config_error(fmt::format(
            "[{}] classification must be public, internal, confidential or restricted", section)));
      }
      labels.classification = *tool_class;
      auto tool_labels = get_strings(*tool, "labels", section, false);
      if (!tool_labels) return std::unexpected(tool_labels.error());
      labels.labels = std::move(*tool_labels);
      entry.tools.emplace(std::string(tool_name.str()), std::move(labels));
    }
  }
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
    if (auto credential = parse_http_credential(table, entry); !credential) return std::unexpected(credential.error());
    for (auto key : {"command", "args", "env", "cwd", "idle_stop_seconds", "max_processes", "secret_env"}) {
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
    for (auto key : {"url", "headers", "credential_header", "credential_format", "credential_name"}) {
      if (table.get(key) != nullptr) {
        return std::unexpected(config_error(fmt::format("upstream '{}': '{}' applies to http upstreams only", u.name, key)));
      }
    }
    if (auto credential = parse_secret_env(table, entry); !credential) return std::unexpected(credential.error());
  } else {
    return std::unexpected(config_error(
        fmt::format("upstream '{}': transport must be \"http\" or \"stdio\"{}", u.name, where(table))));
  }
  return entry;
}

core::Result<void> parse_policy(const toml::table& root, Config& config) {
  const toml::node* node = root.get("policy");
  if (node == nullptr) return {};
  const toml::table* policy = node->as_table();
  if (policy == nullptr) return std::unexpected(config_error("[policy] must be a table"));
  if (auto r = reject_unknown_keys(*policy, "policy", {"dir"}); !r) return r;
  auto dir = get_value<std::string>(*policy, "dir", "policy", "");
  if (!dir) return std::unexpected(dir.error());
  if (dir->empty()) return std::unexpected(config_error("[policy] dir is required (a folder of *.cedar files)"));
  config.policy.dir = resolve(config.path, *dir);
  return {};
}

core::Result<void> parse_audit(const toml::table& root, Config& config) {
  const toml::node* node = root.get("audit");
  if (node == nullptr) return {};
  const toml::table* audit = node->as_table();
  if (audit == nullptr) return std::unexpected(config_error("[audit] must be a table"));
  if (auto r = reject_unknown_keys(*audit, "audit",
                                   {"dir", "signing_key_file", "durability", "checkpoint_every_records",
                                    "checkpoint_every_ms", "argument_preview"});
      !r) {
    return r;
  }
  auto& a = config.audit;
  auto dir = get_value<std::string>(*audit, "dir", "audit", "");
  if (!dir) return std::unexpected(dir.error());
  if (dir->empty()) return std::unexpected(config_error("[audit] dir is required"));
  a.dir = resolve(config.path, *dir);
  auto key = get_value<std::string>(*audit, "signing_key_file", "audit", "");
  if (!key) return std::unexpected(key.error());
  a.signing_key_file = key->empty() ? a.dir / "audit-ed25519.pem" : resolve(config.path, *key);
  auto durability = get_value<std::string>(*audit, "durability", "audit", "sync");
  if (!durability) return std::unexpected(durability.error());
  if (*durability != "sync" && *durability != "async") {
    return std::unexpected(config_error("[audit] durability must be \"sync\" or \"async\""));
  }
  a.sync = *durability == "sync";
  auto every = get_value<std::int64_t>(*audit, "checkpoint_every_records", "audit",
                                       static_cast<std::int64_t>(a.checkpoint_every_records));
  if (!every) return std::unexpected(every.error());
  if (*every < 0) return std::unexpected(config_error("[audit] checkpoint_every_records must not be negative"));
  a.checkpoint_every_records = static_cast<std::uint64_t>(*every);
  auto every_ms = get_value<std::int64_t>(*audit, "checkpoint_every_ms", "audit", a.checkpoint_every_ms.count());
  if (!every_ms) return std::unexpected(every_ms.error());
  if (*every_ms < 0) return std::unexpected(config_error("[audit] checkpoint_every_ms must not be negative"));
  a.checkpoint_every_ms = std::chrono::milliseconds(*every_ms);
  if (a.checkpoint_every_records == 0 && a.checkpoint_every_ms.count() == 0) {
    return std::unexpected(config_error("[audit] checkpoints need checkpoint_every_records or checkpoint_every_ms"));
  }
  auto preview = get_value<std::string>(*audit, "argument_preview", "audit", "none");
  if (!preview) return std::unexpected(preview.error());
  if (*preview != "none" && *preview != "names") {
    return std::unexpected(config_error("[audit] argument_preview must be \"none\" or \"names\""));
  }
  a.preview_argument_names = *preview == "names";
  return {};
}

const toml::table* optional_table(const toml::table& root, std::string_view name, core::Result<void>& problem) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return nullptr;
  const toml::table* table = node->as_table();
  if (table == nullptr) problem = std::unexpected(config_error(fmt::format("[{}] must be a table", name)));
  return table;
}

core::Result<void> parse_tokens(const toml::table& root, Config& config) {
  core::Result<void> problem;
  const toml::table* tokens = optional_table(root, "tokens", problem);
  if (!problem) return problem;
  auto& t = config.tokens;
  t.signing_key_file = resolve(config.path, "keys/tokens-ed25519.pem");
  if (tokens == nullptr) {
    if (config.auth.require_task_token) {
      return std::unexpected(config_error("[auth] require_task_token = true needs a [tokens] section (task tokens)"));
    }
    return {};
  }
  if (auto r = reject_unknown_keys(*tokens, "tokens",
                                   {"signing_key_file", "audience", "default_ttl_seconds", "max_ttl_seconds",
                                    "max_delegation_depth"});
      !r) {
    return r;
  }
  t.enabled = true;
  if (config.auth.mode != AuthMode::workload) {
    return std::unexpected(config_error("[tokens] needs [auth] mode = \"workload\": task tokens are exchanged for workload identities"));
  }
  auto key = get_value<std::string>(*tokens, "signing_key_file", "tokens", "");
  if (!key) return std::unexpected(key.error());
  if (!key->empty()) t.signing_key_file = resolve(config.path, *key);
  auto audience = get_value<std::string>(*tokens, "audience", "tokens", "");
  if (!audience) return std::unexpected(audience.error());
  if (tokens->get("audience") != nullptr && audience->empty()) {
    return std::unexpected(config_error("[tokens] audience must not be empty"));
  }
  t.audience = *audience;
  auto ttl = get_positive(*tokens, "default_ttl_seconds", "tokens", t.default_ttl.count());
  auto max_ttl = get_positive(*tokens, "max_ttl_seconds", "tokens", t.max_ttl.count());
  auto depth = get_positive(*tokens, "max_delegation_depth", "tokens", t.max_delegation_depth);
  if (!ttl) return std::unexpected(ttl.error());
  if (!max_ttl) return std::unexpected(max_ttl.error());
  if (!depth) return std::unexpected(depth.error());
  if (*ttl > *max_ttl) return std::unexpected(config_error("[tokens] default_ttl_seconds must not exceed max_ttl_seconds"));
  if (*max_ttl > 86'400) return std::unexpected(config_error("[tokens] max_ttl_seconds is at most 86400 (task tokens are short-lived)"));
  if (*depth > 16) return std::unexpected(config_error("[tokens] max_delegation_depth is at most 16"));
  t.default_ttl = std::chrono::seconds(*ttl);
  t.max_ttl = std::chrono::seconds(*max_ttl);
  t.max_delegation_depth = static_cast<std::uint32_t>(*depth);
  return {};
}

core::Result<void> parse_store_and_secrets(const toml::table& root, Config& config) {
  core::Result<void> problem;
  config.store.base_dir = config.path.empty() ? std::filesystem::path() : config.path.parent_path();
  config.secrets.key_file = resolve(config.path, "keys/secrets.key");
  if (const toml::table* store = optional_table(root, "store", problem)) {
    config.store_configured = true;
    if (auto r = reject_unknown_keys(*store, "store", {"url"}); !r) return r;
    auto url = get_value<std::string>(*store, "url", "store", config.store.url);
    if (!url) return std::unexpected(url.error());
    if (!url->starts_with("sqlite://")) {
      return std::unexpected(config_error(url->starts_with("postgres")
                                              ? "[store] url: PostgreSQL is not in this build yet; use sqlite://<path>"
                                              : "[store] url must be sqlite://<path>"));
    }
    config.store.url = *url;
  }
  if (!problem) return problem;
  if (const toml::table* secrets = optional_table(root, "secrets", problem)) {
    if (auto r = reject_unknown_keys(*secrets, "secrets", {"key_file"}); !r) return r;
    auto key = get_value<std::string>(*secrets, "key_file", "secrets", "");
    if (!key) return std::unexpected(key.error());
    if (!key->empty()) config.secrets.key_file = resolve(config.path, *key);
  }
  return problem;
}

core::Result<void> parse_register_and_admin(const toml::table& root, Config& config) {
  core::Result<void> problem;
  if (const toml::table* reg = optional_table(root, "register", problem)) {
    if (auto r = reject_unknown_keys(*reg, "register", {"file", "on_review_overdue"}); !r) return r;
    auto file = get_value<std::string>(*reg, "file", "register", "");
    if (!file) return std::unexpected(file.error());
    if (!file->empty()) config.register_.file = resolve(config.path, *file);
    auto overdue = get_value<std::string>(*reg, "on_review_overdue", "register", "deny");
    if (!overdue) return std::unexpected(overdue.error());
    if (*overdue != "deny" && *overdue != "warn") {
      return std::unexpected(config_error("[register] on_review_overdue must be \"deny\" or \"warn\""));
    }
    config.register_.deny_overdue = *overdue == "deny";
  }
  if (!problem) return problem;
  if (const toml::table* admin = optional_table(root, "admin", problem)) {
    if (auto r = reject_unknown_keys(*admin, "admin", {"token_file", "principals"}); !r) return r;
    auto token = get_value<std::string>(*admin, "token_file", "admin", "");
    if (!token) return std::unexpected(token.error());
    if (!token->empty()) config.admin.token_file = resolve(config.path, *token);
    auto principals = get_strings(*admin, "principals", "admin", false);
    if (!principals) return std::unexpected(principals.error());
    for (const auto& id : *principals) {
      if (!identity::parse_spiffe_id(id)) {
        return std::unexpected(config_error(fmt::format("[admin] principals: '{}' is not a SPIFFE ID", id)));
      }
    }
    config.admin.principals = std::move(*principals);
    if (config.admin.token_file.empty() && config.admin.principals.empty()) {
      return std::unexpected(config_error("[admin] needs token_file or principals (who may use /admin/)"));
    }
    if (!config.admin.principals.empty() && config.auth.mode != AuthMode::workload) {
      return std::unexpected(config_error("[admin] principals need [auth] mode = \"workload\""));
    }
  }
  return problem;
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

core::Result<dlp::Action> get_action(const toml::table& table, std::string_view key, std::string_view section,
                                    dlp::Action fallback) {
  auto name = get_value<std::string>(table, key, section, std::string(dlp::action_name(fallback)));
  if (!name) return std::unexpected(name.error());
  auto action = dlp::action_from_name(*name);
  if (!action) {
    return std::unexpected(config_error(fmt::format("[{}] {} must be \"block\", \"redact\" or \"log\"", section, key)));
  }
  return *action;
}

// [dlp] and [[dlp.pattern]] (docs/dlp.md). Regexes are compiled when the gateway starts.
core::Result<void> parse_dlp(const toml::table& root, Config& config) {
  const toml::node* node = root.get("dlp");
  if (node == nullptr) return {};
  const toml::table* table = node->as_table();
  if (table == nullptr) return std::unexpected(config_error("[dlp] must be a table"));
  if (auto r = reject_unknown_keys(*table, "dlp",
                                   {"enabled", "egress", "secrets", "on_other_tenant_marker", "on_secret",
                                    "carry_bytes", "pattern"});
      !r) {
    return r;
  }
  DlpConfig& d = config.dlp;
  auto enabled = get_value<bool>(*table, "enabled", "dlp", true);
  if (!enabled) return std::unexpected(enabled.error());
  d.enabled = *enabled;
  auto egress = get_value<bool>(*table, "egress", "dlp", true);
  if (!egress) return std::unexpected(egress.error());
  d.egress = *egress;
  auto secrets = get_value<bool>(*table, "secrets", "dlp", true);
  if (!secrets) return std::unexpected(secrets.error());
  d.options.secrets = *secrets;
  auto marker = get_action(*table, "on_other_tenant_marker", "dlp", dlp::Action::block);
  if (!marker) return std::unexpected(marker.error());
  d.options.on_other_tenant_marker = *marker;
  auto secret = get_action(*table, "on_secret", "dlp", dlp::Action::redact);
  if (!secret) return std::unexpected(secret.error());
  d.options.on_secret = *secret;
  auto carry = get_positive(*table, "carry_bytes", "dlp", 256);
  if (!carry) return std::unexpected(carry.error());
  if (*carry > 65536) return std::unexpected(config_error("[dlp] carry_bytes must be at most 65536"));
  d.options.carry_bytes = static_cast<std::size_t>(*carry);
  auto patterns = table_array(*table, "pattern");
  if (!patterns) return std::unexpected(patterns.error());
  for (const toml::table* p : *patterns) {
    if (auto r = reject_unknown_keys(*p, "dlp.pattern", {"id", "regex", "classification", "action"}); !r) return r;
    dlp::CustomPattern pattern;
    auto id = get_value<std::string>(*p, "id", "dlp.pattern", "");
    if (!id) return std::unexpected(id.error());
    if (!valid_upstream_name(*id)) {
      return std::unexpected(config_error(fmt::format("[[dlp.pattern]] id must be [a-z0-9-]+{}", where(*p))));
    }
    for (const auto& existing : d.options.patterns) {
      if (existing.id == *id) return std::unexpected(config_error(fmt::format("[[dlp.pattern]] id '{}' twice", *id)));
    }
    auto regex = get_value<std::string>(*p, "regex", "dlp.pattern", "");
    if (!regex) return std::unexpected(regex.error());
    if (regex->empty()) return std::unexpected(config_error(fmt::format("[[dlp.pattern]] '{}' needs a regex", *id)));
    auto classification = get_value<std::string>(*p, "classification", "dlp.pattern", "confidential");
    if (!classification) return std::unexpected(classification.error());
    if (!valid_classification(*classification)) {
      return std::unexpected(config_error(fmt::format(
          "[[dlp.pattern]] '{}': classification must be public, internal, confidential or restricted", *id)));
    }
    auto action = get_action(*p, "action", "dlp.pattern", dlp::Action::log);
    if (!action) return std::unexpected(action.error());
    pattern.id = *id;
    pattern.regex = *regex;
    pattern.classification = *classification;
    pattern.action = *action;
    d.options.patterns.push_back(std::move(pattern));
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
    if (k == "server" || k == "auth" || k == "upstream" || k == "trust_domain" || k == "tenant" || k == "policy" ||
        k == "audit" || k == "tokens" || k == "store" || k == "secrets" || k == "register" || k == "admin" ||
        k == "dlp") {
      continue;
    }
    return std::unexpected(config_error(fmt::format("unknown section or key '{}'{}", k, where(node))));
  }
  Config config;
  config.path = origin;
  if (auto r = parse_server(root, config); !r) return std::unexpected(r.error());
  if (auto r = parse_trust_domains(root, config); !r) return std::unexpected(r.error());
  if (auto r = parse_tenants(root, config); !r) return std::unexpected(r.error());
  if (auto r = parse_auth(root, config); !r) return std::unexpected(r.error());
  if (config.server.tls && config.server.tls->client_ca_files.empty()) {
    // mTLS by default when trust domains publish X.509 bundles: clients are asked for their X.509-SVID.
    for (const auto& domain : config.trust_domains) {
      if (!domain.bundle_file.empty()) config.server.tls->client_ca_files.push_back(domain.bundle_file);
    }
  }
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
  if (auto r = parse_policy(root, config); !r) return std::unexpected(r.error());
  if (auto r = parse_audit(root, config); !r) return std::unexpected(r.error());
  if (auto r = parse_tokens(root, config); !r) return std::unexpected(r.error());
  if (auto r = parse_store_and_secrets(root, config); !r) return std::unexpected(r.error());
  if (auto r = parse_register_and_admin(root, config); !r) return std::unexpected(r.error());
  if (auto r = parse_dlp(root, config); !r) return std::unexpected(r.error());
  return config;
}

bool Config::uses_credentials() const noexcept {
  for (const auto& entry : upstreams) {
    if (entry.credential.configured()) return true;
  }
  return false;
}

bool Config::uses_store() const noexcept {
  return tokens.enabled || uses_credentials() || store_configured || !register_.file.empty() ||
         !admin.token_file.empty() || !admin.principals.empty();
}

json::Value classifications_of(const Config& config) {
  json::Value out = json::Value::object();
  for (const auto& entry : config.upstreams) {
    json::Value& u = out.set(entry.upstream.name, json::Value::object());
    u.set("default", entry.classification);
    json::Value& tools = u.set("tools", json::Value::object());
    for (const auto& [tool, labels] : entry.tools) {
      json::Value& t = tools.set(tool, json::Value::object());
      t.set("classification", labels.classification);
      json::Value& list = t.set("labels", json::Value::array());
      for (const auto& label : labels.labels) list.push_back(label);
    }
  }
  return out;
}

registry::Context register_context(const Config& config, registry::Date today) {
  registry::Context context;
  for (const auto& entry : config.upstreams) context.upstreams.insert(entry.upstream.name);
  for (const auto& binding : config.tenants) context.tenants[binding.tenant] = binding.agents;
  context.today = today;
  return context;
}

ToolLabels UpstreamEntry::labels_of(std::string_view tool) const {
  if (auto it = tools.find(std::string(tool)); it != tools.end()) return it->second;
  return ToolLabels{classification, {}};
}

core::Result<Config> load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(config_error(fmt::format("cannot read config file {}", path.string())));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), std::filesystem::absolute(path));
}

}  // namespace bulkhead::gateway
