// Bulkhead vs secretlint (@secretlint/secretlint-rule-preset-recommend, pinned in test/scan/peers) on the same
// corpus, in the same run: precision and recall of "a secret on this line". Bulkhead must reach 0.95 and must not
// be worse than secretlint on either.
#include <gtest/gtest.h>

#include <iostream>

#include "corpus_util.h"
#include "scan/detail/document.h"
#include "scan/scan.h"

namespace bulkhead::scan {
namespace {

namespace fs = std::filesystem;
using testing::Label;

const fs::path kCorpus = BULKHEAD_SCAN_CORPUS;
const fs::path kPeers = BULKHEAD_SCAN_PEERS;

std::vector<Label> run_secretlint(const std::vector<std::string>& files, std::string& failure) {
  const std::string node = BULKHEAD_SCAN_NODE;
  const fs::path secretlint = kPeers / "node_modules" / "secretlint" / "bin" / "secretlint.js";
  if (node.empty() || node.ends_with("NOTFOUND")) {
    failure = "node not found at configure time";
    return {};
  }
  if (!fs::exists(secretlint)) {
    failure = "secretlint missing: run scripts/install-deps.sh (npm ci in test/scan/peers)";
    return {};
  }
  std::string command = "cd " + testing::shell_quote(kCorpus.string()) + " && " + testing::shell_quote(node) + " " +
                        testing::shell_quote(secretlint.string()) +
                        " --secretlintrcJSON '{\"rules\":[{\"id\":\"@secretlint/secretlint-rule-preset-recommend\"}]}'"
                        " --no-glob --no-gitignore --no-color --format json";
  for (const std::string& file : files) command += " " + testing::shell_quote(file);
  const testing::CommandResult result = testing::run_command(command);
  if (result.exit_code != 0 && result.exit_code != 1) {
    failure = "secretlint exited " + std::to_string(result.exit_code);
    return {};
  }
  auto parsed = detail::read_jsonc(result.output);
  if (!std::holds_alternative<detail::Document>(parsed)) {
    failure = "secretlint output is not JSON: " + result.output.substr(0, 200);
    return {};
  }
  std::vector<Label> labels;
  for (const detail::Node& file : std::get<detail::Document>(parsed).root.children) {
    const detail::Node* path = file.find("filePath");
    const detail::Node* messages = file.find("messages");
    if (path == nullptr || messages == nullptr) continue;
    const std::string relative = fs::relative(fs::path(path->text), kCorpus).generic_string();
    for (const detail::Node& message : messages->children) {
      const detail::Node* loc = message.find("loc");
      const detail::Node* start = loc != nullptr ? loc->find("start") : nullptr;
      const detail::Node* line = start != nullptr ? start->find("line") : nullptr;
      if (line != nullptr) {
        labels.push_back({relative, "secret", static_cast<unsigned>(std::stoul(std::string(line->text)))});
      }
    }
  }
  return labels;
}

TEST(ScanVsSecretlint, BulkheadIsAtLeastAsGoodOnSecrets) {
  const std::vector<std::string> files = testing::corpus_files(kCorpus);
  const std::vector<Label> expected = testing::secret_lines(testing::expected_labels(kCorpus));

  auto scanner = Scanner::create({});
  ASSERT_TRUE(scanner.has_value());
  std::vector<Label> ours;
  for (const std::string& file : files) {
    for (const Finding& finding : scanner->scan_text(file, testing::read_text(kCorpus / file))) {
      ours.push_back({file, finding.rule_id, finding.position.line});
    }
  }
  const testing::Score bulkhead = testing::score(expected, testing::secret_lines(ours));

  std::string failure;
  const std::vector<Label> theirs = run_secretlint(files, failure);
  ASSERT_TRUE(failure.empty()) << failure;
  const testing::Score secretlint = testing::score(expected, testing::secret_lines(theirs));

  std::cout << "corpus: " << files.size() << " files, " << expected.size() << " lines with a secret\n";
  std::cout << "bulkhead   precision " << bulkhead.precision() << " recall " << bulkhead.recall() << "\n";
  std::cout << "secretlint precision " << secretlint.precision() << " recall " << secretlint.recall() << "\n";
  std::cout << "bulkhead detail: " << testing::describe(bulkhead);
  std::cout << "secretlint detail: " << testing::describe(secretlint);
  ::testing::Test::RecordProperty("bulkhead_precision", std::to_string(bulkhead.precision()));
  ::testing::Test::RecordProperty("bulkhead_recall", std::to_string(bulkhead.recall()));
  ::testing::Test::RecordProperty("secretlint_precision", std::to_string(secretlint.precision()));
  ::testing::Test::RecordProperty("secretlint_recall", std::to_string(secretlint.recall()));

  EXPECT_GE(bulkhead.precision(), 0.95);
  EXPECT_GE(bulkhead.recall(), 0.95);
  EXPECT_GE(bulkhead.precision(), secretlint.precision());
  EXPECT_GE(bulkhead.recall(), secretlint.recall());
  EXPECT_GT(secretlint.reported, 0u) << "secretlint found nothing: the comparison is not measuring anything";
}

}  // namespace
}  // namespace bulkhead::scan
