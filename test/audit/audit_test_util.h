// Helpers shared by the audit tests: scratch directories, sample records, raw frame surgery on segment files.
#pragma once

#include <unistd.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <stdexcept>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "audit/detail/crc32c.h"
#include "audit/detail/format.h"
#include "audit/detail/signing_key.h"

namespace bulkhead::audit::testing {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed at scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& label) {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("bulkhead-audit-" + label + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline AuditRecord sample_record(const std::string& tenant, int i) {
  AuditRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::seconds(1'780'000'000 + i));
  r.kind = i % 3 == 0 ? RecordKind::invoke : (i % 3 == 1 ? RecordKind::read : RecordKind::deny);
  r.decision = r.kind == RecordKind::deny ? Decision::deny : Decision::allow;
  if (r.kind == RecordKind::deny) r.reason = core::Reason::policy_denied;
  r.tenant = tenant;
  r.principal = "spiffe://example.org/agent/" + std::to_string(i % 4);
  r.delegation_chain = {"user:alice", "agent:planner"};
  r.session = "s-" + std::to_string(i / 10);
  r.task = "task-" + std::to_string(i);
  r.jsonrpc_id = json::Value(static_cast<std::int64_t>(i));
  r.upstream = "crm";
  r.method = r.kind == RecordKind::read ? "resources/read" : "tools/call";
  r.tool = "crm__search";
  r.policy_ids = {"p-default", "p-" + tenant};
  r.args_sha256 = digest_of("{\"q\":" + std::to_string(i) + "}");
  r.result = ResultSummary{digest_of("result " + std::to_string(i)), 100u + static_cast<std::uint64_t>(i), false};
  r.latency = std::chrono::microseconds(250 + i);
  return r;
}

inline AuditOptions options_for(const fs::path& dir, const fs::path& key) {
  AuditOptions o;
  o.dir = dir;
  o.signing_key_file = key;
  o.checkpoint_every_records = 5;
  o.checkpoint_every_ms = std::chrono::milliseconds(0);
  // Plain segments: the file-surgery tests expect frames up to the end of file (segment-0 only). The preallocated
  // layout is tested where it matters (audit_prealloc_test, the crash test, the independent verifier).
  o.preallocate_segments = false;
  return o;
}

inline std::vector<std::uint8_t> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& file, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// One frame of a segment file as found on disk.
struct FrameAt {
  std::size_t offset = 0;   // of the length field
  std::size_t size = 0;     // whole frame: 8 + body
  std::uint8_t type = 0;
  std::uint64_t seq_or_size = 0;  // record seq, or checkpoint tree_size
};

inline std::vector<FrameAt> list_frames(const std::vector<std::uint8_t>& bytes) {
  std::vector<FrameAt> frames;
  std::size_t pos = detail::kSegmentHeaderBytes;
  while (pos + detail::kFrameHeaderBytes <= bytes.size()) {
    const std::uint32_t length = detail::get_le32(bytes.data() + pos);
    if (length == 0 || pos + detail::kFrameHeaderBytes + length > bytes.size()) break;
    const std::uint8_t* body = bytes.data() + pos + detail::kFrameHeaderBytes;
    frames.push_back({pos, detail::kFrameHeaderBytes + length, body[0], detail::get_le64(body + 1)});
    pos += detail::kFrameHeaderBytes + length;
  }
  return frames;
}

inline const FrameAt& find_frame(const std::vector<FrameAt>& frames, std::uint8_t type, std::uint64_t value) {
  for (const auto& f : frames) {
    if (f.type == type && f.seq_or_size == value) return f;
  }
  throw std::runtime_error("frame not found");
}

// Recomputes the CRC32C of the frame at `offset` (what a forger does after editing bytes).
inline void fix_crc(std::vector<std::uint8_t>& bytes, std::size_t offset) {
  const std::uint32_t length = detail::get_le32(bytes.data() + offset);
  const std::uint32_t crc = detail::crc32c_extend(detail::crc32c({bytes.data() + offset, 4}),
                                                  {bytes.data() + offset + 8, length});
  for (int i = 0; i < 4; ++i) bytes[offset + 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

// Replaces the first `from` inside the frame with the same-length `to` (a semantic edit that keeps valid JSON).
inline void edit_frame(std::vector<std::uint8_t>& bytes, const FrameAt& frame, std::string_view from,
                       std::string_view to) {
  if (from.size() != to.size()) throw std::runtime_error("edit must keep the length");
  const auto begin = bytes.begin() + static_cast<std::ptrdiff_t>(frame.offset);
  const auto end = begin + static_cast<std::ptrdiff_t>(frame.size);
  const auto at = std::search(begin, end, from.begin(), from.end());
  if (at == end) throw std::runtime_error("text not in frame");
  std::copy(to.begin(), to.end(), at);
}

inline fs::path only_segment(const fs::path& dir) { return dir / detail::segment_file_name(0); }

// A shell command's exit code and combined output (the CLI and the independent verifier tests).
struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr (the command redirects 2>&1)
};
inline CommandResult run_shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace bulkhead::audit::testing
