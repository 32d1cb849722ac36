// The rule engine: reads one document, finds the MCP servers in it (whatever the client's format), and applies
// the secret rules to every string and the server rules to every server.
//
// Cost model (docs/scan.md "Throughput"): the document is a tree of views into the file; one Hyperscan pass over
// the whole file finds where credentials may end, so the per-string credential matcher runs only on strings that
// contain such an end; positions are byte offsets until a finding needs a line and column.
#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>

#include "core/core.h"
#include "scan/detail/byte_scan.h"
#include "scan/detail/document.h"
#include "scan/detail/engine.h"
#include "scan/scan.h"

namespace bulkhead::scan {
namespace {

using namespace std::literals;

using detail::Node;
namespace rid = rules::id;

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}

// True when `haystack` contains `needle`, both compared in lower case (ASCII).
bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.empty()) return true;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// Offset of `needle` (lower case) in `haystack` compared case-insensitively (ASCII), or npos.
std::size_t ifind(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.empty()) return 0;
  if (needle.size() > haystack.size()) return std::string_view::npos;
  const char first = needle.front();
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (lower(haystack[i]) == first && iequals(haystack.substr(i, needle.size()), needle)) return i;
  }
  return std::string_view::npos;
}

std::string_view basename(std::string_view command) noexcept {
  const std::size_t slash = command.find_last_of("/\\");
  if (slash != std::string_view::npos) command.remove_prefix(slash + 1);
  for (std::string_view suffix : {".cmd"sv, ".exe"sv, ".CMD"sv, ".EXE"sv}) {
    if (command.ends_with(suffix)) command.remove_suffix(suffix.size());
  }
  return command;
}

// "loc[3]" (written without operator+ chains, which trip a g++ 12 -Wrestrict false positive).
void append_index(std::string& location, std::size_t index) {
  location.push_back('[');
  detail::append_decimal(location, index);
  location.push_back(']');
}

// "a.b" for a plain key, a."b c" for any other (the spelling of every location in findings and baselines).
void append_key(std::string& out, std::string_view key) {
  if (!out.empty()) out.push_back('.');
  const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return is_alnum(c) || c == '_' || c == '-';
  });
  if (plain) {
    out += key;
  } else {
    out += '"';
    out += key;
    out += '"';
  }
}

// The logical location of the node being walked (mcpServers.github.env.TOKEN, args[2]), kept as segments and
// spelled only when a finding needs it: most nodes never do.
struct PathSegment {
  std::string_view key;
  std::size_t index;  // LogicalPath::kNoIndex for a key
};

class LogicalPath {
 public:
  static constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);
  explicit LogicalPath(std::vector<PathSegment>& segments) : segments_(segments) { segments_.clear(); }
  void push_key(std::string_view key) { segments_.push_back({key, kNoIndex}); }
  void push_index(std::size_t index) { segments_.push_back({{}, index}); }
  void pop() noexcept { segments_.pop_back(); }
  // The location, with "[index]" appended unless kNoIndex.
  [[nodiscard]] std::string str(std::size_t index = kNoIndex) const {
    std::string out;
    for (const PathSegment& segment : segments_) {
      if (segment.index == kNoIndex) {
        append_key(out, segment.key);
      } else {
        append_index(out, segment.index);
      }
    }
    if (index != kNoIndex) append_index(out, index);
    return out;
  }

 private:
  std::vector<PathSegment>& segments_;
};

std::string with_index(std::string_view location, std::size_t index) {
  std::string out(location);
  append_index(out, index);
  return out;
}

std::string with_suffix(std::string_view location, std::string_view suffix) {
  std::string out(location);
  out += suffix;
  return out;
}

// One command-line word and where it came from (an args item, or a word of a command string).
struct Word {
  std::string_view text;
  const Node* node = nullptr;
  std::size_t offset = 0;  // byte offset of `text` inside node->text
};

// Keys under which clients keep their server maps.
bool is_server_map_key(std::string_view key) noexcept {
  return key == "mcpServers" || key == "mcp_servers" || key == "context_servers" || key == "mcp-servers";
}

bool looks_like_server(const Node& node) noexcept {
  if (node.kind != Node::Kind::object) return false;
  for (std::string_view field : {"command"sv, "url"sv, "serverUrl"sv, "httpUrl"sv, "args"sv, "type"sv, "transport"sv}) {
    if (node.find(field) != nullptr) return true;
  }
  return false;
}

bool is_server_map(const Node& member) noexcept {
  if (member.kind != Node::Kind::object) return false;
  if (is_server_map_key(member.key)) return true;
  if (member.key != "servers") return false;
  return std::any_of(member.children.begin(), member.children.end(), looks_like_server);
}

bool is_truthy(const Node& node) noexcept {
  return (node.kind == Node::Kind::boolean && node.text == "true") ||
         (node.kind == Node::Kind::string && (iequals(node.text, "true") || node.text == "*"));
}

struct UrlParts {
  std::string_view scheme;
  std::string_view userinfo;
  std::string_view host;
  std::string_view query;
  std::string_view fragment;  // OAuth implicit flows put tokens here (#access_token=…)
  std::size_t userinfo_offset = 0;
  std::size_t query_offset = 0;
  std::size_t fragment_offset = 0;
};

std::optional<UrlParts> split_url(std::string_view url) {
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0 || colon > 16) return std::nullopt;
  for (char c : url.substr(0, colon)) {
    if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = url.substr(0, colon);
  const std::size_t authority_start = colon + 3;
  std::size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    parts.userinfo = authority.substr(0, at);
    parts.userinfo_offset = authority_start;
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    parts.host = close == std::string_view::npos ? authority.substr(1) : authority.substr(1, close - 1);
  } else {
    parts.host = authority.substr(0, authority.find(':'));
  }
  const std::size_t question = url.find('?', authority_end);
  if (question != std::string_view::npos) {
    const std::size_t hash = url.find('#', question);
    parts.query_offset = question + 1;
    parts.query = url.substr(question + 1, (hash == std::string_view::npos ? url.size() : hash) - question - 1);
  }
  if (const std::size_t hash = url.find('#', authority_end); hash != std::string_view::npos) {
    parts.fragment_offset = hash + 1;
    parts.fragment = url.substr(hash + 1);
  }
  return parts;
}

bool is_loopback(std::string_view host) {
  std::array<char, 64> buffer;
  std::string heap;
  std::string_view low;
  if (host.size() <= buffer.size()) {
    for (std::size_t i = 0; i < host.size(); ++i) buffer[i] = lower(host[i]);
    low = std::string_view(buffer.data(), host.size());
  } else {
    heap = to_lower(host);
    low = heap;
  }
  return core::is_loopback_host(low) || low.ends_with(".localhost") || low == "::1";
}

