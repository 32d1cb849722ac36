// The rule engine behind Scanner::scan_text and Scanner::scan_paths (internal).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rules.h"
#include "scan/detail/document.h"
#include "scan/scan.h"

namespace bulkhead::scan::detail {

// A credential one server of the file was given (a secret finding with a server), for the shared-credential
// rule across the files of one scan (Scanner::scan_paths).
struct SecretUse {
  std::string secret;
  std::string server;
  std::string location;
  Position position;
  bool shared_in_file = false;  // the file itself reported BH015 for this use (before ignores and baselines)
  bool ignored = false;         // an inline `bulkhead-ignore` comment covers BH015 on this line
};

struct EngineScratch;  // engine.cc

// Memory one worker reuses from file to file (the document's arena, candidate offsets, the engine's lists).
struct ScanWorkspace {
  Document document;
  std::vector<std::size_t> candidate_ends;
  std::vector<std::size_t> order;
  std::vector<bool> placed;
  std::shared_ptr<EngineScratch> engine;
};

// Reads `text` (TOML when `path` ends in .toml, else JSONC) and applies every rule. Findings suppressed by
// inline `bulkhead-ignore` comments are dropped and counted in *suppressed. When `uses` is given, it receives
// every secret finding that belongs to a server.
[[nodiscard]] std::vector<Finding> scan_document(std::string_view path, std::string_view text,
                                                 rules::CredentialMatcher& matcher, ScanWorkspace& workspace,
                                                 std::size_t* suppressed, std::vector<SecretUse>* uses = nullptr);

// "…(servers: a, b) in mcpServers.a.env.T": the message of a shared-credential finding.
[[nodiscard]] std::string shared_credential_message(std::string_view servers, std::string_view location);

// The stable fingerprint of a finding (32 hex digits): rule, path, logical location and the hashed material
// (the secret or the offending value), not the line, so findings survive edits elsewhere in the file.
[[nodiscard]] std::string fingerprint(std::string_view rule_id, std::string_view path, std::string_view location,
                                      std::string_view material);

}  // namespace bulkhead::scan::detail
