// Response and egress DLP in the pipeline (module dlp, docs/dlp.md), and task taint: what a task has read, across
// its whole delegation chain (one task id), kept in the store for the task's lifetime and shown to policies as
// context.task_labels.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/detail/gateway_impl.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

std::string task_key(std::string_view tenant, std::string_view task) { return fmt::format("{}/{}", tenant, task); }

bool is_read(std::string_view method) {
  return method == "tools/call" || method == "resources/read" || method == "prompts/get";
}

// What the client learns: no rule ids (they would name other tenants).
mcp::Message withheld(const json::Value& id, std::string message) {
  return mcp::make_error(id, core::Error{Reason::dlp_blocked, std::move(message)});
}

// What scanning a value that goes upstream (tool arguments, a client's answer) found; on `pass` the value holds the
// masked text, if anything was masked.
struct OutgoingScan {
  enum class Outcome : std::uint8_t { pass, blocked, engine_error, unmaskable };
  Outcome outcome = Outcome::pass;
  dlp::Verdict verdict;  // unless engine_error
  std::string error;     // engine_error: why
};

OutgoingScan scan_outgoing(dlp::Scanner& scanner, json::Value& value, std::string_view tenant) {
  OutgoingScan scan;
  auto verdict = scanner.scan_json(json::serialize(value), tenant);
  if (!verdict) {
    scan.outcome = OutgoingScan::Outcome::engine_error;
    scan.error = verdict.error().message;
    return scan;
  }
  scan.verdict = std::move(*verdict);
  if (scan.verdict.blocked()) {
    scan.outcome = OutgoingScan::Outcome::blocked;
  } else if (scan.verdict.redacted) {
    auto masked = json::parse(*scan.verdict.redacted);
    if (masked) {
      value = std::move(*masked);
    } else {
      scan.outcome = OutgoingScan::Outcome::unmaskable;
    }
  }
  return scan;
}

}  // namespace

json::Value DlpFindings::to_json() const {
  if (rules.empty() && !blocked) return json::Value();
  json::Value out = json::Value::object();
  json::Value& hits = out.set("hits", json::Value::array());
  for (const auto& rule : rules) hits.push_back(rule);
  out.set("blocked", blocked);
  return out;
}

void DlpFindings::note(const dlp::Verdict& verdict, std::string_view direction) {
  for (const dlp::Hit& hit : verdict.hits) {
    std::string entry = fmt::format("{}:{}:{}", direction, hit.rule_id, dlp::action_name(verdict.blocked() ? dlp::Action::block : hit.action));
    if (std::find(rules.begin(), rules.end(), entry) == rules.end()) rules.push_back(std::move(entry));
  }
}

core::Result<void> GatewayImpl::init_dlp() {
  if (!config_.dlp.enabled) {
    spdlog::info("response DLP off (no [[tenant]] canaries/markers and no [dlp])");
    return {};
  }
  auto engine = dlp::Engine::create(config_.dlp.options);
  if (!engine) return std::unexpected(engine.error());
  auto scanner = dlp::Scanner::create(*engine);
  if (!scanner) return std::unexpected(scanner.error());
  spdlog::info("response DLP on: {} tenant/custom patterns, credential rules {}, egress {}", (*engine)->pattern_count(),
               config_.dlp.options.secrets ? "on" : "off", config_.dlp.egress ? "on" : "off");
  dlp_.emplace(std::move(*scanner));
  return {};
}

void GatewayImpl::prepare_dlp(const ClientSession& session, const Caller* caller, std::size_t index,
                              const mcp::Message& message, DlpFindings& findings) const {
  findings.tenant = session.tenant;
  if (caller != nullptr && caller->task) {
    findings.task = caller->task->task;
    findings.task_expires_s = caller->task->expires_at_s;
  }
  // What a read adds matters only to a task (taint); without one the hot path stops here.
  if (findings.task.empty() || !is_read(message.method) || index >= config_.upstreams.size()) return;
  const UpstreamEntry& entry = config_.upstreams[index];
  ToolLabels labels{entry.classification, {}};
  if (message.method == "tools/call") {
    if (const std::string* name = mcp::param_string(message, "name")) labels = entry.labels_of(*name);
  }
  findings.read_labels.insert(labels.classification);
  for (const auto& label : labels.labels) findings.read_labels.insert(label);
}

