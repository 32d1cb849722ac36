// Entity store: linear search for the few entities of a gateway request, a hash index beyond that.
#include <string>
#include <utility>

#include "policy/detail/json_forms.h"
#include "policy/policy.h"

namespace bulkhead::policy {
namespace {
constexpr std::size_t kLinearLimit = 8;
}  // namespace

core::Result<void> Entities::add(Entity entity) {
  if (find(entity.uid) != nullptr) {
    return core::fail(core::Reason::invalid_request, "duplicate entity " + to_string(entity.uid));
  }
  if (entity.attrs.kind() != Value::Kind::record) {
    return core::fail(core::Reason::invalid_request, "attributes of " + to_string(entity.uid) + " must be a record");
  }
  entities_.push_back(std::move(entity));
  if (entities_.size() > kLinearLimit) {
    if (index_.empty()) {
      for (std::size_t i = 0; i < entities_.size(); ++i) index_.emplace(entities_[i].uid, i);
    } else {
      index_.emplace(entities_.back().uid, entities_.size() - 1);
    }
  }
  return {};
}

const Entity* Entities::find(const EntityUid& uid) const noexcept {
  if (!index_.empty()) {
    const auto it = index_.find(uid);
    return it == index_.end() ? nullptr : &entities_[it->second];
  }
  for (const auto& entity : entities_) {
    if (entity.uid == uid) return &entity;
  }
  return nullptr;
}

void Entities::ancestors_or_self(const EntityUid& uid, std::vector<const EntityUid*>& out) const {
  const std::size_t first = out.size();
  out.push_back(&uid);
  // Breadth-first over parent links; `out` doubles as the visited list (hierarchies are shallow).
  for (std::size_t next = first; next < out.size(); ++next) {
    const Entity* entity = find(*out[next]);
    if (entity == nullptr) continue;
    for (const auto& parent : entity->parents) {
      bool seen = false;
      for (std::size_t k = first; k < out.size() && !seen; ++k) seen = *out[k] == parent;
      if (!seen) out.push_back(&parent);
    }
  }
}

bool Entities::is_in(const EntityUid& descendant, const EntityUid& ancestor) const {
  if (descendant == ancestor) return true;
  const Entity* entity = find(descendant);
  if (entity == nullptr || entity->parents.empty()) return false;
  // Fast path: a direct parent (the gateway's Agent -> Tenant and Tool -> Upstream), and no grandparents.
  bool deeper = false;
  for (const auto& parent : entity->parents) {
    if (parent == ancestor) return true;
    if (!deeper) {
      const Entity* p = find(parent);
      deeper = p != nullptr && !p->parents.empty();
    }
  }
  if (!deeper) return false;
  std::vector<const EntityUid*> all;
  ancestors_or_self(descendant, all);
  for (const auto* uid : all) {
    if (*uid == ancestor) return true;
  }
  return false;
}

core::Result<Entities> Entities::from_json(const json::Value& json, JsonMode mode) {
  if (!json.is_array()) return core::fail(core::Reason::invalid_request, "entities must be a JSON array");
  Entities entities;
  for (const auto& item : json.as_array()) {
    if (!item.is_object()) return core::fail(core::Reason::invalid_request, "an entity must be a JSON object");
    const auto* uid_json = item.find("uid");
    if (uid_json == nullptr) return core::fail(core::Reason::invalid_request, "an entity needs \"uid\"");
    auto uid = detail::entity_uid_from_json(*uid_json);
    if (!uid) return std::unexpected(uid.error());
    Entity entity;
    entity.uid = std::move(*uid);
    if (const auto* attrs = item.find("attrs"); attrs != nullptr) {
      if (!attrs->is_object()) return core::fail(core::Reason::invalid_request, "\"attrs\" must be an object");
      auto value = value_from_json(*attrs, mode);
      if (!value) return std::unexpected(value.error());
      if (value->kind() != Value::Kind::record) {
        return core::fail(core::Reason::invalid_request, "\"attrs\" must be a record");
      }
      entity.attrs = std::move(*value);
    }
    if (const auto* parents = item.find("parents"); parents != nullptr) {
      if (!parents->is_array()) return core::fail(core::Reason::invalid_request, "\"parents\" must be an array");
      for (const auto& p : parents->as_array()) {
        auto parent = detail::entity_uid_from_json(p);
        if (!parent) return std::unexpected(parent.error());
        entity.parents.push_back(std::move(*parent));
      }
    }
    for (const auto& [key, unused] : item.as_object()) {
      if (key != "uid" && key != "attrs" && key != "parents" && key != "tags") {
        return core::fail(core::Reason::invalid_request, "unknown entity member \"" + key + "\"");
      }
    }
    if (auto added = entities.add(std::move(entity)); !added) return std::unexpected(added.error());
  }
  return entities;
}

}  // namespace bulkhead::policy
