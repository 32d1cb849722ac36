// The audit trail of the pipeline (module audit): a decision record before anything is forwarded upstream (durable
// first in sync mode, so a downstream write is on record before it happens), an outcome record after, one record
// per refused or locally answered request, and lifecycle records (sessions, reloads, recovery). In sync mode a
// request is answered only once its records are durable; an audit failure refuses requests (audit_unavailable).
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

// Completes on the event loop once the log reports the record durable (or failed). Not a coroutine itself: the
// initiation lambda lives in a plain function, away from g++ 12's coroutine-frame bugs.
asio::awaitable<core::Result<std::uint64_t>> append_durable(audit::AuditLog& log, asio::any_io_executor executor,
                                                            audit::AuditRecord record) {
  return asio::async_initiate<const asio::use_awaitable_t<>, void(core::Result<std::uint64_t>)>(
      [&log, executor](auto handler, audit::AuditRecord r) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        log.append(std::move(r), [shared, executor](core::Result<std::uint64_t> seq) {
          asio::post(executor, [shared, seq = std::move(seq)]() mutable { (*shared)(std::move(seq)); });
        });
      },
      asio::use_awaitable, std::move(record));
}

// The reason in a JSON-RPC error's data, if it names one of ours.
std::optional<Reason> reason_of(const mcp::Message& response) {
  if (response.kind != mcp::Message::Kind::error) return std::nullopt;
  const json::Value* data = response.error.find("data");
  const std::string* name = data != nullptr ? data->find_string("reason") : nullptr;
  return name != nullptr ? core::reason_from_name(*name) : std::nullopt;
}

// A refusal decided by the gateway (as opposed to an upstream failure or a tool error).
bool is_refusal(Reason reason) {
  const auto mapping = mcp::map_reason(reason);
  return reason != Reason::upstream_unavailable && reason != Reason::upstream_timeout &&
         reason != Reason::internal_error && (mapping.http_status >= 400 || mapping.jsonrpc_code == -32001 ||
                                              reason == Reason::unknown_tool || reason == Reason::method_not_found ||
                                              reason == Reason::invalid_request);
}

std::vector<std::string> policy_ids_of(const mcp::Message& response) {
  std::vector<std::string> ids;
  const json::Value* data = response.error.find("data");
  const json::Value* policies = data != nullptr ? data->find("policies") : nullptr;
  if (policies != nullptr && policies->is_array()) {
    for (const auto& id : policies->as_array()) {
      if (id.is_string()) ids.push_back(id.as_string());
    }
  }
  return ids;
}

}  // namespace

core::Result<void> GatewayImpl::open_audit() {
  const AuditConfig& a = config_.audit;
  if (a.dir.empty()) return {};
  audit::AuditOptions options;
  options.dir = a.dir;
  options.signing_key_file = a.signing_key_file;
  options.durability = a.sync ? audit::Durability::sync : audit::Durability::async;
  options.checkpoint_every_records = a.checkpoint_every_records;
  options.checkpoint_every_ms = a.checkpoint_every_ms;
  options.accept_damaged = a.accept_damaged;
  auto log = audit::AuditLog::open(options, audit_clock_);
  if (!log) return std::unexpected(log.error());
  audit_ = std::move(*log);
  const auto& recovery = audit_->recovery();
  if (recovery.truncated_bytes > 0) {
    spdlog::warn("audit: torn tail of {} bytes cut from {} (crash recovery); {} records intact",
                 recovery.truncated_bytes, recovery.truncated_segment, recovery.records);
  }
  if (!recovery.damage.empty()) spdlog::error("audit: started with --accept-damaged: {}", recovery.damage);
  spdlog::info("audit log {} ({} durability): {} records", a.dir.string(), a.sync ? "sync" : "async", recovery.records);
  return {};
}

bool GatewayImpl::audit_healthy() const noexcept { return !audit_ || audit_->healthy(); }

asio::awaitable<core::Result<void>> GatewayImpl::record(audit::AuditRecord entry) {
  if (!audit_) co_return core::Result<void>{};
  asio::any_io_executor executor = io_.get_executor();
  core::Result<std::uint64_t> seq = co_await append_durable(*audit_, executor, std::move(entry));
  if (!seq) {
    spdlog::error("audit append failed, refusing requests: {}", seq.error().message);
    co_return std::unexpected(seq.error());
  }
  co_return core::Result<void>{};
}

audit::AuditRecord GatewayImpl::lifecycle_record(std::string_view event, const ClientSession* session,
                                                 json::Value detail) const {
  audit::AuditRecord entry;
  entry.kind = audit::RecordKind::lifecycle;
  if (session != nullptr) {
    entry.tenant = session->tenant;
    entry.principal = session->principal;
    entry.session = session->id;
  }
  if (!detail.is_object()) detail = json::Value::object();
  detail.set("event", event);
  entry.detail = std::move(detail);
  return entry;
}

