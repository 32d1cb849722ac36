// Minimal HTTP/1.1 message framing for the benchmark tools (echo server and load client).
// Only what a keep-alive MCP exchange on loopback needs: request/status line, a few headers, Content-Length and
// chunked bodies. Pure functions over byte buffers; no allocation except the decoded chunked body. Not a general
// HTTP implementation and not used by the gateway.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bulkhead::bench {

// ASCII case-insensitive equality (header names and a few values).
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

inline bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

enum class ParseState : std::uint8_t { incomplete, complete, error };

// The head of one HTTP/1.1 message. Views point into the caller's buffer.
struct MessageHead {
  std::size_t head_bytes = 0;  // bytes up to and including the blank line
  // Request line (requests) or status line (responses).
  std::string_view method;
  std::string_view target;
  int status = 0;
  bool http10 = false;
  // Framing.
  bool has_content_length = false;
  std::size_t content_length = 0;
  bool chunked = false;
  bool connection_close = false;
  // Headers the tools look at.
  std::string_view content_type;
  std::string_view session_id;  // Mcp-Session-Id
};

// Parses a request head (is_request) or a response head from the start of `buffer`.
inline ParseState parse_head(std::string_view buffer, bool is_request, MessageHead& head) {
  const std::size_t end = buffer.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return buffer.size() > 64 * 1024 ? ParseState::error : ParseState::incomplete;
  }
  head = MessageHead{};
  head.head_bytes = end + 4;
  std::string_view rest = buffer.substr(0, end + 2);
  std::size_t eol = rest.find("\r\n");
  std::string_view first = rest.substr(0, eol);
  rest.remove_prefix(eol + 2);
  if (is_request) {
    const std::size_t sp1 = first.find(' ');
    const std::size_t sp2 = first.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return ParseState::error;
    head.method = first.substr(0, sp1);
    head.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = first.substr(sp2 + 1);
    if (version.substr(0, 5) != "HTTP/") return ParseState::error;
    head.http10 = version == "HTTP/1.0";
  } else {
    if (first.size() < 12 || first.substr(0, 5) != "HTTP/") return ParseState::error;
    head.http10 = first.substr(0, 8) == "HTTP/1.0";
    const auto [ptr, ec] = std::from_chars(first.data() + 9, first.data() + 12, head.status);
    if (ec != std::errc{} || ptr != first.data() + 12) return ParseState::error;
  }
  head.connection_close = head.http10;
  while (!rest.empty()) {
    eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return ParseState::error;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), head.content_length);
      if (ec != std::errc{} || ptr != value.data() + value.size()) return ParseState::error;
      head.has_content_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      head.chunked = icontains(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (icontains(value, "close")) head.connection_close = true;
      if (icontains(value, "keep-alive")) head.connection_close = false;
    } else if (iequals(name, "content-type")) {
      head.content_type = value;
    } else if (iequals(name, "mcp-session-id")) {
      head.session_id = value;
    }
  }
  return ParseState::complete;
}

// Decodes a complete chunked body that starts at the beginning of `data` into `out` (appending). On success
// `consumed` is the number of bytes of `data` the body used (including the trailer section).
inline ParseState decode_chunked(std::string_view data, std::string& out, std::size_t& consumed) {
  std::size_t pos = 0;
  for (;;) {
    const std::size_t eol = data.find("\r\n", pos);
    if (eol == std::string_view::npos) return data.size() - pos > 1024 ? ParseState::error : ParseState::incomplete;
    std::string_view size_text = data.substr(pos, eol - pos);
    if (const std::size_t semi = size_text.find(';'); semi != std::string_view::npos) size_text = size_text.substr(0, semi);
    size_text = trim(size_text);
    std::size_t size = 0;
    const auto [ptr, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc{} || ptr != size_text.data() + size_text.size()) return ParseState::error;
    pos = eol + 2;
    if (size == 0) {
      // Trailer section: header lines until an empty line.
      for (;;) {
        const std::size_t tend = data.find("\r\n", pos);
        if (tend == std::string_view::npos) return ParseState::incomplete;
        const bool empty = tend == pos;
        pos = tend + 2;
        if (empty) {
          consumed = pos;
          return ParseState::complete;
        }
      }
    }
    if (data.size() < pos + size + 2) return ParseState::incomplete;
    out.append(data.substr(pos, size));
    if (data.substr(pos + size, 2) != "\r\n") return ParseState::error;
    pos += size + 2;
  }
}

// Appends `text` as a JSON string literal (quotes included).
inline void append_json_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (u < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace bulkhead::bench
