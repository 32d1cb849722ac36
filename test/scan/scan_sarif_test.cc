// SARIF output of a corpus scan validated against the SARIF 2.1.0 JSON schema (ajv, test/scan/validate_sarif.mjs),
// plus the properties GitHub code scanning relies on.
#include <gtest/gtest.h>

#include <unistd.h>

#include "corpus_util.h"
#include "scan/detail/document.h"
#include "scan/scan.h"

namespace bulkhead::scan {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = BULKHEAD_SCAN_CORPUS;
const fs::path kTestDir = BULKHEAD_SCAN_TEST_DIR;

testing::CommandResult validate(const fs::path& file) {
  const std::string node = BULKHEAD_SCAN_NODE;
  return testing::run_command(testing::shell_quote(node) + " " +
                              testing::shell_quote((kTestDir / "validate_sarif.mjs").string()) + " " +
                              testing::shell_quote(file.string()) + " 2>&1");
}

class ScanSarif : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kTestDir / "peers" / "node_modules" / "ajv-draft-04"))
        << "run scripts/install-deps.sh (npm ci in test/scan/peers)";
    dir_ = fs::temp_directory_path() / ("bulkhead-sarif-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ScanSarif, CorpusReportValidatesAgainstTheSchema) {
  auto scanner = Scanner::create({});
  ASSERT_TRUE(scanner.has_value());
  // Relative paths, as in CI: run from the corpus root.
  const fs::path saved = fs::current_path();
  fs::current_path(kCorpus);
  const std::vector<std::string> paths{"."};
  auto report = scanner->scan_paths(paths);
  fs::current_path(saved);
  ASSERT_TRUE(report.has_value());
  ASSERT_GT(report->findings.size(), 100u);
  const std::string sarif = render(*report, OutputFormat::sarif);
  const fs::path file = dir_ / "corpus.sarif";
  std::ofstream(file) << sarif;
  const testing::CommandResult result = validate(file);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::cout << result.output;

  // What GitHub code scanning needs: relative artifact URIs, rule metadata, fingerprints, valid regions.
  const auto parsed = detail::read_jsonc(sarif);
  ASSERT_TRUE(std::holds_alternative<detail::Document>(parsed));
  const detail::Node* runs = std::get<detail::Document>(parsed).root.find("runs");
  ASSERT_TRUE(runs != nullptr && runs->children.size() == 1);
  const detail::Node& run = runs->children[0];
  const detail::Node* rules = run.find("tool")->find("driver")->find("rules");
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(rules->children.size(), rules::all_rules().size());
  for (const detail::Node& result_node : run.find("results")->children) {
    const detail::Node* locations = result_node.find("locations");
    ASSERT_TRUE(locations != nullptr && !locations->children.empty());
    const detail::Node* uri =
        locations->children[0].find("physicalLocation")->find("artifactLocation")->find("uri");
    ASSERT_NE(uri, nullptr);
    EXPECT_FALSE(uri->text.starts_with("/")) << uri->text;
    EXPECT_FALSE(uri->text.starts_with("./")) << uri->text;
    EXPECT_NE(result_node.find("partialFingerprints"), nullptr);
  }
}

TEST_F(ScanSarif, TheValidatorRejectsBrokenLogs) {
  const fs::path file = dir_ / "broken.sarif";
  std::ofstream(file) << R"({"version":"2.1.0","runs":[{"tool":{"driver":{}},"results":[{"level":"fatal"}]}]})";
  const testing::CommandResult result = validate(file);
  EXPECT_EQ(result.exit_code, 1) << result.output;
}

}  // namespace
}  // namespace bulkhead::scan
