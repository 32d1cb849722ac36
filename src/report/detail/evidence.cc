#include "report/detail/evidence.h"

#include <charconv>
#include <limits>
#include <optional>
#include <thread>
#include <streambuf>
#include <string>
#include <ostream>

#include <fmt/format.h>

namespace bulkhead::report::detail {
namespace {

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool hex32(std::string_view hex, audit::Sha256Digest& out) {
  if (hex.size() != 64) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Receives `audit tail` output ({"seq":N,"leaf_hash":"<hex>","record":<payload>} per line) and decodes each line
// as it arrives.
class TailLines final : public std::streambuf {
 public:
  TailLines(std::uint64_t limit, LogEvidence& evidence, const RecordSink& sink)
      : limit_(limit), evidence_(evidence), sink_(sink) {}
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }
  void finish() {
    if (!pending_.empty()) line(pending_);
    pending_.clear();
  }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      const char ch = static_cast<char>(c);
      xsputn(&ch, 1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::string_view chunk(s, static_cast<std::size_t>(n));
    while (!chunk.empty()) {
      const auto nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        pending_.append(chunk);
        break;
      }
      if (pending_.empty()) {
        line(chunk.substr(0, nl));
      } else {
        pending_.append(chunk.substr(0, nl));
        line(pending_);
        pending_.clear();
      }
      chunk.remove_prefix(nl + 1);
    }
    return n;
  }

 private:
  void line(std::string_view text) {
    if (text.empty() || !problem_.empty()) return;
    constexpr std::string_view kSeq = R"({"seq":)";
    constexpr std::string_view kLeaf = R"(,"leaf_hash":")";
    constexpr std::string_view kRecord = R"(","record":)";
    if (!text.starts_with(kSeq) || !text.ends_with('}')) return fail(text);
    std::uint64_t seq = 0;
    const char* begin = text.data() + kSeq.size();
    auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), seq);
    std::string_view rest(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
    if (ec != std::errc() || !rest.starts_with(kLeaf) || rest.size() < kLeaf.size() + 64 + kRecord.size()) {
      return fail(text);
    }
    if (seq >= limit_) return;  // beyond the verified prefix
    if (seq != evidence_.leaves.size()) return fail(text);
    audit::Sha256Digest digest{};
    if (!hex32(rest.substr(kLeaf.size(), 64), digest)) return fail(text);
    rest.remove_prefix(kLeaf.size() + 64);
    if (!rest.starts_with(kRecord)) return fail(text);
    const std::string_view payload = rest.substr(kRecord.size(), rest.size() - kRecord.size() - 1);
    evidence_.leaves.push_back(digest);
    if (auto consumed = sink_(seq, payload); !consumed) {
      if (problem_.empty()) problem_ = fmt::format("record {}: {}", seq, consumed.error().message);
    }
  }
  void fail(std::string_view text) {
    if (problem_.empty()) problem_ = fmt::format("unreadable record line: {}", text.substr(0, 120));
  }

  std::uint64_t limit_;
  LogEvidence& evidence_;
  const RecordSink& sink_;
  std::string pending_;
  std::string problem_;
};

}  // namespace

core::Result<LogEvidence> read_log(const std::filesystem::path& dir, const audit::VerifyOptions& options,
                                   const RecordSink& sink) {
  LogEvidence evidence;
  // verify() runs on a second thread while the records are read and collected: nothing collected is used unless
  // the verdict is in and positive, and records past the verified prefix are dropped below.
  std::optional<core::Result<audit::VerifyReport>> verified;
  std::thread verifier([&] { verified = audit::verify(dir, options); });
  TailLines lines(std::numeric_limits<std::uint64_t>::max(), evidence, sink);
  std::ostream out(&lines);
  auto tailed = audit::tail(dir, audit::TailOptions{}, out);
  lines.finish();
  verifier.join();
  if (!*verified) return std::unexpected(verified->error());
  evidence.verify = **verified;
  if (!evidence.verify.ok()) {
    evidence.leaves.clear();
    return evidence;
  }
  if (!tailed) return std::unexpected(tailed.error());
  if (!lines.problem().empty()) return core::fail(core::Reason::audit_unavailable, lines.problem());
  if (evidence.leaves.size() > evidence.verify.records) {
    evidence.grew = true;  // a live log grew between the two readers
    evidence.leaves.clear();
    return evidence;
  }
  if (evidence.leaves.size() != evidence.verify.records) {
    return core::fail(core::Reason::audit_unavailable,
                      fmt::format("read {} records of the {} verified", evidence.leaves.size(), evidence.verify.records));
  }
  return evidence;
}

core::Result<void> read_prefix(const std::filesystem::path& dir, LogEvidence& evidence, const RecordSink& sink) {
  evidence.leaves.clear();
  evidence.grew = false;
  TailLines lines(evidence.verify.records, evidence, sink);
  std::ostream out(&lines);
  auto tailed = audit::tail(dir, audit::TailOptions{}, out);
  lines.finish();
  if (!tailed) return std::unexpected(tailed.error());
  if (!lines.problem().empty()) return core::fail(core::Reason::audit_unavailable, lines.problem());
  if (evidence.leaves.size() != evidence.verify.records) {
    return core::fail(core::Reason::audit_unavailable,
                      fmt::format("read {} records of the {} verified", evidence.leaves.size(), evidence.verify.records));
  }
  return {};
}

namespace {

audit::Sha256Digest node_hash(const audit::Sha256Digest& left, const audit::Sha256Digest& right) {
  std::array<std::uint8_t, 65> buffer{};
  buffer[0] = 0x01;
  std::copy(left.begin(), left.end(), buffer.begin() + 1);
  std::copy(right.begin(), right.end(), buffer.begin() + 33);
  return core::sha256(buffer);
}

}  // namespace

AuditPaths::AuditPaths(const std::vector<audit::Sha256Digest>& leaves, std::uint64_t tree_size) : size_(tree_size) {
  if (size_ == 0) return;
  levels_.emplace_back(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(size_));
  while (levels_.back().size() > 1) {
    const auto& below = levels_.back();
    std::vector<audit::Sha256Digest> above;
    above.reserve((below.size() + 1) / 2);
    for (std::size_t i = 0; i + 1 < below.size(); i += 2) above.push_back(node_hash(below[i], below[i + 1]));
    if (below.size() % 2 == 1) above.push_back(below.back());
    levels_.push_back(std::move(above));
  }
}

audit::Sha256Digest AuditPaths::root() const {
  if (size_ == 0) return core::sha256({});
  return levels_.back().front();
}

std::vector<audit::Sha256Digest> AuditPaths::path(std::uint64_t index) const {
  std::vector<audit::Sha256Digest> out;
  for (std::size_t level = 0; level + 1 < levels_.size(); ++level) {
    const std::uint64_t sibling = index ^ 1u;
    if (sibling < levels_[level].size()) out.push_back(levels_[level][sibling]);
    index /= 2;
  }
  return out;
}

}  // namespace bulkhead::report::detail
