// bulkhead::token: the RFC 8693 exchange (a cached JWT-SVID → a signed task token recorded in a real SQLite
// store), verification of task tokens (cached, and cold = signature + claims every time) and the revocation check
// with 0 and 100,000 revoked jtis. Baselines in the same run: BM_Token_SignOnly (just the Ed25519 JWS an exchange
// produces) and BM_Token_RevocationCheck/0. Counters p50_ns / p99_ns are per call over every iteration.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include <benchmark/benchmark.h>

#include "token/token.h"

namespace bulkhead::bench {
namespace {

constexpr std::string_view kAgent = "spiffe://bench.test/agent/a";

struct TokenFixture {
  core::SystemClock clock;
  core::SystemRng rng;
  std::filesystem::path dir;
  std::unique_ptr<identity::Verifier> verifier;
  identity::TenantMap tenants;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<token::TokenService> service;
  std::string svid;

  explicit TokenFixture(std::size_t cache_entries) {
    dir = std::filesystem::temp_directory_path() /
          ("bulkhead-bench-token-" + std::to_string(::getpid()) + "-" + std::to_string(cache_entries));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto pem = identity::generate_private_key(identity::Algorithm::eddsa);
    json::Value doc = json::Value::object();
    doc.set("keys", json::Value::array()).push_back(*identity::public_jwk(identity::Algorithm::eddsa, *pem, "k"));
    std::ofstream(dir / "jwks.json") << json::serialize(doc);
    verifier = std::move(*identity::Verifier::create({identity::TrustDomainConfig{"bench.test", dir / "jwks.json"}}, {},
                                                     clock));
    tenants = *identity::TenantMap::create({{"acme", {"spiffe://bench.test/agent/*"}}});
    store = std::move(*store::Store::open("sqlite://bench.db", dir, clock));
    token::TokenOptions options;
    options.issuer = "https://gw.bench";
    options.audience = "https://gw.bench";
    options.signing_key_file = dir / "tokens.pem";
    options.cache_entries = cache_entries;
    service = std::move(*token::TokenService::create(options, *store, verifier.get(), tenants, clock, rng));
    json::Value claims = json::Value::object();
    claims.set("sub", kAgent);
    claims.set("aud", "bulkhead");
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    claims.set("iat", static_cast<std::int64_t>(now));
    claims.set("exp", static_cast<std::int64_t>(now + 3600));
    svid = *identity::sign_jwt(identity::Algorithm::eddsa, *pem, "k", claims);
  }
  ~TokenFixture() { std::filesystem::remove_all(dir); }

