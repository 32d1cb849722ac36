// The control register in the pipeline (module register): connector approvals and tenant mappings checked before
// policy (lists hide what a call would refuse), tool definitions pinned and rug pulls withheld, offboardings applied
// to live sessions and processes, and the store watched so that what the CLI changes takes effect on the next
// request. Event-loop only.
#include <fstream>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

std::optional<registry::Register> read_register_file(const std::filesystem::path& path, std::string& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems = fmt::format("cannot read the register {}", path.string());
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = registry::parse_register(text.str());
  if (!parsed) {
    for (const auto& d : parsed.error()) problems += "\n  " + registry::to_string(d, path.string());
    return std::nullopt;
  }
  return std::move(*parsed);
}

}  // namespace

core::Result<void> GatewayImpl::init_register() {
  if (!store_) return {};
  classifications_ = classifications_of(config_);
  if (!config_.register_.file.empty()) {
    // Applied at start when it differs from the stored version (what `bulkhead register apply` does).
    std::string problems;
    auto reg = read_register_file(config_.register_.file, problems);
    if (!reg) return core::fail(Reason::invalid_request, fmt::format("[register] file rejected:{}", problems));
    const registry::Actor actor{fmt::format("gateway:{}", config_.path.string()),
                                fmt::format("[register] file {} at start", config_.register_.file.string())};
    auto applied = registry::apply(*store_, *reg, register_context(config_, registry::date_of(clock_.now())),
                                   classifications_, actor, clock_);
    if (!applied) return std::unexpected(applied.error());
    if (applied->changed) {
      spdlog::info("register {} applied as version {} ({} change(s))", config_.register_.file.string(),
                   applied->version, applied->changes.size());
    }
  }
  auto view = registry::load_view(*store_, classifications_);
  if (!view) return std::unexpected(view.error());
  register_view_ = std::move(*view);
  // Offboardings made before this start are enforced by the view; nothing is live yet to close.
  auto offboardings = store_->offboardings();
  if (!offboardings) return std::unexpected(offboardings.error());
  for (const auto& o : *offboardings) {
    offboardings_applied_.insert(o.id);
    if (o.applied_at_ms == 0) (void)store_->mark_offboarding_applied(o.id, now_ms(), R"({"at_start":true})");
  }
  if (register_view_->has_register()) {
    spdlog::info("control register version {} enforced ({} connector(s)); tool definitions are pinned",
                 register_view_->version(), register_view_->document()->connectors.size());
  } else {
    spdlog::info("no control register yet: connectors are not checked; tool definitions are pinned on first use");
  }
  return {};
}

core::Result<void> GatewayImpl::refresh_store_state(bool force) {
  if (!store_) return {};
  auto version = store_->data_version();
  if (!version) return std::unexpected(version.error());
  if (*version == store_version_seen_ && !force) return {};
  store_version_seen_ = *version;
  auto view = registry::load_view(*store_, classifications_);
  if (!view) return std::unexpected(view.error());
  register_view_ = std::move(*view);
  if (tokens_) {
    if (auto fresh = tokens_->refresh(force); !fresh) return fresh;
    audit_revocations(tokens_->take_unaudited());
  }
  audit_admin_events();
  apply_offboardings();
  return {};
}

std::optional<core::Error> GatewayImpl::connector_refusal(const ClientSession& session, ListKind kind,
                                                          std::size_t upstream, std::string_view upstream_name) const {
  if (auto refused = connector_refusal(session, upstream)) return refused;
  if (!register_view_ || kind != ListKind::tools) return std::nullopt;
  const std::string& name = config_.upstreams[upstream].upstream.name;
  const auto& digests = session.upstreams[upstream].tool_digests;
  auto digest = digests.find(std::string(upstream_name));
  const auto state = digest == digests.end() ? registry::PinState::unknown
                                             : register_view_->pin_state(name, upstream_name, digest->second);
  if (state == registry::PinState::pinned) return std::nullopt;
  return core::Error{Reason::tool_definition_changed,
                     state == registry::PinState::changed
                         ? fmt::format("the definition of {}{} changed since it was approved (bulkhead register "
                                       "approve-tools {})",
                                       config_.upstreams[upstream].prefix, upstream_name, name)
                         : fmt::format("{}{} is not approved yet (bulkhead register approve-tools {})",
                                       config_.upstreams[upstream].prefix, upstream_name, name)};
}

