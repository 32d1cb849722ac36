// bulkhead::scan — `bulkhead scan`: finds hard-coded credentials, shared credentials, insecure transports, unpinned
// packages, risky launch commands and unscoped tools in MCP client and gateway configurations (Claude Desktop/Code,
// Cursor, VS Code, Windsurf, Gemini CLI, Codex, bulkhead.toml; any other JSON/JSONC/TOML is still scanned for
// secrets). Findings point at file:line:column and never contain a secret whole (rules::redact).
//
// Thread-safety: a Scanner is not thread-safe (it owns Hyperscan scratch space); use one per thread. scan_paths
// scans files on several threads internally (each with its own scratch) and returns them in a fixed order; it
// also finds credentials shared by servers in different files (BH015), which scan_text, seeing one file, cannot.
// Reports and findings are plain values. Nothing here writes to stdout; rendering returns strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "rules/rules.h"

namespace bulkhead::scan {

// 1-based line and column (columns count Unicode code points). {0, 0} means "the whole file".
struct Position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  friend bool operator==(const Position&, const Position&) = default;
};

struct Finding {
  std::string rule_id;         // "BH001"
  rules::Severity severity = rules::Severity::high;
  std::string message;         // rule message plus where, e.g. "… in mcpServers.github.env.GITHUB_TOKEN"
  std::string path;            // the file as named on the command line / found in a directory walk
  Position position;
  std::string location;        // logical path inside the document, e.g. "mcpServers.github.env.GITHUB_TOKEN"
  std::string server;          // MCP server / upstream name when the finding belongs to one
  std::string evidence;        // redacted secret or the offending value (never a whole secret)
  std::string fingerprint;     // stable id for baselines: hex, independent of line numbers
};

struct Options {
  rules::Severity fail_on = rules::Severity::high;
  std::set<std::string> baseline;                 // fingerprints to suppress
  std::size_t max_file_bytes = 32u * 1024 * 1024; // larger files are reported (BH090) and skipped
  unsigned threads = 0;                           // scan_paths workers; 0 = one per CPU we may run on (max 16)
};

struct Report {
  std::vector<Finding> findings;   // ordered by path, line, column, rule
  std::size_t files_scanned = 0;
  std::size_t bytes_scanned = 0;
  std::size_t suppressed = 0;      // by baseline or inline `bulkhead-ignore` comments
  std::vector<std::string> errors; // paths that could not be read (the scan goes on)
};

class Scanner {
 public:
  [[nodiscard]] static core::Result<Scanner> create(Options options);

  // Scans one document held in memory. `path` names it in findings and picks the reader: *.toml is TOML,
  // anything else is JSON with comments and trailing commas allowed (JSONC). Suppressed findings are counted in
  // `suppressed` when given.
  [[nodiscard]] std::vector<Finding> scan_text(std::string_view path, std::string_view text,
                                               std::size_t* suppressed = nullptr);

  // Scans files and directories (recursively: *.json, *.jsonc, *.json5, *.toml; .git and node_modules are
  // skipped). A path that does not exist is an error (invalid_request); unreadable files inside a directory
  // are listed in Report::errors.
  [[nodiscard]] core::Result<Report> scan_paths(std::span<const std::string> paths);

  [[nodiscard]] const Options& options() const noexcept { return options_; }

 private:
  Scanner(Options options, rules::CredentialMatcher matcher);
  Options options_;
  rules::CredentialMatcher matcher_;
};

// True when any finding is at or above `fail_on` (the CLI exits 1 then).
[[nodiscard]] bool has_failing_findings(const Report& report, rules::Severity fail_on) noexcept;

enum class OutputFormat : std::uint8_t { text, json, sarif };
[[nodiscard]] std::optional<OutputFormat> output_format_from_name(std::string_view name) noexcept;

// Text for people (grouped by file; ANSI colour when `color`), JSON (one object, "findings" array), or SARIF 2.1.0.
[[nodiscard]] std::string render(const Report& report, OutputFormat format, bool color = false);

// Baselines: a JSON file whose "fingerprints" array (or the "findings[].fingerprint" of a `--format json`
// report) lists accepted findings.
[[nodiscard]] core::Result<std::set<std::string>> parse_baseline(std::string_view text);
[[nodiscard]] std::string render_baseline(const Report& report);

}  // namespace bulkhead::scan
