// Tests for the rule engine and outputs (src/scan/engine.cc, scanner.cc, output.cc) on small documents.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include "scan/detail/document.h"
#include "scan/scan.h"

namespace bulkhead::scan {
namespace {

constexpr std::string_view kGithubToken = "ghp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi";

Scanner make_scanner(Options options = {}) {
  auto scanner = Scanner::create(std::move(options));
  EXPECT_TRUE(scanner.has_value());
  return std::move(*scanner);
}

std::vector<std::string> ids(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& finding : findings) out.push_back(finding.rule_id);
  return out;
}

TEST(ScanEngine, SecretPositionIsTheTokenItself) {
  Scanner scanner = make_scanner();
  const std::string text = "{\n  \"mcpServers\": {\n    \"gh\": {\"command\": \"node\", \"env\": {\"GITHUB_TOKEN\": \"" +
                           std::string(kGithubToken) + "\"}}\n  }\n}\n";
  const auto findings = scanner.scan_text("claude_desktop_config.json", text);
  ASSERT_EQ(ids(findings), std::vector<std::string>{"BH001"});
  const Finding& f = findings[0];
  EXPECT_EQ(f.position.line, 3u);
  const std::size_t at = text.find("ghp_");
  EXPECT_EQ(f.position.column, at - text.rfind('\n', at));
  EXPECT_EQ(f.location, "mcpServers.gh.env.GITHUB_TOKEN");
  EXPECT_EQ(f.server, "gh");
  EXPECT_EQ(f.severity, rules::Severity::critical);
  EXPECT_EQ(f.evidence.substr(0, 4), "ghp_");
  EXPECT_EQ(f.evidence.find(kGithubToken.substr(4)), std::string::npos);
  EXPECT_EQ(f.message.find(kGithubToken.substr(4)), std::string::npos);
  EXPECT_EQ(f.fingerprint.size(), 32u);
}

TEST(ScanEngine, FingerprintIgnoresLineMoves) {
  Scanner scanner = make_scanner();
  const std::string body = "{\"servers\": {\"gh\": {\"command\": \"x\", \"env\": {\"T\": \"" + std::string(kGithubToken) +
                           "\"}}}}";
  const auto a = scanner.scan_text("mcp.json", body);
  const auto b = scanner.scan_text("mcp.json", "\n\n\n" + body);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a[0].position.line, b[0].position.line);
  EXPECT_EQ(a[0].fingerprint, b[0].fingerprint);
}

TEST(ScanEngine, ReferencesAndPlaceholdersAreNotSecrets) {
  Scanner scanner = make_scanner();
  const std::string text = R"({"mcpServers": {"a": {"command": "node", "args": ["s.js", "--token", "${TOKEN}"],
    "env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}", "API_KEY": "${input:api-key}", "PASSWORD": "<password>",
            "SECRET": "changeme-changeme", "OPENAI_API_KEY": "sk-...", "TOKEN_URL": "https://x.dev/token"},
    "headers": {"Authorization": "Bearer ${input:pat}"}}}})";
  EXPECT_TRUE(scanner.scan_text("mcp.json", text).empty());
}

TEST(ScanEngine, ArgumentSecrets) {
  Scanner scanner = make_scanner();
  const std::string text = R"({"mcpServers": {"a": {"command": "docker", "args": ["run", "-i", "--rm", "-e",
    "API_TOKEN=Zq8RkT2mVw9LpX4sNc7YbE1h", "img:1.2.3", "--api-key", "Qw3rTy8UiOp2AsDf6GhJkL9z",
    "--password=Xc5VbN1mQw8ErT4yUi0OpA7s"]},
    "remote": {"command": "npx", "args": ["-y", "mcp-remote@0.1.29", "https://mcp.partner.io/sse", "--header",
    "Authorization: Bearer Mn4BvC8xZl1KjH6gFd3SaP0o"]}}})";
  const auto findings = scanner.scan_text("mcp.json", text);
  EXPECT_EQ(ids(findings), (std::vector<std::string>{"BH013", "BH013", "BH013", "BH013"}));
  // API_TOKEN=… points past the '='.
  EXPECT_EQ(findings[0].position.column, 16u);
}

