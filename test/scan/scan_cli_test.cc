// End-to-end: the real `bulkhead` binary (build/bin/bulkhead) on the corpus — exit codes 0/1/2, the three formats,
// baselines. Skipped only when the binary has not been built (it also needs the gateway module).
#include <gtest/gtest.h>

#include <unistd.h>

#include "corpus_util.h"
#include "scan/detail/document.h"

namespace bulkhead::scan {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = BULKHEAD_SCAN_CORPUS;
const fs::path kBinary = BULKHEAD_SCAN_BINARY;

class ScanCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kBinary)) GTEST_SKIP() << "bulkhead binary not built at " << kBinary;
    dir_ = fs::temp_directory_path() / ("bulkhead-scan-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  static testing::CommandResult scan(const std::string& arguments) {
    return testing::run_command("cd " + testing::shell_quote(kCorpus.string()) + " && " +
                                testing::shell_quote(kBinary.string()) + " scan " + arguments + " 2>/dev/null");
  }
  fs::path dir_;
};

TEST_F(ScanCli, ExitCodes) {
  EXPECT_EQ(scan("claude-desktop/github_token").exit_code, 1);
  EXPECT_EQ(scan("claude-desktop/neg_env_refs claude-desktop/neg_placeholders").exit_code, 0);
  // Only medium findings: below the default --fail-on high.
  EXPECT_EQ(scan("claude-desktop/unpinned").exit_code, 0);
  EXPECT_EQ(scan("--fail-on medium claude-desktop/unpinned").exit_code, 1);
  EXPECT_EQ(scan("--fail-on none claude-desktop/github_token").exit_code, 0);
  // Usage errors.
  EXPECT_EQ(scan("does/not/exist").exit_code, 2);
  EXPECT_EQ(scan("--format xml claude-desktop").exit_code, 2);
  EXPECT_EQ(scan("--fail-on urgent claude-desktop").exit_code, 2);
  EXPECT_EQ(scan("").exit_code, 2);
  EXPECT_EQ(scan("--baseline does/not/exist.json claude-desktop").exit_code, 2);
}

TEST_F(ScanCli, TextOutputNeverPrintsTheSecret) {
  const std::string file = "claude-desktop/github_token/claude_desktop_config.json";
  const std::string content = testing::read_text(kCorpus / file);
  const std::size_t at = content.find("ghp_");
  ASSERT_NE(at, std::string::npos);
  const std::string token = content.substr(at, 40);
  const testing::CommandResult result = scan("--no-color " + file);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find(file), std::string::npos);
  EXPECT_NE(result.output.find("10:"), std::string::npos);
  EXPECT_NE(result.output.find("BH001"), std::string::npos);
  EXPECT_NE(result.output.find("ghp_..."), std::string::npos);
  EXPECT_EQ(result.output.find(token), std::string::npos);
  EXPECT_EQ(result.output.find("\x1b["), std::string::npos);  // not a tty
}

TEST_F(ScanCli, JsonAndSarifFormats) {
  const testing::CommandResult json = scan("--format json .");
  EXPECT_EQ(json.exit_code, 1);
  const auto parsed = detail::read_jsonc(json.output);
  ASSERT_TRUE(std::holds_alternative<detail::Document>(parsed)) << json.output.substr(0, 300);
  const detail::Node& root = std::get<detail::Document>(parsed).root;
  EXPECT_EQ(root.find("files_scanned")->text, std::to_string(testing::corpus_files(kCorpus).size()));
  EXPECT_GT(root.find("findings")->children.size(), 100u);

  const fs::path sarif_file = dir_ / "scan.sarif";
  const testing::CommandResult sarif = scan("--format sarif -o " + testing::shell_quote(sarif_file.string()) + " .");
  EXPECT_EQ(sarif.exit_code, 1);
  EXPECT_TRUE(sarif.output.empty());
  const testing::CommandResult valid = testing::run_command(
      testing::shell_quote(BULKHEAD_SCAN_NODE) + " " +
      testing::shell_quote((fs::path(BULKHEAD_SCAN_TEST_DIR) / "validate_sarif.mjs").string()) + " " +
      testing::shell_quote(sarif_file.string()) + " 2>&1");
  EXPECT_EQ(valid.exit_code, 0) << valid.output;
}

TEST_F(ScanCli, BaselineSuppressesAcceptedFindings) {
  const fs::path baseline = dir_ / "baseline.json";
  EXPECT_EQ(scan("--write-baseline " + testing::shell_quote(baseline.string()) + " claude-desktop").exit_code, 1);
  ASSERT_TRUE(fs::exists(baseline));
  const testing::CommandResult again = scan("--no-color --baseline " + testing::shell_quote(baseline.string()) +
                                            " claude-desktop");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("suppressed"), std::string::npos);
  // A new finding is still reported.
  EXPECT_EQ(scan("--baseline " + testing::shell_quote(baseline.string()) + " claude-desktop cursor").exit_code, 1);
}

}  // namespace
}  // namespace bulkhead::scan
