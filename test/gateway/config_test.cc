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
  EXPECT_EQ(config->auth_mode, AuthMode::none);
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

TEST(ConfigTest, WorkloadModeIsRefusedUntilIdentityExists) {
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:8080\"\n").find("workload"), std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:8080\"\n[auth]\nmode = \"workload\"\n").find("workload"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:8080\"\n[auth]\nmode = \"open\"\n").find("mode"),
            std::string::npos);
}

TEST(ConfigTest, UnknownKeysAndSectionsAreErrors) {
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n[auth]\nmode = \"none\"\n").find("lisen"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"none\"\n[policy]\ndir = \"p\"\n")
                .find("not supported"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"none\"\n[bogus]\n").find("bogus"),
            std::string::npos);
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
