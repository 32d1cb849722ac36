// AuditLog: enqueue on any thread, one writer thread group-commits batches (docs/audit.md "Durability").
#include <fmt/format.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "audit/audit.h"
#include "audit/detail/batch_signal.h"
#include "audit/detail/format.h"
#include "audit/detail/log_reader.h"
#include "audit/detail/recovery.h"
#include "audit/detail/segment_preparer.h"
#include "audit/detail/segment_writer.h"
#include "audit/detail/signing_key.h"

namespace bulkhead::audit {
namespace {
constexpr std::uint64_t kFirstPreparedBytes = 1u << 20;  // then doubling up to segment_max_bytes
}  // namespace

struct AuditLog::Impl {
  struct Pending {
    std::uint64_t seq = 0;
    std::string payload;
    DurableCallback callback;  // empty for append_and_wait and in async mode (already answered)
  };

  Impl(const AuditOptions& o, core::Clock& c, detail::SigningKey k) : options(o), clock(c), key(std::move(k)) {}

  const AuditOptions options;
  core::Clock& clock;
  const detail::SigningKey key;
  RecoveryReport recovery;

  // Owned by the writer thread (and by open() before the thread starts).
  std::optional<detail::SegmentWriter> segment;
  Sha256Digest last_hash{};
  detail::MerkleFrontier frontier;
  std::uint64_t written_checkpoint = 0;  // tree size of the last checkpoint written (flushed or being flushed)
  std::uint64_t signed_size = 0;    // tree size of the last checkpoint signed (written or still in `next_checkpoint`)
  std::vector<std::uint8_t> next_checkpoint;  // a signed checkpoint frame for the start of the next batch
  std::chrono::steady_clock::time_point last_checkpoint_at;
  std::vector<std::uint8_t> buffer;
  std::unique_ptr<detail::SegmentPreparer> preparer;  // null when preallocate_segments is off

  // A batch written to the segment (page cache) and handed to the flush thread: made durable by the next
  // fdatasync that starts after it was written, acknowledged in order.
  struct Written {
    std::vector<Pending> records;
    std::uint64_t batch_end = 0;        // batches [0, batch_end) are covered once this one is durable
    std::uint64_t records_end = 0;      // records [0, records_end) likewise
    std::uint64_t checkpoint_size = 0;  // tree size of a checkpoint in this batch (0: none)
    detail::SegmentWriter* segment = nullptr;
  };

  // Shared; guarded by mutex.
  mutable std::mutex mutex;
  std::condition_variable work_cv;     // writer waits for work (and for the flush thread to go idle)
  std::condition_variable flush_cv;    // flush thread waits for written batches
  std::condition_variable idle_cv;     // writer waits until everything written is flushed (roll-over, stop)
  std::vector<Written> written;        // written, not yet taken by the flush thread
  bool flushing = false;               // the flush thread is in fdatasync or answering a batch
  bool syncing = false;                // the flush thread is in fdatasync
  bool flush_stop = false;
  std::chrono::steady_clock::duration gather_window{};  // the last fdatasync's time, at most kGatherMaxWait
  std::condition_variable durable_cv;  // checkpoint() waits for progress
  std::vector<Pending> queue;          // the open batch
  std::uint64_t open_batch = 0;        // number of the open batch (= batches taken by the writer so far)
  std::uint64_t next_seq = 0;
  std::uint64_t durable_checkpoint = 0;   // tree size of the last durable checkpoint
  std::uint64_t checkpoint_target = 0;    // checkpoint() asks for a checkpoint of at least this size
  bool stopping = false;
  // Commit gathering: after a large batch, the writer waits briefly until most of the previous batch's appenders
  // are back before it flushes, instead of flushing the first few and making the rest wait a whole extra fdatasync.
  std::size_t gather_records = 0;  // 0 = flush whatever is queued
  std::size_t notify_at = 1;       // appenders wake the writer when the queue reaches this size
  WriterStats stats;
  std::string failure;                    // why the log became unhealthy
  std::atomic<bool> healthy{true};
  // Records [0, durable_records) are durable; written by the writer before it finishes their batch, read by
  // append_and_wait without the mutex.
  std::atomic<std::uint64_t> durable_records{0};
  detail::BatchSignal batches;  // append_and_wait sleeps here: one wake-up call per batch
  std::thread thread;        // writer: frames and writes batches
  std::thread flush_thread;  // fdatasyncs written batches and answers them, in order

