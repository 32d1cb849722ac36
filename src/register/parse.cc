// register.toml → Register. Strict like bulkhead.toml: unknown keys and wrong types are errors with a line.
#include <toml++/toml.h>

#include <fmt/format.h>

#include "register/register.h"

namespace bulkhead::registry {
namespace {

std::uint32_t line_of(const toml::node& node) { return static_cast<std::uint32_t>(node.source().begin.line); }

class Reader {
 public:
  std::vector<Diagnostic> problems;

  void unknown_keys(const toml::table& table, std::string_view section,
                    std::initializer_list<std::string_view> known) {
    for (const auto& [key, node] : table) {
      bool found = false;
      for (auto k : known) found = found || k == key.str();
      if (!found) problems.push_back({line_of(node), fmt::format("unknown key '{}' in {}", key.str(), section)});
    }
  }

  std::string text(const toml::table& table, std::string_view key, std::string_view where) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return {};
    if (auto value = node->value<std::string>()) return *value;
    problems.push_back({line_of(*node), fmt::format("{}: {} must be a string", where, key)});
    return {};
  }

  // A TOML date (2026-11-01) or a "YYYY-MM-DD" string; 0 when absent.
  Date date(const toml::table& table, std::string_view key, std::string_view where) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return 0;
    if (const auto* d = node->as_date()) {
      const toml::date& v = d->get();
      if (auto parsed = parse_date(fmt::format("{:04}-{:02}-{:02}", v.year, v.month, v.day))) return *parsed;
    } else if (auto s = node->value<std::string>()) {
      if (auto parsed = parse_date(*s)) return *parsed;
    }
    problems.push_back({line_of(*node), fmt::format("{}: {} must be a date (YYYY-MM-DD)", where, key)});
    return 0;
  }

  std::vector<std::string> strings(const toml::table& table, std::string_view key, std::string_view where) {
    std::vector<std::string> out;
    const toml::node* node = table.get(key);
    if (node == nullptr) return out;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      problems.push_back({line_of(*node), fmt::format("{}: {} must be an array of strings", where, key)});
      return out;
    }
    for (const auto& item : *array) {
      if (auto s = item.value<std::string>()) out.push_back(*s);
      else problems.push_back({line_of(item), fmt::format("{}: {} must contain only strings", where, key)});
    }
    return out;
  }
};

}  // namespace

std::string to_string(const Diagnostic& d, std::string_view file) {
  return d.line > 0 ? fmt::format("{}:{}: {}", file, d.line, d.message) : fmt::format("{}: {}", file, d.message);
}

const Connector* Register::find(std::string_view upstream) const noexcept {
  for (const auto& c : connectors) {
    if (c.upstream == upstream) return &c;
  }
  return nullptr;
}

std::expected<Register, std::vector<Diagnostic>> parse_register(std::string_view toml_text) {
  toml::table root;
  try {
    // Debian's toml++ throws on syntax errors; they stop here.
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& err) {
    return std::unexpected(std::vector<Diagnostic>{
        {static_cast<std::uint32_t>(err.source().begin.line), std::string(err.description())}});
  }
  Reader r;
  Register reg;
  r.unknown_keys(root, "register.toml (only [[connector]] sections)", {"connector"});
  const toml::node* list = root.get("connector");
  if (list != nullptr && list->as_array() == nullptr) {
    r.problems.push_back({line_of(*list), "connector must be an array of tables: [[connector]]"});
  }
  if (const toml::array* array = list != nullptr ? list->as_array() : nullptr) {
    for (const auto& item : *array) {
      const toml::table* table = item.as_table();
      if (table == nullptr) {
        r.problems.push_back({line_of(item), "each [[connector]] must be a table"});
        continue;
      }
      Connector c;
      c.line = line_of(*table);
      const std::string upstream = r.text(*table, "upstream", "[[connector]]");
      const std::string where = fmt::format("connector '{}'", upstream);
      r.unknown_keys(*table, where,
                     {"upstream", "owner_team", "policy_owner", "downstream_owner", "approver", "approved_on",
                      "purpose", "review_by", "kind", "tenant"});
      c.upstream = upstream;
      c.owner_team = r.text(*table, "owner_team", where);
      c.policy_owner = r.text(*table, "policy_owner", where);
      c.downstream_owner = r.text(*table, "downstream_owner", where);
      c.approver = r.text(*table, "approver", where);
      c.approved_on = r.date(*table, "approved_on", where);
      c.purpose = r.text(*table, "purpose", where);
      c.review_by = r.date(*table, "review_by", where);
      const std::string kind = r.text(*table, "kind", where);
      if (kind == "vendor") {
        c.kind = ConnectorKind::vendor;
      } else if (!kind.empty() && kind != "self-hosted") {
        r.problems.push_back({line_of(*table->get("kind")), fmt::format("{}: kind must be \"self-hosted\" or \"vendor\"", where)});
      }
      if (const toml::node* tenants = table->get("tenant")) {
        const toml::array* entries = tenants->as_array();
        if (entries == nullptr) {
          r.problems.push_back({line_of(*tenants), fmt::format("{}: tenant must be [[connector.tenant]] tables", where)});
        } else {
          for (const auto& entry : *entries) {
            const toml::table* t = entry.as_table();
            if (t == nullptr) {
              r.problems.push_back({line_of(entry), fmt::format("{}: each [[connector.tenant]] must be a table", where)});
              continue;
            }
            TenantMapping m;
            m.line = line_of(*t);
            m.tenant = r.text(*t, "id", where + " tenant");
            const std::string at = fmt::format("{} tenant '{}'", where, m.tenant);
            r.unknown_keys(*t, at, {"id", "agents", "purpose"});
            m.agents = r.strings(*t, "agents", at);
            m.purpose = r.text(*t, "purpose", at);
            c.tenants.push_back(std::move(m));
          }
        }
      }
      reg.connectors.push_back(std::move(c));
    }
  }
  if (!r.problems.empty()) return std::unexpected(std::move(r.problems));
  return reg;
}

}  // namespace bulkhead::registry
