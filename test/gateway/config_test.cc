// bulkhead.toml parsing: the accepted shape, and that every unsafe or unknown setting is refused.
#include <gtest/gtest.h>

#include "gateway/gateway.h"

namespace bulkhead::gateway {
namespace {

constexpr std::string_view kMinimal = R"(
[server]
listen = "127.0.0.1:8080"
[auth]
mode = "none"
[[upstream]]
name = "everything"
transport = "http"
url = "http://127.0.0.1:3001/mcp"
[[upstream]]
name = "local"
transport = "stdio"
command = "node"
args = ["path/to/server.js", "stdio"]
prefix = ""
)";

core::Result<Config> parse(std::string_view text) { return parse_config(text, "/etc/bulkhead/bulkhead.toml"); }

std::string error_of(std::string_view text) {
  auto config = parse(text);
  EXPECT_FALSE(config.has_value());
  return config ? std::string() : config.error().message;
}

TEST(ConfigTest, IssueShapeParses) {
  auto config = parse(kMinimal);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->auth.mode, AuthMode::none);
  ASSERT_EQ(config->server.listen.size(), 1u);
  EXPECT_EQ(config->server.listen[0].port, 8080);
  EXPECT_EQ(config->server.public_url, "http://127.0.0.1:8080");
  ASSERT_EQ(config->upstreams.size(), 2u);
  EXPECT_EQ(config->upstreams[0].prefix, "everything__");
  EXPECT_EQ(config->upstreams[0].upstream.transport, upstream::Transport::http);
  EXPECT_EQ(config->upstreams[1].prefix, "");
  EXPECT_EQ(config->upstreams[1].upstream.command, "node");
  EXPECT_EQ(config->upstreams[1].upstream.args.size(), 2u);
  EXPECT_EQ(config->upstreams[1].upstream.working_dir, "/etc/bulkhead");
  EXPECT_EQ(config->server.max_body_bytes, 4u << 20);
  EXPECT_EQ(config->upstreams[0].upstream.request_timeout, std::chrono::milliseconds(30000));
}

TEST(ConfigTest, ServerTimeoutIsInheritedByUpstreams) {
  auto config = parse(R"(
[server]
listen = ["127.0.0.1:0", "[::1]:9000"]
request_timeout_ms = 1500
[auth]
mode = "none"
[[upstream]]
name = "a"
transport = "http"
url = "http://127.0.0.1:1/mcp"
[[upstream]]
name = "b"
transport = "http"
url = "http://127.0.0.1:2/mcp"
request_timeout_ms = 99
)");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->server.listen.size(), 2u);
  EXPECT_EQ(config->upstreams[0].upstream.request_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(config->upstreams[1].upstream.request_timeout, std::chrono::milliseconds(99));
}

TEST(ConfigTest, AuthNoneOnlyOnLoopback) {
  EXPECT_NE(error_of("[server]\nlisten = \"0.0.0.0:8080\"\n[auth]\nmode = \"none\"\n").find("loopback"),
            std::string::npos);
}

TEST(ConfigTest, WorkloadModeNeedsTrustDomainsAndTenants) {
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:8080\"\n").find("[[trust_domain]]"), std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:8080\"\n[auth]\nmode = \"workload\"\n").find("trust_domain"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:8080\"\n[[trust_domain]]\nname = \"acme.test\"\n"
                     "jwks_file = \"k.json\"\n")
                .find("[[tenant]]"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:8080\"\n[auth]\nmode = \"open\"\n").find("mode"),
            std::string::npos);
}

constexpr std::string_view kWorkload = R"(
[server]
listen = "0.0.0.0:8443"
tls_cert_file = "certs/server.pem"
tls_key_file = "certs/server.key"
[auth]
audience = "gw.example"
clock_skew_seconds = 10
[[trust_domain]]
name = "acme.test"
jwks_file = "keys/acme.jwks.json"
bundle_file = "certs/acme-ca.pem"
[[trust_domain]]
name = "globex.test"
jwks_url = "https://spire.globex.test/keys"
jwks_refresh_seconds = 60
[[tenant]]
id = "acme"
agents = ["spiffe://acme.test/agent/support", "spiffe://acme.test/team/*"]
[[tenant]]
id = "globex"
agents = ["spiffe://globex.test/agent/support"]
)";

