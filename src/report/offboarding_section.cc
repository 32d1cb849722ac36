// "Offboarding and revocation": a timeline per offboarding (who, why, when; tokens revoked, sessions closed,
// processes stopped, credentials removed) and the refused attempts after it, each with its inclusion proof.
#include <fmt/format.h>

#include <algorithm>

#include "report/detail/sections.h"
#include "report/detail/text.h"

namespace bulkhead::report::detail {
namespace {

json::Value step(std::int64_t time_us, std::string what, std::string actor, const Cited* record,
                 const Citations& citations) {
  json::Value s = json::Value::object();
  s.set("time", rfc3339_us(time_us));
  s.set("time_us", time_us);
  s.set("what", std::move(what));
  if (!actor.empty()) s.set("actor", std::move(actor));
  s.set("record", record != nullptr ? citations.cite(*record) : json::Value());
  return s;
}

std::int64_t field(const json::Value& object, std::string_view key) {
  const json::Value* v = object.find(key);
  return v != nullptr && v->is_integer() ? v->as_int() : 0;
}

}  // namespace

json::Value offboarding_section(const ReportOptions& options, const StoreFacts& facts, const Collector& collector,
                                const Citations& citations) {
  (void)options;
  json::Value out = json::Value::array();
  for (const auto& o : facts.offboardings) {
    if (!collector.offboarding_in_scope(o)) continue;
    json::Value entry = json::Value::object();
    entry.set("id", o.id);
    entry.set("kind", o.kind);
    entry.set("value", o.value);
    entry.set("at", rfc3339_ms(o.at_ms));
    entry.set("actor", o.actor);
    entry.set("reason", o.reason);
    auto effects = json::parse(o.effects);
    const json::Value effects_v = effects ? *effects : json::Value::object();
    entry.set("tokens_revoked", field(effects_v, "tokens_revoked"));
    entry.set("credentials_deleted", field(effects_v, "credentials_deleted"));
    entry.set("applied_at", o.applied_at_ms > 0 ? json::Value(rfc3339_ms(o.applied_at_ms)) : json::Value());
    auto applied = json::parse(o.applied.empty() ? "{}" : o.applied);
    const json::Value applied_v = applied ? *applied : json::Value::object();
    entry.set("sessions_closed", field(applied_v, "sessions_closed"));
    entry.set("processes_stopped", field(applied_v, "processes_stopped"));

    const Cited* recorded = nullptr;
    const Cited* applied_record = nullptr;
    if (auto it = collector.offboarding_events.find(o.id); it != collector.offboarding_events.end()) {
      for (const auto& c : it->second) {
        if (c.event == "offboarded" && recorded == nullptr) recorded = &c;
        if (c.event == "offboarding_applied" && applied_record == nullptr) applied_record = &c;
      }
    }
    std::vector<json::Value> timeline;
    timeline.push_back(step(o.at_ms * 1000, fmt::format("offboarding of {} {} recorded: {}", o.kind, o.value, o.reason),
                            o.actor, recorded, citations));
    json::Value& revocations = entry.set("revocations", json::Value::array());
    const std::string marker = fmt::format("offboarding {} {}:", o.kind, o.value);
    for (const auto& r : facts.revocations) {
      if (!r.reason.starts_with(marker)) continue;
      json::Value rv = revocation_json(r, collector, citations);
      const Cited* record = nullptr;
      if (auto it = collector.revocation_records.find(r.id); it != collector.revocation_records.end()) record = &it->second;
      timeline.push_back(step(r.revoked_at_ms * 1000,
                              fmt::format("task tokens revoked ({} {}), with everything derived from them",
                                          store::revocation_kind_name(r.kind), r.value),
                              r.actor, record, citations));
      revocations.push_back(std::move(rv));
    }
    timeline.push_back(step(o.at_ms * 1000,
                            fmt::format("{} task token(s) revoked, {} credential(s) removed",
                                        field(effects_v, "tokens_revoked"), field(effects_v, "credentials_deleted")),
                            o.actor, recorded, citations));
    if (o.applied_at_ms > 0 || applied_record != nullptr) {
      const std::int64_t at = applied_record != nullptr ? applied_record->time_us : o.applied_at_ms * 1000;
      timeline.push_back(step(at,
                              fmt::format("applied by the gateway: {} session(s) closed, {} process(es) stopped",
                                          field(applied_v, "sessions_closed"), field(applied_v, "processes_stopped")),
                              "gateway", applied_record, citations));
    }
    const CitedList* refused = nullptr;
    if (auto it = collector.refused_after.find(o.id); it != collector.refused_after.end()) refused = &it->second;
    if (refused != nullptr && !refused->items.empty()) {
      const Cited& first = refused->items.front();
      timeline.push_back(step(first.time_us,
                              fmt::format("first refused attempt afterwards: {} ({})",
                                          first.principal.empty() ? std::string("unauthenticated") : first.principal,
                                          first.reason),
                              "", &first, citations));
    }
    std::stable_sort(timeline.begin(), timeline.end(),
                     [](const json::Value& a, const json::Value& b) { return field(a, "time_us") < field(b, "time_us"); });
    json::Value& steps = entry.set("timeline", json::Value::array());
    for (auto& s : timeline) steps.push_back(std::move(s));
    entry.set("refused_after", citations.cite_list(refused != nullptr ? *refused : CitedList{}));
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace bulkhead::report::detail