constexpr std::array<std::string_view, 17> kSecretQueryParams = {
    "key",    "api_key",      "apikey",   "api-key", "token",       "access_token", "auth",  "auth_token", "secret",
    "password", "client_secret", "sig",   "signature", "private_token", "pat",        "passwd", "x-api-key"};

// Matches "bulkhead-ignore" comments to findings: the comment's line and the line after it.
struct IgnoreDirective {
  std::uint32_t line = 0;
  std::vector<std::string_view> rule_ids;  // empty: every rule
};

std::vector<IgnoreDirective> ignore_directives(const detail::Document& document) {
  std::vector<IgnoreDirective> out;
  detail::PositionTracker tracker(document.source, document.origin);
  for (const detail::Comment& comment : document.comments) {
    const std::size_t at = comment.text.find("bulkhead-ignore");
    if (at == std::string_view::npos) continue;
    IgnoreDirective directive;
    directive.line = tracker.at(comment.offset).line;
    const std::string_view rest = comment.text.substr(at + 15);
    for (std::size_t i = 0; i + 5 <= rest.size(); ++i) {
      if (rest[i] == 'B' && rest[i + 1] == 'H' && is_digit(rest[i + 2]) &&
          is_digit(rest[i + 3]) &&
          is_digit(rest[i + 4])) {
        directive.rule_ids.push_back(rest.substr(i, 5));
        i += 4;
      }
    }
    out.push_back(std::move(directive));
  }
  return out;
}

bool is_ignored(const std::vector<IgnoreDirective>& directives, std::uint32_t line, std::string_view rule_id) {
  return std::any_of(directives.begin(), directives.end(), [&](const IgnoreDirective& d) {
    const bool covers_line = line == d.line || line == d.line + 1;
    return covers_line &&
           (d.rule_ids.empty() || std::find(d.rule_ids.begin(), d.rule_ids.end(), rule_id) != d.rule_ids.end());
  });
}

constexpr std::size_t kResolved = static_cast<std::size_t>(-1);  // the finding's position is set already

struct ServerRef {
  const Node* node;
  std::string name;
  std::string location;
};

// A secret finding, for the shared-credential rule: views into the file (secret) and into ServerRef names.
struct SecretFinding {
  std::string_view secret;
  std::size_t finding;
  std::string_view server;
};

}  // namespace

// The engine's per-file containers, kept in the workspace so that the next file reuses their memory.
struct detail::EngineScratch {
  std::vector<Finding> findings;
  std::vector<std::size_t> offsets;
  std::vector<ServerRef> servers;
  std::vector<std::pair<const Node*, std::size_t>> server_maps;
  std::vector<Word> words;
  std::vector<SecretFinding> secret_uses;
  std::vector<PathSegment> path;
  std::vector<std::size_t> order;
};

namespace {

class Engine {
 public:
  Engine(std::string_view path, rules::CredentialMatcher& matcher, detail::ScanWorkspace& workspace,
         detail::EngineScratch& scratch)
      : path_(path),
        matcher_(matcher),
        workspace_(workspace),
        findings_(scratch.findings),
        offsets_(scratch.offsets),
        servers_(scratch.servers),
        server_maps_(scratch.server_maps),
        words_(scratch.words),
        secret_uses_(scratch.secret_uses),
        path_segments_(scratch.path),
        resolve_order_(scratch.order) {
    findings_.clear();
    offsets_.clear();
    servers_.clear();
    server_maps_.clear();
    secret_uses_.clear();
  }

  std::vector<Finding> run(std::string_view text, std::size_t* suppressed, std::vector<detail::SecretUse>* uses) {
    const bool toml = path_.ends_with(".toml") || path_.ends_with(".TOML");
    detail::Document& document = workspace_.document;
    detail::ParseError error;
    const bool read = toml ? detail::read_toml(text, document, error) : detail::read_jsonc(text, document, error);
    if (!read) {
      report_malformed(text, error);
      resolve_positions(text, 0);
    } else {
      prefilter_ = matcher_.candidate_ends(text, workspace_.candidate_ends);
      std::string location;
      find_servers(document.root, location);
      LogicalPath path(path_segments_);
      walk(document.root, path, "", "");
      for (const ServerRef& server : servers_) check_server(*server.node, server.name, server.location);
      check_gateway(document.root, toml);
      for (const detail::Comment& comment : document.comments) scan_comment(comment, text);
      resolve_positions(text, document.origin);
      const std::vector<IgnoreDirective> directives = ignore_directives(document);
      report_shared_credentials(directives, uses);
      apply_ignores(directives, suppressed);
    }
    // By position and rule; sorting indices makes the same comparisons std::sort on the findings would, so the
    // order of equal elements is the same, without moving findings around.
    std::vector<std::size_t>& order = workspace_.order;
    order.resize(findings_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [this](std::size_t x, std::size_t y) {
      const Finding& a = findings_[x];
      const Finding& b = findings_[y];
      if (a.position.line != b.position.line) return a.position.line < b.position.line;
      if (a.position.column != b.position.column) return a.position.column < b.position.column;
      return a.rule_id < b.rule_id;
    });
    // Permute in place (following the cycles of `order`), then drop duplicates as std::unique would.
    std::vector<bool>& placed = workspace_.placed;
    placed.assign(order.size(), false);
    for (std::size_t start = 0; start < order.size(); ++start) {
      if (placed[start] || order[start] == start) continue;
      Finding held = std::move(findings_[start]);
      std::size_t at = start;
      while (order[at] != start) {
        findings_[at] = std::move(findings_[order[at]]);
        placed[at] = true;
        at = order[at];
      }
      findings_[at] = std::move(held);
      placed[at] = true;
    }
    findings_.erase(std::unique(findings_.begin(), findings_.end(),
                                [](const Finding& a, const Finding& b) {
                                  return a.rule_id == b.rule_id && a.position == b.position &&
                                         a.location == b.location;
                                }),
                    findings_.end());
    // One allocation of the exact size for the caller; findings_ keeps its capacity for the next file.
    std::vector<Finding> out;
    out.reserve(findings_.size());
    std::move(findings_.begin(), findings_.end(), std::back_inserter(out));
    return out;
  }

 private:

  // ---- findings -------------------------------------------------------------------------------------------