  core::Error unavailable() const { return core::Error{core::Reason::audit_unavailable, "audit log unavailable: " + failure}; }

  bool checkpoint_due(bool forced) const {
    const std::uint64_t uncovered = frontier.size() - signed_size;
    if (uncovered == 0) return false;
    if (forced) return true;
    if (options.checkpoint_every_records > 0 && uncovered >= options.checkpoint_every_records) return true;
    return options.checkpoint_every_ms.count() > 0 &&
           clock.steady_now() - last_checkpoint_at >= options.checkpoint_every_ms;
  }

  // Signs a checkpoint of the tree so far and appends its frame to `out`.
  void sign_checkpoint(std::vector<std::uint8_t>& out) {
    detail::Checkpoint checkpoint;
    checkpoint.tree_size = frontier.size();
    checkpoint.timestamp_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count());
    checkpoint.root = frontier.root();
    checkpoint.key_id = key.key_id();
    checkpoint.signature = key.sign(detail::checkpoint_signed_message(checkpoint));
    detail::append_frame(detail::encode_checkpoint_body(checkpoint), out);
    signed_size = frontier.size();
    last_checkpoint_at = clock.steady_now();
  }

  // Everything written has been flushed and answered (under mutex).
  bool flush_idle() const { return written.empty() && !flushing; }

  // Blocks until the flush thread has answered everything written so far (writer thread).
  void wait_flushed() {
    std::unique_lock lock(mutex);
    idle_cv.wait(lock, [&] { return flush_idle(); });
  }

  // Starts a new segment before a batch of `bytes` starting at record `first_seq` when the current one is full:
  // a prepared (preallocated) one as soon as the batch no longer fits into the current one's preallocated room (a
  // plain segment has none), else a plain one once segment_max_bytes is reached. Without either, the batch is
  // appended past the preallocated room. Everything written to the old segment is made durable first, so a new
  // segment never exists on disk while the end of the previous one is still unflushed.
  core::Result<void> roll_over_if_needed(std::uint64_t first_seq, std::size_t bytes) {
    const std::uint64_t size = segment->size();
    const bool fits = size + bytes <= segment->capacity();
    std::optional<detail::PreparedFile> prepared;
    if (preparer && size > detail::kSegmentHeaderBytes && (!fits || size >= options.segment_max_bytes)) {
      prepared = preparer->take();
    }
    if (!prepared && size < options.segment_max_bytes) return {};
    wait_flushed();
    if (!healthy.load()) return std::unexpected(unavailable());  // the flush of the old segment failed
    std::optional<detail::SegmentWriter> next;
    if (prepared) {
      auto adopted = detail::SegmentWriter::adopt(options.dir, first_seq, std::move(*prepared));
      if (!adopted) return std::unexpected(adopted.error());
      next.emplace(std::move(*adopted));
    } else {
      auto created = detail::SegmentWriter::create(options.dir, first_seq);
      if (!created) return std::unexpected(created.error());
      next.emplace(std::move(*created));
    }
    segment = std::move(next);
    std::lock_guard lock(mutex);
    ++stats.segments_created;
    return {};
  }

  // Frames one batch and writes it (no flush: the flush thread does that). The batch starts with the checkpoint
  // signed after the previous batch (if any: it covers exactly the records before this batch) and, when forced
  // (checkpoint(), close), ends with one covering this batch too. Sets `checkpoint_size` to the tree size of the
  // checkpoint written (0: none). Returns whether anything was written.
  core::Result<bool> write_batch(const std::vector<Pending>& batch, bool force_checkpoint,
                                 std::uint64_t& checkpoint_size) {
    buffer.clear();
    bool with_checkpoint = !next_checkpoint.empty();
    if (with_checkpoint) buffer.swap(next_checkpoint);
    for (const Pending& p : batch) {
      last_hash = detail::append_record_frame(p.seq, last_hash, p.payload, buffer);
      frontier.add_leaf_hash(last_hash);
    }
    // Forced (checkpoint(), close) or due by time with nothing else to write: sign here. A checkpoint that falls due
    // with records in the batch is signed after this batch was handed to the flush thread instead (run()).
    if (checkpoint_due(force_checkpoint) && (force_checkpoint || batch.empty())) {
      sign_checkpoint(buffer);
      with_checkpoint = true;
    }
    checkpoint_size = with_checkpoint ? signed_size : 0;
    if (buffer.empty()) return false;
    if (!batch.empty()) {
      if (auto ok = roll_over_if_needed(batch.front().seq, buffer.size()); !ok) return std::unexpected(ok.error());
    }
    if (auto ok = segment->append(buffer); !ok) return std::unexpected(ok.error());
    if (with_checkpoint) written_checkpoint = signed_size;
    return true;
  }

