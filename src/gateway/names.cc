#include "gateway/detail/names.h"

#include <fmt/format.h>

#include "core/core.h"

namespace bulkhead::gateway::detail {

std::optional<RoutedName> route_by_prefix(const std::vector<UpstreamEntry>& upstreams, std::string_view exposed) {
  for (std::size_t i = 0; i < upstreams.size(); ++i) {
    const auto& prefix = upstreams[i].prefix;
    if (!prefix.empty() && exposed.size() > prefix.size() && exposed.starts_with(prefix)) {
      return RoutedName{i, std::string(exposed.substr(prefix.size()))};
    }
  }
  return std::nullopt;
}

std::string_view list_method(ListKind kind) noexcept {
  switch (kind) {
    case ListKind::tools: return "tools/list";
    case ListKind::prompts: return "prompts/list";
    case ListKind::resources: return "resources/list";
    case ListKind::resource_templates: return "resources/templates/list";
  }
  return "";
}

std::string_view list_field(ListKind kind) noexcept {
  switch (kind) {
    case ListKind::tools: return "tools";
    case ListKind::prompts: return "prompts";
    case ListKind::resources: return "resources";
    case ListKind::resource_templates: return "resourceTemplates";
  }
  return "";
}

std::optional<ListKind> list_kind_of_method(std::string_view method) noexcept {
  for (auto kind : {ListKind::tools, ListKind::prompts, ListKind::resources, ListKind::resource_templates}) {
    if (list_method(kind) == method) return kind;
  }
  return std::nullopt;
}

std::vector<ListKind> kinds_of_list_changed(std::string_view method) noexcept {
  if (method == "notifications/tools/list_changed") return {ListKind::tools};
  if (method == "notifications/prompts/list_changed") return {ListKind::prompts};
  if (method == "notifications/resources/list_changed") return {ListKind::resources, ListKind::resource_templates};
  return {};
}

std::optional<int> log_level_rank(std::string_view level) noexcept {
  static constexpr std::string_view kLevels[] = {"debug", "info", "notice", "warning",
                                                  "error", "critical", "alert", "emergency"};
  for (int i = 0; i < 8; ++i) {
    if (kLevels[i] == level) return i;
  }
  return std::nullopt;
}

namespace {
constexpr std::string_view kCursorTag = "bh1";
}

std::string encode_cursor(ListKind kind, std::size_t offset) {
  const std::string plain = fmt::format("{}:{}:{}", kCursorTag, static_cast<int>(kind), offset);
  return core::base64url_encode(core::as_bytes(plain));
}

std::optional<std::size_t> decode_cursor(ListKind kind, std::string_view cursor) {
  if (cursor.size() > 256) return std::nullopt;
  auto bytes = core::base64url_decode(cursor);
  if (!bytes) return std::nullopt;
  std::string_view plain(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const std::string expected_head = fmt::format("{}:{}:", kCursorTag, static_cast<int>(kind));
  if (!plain.starts_with(expected_head)) return std::nullopt;
  plain.remove_prefix(expected_head.size());
  if (plain.empty() || plain.size() > 12) return std::nullopt;
  std::size_t offset = 0;
  for (char c : plain) {
    if (c < '0' || c > '9') return std::nullopt;
    offset = offset * 10 + static_cast<std::size_t>(c - '0');
  }
  return offset;
}

bool uri_matches_template(std::string_view uri_template, std::string_view uri) {
  // Split the template into literals and expressions; match greedily with backtracking over expressions.
  // Templates are short, so the simple recursive matcher is fine.
  if (uri_template.empty()) return uri.empty();
  if (uri_template.front() == '{') {
    const auto close = uri_template.find('}');
    if (close == std::string_view::npos) return false;
    const std::string_view expr = uri_template.substr(1, close - 1);
    const bool reserved = !expr.empty() && (expr.front() == '+' || expr.front() == '#' || expr.front() == '/' ||
                                            expr.front() == '?' || expr.front() == '&' || expr.front() == '.' ||
                                            expr.front() == ';');
    const std::string_view rest = uri_template.substr(close + 1);
    for (std::size_t take = 0; take <= uri.size(); ++take) {
      if (take > 0 && !reserved && uri[take - 1] == '/') break;  // simple expansion never spans a '/'
      if (uri_matches_template(rest, uri.substr(take))) return true;
    }
    return false;
  }
  const auto next = uri_template.find('{');
  const std::string_view literal = uri_template.substr(0, next);
  if (!uri.starts_with(literal)) return false;
  if (next == std::string_view::npos) return uri.size() == literal.size();
  return uri_matches_template(uri_template.substr(literal.size()), uri.substr(literal.size()));
}

}  // namespace bulkhead::gateway::detail