  // `offset` is where in the source the finding points (resolved to a line and column at the end), or kResolved
  // with `position` set.
  void add(std::string_view rule_id, std::size_t offset, Position position, std::string location,
           std::string_view server, std::string_view detail_text, std::string evidence,
           std::string_view fingerprint_material) {
    const rules::Rule* rule = rules::find_rule(rule_id);
    Finding finding;
    finding.rule_id = std::string(rule_id);
    finding.severity = rule != nullptr ? rule->severity : rules::Severity::high;
    const std::string_view message = rule != nullptr ? rule->message : rule_id;
    const bool with_detail = !detail_text.empty() && !icontains(message, detail_text);
    finding.message.reserve(message.size() + (with_detail ? detail_text.size() + 3 : 0) + location.size() + 4);
    finding.message = message;
    if (with_detail) {
      finding.message += " (";
      finding.message += detail_text;
      finding.message += ")";
    }
    if (!location.empty()) {
      finding.message += " in ";
      finding.message += location;
    }
    finding.path = std::string(path_);
    finding.position = position;
    finding.fingerprint = detail::fingerprint(rule_id, path_, location, fingerprint_material);
    finding.location = std::move(location);
    finding.server = std::string(server);
    finding.evidence = std::move(evidence);
    findings_.push_back(std::move(finding));
    offsets_.push_back(offset);
  }

  void add(std::string_view rule_id, std::size_t offset, std::string location, std::string_view server,
           std::string_view detail_text, std::string evidence, std::string_view fingerprint_material) {
    add(rule_id, offset, {}, std::move(location), server, detail_text, std::move(evidence), fingerprint_material);
  }

  void add_secret(std::string_view rule_id, std::string_view kind, std::size_t offset, std::string location,
                  std::string_view server, std::string_view secret) {
    add(rule_id, offset, std::move(location), server, kind, rules::redact(secret), secret);
    secret_uses_.push_back({secret, findings_.size() - 1, server});
  }

  // Where byte `offset` of a string's decoded text is in the source: exact for strings written without escapes,
  // else the string's opening quote.
  static std::size_t position_in(const Node& node, std::size_t offset) noexcept {
    if (!node.verbatim || offset > node.text.size()) return node.offset;
    return node.offset + 1 + offset;
  }