std::optional<mcp::Message> GatewayImpl::dlp_egress(mcp::Message& request, DlpFindings& findings) {
  if (!dlp_ || !config_.dlp.egress) return std::nullopt;
  if (request.method != "tools/call" && request.method != "prompts/get") return std::nullopt;
  json::Value* arguments = request.params.find("arguments");
  if (arguments == nullptr || arguments->is_null()) return std::nullopt;
  const OutgoingScan scan = scan_outgoing(*dlp_, *arguments, findings.tenant);
  if (scan.outcome == OutgoingScan::Outcome::engine_error) {
    spdlog::error("DLP could not check the arguments of {}: {}", request.method, scan.error);
    findings.rules.push_back("egress:engine_error:block");
    findings.blocked = true;
    return withheld(request.id, "arguments refused: DLP could not check them");
  }
  findings.note(scan.verdict, "egress");
  if (scan.outcome == OutgoingScan::Outcome::blocked) {
    findings.blocked = true;
    spdlog::info("DLP refused egress tenant={} method={} hits={}", findings.tenant, request.method,
                 scan.verdict.hits.size());
    return withheld(request.id, "arguments refused: they carry data this caller may not send");
  }
  if (scan.outcome == OutgoingScan::Outcome::unmaskable) {
    findings.blocked = true;
    return withheld(request.id, "arguments refused: DLP could not mask them");
  }
  return std::nullopt;
}

bool GatewayImpl::dlp_answer(mcp::Message& answer, std::string_view tenant, DlpFindings* findings) {
  if (!dlp_ || !config_.dlp.egress) return true;
  json::Value& value = answer.kind == mcp::Message::Kind::error ? answer.error : answer.result;
  const OutgoingScan scan = scan_outgoing(*dlp_, value, tenant);
  std::vector<std::string> hits;
  // Fail closed: an engine error, or a mask that does not parse, refuses the answer like a block.
  const bool refused = scan.outcome != OutgoingScan::Outcome::pass;
  if (scan.outcome == OutgoingScan::Outcome::engine_error) {
    spdlog::error("DLP could not check a client's answer to an upstream request: {}", scan.error);
    hits.emplace_back("engine_error");
    if (findings != nullptr) findings->rules.push_back("egress:engine_error:block");
  } else {
    for (const dlp::Hit& hit : scan.verdict.hits) hits.push_back(hit.rule_id);
    if (findings != nullptr) findings->note(scan.verdict, "egress");
  }
  if (findings == nullptr && !hits.empty()) {
    // No call to put the hits on (a 2025 session's answer): a lifecycle record, rule ids only.
    json::Value detail = json::Value::object();
    json::Value& list = detail.set("hits", json::Value::array());
    for (const auto& hit : hits) list.push_back(hit);
    detail.set("direction", "egress");
    detail.set("tenant", std::string(tenant));
    record_later(lifecycle_record(refused ? "dlp_blocked" : "dlp_hit", nullptr, std::move(detail)));
  }
  if (!refused) return true;
  spdlog::info("DLP refused a client's answer to an upstream request tenant={} hits={}", tenant, hits.size());
  answer = withheld(answer.id, "answer refused: it carries data this caller may not send");
  return false;
}

void GatewayImpl::dlp_response(mcp::Message& response, DlpFindings& findings) {
  if (findings.blocked) {
    response = withheld(response.id, "response withheld: it carries data this caller may not see");
    return;
  }
  std::set<std::string> labels;
  if (dlp_) {
    std::string serialized;
    std::string_view text;
    json::Value* value = nullptr;
    if (response.kind == mcp::Message::Kind::response && !response.raw_result.empty()) {
      text = response.raw_result;
    } else {
      value = response.kind == mcp::Message::Kind::error ? &response.error : &response.result;
      serialized = json::serialize(*value);
      text = serialized;
    }
    auto verdict = dlp_->scan_json(text, findings.tenant);
    if (!verdict) {
      spdlog::error("DLP could not check a response: {}", verdict.error().message);
      findings.rules.push_back("response:engine_error:block");
      findings.blocked = true;
      response = withheld(response.id, "response withheld: DLP could not check it");
      return;
    }
    findings.note(*verdict, "response");
    if (verdict->blocked()) {
      findings.blocked = true;
      spdlog::info("DLP withheld a response tenant={} hits={}", findings.tenant, verdict->hits.size());
      response = withheld(response.id, "response withheld: it carries data this caller may not see");
      return;
    }
    if (verdict->redacted) {
      if (value == nullptr) {
        response.raw_result = std::move(*verdict->redacted);
      } else {
        auto masked = json::parse(*verdict->redacted);
        if (!masked) {
          findings.blocked = true;
          response = withheld(response.id, "response withheld: DLP could not mask it");
          return;
        }
        *value = std::move(*masked);
      }
    }
    labels = std::move(verdict->labels);
  }
  if (findings.task.empty() || response.kind != mcp::Message::Kind::response) return;
  labels.insert(findings.read_labels.begin(), findings.read_labels.end());
  if (labels.empty() || !store_) return;
  const std::string key = task_key(findings.tenant, findings.task);
  auto& known = task_labels_[key];
  std::vector<std::string> fresh;
  for (const auto& label : labels) {
    if (!std::binary_search(known.begin(), known.end(), label)) fresh.push_back(label);
  }
  if (fresh.empty()) return;
  auto stored = store_->add_task_labels(findings.tenant, findings.task, fresh, now_ms(), findings.task_expires_s);
  if (!stored) {
    // The task would read without being marked: refuse the read instead (fail closed).
    spdlog::error("task labels not stored, response withheld: {}", stored.error().message);
    findings.blocked = true;
    response = withheld(response.id, "response withheld: the task's labels could not be recorded");
    return;
  }
  known.insert(known.end(), fresh.begin(), fresh.end());
  std::sort(known.begin(), known.end());
}

