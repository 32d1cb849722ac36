// Loading a PolicySet: parse every source, assign ids, reject duplicates, build the index. All or nothing.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>

#include "policy/detail/parser.h"
#include "policy/detail/policy_set_impl.h"
#include "policy/policy.h"

namespace bulkhead::policy {
namespace {

LoadResult build(std::span<const Source> sources, bool cedar_ids) {
  auto impl = std::make_unique<PolicySet::Impl>();
  std::vector<Diagnostic> diagnostics;
  std::size_t global_index = 0;
  for (const auto& source : sources) {
    auto parsed = detail::parse_policies(source.name, source.text);
    if (!parsed) {
      diagnostics.push_back(std::move(parsed.error()));
      continue;
    }
    for (std::size_t i = 0; i < parsed->size(); ++i, ++global_index) {
      auto& policy = (*parsed)[i];
      if (policy.info.id.empty()) {
        policy.info.id = cedar_ids ? "policy" + std::to_string(global_index) : source.name + ":" + std::to_string(i);
      }
      impl->policies.push_back(std::move(policy));
    }
  }
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < impl->policies.size(); ++i) {
    const auto& info = impl->policies[i].info;
    const auto [it, inserted] = seen.emplace(info.id, i);
    if (!inserted) {
      const auto& first = impl->policies[it->second].info;
      diagnostics.push_back(Diagnostic{info.file, info.line, info.column,
                                       "duplicate policy id \"" + info.id + "\" (first at " + first.file + ":" +
                                           std::to_string(first.line) + ":" + std::to_string(first.column) + ")"});
    }
  }
  if (!diagnostics.empty()) return std::unexpected(std::move(diagnostics));
  impl->index = detail::PolicyIndex(impl->policies);
  return PolicySetPtr(new PolicySet(std::move(impl)));
}

}  // namespace

std::string to_string(const Diagnostic& d) {
  return d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message;
}

PolicySet::PolicySet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PolicySet::~PolicySet() = default;

std::size_t PolicySet::size() const noexcept { return impl_->policies.size(); }
const PolicyInfo& PolicySet::info(std::size_t index) const { return impl_->policies.at(index).info; }

LoadResult PolicySet::parse(std::span<const Source> sources) { return build(sources, false); }

LoadResult PolicySet::parse_text(std::string_view text) {
  const Source source{"policies", std::string(text)};
  return build(std::span<const Source>(&source, 1), true);
}

LoadResult PolicySet::load_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".cedar" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) {
    return std::unexpected(std::vector<Diagnostic>{Diagnostic{dir.string(), 0, 0, "cannot read directory: " + ec.message()}});
  }
  std::sort(files.begin(), files.end());
  std::vector<Source> sources;
  std::vector<Diagnostic> diagnostics;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (!in) {
      diagnostics.push_back(Diagnostic{file.string(), 0, 0, "cannot read file"});
      continue;
    }
    sources.push_back(Source{file.filename().string(), buffer.str()});
  }
  if (!diagnostics.empty()) return std::unexpected(std::move(diagnostics));
  return build(sources, false);
}

}  // namespace bulkhead::policy
