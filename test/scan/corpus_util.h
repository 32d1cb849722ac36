// Test helpers: the labelled corpus (test/scan/corpus/**, `<file>.expected` next to each file), precision/recall
// over (file, rule, line) labels, and running a command to capture its output.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "rules/rules.h"

namespace bulkhead::scan::testing {

namespace fs = std::filesystem;

struct Label {
  std::string file;  // relative to the corpus root, '/' separators
  std::string rule;  // "BH001", or "secret" when projected to secret findings only
  unsigned line = 0;
  friend bool operator<(const Label& a, const Label& b) {
    return std::tie(a.file, a.rule, a.line) < std::tie(b.file, b.rule, b.line);
  }
  friend bool operator==(const Label&, const Label&) = default;
};

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Every corpus file that has an .expected file, relative to `root`, sorted.
inline std::vector<std::string> corpus_files(const fs::path& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const fs::path& path = entry.path();
    if (path.extension() == ".expected" || path.extension() == ".py") continue;
    if (!fs::exists(path.string() + ".expected")) continue;
    files.push_back(fs::relative(path, root).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::vector<Label> expected_labels(const fs::path& root) {
  std::vector<Label> labels;
  for (const std::string& file : corpus_files(root)) {
    std::istringstream lines(read_text(root / (file + ".expected")));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      Label label;
      label.file = file;
      fields >> label.rule >> label.line;
      if (!label.rule.empty() && label.line > 0) labels.push_back(label);
    }
  }
  std::sort(labels.begin(), labels.end());
  return labels;
}

// Secret rules measured against secretlint: BH001–BH014 (BH015 repeats a secret already reported on that line).
inline bool is_measured_secret_rule(std::string_view rule_id) {
  const rules::Rule* rule = rules::find_rule(rule_id);
  return rule != nullptr && rule->category == rules::Category::secret && rule_id != rules::id::shared_credential;
}

// Labels projected to "a secret on this line" (unique per file and line).
inline std::vector<Label> secret_lines(const std::vector<Label>& labels) {
  std::vector<Label> out;
  for (const Label& label : labels) {
    if (label.rule == "secret" || is_measured_secret_rule(label.rule)) out.push_back({label.file, "secret", label.line});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

struct Score {
  std::size_t true_positives = 0;
  std::vector<Label> false_positives;
  std::vector<Label> false_negatives;
  std::size_t expected = 0;
  std::size_t reported = 0;
  [[nodiscard]] double precision() const {
    return reported == 0 ? 1.0 : static_cast<double>(true_positives) / static_cast<double>(reported);
  }
  [[nodiscard]] double recall() const {
    return expected == 0 ? 1.0 : static_cast<double>(true_positives) / static_cast<double>(expected);
  }
};

// Multiset matching of sorted label lists.
inline Score score(std::vector<Label> expected, std::vector<Label> reported) {
  std::sort(expected.begin(), expected.end());
  std::sort(reported.begin(), reported.end());
  Score s;
  s.expected = expected.size();
  s.reported = reported.size();
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < expected.size() || j < reported.size()) {
    if (j >= reported.size() || (i < expected.size() && expected[i] < reported[j])) {
      s.false_negatives.push_back(expected[i++]);
    } else if (i >= expected.size() || reported[j] < expected[i]) {
      s.false_positives.push_back(reported[j++]);
    } else {
      ++s.true_positives;
      ++i;
      ++j;
    }
  }
  return s;
}

inline std::string describe(const Score& s) {
  std::ostringstream out;
  out << "expected " << s.expected << ", reported " << s.reported << ", true positives " << s.true_positives
      << ", precision " << s.precision() << ", recall " << s.recall() << "\n";
  for (const Label& label : s.false_negatives) out << "  missed:   " << label.file << ":" << label.line << " " << label.rule << "\n";
  for (const Label& label : s.false_positives) out << "  spurious: " << label.file << ":" << label.line << " " << label.rule << "\n";
  return out.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout only
};

// Runs `command` through /bin/sh and captures stdout.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 65536> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out += "'";
  return out;
}

}  // namespace bulkhead::scan::testing
