// fuzz_envelope: arbitrary bytes as an HTTP POST body → mcp::parse_body, then the serialize round trip.
// Invariants (a violation aborts, which libFuzzer reports as a crash):
//  - failures carry one of the three body reasons, and an id that is null, a string or an integer;
//  - the error response built for a failure is itself a valid message;
//  - a parsed message re-serializes to text that parses to an equal message and serializes identically;
//  - to_json() agrees with serialize(); canonicalize() is idempotent on the message.
#include <cstdint>
#include <string_view>

#include "../message_checks.h"
#include "json/json.h"
#include "mcp/mcp.h"

namespace {

using bulkhead::core::Reason;
namespace json = bulkhead::json;
namespace mcp = bulkhead::mcp;

[[noreturn]] void violated(const char* what) { bulkhead::fuzz::violated("fuzz_envelope", what); }

bool same(const mcp::Message& a, const mcp::Message& b) { return bulkhead::fuzz::same_message(a, b); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = mcp::parse_body(body);
  if (!parsed) {
    const mcp::BodyError& failure = parsed.error();
    const Reason r = failure.error.reason;
    if (r != Reason::parse_error && r != Reason::batch_not_supported && r != Reason::invalid_request) {
      violated("unexpected failure reason");
    }
    if (!failure.id.is_null() && !failure.id.is_string() && !failure.id.is_integer()) violated("bad recovered id");
    const mcp::Message reply = mcp::make_error(failure.id, failure.error);
    if (!mcp::parse_body(mcp::serialize(reply))) violated("error response does not parse");
    return 0;
  }

  const mcp::Message& message = *parsed;
  const std::string text = mcp::serialize(message);
  auto again = mcp::parse_body(text);
  if (!again) violated("serialized message does not parse");
  if (!same(message, *again)) violated("round trip changed the message");
  if (mcp::serialize(*again) != text) violated("serialization is not a fixed point");

  const json::Value as_json = mcp::to_json(message);
  if (json::serialize(as_json) != text) violated("to_json disagrees with serialize");

  const std::string canonical = json::canonicalize(as_json);
  auto reparsed = json::parse(canonical);
  if (!reparsed) violated("canonical form does not parse");
  if (json::canonicalize(*reparsed) != canonical) violated("canonicalize is not idempotent");
  return 0;
}