TEST(ScanEngine, ServerRules) {
  Scanner scanner = make_scanner();
  const std::string text = R"({"mcpServers": {
  "a": {"url": "http://10.0.0.5:8080/mcp"},
  "b": {"url": "http://127.0.0.1:8080/mcp"},
  "c": {"command": "npx", "args": ["-y", "@scope/pkg"]},
  "d": {"command": "npx", "args": ["-y", "@scope/pkg@1.2.3"]},
  "e": {"command": "npx", "args": ["--yes", "pkg@latest"]},
  "f": {"command": "uvx", "args": ["--from", "git+https://github.com/x/y", "y"]},
  "g": {"command": "uvx", "args": ["mcp-server-time==0.6.2"]},
  "h": {"command": "docker", "args": ["run", "--rm", "-v", "/var/run/docker.sock:/var/run/docker.sock", "img"]},
  "i": {"command": "docker", "args": ["run", "--cap-add=SYS_ADMIN", "--pid", "host", "img:2"]},
  "j": {"command": "bash", "args": ["-lc", "node s.js --key `cat ~/.key`"]},
  "k": {"command": "sh -c \"exec node s.js\""},
  "l": {"command": "cmd", "args": ["/c", "npx", "-y", "unpinned-win"]},
  "m": {"command": "node", "args": ["s.js"], "alwaysAllow": ["read", "write"]}
}})";
  const auto findings = scanner.scan_text("mcp.json", text);
  std::vector<std::pair<std::uint32_t, std::string>> got;
  for (const Finding& f : findings) got.emplace_back(f.position.line, f.rule_id);
  const std::vector<std::pair<std::uint32_t, std::string>> want = {
      {2, "BH020"}, {4, "BH021"}, {6, "BH021"}, {9, "BH022"}, {9, "BH021"}, {10, "BH022"}, {10, "BH022"},
      {11, "BH023"}, {13, "BH021"}};
  EXPECT_EQ(got, want);
}

TEST(ScanEngine, SharedCredentialAcrossServers) {
  Scanner scanner = make_scanner();
  const std::string token(kGithubToken);
  const std::string text = "{\"mcpServers\": {\"a\": {\"env\": {\"T\": \"" + token + "\"}, \"command\": \"x\"},\n" +
                           "\"b\": {\"env\": {\"T\": \"" + token + "\"}, \"command\": \"y\"}}}";
  const auto findings = scanner.scan_text("mcp.json", text);
  EXPECT_EQ(ids(findings), (std::vector<std::string>{"BH001", "BH015", "BH001", "BH015"}));
}

TEST(ScanEngine, GatewayConfiguration) {
  Scanner scanner = make_scanner();
  const auto insecure = scanner.scan_text("deploy/bulkhead.toml",
                                          "[auth]\nmode = \"none\"\n[[upstream]]\nname = \"crm\"\nurl = \"https://crm.dev/mcp\"\n");
  EXPECT_EQ(ids(insecure), (std::vector<std::string>{"BH031", "BH030"}));
  const auto secure = scanner.scan_text("bulkhead.toml",
                                        "[auth]\nmode = \"workload\"\n[policy]\ndir = \"policies\"\n[[upstream]]\n"
                                        "name = \"crm\"\nurl = \"https://crm.dev/mcp\"\n");
  EXPECT_TRUE(secure.empty());
}

TEST(ScanEngine, InlineIgnoreComments) {
  Scanner scanner = make_scanner();
  const std::string token(kGithubToken);
  std::size_t suppressed = 0;
  const auto findings = scanner.scan_text(
      "mcp.json",
      "{\"servers\": {\"a\": {\"command\": \"x\", \"env\": {\n  // bulkhead-ignore BH001\n  \"T\": \"" + token +
          "\",\n  \"U\": \"" + token.substr(0, 30) + "abcdefghij\" // bulkhead-ignore BH013\n  ,\"V\": \"" +
          token.substr(0, 30) + "zyxwvutsrq\"}}}}",
      &suppressed);
  EXPECT_EQ(suppressed, 1u);
  EXPECT_EQ(ids(findings), (std::vector<std::string>{"BH001", "BH001"}));
  const auto toml = scanner.scan_text("config.toml", "[mcp_servers.a.env]\nT = \"" + token + "\" # bulkhead-ignore\n",
                                      &suppressed);
  EXPECT_TRUE(toml.empty());
  EXPECT_EQ(suppressed, 2u);
}

