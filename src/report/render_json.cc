// render_json(): the document, indented two spaces, members in the order built (docs/report.md).
#include "report/report.h"

namespace bulkhead::report {
namespace {

void write(const json::Value& v, int depth, std::string& out) {
  const std::string pad(static_cast<std::size_t>(depth + 1) * 2, ' ');
  const std::string close(static_cast<std::size_t>(depth) * 2, ' ');
  if (v.is_object() && !v.as_object().empty()) {
    out += depth == 0 ? "{" : "{\n";
    bool first = true;
    for (const auto& [key, value] : v.as_object()) {
      if (!first) out += ",\n";
      // The first member of the document stays on the first line: the verdict is what a reader sees first.
      if (!first || depth > 0) out += pad;
      first = false;
      json::append_quoted(key, out);
      out += ": ";
      write(value, depth + 1, out);
    }
    out += "\n" + close + "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : v.as_array()) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      write(item, depth + 1, out);
    }
    out += "\n" + close + "]";
  } else {
    json::serialize_to(v, out);
  }
}

}  // namespace

std::string render_json(const json::Value& document) {
  std::string out;
  write(document, 0, out);
  out += "\n";
  return out;
}

}  // namespace bulkhead::report
