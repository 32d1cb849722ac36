// Per-request policy (module policy): may this principal, for this tenant, use this tool / prompt / resource with
// these arguments? And which items does a list show? Both ask the same immutable PolicySet snapshot, swapped
// whole on reload (SIGHUP); a set that fails to load leaves the running one in place.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

std::string_view action_of(ListKind kind) {
  switch (kind) {
    case ListKind::tools: return "tools/call";
    case ListKind::prompts: return "prompts/get";
    case ListKind::resources:
    case ListKind::resource_templates: return "resources/read";
  }
  return "";
}

std::string_view resource_type_of(ListKind kind) {
  switch (kind) {
    case ListKind::tools: return "Tool";
    case ListKind::prompts: return "Prompt";
    case ListKind::resources:
    case ListKind::resource_templates: return "Resource";
  }
  return "";
}

std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ',';
    out += id;
  }
  return out.empty() ? "-" : out;
}

// The policy request for an item of upstream `upstream` (DESIGN.md mapping). `labels` backs `facts.labels`.
void describe(const Config& config, const ClientSession& session, const Caller* caller, ListKind kind,
              std::string_view exposed, std::size_t upstream, std::string_view upstream_name, ToolLabels& labels,
              policy::CallFacts& facts) {
  const UpstreamEntry& entry = config.upstreams[upstream];
  labels = kind == ListKind::tools ? entry.labels_of(upstream_name) : ToolLabels{entry.classification, {}};
  facts.agent = session.principal;
  facts.tenant = session.tenant;
  facts.method = action_of(kind);
  facts.resource_type = resource_type_of(kind);
  facts.resource_name = exposed;
  facts.upstream = entry.upstream.name;
  facts.classification = labels.classification;
  facts.labels = labels.labels;
  if (caller != nullptr && caller->task) {
    facts.scopes = caller->task->scope.entries();
    facts.task = caller->task->task;
    facts.delegated_by = caller->task->delegated_by();
  }
}

}  // namespace

core::Result<void> GatewayImpl::load_policies() {
  if (config_.policy.dir.empty()) return {};
  auto loaded = policy::PolicySet::load_directory(config_.policy.dir);
  if (!loaded) {
    std::string message = fmt::format("policy set in {} rejected:", config_.policy.dir.string());
    for (const auto& diagnostic : loaded.error()) message += "\n  " + policy::to_string(diagnostic);
    return core::fail(Reason::invalid_request, std::move(message));
  }
  policies_ = std::move(*loaded);
  spdlog::info("policy set loaded from {}: {} policies", config_.policy.dir.string(), policies_->size());
  return {};
}

void GatewayImpl::reload() {
  if (tokens_) {
    // After `bulkhead token rotate-key`: sign with the new key, keep verifying with the previous one.
    if (auto keys = tokens_->reload_keys(); !keys) {
      spdlog::error("task-token keys not reloaded, the loaded ones stay: {}", keys.error().message);
    } else {
      spdlog::info("task-token keys reloaded: {} in the JWKS", tokens_->jwks().find("keys")->as_array().size());
    }
  }
  if (config_.policy.dir.empty()) {
    spdlog::info("reload: no [policy] dir configured, nothing to reload");
    return;
  }
  auto previous = policies_;
  json::Value detail = json::Value::object();
  detail.set("dir", config_.policy.dir.string());
  if (auto loaded = load_policies(); !loaded) {
    policies_ = std::move(previous);
    spdlog::error("policy reload failed, the previous set stays active: {}", loaded.error().message);
    metrics_.count_reload(false);
    detail.set("result", "rejected");
    detail.set("errors", loaded.error().message.substr(0, 2000));
    record_later(lifecycle_record("policy_reload", nullptr, std::move(detail)));
    return;
  }
  metrics_.count_reload(true);
  detail.set("result", "ok");
  detail.set("policies", static_cast<std::int64_t>(policies_->size()));
  record_later(lifecycle_record("policy_reload", nullptr, std::move(detail)));
}

std::optional<mcp::Message> GatewayImpl::authorize(const ClientSession& session, const Caller* caller,
                                                   const json::Value& id, ListKind kind, std::string_view exposed,
                                                   std::size_t upstream, std::string_view upstream_name,
                                                   const json::Value* arguments) {
  // The control register first (DESIGN.md pipeline: register, token, policy; the scope was checked already).
  if (auto refused = connector_refusal(session, kind, upstream, upstream_name)) {
    spdlog::info("register refused reason={} tenant={} principal={} {}: {}", core::reason_name(refused->reason),
                 session.tenant, session.principal, exposed, refused->message);
    return mcp::make_error(id, *refused);
  }
  if (!policies_) return std::nullopt;
  ToolLabels labels;
  policy::CallFacts facts;
  describe(config_, session, caller, kind, exposed, upstream, upstream_name, labels, facts);
  static const json::Value kNoArguments = json::Value::object();
  facts.arguments = arguments != nullptr ? arguments : &kNoArguments;
  // What the task has read so far, across its delegation chain (dlp_gate.cc); unknown = refuse (fail closed).
  auto task_labels = task_labels_of(caller);
  if (!task_labels) {
    spdlog::error("task labels unavailable: {}", task_labels.error().message);
    return mcp::make_error(id, core::Error{Reason::internal_error, "task labels unavailable"});
  }
  facts.task_labels = **task_labels;
  const policy::Call call = policy::build_call(facts);
  const policy::Decision decision = policy::decide(*policies_, call.request, call.entities);
  for (const auto& error : decision.errors) {
    spdlog::warn("policy {} erred for tenant={} {}={}: {}", error.policy_id, session.tenant, facts.resource_type,
                 exposed, error.message);
  }
  if (decision.allowed) return std::nullopt;
  spdlog::info("policy denied tenant={} principal={} action={} {}={} policies={}", session.tenant, session.principal,
               facts.method, facts.resource_type, exposed, join_ids(decision.determining));
  json::Value data = json::Value::object();
  json::Value& ids = data.set("policies", json::Value::array());
  for (const auto& determining : decision.determining) ids.push_back(determining);
  return mcp::make_error(id, core::Error{Reason::policy_denied, fmt::format("{} denied by policy", exposed)},
                         std::move(data));
}

bool GatewayImpl::may_list(const ClientSession& session, const Caller* caller, ListKind kind,
                           std::string_view exposed, std::size_t upstream, std::string_view upstream_name) const {
  // A task token lists only what its scope covers (calls outside it are refused before policy runs).
  if (caller != nullptr && caller->task && !caller->task->scope.covers(exposed)) return false;
  if (connector_refusal(session, kind, upstream, upstream_name)) return false;
  if (!policies_) return true;
  ToolLabels labels;
  policy::CallFacts facts;
  describe(config_, session, caller, kind, exposed, upstream, upstream_name, labels, facts);
  const policy::Call call = policy::build_call(facts);
  return policy::may_list(*policies_, call.request, call.entities);
}

}  // namespace bulkhead::gateway::detail