TEST(ConfigTest, WorkloadIdentityShapeParses) {
  auto config = parse(kWorkload);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->auth.mode, AuthMode::workload);
  EXPECT_EQ(config->auth.verifier.audience, "gw.example");
  EXPECT_EQ(config->auth.verifier.clock_skew, std::chrono::seconds(10));
  ASSERT_EQ(config->trust_domains.size(), 2u);
  EXPECT_EQ(config->trust_domains[0].jwks_file, "/etc/bulkhead/keys/acme.jwks.json");
  EXPECT_EQ(config->trust_domains[0].bundle_file, "/etc/bulkhead/certs/acme-ca.pem");
  EXPECT_EQ(config->trust_domains[1].jwks_url, "https://spire.globex.test/keys");
  EXPECT_EQ(config->trust_domains[1].jwks_refresh, std::chrono::seconds(60));
  ASSERT_EQ(config->tenants.size(), 2u);
  EXPECT_EQ(config->tenants[0].agents.size(), 2u);
  ASSERT_TRUE(config->server.tls);
  EXPECT_EQ(config->server.tls->cert_file, "/etc/bulkhead/certs/server.pem");
  // mTLS defaults to the trust domains' bundles.
  ASSERT_EQ(config->server.tls->client_ca_files.size(), 1u);
  EXPECT_EQ(config->server.tls->client_ca_files[0], "/etc/bulkhead/certs/acme-ca.pem");
  EXPECT_EQ(config->server.public_url, "https://0.0.0.0:8443");
}

TEST(ConfigTest, IdentitySettingsAreValidated) {
  const std::string head = "[server]\nlisten = \"127.0.0.1:1\"\n";
  const std::string tenant = "[[tenant]]\nid = \"acme\"\nagents = [\"spiffe://acme.test/a\"]\n";
  EXPECT_NE(error_of(head + "[[trust_domain]]\nname = \"Acme\"\njwks_file = \"k\"\n" + tenant).find("trust domain"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[trust_domain]]\nname = \"acme.test\"\n" + tenant).find("needs jwks_file"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[trust_domain]]\nname = \"acme.test\"\njwks_file = \"k\"\njwks_url = \"http://x\"\n" +
                     tenant)
                .find("not both"),
            std::string::npos);
  const std::string domain = "[[trust_domain]]\nname = \"acme.test\"\njwks_file = \"k\"\n";
  EXPECT_NE(error_of(head + domain + "[[tenant]]\nid = \"acme\"\nagents = [\"acme/agent\"]\n").find("not a SPIFFE ID"),
            std::string::npos);
  EXPECT_NE(error_of(head + domain + tenant + "[[tenant]]\nid = \"acme\"\n").find("twice"), std::string::npos);
  EXPECT_NE(error_of(head + domain + "[[tenant]]\nid = \"acme\"\ncanaries = \"X\"\n").find("array of strings"),
            std::string::npos);
  EXPECT_NE(error_of(head + domain + tenant + "[auth]\nrequire_task_token = true\n").find("task tokens"),
            std::string::npos);
  EXPECT_NE(error_of(head + domain + tenant + "[auth]\nclock_skew_seconds = 3600\n").find("0..300"), std::string::npos);
  EXPECT_NE(error_of(head + "client_ca_file = \"ca.pem\"\n" + domain + tenant).find("needs tls_cert_file"),
            std::string::npos);
  EXPECT_TRUE(parse(head + domain + tenant));
}

