// Scanner: file and directory walking, baselines, and the entry points around the rule engine.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <atomic>
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

ReadStatus read_file(const fs::path& path, std::size_t max_bytes, std::string& out) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return ReadStatus::failed;
  if (size > max_bytes) return ReadStatus::too_large;
  std::ifstream in(path, std::ios::binary);
  if (!in) return ReadStatus::failed;
  out.resize(static_cast<std::size_t>(size));
  in.read(out.data(), static_cast<std::streamsize>(size));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return in.bad() ? ReadStatus::failed : ReadStatus::ok;
}

}  // namespace

Scanner::Scanner(Options options, rules::CredentialMatcher matcher)
    : options_(std::move(options)), matcher_(std::move(matcher)) {}

core::Result<Scanner> Scanner::create(Options options) {
  auto matcher = rules::CredentialMatcher::create();
  if (!matcher) return std::unexpected(matcher.error());
  return Scanner(std::move(options), std::move(*matcher));
}

namespace {

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

}  // namespace

std::vector<Finding> Scanner::scan_text(std::string_view path, std::string_view text, std::size_t* suppressed) {
  return without_baseline(detail::scan_document(path, text, matcher_, suppressed), options_.baseline, suppressed);
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
  struct FileResult {
    ReadStatus status = ReadStatus::failed;
    std::size_t bytes = 0;
    std::size_t suppressed = 0;
    std::vector<Finding> findings;
  };
  std::vector<FileResult> results(files.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&](rules::CredentialMatcher& matcher) {
    std::string text;
    for (std::size_t i = next.fetch_add(1); i < files.size(); i = next.fetch_add(1)) {
      FileResult& result = results[i];
      result.status = read_file(files[i], options_.max_file_bytes, text);
      if (result.status != ReadStatus::ok) continue;
      result.bytes = text.size();
      result.findings = without_baseline(
          detail::scan_document(files[i].generic_string(), text, matcher, &result.suppressed), options_.baseline,
          &result.suppressed);
    }
  };
  std::size_t workers = options_.threads != 0 ? options_.threads : std::thread::hardware_concurrency();
  workers = std::clamp<std::size_t>(workers, 1, 16);
  workers = std::min(workers, std::max<std::size_t>(files.size(), 1));
  std::vector<rules::CredentialMatcher> matchers(workers - 1, matcher_);
  std::vector<std::thread> threads;
  for (rules::CredentialMatcher& matcher : matchers) threads.emplace_back(work, std::ref(matcher));
  work(matcher_);
  for (std::thread& thread : threads) thread.join();

  for (std::size_t i = 0; i < files.size(); ++i) {
    FileResult& result = results[i];
    const std::string name = files[i].generic_string();
    switch (result.status) {
      case ReadStatus::failed:
        report.errors.push_back(name + ": cannot read");
        continue;
      case ReadStatus::too_large: {
        Finding finding;
        finding.rule_id = std::string(rules::id::malformed_file);
        finding.severity = rules::Severity::medium;
        finding.message = "file larger than " + std::to_string(options_.max_file_bytes) + " bytes, not scanned";
        finding.path = name;
        finding.fingerprint = core::sha256_hex(finding.rule_id + "\n" + name + "\ntoo-large").substr(0, 32);
        if (options_.baseline.contains(finding.fingerprint)) {
          ++report.suppressed;
        } else {
          report.findings.push_back(std::move(finding));
        }
        continue;
      }
      case ReadStatus::ok:
        break;
    }
    ++report.files_scanned;
    report.bytes_scanned += result.bytes;
    report.suppressed += result.suppressed;
    for (Finding& finding : result.findings) report.findings.push_back(std::move(finding));
  }
  std::stable_sort(report.findings.begin(), report.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.path < b.path; });
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
