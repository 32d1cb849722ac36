// Rendering reports as text, JSON and SARIF 2.1.0, and reading/writing baselines.
#include <algorithm>
#include <array>
#include <map>

#include "scan/detail/byte_scan.h"
#include "scan/detail/document.h"
#include "scan/scan.h"

namespace bulkhead::scan {
namespace {

constexpr std::string_view kVersion = "0.1.0";
constexpr std::string_view kInformationUri = "https://github.com/bulkhead-mcp/bulkhead/blob/main/docs/scan-rules.md";

// Appends `text` as a JSON string literal. Invalid UTF-8 becomes U+FFFD so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t run = i;
    i = detail::find_json_special(text, i);
    out.append(text.data() + run, i - run);
    if (i >= text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
      }
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      min = 0x10000;
    }
    bool valid = length != 0 && i + length <= text.size();
    std::uint32_t cp = length == 2 ? (c & 0x1F) : length == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (next & 0x3F);
    }
    valid = valid && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out.push_back('"');
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string_view sarif_level(rules::Severity severity) {
  switch (severity) {
    case rules::Severity::critical:
    case rules::Severity::high: return "error";
    case rules::Severity::medium: return "warning";
    default: return "note";
  }
}

std::string_view security_severity(rules::Severity severity) {
  switch (severity) {
    case rules::Severity::critical: return "9.5";
    case rules::Severity::high: return "8.0";
    case rules::Severity::medium: return "5.5";
    case rules::Severity::low: return "3.0";
    default: return "1.0";
  }
}

std::string_view category_name(rules::Category category) {
  switch (category) {
    case rules::Category::secret: return "secret";
    case rules::Category::transport: return "transport";
    case rules::Category::supply_chain: return "supply-chain";
    case rules::Category::isolation: return "isolation";
    case rules::Category::authorization: return "authorization";
    case rules::Category::file: return "file";
  }
  return "other";
}

// A path as a SARIF artifact URI: relative paths stay relative (GitHub resolves them against the checkout);
// absolute ones become file:// URIs.
std::string artifact_uri(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  while (path.starts_with("./")) path.remove_prefix(2);
  std::string out = path.starts_with("/") ? "file://" : "";
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::size_t rule_index(std::string_view rule_id) {
  const auto all = rules::all_rules();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].id == rule_id) return i;
  }
  return 0;
}

std::string fix_for(std::string_view rule_id) {
  const rules::Rule* rule = rules::find_rule(rule_id);
  return rule != nullptr ? std::string(rule->fix) : std::string();
}

std::string summary(const Report& report) {
  std::array<std::size_t, 5> counts{};
  for (const Finding& finding : report.findings) ++counts[static_cast<std::size_t>(finding.severity)];
  std::string out;
  if (report.findings.empty()) {
    out = "no findings";
  } else {
    out = std::to_string(report.findings.size()) + (report.findings.size() == 1 ? " finding (" : " findings (");
    bool first = true;
    for (int s = 4; s >= 0; --s) {
      if (counts[static_cast<std::size_t>(s)] == 0) continue;
      if (!first) out += ", ";
      first = false;
      out += std::to_string(counts[static_cast<std::size_t>(s)]) + " ";
      out += rules::severity_name(static_cast<rules::Severity>(s));
    }
    out += ")";
  }
  out += " in " + std::to_string(report.files_scanned) + (report.files_scanned == 1 ? " file" : " files");
  if (report.suppressed > 0) out += ", " + std::to_string(report.suppressed) + " suppressed";
  return out;
}

