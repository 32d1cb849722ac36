// libFuzzer target for the policy language: parse arbitrary text; when it parses, decide and may_list a fixed
// gateway-like request against it (exercises the evaluator, the index and partial evaluation), then lint it.
// Invariants checked: never crash or hang; may_list() is true whenever decide() allows the same request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "policy/policy.h"

namespace {

const bulkhead::policy::Call& sample_call() {
  static const bulkhead::policy::Call call = [] {
    static const std::vector<std::string> scopes{"notes", "restricted"};
    static const std::vector<std::string> labels{"pii"};
    static const bulkhead::json::Value arguments = [] {
      auto v = bulkhead::json::parse(R"({"account_id":"acme-1","n":5,"tags":["a","b"],"nested":{"x":1}})");
      return v ? *v : bulkhead::json::Value();
    }();
    bulkhead::policy::CallFacts facts;
    facts.agent = "spiffe://acme.test/agent/a";
    facts.tenant = "acme";
    facts.resource_name = "notes__add_note";
    facts.upstream = "notes";
    facts.classification = "restricted";
    facts.labels = labels;
    facts.scopes = scopes;
    facts.task = "t1";
    facts.arguments = &arguments;
    auto c = bulkhead::policy::build_call(facts);
    (void)c.entities.add(bulkhead::policy::Entity{bulkhead::policy::EntityUid{"Tenant", "acme"},
                                                  bulkhead::policy::Value::record({{"n", bulkhead::policy::Value(1)}}),
                                                  {bulkhead::policy::EntityUid{"Org", "o"}}});
    return c;
  }();
  return call;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto set = bulkhead::policy::PolicySet::parse_text(text);
  if (!set) return 0;
  const auto& call = sample_call();
  const auto decision = bulkhead::policy::decide(**set, call.request, call.entities);
  const bool listed = bulkhead::policy::may_list(**set, call.request, call.entities);
  if (decision.allowed && !listed) std::abort();  // the list rule must agree with calls
  (void)bulkhead::policy::lint(**set);
  (void)bulkhead::json::serialize(bulkhead::policy::decision_to_json(decision));
  return 0;
}
