// `bulkhead policy ...` end to end: the real binary on the example policies and on scratch directories.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Run run(const std::string& args) {
  Run result;
  const std::string command = std::string(BULKHEAD_POLICY_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class PolicyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(BULKHEAD_POLICY_BINARY)) GTEST_SKIP() << "bulkhead binary not built";
    dir_ = fs::path(::testing::TempDir()) / ("policy_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }
  fs::path dir_;
};

TEST_F(PolicyCli, CheckAndLintTheExamples) {
  const std::string examples = std::string(BULKHEAD_POLICY_EXAMPLES);
  auto check = run("policy check " + examples);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("policies OK"), std::string::npos);
  auto lint = run("policy lint " + examples);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
}

TEST_F(PolicyCli, CheckReportsPositionsAndRejects) {
  write("bad/a.cedar", "permit(principal, action, resource);\n");
  write("bad/b.cedar", "permit(principal, action, resource)\n  when { context.x < };\n");
  auto check = run("policy check " + (dir_ / "bad").string());
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.output.find("b.cedar:2:22: expected an expression, found '}'"), std::string::npos) << check.output;
  EXPECT_EQ(run("policy check " + (dir_ / "missing").string()).exit_code, 2);
}

TEST_F(PolicyCli, LintWarns) {
  write("lint/a.cedar", "permit(principal, action, resource);\n");
  auto lint = run("policy lint " + (dir_ / "lint").string());
  EXPECT_EQ(lint.exit_code, 1);
  EXPECT_NE(lint.output.find("a.cedar:1:1: warning[permit-all] a.cedar:0"), std::string::npos) << lint.output;
}

TEST_F(PolicyCli, EvalSingleAndBatch) {
  write("p/p.cedar", "@id(\"acme\") permit(principal in Tenant::\"acme\", action, resource) "
                     "when { context.arguments.account_id like \"acme-*\" };");
  const auto entities = write("e.json", R"([{"uid":{"type":"Agent","id":"a"},"attrs":{},"parents":[{"type":"Tenant","id":"acme"}]}])");
  const auto allow = write("allow.json", R"({"principal":{"type":"Agent","id":"a"},"action":{"type":"Action","id":"tools/call"},"resource":{"type":"Tool","id":"t"},"context":{"arguments":{"account_id":"acme-1"}}})");
  const auto deny = write("deny.json", R"({"principal":{"type":"Agent","id":"a"},"action":{"type":"Action","id":"tools/call"},"resource":{"type":"Tool","id":"t"},"context":{"arguments":{"account_id":"globex-1"}}})");
  const std::string base = "policy eval --policies " + (dir_ / "p").string() + " --entities " + entities.string();
  auto yes = run(base + " --request " + allow.string());
  EXPECT_EQ(yes.exit_code, 0);
  EXPECT_EQ(yes.output, "{\"decision\":\"allow\",\"determining\":[\"acme\"],\"errors\":[]}\n");
  auto no = run(base + " --request " + deny.string());
  EXPECT_EQ(no.exit_code, 1);
  EXPECT_EQ(no.output, "{\"decision\":\"deny\",\"determining\":[],\"errors\":[]}\n");
  EXPECT_EQ(run("policy eval --policies " + (dir_ / "p").string()).exit_code, 2);

  const auto batch = write("cases.jsonl",
                           R"({"id":"c1","policies":"permit(principal, action, resource);","entities":[],"request":{"principal":{"type":"A","id":"a"},"action":{"type":"Action","id":"x"},"resource":{"type":"R","id":"r"},"context":{}}})"
                           "\n"
                           R"({"id":2,"policies":"forbid(principal, action, resource) when { context.n > 1 };","entities":[],"request":{"principal":{"type":"A","id":"a"},"action":{"type":"Action","id":"x"},"resource":{"type":"R","id":"r"},"context":{}}})"
                           "\n"
                           R"({"id":"bad","policies":"permit(","entities":[],"request":{}})"
                           "\n");
  auto out = run("policy eval --batch " + batch.string());
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.output,
            "{\"id\":\"c1\",\"decision\":\"allow\",\"determining\":[\"policy0\"],\"errors\":[]}\n"
            "{\"id\":2,\"decision\":\"deny\",\"determining\":[\"policy0\"],\"errors\":[{\"policy\":\"policy0\","
            "\"message\":\"record does not have the attribute `n`\"}]}\n"
            "{\"id\":\"bad\",\"decision\":\"deny\",\"determining\":[],\"errors\":[{\"policy\":\"\",\"message\":"
            "\"policies:1:8: expected 'principal', found end of input\"}],\"invalid\":true}\n");
}

TEST_F(PolicyCli, ReloadSignalsThePid) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  const auto ready = write("ready.json", "{\"pid\":" + std::to_string(child) + ",\"url\":\"http://127.0.0.1:1/mcp\"}");
  auto reload = run("policy reload --pid-file " + ready.string());
  EXPECT_EQ(reload.exit_code, 0) << reload.output;
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP);
  EXPECT_EQ(run("policy reload").exit_code, 2);
}

}  // namespace