std::string render_text(const Report& report, bool color) {
  const auto paint = [color](std::string_view code, std::string_view text) {
    if (!color) return std::string(text);
    return "\x1b[" + std::string(code) + "m" + std::string(text) + "\x1b[0m";
  };
  const auto severity_color = [](rules::Severity severity) -> std::string_view {
    switch (severity) {
      case rules::Severity::critical: return "1;31";
      case rules::Severity::high: return "31";
      case rules::Severity::medium: return "33";
      default: return "36";
    }
  };
  std::string out;
  std::string_view current;
  for (const Finding& finding : report.findings) {
    if (finding.path != current || out.empty()) {
      if (!out.empty()) out += "\n";
      out += paint("1", finding.path) + "\n";
      current = finding.path;
    }
    std::string where = std::to_string(finding.position.line) + ":" + std::to_string(finding.position.column);
    where.resize(std::max<std::size_t>(where.size(), 8), ' ');
    std::string severity(rules::severity_name(finding.severity));
    severity.resize(9, ' ');
    out += "  " + where + paint(severity_color(finding.severity), severity) + finding.rule_id + "  " +
           finding.message + "\n";
    if (!finding.evidence.empty()) out += "          " + paint("2", "value: " + finding.evidence) + "\n";
    const std::string fix = fix_for(finding.rule_id);
    if (!fix.empty()) out += "          " + paint("2", "fix: " + fix) + "\n";
  }
  for (const std::string& error : report.errors) out += "warning: " + error + "\n";
  if (!out.empty()) out += "\n";
  out += summary(report) + "\n";
  return out;
}

std::string render_json(const Report& report) {
  std::string out = "{\"version\":1,\"tool\":\"bulkhead\",\"files_scanned\":" + std::to_string(report.files_scanned) +
                    ",\"bytes_scanned\":" + std::to_string(report.bytes_scanned) +
                    ",\"suppressed\":" + std::to_string(report.suppressed) + ",\"errors\":[";
  for (std::size_t i = 0; i < report.errors.size(); ++i) {
    if (i > 0) out += ",";
    append_json_string(out, report.errors[i]);
  }
  out += "],\"findings\":[";
  std::size_t estimate = out.size() + 8;
  for (const Finding& f : report.findings) {
    estimate += 240 + f.path.size() + f.location.size() + f.server.size() + f.message.size() + f.evidence.size();
  }
  out.reserve(estimate);
  // What repeats from finding to finding is escaped once: each rule's name and fix, the path of a run of findings.
  const auto all = rules::all_rules();
  std::vector<std::string> names(all.size());
  std::vector<std::string> fixes(all.size());
  for (std::size_t r = 0; r < all.size(); ++r) {
    append_json_string(names[r], all[r].name);
    append_json_string(fixes[r], all[r].fix);
  }
  const std::string none = json_string("");
  std::string_view path;
  std::string path_json;
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& f = report.findings[i];
    const rules::Rule* rule = rules::find_rule(f.rule_id);
    const std::size_t r = rule != nullptr ? static_cast<std::size_t>(rule - all.data()) : 0;
    if (i == 0 || f.path != path) {
      path = f.path;
      path_json.clear();
      append_json_string(path_json, path);
    }
    if (i > 0) out += ",";
    out += "\n{\"rule_id\":";
    append_json_string(out, f.rule_id);
    out += ",\"rule_name\":";
    out += rule != nullptr ? names[r] : none;
    out += ",\"severity\":";
    append_json_string(out, rules::severity_name(f.severity));
    out += ",\"path\":";
    out += path_json;
    out += ",\"line\":";
    detail::append_decimal(out, f.position.line);
    out += ",\"column\":";
    detail::append_decimal(out, f.position.column);
    out += ",\"location\":";
    append_json_string(out, f.location);
    out += ",\"server\":";
    append_json_string(out, f.server);
    out += ",\"message\":";
    append_json_string(out, f.message);
    out += ",\"evidence\":";
    append_json_string(out, f.evidence);
    out += ",\"fix\":";
    out += rule != nullptr ? fixes[r] : none;
    out += ",\"fingerprint\":";
    append_json_string(out, f.fingerprint);
    out += "}";
  }
  out += "]}\n";
  return out;
}

