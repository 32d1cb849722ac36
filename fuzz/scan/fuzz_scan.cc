// libFuzzer target for the scan readers and rule engine: arbitrary bytes as a JSONC or TOML configuration file
// (the first byte picks the reader), then every output format and the baseline parser. Must never crash, leak or
// hit undefined behaviour, whatever the input. For TOML it is also a differential test: whenever the fast subset
// reader accepts a document, its tree must be the one toml++ builds (else the target traps).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/detail/document.h"
#include "scan/scan.h"

namespace {

void check_toml_subset(std::string_view text) {
  bulkhead::scan::detail::Document subset;
  if (!bulkhead::scan::detail::read_toml_subset(text, subset)) return;
  bulkhead::scan::detail::Document reference;
  bulkhead::scan::detail::ParseError error;
  if (!bulkhead::scan::detail::read_toml_reference(text, reference, error)) __builtin_trap();  // subset too lax
  if (!bulkhead::scan::detail::describe_difference(subset, reference).empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bulkhead::scan::Scanner* scanner = [] {
    auto created = bulkhead::scan::Scanner::create({});
    return created ? new bulkhead::scan::Scanner(std::move(*created)) : nullptr;
  }();
  if (scanner == nullptr || size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool toml = (data[0] & 1) != 0;
  const std::string_view path = toml ? "fuzz/config.toml" : "fuzz/.vscode/mcp.json";
  if (toml) check_toml_subset(text);
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