  static constexpr std::size_t kGatherMinRecords = 4;
  static constexpr std::chrono::microseconds kGatherMaxWait{2000};

  // A flush is in flight or about to start (under mutex). Answering a batch does not count: its appenders come back
  // meanwhile and should be gathered, not split off into a chunk of their own.
  bool flush_busy() const { return syncing || !written.empty(); }

  // Fails `batch` (already taken from the queue) and everything queued, after the
  // flush thread has answered what was written before (writer thread; `lock` held on entry and exit).
  void fail_rest(std::vector<Pending>& batch, std::unique_lock<std::mutex>& lock) {
    idle_cv.wait(lock, [&] { return flush_idle(); });
    for (Pending& p : queue) batch.push_back(std::move(p));
    queue.clear();
    ++open_batch;
    const std::uint64_t failed_end = open_batch;
    lock.unlock();
    batches.finish(failed_end);  // their append_and_wait see durable_records <= seq: unavailable
    durable_cv.notify_all();
    const core::Error error = unavailable();
    for (Pending& p : batch) {
      if (p.callback) p.callback(std::unexpected(error));
    }
    batch.clear();
    lock.lock();
  }

  // The writer thread: takes the queue, frames and writes it, hands it to the flush thread — and keeps doing so
  // while a flush is in flight (the next batch is framed and written during the previous fdatasync).
  void run() {
    std::vector<Pending> batch;
    std::unique_lock lock(mutex);
    for (;;) {
      const auto has_work = [&] {
        return !queue.empty() || stopping || (healthy.load() && checkpoint_target > written_checkpoint);
      };
      while (!has_work()) {
        if (!healthy.load()) {
          work_cv.wait(lock);
        } else if (!next_checkpoint.empty()) {
          // A checkpoint signed after the last batch rides with the next one; when none comes within the
          // gathering window (the burst is over), it is written on its own.
          if (!work_cv.wait_for(lock, gather_window, has_work)) break;
        } else if (frontier.size() > signed_size && options.checkpoint_every_ms.count() > 0) {
          // Unsigned records: a checkpoint is due checkpoint_every_ms after the last one.
          const auto due = last_checkpoint_at + options.checkpoint_every_ms;
          const auto now = clock.steady_now();
          if (now >= due) break;
          work_cv.wait_for(lock, due - now);
        } else {
          work_cv.wait(lock);
        }
      }
      const auto forced_now = [&] { return stopping || checkpoint_target > written_checkpoint; };
      if (healthy.load() && flush_busy() && !forced_now()) {
        // A flush is in flight: write what arrives in chunks, so that little is left to frame when it returns.
        notify_at = std::max(kGatherMinRecords, gather_records / 4);
        work_cv.wait(lock, [&] { return queue.size() >= notify_at || !flush_busy() || forced_now(); });
        notify_at = 1;
      }
      if (!flush_busy() && gather_records > 0 && queue.size() < gather_records && !stopping && healthy.load()) {
        // The flush thread is idle: gather (at most one flush) until most of the last batch's appenders are back.
        notify_at = gather_records;
        work_cv.wait_until(lock, std::chrono::steady_clock::now() + gather_window,
                           [&] { return queue.size() >= gather_records || stopping || flush_busy(); });
        notify_at = 1;
      }
      batch.clear();
      batch.swap(queue);
      if (!batch.empty()) ++open_batch;  // appenders from now on join the next batch
      const std::uint64_t batch_end = open_batch;
      const bool stop_now = stopping;
      const bool forced = forced_now();
      if (!healthy.load()) {
        fail_rest(batch, lock);
      } else {
        lock.unlock();
        std::uint64_t checkpoint_size = 0;
        core::Result<bool> wrote = write_batch(batch, forced, checkpoint_size);
        lock.lock();
        if (!wrote) {
          if (healthy.load()) {
            failure = wrote.error().message;
            healthy.store(false);
          }
          fail_rest(batch, lock);
        } else if (*wrote) {
          Written job{std::move(batch), batch_end, frontier.size(), checkpoint_size, &*segment};
          batch = {};
          if (gather_records == 0 && !flushing && written.empty() && queue.empty()) {
            // Low concurrency (fewer than kGatherMinRecords outstanding), nothing in flight: nothing to overlap, so
            // flush and answer here and save the hand-off to the flush thread (a wake-up per record).
            std::vector<Written> jobs;
            jobs.push_back(std::move(job));
            flushing = true;
            syncing = true;
            flush_and_answer(jobs, lock);
          } else {
            written.push_back(std::move(job));
            flush_cv.notify_one();
          }
          // Sign a due checkpoint now, while the flush runs; it goes at the start of the next batch, directly
          // after this batch's last record.
          if (checkpoint_due(false)) {
            lock.unlock();
            sign_checkpoint(next_checkpoint);
            lock.lock();
          }
        }
      }
      if (stop_now && queue.empty() && (!healthy.load() || frontier.size() == written_checkpoint)) break;
    }
    idle_cv.wait(lock, [&] { return flush_idle(); });
    flush_stop = true;
    flush_cv.notify_one();
  }