std::string render_sarif(const Report& report) {
  std::string out =
      "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{"
      "\"tool\":{\"driver\":{\"name\":\"bulkhead\",\"semanticVersion\":" +
      json_string(kVersion) + ",\"informationUri\":" + json_string(kInformationUri) + ",\"rules\":[";
  const auto all = rules::all_rules();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const rules::Rule& rule = all[i];
    if (i > 0) out += ",";
    out += "\n{\"id\":" + json_string(rule.id) + ",\"name\":" + json_string(rule.name);
    out += ",\"shortDescription\":{\"text\":" + json_string(rule.message) + "}";
    out += ",\"fullDescription\":{\"text\":" + json_string(std::string(rule.message) + ". Fix: " + std::string(rule.fix)) + "}";
    out += ",\"help\":{\"text\":" + json_string(rule.fix) + "}";
    out += ",\"helpUri\":" + json_string(std::string(kInformationUri) + "#" + std::string(rule.id));
    out += ",\"defaultConfiguration\":{\"level\":" + json_string(sarif_level(rule.severity)) + "}";
    out += ",\"properties\":{\"tags\":[\"security\"," + json_string(category_name(rule.category)) +
           "],\"security-severity\":" + json_string(security_severity(rule.severity)) + "}}";
  }
  out += "]}},\"columnKind\":\"unicodeCodePoints\",\"results\":[";
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& f = report.findings[i];
    if (i > 0) out += ",";
    std::string message = f.message;
    if (!f.evidence.empty()) message += ": " + f.evidence;
    out += "\n{\"ruleId\":" + json_string(f.rule_id) + ",\"ruleIndex\":" + std::to_string(rule_index(f.rule_id));
    out += ",\"level\":" + json_string(sarif_level(f.severity));
    out += ",\"message\":{\"text\":" + json_string(message) + "}";
    out += ",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":" + json_string(artifact_uri(f.path)) + "}";
    if (f.position.line > 0) {
      out += ",\"region\":{\"startLine\":" + std::to_string(f.position.line);
      if (f.position.column > 0) out += ",\"startColumn\":" + std::to_string(f.position.column);
      out += "}";
    }
    out += "}";
    if (!f.location.empty()) {
      out += ",\"logicalLocations\":[{\"fullyQualifiedName\":" + json_string(f.location) + "}]";
    }
    out += "}],\"partialFingerprints\":{\"bulkhead/v1\":" + json_string(f.fingerprint) + "}";
    out += ",\"properties\":{\"severity\":" + json_string(rules::severity_name(f.severity));
    if (!f.server.empty()) out += ",\"server\":" + json_string(f.server);
    out += "}}";
  }
  out += "]}]}\n";
  return out;
}

}  // namespace

std::string render(const Report& report, OutputFormat format, bool color) {
  switch (format) {
    case OutputFormat::json: return render_json(report);
    case OutputFormat::sarif: return render_sarif(report);
    case OutputFormat::text: break;
  }
  return render_text(report, color);
}

core::Result<std::set<std::string>> parse_baseline(std::string_view text) {
  auto parsed = detail::read_jsonc(text);
  if (auto* error = std::get_if<detail::ParseError>(&parsed)) {
    return core::fail(core::Reason::invalid_request,
                      "baseline is not valid JSON at " + std::to_string(error->position.line) + ":" +
                          std::to_string(error->position.column) + ": " + error->message);
  }
  const detail::Node& root = std::get<detail::Document>(parsed).root;
  std::set<std::string> fingerprints;
  bool recognised = false;
  if (const detail::Node* list = root.find("fingerprints"); list != nullptr && list->kind == detail::Node::Kind::array) {
    recognised = true;
    for (const detail::Node& item : list->children) {
      if (item.is_string()) fingerprints.insert(std::string(item.text));
    }
  }
  if (const detail::Node* findings = root.find("findings");
      findings != nullptr && findings->kind == detail::Node::Kind::array) {
    recognised = true;
    for (const detail::Node& item : findings->children) {
      const detail::Node* fingerprint = item.find("fingerprint");
      if (fingerprint != nullptr && fingerprint->is_string()) fingerprints.insert(std::string(fingerprint->text));
    }
  }
  if (!recognised) {
    return core::fail(core::Reason::invalid_request,
                      "baseline needs a \"fingerprints\" array or a \"findings\" array (bulkhead scan --format json)");
  }
  return fingerprints;
}

std::string render_baseline(const Report& report) {
  std::string out = "{\"version\":1,\"tool\":\"bulkhead\",\"findings\":[";
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& f = report.findings[i];
    if (i > 0) out += ",";
    out += "\n{\"fingerprint\":" + json_string(f.fingerprint) + ",\"rule_id\":" + json_string(f.rule_id) +
           ",\"path\":" + json_string(f.path) + ",\"location\":" + json_string(f.location) + "}";
  }
  out += "]}\n";
  return out;
}

}  // namespace bulkhead::scan