TEST(ScanEngine, SecretsInCommentsPointAtTheToken) {
  Scanner scanner = make_scanner();
  const std::string token(kGithubToken);
  // '#' is one character, '//' two: the column is the token's first character either way.
  const auto toml = scanner.scan_text("config.toml", "model = \"x\"\n# old token " + token + "\n");
  ASSERT_EQ(ids(toml), std::vector<std::string>{"BH001"});
  EXPECT_EQ(toml[0].position, (Position{2, 13}));
  const auto jsonc = scanner.scan_text("mcp.json", "{\n  // old token " + token + "\n  \"a\": 1\n}\n");
  ASSERT_EQ(ids(jsonc), std::vector<std::string>{"BH001"});
  EXPECT_EQ(jsonc[0].position, (Position{2, 16}));
}

TEST(ScanEngine, MalformedFilesAreFindingsAndStillScanned) {
  Scanner scanner = make_scanner();
  const std::string token(kGithubToken);
  const auto findings = scanner.scan_text("mcp.json", "{\"env\": {\n \"T\": \"" + token + "\"\n \"U\": 1}");
  ASSERT_EQ(ids(findings), (std::vector<std::string>{"BH001", "BH090"}));
  EXPECT_EQ(findings[0].position, (Position{2, 8}));
  EXPECT_EQ(findings[1].position, (Position{3, 2}));
  EXPECT_EQ(ids(scanner.scan_text("c.toml", "a = [\n")), std::vector<std::string>{"BH090"});
}

TEST(ScanEngine, BaselineSuppressesByFingerprint) {
  const std::string token(kGithubToken);
  const std::string text = "{\"servers\": {\"a\": {\"command\": \"x\", \"env\": {\"T\": \"" + token + "\"}}}}";
  Scanner first = make_scanner();
  Report report;
  report.findings = first.scan_text("mcp.json", text);
  ASSERT_EQ(report.findings.size(), 1u);
  const auto baseline = parse_baseline(render_baseline(report));
  ASSERT_TRUE(baseline.has_value());
  EXPECT_EQ(baseline->size(), 1u);
  const auto from_json = parse_baseline(render(report, OutputFormat::json));
  ASSERT_TRUE(from_json.has_value());
  EXPECT_EQ(*from_json, *baseline);
  Options options;
  options.baseline = *baseline;
  Scanner second = make_scanner(options);
  std::size_t suppressed = 0;
  EXPECT_TRUE(second.scan_text("mcp.json", text, &suppressed).empty());
  EXPECT_EQ(suppressed, 1u);
  EXPECT_FALSE(parse_baseline("{\"something\": 1}").has_value());
  EXPECT_FALSE(parse_baseline("not json").has_value());
}

TEST(ScanOutput, JsonIsParseableAndRedacted) {
  Scanner scanner = make_scanner();
  Report report;
  report.files_scanned = 1;
  report.findings = scanner.scan_text(
      "dir/\xC3\xA9 \"q\".json", "{\"servers\": {\"a\": {\"command\": \"x\", \"env\": {\"T\": \"" + std::string(kGithubToken) +
                                    "\"}}}}");
  for (OutputFormat format : {OutputFormat::json, OutputFormat::sarif}) {
    const std::string out = render(report, format);
    EXPECT_EQ(out.find(kGithubToken), std::string::npos);
    EXPECT_TRUE(std::holds_alternative<detail::Document>(detail::read_jsonc(out))) << out;
  }
  const std::string text = render(report, OutputFormat::text, false);
  EXPECT_NE(text.find("BH001"), std::string::npos);
  EXPECT_NE(text.find("1 finding (1 critical) in 1 file"), std::string::npos);
  EXPECT_EQ(text.find("\x1b["), std::string::npos);
  EXPECT_NE(render(report, OutputFormat::text, true).find("\x1b["), std::string::npos);
  EXPECT_TRUE(has_failing_findings(report, rules::Severity::high));
  EXPECT_TRUE(has_failing_findings(report, rules::Severity::critical));
  Report clean;
  EXPECT_FALSE(has_failing_findings(clean, rules::Severity::info));
  EXPECT_NE(render(clean, OutputFormat::text).find("no findings"), std::string::npos);
}

