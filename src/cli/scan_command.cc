// `bulkhead scan PATH... [--format text|json|sarif] [--fail-on SEV] [--baseline FILE] [--write-baseline FILE]`
// Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage error (bad flag, missing path, bad baseline).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "scan/scan.h"

namespace bulkhead::cli {
namespace {

struct ScanFlags {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string fail_on = "high";
  std::string baseline;
  std::string write_baseline;
  std::string output;
  bool no_color = false;
};

int run_scan(const ScanFlags& flags) {
  const auto format = scan::output_format_from_name(flags.format);
  if (!format) {
    std::cerr << "bulkhead scan: --format must be text, json or sarif\n";
    return 2;
  }
  scan::Options options;
  bool never_fail = false;
  if (flags.fail_on == "none" || flags.fail_on == "never") {
    never_fail = true;
  } else if (const auto severity = rules::severity_from_name(flags.fail_on)) {
    options.fail_on = *severity;
  } else {
    std::cerr << "bulkhead scan: --fail-on must be info, low, medium, high, critical or none\n";
    return 2;
  }
  if (!flags.baseline.empty()) {
    std::ifstream in(flags.baseline, std::ios::binary);
    if (!in) {
      std::cerr << "bulkhead scan: cannot read baseline " << flags.baseline << "\n";
      return 2;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto fingerprints = scan::parse_baseline(buffer.str());
    if (!fingerprints) {
      std::cerr << "bulkhead scan: " << flags.baseline << ": " << fingerprints.error().message << "\n";
      return 2;
    }
    options.baseline = std::move(*fingerprints);
  }
  auto scanner = scan::Scanner::create(options);
  if (!scanner) {
    std::cerr << "bulkhead scan: " << scanner.error().message << "\n";
    return 2;
  }
  auto report = scanner->scan_paths(flags.paths);
  if (!report) {
    std::cerr << "bulkhead scan: " << report.error().message << "\n";
    return 2;
  }
  if (!flags.write_baseline.empty()) {
    std::ofstream out(flags.write_baseline, std::ios::binary | std::ios::trunc);
    out << scan::render_baseline(*report);
    if (!out) {
      std::cerr << "bulkhead scan: cannot write baseline " << flags.write_baseline << "\n";
      return 2;
    }
  }
  const bool to_file = !flags.output.empty();
  const bool color = *format == scan::OutputFormat::text && !to_file && !flags.no_color &&
                     std::getenv("NO_COLOR") == nullptr && ::isatty(STDOUT_FILENO) == 1;
  const std::string rendered = scan::render(*report, *format, color);
  if (to_file) {
    std::ofstream out(flags.output, std::ios::binary | std::ios::trunc);
    out << rendered;
    if (!out) {
      std::cerr << "bulkhead scan: cannot write " << flags.output << "\n";
      return 2;
    }
  } else {
    std::cout << rendered << std::flush;
  }
  return !never_fail && scan::has_failing_findings(*report, options.fail_on) ? 1 : 0;
}

}  // namespace

void add_scan_command(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<ScanFlags>();
  CLI::App* command = app.add_subcommand(
      "scan", "find hard-coded credentials, shared credentials and unscoped tools in MCP configurations");
  command->add_option("paths", flags->paths, "files and directories (recursively: *.json, *.jsonc, *.toml)")
      ->required();
  command->add_option("--format", flags->format, "text | json | sarif (default text)");
  command->add_option("--fail-on", flags->fail_on,
                      "exit 1 when a finding is at or above this severity: info|low|medium|high|critical|none "
                      "(default high)");
  command->add_option("--baseline", flags->baseline, "JSON file of accepted findings (fingerprints) to suppress");
  command->add_option("--write-baseline", flags->write_baseline, "write the findings of this run as a baseline");
  command->add_option("-o,--output", flags->output, "write the report to FILE instead of stdout");
  command->add_flag("--no-color", flags->no_color, "no ANSI colours in text output");
  command->callback([flags, &context] { context.exit_code = run_scan(*flags); });
}

}  // namespace bulkhead::cli