TEST(ConfigTest, UnknownKeysAndSectionsAreErrors) {
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n[auth]\nmode = \"none\"\n").find("lisen"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"none\"\n[dlp]\nx = 1\n")
                .find("unknown key 'x'"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"none\"\n[bogus]\n").find("bogus"),
            std::string::npos);
}

TEST(ConfigTest, DlpTenantsDataActionsAndPatterns) {
  const std::string head = "[server]\nlisten = \"127.0.0.1:8080\"\n[[trust_domain]]\nname = \"acme.test\"\n"
                           "jwks_file = \"acme.jwks\"\n[[tenant]]\nid = \"acme\"\nagents = [\"spiffe://acme.test/a\"]\n"
                           "canaries = [\"ACME-CANARY-7f3a\"]\nmarkers = ['acme-\\d{3}']\n";
  auto plain = parse(head);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_TRUE(plain->dlp.enabled);
  ASSERT_EQ(plain->dlp.options.tenants.size(), 1u);
  EXPECT_EQ(plain->dlp.options.tenants[0].markers[0], "acme-\\d{3}");
  EXPECT_EQ(plain->dlp.options.on_other_tenant_marker, dlp::Action::block);
  EXPECT_EQ(plain->dlp.options.on_secret, dlp::Action::redact);
  auto tuned = parse(head + "[dlp]\non_other_tenant_marker = \"redact\"\non_secret = \"log\"\negress = false\n"
                            "[[dlp.pattern]]\nid = \"ssn\"\nregex = '\\d{3}-\\d{2}-\\d{4}'\nclassification = \"restricted\"\n"
                            "action = \"block\"\n");
  ASSERT_TRUE(tuned) << tuned.error().message;
  EXPECT_EQ(tuned->dlp.options.on_other_tenant_marker, dlp::Action::redact);
  EXPECT_EQ(tuned->dlp.options.on_secret, dlp::Action::log);
  EXPECT_FALSE(tuned->dlp.egress);
  ASSERT_EQ(tuned->dlp.options.patterns.size(), 1u);
  EXPECT_EQ(tuned->dlp.options.patterns[0].classification, "restricted");
  EXPECT_EQ(tuned->dlp.options.patterns[0].action, dlp::Action::block);
  EXPECT_NE(error_of(head + "[dlp]\non_secret = \"drop\"\n").find("block"), std::string::npos);
  EXPECT_NE(error_of(head + "[[dlp.pattern]]\nid = \"x\"\n").find("needs a regex"), std::string::npos);
  EXPECT_NE(error_of(head + "[[dlp.pattern]]\nid = \"x\"\nregex = \"a\"\nclassification = \"secret\"\n")
                .find("classification"),
            std::string::npos);
  auto off = parse(head + "[dlp]\nenabled = false\n");
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->dlp.enabled);
}

