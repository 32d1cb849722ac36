// Precision and recall of `bulkhead scan` on the labelled corpus (test/scan/corpus): every rule, and the secret
// rules alone. Fails below 0.95 on either.
#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "corpus_util.h"
#include "scan/scan.h"

namespace bulkhead::scan {
namespace {

namespace fs = std::filesystem;
using testing::Label;

const fs::path kCorpus = BULKHEAD_SCAN_CORPUS;

std::vector<Label> bulkhead_labels(const Report& report) {
  std::vector<Label> labels;
  for (const Finding& finding : report.findings) {
    labels.push_back({fs::relative(fs::path(finding.path), kCorpus).generic_string(), finding.rule_id,
                      finding.position.line});
  }
  return labels;
}

TEST(ScanCorpus, HasAtLeastEightyLabelledFiles) {
  EXPECT_GE(testing::corpus_files(kCorpus).size(), 80u);
  EXPECT_GE(testing::expected_labels(kCorpus).size(), 100u);
}

TEST(ScanCorpus, PrecisionAndRecallAtLeast95Percent) {
  auto scanner = Scanner::create({});
  ASSERT_TRUE(scanner.has_value());
  const std::vector<std::string> paths{kCorpus.string()};
  auto report = scanner->scan_paths(paths);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->files_scanned, testing::corpus_files(kCorpus).size());
  EXPECT_TRUE(report->errors.empty());

  const std::vector<Label> expected = testing::expected_labels(kCorpus);
  const std::vector<Label> reported = bulkhead_labels(*report);
  const testing::Score all = testing::score(expected, reported);
  std::cout << "bulkhead, all rules: " << testing::describe(all);
  // Per rule, for the log.
  std::map<std::string, std::pair<std::vector<Label>, std::vector<Label>>> by_rule;
  for (const Label& label : expected) by_rule[label.rule].first.push_back(label);
  for (const Label& label : reported) by_rule[label.rule].second.push_back(label);
  for (const auto& [rule, lists] : by_rule) {
    const testing::Score s = testing::score(lists.first, lists.second);
    std::cout << "  " << rule << ": expected " << s.expected << " reported " << s.reported << " precision "
              << s.precision() << " recall " << s.recall() << "\n";
  }
  EXPECT_GE(all.precision(), 0.95);
  EXPECT_GE(all.recall(), 0.95);

  const testing::Score secrets = testing::score(testing::secret_lines(expected), testing::secret_lines(reported));
  std::cout << "bulkhead, secret lines: " << testing::describe(secrets);
  EXPECT_GE(secrets.precision(), 0.95);
  EXPECT_GE(secrets.recall(), 0.95);
}

}  // namespace
}  // namespace bulkhead::scan
