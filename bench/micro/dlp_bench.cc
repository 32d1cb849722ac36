// bulkhead::dlp: scanning a tools/call result (text content holding JSON records, so every quote is escaped) with
// the shared credential rules (42 provider patterns) + 8 custom patterns = 50 secret rules, plus 1,000 tenants'
// markers, at 1 KiB, 64 KiB and 1 MiB, in bytes per second. Baselines in the same run: json::validate of the same
// text (simdjson; what any gateway that looks inside a message pays), the scan with no tenant markers, and the
// credential rules' Hyperscan pass alone.
#include <string>

#include <benchmark/benchmark.h>

#include "dlp/dlp.h"
#include "json/json.h"
#include "rules/rules.h"

namespace bulkhead::bench {
namespace {

std::string tenant_name(int i) {
  // Deterministic, varied names (not a shared prefix Hyperscan could exploit): 6 letters.
  std::string name;
  unsigned x = 2654435761u * static_cast<unsigned>(i + 1);
  for (int k = 0; k < 6; ++k) {
    name.push_back(static_cast<char>('a' + x % 26));
    x = x * 1103515245u + 12345u;
  }
  return name + std::to_string(i);
}

dlp::Options options(int tenants, bool tenant_databases) {
  dlp::Options o;
  if (!tenant_databases) o.tenant_databases = 0;
  o.tenants.push_back({"acme", {"ACME-CANARY-7f3a"}, {R"(acme-\d{3})"}});
  for (int i = 1; i < tenants; ++i) o.tenants.push_back({tenant_name(i), {}, {tenant_name(i) + R"(-\d{3})"}});
  const char* custom[] = {R"(\d{3}-\d{2}-\d{4})",          R"(DE\d{2}[ ]?\d{4}[ ]?\d{4}[ ]?\d{4}[ ]?\d{4}[ ]?\d{2})",
                          R"(project-nightjar)",           R"(CONFIDENTIAL//[A-Z]{2,8})",
                          R"(4\d{3}[ -]\d{4}[ -]\d{4}[ -]\d{4})", R"(salary band \d{1,2})",
                          R"(passport no\. [A-Z0-9]{9})",  R"(internal-only-[a-f0-9]{8})"};
  int n = 0;
  for (const char* regex : custom) o.patterns.push_back({"custom-" + std::to_string(n++), regex, "restricted", dlp::Action::log});
  return o;
}

// A tools/call result of about `bytes`: one text item holding a JSON array of the caller's (acme's) records.
std::string response(std::size_t bytes, std::string_view id_prefix = "acme-") {
  std::string records = "[";
  for (int i = 0; records.size() + 200 < bytes; ++i) {
    if (i > 0) records += ',';
    const std::string n = std::to_string(100 + i % 900);
    records += R"({"id":")" + std::string(id_prefix) + n + R"(","name":"Customer )" + std::to_string(i) + R"(","email":"c)" +
               std::to_string(i) + R"(@acme.example","note":"renewal due in 30 days; contact by phone, then e-mail"})";
  }
  records += "]";
  std::string out = R"({"content":[{"type":"text","text":)";
  json::append_quoted(records, out);
  out += R"(}],"isError":false})";
  return out;
}

struct Fixture {
  dlp::EnginePtr engine;
  std::optional<dlp::Scanner> scanner;
  Fixture(int tenants, bool tenant_databases) {
    auto e = dlp::Engine::create(options(tenants, tenant_databases));
    if (!e) throw std::runtime_error(e.error().message);
    engine = *e;
    // The steady state: acme's own database (without its patterns) compiled, as after its first scans.
    if (auto r = engine->prepare_tenant("acme"); !r) throw std::runtime_error(r.error().message);
    auto s = dlp::Scanner::create(engine);
    if (!s) throw std::runtime_error(s.error().message);
    scanner.emplace(std::move(*s));
  }
};

Fixture& fixture(int tenants, bool tenant_databases) {
  if (!tenant_databases) {
    static Fixture shared(1000, false);
    return shared;
  }
  static Fixture full(1000, true);
  static Fixture none(1, true);
  return tenants == 1000 ? full : none;
}

void run_scan(benchmark::State& state, int tenants, std::string_view id_prefix = "acme-", bool tenant_databases = true) {
  const std::string text = response(static_cast<std::size_t>(state.range(0)), id_prefix);
  Fixture& f = fixture(tenants, tenant_databases);
  for (auto _ : state) {
    auto verdict = f.scanner->scan_json(text, "acme");
    if (!verdict || verdict->blocked()) state.SkipWithError("unexpected verdict");
    benchmark::DoNotOptimize(verdict);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}

void BM_Dlp_Scan(benchmark::State& state) { run_scan(state, 1000); }
BENCHMARK(BM_Dlp_Scan)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);

// The same rules on records whose ids carry no tenant marker ("cust-NNN"): no Hyperscan match at all. The
// difference to BM_Dlp_Scan is what the caller's own marker in every record (~ every 120 bytes) costs.
void BM_Dlp_ScanUnmarked(benchmark::State& state) { run_scan(state, 1000, "cust-"); }
BENCHMARK(BM_Dlp_ScanUnmarked)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);

// The same rules with every scan on the shared database (all tenants' patterns, the caller's own included): what a
// tenant's first scans cost until its own database is compiled in the background (Options::tenant_databases = 0).
void BM_Dlp_ScanShared(benchmark::State& state) { run_scan(state, 1000, "acme-", false); }
BENCHMARK(BM_Dlp_ScanShared)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);

// The same without tenants' markers (credential + custom rules only): what the 1,000 markers add.
void BM_Dlp_ScanNoMarkers(benchmark::State& state) { run_scan(state, 1); }
BENCHMARK(BM_Dlp_ScanNoMarkers)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);

// Baseline: validating the same JSON with simdjson (json::validate).
void BM_Dlp_BaselineJsonValidate(benchmark::State& state) {
  const std::string text = response(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto ok = json::validate(text);
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_Dlp_BaselineJsonValidate)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);

// Baseline: the shared credential rules' Hyperscan pass alone (rules::CredentialMatcher::candidate_ends) over the
// already-decoded text of the same response — the floor the DLP's credential part cannot go below.
void BM_Dlp_BaselineCredentialPass(benchmark::State& state) {
  const std::string text = response(static_cast<std::size_t>(state.range(0)));
  auto decoded = json::parse(text);
  const std::string inner = decoded ? decoded->find("content")->as_array()[0].find_string("text")->c_str() : "";
  auto matcher = rules::CredentialMatcher::create();
  if (!matcher) throw std::runtime_error(matcher.error().message);
  std::vector<std::size_t> ends;
  for (auto _ : state) {
    const bool ok = matcher->candidate_ends(inner, ends);
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_Dlp_BaselineCredentialPass)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);

}  // namespace
}  // namespace bulkhead::bench