  // Lines and columns for every finding, in one pass over the source in offset order.
  void resolve_positions(std::string_view text, std::size_t origin) {
    std::vector<std::size_t>& order = resolve_order_;
    order.clear();
    for (std::size_t i = 0; i < offsets_.size(); ++i) {
      if (offsets_[i] != kResolved) order.push_back(i);
    }
    std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) { return offsets_[a] < offsets_[b]; });
    detail::PositionTracker tracker(text, origin);
    for (std::size_t i : order) {
      findings_[i].position = tracker.at(offsets_[i]);
      offsets_[i] = kResolved;
    }
  }

  // ---- credentials in one string ------------------------------------------------------------------------------

  // rules::is_sensitive_key, remembered: a file repeats the same few keys (env names, "args", "url") thousands of
  // times. Direct-mapped on a cheap hash; a collision only recomputes. Keys are views valid for the whole file.
  bool sensitive_key(std::string_view key) {
    const std::size_t hash = key.empty() ? 0
                                         : key.size() * 131 + static_cast<unsigned char>(key.front()) * 31 +
                                               static_cast<unsigned char>(key[key.size() / 2]) * 7 +
                                               static_cast<unsigned char>(key.back());
    SensitiveKey& entry = sensitive_keys_[hash % sensitive_keys_.size()];
    if (!entry.known || entry.key != key) entry = {key, rules::is_sensitive_key(key), true};
    return entry.sensitive;
  }

  // matcher_.find(node.text), skipped when the whole-file pass found no candidate ending inside the string.
  std::vector<rules::CredentialMatch> credentials_in(const Node& node) {
    if (node.verbatim && prefilter_ && !candidate_in(node.offset + 1, node.text.size())) return {};
    return matcher_.find(node.text);
  }

  // True when a candidate of the whole-file pass ends in (start, start + length]. Strings come mostly in source
  // order, so a cursor usually answers; a binary search when they go back.
  bool candidate_in(std::size_t start, std::size_t length) noexcept {
    const std::vector<std::size_t>& ends = workspace_.candidate_ends;
    if (cursor_ > 0 && ends[cursor_ - 1] > start) {
      cursor_ = static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), start) - ends.begin());
    } else {
      while (cursor_ < ends.size() && ends[cursor_] <= start) ++cursor_;
    }
    return cursor_ < ends.size() && ends[cursor_] <= start + length;
  }

  // ---- servers ----------------------------------------------------------------------------------------------

  void find_servers(const Node& node, std::string& location) {
    if (node.kind == Node::Kind::object) {
      for (const Node& member : node.children) {
        const std::size_t saved = location.size();
        append_key(location, member.key);
        if (is_server_map(member)) {
          server_maps_.emplace_back(&member, servers_.size());
          for (const Node& server : member.children) {
            if (server.kind != Node::Kind::object) continue;
            add_server(server, std::string(server.key), join(location, server.key));
          }
        } else if (member.key == "upstream" && member.kind == Node::Kind::array) {
          server_maps_.emplace_back(&member, servers_.size());
          for (std::size_t i = 0; i < member.children.size(); ++i) {  // bulkhead.toml [[upstream]]
            const Node& upstream = member.children[i];
            if (upstream.kind != Node::Kind::object) continue;
            const Node* name = upstream.find("name");
            std::string server_name = name != nullptr && name->is_string() ? std::string(name->text)
                                                                              : std::to_string(i);
            add_server(upstream, std::move(server_name), with_index(location, i));
          }
        } else if (member.kind == Node::Kind::object || member.kind == Node::Kind::array) {
          find_servers(member, location);
        }
        location.resize(saved);
      }
    } else if (node.kind == Node::Kind::array) {
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        const Node& child = node.children[i];
        if (child.kind != Node::Kind::object && child.kind != Node::Kind::array) continue;
        const std::size_t saved = location.size();
        append_index(location, i);
        find_servers(child, location);
        location.resize(saved);
      }
    }
  }

  void add_server(const Node& node, std::string name, std::string location) {
    servers_.push_back({&node, std::move(name), std::move(location)});
  }

  // The index into servers_ of the first server of `node` when it is a server map (or [[upstream]] array), whose
  // object children are, in order, the servers find_servers found; else npos. Files have one or two.
  std::size_t first_server_of(const Node& node) const noexcept {
    for (const auto& [map, first] : server_maps_) {
      if (map == &node) return first;
    }
    return std::string_view::npos;
  }

  static std::string join(std::string_view location, std::string_view key) {
    std::string out(location);
    append_key(out, key);
    return out;
  }


  // ---- secrets in every string --------------------------------------------------------------------------------

  void walk(const Node& node, LogicalPath& path, std::string_view server, std::string_view key) {
    // In a server map, each object child is the next server (find_servers' order).
    std::size_t next_server = server_maps_.empty() || node.children.empty() ? std::string_view::npos
                                                                             : first_server_of(node);
    const auto server_of = [&](const Node& child) -> std::string_view {
      if (next_server == std::string_view::npos || child.kind != Node::Kind::object) return server;
      return servers_[next_server++].name;
    };
    switch (node.kind) {
      case Node::Kind::object:
        for (const Node& member : node.children) {
          path.push_key(member.key);
          check_passthrough_flag(member, path, server);
          walk(member, path, server_of(member), member.key);
          path.pop();
        }
        break;
      case Node::Kind::array:
        check_argument_secrets(node, path, server);
        for (std::size_t i = 0; i < node.children.size(); ++i) {
          path.push_index(i);
          walk(node.children[i], path, server_of(node.children[i]), key);
          path.pop();
        }
        break;
      case Node::Kind::string:
        scan_string(node, path, server, key);
        break;
      default:
        break;
    }
  }

  // Provider formats anywhere in the string; else URL credentials; else the key-context entropy rule.
  void scan_string(const Node& node, const LogicalPath& path, std::string_view server, std::string_view key) {
    const std::string_view value = node.text;
    if (value.size() < 8) return;
    const auto matches = credentials_in(node);
    for (const rules::CredentialMatch& match : matches) {
      add_secret(match.rule_id, match.kind, position_in(node, match.offset), path.str(), server,
                 value.substr(match.offset, match.length));
    }
    // Every passthrough marker has a '{' or a '$' or "headers.", and "header" or "client_token"; most values have
    // neither.
    const detail::StringFeatures features = detail::string_features(value);
    if (features.he_or_cl &&
        (features.brace_or_dollar || (features.s_dot && value.find("eaders.") != std::string_view::npos))) {
      check_passthrough_value(node, path, server);
    }
    if (!matches.empty()) return;
    if (features.scheme_separator && check_url_credentials(node, path, server)) return;
    if (!key.empty() && sensitive_key(key)) check_generic(node, 0, value, key, path, LogicalPath::kNoIndex, server);
  }

  // `value` = node.text.substr(offset) (or part of it): a value in a credential field.
  void check_generic(const Node& node, std::size_t offset, std::string_view value, std::string_view key,
                     const LogicalPath& path, std::size_t index, std::string_view server) {
    std::size_t skip = 0;
    for (std::string_view scheme : {"Bearer "sv, "bearer "sv, "Basic "sv, "basic "sv, "Token "sv, "token "sv}) {
      if (value.starts_with(scheme)) {
        skip = scheme.size();
        break;
      }
    }
    const std::string_view secret = value.substr(skip);
    if (!rules::looks_like_generic_secret(secret)) return;
    const std::string low_key = to_lower(key);
    const bool base64ish = std::all_of(secret.begin(), secret.end(), [](char c) {
      return is_alnum(c) || c == '+' || c == '/' || c == '=';
    });
    std::string_view rule_id = rid::generic_secret;
    std::string_view kind;
    if (low_key.find("aws") != std::string::npos && secret.size() == 40 && base64ish) {
      rule_id = rid::aws_key;
      kind = "AWS secret access key";
    } else if (low_key.find("azure") != std::string::npos && base64ish) {
      rule_id = rid::azure_key;
      kind = "Azure key";
    }
    add_secret(rule_id, kind, position_in(node, offset + skip), path.str(index), server, secret);
  }

  bool check_url_credentials(const Node& node, const LogicalPath& path, std::string_view server) {
    const std::string_view url = node.text;
    std::size_t start = url.find("://");
    // The URL may be embedded (e.g. "--url=https://…"); back up to its scheme.
    while (start > 0 && (is_alnum(url[start - 1]) || url[start - 1] == '+')) --start;
    const std::string_view embedded = url.substr(start);
    const auto parts = split_url(embedded.substr(0, embedded.find_first_of(" \t\"'")));
    if (!parts) return false;
    bool found = false;
    if (!parts->userinfo.empty()) {
      const std::size_t colon = parts->userinfo.find(':');
      if (colon != std::string_view::npos) {
        const std::string_view password = parts->userinfo.substr(colon + 1);
        if (!password.empty() && !rules::is_reference(password) && !rules::is_placeholder(password) &&
            !rules::is_reference(parts->userinfo)) {
          add_secret(rid::url_credential, "password in URL userinfo",
                     position_in(node, start + parts->userinfo_offset + colon + 1), path.str(), server, password);
          found = true;
        }
      } else if (rules::looks_like_generic_secret(parts->userinfo)) {
        add_secret(rid::url_credential, "token in URL userinfo", position_in(node, start + parts->userinfo_offset),
                   path.str(), server, parts->userinfo);
        found = true;
      }
    }
    for (const auto& [params, params_offset] : {std::pair{parts->query, parts->query_offset},
                                                std::pair{parts->fragment, parts->fragment_offset}}) {
      std::size_t cursor = 0;
      while (!params.empty() && cursor <= params.size()) {
        std::size_t amp = params.find('&', cursor);
        if (amp == std::string_view::npos) amp = params.size();
        const std::string_view pair = params.substr(cursor, amp - cursor);
        const std::size_t eq = pair.find('=');
        if (eq != std::string_view::npos) {
          const std::string name = to_lower(pair.substr(0, eq));
          const std::string_view value = pair.substr(eq + 1);
          const bool secret_name = std::find(kSecretQueryParams.begin(), kSecretQueryParams.end(), name) !=
                                       kSecretQueryParams.end() ||
                                   rules::is_sensitive_key(name);
          if (secret_name && value.size() >= 8 && !rules::is_reference(value) && !rules::is_placeholder(value)) {
            add_secret(rid::url_credential, "credential in URL parameter '" + name + "'",
                       position_in(node, start + params_offset + cursor + eq + 1), path.str(), server, value);
            found = true;
          }
        }
        cursor = amp + 1;
      }
    }
    return found;
  }

  // --token VALUE, --api-key=VALUE, KEY=VALUE (docker -e), "Authorization: Bearer VALUE" (mcp-remote --header).
  void check_argument_secrets(const Node& array, const LogicalPath& path, std::string_view server) {
    const auto& items = array.children;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Node& item = items[i];
      if (!item.is_string()) continue;
      const std::string_view arg = item.text;
      if (!credentials_in(item).empty()) continue;  // reported by scan_string already
      if (arg.starts_with("-")) {
        std::string_view flag = arg;
        while (!flag.empty() && flag.front() == '-') flag.remove_prefix(1);
        const std::size_t eq = flag.find('=');
        if (eq != std::string_view::npos) {
          if (sensitive_key(flag.substr(0, eq))) {
            check_generic(item, arg.size() - flag.size() + eq + 1, flag.substr(eq + 1), flag.substr(0, eq), path, i,
                          server);
          }
        } else if (sensitive_key(flag) && i + 1 < items.size() && items[i + 1].is_string() &&
                   !items[i + 1].text.starts_with("-") && credentials_in(items[i + 1]).empty()) {
          check_generic(items[i + 1], 0, items[i + 1].text, flag, path, i + 1, server);
        }
        continue;
      }
      const std::size_t eq = arg.find('=');
      const std::size_t colon = arg.find(':');
      if (eq != std::string_view::npos && eq > 0 && arg.find("://") == std::string_view::npos &&
          sensitive_key(arg.substr(0, eq)) && arg.substr(0, eq).find(' ') == std::string_view::npos) {
        check_generic(item, eq + 1, arg.substr(eq + 1), arg.substr(0, eq), path, i, server);
      } else if (colon != std::string_view::npos && colon > 0 && arg.find("://") == std::string_view::npos &&
                 sensitive_key(arg.substr(0, colon))) {
        std::size_t value_start = colon + 1;
        while (value_start < arg.size() && arg[value_start] == ' ') ++value_start;
        check_generic(item, value_start, arg.substr(value_start), arg.substr(0, colon), path, i, server);
      }
    }
  }

  void scan_comment(const detail::Comment& comment, std::string_view text) {
    // The comment's text is a view into the source: its first byte is at `body`.
    const std::size_t body = static_cast<std::size_t>(comment.text.data() - text.data());
    if (prefilter_ && !candidate_in(body, comment.text.size())) return;
    for (const rules::CredentialMatch& match : matcher_.find(comment.text)) {
      add_secret(match.rule_id, match.kind, comment.verbatim ? body + match.offset : comment.offset, "(comment)", "",
                 comment.text.substr(match.offset, match.length));
    }
  }

  // ---- token passthrough ------------------------------------------------------------------------------------

  void check_passthrough_flag(const Node& member, const LogicalPath& path, std::string_view server) {
    if (!is_truthy(member)) return;
    const std::string key = to_lower(member.key);
    const bool forwards = key.find("forward") != std::string::npos || key.find("passthrough") != std::string::npos ||
                          key.find("pass_through") != std::string::npos ||
                          key.find("pass-through") != std::string::npos;
    const bool credential = key.find("auth") != std::string::npos || key.find("token") != std::string::npos ||
                            key.find("credential") != std::string::npos;
    if (forwards && credential) {
      std::string evidence(member.key);
      evidence += " = ";
      evidence += member.text;
      add(rid::token_passthrough, member.offset, path.str(), server, "", std::move(evidence), member.key);
    }
  }

  void check_passthrough_value(const Node& node, const LogicalPath& path, std::string_view server) {
    // Only for values scan_string found a marker's characters in.
    const std::string_view text = node.text;
    for (std::string_view marker : {"${header:authorization}"sv, "request.headers.authorization"sv,
                                    "{client_token}"sv, "${client_token}"sv, "{{client_token}}"sv, "$client_token"sv}) {
      const std::size_t at = ifind(text, marker);
      if (at != std::string_view::npos) {
        add(rid::token_passthrough, position_in(node, at), path.str(), server, "", std::string(text), text);
        return;
      }
    }
  }

  // ---- per-server rules ---------------------------------------------------------------------------------------

  // The members of a server the per-server rules look at, found in one pass (the first of a repeated name, as
  // Node::find would).
  struct ServerFields {
    std::array<const Node*, 5> urls{};   // url, serverUrl, httpUrl, uri, endpoint
    std::array<const Node*, 4> allow{};  // alwaysAllow, autoApprove, auto_approve, autoApproveTools
    const Node* command = nullptr;
    const Node* args = nullptr;
    const Node* trust = nullptr;
  };
  static constexpr std::array<std::string_view, 5> kUrlFields = {"url", "serverUrl", "httpUrl", "uri", "endpoint"};
  static constexpr std::array<std::string_view, 4> kAllowFields = {"alwaysAllow", "autoApprove", "auto_approve",
                                                                   "autoApproveTools"};

  static ServerFields server_fields(const Node& server) noexcept {
    ServerFields fields;
    const auto first = [](const Node*& slot, const Node& member) {
      if (slot == nullptr) slot = &member;
    };
    for (const Node& member : server.children) {
      const std::string_view key = member.key;
      if (key == "command") {
        first(fields.command, member);
      } else if (key == "args") {
        first(fields.args, member);
      } else if (key == "trust") {
        first(fields.trust, member);
      } else {
        for (std::size_t i = 0; i < kUrlFields.size(); ++i) {
          if (key == kUrlFields[i]) first(fields.urls[i], member);
        }
        for (std::size_t i = 0; i < kAllowFields.size(); ++i) {
          if (key == kAllowFields[i]) first(fields.allow[i], member);
        }
      }
    }
    return fields;
  }

  static void command_words(const ServerFields& fields, std::vector<Word>& words) {
    words.clear();
    if (const Node* command = fields.command; command != nullptr) {
      if (command->is_string()) {
        std::string_view text = command->text;
        std::size_t i = 0;
        while (i < text.size()) {
          while (i < text.size() && text[i] == ' ') ++i;
          const std::size_t start = i;
          while (i < text.size() && text[i] != ' ') ++i;
          if (i > start) words.push_back({text.substr(start, i - start), command, start});
        }
      } else if (const Node* path = command->find("path"); path != nullptr && path->is_string()) {
        words.push_back({path->text, path, 0});  // Zed: "command": {"path": "npx", "args": […]}
      } else if (command->kind == Node::Kind::array) {  // some gateways: command = ["npx", …]
        for (const Node& item : command->children) {
          if (item.is_string()) words.push_back({item.text, &item, 0});
        }
      }
    }
    const Node* args = fields.args;
    if (args == nullptr) {
      if (const Node* command = fields.command; command != nullptr && command->kind == Node::Kind::object) {
        args = command->find("args");  // Zed: "command": {"path": …, "args": […]}
      }
    }
    if (args != nullptr && args->kind == Node::Kind::array) {
      for (const Node& item : args->children) {
        if (item.is_string()) words.push_back({item.text, &item, 0});
      }
    }
  }

  void check_server(const Node& server, const std::string& name, const std::string& location) {
    const ServerFields fields = server_fields(server);
    for (std::size_t i = 0; i < kUrlFields.size(); ++i) {
      const Node* url = fields.urls[i];
      if (url != nullptr && url->is_string()) {
        check_plain_http(*url, [&] { return join(location, kUrlFields[i]); }, name, 0, url->text);
      }
    }
    command_words(fields, words_);
    const std::vector<Word>& words = words_;
    for (std::size_t i = 0; i < words.size(); ++i) {
      const std::string_view word = words[i].text;
      if (word.starts_with("http://") || word.starts_with("ws://")) {
        check_plain_http(*words[i].node, [&] { return with_suffix(location, ".args"); }, name, words[i].offset, word);
      }
    }
    check_launch(words, location, name);
    for (std::size_t f = 0; f < kAllowFields.size(); ++f) {
      const std::string_view field = kAllowFields[f];
      const Node* allow = fields.allow[f];
      if (allow == nullptr) continue;
      const bool everything =
          is_truthy(*allow) || (allow->kind == Node::Kind::array &&
                                std::any_of(allow->children.begin(), allow->children.end(), [](const Node& item) {
                                  return item.is_string() && item.text == "*";
                                }));
      if (everything) {
        std::string evidence(field);
        evidence += " = *";
        add(rid::unscoped_tools, allow->offset, join(location, field), name, "every tool is auto-approved",
            std::move(evidence), field);
      }
    }
    if (const Node* trust = fields.trust; trust != nullptr && is_truthy(*trust)) {
      add(rid::unscoped_tools, trust->offset, join(location, "trust"), name,
          "trust = true skips every tool confirmation", "trust = true", "trust");
    }
  }

  // `location()` spells the finding's location (only needed when there is one).
  template <typename Location>
  void check_plain_http(const Node& node, const Location& location, const std::string& server, std::size_t offset,
                        std::string_view url) {
    const auto parts = split_url(url);
    if (!parts || !(iequals(parts->scheme, "http") || iequals(parts->scheme, "ws"))) return;
    if (parts->host.empty() || is_loopback(parts->host) || rules::is_reference(parts->host)) return;
    std::string evidence(parts->scheme);
    evidence += "://";
    evidence += parts->host;
    add(rid::plain_http, position_in(node, offset), location(), server, parts->host, std::move(evidence),
        parts->host);
  }

  void report_word(std::string_view rule_id, const Word& word, std::string location, const std::string& server,
                   std::string_view detail_text) {
    add(rule_id, position_in(*word.node, word.offset), std::move(location), server, detail_text,
        std::string(word.text), word.text);
  }

  void report_args_word(std::string_view rule_id, const Word& word, std::string_view server_location,
                        const std::string& server, std::string_view detail_text) {
    report_word(rule_id, word, with_suffix(server_location, ".args"), server, detail_text);
  }

  static bool npm_spec_pinned(std::string_view spec) {
    if (spec.starts_with(".") || spec.starts_with("/") || spec.starts_with("~") || spec.find(':') != std::string_view::npos) {
      return true;  // local path, git+…, github:…, file:… — not a registry name
    }
    const std::size_t at = spec.find('@', spec.starts_with("@") ? 1 : 0);
    if (at == std::string_view::npos) return false;
    const std::string_view version = spec.substr(at + 1);
    if (version.empty() || version == "latest" || version == "next" || version == "*") return false;
    const char first = version.front();
    if (first == '^' || first == '~' || first == '>' || first == '<' || first == '*') return false;
    return version.find(".x") == std::string_view::npos && version.find("||") == std::string_view::npos;
  }

  static bool python_spec_pinned(std::string_view spec) {
    if (spec.starts_with(".") || spec.starts_with("/") || spec.starts_with("~") ||
        spec.find("://") != std::string_view::npos || spec.starts_with("git+")) {
      return true;
    }
    if (spec.find("==") != std::string_view::npos) return true;
    const std::size_t at = spec.find('@');
    if (at == std::string_view::npos) return false;
    const std::string_view version = spec.substr(at + 1);
    return !version.empty() && version != "latest" && is_digit(version.front());
  }

  static bool image_pinned(std::string_view image) {
    if (image.find("@sha256:") != std::string_view::npos) return true;
    const std::size_t slash = image.rfind('/');
    const std::size_t colon = image.find(':', slash == std::string_view::npos ? 0 : slash);
    if (colon == std::string_view::npos) return false;
    const std::string_view tag = image.substr(colon + 1);
    return !tag.empty() && tag != "latest" && !rules::is_reference(tag);
  }

  void check_launch(const std::vector<Word>& words, const std::string& location, const std::string& server) {
    if (words.empty()) return;
    std::size_t i = 0;
    std::string program = to_lower(basename(words[0].text));
    // Wrappers that only change the environment or the working directory.
    while ((program == "env" || program == "cmd" || program == "sudo") && i + 1 < words.size() &&
           !(program == "cmd" && (words[i + 1].text == "/c" || words[i + 1].text == "/C"))) {
      ++i;
      while (i < words.size() && (words[i].text.find('=') != std::string_view::npos || words[i].text.starts_with("-"))) {
        ++i;
      }
      if (i >= words.size()) return;
      program = to_lower(basename(words[i].text));
    }
    if (program == "cmd" && i + 2 < words.size()) {  // cmd /c npx …: check what cmd runs
      check_shell(words, i, location, server);
      i += 2;
      program = to_lower(basename(words[i].text));
    }
    const std::size_t first = i + 1;
    if (program == "npx" || program == "bunx" || program == "pnpx") {
      check_npx(words, first, location, server);
    } else if ((program == "pnpm" || program == "yarn" || program == "bun") && first < words.size() &&
               (words[first].text == "dlx" || words[first].text == "x")) {
      check_npx(words, first + 1, location, server);
    } else if (program == "npm" && first < words.size() && words[first].text == "exec") {
      check_npx(words, first + 1, location, server);
    } else if (program == "uvx" || program == "pipx") {
      check_uvx(words, program == "pipx" && first < words.size() && words[first].text == "run" ? first + 1 : first,
                location, server);
    } else if (program == "uv" && first + 1 < words.size() && words[first].text == "tool" &&
               words[first + 1].text == "run") {
      check_uvx(words, first + 2, location, server);
    } else if (program == "docker" || program == "podman" || program == "nerdctl") {
      check_container(words, first, location, server);
    } else {
      check_shell(words, i, location, server);
    }
  }

  void check_npx(const std::vector<Word>& words, std::size_t i, const std::string& location,
                 const std::string& server) {
    for (; i < words.size(); ++i) {
      const std::string_view word = words[i].text;
      if (word == "-p" || word == "--package") {
        if (i + 1 < words.size() && !npm_spec_pinned(words[i + 1].text)) {
          report_args_word(rid::unpinned_package, words[i + 1], location, server, "npm package without version");
        }
        ++i;
        continue;
      }
      if (word.starts_with("--package=")) {
        if (!npm_spec_pinned(word.substr(10))) {
          report_args_word(rid::unpinned_package, words[i], location, server, "npm package without version");
        }
        continue;
      }
      if (word.starts_with("-")) continue;
      if (!npm_spec_pinned(word)) {
        report_args_word(rid::unpinned_package, words[i], location, server, "npm package without version");
      }
      return;
    }
  }

  void check_uvx(const std::vector<Word>& words, std::size_t i, const std::string& location,
                 const std::string& server) {
    for (; i < words.size(); ++i) {
      const std::string_view word = words[i].text;
      if (word == "--from" || word == "--spec") {
        if (i + 1 < words.size() && !python_spec_pinned(words[i + 1].text)) {
          report_args_word(rid::unpinned_package, words[i + 1], location, server, "Python package without version");
        }
        return;  // with --from, the next word is a command name, not a package
      }
      if (word == "--python" || word == "-p" || word == "--with" || word == "--index-url" || word == "--index") {
        ++i;
        continue;
      }
      if (word.starts_with("-")) continue;
      if (!python_spec_pinned(word)) {
        report_args_word(rid::unpinned_package, words[i], location, server, "Python package without version");
      }
      return;
    }
  }

  void check_container(const std::vector<Word>& words, std::size_t i, const std::string& location,
                       const std::string& server) {
    if (i >= words.size() || (words[i].text != "run" && words[i].text != "create")) return;
    static constexpr std::array<std::string_view, 30> kTakesValue = {
        "-e", "--env", "-v", "--volume", "--name", "-p", "--publish", "--network", "--net", "--mount",
        "--env-file", "-w", "--workdir", "-u", "--user", "--entrypoint", "--platform", "-l", "--label", "--cpus",
        "-m", "--memory", "--add-host", "--device", "--cap-add", "--cap-drop", "--security-opt", "--tmpfs",
        "-h", "--hostname"};
    static constexpr std::array<std::string_view, 5> kTakesValueMore = {"--pull", "--restart", "--pid", "--ipc",
                                                                         "--userns"};
    for (++i; i < words.size(); ++i) {
      const std::string_view word = words[i].text;
      if (word == "--privileged" || word == "--privileged=true") {
        report_args_word(rid::privileged_container, words[i], location, server, "--privileged");
        continue;
      }
      if (!word.starts_with("-")) {
        if (!image_pinned(word)) {
          report_args_word(rid::unpinned_package, words[i], location, server, "container image without a pinned tag");
        }
        return;  // the rest are the container's own arguments
      }
      std::string_view flag = word;
      std::optional<Word> value;
      if (const std::size_t eq = word.find('='); eq != std::string_view::npos && word.starts_with("--")) {
        flag = word.substr(0, eq);
        value = Word{word.substr(eq + 1), words[i].node, words[i].offset + eq + 1};
      } else if (std::find(kTakesValue.begin(), kTakesValue.end(), word) != kTakesValue.end() ||
                 std::find(kTakesValueMore.begin(), kTakesValueMore.end(), word) != kTakesValueMore.end()) {
        if (i + 1 < words.size()) value = words[++i];
      }
      if (!value) continue;
      const std::string_view v = value->text;
      if (flag == "-v" || flag == "--volume") {
        const std::string_view source = v.substr(0, v.find(':'));
        if (source == "/" || source.find("docker.sock") != std::string_view::npos) {
          report_args_word(rid::privileged_container, *value, location, server,
                           source == "/" ? "host root mounted" : "Docker socket mounted");
        }
      } else if (flag == "--mount") {
        if (v.find("source=/,") != std::string_view::npos || v.find("src=/,") != std::string_view::npos ||
            v.ends_with("source=/") || v.ends_with("src=/") || v.find("docker.sock") != std::string_view::npos) {
          report_args_word(rid::privileged_container, *value, location, server, "host root or Docker socket mounted");
        }
      } else if (flag == "--cap-add" && (iequals(v, "ALL") || iequals(v, "SYS_ADMIN"))) {
        report_args_word(rid::privileged_container, *value, location, server, "--cap-add " + std::string(v));
      } else if ((flag == "--pid" || flag == "--userns") && v == "host") {
        report_args_word(rid::privileged_container, *value, location, server, std::string(flag) + "=host");
      }
    }
  }

  void check_shell(const std::vector<Word>& words, std::size_t i, const std::string& location,
                   const std::string& server) {
    if (i >= words.size()) return;
    const std::string program = to_lower(basename(words[i].text));
    static constexpr std::array<std::string_view, 9> kShells = {"sh",   "bash",       "zsh",  "dash", "ksh",
                                                                "fish", "powershell", "pwsh", "cmd"};
    if (std::find(kShells.begin(), kShells.end(), program) == kShells.end()) return;
    for (std::size_t j = i + 1; j + 1 < words.size(); ++j) {
      const std::string_view flag = words[j].text;
      const bool run_flag = flag == "-c" || flag == "-lc" || flag == "-ic" || flag == "-ec" || flag == "/c" ||
                            flag == "/C" || iequals(flag, "-Command") || flag == "--command";
      if (!run_flag) continue;
      const Word& script = words[j + 1];
      const std::string_view text = script.text;
      const std::size_t at = text.find_first_of("$`%");
      if (at != std::string_view::npos) {
        add(rid::shell_interpolation, position_in(*script.node, script.offset), with_suffix(location, ".args"),
            server, program + " " + std::string(flag), std::string(text.substr(0, 80)), text);
      }
      return;
    }
  }

  // ---- gateway configuration (bulkhead.toml) ------------------------------------------------------------------

  void check_gateway(const Node& root, bool toml) {
    if (!toml || root.kind != Node::Kind::object) return;
    const bool named = path_.ends_with("bulkhead.toml");
    const Node* upstream = root.find("upstream");
    const Node* auth = root.find("auth");
    const bool gateway = named || (upstream != nullptr && upstream->kind == Node::Kind::array) ||
                         (root.find("server") != nullptr && auth != nullptr);
    if (!gateway) return;
    if (auth != nullptr) {
      if (const Node* mode = auth->find("mode"); mode != nullptr && mode->is_string() && mode->text == "none") {
        add(rid::auth_disabled, mode->offset, "auth.mode", "", "mode = \"none\"", "mode = \"none\"", "auth.mode");
      }
    }
    const Node* policy = root.find("policy");
    const Node* dir = policy != nullptr ? policy->find("dir") : nullptr;
    const bool has_policy = dir != nullptr && dir->is_string() && !dir->text.empty();
    if (!has_policy && upstream != nullptr && upstream->kind == Node::Kind::array && !upstream->children.empty()) {
      const Node& first = upstream->children.front();
      std::size_t offset = first.offset;
      if (const Node* name = first.find("name"); name != nullptr) offset = name->key_offset;
      add(rid::unscoped_tools, offset, "policy", "", "no [policy] dir: every upstream tool is reachable",
          "[policy] missing", "policy");
    }
  }

  // ---- cross-cutting ------------------------------------------------------------------------------------------

  void report_shared_credentials(const std::vector<IgnoreDirective>& directives,
                                 std::vector<detail::SecretUse>* exported) {
    // Grouped by secret, in the order of the secrets, each secret's uses in the order they were found.
    std::stable_sort(secret_uses_.begin(), secret_uses_.end(),
                     [](const SecretFinding& a, const SecretFinding& b) { return a.secret < b.secret; });
    const std::size_t total = secret_uses_.size();  // add() below does not add uses
    if (exported != nullptr) exported->reserve(exported->size() + total);
    for (std::size_t begin = 0; begin < total;) {
      std::size_t end = begin + 1;
      while (end < total && secret_uses_[end].secret == secret_uses_[begin].secret) ++end;
      const std::span<const SecretFinding> uses(secret_uses_.data() + begin, end - begin);
      const std::string_view secret = secret_uses_[begin].secret;
      begin = end;
      std::vector<std::string_view> servers;
      for (const SecretFinding& use : uses) {
        if (!use.server.empty() && std::find(servers.begin(), servers.end(), use.server) == servers.end()) {
          servers.push_back(use.server);
        }
      }
      const bool shared = servers.size() >= 2;
      if (exported != nullptr) {
        for (const SecretFinding& use : uses) {
          if (use.server.empty()) continue;
          const Finding& original = findings_[use.finding];
          exported->push_back({std::string(secret), std::string(use.server), original.location, original.position,
                               shared, is_ignored(directives, original.position.line, rid::shared_credential)});
        }
      }
      if (!shared) continue;
      std::string names = "servers: ";
      for (std::size_t i = 0; i < servers.size(); ++i) {
        if (i > 0) names += ", ";
        names += servers[i];
      }
      for (const SecretFinding& use : uses) {
        if (use.server.empty()) continue;
        const Finding original = findings_[use.finding];
        add(rid::shared_credential, kResolved, original.position, original.location, use.server, names,
            rules::redact(secret), secret);
      }
    }
  }

  void apply_ignores(const std::vector<IgnoreDirective>& directives, std::size_t* suppressed) {
    if (directives.empty()) return;
    std::vector<Finding> kept;
    for (Finding& finding : findings_) {
      if (is_ignored(directives, finding.position.line, finding.rule_id)) {
        if (suppressed != nullptr) ++*suppressed;
      } else {
        kept.push_back(std::move(finding));
      }
    }
    findings_ = std::move(kept);
  }

  void report_malformed(std::string_view text, const detail::ParseError& error) {
    add(rid::malformed_file, kResolved, error.position, "", "", error.message, error.message, "malformed");
    // The file cannot be read as a document, but credentials in it are still credentials.
    for (const rules::CredentialMatch& match : matcher_.find(text)) {
      add_secret(match.rule_id, match.kind, match.offset, "", "", text.substr(match.offset, match.length));
    }
  }

  std::string_view path_;
  rules::CredentialMatcher& matcher_;
  detail::ScanWorkspace& workspace_;
  bool prefilter_ = false;  // workspace_.candidate_ends holds every candidate end of the file
  std::size_t cursor_ = 0;  // candidate_in: the first candidate end after the last string asked about
  std::vector<Finding>& findings_;
  std::vector<std::size_t>& offsets_;  // per finding: source offset of its position, or kResolved
  std::vector<ServerRef>& servers_;
  std::vector<std::pair<const Node*, std::size_t>>& server_maps_;  // server map: index of its first server
  std::vector<Word>& words_;
  std::vector<SecretFinding>& secret_uses_;
  std::vector<PathSegment>& path_segments_;
  std::vector<std::size_t>& resolve_order_;
  struct SensitiveKey {
    std::string_view key;
    bool sensitive = false;
    bool known = false;
  };
  std::array<SensitiveKey, 256> sensitive_keys_{};
};

}  // namespace

