// http::Client against the real http::Server and against raw loopback peers that misbehave on purpose.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/detail/text.h"
#include "test_support.h"

namespace bulkhead::http::test {
namespace {

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(d);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

SseEvent data_event(std::string data, std::string id = {}) {
  SseEvent ev;
  ev.data = std::move(data);
  ev.id = std::move(id);
  return ev;
}

Response text_response(std::string body) {
  Response r;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Handler echo_handler() {
  return [](Request& req, ResponseStream& out) -> asio::awaitable<void> {
    Response r = text_response(req.body);
    r.headers.set("X-Method", req.method);
    r.headers.set("X-Target", req.target);
    r.headers.set("X-Auth", std::string(req.headers.get("authorization").value_or("")));
    r.headers.set("X-Host", std::string(req.headers.get("host").value_or("")));
    co_await out.send(std::move(r));
  };
}

class ClientTest : public ::testing::Test {
 protected:
  core::Result<ClientResponse> call(ClientRequest req, SseCallback on_event = {},
                                    std::shared_ptr<CancelSignal> cancel = {}) {
    return run_on(io_.io(), client_->request(std::move(req), std::move(on_event), std::move(cancel)));
  }
  static ClientRequest post(std::string url, std::string body) {
    ClientRequest req;
    req.url = std::move(url);
    req.body = std::move(body);
    req.headers.add("Content-Type", "application/json");
    return req;
  }

  IoThread io_;
  std::unique_ptr<Client> client_ = Client::create(io_.io().get_executor(), Client::Options{});
};

TEST_F(ClientTest, PostRoundTripOverOneKeptAliveConnection) {
  TestServer server(echo_handler());
  for (int i = 0; i < 10; ++i) {
    auto req = post(server.url("/mcp?x=" + std::to_string(i)), "{\"i\":" + std::to_string(i) + "}");
    req.headers.add("Authorization", "Bearer secret");
    req.headers.add("Content-Length", "999");  // ignored: the client frames the body itself
    auto res = call(std::move(req));
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 200);
    EXPECT_FALSE(res->is_sse);
    EXPECT_EQ(res->body, "{\"i\":" + std::to_string(i) + "}");
    EXPECT_EQ(res->headers.get("x-method"), "POST");
    EXPECT_EQ(res->headers.get("X-TARGET"), "/mcp?x=" + std::to_string(i));
    EXPECT_EQ(res->headers.get("x-auth"), "Bearer secret");
    EXPECT_EQ(res->headers.get("x-host"), "127.0.0.1:" + std::to_string(server.port()));
  }
  EXPECT_EQ(server.server().open_connections(), 1u);
}

TEST_F(ClientTest, GetWithoutBodyAndLargeBody) {
  TestServer server([](Request& req, ResponseStream& out) -> asio::awaitable<void> {
    Response r;
    r.body = req.method == "GET" ? std::string(3u << 20, 'q') : "short";
    co_await out.send(std::move(r));
  });
  ClientRequest req;
  req.method = "GET";
  req.url = server.url();
  auto res = call(req);
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->body.size(), 3u << 20);
}

TEST_F(ClientTest, ResponseOverLimitFails) {
  TestServer server([](Request&, ResponseStream& out) -> asio::awaitable<void> {
    co_await out.send(text_response(std::string(10000, 'x')));
  });
  auto small = Client::create(io_.io().get_executor(), Client::Options{.max_response_bytes = 1000});
  auto res = run_on(io_.io(), small->request(post(server.url(), "{}")));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().reason, core::Reason::upstream_unavailable);
}

