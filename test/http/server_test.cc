// http::Server over real loopback sockets, driven by blocking raw clients.
#include <gtest/gtest.h>

#include <atomic>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "test_support.h"

namespace bulkhead::http::test {
namespace {

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(d);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// GCC 12 destroys brace-initialized aggregate temporaries inside a co_await expression twice; tests build
// them through functions instead.
Response empty_response() { return Response{}; }
SseEvent data_event(std::string data) {
  SseEvent ev;
  ev.data = std::move(data);
  return ev;
}

Handler echo_handler() {
  return [](Request& req, ResponseStream& out) -> asio::awaitable<void> {
    Response r;
    r.headers.set("Content-Type", "text/plain");
    r.headers.set("X-Method", req.method);
    r.headers.set("X-Path", std::string(req.path()));
    r.headers.set("X-Loopback", req.local_is_loopback ? "1" : "0");
    r.headers.set("X-Remote", req.remote_address);
    r.headers.set("X-Token-Header", std::string(req.headers.get("x-TOKEN").value_or("none")));
    r.body = req.body;
    co_await out.send(std::move(r));
  };
}

TEST(Headers, CaseInsensitiveLookupSetRemove) {
  Headers h;
  h.add("Content-Type", "a");
  h.add("X-Multi", "1");
  h.add("x-multi", "2");
  EXPECT_EQ(h.get("content-type"), "a");
  EXPECT_EQ(h.get("X-MULTI"), "1");
  EXPECT_FALSE(h.get("missing"));
  h.set("X-MULTI", "3");
  EXPECT_EQ(h.get("x-multi"), "3");
  EXPECT_EQ(h.all().size(), 2u);
  h.remove("CONTENT-type");
  EXPECT_FALSE(h.get("content-type"));
  Request req;
  req.target = "/mcp?x=1";
  EXPECT_EQ(req.path(), "/mcp");
}

TEST(Server, KeepAliveReusesOneConnection) {
  TestServer server(echo_handler());
  RawClient client(server.port());
  for (int i = 0; i < 3; ++i) {
    const std::string body = "hello " + std::to_string(i);
    client.send("POST /mcp?q=1 HTTP/1.1\r\nHost: x\r\nX-Token: t" + std::to_string(i) +
                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    auto res = client.read_response();
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), body);
    EXPECT_EQ(res["X-Method"], "POST");
    EXPECT_EQ(res["X-Path"], "/mcp");
    EXPECT_EQ(res["X-Loopback"], "1");
    EXPECT_EQ(res["X-Remote"], "127.0.0.1");
    EXPECT_EQ(res["X-Token-Header"], "t" + std::to_string(i));
    EXPECT_TRUE(res.keep_alive());
  }
  EXPECT_EQ(server.server().open_connections(), 1u);
}

TEST(Server, PipelinedRequestsAnsweredInOrder) {
  TestServer server(echo_handler());
  RawClient client(server.port());
  client.send(
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nA"
      "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nB");
  EXPECT_EQ(client.read_response().body(), "A");
  EXPECT_EQ(client.read_response().body(), "B");
}

TEST(Server, ConnectionCloseHonoured) {
  TestServer server(echo_handler());
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto res = client.read_response();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(Server, Http10ClosesByDefault) {
  TestServer server(echo_handler());
  RawClient client(server.port());
  client.send("GET / HTTP/1.0\r\n\r\n");
  auto res = client.read_response();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(Server, Http10KeepAliveOnRequest) {
  TestServer server(echo_handler());
  RawClient client(server.port());
  for (int i = 0; i < 2; ++i) {
    client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto res = client.read_response();
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res["Connection"], "keep-alive");
  }
}

TEST(Server, HeadHasNoBody) {
  TestServer server([](Request&, ResponseStream& out) -> asio::awaitable<void> {
    Response r;
    r.body = "0123456789";
    co_await out.send(std::move(r));
  });
  RawClient client(server.port());
  client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = client.read_response(/*head=*/true);
  EXPECT_EQ(res["Content-Length"], "10");
  EXPECT_EQ(res.body(), "");
  // The connection is still in sync: a following GET gets its body.
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().body(), "0123456789");
}

TEST(Server, BodyOverLimitGets413WithoutReadingIt) {
  std::atomic<int> calls{0};
  auto options = loopback_options();
  options.max_body_bytes = 1024;
  options.error_response = [](core::Reason reason, std::string_view message) {
    Response r;
    r.status = 200;  // the server forces the status
    r.headers.set("Content-Type", "application/json");
    r.body = std::string("{\"reason\":\"") + std::string(core::reason_name(reason)) + "\",\"message\":\"" +
             std::string(message) + "\"}";
    return r;
  };
  TestServer server(
      [&](Request&, ResponseStream& out) -> asio::awaitable<void> {
        ++calls;
        co_await out.send(empty_response());
      },
      options);
  RawClient client(server.port());
  client.send("POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");  // no body sent at all
  auto res = client.read_response();
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_EQ(res["Content-Type"], "application/json");
  EXPECT_NE(res.body().find("body_too_large"), std::string::npos);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_EQ(calls.load(), 0);

  // A body exactly at the limit is fine.
  RawClient ok(server.port());
  ok.send("POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'a'));
  EXPECT_EQ(ok.read_response().result_int(), 200u);
  EXPECT_EQ(calls.load(), 1);
}

TEST(Server, BodyOverLimitWhileClientStillSendingStillGets413) {
  auto options = loopback_options();
  options.max_body_bytes = 1000;
  TestServer server(echo_handler(), options);
  RawClient client(server.port());
  // The client sends part of a large body before reading: the lingering close lets it read the answer.
  client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + std::string(100000, 'z'));
  auto res = client.read_response();
  EXPECT_EQ(res.result_int(), 413u);
}

TEST(Server, ChunkedBodyHonouredUpToLimit) {
  auto options = loopback_options();
  options.max_body_bytes = 10;
  TestServer server(echo_handler(), options);
  {
    RawClient client(server.port());
    client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n");
    auto res = client.read_response();
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), "abcdefg");
  }
  {
    RawClient client(server.port());
    client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
    auto res = client.read_response();
    EXPECT_EQ(res.result_int(), 413u);
    EXPECT_TRUE(client.closed_by_peer());
  }
}

