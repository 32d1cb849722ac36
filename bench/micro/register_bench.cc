// bulkhead::registry: what the control register adds to a request — View::check (connector approval, tenant
// mapping with agent patterns, review date) plus the tool-pin lookup — with 1,000 connectors and 10,000 tenants
// (each connector maps 100 of them; 100,000 mappings). Baseline in the same run: one unordered_map lookup of a
// string key of the same length (BM_Register_BaselineMapLookup). Counters p50_ns / p99_ns per lookup.
#include <algorithm>
#include <chrono>
#include <random>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "register/register.h"

namespace bulkhead::bench {
namespace {

constexpr int kConnectors = 1000;
constexpr int kTenants = 10'000;
constexpr int kTenantsPerConnector = 100;

struct Lookup {
  std::string upstream;
  std::string tenant;
  std::string principal;
  std::string tool;
  std::string digest;
};

struct RegisterFixture {
  registry::ViewPtr view;
  std::vector<Lookup> lookups;
  registry::Date today = 0;

  RegisterFixture() {
    registry::Register reg;
    json::Value classes = json::Value::object();
    std::vector<store::ToolPin> pins;
    std::mt19937 rng(42);
    today = *registry::parse_date("2026-12-03");
    for (int c = 0; c < kConnectors; ++c) {
      registry::Connector connector;
      connector.upstream = fmt::format("connector-{:04}", c);
      connector.owner_team = "team";
      connector.policy_owner = "security";
      connector.downstream_owner = "data";
      connector.approver = "approver";
      connector.approved_on = today - 30;
      connector.purpose = "benchmark";
      connector.review_by = today + 180;
      for (int t = 0; t < kTenantsPerConnector; ++t) {
        registry::TenantMapping m;
        const int tenant = static_cast<int>(rng() % kTenants);
        m.tenant = fmt::format("tenant-{:05}", tenant);
        m.agents = {fmt::format("spiffe://t{}.test/agent/*", tenant), fmt::format("spiffe://t{}.test/ops/bot", tenant)};
        connector.tenants.push_back(std::move(m));
      }
      classes.set(connector.upstream, json::Value::object()).set("default", "internal");
      for (int tool = 0; tool < 5; ++tool) {
        pins.push_back(store::ToolPin{connector.upstream, fmt::format("tool_{}", tool),
                                      fmt::format("{:064}", c * 10 + tool), "{}", 1, "bench"});
      }
      reg.connectors.push_back(std::move(connector));
    }
    for (int i = 0; i < 10'000; ++i) {
      const auto& c = reg.connectors[rng() % kConnectors];
      const auto& m = c.tenants[rng() % c.tenants.size()];
      const std::string tenant_number = m.tenant.substr(7);
      const int tool = static_cast<int>(rng() % 5);
      const int connector_number = std::stoi(c.upstream.substr(10));
      lookups.push_back(Lookup{c.upstream, m.tenant, fmt::format("spiffe://t{}.test/agent/support", std::stoi(tenant_number)),
                               fmt::format("tool_{}", tool), fmt::format("{:064}", connector_number * 10 + tool)});
    }
    view = std::make_shared<const registry::View>(std::move(reg), 1, classes, classes, std::move(pins),
                                                  std::vector<store::Offboarding>{});
  }
};

const RegisterFixture& fixture() {
  static const RegisterFixture instance;
  return instance;
}

template <class Op>
void timed(benchmark::State& state, Op&& op) {
  std::vector<double> samples;
  samples.reserve(1 << 20);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    op(i++);
    const auto end = std::chrono::steady_clock::now();
    if (samples.size() < samples.capacity()) samples.push_back(std::chrono::duration<double, std::nano>(end - start).count());
  }
  std::sort(samples.begin(), samples.end());
  if (!samples.empty()) {
    state.counters["p50_ns"] = samples[samples.size() / 2];
    state.counters["p99_ns"] = samples[samples.size() * 99 / 100];
  }
}

void BM_Register_Lookup(benchmark::State& state) {
  const RegisterFixture& f = fixture();
  std::size_t allowed = 0;
  timed(state, [&](std::size_t i) {
    const Lookup& l = f.lookups[i % f.lookups.size()];
    const auto verdict = f.view->check(l.upstream, l.tenant, l.principal, f.today);
    const auto pin = f.view->pin_state(l.upstream, l.tool, l.digest);
    allowed += verdict == registry::Verdict::allow && pin == registry::PinState::pinned;
  });
  state.counters["allowed_share"] = static_cast<double>(allowed) / static_cast<double>(state.iterations());
}

void BM_Register_BaselineMapLookup(benchmark::State& state) {
  const RegisterFixture& f = fixture();
  std::unordered_map<std::string, int> map;
  for (const auto& l : f.lookups) map.emplace(l.upstream + l.tenant, 1);
  std::vector<std::string> keys;
  for (const auto& l : f.lookups) keys.push_back(l.upstream + l.tenant);
  int found = 0;
  timed(state, [&](std::size_t i) { found += static_cast<int>(map.count(keys[i % keys.size()])); });
  benchmark::DoNotOptimize(found);
}

BENCHMARK(BM_Register_Lookup);
BENCHMARK(BM_Register_BaselineMapLookup);

}  // namespace
}  // namespace bulkhead::bench