void GatewayImpl::record_later(audit::AuditRecord entry) {
  if (!audit_) return;
  audit_->append(std::move(entry), [](core::Result<std::uint64_t> seq) {
    if (!seq) spdlog::error("audit: a lifecycle record failed: {}", seq.error().message);
  });
}

audit::AuditRecord GatewayImpl::request_record(const ClientSession& session, const mcp::Message& message) const {
  audit::AuditRecord entry;
  entry.tenant = session.tenant;
  entry.principal = session.principal;
  entry.session = session.id;
  entry.jsonrpc_id = message.id;
  entry.method = message.method;
  if (const std::string* name = mcp::param_string(message, "name")) entry.tool = *name;
  if (const std::string* uri = mcp::param_string(message, "uri")) entry.resource = *uri;
  if (message.method == "resources/read") entry.kind = audit::RecordKind::read;
  if (const json::Value* arguments = message.params.find("arguments"); arguments != nullptr) {
    entry.args_sha256 = audit::digest_of(json::canonicalize(*arguments));
    if (config_.audit.preview_argument_names && arguments->is_object()) {
      std::string names;
      for (const auto& [key, value] : arguments->as_object()) names += (names.empty() ? "" : ",") + key;
      entry.args_preview = names;
    }
  }
  return entry;
}

audit::AuditRecord GatewayImpl::forward_record(const ClientSession& session, std::size_t upstream,
                                               const mcp::Message& message) const {
  audit::AuditRecord entry = request_record(session, message);
  entry.upstream = config_.upstreams[upstream].upstream.name;
  const std::string upstream_tool = entry.tool;
  if (!entry.tool.empty()) entry.tool = config_.upstreams[upstream].prefix + entry.tool;  // the exposed name
  if (message.method == "tools/call") {
    // The upstream's own tool name (prefix already stripped); a tool is a downstream write unless its upstream
    // annotated it readOnlyHint: true (the MCP default is false).
    entry.kind = audit::RecordKind::write;
    const auto& catalog = session.upstreams[upstream].catalog[static_cast<std::size_t>(ListKind::tools)];
    for (const auto& item : catalog ? *catalog : json::Array{}) {
      const std::string* name = item.find_string("name");
      if (name == nullptr || *name != upstream_tool) continue;
      const json::Value* annotations = item.find("annotations");
      const json::Value* read_only = annotations != nullptr ? annotations->find("readOnlyHint") : nullptr;
      if (read_only != nullptr && read_only->is_bool() && read_only->as_bool()) entry.kind = audit::RecordKind::invoke;
      break;
    }
  }
  return entry;
}

void GatewayImpl::fill_outcome(audit::AuditRecord& entry, const mcp::Message& response,
                               std::chrono::steady_clock::duration latency) const {
  entry.decision = audit::Decision::none;
  entry.latency = std::chrono::duration_cast<std::chrono::microseconds>(latency);
  entry.reason = reason_of(response);
  audit::ResultSummary summary;
  const bool failed = response.kind == mcp::Message::Kind::error;
  const std::string body = json::serialize(failed ? response.error : response.result);
  summary.sha256 = audit::digest_of(body);
  summary.bytes = body.size();
  const json::Value* is_error = response.result.find("isError");
  summary.is_error = failed || (is_error != nullptr && is_error->is_bool() && is_error->as_bool());
  entry.result = summary;
}

void GatewayImpl::fill_answer(audit::AuditRecord& entry, const mcp::Message& response,
                              std::chrono::steady_clock::duration latency) const {
  entry.latency = std::chrono::duration_cast<std::chrono::microseconds>(latency);
  entry.reason = reason_of(response);
  const bool refused = entry.reason && is_refusal(*entry.reason);
  entry.kind = refused ? audit::RecordKind::deny : audit::RecordKind::invoke;
  entry.decision = refused ? audit::Decision::deny : audit::Decision::allow;
  if (refused) entry.policy_ids = policy_ids_of(response);
}

audit::AuditRecord GatewayImpl::refusal_record(const Reply& reply, Reason reason, std::string_view detail) const {
  audit::AuditRecord entry;
  entry.kind = audit::RecordKind::deny;
  entry.decision = audit::Decision::deny;
  entry.reason = reason;
  entry.tenant = reply.tenant;
  entry.principal = reply.principal;
  entry.method = "transport";
  json::Value extra = json::Value::object();
  extra.set("message", detail.substr(0, 200));
  entry.detail = std::move(extra);
  return entry;
}

}  // namespace bulkhead::gateway::detail
