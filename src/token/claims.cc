// Task-token claims as JSON (docs/formats/task-token.md): RFC 7519 registered claims, RFC 8693 `act`, and
// Bulkhead's tenant, task, scope and bulkhead_parents.
#include <fmt/format.h>

#include "token/detail/service_impl.h"

namespace bulkhead::token::detail {
namespace {

using core::Reason;

constexpr std::size_t kMaxChain = 16;

std::unexpected<core::Error> invalid(std::string message) { return core::fail(Reason::token_invalid, std::move(message)); }

json::Value act_claim(const std::vector<std::string>& actors, std::size_t from) {
  json::Value act = json::Value::object();
  act.set("sub", actors[from]);
  if (from + 1 < actors.size()) act.set("act", act_claim(actors, from + 1));
  return act;
}

core::Result<std::int64_t> seconds_claim(const json::Value& claims, std::string_view name) {
  const json::Value* value = claims.find(name);
  if (value == nullptr || !value->is_integer()) return invalid(fmt::format("task token claim {} must be an integer", name));
  const std::int64_t seconds = value->as_int();
  if (seconds <= 0 || seconds > 253402300799) return invalid(fmt::format("task token claim {} is out of range", name));
  return seconds;
}

core::Result<std::string> string_claim(const json::Value& claims, std::string_view name) {
  const std::string* value = claims.find_string(name);
  if (value == nullptr || value->empty()) return invalid(fmt::format("task token claim {} must be a non-empty string", name));
  return *value;
}

}  // namespace

json::Value to_claims(const TaskToken& t, std::string_view audience) {
  json::Value claims = json::Value::object();
  claims.set("iss", t.issuer);
  claims.set("sub", t.subject);
  claims.set("aud", audience);
  claims.set("tenant", t.tenant);
  claims.set("task", t.task);
  claims.set("scope", t.scope.to_string());
  claims.set("jti", t.jti);
  claims.set("iat", t.issued_at_s);
  claims.set("nbf", t.issued_at_s);
  claims.set("exp", t.expires_at_s);
  if (!t.actors.empty()) claims.set("act", act_claim(t.actors, 0));
  if (!t.parents.empty()) {
    json::Value& parents = claims.set("bulkhead_parents", json::Value::array());
    for (const auto& jti : t.parents) parents.push_back(jti);
  }
  return claims;
}

core::Result<TaskToken> from_claims(const json::Value& claims, std::string_view issuer, std::string_view audience) {
  for (const auto& [name, unused] : claims.as_object()) {
    static constexpr std::string_view kKnown[] = {"iss", "sub", "aud", "tenant", "task", "scope", "jti",
                                                  "iat", "nbf", "exp", "act", "bulkhead_parents"};
    bool known = false;
    for (auto k : kKnown) known = known || k == name;
    if (!known) return invalid(fmt::format("task token has an unknown claim '{}'", name.substr(0, 32)));
  }
  TaskToken t;
  auto iss = string_claim(claims, "iss");
  if (!iss) return std::unexpected(iss.error());
  if (*iss != issuer) return invalid("task token was issued by another gateway");
  t.issuer = std::move(*iss);
  const std::string* aud = claims.find_string("aud");
  if (aud == nullptr || *aud != audience) return invalid("task token is for another audience");
  for (auto [name, field] : {std::pair{"sub", &t.subject}, std::pair{"tenant", &t.tenant}, std::pair{"task", &t.task},
                             std::pair{"jti", &t.jti}}) {
    auto value = string_claim(claims, name);
    if (!value) return std::unexpected(value.error());
    *field = std::move(*value);
  }
  if (!identity::parse_spiffe_id(t.subject)) return invalid("task token sub is not a SPIFFE ID");
  if (!identity::valid_tenant_id(t.tenant)) return invalid("task token tenant is not a valid tenant id");
  if (!valid_task_id(t.task)) return invalid("task token task is not a valid task id");
  auto scope_text = string_claim(claims, "scope");
  if (!scope_text) return std::unexpected(scope_text.error());
  auto scope = Scope::parse(*scope_text);
  if (!scope) return invalid(fmt::format("task token scope: {}", scope.error().message));
  t.scope = std::move(*scope);
  auto iat = seconds_claim(claims, "iat");
  auto nbf = seconds_claim(claims, "nbf");
  auto exp = seconds_claim(claims, "exp");
  if (!iat) return std::unexpected(iat.error());
  if (!nbf) return std::unexpected(nbf.error());
  if (!exp) return std::unexpected(exp.error());
  if (*nbf != *iat || *exp <= *iat) return invalid("task token times are inconsistent");
  t.issued_at_s = *iat;
  t.expires_at_s = *exp;
  const json::Value* act = claims.find("act");
  while (act != nullptr) {
    if (!act->is_object() || t.actors.size() == kMaxChain) return invalid("task token act chain is malformed");
    for (const auto& [name, unused] : act->as_object()) {
      if (name != "sub" && name != "act") return invalid("task token act has an unknown member");
    }
    const std::string* sub = act->find_string("sub");
    if (sub == nullptr || !identity::parse_spiffe_id(*sub)) return invalid("task token act.sub is not a SPIFFE ID");
    t.actors.push_back(*sub);
    act = act->find("act");
  }
  if (const json::Value* parents = claims.find("bulkhead_parents")) {
    if (!parents->is_array() || parents->as_array().empty() || parents->as_array().size() > kMaxChain) {
      return invalid("task token bulkhead_parents is malformed");
    }
    for (const auto& jti : parents->as_array()) {
      if (!jti.is_string() || jti.as_string().empty()) return invalid("task token bulkhead_parents is malformed");
      t.parents.push_back(jti.as_string());
    }
  }
  return t;
}

}  // namespace bulkhead::token::detail