std::optional<core::Error> GatewayImpl::connector_refusal(const ClientSession& session, std::size_t upstream) const {
  if (!register_view_) return std::nullopt;
  const std::string& name = config_.upstreams[upstream].upstream.name;
  const auto verdict = register_view_->check(name, session.tenant, session.principal, registry::date_of(clock_.now()));
  switch (verdict) {
    case registry::Verdict::allow:
      break;
    case registry::Verdict::overdue:
      if (config_.register_.deny_overdue) {
        return core::Error{Reason::review_overdue, register_view_->explain(verdict, name, session.tenant)};
      }
      spdlog::debug("allowed although overdue: {}", register_view_->explain(verdict, name, session.tenant));
      break;
    case registry::Verdict::not_approved:
      return core::Error{Reason::connector_not_approved, register_view_->explain(verdict, name, session.tenant)};
    case registry::Verdict::tenant_not_mapped:
      return core::Error{Reason::tenant_not_mapped, register_view_->explain(verdict, name, session.tenant)};
  }
  return std::nullopt;
}

void GatewayImpl::pin_catalog(std::size_t upstream, const json::Array& tools, UpstreamSlot& slot) {
  slot.tool_digests.clear();
  if (!store_ || !register_view_) return;
  const std::string& name = config_.upstreams[upstream].upstream.name;
  // First sight pins (trust on first use without a register; the first listing after approval with one).
  const bool may_pin = !register_view_->has_register() ||
                       (!register_view_->has_pins(name) && register_view_->connector_approved(name));
  std::vector<store::ToolPin> pins;
  for (const auto& tool : tools) {
    const std::string* tool_name = tool.find_string("name");
    if (tool_name == nullptr) continue;
    std::string digest = registry::tool_digest(tool);
    const auto state = register_view_->pin_state(name, *tool_name, digest);
    if (state == registry::PinState::unknown && may_pin) {
      pins.push_back(store::ToolPin{name, *tool_name, digest, json::canonicalize(registry::pinned_part(tool)), now_ms(),
                                    register_view_->has_register() ? "first listing after approval" : "first use"});
    } else if (state != registry::PinState::pinned && candidates_recorded_.insert(name + "\n" + digest).second) {
      spdlog::warn("upstream {}: tool {} {} (withheld until `bulkhead register approve-tools {}`)", name, *tool_name,
                   state == registry::PinState::changed ? "changed its definition" : "is new", name);
      auto recorded = store_->add_tool_candidate(store::ToolCandidate{
          name, *tool_name, digest, json::canonicalize(registry::pinned_part(tool)), now_ms()});
      if (!recorded) spdlog::error("store: cannot record a tool candidate: {}", recorded.error().message);
      json::Value detail = json::Value::object();
      detail.set("upstream", name);
      detail.set("tool", *tool_name);
      detail.set("digest", digest);
      detail.set("change", state == registry::PinState::changed ? "definition_changed" : "new_tool");
      record_later(lifecycle_record("tool_definition_seen", nullptr, std::move(detail)));
    }
    slot.tool_digests[*tool_name] = std::move(digest);
  }
  if (pins.empty()) return;
  for (const auto& pin : pins) {
    if (auto put = store_->put_tool_pin(pin); !put) {
      spdlog::error("store: cannot pin {}/{}: {} (the tool stays withheld)", name, pin.tool, put.error().message);
    }
  }
  json::Value detail = json::Value::object();
  detail.set("upstream", name);
  detail.set("tools", static_cast<std::int64_t>(pins.size()));
  detail.set("by", pins.front().approved_by);
  record_later(lifecycle_record("tools_pinned", nullptr, std::move(detail)));
  auto view = registry::load_view(*store_, classifications_);
  if (view) register_view_ = std::move(*view);
}