TEST(ConfigTest, TokensStoreAndSecrets) {
  const std::string head = "[server]\nlisten = \"127.0.0.1:8080\"\n[[trust_domain]]\nname = \"acme.test\"\n"
                           "jwks_file = \"acme.jwks\"\n[[tenant]]\nid = \"acme\"\nagents = [\"spiffe://acme.test/a\"]\n";
  auto config = parse(head + "[tokens]\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->tokens.enabled);
  EXPECT_TRUE(config->uses_store());
  EXPECT_EQ(config->tokens.signing_key_file, "/etc/bulkhead/keys/tokens-ed25519.pem");
  EXPECT_EQ(config->tokens.default_ttl.count(), 300);
  EXPECT_EQ(config->tokens.max_ttl.count(), 900);
  EXPECT_EQ(config->tokens.max_delegation_depth, 4u);
  EXPECT_EQ(config->store.url, "sqlite://var/bulkhead.db");
  EXPECT_EQ(config->store.base_dir, "/etc/bulkhead");
  EXPECT_EQ(config->secrets.key_file, "/etc/bulkhead/keys/secrets.key");
  config = parse(head + "[tokens]\nsigning_key_file = \"/k.pem\"\ndefault_ttl_seconds = 60\nmax_ttl_seconds = 120\n"
                        "max_delegation_depth = 2\n[auth]\nrequire_task_token = true\n[store]\nurl = \"sqlite:///tmp/x.db\"\n"
                        "[secrets]\nkey_file = \"s.key\"\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->auth.require_task_token);
  EXPECT_EQ(config->tokens.signing_key_file, "/k.pem");
  EXPECT_EQ(config->tokens.max_ttl.count(), 120);
  EXPECT_EQ(config->store.url, "sqlite:///tmp/x.db");
  EXPECT_EQ(config->secrets.key_file, "/etc/bulkhead/s.key");
  EXPECT_FALSE(parse(head)->uses_store());
  EXPECT_NE(error_of(head + "[tokens]\ndefault_ttl_seconds = 1000\n").find("must not exceed"), std::string::npos);
  EXPECT_NE(error_of(head + "[tokens]\nmax_ttl_seconds = 100000\n").find("86400"), std::string::npos);
  EXPECT_NE(error_of(head + "[tokens]\nttl = 3\n").find("ttl"), std::string::npos);
  EXPECT_NE(error_of(head + "[store]\nurl = \"postgres://db\"\n").find("PostgreSQL"), std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"none\"\n[tokens]\n").find("workload"),
            std::string::npos);
}

TEST(ConfigTest, UpstreamCredentials) {
  const std::string head = "[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"none\"\n";
  const std::string http = "[[upstream]]\nname = \"crm\"\ntransport = \"http\"\nurl = \"http://x/\"\n";
  const std::string stdio = "[[upstream]]\nname = \"local\"\ntransport = \"stdio\"\ncommand = \"node\"\n";
  auto config = parse(head + http + "credential_header = \"X-Api-Key\"\ncredential_format = \"Key {secret}\"\n"
                                    "credential_name = \"api_key\"\n" + stdio + "secret_env = { API_TOKEN = \"api_token\" }\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->uses_credentials());
  EXPECT_TRUE(config->uses_store());
  EXPECT_EQ(config->upstreams[0].credential.header, "X-Api-Key");
  EXPECT_EQ(config->upstreams[0].credential.format, "Key {secret}");
  EXPECT_EQ(config->upstreams[0].credential.name, "api_key");
  ASSERT_EQ(config->upstreams[1].credential.env.size(), 1u);
  EXPECT_EQ(config->upstreams[1].credential.env[0].first, "API_TOKEN");
  EXPECT_EQ(parse(head + http + "credential_header = \"Authorization\"\ncredential_name = \"t\"\n")->upstreams[0].credential.format,
            "Bearer {secret}");
  EXPECT_NE(error_of(head + http + "credential_header = \"X\"\n").find("go together"), std::string::npos);
  EXPECT_NE(error_of(head + http + "credential_name = \"x\"\n").find("go together"), std::string::npos);
  EXPECT_NE(error_of(head + http + "credential_header = \"X\"\ncredential_name = \"x\"\ncredential_format = \"x\"\n")
                .find("{secret}"),
            std::string::npos);
  EXPECT_NE(error_of(head + http + "credential_header = \"X Y\"\ncredential_name = \"x\"\n").find("header name"),
            std::string::npos);
  EXPECT_NE(error_of(head + http + "headers = { X = \"v\" }\ncredential_header = \"x\"\ncredential_name = \"n\"\n")
                .find("static header"),
            std::string::npos);
  EXPECT_NE(error_of(head + http + "secret_env = { A = \"b\" }\n").find("stdio upstreams only"), std::string::npos);
  EXPECT_NE(error_of(head + stdio + "credential_header = \"X\"\n").find("http upstreams only"), std::string::npos);
  EXPECT_NE(error_of(head + stdio + "env = { A = \"1\" }\nsecret_env = { A = \"b\" }\n").find("both"), std::string::npos);
  EXPECT_NE(error_of(head + stdio + "secret_env = { 1A = \"b\" }\n").find("environment variable"), std::string::npos);
  EXPECT_NE(error_of(head + stdio + "secret_env = { A = \"b c\" }\n").find("name a secret"), std::string::npos);
}

TEST(ConfigTest, UpstreamValidation) {
  const std::string head = "[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"none\"\n";
  EXPECT_NE(error_of(head + "[[upstream]]\nname = \"Bad Name\"\ntransport = \"http\"\nurl = \"http://x/\"\n").find("name"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[upstream]]\nname = \"a\"\ntransport = \"ftp\"\n").find("transport"), std::string::npos);
  EXPECT_NE(error_of(head + "[[upstream]]\nname = \"a\"\ntransport = \"http\"\nurl = \"ftp://x\"\n").find("url"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[upstream]]\nname = \"a\"\ntransport = \"stdio\"\n").find("command"), std::string::npos);
  EXPECT_NE(error_of(head + "[[upstream]]\nname = \"a\"\ntransport = \"http\"\nurl = \"http://x/\"\ncommand = \"n\"\n")
                .find("stdio"),
            std::string::npos);
  EXPECT_NE(error_of(head +
                     "[[upstream]]\nname = \"a\"\ntransport = \"http\"\nurl = \"http://x/\"\n"
                     "[[upstream]]\nname = \"a\"\ntransport = \"http\"\nurl = \"http://y/\"\n")
                .find("duplicate"),
            std::string::npos);
  EXPECT_NE(error_of(head +
                     "[[upstream]]\nname = \"a\"\ntransport = \"http\"\nurl = \"http://x/\"\nprefix = \"x_\"\n"
                     "[[upstream]]\nname = \"b\"\ntransport = \"http\"\nurl = \"http://y/\"\nprefix = \"x_y\"\n")
                .find("overlap"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[upstream]]\nname = \"a\"\ntransport = \"http\"\nurl = \"http://x/\"\nrequest_timeout_ms = -5\n")
                .find("positive"),
            std::string::npos);
}

