// TenantDatabases under churn: more active calling tenants than the cache holds must not keep the worker compiling
// all the time (its compile time stays within the configured share once the cache is full).
#include <gtest/gtest.h>
#include <hs/hs.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "dlp/detail/tenant_databases.h"

namespace bulkhead::dlp::detail {
namespace {

// `tenants` owners with `per_tenant` markers each: big enough that one compile takes milliseconds.
struct PatternSet {
  std::vector<std::string> expressions;
  std::vector<std::string> owners;
};
PatternSet patterns(int tenants, int per_tenant) {
  PatternSet set;
  for (int t = 0; t < tenants; ++t) {
    for (int i = 0; i < per_tenant; ++i) {
      set.expressions.push_back(fmt::format(R"(tenant{}x{}-\d{{3}})", t, i));
      set.owners.push_back(fmt::format("t{}", t));
    }
  }
  return set;
}

// Asks for `names` round robin for `window`; returns the time it took.
double churn(TenantDatabases& databases, const std::vector<std::string>& names, std::chrono::milliseconds window) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < window) {
    for (const std::string& name : names) (void)databases.find(name);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(TenantDatabases, ChurnStaysWithinTheCompileShare) {
  PatternSet set = patterns(40, 10);
  TenantDatabases databases(set.expressions, set.owners, HS_FLAG_SINGLEMATCH, 1, 0.2);
  // The first compile fills the cache and is not throttled; measure one to know the scale.
  ASSERT_TRUE(databases.find("t0") == nullptr);
  for (int i = 0; i < 5000 && databases.stats().compiles == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const CompileStats first = databases.stats();
  ASSERT_EQ(first.compiles, 1u);
  const double elapsed = churn(databases, {"t1", "t2", "t3"}, std::chrono::milliseconds(1500));
  const CompileStats after = databases.stats();
  ASSERT_GT(after.compiles, first.compiles) << "the churn must compile at all";
  const double churn_seconds = after.seconds - first.seconds;
  const double one = churn_seconds / static_cast<double>(after.compiles - first.compiles);
  // Share 0.2 of the window, plus the compile that was running when it ended (at most the longest).
  EXPECT_LE(churn_seconds, 0.2 * elapsed + after.longest + one)
      << after.compiles - first.compiles << " compiles of " << one * 1e3 << " ms in " << elapsed << " s";
}

TEST(TenantDatabases, FillingTheCacheIsNotThrottled) {
  PatternSet set = patterns(40, 10);
  TenantDatabases databases(set.expressions, set.owners, HS_FLAG_SINGLEMATCH, 8, 0.01);
  for (int t = 0; t < 4; ++t) (void)databases.find(fmt::format("t{}", t));
  // At share 0.01 a throttled worker would rest ~100 compile times between these; unthrottled they all finish.
  for (int i = 0; i < 5000 && databases.stats().compiles < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(databases.stats().compiles, 4u);
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(databases.find(fmt::format("t{}", t)) != nullptr) << t;
}

}  // namespace
}  // namespace bulkhead::dlp::detail
