// fuzz_json: differential test of json::parse against simdjson's own DOM parser, plus writer round trips.
// json::parse must accept exactly what simdjson accepts, except: integers beyond 64 bits (simdjson refuses them,
// json::parse turns them into doubles), duplicate member names and nesting deeper than the limit (json::parse
// refuses them). Accepted documents must survive serialize → parse unchanged, and canonicalize is idempotent.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

#include "json/json.h"

namespace {

namespace json = bulkhead::json;
namespace dom = simdjson::dom;

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "fuzz_json invariant violated: %s\n", what);
  std::abort();
}

// True when the document nests deeper than max_depth or has an object with a repeated member name.
bool exceeds_our_rules(dom::element e, std::size_t depth, std::size_t max_depth) {
  if (e.is_array()) {
    if (depth + 1 > max_depth) return true;
    for (dom::element child : dom::array(e)) {
      if (exceeds_our_rules(child, depth + 1, max_depth)) return true;
    }
  } else if (e.is_object()) {
    if (depth + 1 > max_depth) return true;
    std::set<std::string_view> names;
    for (dom::key_value_pair field : dom::object(e)) {
      if (!names.insert(field.key).second) return true;
      if (exceeds_our_rules(field.value, depth + 1, max_depth)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ours = json::parse(text);

  static dom::parser reference;
  dom::element root;
  const simdjson::error_code code = reference.parse(text.data(), text.size(), true).get(root);
  if (code == simdjson::SUCCESS) {
    if (!ours && !exceeds_our_rules(root, 0, json::ParseLimits{}.max_depth)) violated("refused a valid document");
    if (ours && exceeds_our_rules(root, 0, json::ParseLimits{}.max_depth)) violated("accepted duplicates/depth");
  } else if (ours && code != simdjson::NUMBER_ERROR) {
    violated("accepted a document simdjson refuses");
  }
  if (!ours) return 0;

  const std::string written = json::serialize(*ours);
  auto back = json::parse(written);
  if (!back) violated("serialized value does not parse");
  if (!(*back == *ours)) violated("round trip changed the value");
  if (json::serialize(*back) != written) violated("serialization is not a fixed point");

  const std::string canonical = json::canonicalize(*ours);
  auto reparsed = json::parse(canonical);
  if (!reparsed) violated("canonical form does not parse");
  if (json::canonicalize(*reparsed) != canonical) violated("canonicalize is not idempotent");
  return 0;
}