TEST(Server, ExpectContinue) {
  TestServer server(echo_handler());
  RawClient client(server.port());
  client.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  const auto interim = client.read_until("\r\n\r\n");
  EXPECT_TRUE(interim.starts_with("HTTP/1.1 100 Continue\r\n")) << interim;
  client.send("abc");
  auto res = client.read_response();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "abc");
}

TEST(Server, MalformedRequestGets400AndServerKeepsWorking) {
  std::atomic<int> calls{0};
  auto options = loopback_options();
  TestServer server(
      [&](Request&, ResponseStream& out) -> asio::awaitable<void> {
        ++calls;
        co_await out.send(empty_response());
      },
      options);
  for (std::string_view garbage :
       {std::string_view("GARBAGE\r\n\r\n"), std::string_view("GET /\x01 HTTP/1.1\r\n\r\n"),
        std::string_view("GET / HTTP/9.9\r\n\r\n"), std::string_view("POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
        std::string_view("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string_view("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        // request smuggling shapes: conflicting framing headers
        std::string_view("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc"),
        std::string_view("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")}) {
    RawClient client(server.port());
    client.send(garbage);
    const auto reply = client.read_to_eof();
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400 ")) << garbage << " -> " << reply;
  }
  EXPECT_EQ(calls.load(), 0);
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().result_int(), 200u);
}

TEST(Server, OversizedHeaderGets431) {
  auto options = loopback_options();
  options.max_header_bytes = 1024;
  TestServer server(echo_handler(), options);
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(client.read_to_eof().starts_with("HTTP/1.1 431 "));
}

TEST(Server, HandlerWithoutResponseGets500) {
  TestServer server([](Request&, ResponseStream&) -> asio::awaitable<void> { co_return; });
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().result_int(), 500u);
}