TEST(ConfigTest, SyntaxErrorNamesThePosition) {
  const std::string message = error_of("[server\nlisten = 1\n");
  EXPECT_NE(message.find("bulkhead.toml:1:"), std::string::npos) << message;
}

TEST(ConfigTest, MissingFileIsAnError) {
  auto config = load_config("/nonexistent/bulkhead.toml");
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace bulkhead::gateway

namespace bulkhead::gateway {
namespace {

TEST(ConfigTest, ClassificationAndPolicyDir) {
  auto config = parse(R"(
[server]
listen = "127.0.0.1:1"
[auth]
mode = "none"
[policy]
dir = "policies"
[[upstream]]
name = "crm"
transport = "http"
url = "http://127.0.0.1:3001/mcp"
classification = "confidential"
[upstream.tools.lookup_customer]
classification = "restricted"
labels = ["pii"]
)");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->policy.dir, "/etc/bulkhead/policies");
  const auto& crm = config->upstreams.front();
  EXPECT_EQ(crm.labels_of("lookup_customer").classification, "restricted");
  EXPECT_EQ(crm.labels_of("lookup_customer").labels, std::vector<std::string>{"pii"});
  EXPECT_EQ(crm.labels_of("other").classification, "confidential");
  EXPECT_TRUE(crm.labels_of("other").labels.empty());
  const std::string head = "[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"none\"\n";
  const std::string upstream = "[[upstream]]\nname = \"u\"\ntransport = \"http\"\nurl = \"http://127.0.0.1:1/mcp\"\n";
  EXPECT_NE(error_of(head + upstream + "classification = \"secret\"\n").find("classification"), std::string::npos);
  EXPECT_NE(error_of(head + upstream + "[upstream.tools.t]\nlabel = [\"x\"]\n").find("label"), std::string::npos);
  EXPECT_NE(error_of(head + "[policy]\n").find("dir is required"), std::string::npos);
}

}  // namespace
}  // namespace bulkhead::gateway
