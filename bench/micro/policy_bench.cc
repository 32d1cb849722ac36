// bulkhead::policy: decide() with 10, 100 and 1,000 tenant-pinned policies over 10,000 tenants, timed per decision
// (p50/p99 counters, nanoseconds). Baseline in the same run: the same decisions evaluating every policy (no
// index). bench/policy/cedar_bench.mjs times cedar-wasm on the same policies and requests (bench/policy/run.sh).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "policy/detail/evaluator.h"
#include "policy/detail/policy_set_impl.h"
#include "policy/policy.h"

namespace bulkhead::bench {
namespace {

constexpr int kTenants = 10000;
constexpr int kRequests = 10000;

// Keep in sync with bench/policy/workload.mjs (the cedar-wasm side generates the same text and requests).
// Appends pieces (avoids g++ 12's false -Wrestrict on `"literal" + std::string`).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(parts), ...);
  return out;
}

int tenant_of_policy(int i) { return static_cast<int>((static_cast<std::int64_t>(i) * 7919) % kTenants); }

std::string policy_text(int count) {
  std::string text =
      "@id(\"restricted-needs-scope\") forbid(principal, action, resource) when { resource.classification == "
      "\"restricted\" } unless { context.scopes.contains(\"restricted\") };\n"
      "@id(\"echo-for-all\") permit(principal, action == Action::\"tools/call\", resource == "
      "Tool::\"everything__echo\");\n";
  for (int i = 0; i < count; ++i) {
    const std::string t = cat(std::string("t"), std::to_string(tenant_of_policy(i)));
    text += cat(std::string("@id(\"p"), std::to_string(i), std::string("\") permit(principal in Tenant::\""), t,
                std::string("\", action == Action::\"tools/call\", resource in Upstream::\"crm\") when { "
                            "context.arguments.account_id like \""),
                t, std::string("-*\" && resource.classification != \"restricted\" };\n"));
  }
  return text;
}

// One request as the gateway knows it; build() maps it like the gateway does right before deciding.
struct RequestSpec {
  std::string agent;
  std::string tenant;
  std::string tool;
  std::string upstream;
  std::string classification;
  std::vector<std::string> scopes;
  json::Value arguments;

  policy::Call build() const {
    policy::CallFacts facts;
    facts.agent = agent;
    facts.tenant = tenant;
    facts.resource_name = tool;
    facts.upstream = upstream;
    facts.classification = classification;
    facts.scopes = scopes;
    facts.task = "task-1";
    facts.arguments = &arguments;
    return policy::build_call(facts);
  }
};

struct Workload {
  policy::PolicySetPtr set;
  std::vector<RequestSpec> requests;
};

Workload make_workload(int policies) {
  Workload w;
  auto set = policy::PolicySet::parse_text(policy_text(policies));
  if (!set) return w;
  w.set = *set;
  static const char* tools[] = {"crm__lookup", "everything__echo", "crm__export"};
  w.requests.reserve(kRequests);
  for (int j = 0; j < kRequests; ++j) {
    const int tenant = j % 2 == 0 ? tenant_of_policy((j / 2) % policies) : (j * 31) % kTenants;
    RequestSpec r;
    r.tenant = cat(std::string("t"), std::to_string(tenant));
    r.tool = tools[j % 3];
    r.upstream = r.tool.substr(0, r.tool.find("__"));
    r.classification = r.tool == "crm__export" ? "restricted" : "internal";
    r.arguments = json::Value::object();
    r.arguments.set("account_id", j % 4 == 0 ? cat(r.tenant, std::string("-"), std::to_string(j))
                                             : cat(std::string("other-"), std::to_string(j)));
    r.arguments.set("limit", 10);
    if (j % 5 == 0) r.scopes.push_back("restricted");
    r.agent = cat(std::string("spiffe://"), r.tenant, std::string(".test/agent/"), std::to_string(j % 7));
    w.requests.push_back(std::move(r));
  }
  return w;
}

void report_percentiles(benchmark::State& state, std::vector<std::int64_t>& ns, std::int64_t allowed,
                        std::int64_t decisions) {
  if (ns.empty()) return;
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = static_cast<double>(ns[ns.size() / 2]);
  state.counters["p99_ns"] = static_cast<double>(ns[ns.size() * 99 / 100]);
  state.counters["allow_pct"] = 100.0 * static_cast<double>(allowed) / static_cast<double>(decisions);
}

// Each iteration builds the request (untimed, as the gateway does just before deciding) and times decide().
template <class DecideFn>
void run_decisions(benchmark::State& state, const Workload& w, DecideFn decide_fn) {
  std::vector<std::int64_t> ns;
  ns.reserve(1 << 20);
  std::int64_t allowed = 0;
  std::int64_t decisions = 0;
  std::size_t j = 0;
  for (auto _ : state) {
    const policy::Call call = w.requests[j].build();
    j = j + 1 == w.requests.size() ? 0 : j + 1;
    const auto start = std::chrono::steady_clock::now();
    const bool allow = decide_fn(call);
    const auto end = std::chrono::steady_clock::now();
    const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start);
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
    allowed += allow ? 1 : 0;
    ++decisions;
    if (ns.size() < (1u << 20)) ns.push_back(elapsed.count());
  }
  report_percentiles(state, ns, allowed, decisions);
}

void BM_Policy_Decide(benchmark::State& state) {
  const Workload w = make_workload(static_cast<int>(state.range(0)));
  if (!w.set) {
    state.SkipWithError("policies failed to parse");
    return;
  }
  run_decisions(state, w, [&](const policy::Call& call) {
    auto decision = policy::decide(*w.set, call.request, call.entities);
    benchmark::DoNotOptimize(decision);
    return decision.allowed;
  });
}
BENCHMARK(BM_Policy_Decide)->Arg(10)->Arg(100)->Arg(1000)->UseManualTime();

// Baseline: the same decisions without the index (every policy's scope and conditions evaluated).
void BM_Policy_DecideWithoutIndex(benchmark::State& state) {
  const Workload w = make_workload(static_cast<int>(state.range(0)));
  if (!w.set) {
    state.SkipWithError("policies failed to parse");
    return;
  }
  const auto& policies = w.set->impl().policies;
  run_decisions(state, w, [&](const policy::Call& call) {
    policy::detail::Evaluator evaluator(call.request, call.entities, false);
    bool forbid = false;
    bool permit = false;
    for (const auto& p : policies) {
      const auto outcome = evaluator.evaluate(p);
      const bool applies = outcome.satisfied == policy::detail::Satisfied::yes;
      forbid = forbid || (p.info.forbid && (applies || outcome.satisfied == policy::detail::Satisfied::error));
      permit = permit || (!p.info.forbid && applies);
    }
    return permit && !forbid;
  });
}
BENCHMARK(BM_Policy_DecideWithoutIndex)->Arg(10)->Arg(100)->Arg(1000)->UseManualTime();

// What the gateway pays per request: mapping its facts to a request (arguments JSON included) plus decide().
void BM_Policy_BuildCallAndDecide(benchmark::State& state) {
  const Workload w = make_workload(1000);
  if (!w.set) {
    state.SkipWithError("policies failed to parse");
    return;
  }
  std::size_t j = 0;
  for (auto _ : state) {
    const policy::Call call = w.requests[j].build();
    j = j + 1 == w.requests.size() ? 0 : j + 1;
    auto decision = policy::decide(*w.set, call.request, call.entities);
    benchmark::DoNotOptimize(decision);
  }
}
BENCHMARK(BM_Policy_BuildCallAndDecide)->Arg(1000);

}  // namespace
}  // namespace bulkhead::bench