TEST(Server, HandlerExceptionGets500) {
  TestServer server([](Request&, ResponseStream&) -> asio::awaitable<void> {
    throw std::runtime_error("boom");
    co_return;
  });
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().result_int(), 500u);
}

TEST(Server, ResponseHeadersCannotSplitTheResponse) {
  TestServer server([](Request&, ResponseStream& out) -> asio::awaitable<void> {
    Response r;
    r.headers.add("X-Evil", "a\r\nSet-Cookie: x=1");
    r.headers.add("Bad Name", "v");
    r.headers.add("Content-Length", "999");
    r.headers.add("X-Good", "ok");
    r.body = "body";
    co_await out.send(std::move(r));
  });
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = client.read_response();
  EXPECT_EQ(res["X-Good"], "ok");
  EXPECT_EQ(res.count("Set-Cookie"), 0u);
  EXPECT_EQ(res.count("X-Evil"), 0u);
  EXPECT_EQ(res.body(), "body");
}

// A gate the test thread opens to let an SSE handler continue.
struct Gate {
  explicit Gate(asio::io_context& io) : timer(io) { timer.expires_at(std::chrono::steady_clock::time_point::max()); }
  asio::awaitable<void> wait() {
    boost::system::error_code ec;
    while (!open.load()) co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  void release(asio::io_context& io) {
    asio::post(io, [this] {
      open = true;
      timer.cancel();
    });
  }
  asio::steady_timer timer;
  std::atomic<bool> open{false};
};

TEST(Server, SseEventsArriveAsTheyAreSent) {
  std::unique_ptr<Gate> gate;
  std::atomic<bool> second_sent{false};
  TestServer* server_ptr = nullptr;
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    Headers h;
    h.add("Mcp-Session-Id", "s1");
    if (!co_await out.start_sse(std::move(h))) co_return;
    SseEvent first;
    first.id = "1";
    first.data = "first\nmulti";
    co_await out.send_event(first);
    co_await gate->wait();
    SseEvent second;
    second.id = "2";
    second.event = "message";
    second.data = "second";
    co_await out.send_event(second);
    second_sent = true;
    co_await out.finish();
  });
  server_ptr = &server;
  gate = std::make_unique<Gate>(server.io());
  RawClient client(server.port());
  client.send("GET /mcp HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
  const auto head_and_first = client.read_until("data: multi\n\n");
  EXPECT_NE(head_and_first.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(head_and_first.find("Cache-Control: no-cache\r\n"), std::string::npos);
  EXPECT_NE(head_and_first.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(head_and_first.find("Mcp-Session-Id: s1\r\n"), std::string::npos);
  EXPECT_NE(head_and_first.find("id: 1\ndata: first\ndata: multi\n\n"), std::string::npos);
  EXPECT_FALSE(second_sent.load()) << "the first event must be readable before the second is sent";
  gate->release(server_ptr->io());
  const auto rest = client.read_until("0\r\n\r\n");
  EXPECT_NE(rest.find("id: 2\nevent: message\ndata: second\n\n"), std::string::npos);
  // The connection stays usable after a finished SSE response.
  client.send("GET /again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(client.read_to_eof().find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_TRUE(server.stop(1s));
  gate.reset();  // its timer belongs to the server's io_context, which dies with `server`
}

TEST(Server, ClientDisconnectWakesWaitClosed) {
  std::promise<bool> woke;
  auto woke_future = woke.get_future();
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    if (!co_await out.start_sse({})) co_return;
    co_await out.wait_closed();
    const bool closed = out.closed();
    const bool send_after = co_await out.send_event(data_event("late"));
    woke.set_value(closed && !send_after);
  });
  RawClient client(server.port());
  client.send("GET /mcp HTTP/1.1\r\nHost: x\r\n\r\n");
  client.read_until("\r\n\r\n");
  EXPECT_EQ(server.server().open_connections(), 1u);
  client.close();
  ASSERT_EQ(woke_future.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(woke_future.get());
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }));
}

