// bulkhead::audit: durable appends with group commit (1, 8, 64 concurrent writers: as OS threads blocking in
// append_and_wait, and as requests in flight on one event-loop thread, the gateway's model) against the baseline of
// one fdatasync per record (the same frames written one at a time), and `audit verify` throughput.
// The log must live on the real disk: set BULKHEAD_AUDIT_BENCH_DIR (default: ./audit-bench in the working dir).
// Run: taskset -c 1 build/bin/bulkhead-micro --benchmark_filter=BM_Audit_  (docs/benchmarks.md "Audit")
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "audit/audit.h"
#include "audit/detail/format.h"

namespace bulkhead::bench {
namespace {

namespace fs = std::filesystem;

fs::path bench_dir(const std::string& name) {
  const char* base = std::getenv("BULKHEAD_AUDIT_BENCH_DIR");
  const fs::path dir = fs::path(base != nullptr && *base != '\0' ? base : "audit-bench") / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A typical tools/call record (~600 bytes of canonical JSON).
audit::AuditRecord typical_record(int i) {
  audit::AuditRecord r;
  r.kind = audit::RecordKind::invoke;
  r.decision = audit::Decision::allow;
  r.tenant = "tenant-acme";
  r.principal = "spiffe://example.org/ns/prod/sa/planner";
  r.delegation_chain = {"user:alice@example.org", "agent:planner"};
  r.session = "9f0c3d2a7b1e4f6a8c5d3e2f1a0b9c8d";
  r.task = "task-" + std::to_string(i);
  r.jsonrpc_id = json::Value(static_cast<std::int64_t>(i));
  r.upstream = "crm";
  r.method = "tools/call";
  r.tool = "crm__search_accounts";
  r.policy_ids = {"tenant-default", "crm-read"};
  // The caller computes these digests anyway (they are not the log's work): once, not per record.
  static const audit::Sha256Digest args_digest = audit::digest_of("{\"query\":\"acme\"}");
  static const audit::Sha256Digest result_digest = audit::digest_of("result");
  r.args_sha256 = args_digest;
  r.result = audit::ResultSummary{result_digest, 2048, false};
  r.latency = std::chrono::microseconds(850);
  return r;
}

core::SystemClock g_clock;
std::unique_ptr<audit::AuditLog> g_log;
fs::path g_dir;
std::chrono::steady_clock::time_point g_started;

audit::AuditOptions bench_options(const fs::path& dir) {
  audit::AuditOptions o;
  o.dir = dir / "log";
  o.signing_key_file = dir / "key.pem";
  o.durability = audit::Durability::sync;
  o.checkpoint_every_records = 1000;
  o.checkpoint_every_ms = std::chrono::milliseconds(1000);
  return o;
}

// records_per_fsync = group-commit size; fsync_us = mean fdatasync latency in the same run (the disk's floor);
// batch_us = mean time per batch (wall time / batches), of which batch_us - fsync_us is CPU and wake-ups.
void report_writer_stats(const audit::WriterStats& stats, std::chrono::steady_clock::time_point since,
                         benchmark::State& state) {
  if (stats.batches == 0) return;
  const auto batches = static_cast<double>(stats.batches);
  const double wall_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - since).count();
  state.counters["records_per_fsync"] = static_cast<double>(stats.records) / batches;
  state.counters["fsync_us"] = static_cast<double>(stats.sync_ns) / 1e3 / batches;
  state.counters["batch_us"] = wall_us / batches;
  state.counters["segments"] = static_cast<double>(stats.segments_created);
}

// Group commit: every thread appends and waits until its record is durable (sync mode), like a gateway request.
void BM_Audit_Append(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_dir = bench_dir("append-" + std::to_string(state.threads()));
    auto log = audit::AuditLog::open(bench_options(g_dir), g_clock);
    if (!log) {
      state.SkipWithError(log.error().message.c_str());
      return;
    }
    g_log = std::move(*log);
    g_started = std::chrono::steady_clock::now();
  }
  int i = 0;
  for (auto _ : state) {
    auto seq = g_log->append_and_wait(typical_record(i++));
    if (!seq) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    report_writer_stats(g_log->stats(), g_started, state);
    g_log.reset();
    fs::remove_all(g_dir);
  }
}
BENCHMARK(BM_Audit_Append)->Threads(1)->Threads(8)->Threads(64)->UseRealTime()->MinTime(2.0);

// The gateway's model: one event-loop thread keeps N requests in flight with append(record, callback); callbacks
// (writer thread) hand completions back with one wake-up per batch, like a post() to the io_context. One iteration
// = one durable record and a new append in its place (closed loop, N outstanding).
void BM_Audit_AppendEventLoop(benchmark::State& state) {
  const auto in_flight = static_cast<int>(state.range(0));
  const fs::path dir = bench_dir("event-loop-" + std::to_string(in_flight));
  auto log = audit::AuditLog::open(bench_options(dir), g_clock);
  if (!log) {
    state.SkipWithError(log.error().message.c_str());
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  std::mutex mutex;
  std::condition_variable ready;
  std::size_t completed = 0;  // guarded by mutex
  bool failed = false;
  auto on_durable = [&](core::Result<std::uint64_t> seq) {
    std::lock_guard lock(mutex);
    if (!seq) failed = true;
    if (completed++ == 0) ready.notify_one();  // the loop is woken once per batch, not per record
  };
  int next = 0;
  for (int i = 0; i < in_flight; ++i) (*log)->append(typical_record(next++), on_durable);
  std::size_t local = 0;
  for (auto _ : state) {
    if (local == 0) {
      std::unique_lock lock(mutex);
      ready.wait(lock, [&] { return completed > 0; });
      local = std::exchange(completed, 0);
      if (failed) {
        state.SkipWithError("append failed");
        break;
      }
    }
    --local;
    (*log)->append(typical_record(next++), on_durable);
  }
  state.SetItemsProcessed(state.iterations());
  report_writer_stats((*log)->stats(), started, state);
  log->reset();  // drains the outstanding appends (callbacks still see live state) before the locals go
  fs::remove_all(dir);
}
BENCHMARK(BM_Audit_AppendEventLoop)->Arg(1)->Arg(8)->Arg(64)->UseRealTime()->MinTime(2.0);

// Baseline: no group commit — each record is framed, written and fdatasync'ed on its own (what the log would cost
// if every request forced its own flush; more writers would only queue behind the same single flush). Into the
// same kind of file the log writes: a preallocated segment (zero-filled and flushed up front, like the log's
// SegmentPreparer does off the commit path), overwritten in place.
void BM_Audit_AppendFsyncPerRecordBaseline(benchmark::State& state) {
  const fs::path dir = bench_dir("baseline");
  const fs::path file = dir / audit::detail::segment_file_name(0);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    state.SkipWithError("cannot create baseline file");
    return;
  }
  const audit::AuditOptions defaults;
  const std::vector<std::uint8_t> zeros(1u << 20, 0);
  for (std::uint64_t at = 0; at < defaults.segment_max_bytes; at += zeros.size()) {
    if (::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(at)) != static_cast<ssize_t>(zeros.size())) {
      state.SkipWithError("cannot preallocate baseline file");
      ::close(fd);
      return;
    }
  }
  if (::fdatasync(fd) != 0) {
    state.SkipWithError("cannot flush baseline file");
    ::close(fd);
    return;
  }
  std::vector<std::uint8_t> bytes = audit::detail::encode_segment_header(0);
  off_t offset = 0;
  audit::Sha256Digest prev{};
  std::uint64_t seq = 0;
  for (auto _ : state) {
    audit::AuditRecord r = typical_record(static_cast<int>(seq));
    r.time = g_clock.now();
    prev = audit::detail::append_record_frame(seq++, prev, audit::encode_record(r), bytes);
    if (::pwrite(fd, bytes.data(), bytes.size(), offset) != static_cast<ssize_t>(bytes.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("write failed");
      break;
    }
    offset += static_cast<off_t>(bytes.size());
    bytes.clear();
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations());
  fs::remove_all(dir);
}
BENCHMARK(BM_Audit_AppendFsyncPerRecordBaseline)->UseRealTime()->MinTime(2.0);

// CPU cost of one record on the appender's thread (canonical JSON) and on the writer's (frame: CRC32C + SHA-256).
void BM_Audit_EncodeRecord(benchmark::State& state) {
  audit::AuditRecord r = typical_record(1);
  r.time = g_clock.now();
  for (auto _ : state) {
    std::string payload = audit::encode_record(r);
    benchmark::DoNotOptimize(payload.data());
  }
}
BENCHMARK(BM_Audit_EncodeRecord);

void BM_Audit_FrameRecord(benchmark::State& state) {
  audit::AuditRecord r = typical_record(1);
  r.time = g_clock.now();
  const std::string payload = audit::encode_record(r);
  std::vector<std::uint8_t> out;
  audit::Sha256Digest prev{};
  std::uint64_t seq = 0;
  for (auto _ : state) {
    out.clear();
    prev = audit::detail::append_record_frame(seq++, prev, payload, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["payload_bytes"] = static_cast<double>(payload.size());
}
BENCHMARK(BM_Audit_FrameRecord);

// `bulkhead audit verify` over a 100,000-record log: CRCs, chain, payload decoding, Merkle roots, signatures.
void BM_Audit_Verify(benchmark::State& state) {
  const fs::path dir = bench_dir("verify");
  constexpr int kRecords = 100'000;
  {
    audit::AuditOptions o = bench_options(dir);
    o.durability = audit::Durability::async;  // setup only: fill quickly
    auto log = audit::AuditLog::open(o, g_clock);
    if (!log) {
      state.SkipWithError(log.error().message.c_str());
      return;
    }
    for (int i = 0; i < kRecords; ++i) (*log)->append(typical_record(i), {});
  }
  for (auto _ : state) {
    auto report = audit::verify(dir / "log");
    if (!report || !report->ok() || report->records != static_cast<std::uint64_t>(kRecords)) {
      state.SkipWithError("verify failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  fs::remove_all(dir);
}
BENCHMARK(BM_Audit_Verify)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace bulkhead::bench