TEST_F(ClientTest, SseEventsDeliveredInOrderAsSent) {
  // The server sends the next event only once the client has handed the previous one to its callback (no timing
  // assumption): a client that buffered the stream would leave the server waiting, and `stalled` set.
  std::atomic<int> sent{0};
  std::atomic<int> received{0};
  std::atomic<bool> stalled{false};
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    Headers h;
    h.add("Mcp-Session-Id", "abc");
    if (!co_await out.start_sse(std::move(h))) co_return;
    for (int i = 0; i < 5; ++i) {
      sent = i + 1;
      if (!co_await out.send_event(data_event("{\"n\":" + std::to_string(i) + "}", std::to_string(i)))) co_return;
      int waited_ms = 0;
      while (received.load() <= i && waited_ms < 10000) {
        co_await sleep_for(1ms);
        ++waited_ms;
      }
      if (received.load() <= i) stalled = true;
    }
    co_await out.finish();
  });
  std::vector<std::string> got;
  std::vector<int> sent_when_received;
  auto res = call(post(server.url("/mcp"), "{}"), [&](SseEvent ev) -> asio::awaitable<bool> {
    got.push_back(ev.id + "=" + ev.data);
    sent_when_received.push_back(sent.load());
    ++received;
    co_return true;
  });
  EXPECT_FALSE(stalled) << "an event was not delivered before the server sent the next one";
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_TRUE(res->is_sse);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->headers.get("mcp-session-id"), "abc");
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i], std::to_string(i) + "={\"n\":" + std::to_string(i) + "}");
    EXPECT_EQ(sent_when_received[i], i + 1) << "event " << i << " must arrive before the next one is sent";
  }
  // The finished stream leaves the connection reusable.
  auto again = call(post(server.url("/mcp"), "{}"), [](SseEvent) -> asio::awaitable<bool> { co_return true; });
  ASSERT_TRUE(again);
  EXPECT_EQ(server.server().open_connections(), 1u);
}

TEST_F(ClientTest, SseSplitAcrossTcpWritesAndChunks) {
  // A raw upstream writing a chunked SSE body in awkward fragments with pauses between them.
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    if (!read_raw_request(s, pending)) return;
    s.set_option(tcp::no_delay(true));
    const std::string body = "id: 1\r\ndata: al" "pha\r\n\r\n: comment\ndata: be\rdata: ta\r\r" "event: x\ndata: {\"k\":1}\n\n";
    std::vector<std::string> pieces;
    pieces.push_back("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n");
    // Chunk boundaries and TCP writes both cut through lines and CRLF pairs.
    const std::vector<std::size_t> cuts = {3, 11, 13, 14, 30, 31, 47, body.size()};
    std::size_t prev = 0;
    for (auto cut : cuts) {
      const std::string part = body.substr(prev, cut - prev);
      prev = cut;
      std::ostringstream chunk;
      chunk << std::hex << part.size() << "\r\n" << part << "\r\n";
      const std::string c = chunk.str();
      pieces.push_back(c.substr(0, c.size() / 2));
      pieces.push_back(c.substr(c.size() / 2));
    }
    pieces.push_back("0\r\n\r\n");
    for (const auto& p : pieces) {
      asio::write(s, asio::buffer(p));
      std::this_thread::sleep_for(3ms);
    }
    std::this_thread::sleep_for(50ms);
  });
  std::vector<SseEvent> got;
  ClientRequest req;
  req.method = "GET";
  req.url = upstream.url("/mcp");
  auto res = call(req, [&](SseEvent ev) -> asio::awaitable<bool> {
    got.push_back(std::move(ev));
    co_return true;
  });
  ASSERT_TRUE(res) << res.error().message;
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].id, "1");
  EXPECT_EQ(got[0].data, "alpha");
  EXPECT_EQ(got[1].data, "be\nta");
  EXPECT_EQ(got[2].event, "x");
  EXPECT_EQ(got[2].data, "{\"k\":1}");
}

TEST_F(ClientTest, CallbackReturningFalseStopsStreamAndServerSeesClose) {
  std::promise<void> server_saw_close;
  auto saw = server_saw_close.get_future();
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    if (!co_await out.start_sse({})) co_return;
    co_await out.send_event(data_event("one"));
    co_await out.wait_closed();
    server_saw_close.set_value();
  });
  int count = 0;
  auto res = call(post(server.url(), "{}"), [&](SseEvent) -> asio::awaitable<bool> {
    ++count;
    co_return false;
  });
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(count, 1);
  EXPECT_EQ(saw.wait_for(5s), std::future_status::ready);
}

std::string http_chunk(std::string_view data) {
  std::string out;
  detail::append_hex(out, data.size());
  out += "\r\n";
  out += data;
  out += "\r\n";
  return out;
}