  token::ExchangeRequest request() const {
    token::ExchangeRequest r;
    r.grant_type = "urn:ietf:params:oauth:grant-type:token-exchange";
    r.subject_token = svid;
    r.subject_token_type = "urn:ietf:params:oauth:token-type:jwt";
    r.tenant = "acme";
    r.task = "bench-task";
    r.scope = "notes__* everything__echo";
    return r;
  }
  identity::Principal caller() const {
    identity::Principal p;
    p.spiffe_id = kAgent;
    p.trust_domain = "bench.test";
    return p;
  }
};

// Times `op` per call; p50/p99 over all iterations.
template <class Op>
void timed(benchmark::State& state, Op&& op) {
  std::vector<double> samples;
  samples.reserve(1 << 18);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    op();
    const auto end = std::chrono::steady_clock::now();
    if (samples.size() < samples.capacity()) samples.push_back(std::chrono::duration<double, std::nano>(end - start).count());
  }
  std::sort(samples.begin(), samples.end());
  if (!samples.empty()) {
    state.counters["p50_ns"] = samples[samples.size() / 2];
    state.counters["p99_ns"] = samples[samples.size() * 99 / 100];
  }
}

void BM_Token_Exchange(benchmark::State& state) {
  TokenFixture f(10'000);
  const auto request = f.request();
  const auto caller = f.caller();
  if (auto first = f.service->exchange(caller, request); !first) {
    state.SkipWithError(first.error().description.c_str());
    return;
  }
  timed(state, [&] {
    auto issued = f.service->exchange(caller, request);
    benchmark::DoNotOptimize(issued);
  });
}

void BM_Token_SignOnly(benchmark::State& state) {
  TokenFixture f(10'000);
  auto issued = f.service->exchange(f.caller(), f.request());
  const auto pem = identity::generate_private_key(identity::Algorithm::eddsa);
  auto signer = identity::JwtSigner::create(identity::Algorithm::eddsa, *pem, "kid");
  // The same claims an exchange signs (decoded from a real task token).
  const std::string& jwt = issued->access_token;
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  auto payload = core::base64url_decode(std::string_view(jwt).substr(first + 1, second - first - 1));
  auto claims = json::parse(std::string_view(reinterpret_cast<const char*>(payload->data()), payload->size()));
  timed(state, [&] {
    auto signed_token = (*signer)->sign(*claims);
    benchmark::DoNotOptimize(signed_token);
  });
}

void verify_bench(benchmark::State& state, std::size_t cache_entries) {
  TokenFixture f(cache_entries);
  auto issued = f.service->exchange(f.caller(), f.request());
  if (!issued) {
    state.SkipWithError(issued.error().description.c_str());
    return;
  }
  const std::string token = issued->access_token;
  timed(state, [&] {
    auto verified = f.service->verify(token);
    benchmark::DoNotOptimize(verified);
  });
}

void BM_Token_VerifyCached(benchmark::State& state) { verify_bench(state, 10'000); }
void BM_Token_VerifyCold(benchmark::State& state) { verify_bench(state, 0); }

// RevocationSet::check of a depth-3 delegated token (three ancestor jtis, three workloads) with N revoked jtis.
void BM_Token_RevocationCheck(benchmark::State& state) {
  token::RevocationSet set;
  const auto revoked = static_cast<std::int64_t>(state.range(0));
  for (std::int64_t i = 0; i < revoked; ++i) {
    store::Revocation r;
    r.id = i + 1;
    r.kind = store::RevocationKind::jti;
    r.value = "revoked-jti-" + std::to_string(i);
    set.apply(r);
  }
  token::TaskToken t;
  t.jti = "live-jti-3";
  t.parents = {"live-jti-0", "live-jti-1", "live-jti-2"};
  t.tenant = "acme";
  t.task = "bench-task";
  t.subject = std::string(kAgent);
  t.actors = {"spiffe://bench.test/agent/c", "spiffe://bench.test/agent/b"};
  t.issued_at_s = 1'795'000'000;
  timed(state, [&] {
    auto why = set.check(t);
    benchmark::DoNotOptimize(why);
  });
  state.counters["revoked"] = static_cast<double>(set.size());
}

// The full cached verification with 100,000 revoked jtis loaded from the store.
void BM_Token_VerifyCachedRevoked100k(benchmark::State& state) {
  TokenFixture f(10'000);
  std::vector<store::Revocation> rows(100'000);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].kind = store::RevocationKind::jti;
    rows[i].value = "revoked-jti-" + std::to_string(i);
    rows[i].expires_at_s = 4'000'000'000;
  }
  // Written by another connection (as `bulkhead token revoke` would), then read by the service's first verify.
  auto cli = store::Store::open("sqlite://bench.db", f.dir, f.clock);
  if (auto added = (*cli)->add_revocations(rows); !added) {
    state.SkipWithError(added.error().message.c_str());
    return;
  }
  auto issued = f.service->exchange(f.caller(), f.request());
  if (!issued) {
    state.SkipWithError(issued.error().description.c_str());
    return;
  }
  const std::string token = issued->access_token;
  if (auto warm = f.service->verify(token); !warm) {
    state.SkipWithError(warm.error().message.c_str());
    return;
  }
  timed(state, [&] {
    auto verified = f.service->verify(token);
    benchmark::DoNotOptimize(verified);
  });
}

BENCHMARK(BM_Token_Exchange);
BENCHMARK(BM_Token_SignOnly);
BENCHMARK(BM_Token_VerifyCached);
BENCHMARK(BM_Token_VerifyCold);
BENCHMARK(BM_Token_RevocationCheck)->Arg(0)->Arg(100'000);
BENCHMARK(BM_Token_VerifyCachedRevoked100k);

}  // namespace
}  // namespace bulkhead::bench
