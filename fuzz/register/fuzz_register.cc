// libFuzzer target for register.toml: parse, then validate against a fixed context, and for what parses the stored
// JSON form and the plan. Invariants abort: from_json(to_json(r)) reproduces the same JSON, and plan(r, r) is empty
// for a register that validates (validation is what rejects a connector or tenant mapping declared twice).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "register/register.h"

namespace {

using namespace bulkhead;

const registry::Context& context() {
  static const registry::Context instance = [] {
    registry::Context c;
    c.upstreams = {"crm", "notes", "files"};
    c.tenants = {{"acme", {"spiffe://acme.test/agent/*"}}, {"globex", {"spiffe://globex.test/a"}}};
    c.today = *registry::parse_date("2026-12-03");
    return c;
  }();
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto reg = registry::parse_register(text);
  if (!reg) return 0;
  const bool valid = registry::validate(*reg, context()).empty();
  const std::string json = json::canonicalize(registry::to_json(*reg));
  auto back = registry::from_json(registry::to_json(*reg));
  if (!back || json::canonicalize(registry::to_json(*back)) != json) std::abort();
  const auto self = registry::plan(*reg, *reg);
  if (valid && !self.empty()) std::abort();
  (void)registry::plan(registry::Register{}, *reg);
  return 0;
}