// A raw SSE response: header, one event, a pause, then `rest` (more chunks and/or the terminating one).
void write_sse_response(tcp::socket& s, std::chrono::milliseconds pause, std::string_view rest) {
  asio::write(s, asio::buffer("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
                              http_chunk("data: one\n\n")));
  std::this_thread::sleep_for(pause);
  if (!rest.empty()) asio::write(s, asio::buffer(std::string(rest)));
}

TEST_F(ClientTest, StreamDrainedAfterStopIsReusedWhenTheServerEndsIt) {
  // The stream ends 30 ms after the event the callback wanted: within drain_after_stop the rest is read (its
  // event still reaches the callback) and the connection serves the next request.
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    while (read_raw_request(s, pending)) {
      write_sse_response(s, 30ms, http_chunk("data: two\n\n") + "0\r\n\r\n");
    }
  });
  for (int i = 0; i < 2; ++i) {
    std::vector<std::string> got;
    ClientRequest req = post(upstream.url(), "{}");
    req.drain_after_stop = 2s;
    auto res = call(std::move(req), [&](SseEvent ev) -> asio::awaitable<bool> {
      got.push_back(ev.data);
      co_return false;
    });
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_TRUE(res->is_sse);
    EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
  }
  EXPECT_EQ(upstream.accepted(), 1);
  client_.reset();
}

TEST_F(ClientTest, StreamThatStaysOpenAfterStopIsDroppedAfterTheDrainTime) {
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    if (!read_raw_request(s, pending)) return;
    write_sse_response(s, 0ms, "");
    read_raw_request(s, pending);  // holds the stream open until the client closes it
  });
  ClientRequest req = post(upstream.url(), "{}");
  req.drain_after_stop = 100ms;
  req.timeout = 10s;
  req.timeout_covers_stream = true;
  const auto started = std::chrono::steady_clock::now();
  auto res = call(std::move(req), [&](SseEvent) -> asio::awaitable<bool> { co_return false; });
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(res) << res.error().message;  // the callback had what it needed: not a timeout
  EXPECT_TRUE(res->is_sse);
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 5s);
  auto again = call(post(upstream.url(), "{}"), [&](SseEvent) -> asio::awaitable<bool> { co_return false; });
  EXPECT_EQ(upstream.accepted(), 2);  // the held connection was not pooled
}

TEST_F(ClientTest, TimeoutCoveringTheStreamFailsAStreamThatNeverAnswers) {
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    if (!read_raw_request(s, pending)) return;
    write_sse_response(s, 0ms, "");
    read_raw_request(s, pending);
  });
  ClientRequest req = post(upstream.url(), "{}");
  req.timeout = 200ms;
  req.timeout_covers_stream = true;
  auto res = call(std::move(req), [&](SseEvent) -> asio::awaitable<bool> { co_return true; });
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().reason, core::Reason::upstream_timeout);
}

TEST_F(ClientTest, PreparedHeaderLinesAndNoResponseHeaders) {
  TestServer server(echo_handler());
  Headers prepared;
  prepared.add("Authorization", "Bearer prepared");
  prepared.add("Host", "evil.example");  // framing headers are the client's own
  prepared.add("X-Bad", "split\r\nInjected: yes");
  ClientRequest req = post(server.url(), "{}");
  req.header_lines = std::make_shared<const std::string>(serialize_header_lines(prepared));
  EXPECT_EQ(*req.header_lines, "Authorization: Bearer prepared\r\n");
  req.keep_response_headers = false;
  auto res = call(std::move(req));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_TRUE(res->headers.all().empty());
  ClientRequest again = post(server.url(), "{}");
  again.header_lines = std::make_shared<const std::string>(serialize_header_lines(prepared));
  auto kept = call(std::move(again));
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->headers.get("X-Auth").value_or(""), "Bearer prepared");
  EXPECT_NE(kept->headers.get("X-Host").value_or(""), "evil.example");
}

