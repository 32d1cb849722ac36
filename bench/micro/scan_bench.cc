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

// Like bench/scan/make_tree.py: npx/docker/http servers, env values mostly references, one secret in 50.
std::string env_value(int i, int k) {
  if ((i * 7 + k) % 50 == 0) {
    std::string token = "ghp_";
    token.append(36, static_cast<char>('a' + i % 26));
    return token;
  }
  switch ((i + k) % 4) {
    case 0: return "${env:GITHUB_TOKEN}";
    case 1: return "<your-api-key>";
    case 2: {
      std::string path = "/home/dev/projects/p";
      path += std::to_string(i);
      return path;
    }
    default: return "eu-west-1";
  }
}

// Written with += (g++ 12 warns falsely, -Wrestrict, on "literal" + std::string).
std::string json_config() {
  std::string out = "{\n  \"mcpServers\": {\n";
  for (int i = 0; i < kServers; ++i) {
    const std::string n = std::to_string(i);
    out += "    \"server-";
    out += n;
    out += "\": {\n";
    if (i % 4 == 0) {
      out += "      \"type\": \"http\",\n      \"url\": \"http://internal.acme.dev/mcp\",\n";
    } else {
      out += "      \"command\": \"npx\",\n      \"args\": [\n        \"-y\",\n        \"@acme/mcp-server-";
      out += n;
      out += i % 3 == 0 ? "\",\n" : "@1.2.3\",\n";
      out += "        \"--root\",\n        \"/srv/data/";
      out += n;
      out += "\"\n      ],\n";
    }
    out += "      \"env\": {\n        \"GITHUB_TOKEN\": \"";
    out += env_value(i, 0);
    out += "\",\n        \"API_KEY\": \"";
    out += env_value(i, 1);
    out += "\",\n        \"LOG_LEVEL\": \"";
    out += env_value(i, 2);
    out += "\"\n      }\n    }";
    out += i + 1 < kServers ? ",\n" : "\n";
  }
  out += "  }\n}\n";
  return out;
}

std::string toml_config() {
  std::string out = "model = \"gpt-5-codex\"\n\n";
  for (int i = 0; i < kServers; ++i) {
    const std::string n = std::to_string(i);
    out += "[mcp_servers.server-";
    out += n;
    out += "]\ncommand = \"npx\"\nargs = [\"-y\", \"@acme/mcp-server-";
    out += n;
    out += i % 3 == 0 ? "\"" : "@1.2.3\"";
    out += ", \"--root\", \"/srv/data/";
    out += n;
    out += "\"]\n[mcp_servers.server-";
    out += n;
    out += ".env]\nGITHUB_TOKEN = \"";
    out += env_value(i, 0);
    out += "\"\nAPI_KEY = \"";
    out += env_value(i, 1);
    out += "\"\nLOG_LEVEL = \"";
    out += env_value(i, 2);
    out += "\"\n\n";
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
  run_reader(state, toml_config(),
             [](std::string_view text, scan::detail::Document& document, scan::detail::ParseError&) {
               return scan::detail::read_toml_subset(text, document);
             });
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
