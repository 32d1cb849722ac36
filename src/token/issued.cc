// claims_of(): a TaskToken rebuilt from the store's index of issued tokens, for revocation checks outside the
// gateway (`token list`, `offboard --verify`, the accountability report).
#include "token/token.h"

namespace bulkhead::token {

TaskToken claims_of(const store::IssuedToken& row, const std::unordered_map<std::string, std::string>& parent_of) {
  TaskToken t;
  t.jti = row.jti;
  t.tenant = row.tenant;
  t.task = row.task;
  t.subject = row.subject;
  t.issued_at_s = row.issued_at_s;
  std::string parent = row.parent_jti;
  while (!parent.empty() && t.parents.size() < 32) {  // root first
    t.parents.insert(t.parents.begin(), parent);
    auto it = parent_of.find(parent);
    parent = it == parent_of.end() ? std::string() : it->second;
  }
  std::string_view chain = row.chain;  // holder first, subject last
  while (!chain.empty()) {
    const auto space = chain.find(' ');
    t.actors.emplace_back(chain.substr(0, space));
    chain = space == std::string_view::npos ? std::string_view() : chain.substr(space + 1);
  }
  if (!t.actors.empty()) t.actors.pop_back();  // the chain ends with the subject
  return t;
}

}  // namespace bulkhead::token