  // The flush thread: flushes and answers everything written so far, again and again.
  void flush_loop() {
    std::vector<Written> jobs;
    std::unique_lock lock(mutex);
    for (;;) {
      flush_cv.wait(lock, [&] { return !written.empty() || flush_stop; });
      if (written.empty()) return;
      jobs.clear();
      jobs.swap(written);
      flushing = true;
      syncing = true;
      flush_and_answer(jobs, lock);
    }
  }

  // One fdatasync for `jobs` (taken from `written`, oldest first; flushing and syncing set), then answers them in
  // order. A failed fdatasync fails them and every batch written after them (never retried); the writer fails the
  // rest. `lock` is held on entry and exit.
  void flush_and_answer(std::vector<Written>& jobs, std::unique_lock<std::mutex>& lock) {
    const bool ok_so_far = healthy.load();
    std::size_t records = 0;
    std::uint64_t checkpoint_size = 0;
    for (const Written& w : jobs) {
      records += w.records.size();
      checkpoint_size = std::max(checkpoint_size, w.checkpoint_size);
    }
    lock.unlock();
    core::Result<void> synced;
    const auto sync_started = std::chrono::steady_clock::now();
    if (ok_so_far) synced = jobs.back().segment->sync();
    const auto sync_time = std::chrono::steady_clock::now() - sync_started;
    lock.lock();
    syncing = false;
    if (written.empty()) work_cv.notify_one();  // the writer may be waiting for the flush to go idle
    const Written& last = jobs.back();
    if (ok_so_far && synced) {
      ++stats.batches;
      stats.sync_ns += static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(sync_time).count());
      stats.records += records;
      if (checkpoint_size > 0) ++stats.checkpoints;
      durable_records.store(last.records_end);
      durable_checkpoint = std::max(durable_checkpoint, checkpoint_size);
      // Gather for at most one flush (performance timing, not log time: the real steady clock, not the Clock):
      // when the appenders come back within a flush, one batch of all of them (flush + their CPU) beats two
      // overlapped half batches (two flushes); when they take longer, the overlap wins.
      gather_window = std::min<std::chrono::steady_clock::duration>(kGatherMaxWait, sync_time);
      // Concurrency estimate: these appenders come back, plus those written or queued meanwhile.
      std::size_t concurrency = records + queue.size();
      for (const Written& w : written) concurrency += w.records.size();
      gather_records = concurrency >= kGatherMinRecords ? concurrency : 0;
    } else if (ok_so_far) {
      failure = synced.error().message;
      healthy.store(false);
    }
    // Batches written after a failed flush are failed too (their own flush would be a retry).
    const bool ok = ok_so_far && synced;
    if (!ok) {
      for (Written& w : written) jobs.push_back(std::move(w));
      written.clear();
    }
    const std::uint64_t batch_end = jobs.back().batch_end;
    lock.unlock();
    batches.finish(batch_end);  // one wake-up call for every append_and_wait of these batches
    durable_cv.notify_all();
    if (ok) {
      for (Written& w : jobs) {
        for (Pending& p : w.records) {
          if (p.callback) p.callback(p.seq);
        }
      }
    } else {
      const core::Error error = unavailable();
      for (Written& w : jobs) {
        for (Pending& p : w.records) {
          if (p.callback) p.callback(std::unexpected(error));
        }
      }
    }
    jobs.clear();
    lock.lock();
    flushing = false;
    if (written.empty()) idle_cv.notify_all();
  }
};

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->work_cv.notify_one();
  if (impl_->thread.joinable()) impl_->thread.join();  // the writer drains, then stops the flush thread
  if (impl_->flush_thread.joinable()) impl_->flush_thread.join();
}

