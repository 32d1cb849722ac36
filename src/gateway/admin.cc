// The admin API under /admin/ (docs/register.md "Admin API"): the control register and offboarding over HTTP for a
// console, with the same operations as the CLI. Callers: the bearer token of [admin] token_file (constant-time
// compare) or a workload listed in [admin] principals. Without [admin] every /admin/ path is 404.
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"
#include "gateway/detail/text.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

http::Response admin_json(int status, const json::Value& body) {
  http::Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.headers.set("Cache-Control", "no-store");
  response.body = json::serialize(body);
  return response;
}

http::Response admin_error(int status, Reason reason, std::string message) {
  json::Value body = json::Value::object();
  body.set("error", std::move(message));
  body.set("reason", core::reason_name(reason));
  return admin_json(status, body);
}

// The value of `name` in the request's query string, percent-decoded; empty when absent or malformed.
std::string query_param(const http::Request& request, std::string_view name) {
  const std::string_view target = request.target;
  const auto question = target.find('?');
  if (question == std::string_view::npos) return {};
  auto fields = core::parse_form(target.substr(question + 1));
  if (!fields) return {};
  for (auto& [key, value] : *fields) {
    if (key == name) return value;
  }
  return {};
}

json::Value pin_json(const store::ToolPin& pin) {
  json::Value p = json::Value::object();
  p.set("tool", pin.tool);
  p.set("digest", pin.digest);
  p.set("approved_by", pin.approved_by);
  p.set("approved_at_ms", pin.approved_at_ms);
  return p;
}

}  // namespace

