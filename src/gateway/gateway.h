// bulkhead::gateway — the request pipeline: terminates MCP Streamable HTTP on /mcp, keeps client sessions,
// aggregates the upstreams' tools/resources/prompts under their prefixes and routes each request to the
// upstream that owns it.
//
// Threading: a Gateway runs on one io_context driven by one thread (the event loop); every session, upstream
// and HTTP connection lives on it, so gateway state needs no locks. Lifetime: create() → start() → stop(); the
// io_context must outlive the Gateway.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/core.h"
#include "dlp/dlp.h"
#include "identity/identity.h"
#include "register/register.h"
#include "upstream/upstream.h"

namespace bulkhead::gateway {

enum class AuthMode : std::uint8_t { workload, none };

// TLS on every listener; mTLS when client CAs are known ([server] client_ca_file, else the trust domains'
// bundle_file PEMs).
struct TlsConfig {
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  std::vector<std::filesystem::path> client_ca_files;
};

struct ServerConfig {
  std::vector<core::HostPort> listen;
  std::string public_url;  // default http(s)://<first listener> (with the bound port when it is 0)
  bool public_url_from_listen = false;  // public_url was derived, not configured
  std::size_t max_body_bytes = 4u << 20;
  std::chrono::milliseconds request_timeout{30'000};
  std::vector<std::string> allowed_origins;  // extra Origin/Host values accepted besides loopback names
  std::size_t list_page_size = 100;          // items per page of aggregated lists
  std::chrono::seconds session_idle_timeout{3600};
  std::size_t max_sessions = 10'000;
  std::chrono::milliseconds shutdown_drain{10'000};
  std::optional<TlsConfig> tls;
};

struct AuthConfig {
  AuthMode mode = AuthMode::workload;
  identity::VerifierOptions verifier;  // audience, clock skew, token size and cache limits
  bool require_task_token = false;     // /mcp accepts only task tokens issued by this gateway
};

// Task tokens (module token): POST /oauth/token, /oauth/revoke, /oauth/introspect and /.well-known/jwks.json;
// /mcp accepts the tokens. Needs [auth] mode = "workload" and the store.
struct TokensConfig {
  bool enabled = false;                    // a [tokens] section is present
  std::filesystem::path signing_key_file;  // Ed25519 PEM; default <config dir>/keys/tokens-ed25519.pem
  std::string audience;                    // `aud` of task tokens; empty = [server] public_url (as bound)
  std::chrono::seconds default_ttl{300};
  std::chrono::seconds max_ttl{900};
  std::uint32_t max_delegation_depth = 4;
};

// The gateway's durable state (module store): revocations, issued tokens, sealed credentials. Opened when task
// tokens or upstream credentials are configured.
struct StoreConfig {
  std::string url = "sqlite://var/bulkhead.db";
  std::filesystem::path base_dir;  // relative sqlite paths resolve against the config file's folder
};

// Per-tenant upstream credentials (module secrets): the sealing key.
struct SecretsConfig {
  std::filesystem::path key_file;  // default <config dir>/keys/secrets.key; $BULKHEAD_SECRETS_KEY wins
};

// The control register (module register): approvals, tenant mappings, tool pins, offboarding. Tool pinning runs
// whenever the gateway has a store; connector approvals and mappings are enforced once a register version exists.
struct RegisterConfig {
  std::filesystem::path file;      // register.toml applied at start when it differs from the stored version
  bool deny_overdue = true;        // on_review_overdue = "deny" (default) | "warn"
};

// The admin API under /admin/ (register, offboarding). Callers: the bearer token in token_file, or a workload
// (JWT-SVID / X.509-SVID) listed in principals. Without either the admin API answers 404.
struct AdminConfig {
  std::filesystem::path token_file;
  std::vector<std::string> principals;
};

// How an upstream receives the calling tenant's own credential. The client's Authorization header is never
// forwarded; a tenant without the credential gets credential_missing.
struct CredentialConfig {
  std::string header;                    // http: header that carries it (credential_header)
  std::string format = "Bearer {secret}";  // http: header value, {secret} replaced (credential_format)
  std::string name;                      // http: the secret's name (credential_name)
  std::vector<std::pair<std::string, std::string>> env;  // stdio: environment variable ← secret name (secret_env)
  [[nodiscard]] bool configured() const noexcept { return !name.empty() || !env.empty(); }
};

// Data classification of what an upstream serves, visible to policies as resource.classification / labels.
struct ToolLabels {
  std::string classification;       // public | internal | confidential | restricted
  std::vector<std::string> labels;  // free labels (e.g. "pii")
};

struct UpstreamEntry {
  upstream::UpstreamConfig upstream;
  std::string prefix;  // exposed name = prefix + upstream tool/prompt name
  std::string classification = "internal";        // default for its tools, prompts and resources
  std::map<std::string, ToolLabels> tools;         // [upstream.tools.<upstream tool name>] overrides
  CredentialConfig credential;
  // The classification and labels of one of its tools (by upstream name).
  [[nodiscard]] ToolLabels labels_of(std::string_view tool) const;
};

// Per-request policy (module policy). Without [policy] every authenticated, tenant-bound caller may use every tool
// (logged at start as a warning).
// The audit trail (module audit). Without [audit] nothing is recorded (logged at start as a warning).
struct AuditConfig {
  std::filesystem::path dir;               // empty = no audit log
  std::filesystem::path signing_key_file;  // default <dir>/audit-ed25519.pem; created if missing
  bool sync = true;                        // durability "sync": answer only once the record is durable
  std::uint64_t checkpoint_every_records = 1000;
  std::chrono::milliseconds checkpoint_every_ms{1000};
  bool preview_argument_names = false;     // argument_preview = "names": record argument names (never values)
  bool accept_damaged = false;             // serve --accept-damaged
};

struct PolicyConfig {
  std::filesystem::path dir;  // *.cedar files; empty = no policy engine
};

// Response and egress DLP (module dlp, docs/dlp.md): on when a tenant has canaries or markers or [dlp] is present.
struct DlpConfig {
  bool enabled = false;
  bool egress = true;          // scan tools/call and prompts/get arguments going upstream too
  dlp::Options options;        // [[tenant]] canaries/markers, [dlp] actions, [[dlp.pattern]]
};

struct Config {
  std::filesystem::path path;  // the file it was read from (relative paths resolve against its folder)
  ServerConfig server;
  AuthConfig auth;
  std::vector<identity::TrustDomainConfig> trust_domains;
  std::vector<identity::TenantBinding> tenants;  // [[tenant]]: who may act for which tenant
  PolicyConfig policy;
  AuditConfig audit;
  TokensConfig tokens;
  StoreConfig store;
  bool store_configured = false;  // a [store] section is present
  SecretsConfig secrets;
  RegisterConfig register_;       // [register] (the trailing _: `register` is a keyword)
  AdminConfig admin;
  std::vector<UpstreamEntry> upstreams;
  DlpConfig dlp;
  // True when the gateway needs the store: task tokens, upstream credentials, a register, the admin API, or [store].
  [[nodiscard]] bool uses_store() const noexcept;
  [[nodiscard]] bool uses_credentials() const noexcept;
};

// The classifications in force (recorded with a register approval) and what a register is validated against.
[[nodiscard]] json::Value classifications_of(const Config& config);
[[nodiscard]] registry::Context register_context(const Config& config, registry::Date today);

// Reads and validates bulkhead.toml. Unknown keys, unsupported sections and unsafe combinations (auth mode
// "none" on a non-loopback listener) are errors: a security gateway never ignores a setting it does not know.
[[nodiscard]] core::Result<Config> load_config(const std::filesystem::path& path);
[[nodiscard]] core::Result<Config> parse_config(std::string_view toml_text, const std::filesystem::path& origin);

class Gateway {
 public:
  [[nodiscard]] static core::Result<std::unique_ptr<Gateway>> create(boost::asio::io_context& io, Config config,
                                                                     const core::Clock& clock, core::Rng& rng);
  virtual ~Gateway() = default;
  virtual void start() = 0;
  // Reloads what can change without a restart (the policy set; SIGHUP). A set that fails to load is logged and the
  // running one stays active.
  virtual void reload() = 0;
  // Stops accepting, drains in-flight requests (up to server.shutdown_drain), ends upstream sessions and stdio
  // processes, then calls `done` on the event loop.
  virtual void stop(std::function<void()> done) = 0;
  [[nodiscard]] virtual std::vector<std::uint16_t> ports() const = 0;
};

}  // namespace bulkhead::gateway
