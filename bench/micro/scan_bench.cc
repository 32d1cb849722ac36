// bulkhead::scan: the stages of `bulkhead scan` on one generated configuration of 200 servers (Claude-style JSON
// and Codex TOML), in bytes per second. Baselines in the same run: toml++ reading the same TOML (what the subset
// reader replaces) and a byte loop over the file (the cost of touching every byte once). bench/scan/run.sh
// measures the whole scan on a 200 MB tree against secretlint.
#include <string>

#include <benchmark/benchmark.h>

#include "rules/rules.h"
#include "scan/detail/document.h"
#include "scan/detail/engine.h"
#include "scan/scan.h"

namespace bulkhead::bench {
namespace {

constexpr int kServers = 200;

// Appends pieces (avoids g++ 12's false -Wrestrict on `"literal" + std::string`).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(parts), ...);
  return out;
}

// Like bench/scan/make_tree.py: npx/docker/http servers, env values mostly references, one secret in 50.
std::string env_value(int i, int k) {
  if ((i * 7 + k) % 50 == 0) return cat(std::string("ghp_"), std::string(36, static_cast<char>('a' + i % 26)));
  switch ((i + k) % 4) {
    case 0: return "${env:GITHUB_TOKEN}";
    case 1: return "<your-api-key>";
    case 2: return cat(std::string("/home/dev/projects/p"), std::to_string(i));
    default: return "eu-west-1";
  }
}

std::string json_config() {
  std::string out = "{\n  \"mcpServers\": {\n";
  for (int i = 0; i < kServers; ++i) {
    const std::string n = std::to_string(i);
    out += cat(std::string("    \"server-"), n, std::string("\": {\n"));
    if (i % 4 == 0) {
      out += "      \"type\": \"http\",\n      \"url\": \"http://internal.acme.dev/mcp\",\n";
    } else {
      out += cat(std::string("      \"command\": \"npx\",\n      \"args\": [\n        \"-y\",\n        \"@acme/mcp-server-"), n,
                 std::string(i % 3 == 0 ? "\",\n" : "@1.2.3\",\n"), std::string("        \"--root\",\n        \"/srv/data/"),
                 n, std::string("\"\n      ],\n"));
    }
    out += cat(std::string("      \"env\": {\n        \"GITHUB_TOKEN\": \""), env_value(i, 0),
               std::string("\",\n        \"API_KEY\": \""), env_value(i, 1), std::string("\",\n        \"LOG_LEVEL\": \""),
               env_value(i, 2), std::string("\"\n      }\n    }"), std::string(i + 1 < kServers ? ",\n" : "\n"));
  }
  out += "  }\n}\n";
  return out;
}

std::string toml_config() {
  std::string out = "model = \"gpt-5-codex\"\n\n";
  for (int i = 0; i < kServers; ++i) {
    const std::string n = std::to_string(i);
    out += cat(std::string("[mcp_servers.server-"), n, std::string("]\ncommand = \"npx\"\nargs = [\"-y\", \"@acme/mcp-server-"),
               n, std::string(i % 3 == 0 ? "\"" : "@1.2.3\""), std::string(", \"--root\", \"/srv/data/"), n,
               std::string("\"]\n[mcp_servers.server-"), n, std::string(".env]\nGITHUB_TOKEN = \""), env_value(i, 0),
               std::string("\"\nAPI_KEY = \""), env_value(i, 1), std::string("\"\nLOG_LEVEL = \""), env_value(i, 2),
               std::string("\"\n\n"));
  }
  return out;
}

template <typename Read>
void run_reader(benchmark::State& state, const std::string& text, Read read) {
  scan::detail::Document document;
  scan::detail::ParseError error;
  for (auto _ : state) {
    const bool ok = read(text, document, error);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(document.root.children.size());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_Scan_TouchEveryByteBaseline(benchmark::State& state) {
  const std::string text = json_config();
  for (auto _ : state) {
    unsigned sum = 0;
    for (const char c : text) sum += static_cast<unsigned char>(c);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Scan_TouchEveryByteBaseline);

void BM_Scan_ReadJsonc(benchmark::State& state) {
  run_reader(state, json_config(), [](std::string_view text, scan::detail::Document& document,
                                      scan::detail::ParseError& error) {
    return scan::detail::read_jsonc(text, document, error);
  });
}
BENCHMARK(BM_Scan_ReadJsonc);

void BM_Scan_ReadTomlTomlplusplusBaseline(benchmark::State& state) {
  run_reader(state, toml_config(), [](std::string_view text, scan::detail::Document& document,
                                      scan::detail::ParseError& error) {
    return scan::detail::read_toml_reference(text, document, error);
  });
}
BENCHMARK(BM_Scan_ReadTomlTomlplusplusBaseline);

void BM_Scan_ReadTomlSubset(benchmark::State& state) {
  run_reader(state, toml_config(), [](std::string_view text, scan::detail::Document& document,
                                      scan::detail::ParseError&) { return scan::detail::read_toml_subset(text, document); });
}
BENCHMARK(BM_Scan_ReadTomlSubset);

void BM_Scan_CandidateEnds(benchmark::State& state) {
  const std::string text = json_config();
  auto matcher = rules::CredentialMatcher::create();
  std::vector<std::size_t> ends;
  for (auto _ : state) {
    const bool complete = matcher->candidate_ends(text, ends);
    benchmark::DoNotOptimize(complete);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Scan_CandidateEnds);

void BM_Scan_Document(benchmark::State& state) {
  const std::string text = json_config();
  auto matcher = rules::CredentialMatcher::create();
  scan::detail::ScanWorkspace workspace;
  std::size_t findings = 0;
  for (auto _ : state) {
    std::size_t suppressed = 0;
    const auto found = scan::detail::scan_document("mcp.json", text, *matcher, workspace, &suppressed);
    findings = found.size();
    benchmark::DoNotOptimize(findings);
  }
  state.counters["findings"] = static_cast<double>(findings);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Scan_Document);

void BM_Scan_RenderJson(benchmark::State& state) {
  const std::string text = json_config();
  auto scanner = scan::Scanner::create({});
  scan::Report report;
  report.findings = scanner->scan_text("mcp.json", text);
  report.files_scanned = 1;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string out = scan::render(report, scan::OutputFormat::json);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_Scan_RenderJson);

}  // namespace
}  // namespace bulkhead::bench
