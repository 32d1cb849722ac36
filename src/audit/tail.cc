// tail(): `bulkhead audit tail DIR [-n N] [--follow]` — records as JSON lines.
#include <fmt/format.h>

#include <deque>
#include <ostream>
#include <thread>

#include "audit/audit.h"
#include "audit/detail/evidence.h"
#include "audit/detail/log_reader.h"

namespace bulkhead::audit {
namespace {

namespace fs = std::filesystem;

std::string record_line(const detail::RecordView& view) {
  std::string line = fmt::format("{{\"seq\":{},\"leaf_hash\":\"{}\",\"record\":", view.seq,
                                 core::hex_encode(view.leaf_hash));
  line.append(view.payload);
  line.append("}\n");
  return line;
}

core::Error stopped_at(const VerifyFinding& finding) {
  return core::Error{core::Reason::audit_unavailable,
                     fmt::format("stopped at {} offset {}: {} [{}]", finding.segment, finding.offset, finding.message,
                                 problem_name(finding.problem))};
}

// Reads the log once and then keeps reading what is appended. Segments before the last are closed (the writer
// only appends to the newest): each is verified and printed once, and `closed_` holds the verifier as of its end.
// The last segment is read again from its start, on a copy of `closed_`, only when its size or modification time
// changed — or when that time was too recent to be sure no write landed in the same timestamp tick — so an idle
// follow costs a stat per poll and a growing log costs its newest segment, never the whole directory.
class Follower {
 public:
  Follower(const fs::path& dir, std::uint64_t keep_last, std::ostream& out)
      : dir_(dir), keep_last_(keep_last), out_(out), closed_(key_of(dir), false, false) {}

  // One pass: lines for records not printed yet. A torn tail (a live writer mid-append) ends the pass quietly.
  core::Result<void> pass() {
    auto segments = detail::list_segments(dir_);
    if (!segments) return std::unexpected(segments.error());
    if (segments->size() < closed_count_) {
      return core::fail(core::Reason::audit_unavailable, fmt::format("segment files of {} disappeared", dir_.string()));
    }
    detail::ScanHooks hooks;
    hooks.on_record = [this](const detail::RecordView& view) { emit(view); };
    for (std::size_t i = closed_count_; i + 1 < segments->size(); ++i) {
      auto bytes = detail::read_whole_file((*segments)[i].path);
      if (!bytes) return std::unexpected(bytes.error());
      const detail::SegmentScan scan = closed_.feed_segment((*segments)[i].name, *bytes, hooks);
      if (scan.finding) return std::unexpected(stopped_at(*scan.finding));
      closed_count_ = i + 1;
      last_seen_.reset();
    }
    if (segments->size() == closed_count_) return {};
    const detail::SegmentFile& open = segments->back();
    std::error_code ec;
    const auto size = fs::file_size(open.path, ec);
    const auto mtime = ec ? fs::file_time_type{} : fs::last_write_time(open.path, ec);
    if (ec) return core::fail(core::Reason::audit_unavailable, fmt::format("{}: {}", open.path.string(), ec.message()));
    const Seen seen{open.name, size, mtime};
    if (last_seen_ && *last_seen_ == seen && mtime + kTimestampSlack < fs::file_time_type::clock::now()) return {};
    auto bytes = detail::read_whole_file(open.path);
    if (!bytes) return std::unexpected(bytes.error());
    detail::LogVerifier verifier = closed_;
    const detail::SegmentScan scan = verifier.feed_segment(open.name, *bytes, hooks);
    if (scan.finding && !scan.live_edge) return std::unexpected(stopped_at(*scan.finding));
    last_seen_ = seen;
    return {};
  }

  // Lines kept for `-n N`, in order (empty without it: lines are written as they are read).
  void flush_kept() {
    for (const auto& line : kept_) out_ << line;
    kept_.clear();
    keep_last_ = 0;  // records appended later (follow) are all printed
    out_.flush();
  }

 private:
  struct Seen {
    std::string name;
    std::uintmax_t size = 0;
    fs::file_time_type mtime;
    bool operator==(const Seen&) const = default;
  };
  // File timestamps come from a coarse clock: a write in the same tick as the last read leaves them unchanged.
  static constexpr std::chrono::seconds kTimestampSlack{2};

  static std::optional<detail::PublicKey> key_of(const fs::path& dir) {
    if (auto k = detail::resolve_public_key(dir, {})) return *k;
    return std::nullopt;
  }

  void emit(const detail::RecordView& view) {
    if (view.seq < next_) return;  // printed by an earlier pass over the same segment
    next_ = view.seq + 1;
    if (keep_last_ == 0) {
      out_ << record_line(view);
      return;
    }
    kept_.push_back(record_line(view));
    if (kept_.size() > keep_last_) kept_.pop_front();
  }

  fs::path dir_;
  std::uint64_t keep_last_;
  std::ostream& out_;
  detail::LogVerifier closed_;    // every record of segments [0, closed_count_) fed
  std::size_t closed_count_ = 0;
  std::optional<Seen> last_seen_;  // the last segment as of the previous read of it
  std::uint64_t next_ = 0;        // the first seq not printed yet
  std::deque<std::string> kept_;
};

}  // namespace

core::Result<void> tail(const std::filesystem::path& dir, const TailOptions& options, std::ostream& out) {
  Follower follower(dir, options.last, out);
  auto first = follower.pass();
  follower.flush_kept();
  if (!first) return first;
  while (options.follow && (!options.keep_following || options.keep_following())) {
    std::this_thread::sleep_for(options.poll);
    auto more = follower.pass();
    out.flush();
    if (!more) return more;
  }
  return {};
}

}  // namespace bulkhead::audit
