// Server-Sent Events: wire serialization and the incremental WHATWG parser.
#include <limits>

#include "http/detail/text.h"
#include "http/http.h"

namespace bulkhead::http {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// id and event values are single-line by construction; CR/LF/NUL would break the framing, so they are dropped.
void append_single_line(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  }
}

std::optional<int> parse_retry(std::string_view value) {
  if (value.empty()) return std::nullopt;
  long long n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > std::numeric_limits<int>::max()) return std::nullopt;
  }
  return static_cast<int>(n);
}

}  // namespace

namespace detail {

void append_sse(std::string& out, const SseEvent& event) {
  if (!event.id.empty()) {
    out += "id: ";
    append_single_line(out, event.id);
    out += '\n';
  }
  if (!event.event.empty()) {
    out += "event: ";
    append_single_line(out, event.event);
    out += '\n';
  }
  if (event.retry_ms && *event.retry_ms >= 0) {
    out += "retry: ";
    out += std::to_string(*event.retry_ms);
    out += '\n';
  }
  // Every line of data (split on CRLF, LF or CR) becomes one "data: " line; empty data is one empty line.
  std::string_view data = event.data;
  for (;;) {
    const auto end = find_line_end(data, 0);
    out += "data: ";
    out.append(data.substr(0, end));
    out += '\n';
    if (end == std::string_view::npos) break;
    std::size_t next = end + 1;
    if (data[end] == '\r' && next < data.size() && data[next] == '\n') ++next;
    data.remove_prefix(next);
  }
  out += '\n';
}

}  // namespace detail

std::string format_sse(const SseEvent& event) {
  std::string out;
  out.reserve(event.data.size() + event.id.size() + event.event.size() + 32);
  detail::append_sse(out, event);
  return out;
}

namespace {

void dispatch(SseEvent& pending, bool& has_data, std::vector<SseEvent>& out) {
  if (!has_data) {
    pending.event.clear();  // WHATWG: no data, no event; the retry value waits for the next event
    return;
  }
  SseEvent ev;
  ev.id = pending.id;  // the last event id persists across events (WHATWG "last event ID buffer")
  ev.event = std::move(pending.event);
  ev.data = std::move(pending.data);
  if (!ev.data.empty() && ev.data.back() == '\n') ev.data.pop_back();
  ev.retry_ms = pending.retry_ms;
  pending.event.clear();
  pending.data.clear();
  pending.retry_ms.reset();
  has_data = false;
  out.push_back(std::move(ev));
}

void process_line(std::string_view line, SseEvent& pending, bool& has_data, std::vector<SseEvent>& out) {
  if (line.empty()) {
    dispatch(pending, has_data, out);
    return;
  }
  if (line.front() == ':') return;  // comment
  std::string_view field = line;
  std::string_view value;
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    pending.data.append(value);
    pending.data.push_back('\n');
    has_data = true;
  } else if (field == "event") {
    pending.event.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) pending.id.assign(value);
  } else if (field == "retry") {
    if (auto retry = parse_retry(value)) pending.retry_ms = retry;
  }
  // other fields are ignored
}

}  // namespace

void SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  std::string head;  // only used while the BOM check is pending
  if (!checked_bom_) {
    buffer_.append(bytes);
    if (buffer_.size() < kBom.size() && kBom.starts_with(buffer_)) return;  // undecided yet
    checked_bom_ = true;
    if (buffer_.starts_with(kBom)) buffer_.erase(0, kBom.size());
    head = std::move(buffer_);
    buffer_.clear();
    bytes = head;
  }
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  if (skip_lf_ && n > 0) {
    if (bytes[0] == '\n') i = 1;
    skip_lf_ = false;
  }
  while (i < n) {
    const auto pos = detail::find_line_end(bytes, i);
    if (pos == std::string_view::npos) {
      buffer_.append(bytes.substr(i));
      break;
    }
    if (buffer_.empty()) {
      process_line(bytes.substr(i, pos - i), pending_, has_data_, out);
    } else {
      buffer_.append(bytes.substr(i, pos - i));
      process_line(buffer_, pending_, has_data_, out);
      buffer_.clear();
    }
    std::size_t next = pos + 1;
    if (bytes[pos] == '\r') {
      if (next < n) {
        if (bytes[next] == '\n') ++next;
      } else {
        skip_lf_ = true;
      }
    }
    i = next;
  }
}

}  // namespace bulkhead::http
