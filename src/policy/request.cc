// Requests: Cedar JSON form (policy eval) and the gateway's CallFacts mapping (DESIGN.md "Request mapping").
#include <string>
#include <utility>

#include "policy/detail/json_forms.h"
#include "policy/policy.h"

namespace bulkhead::policy {
namespace {

Value string_set(std::span<const std::string> items) {
  Value::Set set;
  set.reserve(items.size());
  for (const auto& item : items) set.emplace_back(item);
  return Value::set(std::move(set));
}

}  // namespace

core::Result<Request> request_from_json(const json::Value& json, JsonMode mode) {
  if (!json.is_object()) return core::fail(core::Reason::invalid_request, "a request must be a JSON object");
  Request request;
  const char* names[] = {"principal", "action", "resource"};
  EntityUid* slots[] = {&request.principal, &request.action, &request.resource};
  for (int i = 0; i < 3; ++i) {
    const auto* member = json.find(names[i]);
    if (member == nullptr) {
      return core::fail(core::Reason::invalid_request, std::string("the request needs \"") + names[i] + "\"");
    }
    auto uid = detail::entity_uid_from_json(*member);
    if (!uid) return std::unexpected(uid.error());
    *slots[i] = std::move(*uid);
  }
  if (const auto* context = json.find("context"); context != nullptr) {
    if (!context->is_object()) return core::fail(core::Reason::invalid_request, "\"context\" must be an object");
    auto value = value_from_json(*context, mode);
    if (!value) return std::unexpected(value.error());
    if (value->kind() != Value::Kind::record) {
      return core::fail(core::Reason::invalid_request, "\"context\" must be a record");
    }
    request.context = std::move(*value);
  }
  return request;
}

Call build_call(const CallFacts& facts) {
  Call call;
  call.request.principal = EntityUid{"Agent", std::string(facts.agent)};
  call.request.action = EntityUid{"Action", std::string(facts.method)};
  call.request.resource = EntityUid{std::string(facts.resource_type), std::string(facts.resource_name)};

  Value::Record context;
  context.reserve(7);
  if (facts.arguments != nullptr && !facts.arguments->is_null()) {
    auto arguments = value_from_json(*facts.arguments, JsonMode::lenient);
    context.emplace_back("arguments", arguments ? std::move(*arguments) : Value::unknown());
  } else {
    context.emplace_back("arguments", Value::record({}));
  }
  context.emplace_back("classification", Value(facts.classification));
  if (!facts.delegated_by.empty()) context.emplace_back("delegated_by", Value(facts.delegated_by));
  context.emplace_back("scopes", string_set(facts.scopes));
  context.emplace_back("task", Value(facts.task));
  context.emplace_back("task_labels", string_set(facts.task_labels));
  context.emplace_back("tenant", Value(facts.tenant));
  call.request.context = Value::record(std::move(context));

  Entity agent{call.request.principal, Value::record({}), {EntityUid{"Tenant", std::string(facts.tenant)}}};
  Entity resource{call.request.resource,
                  Value::record({{"classification", Value(facts.classification)}, {"labels", string_set(facts.labels)}}),
                  {}};
  if (!facts.upstream.empty()) resource.parents.push_back(EntityUid{"Upstream", std::string(facts.upstream)});
  // Distinct uids by construction (Agent vs Tool/Resource/Prompt types), so add() cannot fail here.
  (void)call.entities.add(std::move(agent));
  (void)call.entities.add(std::move(resource));
  return call;
}

json::Value decision_to_json(const Decision& decision) {
  json::Value out = json::Value::object();
  out.set("decision", decision.allowed ? "allow" : "deny");
  json::Value determining = json::Value::array();
  for (const auto& id : decision.determining) determining.push_back(id);
  out.set("determining", std::move(determining));
  json::Value errors = json::Value::array();
  for (const auto& e : decision.errors) {
    json::Value item = json::Value::object();
    item.set("policy", e.policy_id);
    item.set("message", e.message);
    errors.push_back(std::move(item));
  }
  out.set("errors", std::move(errors));
  return out;
}

}  // namespace bulkhead::policy