core::Result<std::unique_ptr<AuditLog>> AuditLog::open(const AuditOptions& options, core::Clock& clock) {
  if (options.dir.empty()) return core::fail(core::Reason::invalid_request, "audit dir is not set");
  if (options.segment_max_bytes < 4096) {
    return core::fail(core::Reason::invalid_request, "audit segment_max_bytes must be at least 4096");
  }
  std::error_code ec;
  if (!std::filesystem::exists(options.dir, ec)) {
    std::filesystem::create_directories(options.dir, ec);
    if (ec) return core::fail(core::Reason::audit_unavailable, "cannot create audit dir " + options.dir.string());
    std::filesystem::permissions(options.dir, std::filesystem::perms::owner_all, ec);
  }
  auto key = detail::SigningKey::load_or_create(options.signing_key_file, options.create_key_if_missing);
  if (!key) return std::unexpected(key.error());

  // Publish the public key next to the log (verify's default trust anchor); never silently replace another one.
  const std::filesystem::path published = options.dir / detail::kPublicKeyFileName;
  if (std::filesystem::exists(published, ec)) {
    auto existing = detail::read_public_key_file(published);
    if (!existing) return std::unexpected(existing.error());
    if (*existing != key->public_key()) {
      return core::fail(core::Reason::invalid_request,
                        fmt::format("{} holds key id {}…, but the signing key {} has key id {}… (key rotation is not "
                                    "supported by format version 1: start a new audit dir)",
                                    published.string(), detail::short_hex(detail::key_id_of(*existing)),
                                    options.signing_key_file.string(), detail::short_hex(key->key_id())));
    }
  } else {
    const std::filesystem::path temporary = published.string() + ".tmp";
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << detail::public_key_pem(key->public_key());
      if (!out) return core::fail(core::Reason::audit_unavailable, "cannot write " + temporary.string());
    }
    std::filesystem::rename(temporary, published, ec);
    if (ec) return core::fail(core::Reason::audit_unavailable, "cannot publish " + published.string());
  }

  detail::remove_prepared_files(options.dir);  // left by a crash while preparing; never part of the log
  auto recovered = detail::recover(options, key->public_key(), clock);
  if (!recovered) return std::unexpected(recovered.error());

  auto impl = std::make_unique<Impl>(options, clock, std::move(*key));
  impl->recovery = recovered->report;
  impl->segment = std::move(recovered->segment);
  impl->last_hash = recovered->last_hash;
  impl->frontier = recovered->frontier;
  impl->written_checkpoint = recovered->checkpointed;
  impl->last_checkpoint_at = clock.steady_now();
  impl->next_seq = recovered->next_seq;
  impl->durable_records.store(recovered->next_seq);
  impl->signed_size = recovered->checkpointed;
  impl->durable_checkpoint = recovered->checkpointed;
  if (options.preallocate_segments) {
    impl->preparer = std::make_unique<detail::SegmentPreparer>(options.dir, kFirstPreparedBytes, options.segment_max_bytes);
  }
  Impl* raw = impl.get();
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(impl)));
  raw->flush_thread = std::thread([raw] { raw->flush_loop(); });
  raw->thread = std::thread([raw] { raw->run(); });

  if (!raw->recovery.clean()) {
    AuditRecord note;
    note.kind = RecordKind::lifecycle;
    note.decision = Decision::none;
    json::Value detail = json::Value::object();
    detail.set("event", "audit_recovery");
    if (raw->recovery.truncated_bytes > 0) {
      detail.set("truncated_bytes", raw->recovery.truncated_bytes);
      detail.set("truncated_segment", raw->recovery.truncated_segment);
    }
    if (!raw->recovery.damage.empty()) {
      detail.set("damage", raw->recovery.damage);
      json::Array files;
      for (const auto& f : raw->recovery.quarantined) files.emplace_back(f);
      detail.set("quarantined", json::Value(std::move(files)));
    }
    note.detail = std::move(detail);
    if (auto seq = log->append_and_wait(std::move(note)); !seq) return std::unexpected(seq.error());
  }
  if (auto ok = log->checkpoint(); !ok) return std::unexpected(ok.error());
  return log;
}

