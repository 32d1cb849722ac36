// "Data access": reads, downstream writes and other calls by classification and by tool, per tenant (allowed
// decisions; refused attempts counted apart).
#include "report/detail/sections.h"

namespace bulkhead::report::detail {
namespace {

void add(json::Value& row, const Access& a) {
  for (const auto& [key, n] : {std::pair{"reads", a.reads}, std::pair{"writes", a.writes},
                               std::pair{"invokes", a.invokes}, std::pair{"denied", a.denied}}) {
    const json::Value* old = row.find(key);
    row.set(key, (old != nullptr ? old->as_uint() : 0) + n);
  }
}

}  // namespace

json::Value data_access_section(const Collector& collector) {
  json::Value out = json::Value::object();
  json::Value& tenants = out.set("tenants", json::Value::array());
  std::map<std::string, std::vector<std::pair<std::string, const Access*>>> by_tenant;
  for (const auto& [key, access] : collector.access) by_tenant[key.first].emplace_back(key.second, &access);
  for (const auto& [tenant, tools] : by_tenant) {
    json::Value entry = json::Value::object();
    entry.set("tenant", tenant);
    json::Value totals = json::Value::object();
    std::map<std::string, json::Value> classes;
    json::Value& by_tool = entry.set("by_tool", json::Value::array());
    for (const auto& [tool, a] : tools) {
      add(totals, *a);
      json::Value& c = classes[a->classification];
      if (c.is_null()) c = json::Value::object();
      add(c, *a);
      json::Value row = json::Value::object();
      row.set("tool", tool);
      row.set("classification", a->classification);
      add(row, *a);
      by_tool.push_back(std::move(row));
    }
    json::Value& by_class = entry.set("by_classification", json::Value::array());
    for (auto& [name, counts] : classes) {
      json::Value row = json::Value::object();
      row.set("classification", name);
      for (auto& [k, v] : counts.as_object()) row.set(k, v);
      by_class.push_back(std::move(row));
    }
    entry.set("totals", std::move(totals));
    tenants.push_back(std::move(entry));
  }
  return out;
}

}  // namespace bulkhead::report::detail