core::Result<void> GatewayImpl::init_admin() {
  if (config_.admin.token_file.empty()) return {};
  struct stat st {};
  if (::stat(config_.admin.token_file.c_str(), &st) != 0) {
    return core::fail(Reason::invalid_request, fmt::format("[admin] token_file {} does not exist",
                                                           config_.admin.token_file.string()));
  }
  if ((st.st_mode & 077) != 0) {
    return core::fail(Reason::invalid_request, fmt::format("[admin] token_file {} is readable by group or others "
                                                           "(chmod 600 it)", config_.admin.token_file.string()));
  }
  std::ifstream in(config_.admin.token_file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  admin_token_ = text.str();
  while (!admin_token_.empty() && (admin_token_.back() == '\n' || admin_token_.back() == '\r')) admin_token_.pop_back();
  if (admin_token_.size() < 32) {
    return core::fail(Reason::invalid_request, "[admin] token_file must hold at least 32 characters");
  }
  return {};
}

std::optional<std::string> GatewayImpl::admin_identity(const http::Request& request) {
  if (auto header = request.headers.get("Authorization"); header && starts_with_ci(*header, "bearer ")) {
    std::string_view token = header->substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    if (!admin_token_.empty() && core::constant_time_equal(token, admin_token_)) return std::string("admin:token");
  }
  if (config_.admin.principals.empty() || !verifier_) return std::nullopt;
  auto principal = verify_workload(request);
  if (!principal) return std::nullopt;
  for (const auto& allowed : config_.admin.principals) {
    if (allowed == principal->spiffe_id) return principal->spiffe_id;
  }
  spdlog::warn("admin API refused principal={}: not in [admin] principals", principal->spiffe_id);
  return std::nullopt;
}

asio::awaitable<void> GatewayImpl::handle_admin(http::Request& request, http::ResponseStream& stream) {
  http::Response response = admin_answer(request);
  // Administrative actions wrote events to our own store connection: audit them now (the poll would not notice).
  audit_admin_events();
  co_await stream.send(std::move(response));
}

http::Response GatewayImpl::admin_answer(const http::Request& request) {
  if (!store_ || (admin_token_.empty() && config_.admin.principals.empty())) {
    return admin_error(404, Reason::invalid_request, "not found");
  }
  if (auto refused = check_origin(request)) return admin_error(403, refused->reason, refused->message);
  if (!audit_healthy()) return admin_error(503, Reason::audit_unavailable, "the audit log cannot record admin actions");
  auto who = admin_identity(request);
  if (!who) {
    http::Response response = admin_error(401, Reason::unauthenticated, "the admin API needs the admin token or an admin workload");
    response.headers.set("WWW-Authenticate", "Bearer realm=\"bulkhead-admin\"");
    return response;
  }
  if (auto fresh = refresh_store_state(); !fresh) return admin_error(500, Reason::internal_error, fresh.error().message);
  const std::string_view path = request.path();
  const registry::Actor actor{*who, query_param(request, "reason")};
  spdlog::info("admin API {} {} by {}", request.method, path, *who);

  constexpr std::string_view kRegister = "/admin/register";
  if (path == kRegister && request.method == "GET") {
    json::Value body = json::Value::object();
    auto latest = store_->latest_register_version();
    auto pins = store_->tool_pins();
    if (!latest || !pins) return admin_error(500, Reason::internal_error, "the store cannot be read");
    if (*latest) {
      body.set("version", (*latest)->version);
      body.set("applied_by", (*latest)->applied_by);
      body.set("reason", (*latest)->reason);
      body.set("applied_at_ms", (*latest)->applied_at_ms);
      body.set("sha256", (*latest)->sha256);
      auto document = json::parse((*latest)->document);
      if (document) body.set("register", std::move(*document));
    }
    json::Value& list = body.set("pins", json::Value::array());
    for (const auto& pin : *pins) {
      json::Value p = pin_json(pin);
      p.set("upstream", pin.upstream);
      list.push_back(std::move(p));
    }
    return admin_json(200, body);
  }
  if (path == kRegister && request.method == "POST") {
    auto reg = registry::parse_register(request.body);
    if (!reg) {
      json::Value body = json::Value::object();
      body.set("reason", "invalid_request");
      json::Value& problems = body.set("problems", json::Value::array());
      for (const auto& d : reg.error()) problems.push_back(registry::to_string(d, "register.toml"));
      return admin_json(400, body);
    }
    auto outcome = registry::apply(*store_, *reg, register_context(config_, registry::date_of(clock_.now())),
                                   classifications_, actor, clock_);
    if (!outcome) return admin_error(400, outcome.error().reason, outcome.error().message);
    if (auto fresh = refresh_store_state(/*force=*/true); !fresh) return admin_error(500, Reason::internal_error, fresh.error().message);
    json::Value body = json::Value::object();
    body.set("version", outcome->version);
    body.set("changed", outcome->changed);
    json::Value& changes = body.set("changes", json::Value::array());
    for (const auto& line : outcome->changes) changes.push_back(line);
    return admin_json(200, body);
  }
  if (path.starts_with(std::string(kRegister) + "/")) {
    std::string_view rest = path.substr(kRegister.size() + 1);
    const bool approve = rest.ends_with("/approve-tools");
    const std::string connector(approve ? rest.substr(0, rest.size() - 14) : rest);
    if (approve && request.method == "POST") {
      auto approved = registry::approve_tools(*store_, connector, actor, clock_);
      if (!approved) return admin_error(500, approved.error().reason, approved.error().message);
      if (auto fresh = refresh_store_state(/*force=*/true); !fresh) return admin_error(500, Reason::internal_error, fresh.error().message);
      json::Value body = json::Value::object();
      json::Value& list = body.set("approved", json::Value::array());
      for (const auto& tool : *approved) {
        json::Value t = json::Value::object();
        t.set("tool", tool.tool);
        t.set("diff", tool.diff);
        list.push_back(std::move(t));
      }
      return admin_json(200, body);
    }
    if (!approve && request.method == "GET") {
      json::Value body = json::Value::object();
      body.set("connector", connector);
      if (register_view_ && register_view_->document()) {
        if (const auto* c = register_view_->document()->find(connector)) {
          registry::Register one;
          one.connectors.push_back(*c);
          body.set("entry", registry::to_json(one).find("connectors")->as_array().front());
        }
      }
      auto pins = store_->tool_pins();
      auto pending = store_->tool_candidates(connector);
      if (!pins || !pending) return admin_error(500, Reason::internal_error, "the store cannot be read");
      json::Value& pinned = body.set("pins", json::Value::array());
      for (const auto& pin : *pins) {
        if (pin.upstream == connector) pinned.push_back(pin_json(pin));
      }
      json::Value& waiting = body.set("pending", json::Value::array());
      for (const auto& candidate : *pending) {
        json::Value c = json::Value::object();
        c.set("tool", candidate.tool);
        c.set("digest", candidate.digest);
        for (const auto& pin : *pins) {
          if (pin.upstream != connector || pin.tool != candidate.tool) continue;
          auto before = json::parse(pin.definition);
          auto after = json::parse(candidate.definition);
          if (before && after) c.set("diff", registry::definition_diff(*before, *after));
        }
        waiting.push_back(std::move(c));
      }
      return admin_json(200, body);
    }
  }
  if (path == "/admin/offboard" && request.method == "POST") {
    auto body = json::parse(request.body);
    const std::string* kind_name = body ? body->find_string("kind") : nullptr;
    const std::string* value = body ? body->find_string("value") : nullptr;
    const std::string* reason = body ? body->find_string("reason") : nullptr;
    auto kind = kind_name != nullptr ? registry::offboard_kind_from_name(*kind_name) : std::nullopt;
    if (!kind || value == nullptr || reason == nullptr) {
      return admin_error(400, Reason::invalid_request,
                         "expected {\"kind\": connector|tenant|agent|mapping, \"value\": ..., \"reason\": ...}");
    }
    std::string prefix;
    const std::string upstream = *kind == registry::OffboardKind::mapping ? value->substr(0, value->find(':')) : *value;
    for (const auto& entry : config_.upstreams) {
      if (entry.upstream.name == upstream) prefix = entry.prefix;
    }
    auto outcome = registry::offboard(*store_, *kind, *value, registry::Actor{*who, *reason}, prefix, clock_,
                                      config_.tokens.max_ttl);
    if (!outcome) return admin_error(400, outcome.error().reason, outcome.error().message);
    // Apply it here and now: our own commit does not move the data version.
    if (auto fresh = refresh_store_state(/*force=*/true); !fresh) return admin_error(500, Reason::internal_error, fresh.error().message);
    json::Value answer = json::Value::object();
    answer.set("offboarding_id", outcome->record.id);
    answer.set("tokens_revoked", static_cast<std::int64_t>(outcome->tokens_revoked));
    answer.set("credentials_deleted", static_cast<std::int64_t>(outcome->credentials_deleted));
    return admin_json(200, answer);
  }
  return admin_error(404, Reason::invalid_request, "no such admin endpoint");
}

}  // namespace bulkhead::gateway::detail
