// Scanner: file and directory walking, baselines, the shared-credential rule across files, and the entry points
// around the rule engine.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <thread>

#include "scan/detail/engine.h"
#include "scan/scan.h"

namespace bulkhead::scan {
namespace {

namespace fs = std::filesystem;

bool scannable_extension(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".json" || ext == ".jsonc" || ext == ".json5" || ext == ".toml";
}

enum class ReadStatus { ok, too_large, failed };

// Reads a regular file with one open, fstat and read loop into `buffer` (grown, never shrunk: a worker reuses it).
ReadStatus read_file(const std::string& path, std::size_t max_bytes, std::vector<char>& buffer,
                     std::string_view& text) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ReadStatus::failed;
  struct stat info {};
  ReadStatus status = ReadStatus::ok;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    status = ReadStatus::failed;
  } else if (static_cast<std::uint64_t>(info.st_size) > max_bytes) {
    status = ReadStatus::too_large;
  } else {
    const auto size = static_cast<std::size_t>(info.st_size);
    if (buffer.size() < size) buffer.resize(size);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::read(fd, buffer.data() + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = ReadStatus::failed;
        break;
      }
      if (n == 0) break;  // the file shrank
      done += static_cast<std::size_t>(n);
    }
    text = std::string_view(buffer.data(), done);
  }
  ::close(fd);
  return status;
}

// Worker threads when Options::threads is 0: the CPUs this process may run on (taskset), at most 16.
std::size_t default_workers() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    return static_cast<std::size_t>(CPU_COUNT(&set));
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<Finding> without_baseline(std::vector<Finding> findings, const std::set<std::string>& baseline,
                                      std::size_t* suppressed) {
  if (baseline.empty()) return findings;
  std::vector<Finding> kept;
  kept.reserve(findings.size());
  for (Finding& finding : findings) {
    if (baseline.contains(finding.fingerprint)) {
      if (suppressed != nullptr) ++*suppressed;
    } else {
      kept.push_back(std::move(finding));
    }
  }
  return kept;
}

// Findings of one file, as the engine orders them.
bool finding_before(const Finding& a, const Finding& b) {
  if (a.position.line != b.position.line) return a.position.line < b.position.line;
  if (a.position.column != b.position.column) return a.position.column < b.position.column;
  return a.rule_id < b.rule_id;
}

struct FileResult {
  ReadStatus status = ReadStatus::failed;
  std::string name;
  std::size_t bytes = 0;
  std::size_t suppressed = 0;
  std::vector<Finding> findings;
  std::vector<detail::SecretUse> uses;
};

// BH015 across files: a credential given to servers in two or more files of the scan. Every use gets a
// shared-credential finding naming all servers (those of other files with their file); a use the file had
// reported as shared already gets the longer list in its message instead of a second finding.
void report_shared_across_files(std::vector<FileResult>& results, const std::set<std::string>& baseline,
                                std::size_t& suppressed) {
  struct Use {
    std::string_view secret;
    std::size_t file;
    const detail::SecretUse* use;
  };
  std::vector<Use> uses;
  for (std::size_t f = 0; f < results.size(); ++f) {
    for (const detail::SecretUse& use : results[f].uses) uses.push_back({use.secret, f, &use});
  }
  std::stable_sort(uses.begin(), uses.end(), [](const Use& a, const Use& b) { return a.secret < b.secret; });
  const rules::Rule* rule = rules::find_rule(rules::id::shared_credential);
  for (std::size_t begin = 0; begin < uses.size();) {
    std::size_t end = begin + 1;
    while (end < uses.size() && uses[end].secret == uses[begin].secret) ++end;
    const std::span<const Use> group(uses.data() + begin, end - begin);
    begin = end;
    if (group.front().file == group.back().file) continue;  // one file: the engine's own rule
    std::vector<std::pair<std::size_t, std::string_view>> servers;  // (file, server) in scan order
    for (const Use& use : group) {
      const std::pair<std::size_t, std::string_view> server{use.file, use.use->server};
      if (std::find(servers.begin(), servers.end(), server) == servers.end()) servers.push_back(server);
    }
    for (const Use& use : group) {
      FileResult& result = results[use.file];
      std::string names = "servers: ";
      for (std::size_t i = 0; i < servers.size(); ++i) {
        if (i > 0) names += ", ";
        names += servers[i].second;
        if (servers[i].first != use.file) {
          names += " (";
          names += results[servers[i].first].name;
          names += ")";
        }
      }
      const detail::SecretUse& secret = *use.use;
      std::string message = detail::shared_credential_message(names, secret.location);
      if (secret.shared_in_file) {
        for (Finding& finding : result.findings) {
          if (finding.rule_id == rules::id::shared_credential && finding.position == secret.position &&
              finding.location == secret.location && finding.server == secret.server) {
            finding.message = std::move(message);
            break;
          }
        }
        continue;
      }
      if (secret.ignored) {
        ++result.suppressed;
        continue;
      }
      Finding finding;
      finding.rule_id = std::string(rules::id::shared_credential);
      finding.severity = rule->severity;
      finding.message = std::move(message);
      finding.path = result.name;
      finding.position = secret.position;
      finding.location = secret.location;
      finding.server = secret.server;
      finding.evidence = rules::redact(secret.secret);
      finding.fingerprint = detail::fingerprint(finding.rule_id, finding.path, finding.location, secret.secret);
      if (baseline.contains(finding.fingerprint)) {
        ++suppressed;
        continue;
      }
      const auto at = std::upper_bound(result.findings.begin(), result.findings.end(), finding, finding_before);
      result.findings.insert(at, std::move(finding));
    }
  }
}

}  // namespace

