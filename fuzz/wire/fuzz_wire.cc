// fuzz_wire: arbitrary bytes as a message from an upstream (an SSE event's data, a stdio line, a JSON body) →
// mcp::parse_message_keeping_result, which forwards a response's result as it was written. Differential against
// the general path, mcp::to_message(json::parse(bytes)):
//  - both accept or both refuse (with the same reason), and json::validate agrees with json::parse;
//  - an accepted message equals the general one once its raw result is materialized, and both serialize alike;
//  - a kept raw result is spliced verbatim: serialize() contains it, and the output parses back to the message;
//  - split_object on an accepted object yields each member's exact text (it parses to that member's value).
#include <cstdint>
#include <string_view>
#include <vector>

#include "../message_checks.h"
#include "json/json.h"
#include "mcp/mcp.h"

namespace {

namespace json = bulkhead::json;
namespace mcp = bulkhead::mcp;

[[noreturn]] void violated(const char* what) { bulkhead::fuzz::violated("fuzz_wire", what); }

bool same(const mcp::Message& a, const mcp::Message& b) { return bulkhead::fuzz::same_message(a, b); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tree = json::parse(text);
  if (json::validate(text).has_value() != tree.has_value()) violated("validate disagrees with parse");

  if (tree && tree->is_object()) {
    std::vector<json::RawMember> members;
    if (!json::split_object(text, members)) violated("split_object refused an object");
    if (members.size() != tree->as_object().size()) violated("split_object member count");
    for (std::size_t i = 0; i < members.size(); ++i) {
      const auto& [name, value] = tree->as_object()[i];
      if (!members[i].key_escaped && members[i].key != name) violated("split_object key");
      auto member = json::parse(members[i].value);
      if (!member || !(*member == value)) violated("split_object value text");
    }
  }

  bulkhead::core::Result<mcp::Message> general =
      tree ? mcp::to_message(std::move(*tree)) : bulkhead::core::fail(bulkhead::core::Reason::parse_error, "malformed");
  auto kept = mcp::parse_message_keeping_result(text);
  if (general.has_value() != kept.has_value()) violated("acceptance differs from the general path");
  if (!general) {
    if (general.error().reason != kept.error().reason) violated("refusal reason differs");
    return 0;
  }
  if (!kept->raw_result.empty()) {
    if (kept->kind != mcp::Message::Kind::response) violated("raw result on a non-response");
    const std::string spliced = mcp::serialize(*kept);
    if (spliced.find(kept->raw_result) == std::string::npos) violated("raw result not spliced verbatim");
    auto back = mcp::parse_message_keeping_result(spliced);
    if (!back) violated("spliced message does not parse");
    mcp::materialize_result(*back);
    mcp::Message built = *kept;
    mcp::materialize_result(built);
    if (!same(*back, built)) violated("spliced message changed");
  }
  mcp::materialize_result(*kept);
  if (!same(*general, *kept)) violated("message differs from the general path");
  if (mcp::serialize(*general) != mcp::serialize(*kept)) violated("serialization differs");
  return 0;
}
