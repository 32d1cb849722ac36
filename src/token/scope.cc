// Scopes of task tokens: parsing, matching a name, and the "narrower than" relation used by delegation.
#include <fmt/format.h>

#include "token/token.h"

namespace bulkhead::token {
namespace {

constexpr std::size_t kMaxEntries = 64;
constexpr std::size_t kMaxEntryBytes = 256;

bool is_pattern(std::string_view entry) noexcept { return entry.ends_with('*'); }
std::string_view stem(std::string_view entry) noexcept { return is_pattern(entry) ? entry.substr(0, entry.size() - 1) : entry; }

bool matches(std::string_view entry, std::string_view name) noexcept {
  return is_pattern(entry) ? name.starts_with(stem(entry)) : name == entry;
}

}  // namespace

core::Result<Scope> Scope::parse(std::string_view text) {
  Scope scope;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view entry = text.substr(i, end - i);
    i = end;
    if (entry.size() > kMaxEntryBytes) {
      return core::fail(core::Reason::invalid_request, fmt::format("a scope entry is longer than {} bytes", kMaxEntryBytes));
    }
    for (std::size_t k = 0; k < entry.size(); ++k) {
      const unsigned char c = static_cast<unsigned char>(entry[k]);
      if (c < 0x21 || c > 0x7e) return core::fail(core::Reason::invalid_request, "scope entries are visible ASCII");
      if (c == '*' && k + 1 != entry.size()) {
        return core::fail(core::Reason::invalid_request, "'*' may only end a scope entry (a prefix pattern)");
      }
    }
    bool duplicate = false;
    for (const auto& seen : scope.entries_) duplicate = duplicate || seen == entry;
    if (duplicate) continue;
    if (scope.entries_.size() == kMaxEntries) {
      return core::fail(core::Reason::invalid_request, fmt::format("a scope has at most {} entries", kMaxEntries));
    }
    scope.entries_.emplace_back(entry);
  }
  if (scope.entries_.empty()) return core::fail(core::Reason::invalid_request, "the scope is empty");
  return scope;
}

bool Scope::covers(std::string_view name) const noexcept {
  for (const auto& entry : entries_) {
    if (matches(entry, name)) return true;
  }
  return false;
}

bool Scope::within(const Scope& wider) const noexcept {
  for (const auto& mine : entries_) {
    bool covered = false;
    for (const auto& theirs : wider.entries_) {
      if (is_pattern(mine)) {
        // A pattern is narrower only than a pattern whose stem is a prefix of its own stem.
        covered = is_pattern(theirs) && stem(mine).starts_with(stem(theirs));
      } else {
        covered = matches(theirs, mine);
      }
      if (covered) break;
    }
    if (!covered) return false;
  }
  return true;
}

std::string Scope::to_string() const {
  std::string out;
  for (const auto& entry : entries_) {
    if (!out.empty()) out += ' ';
    out += entry;
  }
  return out;
}

std::string_view TaskToken::delegated_by() const noexcept {
  if (actors.empty()) return {};
  return actors.size() > 1 ? std::string_view(actors[1]) : std::string_view(subject);
}

std::vector<std::string> TaskToken::chain() const {
  std::vector<std::string> out(actors.begin(), actors.end());
  out.push_back(subject);
  return out;
}

bool valid_task_id(std::string_view task) noexcept {
  if (task.empty() || task.size() > 128) return false;
  for (char c : task) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace bulkhead::token
