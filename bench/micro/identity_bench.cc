// bulkhead::identity: JWT-SVID verification per algorithm, cold (full signature and claim checks, cache off) and
// cached (a repeat of a verified token: SHA-256 of the token + one hash lookup). Tokens and keys come from
// $BULKHEAD_BENCH_JWT_DIR (tokens.json, jwks.json written by bench/identity/jose_bench.mjs, which times `jose` on
// the same tokens in the same run); without it the benchmark mints its own. Counters p50_ns/p99_ns are per call.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "identity/identity.h"
#include "json/json.h"

namespace bulkhead::bench {
namespace {

constexpr const char* kAlgs[] = {"ES256", "ES384", "RS256", "PS256", "EdDSA"};

struct Fixture {
  std::filesystem::path jwks_file;
  std::map<std::string, std::string> tokens;  // by alg
};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const Fixture& fixture() {
  static const Fixture instance = [] {
    Fixture f;
    if (const char* dir = std::getenv("BULKHEAD_BENCH_JWT_DIR"); dir != nullptr && *dir != '\0') {
      f.jwks_file = std::filesystem::path(dir) / "jwks.json";
      auto tokens = json::parse(read_all(std::filesystem::path(dir) / "tokens.json"));
      for (const auto& [alg, token] : tokens->as_object()) f.tokens[alg] = token.as_string();
      return f;
    }
    json::Value keys = json::Value::array();
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count() + 3600;
    for (const char* name : kAlgs) {
      const auto alg = *identity::algorithm_from_name(name);
      const auto pem = identity::generate_private_key(alg);
      keys.push_back(*identity::public_jwk(alg, *pem, name));
      json::Value claims = json::Value::object();
      claims.set("sub", "spiffe://bench.test/agent/support");
      claims.set("aud", json::Value(json::Array{json::Value("bulkhead")}));
      claims.set("exp", static_cast<std::int64_t>(exp));
      f.tokens[name] = *identity::sign_jwt(alg, *pem, name, claims);
    }
    json::Value doc = json::Value::object();
    doc.set("keys", keys);
    f.jwks_file = std::filesystem::temp_directory_path() / "bulkhead-bench-jwks.json";
    std::ofstream(f.jwks_file) << json::serialize(doc);
    return f;
  }();
  return instance;
}

void run(benchmark::State& state, const char* alg, std::size_t cache_entries) {
  static core::SystemClock clock;
  identity::VerifierOptions options;
  options.cache_entries = cache_entries;
  auto verifier = identity::Verifier::create({identity::TrustDomainConfig{"bench.test", fixture().jwks_file}}, options, clock);
  if (!verifier) {
    state.SkipWithError(verifier.error().message.c_str());
    return;
  }
  const std::string& token = fixture().tokens.at(alg);
  if (auto first = (*verifier)->verify_jwt(token); !first) {
    state.SkipWithError(first.error().message.c_str());
    return;
  }
  std::vector<double> samples;
  samples.reserve(1 << 16);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto principal = (*verifier)->verify_jwt(token);
    const auto end = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(principal);
    if (samples.size() < samples.capacity()) samples.push_back(std::chrono::duration<double, std::nano>(end - start).count());
  }
  std::sort(samples.begin(), samples.end());
  if (!samples.empty()) {
    state.counters["p50_ns"] = samples[samples.size() / 2];
    state.counters["p99_ns"] = samples[samples.size() * 99 / 100];
  }
}

void BM_Jwt_VerifyCold(benchmark::State& state, const char* alg) { run(state, alg, 0); }
void BM_Jwt_VerifyCached(benchmark::State& state, const char* alg) { run(state, alg, 10'000); }

BENCHMARK_CAPTURE(BM_Jwt_VerifyCold, ES256, "ES256");
BENCHMARK_CAPTURE(BM_Jwt_VerifyCold, ES384, "ES384");
BENCHMARK_CAPTURE(BM_Jwt_VerifyCold, RS256, "RS256");
BENCHMARK_CAPTURE(BM_Jwt_VerifyCold, PS256, "PS256");
BENCHMARK_CAPTURE(BM_Jwt_VerifyCold, EdDSA, "EdDSA");
BENCHMARK_CAPTURE(BM_Jwt_VerifyCached, ES256, "ES256");
BENCHMARK_CAPTURE(BM_Jwt_VerifyCached, ES384, "ES384");
BENCHMARK_CAPTURE(BM_Jwt_VerifyCached, RS256, "RS256");
BENCHMARK_CAPTURE(BM_Jwt_VerifyCached, PS256, "PS256");
BENCHMARK_CAPTURE(BM_Jwt_VerifyCached, EdDSA, "EdDSA");

}  // namespace
}  // namespace bulkhead::bench