TEST_F(ClientTest, CancelLongSseGetFromAnotherThread) {
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    if (!co_await out.start_sse({})) co_return;
    co_await out.send_event(data_event("hello"));
    co_await out.wait_closed();  // a long-lived GET stream
  });
  auto cancel = std::make_shared<CancelSignal>();
  std::atomic<bool> first{false};
  ClientRequest req;
  req.method = "GET";
  req.url = server.url("/mcp");
  req.timeout = 200ms;  // time to first byte only: the stream outlives it
  auto fut = asio::co_spawn(io_.io(),
                            client_->request(req,
                                             [&](SseEvent) -> asio::awaitable<bool> {
                                               first = true;
                                               co_return true;
                                             },
                                             cancel),
                            asio::use_future);
  ASSERT_TRUE(eventually([&] { return first.load(); }));
  std::this_thread::sleep_for(400ms);  // past the timeout: the stream is still open
  EXPECT_EQ(fut.wait_for(0ms), std::future_status::timeout);
  const auto start = std::chrono::steady_clock::now();
  std::thread([cancel] { cancel->cancel(); }).join();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  auto res = fut.get();
  ASSERT_TRUE(res) << "a stream that started returns normally when cancelled";
  EXPECT_TRUE(res->is_sse);
  EXPECT_TRUE(cancel->cancelled());
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }));

  // A signal that already fired refuses to start a request.
  auto refused = call(req, {}, cancel);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, core::Reason::upstream_unavailable);
}

TEST_F(ClientTest, OneSignalCancelsEveryRequestUsingIt) {
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    if (!co_await out.start_sse({})) co_return;
    co_await out.send_event(data_event("hello"));
    co_await out.wait_closed();
  });
  auto cancel = std::make_shared<CancelSignal>();
  std::atomic<int> started{0};
  std::vector<std::future<core::Result<ClientResponse>>> futures;
  for (int i = 0; i < 3; ++i) {
    ClientRequest req;
    req.method = "GET";
    req.url = server.url("/mcp");
    futures.push_back(asio::co_spawn(io_.io(),
                                     client_->request(req,
                                                      [&](SseEvent) -> asio::awaitable<bool> {
                                                        ++started;
                                                        co_return true;
                                                      },
                                                      cancel),
                                     asio::use_future));
  }
  ASSERT_TRUE(eventually([&] { return started.load() == 3; }));
  cancel->cancel();
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(f.get());
  }
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }));
}

TEST_F(ClientTest, CancelBeforeResponseHeader) {
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    read_raw_request(s, pending);
    char c;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&c, 1), ec);  // never answers; returns when the client goes away
  });
  auto cancel = std::make_shared<CancelSignal>();
  auto fut = asio::co_spawn(io_.io(), client_->request(post(upstream.url(), "{}"), {}, cancel), asio::use_future);
  std::this_thread::sleep_for(100ms);
  cancel->cancel();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  auto res = fut.get();
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().reason, core::Reason::upstream_unavailable);
  EXPECT_NE(res.error().message.find("cancelled"), std::string::npos);
}

TEST_F(ClientTest, SilentUpstreamTimesOut) {
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    read_raw_request(s, pending);
    char c;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&c, 1), ec);
  });
  auto req = post(upstream.url(), "{}");
  req.timeout = 150ms;
  req.headers.add("Authorization", "Bearer do-not-log-me");
  const auto start = std::chrono::steady_clock::now();
  auto res = call(req);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().reason, core::Reason::upstream_timeout);
  EXPECT_NE(res.error().message.find("127.0.0.1:" + std::to_string(upstream.port())), std::string::npos)
      << res.error().message;
  EXPECT_EQ(res.error().message.find("do-not-log-me"), std::string::npos);
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 3s);
}

TEST_F(ClientTest, SlowBodyTimesOut) {
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    read_raw_request(s, pending);
    asio::write(s, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")));
    char c;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&c, 1), ec);
  });
  auto req = post(upstream.url(), "{}");
  req.timeout = 150ms;
  auto res = call(req);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().reason, core::Reason::upstream_timeout);
}

TEST_F(ClientTest, ConnectionRefusedIsUnavailable) {
  std::uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  auto res = call(post("http://127.0.0.1:" + std::to_string(port) + "/mcp", "{}"));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().reason, core::Reason::upstream_unavailable);
  EXPECT_NE(res.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << res.error().message;
}

TEST_F(ClientTest, InvalidUrlsAreRejected) {
  for (std::string url : {"ftp://x/", "http://", "http://user:pw@host/", "http://h:99999/", "http://h/a b", "mcp"}) {
    auto res = call(post(url, "{}"));
    ASSERT_FALSE(res) << url;
    EXPECT_EQ(res.error().reason, core::Reason::upstream_unavailable);
  }
}