void AuditLog::append(AuditRecord record, DurableCallback on_durable) {
  Impl& impl = *impl_;
  if (record.time == std::chrono::system_clock::time_point{}) record.time = impl.clock.now();
  std::string payload = encode_record(record);
  if (payload.size() > detail::kMaxPayloadBytes) {
    if (on_durable) {
      on_durable(core::fail(core::Reason::invalid_request,
                            fmt::format("audit record of {} bytes exceeds the 1 MiB limit", payload.size())));
    }
    return;
  }
  std::unique_lock lock(impl.mutex);
  if (!impl.healthy.load()) {
    const core::Error error = impl.unavailable();
    lock.unlock();
    if (on_durable) on_durable(std::unexpected(error));
    return;
  }
  const std::uint64_t seq = impl.next_seq++;
  const bool async = impl.options.durability == Durability::async;
  impl.queue.push_back({seq, std::move(payload), async ? DurableCallback{} : std::move(on_durable)});
  const bool wake = impl.queue.size() == impl.notify_at;  // 1 when idle; the gathering target while gathering
  lock.unlock();
  if (wake) impl.work_cv.notify_one();
  if (async && on_durable) on_durable(seq);
}

core::Result<std::uint64_t> AuditLog::append_and_wait(AuditRecord record) {
  Impl& impl = *impl_;
  if (record.time == std::chrono::system_clock::time_point{}) record.time = impl.clock.now();
  std::string payload = encode_record(record);
  if (payload.size() > detail::kMaxPayloadBytes) {
    return core::fail(core::Reason::invalid_request,
                      fmt::format("audit record of {} bytes exceeds the 1 MiB limit", payload.size()));
  }
  const bool async = impl.options.durability == Durability::async;
  std::unique_lock lock(impl.mutex);
  if (!impl.healthy.load()) return std::unexpected(impl.unavailable());
  const std::uint64_t seq = impl.next_seq++;
  const std::uint64_t batch = impl.open_batch;
  impl.queue.push_back({seq, std::move(payload), {}});
  const bool wake = impl.queue.size() == impl.notify_at;  // 1 when idle; the gathering target while gathering
  lock.unlock();
  if (wake) impl.work_cv.notify_one();
  if (async) return seq;
  impl.batches.wait(batch);  // the writer finishes the batch once it is durable or failed
  if (impl.durable_records.load() > seq) return seq;
  lock.lock();
  return std::unexpected(impl.unavailable());
}

core::Result<void> AuditLog::checkpoint() {
  Impl& impl = *impl_;
  std::unique_lock lock(impl.mutex);
  if (!impl.healthy.load()) return std::unexpected(impl.unavailable());
  const std::uint64_t target = impl.next_seq;
  if (target == 0 || impl.durable_checkpoint >= target) return {};
  impl.checkpoint_target = std::max(impl.checkpoint_target, target);
  impl.work_cv.notify_one();
  impl.durable_cv.wait(lock, [&] { return impl.durable_checkpoint >= target || !impl.healthy.load(); });
  if (impl.durable_checkpoint >= target) return {};
  return std::unexpected(impl.unavailable());
}

bool AuditLog::healthy() const noexcept { return impl_->healthy.load(); }

const RecoveryReport& AuditLog::recovery() const noexcept { return impl_->recovery; }

WriterStats AuditLog::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

std::uint64_t AuditLog::next_seq() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->next_seq;
}

}  // namespace bulkhead::audit
