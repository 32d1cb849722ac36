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

std::string record_line(const detail::RecordView& view) {
  std::string line = fmt::format("{{\"seq\":{},\"leaf_hash\":\"{}\",\"record\":", view.seq,
                                 core::hex_encode(view.leaf_hash));
  line.append(view.payload);
  line.append("}\n");
  return line;
}

// One pass: lines for records with seq >= from. A torn tail (a live writer mid-append) ends the pass quietly.
core::Result<std::uint64_t> scan_once(const std::filesystem::path& dir, std::uint64_t from,
                                      std::deque<std::string>& lines, std::uint64_t keep_last) {
  std::optional<detail::PublicKey> key;
  if (auto k = detail::resolve_public_key(dir, {})) key = *k;
  detail::LogVerifier verifier(key, /*check_payloads=*/false, /*keep_leaf_hashes=*/false);
  detail::ScanHooks hooks;
  hooks.on_record = [&](const detail::RecordView& view) {
    if (view.seq < from) return;
    lines.push_back(record_line(view));
    if (keep_last > 0 && lines.size() > keep_last) lines.pop_front();
  };
  auto scan = detail::scan_directory(dir, verifier, hooks);
  if (!scan) return std::unexpected(scan.error());
  if (scan->finding && !(scan->bad.live_edge && scan->bad_segment + 1 == scan->segments.size())) {
    return core::fail(core::Reason::audit_unavailable,
                      fmt::format("stopped at {} offset {}: {} [{}]", scan->finding->segment, scan->finding->offset,
                                  scan->finding->message, problem_name(scan->finding->problem)));
  }
  return verifier.next_seq();
}

}  // namespace

core::Result<void> tail(const std::filesystem::path& dir, const TailOptions& options, std::ostream& out) {
  std::deque<std::string> lines;
  auto next = scan_once(dir, 0, lines, options.last);
  for (const auto& line : lines) out << line;
  out.flush();
  if (!next) return std::unexpected(next.error());
  while (options.follow && (!options.keep_following || options.keep_following())) {
    std::this_thread::sleep_for(options.poll);
    lines.clear();
    auto more = scan_once(dir, *next, lines, 0);
    for (const auto& line : lines) out << line;
    out.flush();
    if (!more) return std::unexpected(more.error());
    next = more;
  }
  return {};
}

}  // namespace bulkhead::audit