Scanner::Scanner(Options options, rules::CredentialMatcher matcher)
    : options_(std::move(options)), matcher_(std::move(matcher)) {}

core::Result<Scanner> Scanner::create(Options options) {
  auto matcher = rules::CredentialMatcher::create();
  if (!matcher) return std::unexpected(matcher.error());
  return Scanner(std::move(options), std::move(*matcher));
}

std::vector<Finding> Scanner::scan_text(std::string_view path, std::string_view text, std::size_t* suppressed) {
  detail::ScanWorkspace workspace;
  return without_baseline(detail::scan_document(path, text, matcher_, workspace, suppressed), options_.baseline,
                          suppressed);
}

core::Result<Report> Scanner::scan_paths(std::span<const std::string> paths) {
  // Resolve every argument first: a missing path is a usage error before any output.
  std::vector<fs::path> files;
  Report report;
  for (const std::string& argument : paths) {
    const fs::path path(argument);
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      return core::fail(core::Reason::invalid_request, "no such file or directory: " + argument);
    }
    if (fs::is_directory(status)) {
      std::vector<fs::path> found;
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
      if (ec) {
        report.errors.push_back(argument + ": " + ec.message());
        continue;
      }
      for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
        if (ec) {
          report.errors.push_back(it->path().string() + ": " + ec.message());
          ec.clear();
          continue;
        }
        const fs::path& entry = it->path();
        const std::string name = entry.filename().string();
        std::error_code type_ec;
        if (it->is_directory(type_ec)) {
          if (name == ".git" || name == "node_modules") it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file(type_ec) && scannable_extension(entry)) found.push_back(entry);
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(path);  // named explicitly: scanned whatever its extension
    }
  }
  // Files are scanned in parallel (one matcher copy per worker: Hyperscan scratch is per thread) and merged in
  // file order, so the report does not depend on scheduling.
  std::vector<FileResult> results(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) results[i].name = files[i].generic_string();
  const bool across_files = files.size() > 1;
  std::atomic<std::size_t> next{0};
  const auto work = [&](rules::CredentialMatcher& matcher) {
    detail::ScanWorkspace workspace;
    std::vector<char> buffer;
    for (std::size_t i = next.fetch_add(1); i < files.size(); i = next.fetch_add(1)) {
      FileResult& result = results[i];
      std::string_view text;
      result.status = read_file(files[i].string(), options_.max_file_bytes, buffer, text);
      if (result.status != ReadStatus::ok) continue;
      result.bytes = text.size();
      std::vector<Finding> found = detail::scan_document(result.name, text, matcher, workspace, &result.suppressed,
                                                         across_files ? &result.uses : nullptr);
      result.findings = without_baseline(std::move(found), options_.baseline, &result.suppressed);
    }
  };
  std::size_t workers = options_.threads != 0 ? options_.threads : default_workers();
  workers = std::clamp<std::size_t>(workers, 1, 16);
  workers = std::min(workers, std::max<std::size_t>(files.size(), 1));
  std::vector<rules::CredentialMatcher> matchers(workers - 1, matcher_);
  std::vector<std::thread> threads;
  for (rules::CredentialMatcher& matcher : matchers) threads.emplace_back(work, std::ref(matcher));
  work(matcher_);
  for (std::thread& thread : threads) thread.join();
  if (across_files) report_shared_across_files(results, options_.baseline, report.suppressed);

  for (FileResult& result : results) {
    switch (result.status) {
      case ReadStatus::failed:
        report.errors.push_back(result.name + ": cannot read");
        continue;
      case ReadStatus::too_large: {
        Finding finding;
        finding.rule_id = std::string(rules::id::malformed_file);
        finding.severity = rules::Severity::medium;
        finding.message = "file larger than " + std::to_string(options_.max_file_bytes) + " bytes, not scanned";
        finding.path = result.name;
        finding.fingerprint = core::sha256_hex(finding.rule_id + "\n" + result.name + "\ntoo-large").substr(0, 32);
        if (options_.baseline.contains(finding.fingerprint)) {
          ++report.suppressed;
        } else {
          result.findings.push_back(std::move(finding));
        }
        continue;
      }
      case ReadStatus::ok:
        break;
    }
    ++report.files_scanned;
    report.bytes_scanned += result.bytes;
    report.suppressed += result.suppressed;
  }
  // Findings ordered by path (stable: a file's own order, then file order), which is the order of the files by
  // name since every finding of a file carries its name.
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return results[a].name < results[b].name; });
  std::size_t total = 0;
  for (const FileResult& result : results) total += result.findings.size();
  report.findings.reserve(total);
  for (std::size_t i : order) {
    for (Finding& finding : results[i].findings) report.findings.push_back(std::move(finding));
  }
  return report;
}

bool has_failing_findings(const Report& report, rules::Severity fail_on) noexcept {
  return std::any_of(report.findings.begin(), report.findings.end(),
                     [fail_on](const Finding& finding) { return finding.severity >= fail_on; });
}

std::optional<OutputFormat> output_format_from_name(std::string_view name) noexcept {
  if (name == "text") return OutputFormat::text;
  if (name == "json") return OutputFormat::json;
  if (name == "sarif") return OutputFormat::sarif;
  return std::nullopt;
}

}  // namespace bulkhead::scan
