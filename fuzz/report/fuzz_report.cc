// fuzz_report: the report's fast reader of audit payloads (detail::plain_facts) on arbitrary bytes — no crash, and
// whenever both it and audit::decode_record accept a payload they must read the same facts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "audit/audit.h"
#include "report/detail/collector.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  auto fast = bulkhead::report::detail::plain_facts(payload);
  if (!fast) return 0;
  auto decoded = bulkhead::audit::decode_record(payload);
  if (!decoded) return 0;  // the fast reader is only used on payloads the verifier decoded
  const auto full = bulkhead::report::detail::facts_of(*decoded);
  if (fast->time_us != full.time_us || fast->kind != full.kind || fast->decision != full.decision ||
      fast->tenant != full.tenant || fast->principal != full.principal || fast->upstream != full.upstream ||
      fast->method != full.method || fast->tool != full.tool || fast->resource != full.resource) {
    std::abort();
  }
  return 0;
}
