// fuzz_dlp: the DLP's string decoder against json::parse, and the scanner on arbitrary text. For every document
// json::validate accepts, decode_strings must succeed and yield exactly json::parse's strings (member names and
// values, in document order). On any input the scanner must not crash; a masked message must be valid JSON again
// and no longer contain the masked match.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dlp/detail/decoded_text.h"
#include "dlp/dlp.h"
#include "json/json.h"

namespace {

namespace json = bulkhead::json;
namespace dlp = bulkhead::dlp;

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "fuzz_dlp invariant violated: %s\n", what);
  std::abort();
}

void strings_of(const json::Value& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    out.push_back(v.as_string());
  } else if (v.is_array()) {
    for (const auto& item : v.as_array()) strings_of(item, out);
  } else if (v.is_object()) {
    for (const auto& [key, value] : v.as_object()) {
      out.push_back(key);
      strings_of(value, out);
    }
  }
}

dlp::Scanner& scanner() {
  static std::optional<dlp::Scanner> s = [] {
    dlp::Options options;
    options.tenants.push_back({"acme", {"ACME-CANARY"}, {R"(acme-\d{3})"}});
    options.tenants.push_back({"globex", {"GLOBEX-CANARY"}, {R"(globex-\d{3})"}});
    options.on_other_tenant_marker = dlp::Action::redact;
    options.carry_bytes = 16;
    auto engine = dlp::Engine::create(options);
    if (!engine) violated("engine");
    auto made = dlp::Scanner::create(*engine);
    if (!made) violated("scanner");
    return std::optional<dlp::Scanner>(std::move(*made));
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  dlp::detail::DecodedText decoded;
  const bool decodes = dlp::detail::decode_strings(text, decoded);
  auto parsed = json::parse(text);
  if (parsed) {
    if (!decodes) violated("valid JSON not decoded");
    std::vector<std::string> expected;
    strings_of(*parsed, expected);
    std::vector<std::string> got;
    for (const auto& segment : decoded.segments) {
      if (!segment.base64) got.emplace_back(decoded.view(segment));
    }
    if (got != expected) violated("decoded strings differ from json::parse");
  }
  dlp::StreamState stream;
  auto verdict = scanner().scan_json(text, "acme", &stream);
  if (verdict && verdict->redacted) {
    if (parsed && !json::validate(*verdict->redacted)) violated("masked message is not valid JSON");
  }
  return 0;
}
