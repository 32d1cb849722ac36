// TenantDatabases: per calling tenant, the tenants'/custom database without its own patterns plus one of just its
// own, compiled on a worker thread and kept in a bounded LRU cache (detail/tenant_databases.h).
#include "dlp/detail/tenant_databases.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace bulkhead::dlp::detail {
namespace {

std::set<std::string, std::less<>> owners_of(const std::vector<std::string>& owners) {
  std::set<std::string, std::less<>> out;
  for (const std::string& owner : owners) {
    if (!owner.empty()) out.insert(owner);
  }
  return out;
}

// Compiles the patterns `ids` (Hyperscan ids = the Engine's ids); null when there are none.
core::Result<hs_database_t*> compile_ids(const std::vector<std::string>& expressions, const std::vector<unsigned>& ids,
                                         unsigned flag) {
  if (ids.empty()) return static_cast<hs_database_t*>(nullptr);
  std::vector<const char*> pointers;
  pointers.reserve(ids.size());
  for (unsigned id : ids) pointers.push_back(expressions[id].c_str());
  const std::vector<unsigned> flags(ids.size(), flag);
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(pointers.data(), flags.data(), ids.data(), static_cast<unsigned>(ids.size()), HS_MODE_BLOCK,
                       nullptr, &database, &error) != HS_SUCCESS) {
    std::string message = "DLP: tenant database compile failed";
    if (error != nullptr) {
      message += fmt::format(": {}", error->message);
      hs_free_compile_error(error);
    }
    return core::fail(core::Reason::internal_error, message);
  }
  return database;
}

}  // namespace

TenantDatabase::~TenantDatabase() {
  hs_free_database(others);
  hs_free_database(own);
}

TenantDatabases::TenantDatabases(std::vector<std::string> expressions, std::vector<std::string> owners,
                                 unsigned flags, std::size_t capacity, double compile_share)
    : expressions_(std::move(expressions)),
      owners_(std::move(owners)),
      tenants_(owners_of(owners_)),
      flags_(flags),
      capacity_(capacity == 0 ? 1 : capacity),
      compile_share_(compile_share > 0 && compile_share <= 1 ? compile_share : 1) {}

TenantDatabases::~TenantDatabases() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

bool TenantDatabases::owns_patterns(std::string_view tenant) const { return tenants_.find(tenant) != tenants_.end(); }

TenantDatabasePtr TenantDatabases::find(std::string_view tenant) {
  std::lock_guard lock(mutex_);
  const std::string key(tenant);
  if (auto it = cache_.find(key); it != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.position);
    return it->second.database;
  }
  if (stop_ || queued_.contains(tenant) || failed_.contains(tenant) || !tenants_.contains(tenant)) return nullptr;
  queue_.push_back(key);
  queued_.insert(key);
  if (!worker_.joinable()) worker_ = std::thread([this] { work(); });
  wake_.notify_one();
  return nullptr;
}

core::Result<TenantDatabasePtr> TenantDatabases::prepare(std::string_view tenant) {
  const std::string key(tenant);
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second.database;
  }
  auto database = compile(key);
  std::lock_guard lock(mutex_);
  if (!database) {
    failed_.insert(key);
    return std::unexpected(database.error());
  }
  insert(key, *database);
  return TenantDatabasePtr(*database);
}

core::Result<std::shared_ptr<TenantDatabase>> TenantDatabases::compile(const std::string& tenant) {
  std::vector<unsigned> others;
  std::vector<unsigned> own;
  for (unsigned id = 0; id < owners_.size(); ++id) (owners_[id] == tenant ? own : others).push_back(id);
  auto database = std::make_shared<TenantDatabase>();
  auto compiled_others = compile_ids(expressions_, others, flags_);
  if (!compiled_others) return std::unexpected(compiled_others.error());
  database->others = *compiled_others;
  auto compiled_own = compile_ids(expressions_, own, flags_);
  if (!compiled_own) return std::unexpected(compiled_own.error());
  database->own = *compiled_own;
  return database;
}

bool TenantDatabases::insert(const std::string& tenant, std::shared_ptr<TenantDatabase> database) {
  database->serial = next_serial_++;  // before anyone else sees the pair
  if (auto it = cache_.find(tenant); it != cache_.end()) {
    it->second.database = std::move(database);
    lru_.splice(lru_.begin(), lru_, it->second.position);
    return false;
  }
  lru_.push_front(tenant);
  cache_.emplace(tenant, Entry{std::move(database), lru_.begin()});
  bool evicted = false;
  while (cache_.size() > capacity_) {
    cache_.erase(lru_.back());  // a Scanner still using it holds its own reference
    lru_.pop_back();
    evicted = true;
  }
  return evicted;
}

CompileStats TenantDatabases::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void TenantDatabases::work() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    const std::string tenant = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    const Clock::time_point start = Clock::now();
    auto database = compile(tenant);
    const Clock::duration took = Clock::now() - start;
    lock.lock();
    queued_.erase(tenant);
    ++stats_.compiles;
    stats_.seconds += std::chrono::duration<double>(took).count();
    stats_.longest = std::max(stats_.longest, std::chrono::duration<double>(took).count());
    bool evicted = false;
    if (database) {
      evicted = insert(tenant, std::move(*database));
    } else {
      failed_.insert(tenant);  // the shared database keeps serving this tenant
    }
    if (!evicted) continue;  // filling the cache goes at full speed
    // Churn: rest so that compiling takes at most compile_share_ of the time (queued tenants wait; stop does not).
    const auto rest = std::chrono::duration_cast<Clock::duration>(took * (1.0 / compile_share_ - 1.0));
    if (rest > Clock::duration::zero()) wake_.wait_for(lock, rest, [this] { return stop_; });
  }
}

}  // namespace bulkhead::dlp::detail
