// Tool pinning: the digest of what an approval covers (name, description, input schema, annotations) and a
// readable diff between a pinned definition and a new one.
#include <fmt/format.h>

#include "register/register.h"

namespace bulkhead::registry {
namespace {

constexpr std::string_view kPinnedMembers[] = {"name", "description", "inputSchema", "annotations"};

std::string shown(const json::Value* value) {
  if (value == nullptr) return "(absent)";
  std::string text = json::serialize(*value);
  if (text.size() > 600) text = text.substr(0, 600) + "...";
  return text;
}

}  // namespace

json::Value pinned_part(const json::Value& tool) {
  json::Value part = json::Value::object();
  for (auto member : kPinnedMembers) {
    if (const json::Value* value = tool.find(member)) part.set(member, *value);
  }
  return part;
}

std::string tool_digest(const json::Value& tool) { return core::sha256_hex(json::canonicalize(pinned_part(tool))); }

std::string definition_diff(const json::Value& pinned, const json::Value& candidate) {
  std::string out;
  for (auto member : kPinnedMembers) {
    const json::Value* before = pinned.find(member);
    const json::Value* after = candidate.find(member);
    const bool same = (before == nullptr && after == nullptr) || (before != nullptr && after != nullptr && *before == *after);
    if (same) continue;
    out += fmt::format("  - {}: {}\n  + {}: {}\n", member, shown(before), member, shown(after));
  }
  return out;
}

}  // namespace bulkhead::registry