void GatewayImpl::apply_offboardings() {
  auto offboardings = store_->offboardings();
  if (!offboardings) {
    spdlog::error("store: cannot read offboardings: {}", offboardings.error().message);
    return;
  }
  for (const auto& o : *offboardings) {
    if (!offboardings_applied_.insert(o.id).second) continue;
    std::size_t sessions = 0;
    std::size_t processes = 0;
    std::optional<std::size_t> connector;
    std::string tenant;
    if (o.kind == "connector" || o.kind == "mapping") {
      const std::string name = o.kind == "mapping" ? o.value.substr(0, o.value.find(':')) : o.value;
      if (o.kind == "mapping") tenant = o.value.substr(o.value.find(':') + 1);
      for (std::size_t i = 0; i < config_.upstreams.size(); ++i) {
        if (config_.upstreams[i].upstream.name == name) connector = i;
      }
    } else if (o.kind == "tenant") {
      tenant = o.value;
    }
    std::vector<SessionPtr> affected;
    auto consider = [&](const SessionPtr& s) {
      const bool tenant_matches = tenant.empty() || s->tenant == tenant;
      if (o.kind == "agent" ? s->principal == o.value : tenant_matches) affected.push_back(s);
    };
    for (const auto& [id, s] : sessions_) consider(s);
    for (const auto& [t, s] : stateless_) consider(s);
    for (const auto& s : affected) {
      if (connector) {
        // The session lives on; only its upstream session to the offboarded connector ends.
        auto& slot = s->upstreams[*connector];
        for (auto& catalog : slot.catalog) catalog.reset();
        slot.tool_digests.clear();
        if (slot.session) {
          ++sessions;
          std::shared_ptr<upstream::Session> owned(std::move(slot.session));
          asio::co_spawn(io_, [owned]() -> asio::awaitable<void> { co_await owned->close(); }, asio::detached);
        }
      } else {
        ++sessions;
        if (s->id.empty()) stateless_.erase(s->tenant);
        close_session(s);
      }
    }
    // Stdio processes: the tenant's (everywhere, or on the connector), or every process of the connector.
    for (std::size_t i = 0; i < upstreams_.size(); ++i) {
      if (connector && i != *connector) continue;
      for (const auto& process : upstreams_[i]->processes()) {
        if (!tenant.empty() && process.tenant != tenant) continue;
        if (o.kind == "agent") continue;  // processes are per tenant, not per workload
        ++processes;
        asio::co_spawn(io_, upstreams_[i]->stop_tenant(process.tenant), asio::detached);
      }
    }
    json::Value applied = json::Value::object();
    applied.set("sessions_closed", static_cast<std::int64_t>(sessions));
    applied.set("processes_stopped", static_cast<std::int64_t>(processes));
    spdlog::info("offboarding {} {} applied: {} session(s) closed, {} process(es) stopped", o.kind, o.value, sessions,
                 processes);
    json::Value detail = applied;
    detail.set("offboarding_id", o.id);
    detail.set("kind", o.kind);
    detail.set("value", o.value);
    audit::AuditRecord entry = lifecycle_record("offboarding_applied", nullptr, std::move(detail));
    entry.tenant = tenant;
    entry.principal = o.actor;
    record_later(std::move(entry));
    if (auto marked = store_->mark_offboarding_applied(o.id, now_ms(), json::serialize(applied)); !marked) {
      spdlog::error("store: cannot mark offboarding {} applied: {}", o.id, marked.error().message);
    }
  }
}

std::optional<core::Error> GatewayImpl::offboarded(const Caller& caller) const {
  if (!register_view_) return std::nullopt;
  if (register_view_->tenant_offboarded(caller.tenant)) {
    spdlog::warn("tenant refused reason=tenant_not_bound principal={} tenant={}: offboarded", caller.principal,
                 caller.tenant);
    return core::Error{Reason::tenant_not_bound, fmt::format("tenant '{}' was offboarded", caller.tenant)};
  }
  if (register_view_->agent_offboarded(caller.principal)) {
    spdlog::warn("workload refused reason=tenant_not_bound principal={}: offboarded", caller.principal);
    return core::Error{Reason::tenant_not_bound, "this workload was offboarded"};
  }
  return std::nullopt;
}

}  // namespace bulkhead::gateway::detail