TEST(ScanPaths, WalksDirectoriesAndRejectsMissingPaths) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("bulkhead-scan-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "node_modules" / "x");
  fs::create_directories(dir / ".cursor");
  std::ofstream(dir / ".cursor" / "mcp.json") << "{\"mcpServers\": {\"a\": {\"url\": \"http://api.dev/mcp\"}}}";
  std::ofstream(dir / "node_modules" / "x" / "mcp.json") << "{\"mcpServers\": {\"a\": {\"url\": \"http://b.dev\"}}}";
  std::ofstream(dir / "notes.txt") << "ghp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi";
  Scanner scanner = make_scanner();
  const std::vector<std::string> paths{dir.string()};
  auto report = scanner.scan_paths(paths);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->files_scanned, 1u);
  ASSERT_EQ(ids(report->findings), std::vector<std::string>{"BH020"});
  const std::vector<std::string> missing{(dir / "nope").string()};
  auto error = scanner.scan_paths(missing);
  ASSERT_FALSE(error.has_value());
  EXPECT_EQ(error.error().reason, core::Reason::invalid_request);
  fs::remove_all(dir);
}

TEST(ScanPaths, SharedCredentialAcrossFiles) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("bulkhead-scan-shared-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  const std::string token(kGithubToken);
  const std::string server = R"({"command": "node", "env": {"T": ")" + token + R"("}})";
  std::ofstream(dir / "a" / "mcp.json") << R"({"mcpServers": {"gh": )" + server + "}}";
  std::ofstream(dir / "b" / "mcp.json") << R"({"mcpServers": {"gh": )" + server + R"(, "gh2": )" + server + "}}";
  std::ofstream(dir / "c.json") << R"({"app": {"token": ")" + token + R"("}})";  // no server: does not count
  const auto shared = [](const Report& report) {
    std::vector<const Finding*> out;
    for (const Finding& finding : report.findings) {
      if (finding.rule_id == rules::id::shared_credential) out.push_back(&finding);
    }
    return out;
  };
  Scanner scanner = make_scanner();
  const std::vector<std::string> paths{dir.string()};
  auto report = scanner.scan_paths(paths);
  ASSERT_TRUE(report.has_value());
  const auto found = shared(*report);
  ASSERT_EQ(found.size(), 3u);  // one per use: a/gh, b/gh, b/gh2 (b's two were shared within b already)
  const std::string a = (dir / "a" / "mcp.json").generic_string();
  const std::string b = (dir / "b" / "mcp.json").generic_string();
  EXPECT_EQ(found[0]->path, a);
  EXPECT_NE(found[0]->message.find("servers: gh, gh (" + b + "), gh2 (" + b + ")"), std::string::npos)
      << found[0]->message;
  EXPECT_NE(found[1]->message.find("servers: gh (" + a + "), gh, gh2)"), std::string::npos) << found[1]->message;
  EXPECT_EQ(found[0]->evidence.find(token.substr(4)), std::string::npos);
  // Each file alone: only b shares the credential (between its own two servers).
  std::ifstream in_a(dir / "a" / "mcp.json");
  const std::string text_a((std::istreambuf_iterator<char>(in_a)), std::istreambuf_iterator<char>());
  EXPECT_EQ(ids(scanner.scan_text(a, text_a)), std::vector<std::string>{"BH001"});
  // The cross-file finding has a fingerprint a baseline suppresses, like any other.
  Options options;
  options.baseline = {found[0]->fingerprint};
  Scanner with_baseline = make_scanner(options);
  auto suppressed = with_baseline.scan_paths(paths);
  ASSERT_TRUE(suppressed.has_value());
  EXPECT_EQ(shared(*suppressed).size(), 2u);
  EXPECT_EQ(suppressed->suppressed, 1u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace bulkhead::scan
