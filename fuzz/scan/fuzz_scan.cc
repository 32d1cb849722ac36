// libFuzzer target for the scan readers and rule engine: arbitrary bytes as a JSONC or TOML configuration file
// (the first byte picks the reader), then every output format and the baseline parser. Must never crash, leak or
// hit undefined behaviour, whatever the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/scan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bulkhead::scan::Scanner* scanner = [] {
    auto created = bulkhead::scan::Scanner::create({});
    return created ? new bulkhead::scan::Scanner(std::move(*created)) : nullptr;
  }();
  if (scanner == nullptr || size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string_view path = (data[0] & 1) != 0 ? "fuzz/config.toml" : "fuzz/.vscode/mcp.json";
  std::size_t suppressed = 0;
  bulkhead::scan::Report report;
  report.findings = scanner->scan_text(path, text, &suppressed);
  report.files_scanned = 1;
  report.suppressed = suppressed;
  for (const auto& finding : report.findings) {
    // Positions are 1-based when present.
    if (finding.position.line == 0 && finding.position.column != 0) __builtin_trap();
  }
  (void)bulkhead::scan::render(report, bulkhead::scan::OutputFormat::text, true);
  (void)bulkhead::scan::render(report, bulkhead::scan::OutputFormat::json);
  (void)bulkhead::scan::render(report, bulkhead::scan::OutputFormat::sarif);
  (void)bulkhead::scan::parse_baseline(text);
  return 0;
}
