#include "gateway/detail/reply.h"

#include <string>

namespace bulkhead::gateway::detail {

Reply::Reply(http::ResponseStream& stream, bool sse_allowed, http::Headers headers)
    : stream_(stream), sse_allowed_(sse_allowed), headers_(std::move(headers)) {}

asio::awaitable<bool> Reply::intermediate(const mcp::Message& message) {
  if (done_ || !sse_allowed_) co_return false;
  if (!sse_started_) {
    sse_started_ = true;
    status_ = 200;
    const bool started = co_await stream_.start_sse(headers_);
    if (!started) co_return false;
  }
  http::SseEvent event;
  event.id = std::to_string(next_event_++);
  event.data = mcp::serialize(message);
  const bool sent = co_await stream_.send_event(event);
  co_return sent;
}

asio::awaitable<void> Reply::final(const mcp::Message& message, int http_status) {
  if (done_) co_return;
  if (sse_started_) {
    done_ = true;
    http::SseEvent event;
    event.id = std::to_string(next_event_++);
    event.data = mcp::serialize(message);
    co_await stream_.send_event(event);
    co_await stream_.finish();
    co_return;
  }
  co_await raw(http_status, mcp::serialize(message));
}

asio::awaitable<void> Reply::accepted() { co_await raw(202, std::string(), ""); }

asio::awaitable<void> Reply::raw(int status, std::string body, std::string_view content_type) {
  if (done_ || sse_started_) co_return;
  done_ = true;
  status_ = status;
  http::Response response;
  response.status = status;
  response.headers = headers_;
  if (!content_type.empty()) response.headers.set("Content-Type", std::string(content_type));
  response.body = std::move(body);
  co_await stream_.send(std::move(response));
}

}  // namespace bulkhead::gateway::detail