TEST_F(ClientTest, HostnameIsResolved) {
  TestServer server(echo_handler());
  auto res = call(post("http://localhost:" + std::to_string(server.port()) + "/x", "{}"));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->body, "{}");
}

TEST_F(ClientTest, StalePooledConnectionRetriedOnFreshOne) {
  // Each connection answers its first request with keep-alive, then drops the connection silently when the
  // second request arrives: the client must retry that request once on a new connection.
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    if (!read_raw_request(s, pending)) return;
    asio::write(s, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")));
    read_raw_request(s, pending);
  });
  for (int i = 0; i < 3; ++i) {
    auto res = call(post(upstream.url(), "{}"));
    ASSERT_TRUE(res) << i << ": " << res.error().message;
    EXPECT_EQ(res->body, "ok");
  }
  EXPECT_EQ(upstream.accepted(), 3);
  client_.reset();  // closes the pooled connection so the raw upstream's thread can finish
}

TEST_F(ClientTest, ServerClosingIdleConnectionIsDetectedBeforeReuse) {
  auto options = loopback_options();
  options.idle_timeout = 50ms;
  TestServer server(echo_handler(), options);
  ASSERT_TRUE(call(post(server.url(), "1")));
  std::this_thread::sleep_for(300ms);  // the server closes the idle connection
  auto res = call(post(server.url(), "2"));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->body, "2");
}

TEST_F(ClientTest, ConnectionCloseResponseIsNotPooled) {
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    if (!read_raw_request(s, pending)) return;
    asio::write(s, asio::buffer(std::string("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")));
  });
  for (int i = 0; i < 3; ++i) {
    auto res = call(post(upstream.url(), "{}"));
    ASSERT_TRUE(res) << res.error().message;
  }
  EXPECT_EQ(upstream.accepted(), 3);
}

TEST_F(ClientTest, NonSseChunkedAndCloseDelimitedBodies) {
  RawServer upstream([](tcp::socket& s) {
    std::string pending;
    if (!read_raw_request(s, pending)) return;
    asio::write(s, asio::buffer(std::string(
                       "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")));
    if (!read_raw_request(s, pending)) return;
    asio::write(s, asio::buffer(std::string("HTTP/1.1 200 OK\r\n\r\nuntil-close")));
  });
  auto a = call(post(upstream.url(), "{}"));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->status, 202);
  EXPECT_EQ(a->body, "abcde");
  auto b = call(post(upstream.url(), "{}"));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->body, "until-close");
}

TEST_F(ClientTest, ConcurrentClientsAllAnswered) {
  TestServer server(echo_handler());
  constexpr int kClients = 32;
  constexpr int kRequests = 200;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::future<void>> futures;
  for (int c = 0; c < kClients; ++c) {
    futures.push_back(asio::co_spawn(
        io_.io(),
        [&, c]() -> asio::awaitable<void> {
          for (int i = 0; i < kRequests; ++i) {
            const std::string body = std::to_string(c) + "/" + std::to_string(i);
            auto res = co_await client_->request(post(server.url("/mcp"), body));
            if (res && res->status == 200 && res->body == body) {
              ++ok;
            } else {
              ++failed;
            }
          }
        },
        asio::use_future));
  }
  for (auto& f : futures) ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_LE(server.server().open_connections(), static_cast<std::size_t>(kClients));
}

// Not a benchmark (no timing assertions): prints the mean round trip of sequential keep-alive requests so
// regressions are visible in the test log.
TEST_F(ClientTest, SequentialRoundTripSanity) {
  TestServer server(echo_handler());
  constexpr int kRequests = 2000;
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}})";
  ASSERT_TRUE(call(post(server.url("/mcp"), body)));
  const auto start = std::chrono::steady_clock::now();
  int ok = run_on(io_.io(), [&]() -> asio::awaitable<int> {
    int n = 0;
    for (int i = 0; i < kRequests; ++i) {
      auto res = co_await client_->request(post(server.url("/mcp"), body));
      if (res && res->body == body) ++n;
    }
    co_return n;
  }());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ok, kRequests);
  std::printf("[ info ] %d sequential requests, mean round trip %.1f us\n", kRequests,
              std::chrono::duration<double, std::micro>(took).count() / kRequests);
}

}  // namespace
}  // namespace bulkhead::http::test
