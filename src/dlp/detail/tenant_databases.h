// Per calling tenant, the tenants'/custom database without that tenant's own canaries and markers, and a small
// database of just those. The caller's own marker is in nearly every record it reads and only labels the task, yet
// its literal hits halve the speed of the shared database; scanning with the caller's patterns left out, and
// labelling own data from a pass that stops at the first match, avoids paying for them.
//
// Compiled lazily on a worker thread (1,000 tenants' markers take about half a second), kept in a bounded LRU
// cache shared by every Scanner of the Engine. Until a tenant's pair is ready (or if it cannot be compiled) the
// Scanner uses the shared database with every pattern: the same verdicts, only slower — nothing is scanned less.
// More active calling tenants than the cache holds would recompile without end; the worker therefore spends at
// most `compile_share` of one core on compiles once the cache is full (after a compile that evicted a tenant it rests
// in proportion to the compile's length), so churn costs a bounded share of a core and the tenants the cache cannot
// keep are served by the shared database.
// Thread-safe.
#pragma once

#include <hs/hs.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/core.h"

namespace bulkhead::dlp::detail {

// Hyperscan ids are the Engine's pattern ids, so matches are judged exactly as from the shared database.
struct TenantDatabase {
  hs_database_t* others = nullptr;  // every pattern but the tenant's own (null when there is none)
  hs_database_t* own = nullptr;     // the tenant's own canaries and markers
  std::uint64_t serial = 0;         // unique per compiled pair: Scanners grow their scratch once per pair
  TenantDatabase() = default;
  TenantDatabase(const TenantDatabase&) = delete;
  TenantDatabase& operator=(const TenantDatabase&) = delete;
  ~TenantDatabase();
};
using TenantDatabasePtr = std::shared_ptr<const TenantDatabase>;

struct CompileStats {
  std::uint64_t compiles = 0;  // pairs compiled by the worker (prepare() not counted)
  double seconds = 0;          // wall time the worker spent compiling them
  double longest = 0;          // the longest of them, in seconds
};

class TenantDatabases {
 public:
  // expressions[i] and owners[i] (empty for custom patterns) describe the Engine's pattern i; `flags` the
  // Hyperscan flags of the fast (no start-of-match) pass. capacity: tenants kept (≥ 1). compile_share: the share
  // of one core the worker may spend compiling, in (0, 1] (out of range: 1, never resting).
  TenantDatabases(std::vector<std::string> expressions, std::vector<std::string> owners, unsigned flags,
                  std::size_t capacity, double compile_share);
  ~TenantDatabases();  // stops and joins the worker
  TenantDatabases(const TenantDatabases&) = delete;
  TenantDatabases& operator=(const TenantDatabases&) = delete;

  // True when `tenant` owns patterns (only then is there a database of its own to use).
  [[nodiscard]] bool owns_patterns(std::string_view tenant) const;
  // The tenant's pair when ready; otherwise null, and a compile is queued (unless one failed before).
  [[nodiscard]] TenantDatabasePtr find(std::string_view tenant);
  // Compiles the tenant's pair now if it is not cached (warm-up, tests, benchmarks).
  [[nodiscard]] core::Result<TenantDatabasePtr> prepare(std::string_view tenant);
  [[nodiscard]] CompileStats stats() const;

 private:
  core::Result<std::shared_ptr<TenantDatabase>> compile(const std::string& tenant);
  // Mutex held; true when another tenant was evicted to make room.
  bool insert(const std::string& tenant, std::shared_ptr<TenantDatabase> database);
  void work();

  const std::vector<std::string> expressions_;
  const std::vector<std::string> owners_;
  const std::set<std::string, std::less<>> tenants_;
  const unsigned flags_;
  const std::size_t capacity_;
  const double compile_share_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::list<std::string> lru_;  // most recently used first
  struct Entry {
    TenantDatabasePtr database;
    std::list<std::string>::iterator position;
  };
  std::unordered_map<std::string, Entry> cache_;
  std::deque<std::string> queue_;
  std::set<std::string, std::less<>> queued_;
  std::set<std::string, std::less<>> failed_;
  std::uint64_t next_serial_ = 1;
  CompileStats stats_;
  bool stop_ = false;
  std::thread worker_;  // started on the first queued compile
};

}  // namespace bulkhead::dlp::detail