bool GatewayImpl::dlp_event(mcp::Message& message, std::string_view tenant, dlp::StreamState& stream,
                            DlpFindings* findings) {
  if (!dlp_) return true;
  const std::string text = mcp::serialize(message);
  auto verdict = dlp_->scan_json(text, tenant, &stream);
  if (!verdict) {
    spdlog::error("DLP could not check an upstream message: {}", verdict.error().message);
    if (findings != nullptr) {
      findings->rules.push_back("event:engine_error:block");
      findings->blocked = true;
    }
    return false;
  }
  if (findings != nullptr) findings->note(*verdict, "event");
  if (verdict->blocked()) {
    if (findings != nullptr) findings->blocked = true;
    json::Value detail = json::Value::object();
    json::Value& hits = detail.set("hits", json::Value::array());
    for (const auto& hit : verdict->hits) hits.push_back(hit.rule_id);
    detail.set("method", message.method);
    detail.set("tenant", std::string(tenant));
    if (findings == nullptr) record_later(lifecycle_record("dlp_blocked", nullptr, std::move(detail)));
    spdlog::info("DLP withheld an upstream {} tenant={} hits={}", message.method, tenant, verdict->hits.size());
    return false;
  }
  if (verdict->redacted) {
    auto parsed = json::parse(*verdict->redacted);
    if (!parsed) return false;
    auto masked = mcp::to_message(std::move(*parsed));
    if (!masked) return false;
    message = std::move(*masked);
  }
  return true;
}

core::Result<const std::vector<std::string>*> GatewayImpl::task_labels_of(const Caller* caller) {
  static const std::vector<std::string> kNone;
  if (caller == nullptr || !caller->task) return &kNone;
  const std::string key = task_key(caller->tenant, caller->task->task);
  if (auto it = task_labels_.find(key); it != task_labels_.end()) return &it->second;
  if (!store_) return &kNone;
  auto loaded = store_->task_labels(caller->tenant, caller->task->task);
  if (!loaded) return std::unexpected(loaded.error());
  if (task_labels_.size() > 100'000) task_labels_.clear();  // a cache: the store keeps them
  return &task_labels_.emplace(key, std::move(*loaded)).first->second;
}

void GatewayImpl::prune_task_labels() {
  if (!store_) return;
  const std::int64_t now_s = now_ms() / 1000;
  if (now_s < next_label_prune_s_) return;
  next_label_prune_s_ = now_s + 600;
  // A margin of an hour past the last token's expiry: a late request with a just-expired token is refused anyway.
  auto pruned = store_->prune_task_labels(now_s - 3600);
  if (!pruned) {
    spdlog::warn("task labels not pruned: {}", pruned.error().message);
    return;
  }
  if (*pruned > 0) {
    spdlog::info("pruned {} labels of ended tasks", *pruned);
    task_labels_.clear();  // a cache: re-read from the store on next use
  }
}

void GatewayImpl::describe_dlp(audit::AuditRecord& entry, const DlpFindings& findings) const {
  json::Value dlp = findings.to_json();
  const std::vector<std::string>* labels = nullptr;
  if (!findings.task.empty()) {
    if (auto it = task_labels_.find(task_key(findings.tenant, findings.task)); it != task_labels_.end()) {
      labels = &it->second;
    }
  }
  if (dlp.is_null() && labels == nullptr) return;
  if (!entry.detail.is_object()) entry.detail = json::Value::object();
  if (!dlp.is_null()) entry.detail.set("dlp", std::move(dlp));
  if (labels != nullptr) {
    json::Value& list = entry.detail.set("task_labels", json::Value::array());
    for (const auto& label : *labels) list.push_back(label);
  }
}

}  // namespace bulkhead::gateway::detail
