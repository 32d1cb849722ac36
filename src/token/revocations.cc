// The in-memory index of revocations: O(1) per ancestor jti and per workload of the chain.
#include <fmt/format.h>

#include "token/token.h"

namespace bulkhead::token {

void RevocationSet::apply(const store::Revocation& r) {
  switch (r.kind) {
    case store::RevocationKind::jti:
      jtis_.insert(r.value);
      break;
    case store::RevocationKind::task:
      tasks_.insert(r.value);
      break;
    case store::RevocationKind::tenant: {
      auto& at = tenants_[r.value];
      at = std::max(at, r.revoked_at_ms);
      break;
    }
    case store::RevocationKind::agent: {
      auto& at = agents_[r.value];
      at = std::max(at, r.revoked_at_ms);
      break;
    }
  }
  last_id_ = std::max(last_id_, r.id);
}

bool RevocationSet::task_ended(std::string_view tenant, std::string_view task) const {
  if (tasks_.empty()) return false;
  std::string key;
  key.reserve(tenant.size() + task.size() + 1);
  key.append(tenant).append("/").append(task);
  if (tasks_.contains(key)) return true;
  key.assign("*/").append(task);
  return tasks_.contains(key);
}

std::optional<std::string> RevocationSet::check(const TaskToken& token) const {
  if (jtis_.contains(token.jti)) return std::string("the token was revoked");
  for (const auto& parent : token.parents) {
    if (jtis_.contains(parent)) return std::string("a token it was derived from was revoked");
  }
  if (task_ended(token.tenant, token.task)) return fmt::format("task '{}' has ended", token.task);
  // Issued at or before the revocation (second precision of iat: a token of the same second counts as before).
  const std::int64_t issued_ms = token.issued_at_s * 1000;
  if (auto it = tenants_.find(token.tenant); it != tenants_.end() && issued_ms <= it->second) {
    return fmt::format("the tokens of tenant '{}' were revoked", token.tenant);
  }
  if (!agents_.empty()) {
    auto revoked_agent = [&](const std::string& agent) {
      auto it = agents_.find(agent);
      return it != agents_.end() && issued_ms <= it->second;
    };
    if (revoked_agent(token.subject)) return std::string("the tokens of its subject were revoked");
    for (const auto& actor : token.actors) {
      if (revoked_agent(actor)) return std::string("the tokens of a workload in its delegation chain were revoked");
    }
  }
  return std::nullopt;
}

}  // namespace bulkhead::token