TEST(Server, ClientDisconnectSeenBySendingHandler) {
  std::promise<int> sent_before_close;
  auto fut = sent_before_close.get_future();
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    if (!co_await out.start_sse({})) co_return;
    int sent = 0;
    while (!out.closed() && sent < 100000) {
      if (!co_await out.send_event(data_event("tick"))) break;
      ++sent;
      co_await sleep_for(2ms);
    }
    sent_before_close.set_value(sent);
  });
  RawClient client(server.port());
  client.send("GET /mcp HTTP/1.1\r\nHost: x\r\n\r\n");
  client.read_until("data: tick\n\n");
  client.close();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_LT(fut.get(), 100000);
}

TEST(Server, IdleKeepAliveConnectionTimesOut) {
  auto options = loopback_options();
  options.idle_timeout = 150ms;
  TestServer server(echo_handler(), options);
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().result_int(), 200u);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }));
}

TEST(Server, SlowHeaderTimesOut) {
  auto options = loopback_options();
  options.header_timeout = 150ms;
  TestServer server(echo_handler(), options);
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(Server, GracefulStopDrainsInFlightRequest) {
  std::promise<void> started;
  auto started_future = started.get_future();
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    started.set_value();
    co_await sleep_for(300ms);
    Response r;
    r.body = "finished";
    co_await out.send(std::move(r));
  });
  const auto port = server.port();
  RawClient client(port);
  client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(started_future.wait_for(5s), std::future_status::ready);
  auto done = std::make_shared<std::promise<void>>();
  auto done_future = done->get_future();
  server.server().stop(5s, [done] { done->set_value(); });
  auto res = client.read_response();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "finished");
  EXPECT_FALSE(res.keep_alive()) << "responses during drain close the connection";
  ASSERT_EQ(done_future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(server.server().open_connections(), 0u);
  // The listener is closed.
  EXPECT_THROW(RawClient late(port), boost::system::system_error);
}

TEST(Server, StopWakesSseStreamsAndClosesIdleConnections) {
  std::promise<void> streaming;
  auto streaming_future = streaming.get_future();
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    if (!co_await out.start_sse({})) co_return;
    streaming.set_value();
    co_await out.wait_closed();  // returns when the server stops
    co_await out.send_event(data_event("bye"));
    co_await out.finish();
  });
  RawClient idle(server.port());
  RawClient sse(server.port());
  sse.send("GET /mcp HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(streaming_future.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 2; }));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(server.stop(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "stop must not wait for the drain deadline";
  const auto tail = sse.read_to_eof();
  EXPECT_NE(tail.find("data: bye\n\n"), std::string::npos);
  EXPECT_NE(tail.find("0\r\n\r\n"), std::string::npos);
  EXPECT_TRUE(idle.closed_by_peer());
}

TEST(Server, StopForceClosesAfterDrain) {
  TestServer server([&](Request&, ResponseStream& out) -> asio::awaitable<void> {
    co_await sleep_for(3s);  // ignores closed()
    co_await out.send(empty_response());
  });
  RawClient client(server.port());
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(server.stop(100ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(Server, EphemeralPortsAndAddressInUse) {
  asio::io_context io;
  ServerOptions options;
  options.listen = {core::HostPort{"127.0.0.1", 0}, core::HostPort{"localhost", 0}};
  auto server = Server::create(io, options, echo_handler());
  ASSERT_TRUE(server) << server.error().message;
  const auto ports = (*server)->ports();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_NE(ports[0], 0);
  EXPECT_NE(ports[1], 0);
  EXPECT_NE(ports[0], ports[1]);

  ServerOptions clash;
  clash.listen = {core::HostPort{"127.0.0.1", ports[0]}};
  auto second = Server::create(io, clash, echo_handler());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find(std::to_string(ports[0])), std::string::npos) << second.error().message;
}

TEST(Server, ManyConcurrentConnections) {
  TestServer server(echo_handler());
  constexpr int kClients = 16;
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      RawClient client(server.port());
      for (int i = 0; i < kRequests; ++i) {
        const std::string body = std::to_string(c) + ":" + std::to_string(i);
        client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
        if (client.read_response().body() == body) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

}  // namespace
}  // namespace bulkhead::http::test
