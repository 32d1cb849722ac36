// Naming helpers of the gateway: exposed names ↔ (upstream, upstream name), opaque list cursors and
// RFC 6570 URI-template matching for routing resources/read. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/gateway.h"

namespace bulkhead::gateway::detail {

struct RoutedName {
  std::size_t upstream = 0;  // index into Config::upstreams
  std::string name;          // the upstream's own name (prefix stripped)
};

// Upstreams whose non-empty prefix starts `exposed` (at most one: config forbids overlapping prefixes).
[[nodiscard]] std::optional<RoutedName> route_by_prefix(const std::vector<UpstreamEntry>& upstreams,
                                                        std::string_view exposed);

// The kinds of aggregated lists.
enum class ListKind : std::uint8_t { tools, prompts, resources, resource_templates };
inline constexpr std::size_t kListKinds = 4;
[[nodiscard]] std::string_view list_method(ListKind kind) noexcept;  // "tools/list", ...
[[nodiscard]] std::string_view list_field(ListKind kind) noexcept;   // "tools", "prompts", "resources", "resourceTemplates"
[[nodiscard]] std::optional<ListKind> list_kind_of_method(std::string_view method) noexcept;
// list_changed notification → the list kinds it invalidates (resources covers templates too).
[[nodiscard]] std::vector<ListKind> kinds_of_list_changed(std::string_view method) noexcept;

// MCP log levels (RFC 5424 severities, least severe first): 0 debug .. 7 emergency; nullopt if unknown.
[[nodiscard]] std::optional<int> log_level_rank(std::string_view level) noexcept;

// Opaque cursor of an aggregated list: which list and where the next page starts.
[[nodiscard]] std::string encode_cursor(ListKind kind, std::size_t offset);
[[nodiscard]] std::optional<std::size_t> decode_cursor(ListKind kind, std::string_view cursor);

// Whether `uri` matches an RFC 6570 template (simple {var}, reserved {+var}, and the other level-4 operators
// treated as "any characters"). Literal parts must match exactly.
[[nodiscard]] bool uri_matches_template(std::string_view uri_template, std::string_view uri);

}  // namespace bulkhead::gateway::detail
