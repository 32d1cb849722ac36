// Shared by the message fuzz targets (fuzz_envelope, fuzz_wire): how an invariant violation is reported, and
// message equality (ids, methods and payloads compared as JSON values).
#pragma once

#include <cstdio>
#include <cstdlib>

#include "mcp/mcp.h"

namespace bulkhead::fuzz {

// Reports `what` for `target` and aborts, which libFuzzer reports as a crash.
[[noreturn]] inline void violated(const char* target, const char* what) {
  std::fprintf(stderr, "%s invariant violated: %s\n", target, what);
  std::abort();
}

[[nodiscard]] inline bool same_message(const mcp::Message& a, const mcp::Message& b) {
  return a.kind == b.kind && a.id == b.id && a.method == b.method && a.params == b.params && a.result == b.result &&
         a.error == b.error;
}

}  // namespace bulkhead::fuzz