std::string detail::shared_credential_message(std::string_view servers, std::string_view location) {
  const rules::Rule* rule = rules::find_rule(rid::shared_credential);
  std::string message(rule->message);
  message += " (";
  message += servers;
  message += ")";
  if (!location.empty()) {
    message += " in ";
    message += location;
  }
  return message;
}

std::string detail::fingerprint(std::string_view rule_id, std::string_view path, std::string_view location,
                                std::string_view material) {
  // sha256(rule "\n" path "\n" location "\n" hex(sha256(material)))[0, 32), assembled on the stack when it fits.
  std::array<char, 512> buffer;
  std::string heap;
  const std::size_t size = rule_id.size() + path.size() + location.size() + 3 + 64;
  char* input = buffer.data();
  if (size > buffer.size()) {
    heap.resize(size);
    input = heap.data();
  }
  char* at = input;
  const auto put = [&at](std::string_view part) {
    std::memcpy(at, part.data(), part.size());
    at += part.size();
  };
  put(rule_id);
  *at++ = '\n';
  put(path);
  *at++ = '\n';
  put(location);
  *at++ = '\n';
  const std::array<char, 64> inner = rules::sha256_hex_digits(material);
  put(std::string_view(inner.data(), inner.size()));
  const std::array<char, 64> outer = rules::sha256_hex_digits(std::string_view(input, size));
  return std::string(outer.data(), 32);
}

std::vector<Finding> detail::scan_document(std::string_view path, std::string_view text,
                                           rules::CredentialMatcher& matcher, ScanWorkspace& workspace,
                                           std::size_t* suppressed, std::vector<SecretUse>* uses) {
  if (!workspace.engine) workspace.engine = std::make_shared<EngineScratch>();
  return Engine(path, matcher, workspace, *workspace.engine).run(text, suppressed, uses);
}

}  // namespace bulkhead::scan
