// HTTP (Streamable HTTP) upstream against real servers: a scriptable fake (peers/fake_http_server.mjs) for exact
// wire checks, and the official server-everything in streamableHttp mode.
#include <set>

#include "test_support.h"

namespace bulkhead::upstream::test {
namespace {

class HttpUpstreamTest : public ::testing::Test {
 protected:
  UpstreamConfig config_for(const std::string& url) {
    UpstreamConfig c;
    c.name = "remote";
    c.transport = Transport::http;
    c.url = url;
    c.connect_timeout = 10s;
    return c;
  }
  std::unique_ptr<Upstream> make(UpstreamConfig config) {
    auto up = Upstream::create(io.get_executor(), std::move(config), *client, clock);
    EXPECT_TRUE(up) << (up ? "" : up.error().message);
    return up ? std::move(*up) : nullptr;
  }
  static SessionParams params(std::string tenant) {
    SessionParams p;
    p.tenant = std::move(tenant);
    p.client_info = J(R"({"name":"test-client","version":"1.0"})");
    p.client_capabilities = J(R"({"sampling":{},"roots":{"listChanged":true}})");
    return p;
  }
  // The fake's record of what it received.
  asio::awaitable<json::Value> fake_log(const NodeServer& server) {
    http::ClientRequest r;
    r.method = "GET";
    r.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/log";
    auto resp = co_await client->request(std::move(r));
    if (!resp) co_return json::Value();
    auto v = json::parse(resp->body);
    co_return v ? std::move(*v) : json::Value();
  }

  asio::io_context io;
  core::SystemClock clock;
  std::unique_ptr<http::Client> client = http::Client::create(io.get_executor(), {});
};

TEST_F(HttpUpstreamTest, SessionHeadersIdsAndOnlyConfiguredHeaders) {
  NodeServer fake({fake_http_js()}, free_port());
  ASSERT_TRUE(fake.ready());
  auto config = config_for(fake.url());
  config.headers.add("X-Static", "static-value");
  auto up = make(config);
  run_test(io, [&]() -> asio::awaitable<void> {
    auto p = params("acme");
    p.extra_headers.add("Authorization", "Bearer tenant-credential");
    auto opened = co_await up->open_session(p);
    CO_ASSERT_TRUE_MSG(opened, opened.error().message);
    auto& s = *opened;
    EXPECT_EQ(*s->initialize_result().find("serverInfo")->find_string("name"), "fake-http");

    auto r = co_await s->request(mcp::make_request(J(R"("c1")"), "echo", J(R"({"x":1})")), {}, 5s);
    CO_ASSERT_TRUE_MSG(r, r.error().message);
    EXPECT_EQ(r->id, J(R"("c1")"));
    EXPECT_TRUE(r->result.find("wireId")->is_integer());
    EXPECT_EQ(*r->result.find("params"), J(R"({"x":1})"));
    co_await s->close();

    json::Value log = co_await fake_log(fake);
    CO_ASSERT_TRUE(log.is_array());
    const std::set<std::string> allowed{"host", "content-type", "accept", "content-length", "connection",
                                        "user-agent", "x-static", "authorization", "mcp-session-id",
                                        "mcp-protocol-version", "last-event-id"};
    std::set<std::string> methods;
    for (const auto& entry : log.as_array()) {
      const auto& headers = *entry.find("headers");
      std::string method = *entry.find_string("method");
      methods.insert(method);
      for (const auto& [name, value] : headers.as_object()) EXPECT_TRUE(allowed.count(name)) << name;
      EXPECT_EQ(*headers.find_string("x-static"), "static-value");
      EXPECT_EQ(*headers.find_string("authorization"), "Bearer tenant-credential");
      auto body = json::parse(*entry.find_string("body"));
      bool is_initialize = body && body->find_string("method") && *body->find_string("method") == "initialize";
      if (is_initialize) {
        EXPECT_EQ(headers.find("mcp-session-id"), nullptr);
        EXPECT_EQ(*headers.find_string("accept"), "application/json, text/event-stream");
        EXPECT_EQ(*body->find("params")->find_string("protocolVersion"), "2025-11-25");
      } else {
        EXPECT_EQ(*headers.find_string("mcp-session-id"), "s1") << json::serialize(entry);
        EXPECT_EQ(*headers.find_string("mcp-protocol-version"), "2025-11-25");
      }
    }
    EXPECT_TRUE(methods.count("GET"));     // tried the server stream (the fake answers 405)
    EXPECT_TRUE(methods.count("DELETE"));  // close() ended the session
  });
}

TEST_F(HttpUpstreamTest, SseResponseRoutesMessagesToTheRequestAndRestoresIds) {
  NodeServer fake({fake_http_js()}, free_port());
  ASSERT_TRUE(fake.ready());
  auto up = make(config_for(fake.url()));
  run_test(io, [&]() -> asio::awaitable<void> {
    auto opened = co_await up->open_session(params("acme"));
    CO_ASSERT_TRUE_MSG(opened, opened.error().message);
    auto& s = *opened;
    std::vector<mcp::Message> seen;
    auto r = co_await s->request(
        mcp::make_request(J("7"), "sse_echo", J(R"({"_meta":{"progressToken":"mine"}})")),
        [&](mcp::Message m) -> asio::awaitable<void> {
          seen.push_back(m);
          co_return;
        },
        5s);
    CO_ASSERT_TRUE_MSG(r, r.error().message);
    EXPECT_EQ(r->id, J("7"));
    CO_ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].method, "notifications/message");
    EXPECT_EQ(seen[1].method, "notifications/progress");
    EXPECT_EQ(*seen[1].params.find("progressToken"), J(R"("mine")"));
    EXPECT_EQ(seen[2].method, "roots/list");
    EXPECT_EQ(seen[2].id, J("77"));  // server→client ids pass through
    // The answer to the server's request is POSTed as is.
    EXPECT_TRUE(co_await s->send(mcp::make_result(J("77"), J(R"({"roots":[]})"))));
    co_await s->close();
  });
}

TEST_F(HttpUpstreamTest, TimeoutSendsCancelledAndAnExpiredSessionIsReopenedOnce) {
  NodeServer fake({fake_http_js()}, free_port());
  ASSERT_TRUE(fake.ready());
  auto up = make(config_for(fake.url()));
  run_test(io, [&]() -> asio::awaitable<void> {
    auto opened = co_await up->open_session(params("acme"));
    CO_ASSERT_TRUE_MSG(opened, opened.error().message);
    auto& s = *opened;
    auto start = std::chrono::steady_clock::now();
    auto slow = co_await s->request(mcp::make_request(J(R"("slow-1")"), "slow", json::Value()), {}, 400ms);
    CO_ASSERT_FALSE(slow);
    EXPECT_EQ(slow.error().reason, core::Reason::upstream_timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    // The upstream is told, with the wire id it knows.
    std::int64_t slow_wire = -1, cancelled_wire = -2;
    for (int attempt = 0; attempt < 30 && slow_wire != cancelled_wire; ++attempt) {
      co_await sleep_ms(100);
      json::Value log = co_await fake_log(fake);
      if (!log.is_array()) continue;
      for (const auto& entry : log.as_array()) {
        auto body = json::parse(*entry.find_string("body"));
        if (!body || !body->find_string("method")) continue;
        if (*body->find_string("method") == "slow") slow_wire = body->find("id")->as_int();
        if (*body->find_string("method") == "notifications/cancelled") {
          cancelled_wire = body->find("params")->find("requestId")->as_int();
        }
      }
    }
    EXPECT_EQ(slow_wire, cancelled_wire);

    // The upstream forgets the session: the next request gets 404, a new session is initialized (with the same
    // client info and capabilities) and the request is sent again on it, with the caller's id restored.
    auto expire = co_await s->request(mcp::make_request(J("2"), "expire", json::Value()), {}, 5s);
    CO_ASSERT_TRUE(expire);
    auto after = co_await s->request(mcp::make_request(J("3"), "echo", J(R"({"x":1})")), {}, 5s);
    CO_ASSERT_TRUE_MSG(after, after.error().message);
    EXPECT_EQ(after->id, J("3"));
    EXPECT_EQ(*after->result.find("params"), J(R"({"x":1})"));
    json::Value log = co_await fake_log(fake);
    std::vector<std::string> sessions_used;
    int initializes = 0;
    for (const auto& entry : log.as_array()) {
      auto body = json::parse(*entry.find_string("body"));
      if (!body || !body->find_string("method")) continue;
      const std::string& method = *body->find_string("method");
      if (method == "initialize") {
        ++initializes;
        EXPECT_EQ(*body->find("params")->find("capabilities"), J(R"({"sampling":{},"roots":{"listChanged":true}})"));
        EXPECT_EQ(entry.find("headers")->find("mcp-session-id"), nullptr);
      }
      if (method == "echo") sessions_used.push_back(*entry.find("headers")->find_string("mcp-session-id"));
    }
    EXPECT_EQ(initializes, 2);
    EXPECT_EQ(sessions_used, (std::vector<std::string>{"s1", "s2"}));  // 404 on the old one, then the new one
    auto later = co_await s->request(mcp::make_request(J("4"), "echo", json::Value()), {}, 5s);
    CO_ASSERT_TRUE_MSG(later, later.error().message);

    // An upstream that loses every new session too: reopened once per request, then reported.
    auto amnesia = co_await s->request(mcp::make_request(J("5"), "amnesia", json::Value()), {}, 5s);
    CO_ASSERT_TRUE(amnesia);
    auto lost = co_await s->request(mcp::make_request(J("6"), "echo", json::Value()), {}, 5s);
    CO_ASSERT_FALSE(lost);
    EXPECT_EQ(lost.error().reason, core::Reason::upstream_unavailable);
    EXPECT_NE(lost.error().message.find("expired"), std::string::npos) << lost.error().message;
    json::Value final_log = co_await fake_log(fake);
    int total_initializes = 0;
    for (const auto& entry : final_log.as_array()) {
      auto body = json::parse(*entry.find_string("body"));
      if (body && body->find_string("method") && *body->find_string("method") == "initialize") ++total_initializes;
    }
    EXPECT_EQ(total_initializes, 3);  // one reopen attempt for the lost request, no loop
  });
}

TEST_F(HttpUpstreamTest, UnreachableUpstreamIsUnavailable) {
  auto up = make(config_for("http://127.0.0.1:" + std::to_string(free_port()) + "/mcp"));
  run_test(io, [&]() -> asio::awaitable<void> {
    auto opened = co_await up->open_session(params("acme"));
    CO_ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().reason, core::Reason::upstream_unavailable);
    EXPECT_NE(opened.error().message.find("upstream 'remote'"), std::string::npos) << opened.error().message;
  });
}

TEST_F(HttpUpstreamTest, EverythingServerOverStreamableHttp) {
  NodeServer server({everything_js(), "streamableHttp"}, free_port());
  ASSERT_TRUE(server.ready());
  auto config = config_for(server.url());
  config.connect_timeout = 20s;
  auto up = make(config);
  run_test(io, [&]() -> asio::awaitable<void> {
    auto opened = co_await up->open_session(params("acme"));
    CO_ASSERT_TRUE_MSG(opened, opened.error().message);
    auto& s = *opened;
    Session* session = s.get();
    std::vector<mcp::Message> listened, on_request;
    int roots_asked = 0;
    auto answer = [&](const mcp::Message& m) -> asio::awaitable<void> {
      if (m.is_request() && m.method == "roots/list") {
        ++roots_asked;
        EXPECT_TRUE(co_await session->send(mcp::make_result(m.id, J(R"({"roots":[{"uri":"file:///http-root"}]})"))));
      } else if (m.is_request() && m.method == "sampling/createMessage") {
        EXPECT_TRUE(co_await session->send(mcp::make_result(
            m.id, J(R"({"role":"assistant","content":{"type":"text","text":"sampled-over-http"},"model":"t"})"))));
      }
    };
    s->set_listener([&](mcp::Message m) -> asio::awaitable<void> {
      listened.push_back(m);
      co_await answer(m);
    });
    MessageSink sink = [&](mcp::Message m) -> asio::awaitable<void> {
      on_request.push_back(m);
      co_await answer(m);
    };
    EXPECT_EQ(*s->initialize_result().find("serverInfo")->find_string("name"), "mcp-servers/everything");

    auto list = co_await s->request(mcp::make_request(J("1"), "tools/list", json::Value::object()), sink, 10s);
    CO_ASSERT_TRUE_MSG(list, list.error().message);
    EXPECT_EQ(list->id, J("1"));
    auto echo = co_await s->request(
        mcp::make_request(J(R"("e")"), "tools/call", J(R"({"name":"echo","arguments":{"message":"over http"}})")),
        sink, 10s);
    CO_ASSERT_TRUE(echo);
    EXPECT_EQ(echo->id, J(R"("e")"));
    EXPECT_EQ(*echo->result.find("content")->as_array()[0].find_string("text"), "Echo: over http");

    on_request.clear();
    auto longop = co_await s->request(
        mcp::make_request(J("2"), "tools/call",
                          J(R"({"name":"trigger-long-running-operation","arguments":{"duration":0.6,"steps":3},
                                "_meta":{"progressToken":42}})")),
        sink, 15s);
    CO_ASSERT_TRUE_MSG(longop, longop.error().message);
    int progress = 0;
    for (const auto& m : on_request) {
      if (m.method == "notifications/progress") {
        ++progress;
        EXPECT_EQ(*m.params.find("progressToken"), J("42"));
      }
    }
    EXPECT_EQ(progress, 3);

    auto sampled = co_await s->request(
        mcp::make_request(J("3"), "tools/call",
                          J(R"({"name":"trigger-sampling-request","arguments":{"prompt":"hi","maxTokens":5}})")),
        sink, 15s);
    CO_ASSERT_TRUE_MSG(sampled, sampled.error().message);
    EXPECT_NE(json::serialize(sampled->result).find("sampled-over-http"), std::string::npos);

    // roots/list arrives on the GET stream → listener; our answer reaches the server.
    EXPECT_TRUE(co_await wait_for([&] { return roots_asked > 0; }, 5000));
    co_await sleep_ms(200);
    auto roots = co_await s->request(
        mcp::make_request(J("4"), "tools/call", J(R"({"name":"get-roots-list","arguments":{}})")), sink, 10s);
    CO_ASSERT_TRUE(roots);
    EXPECT_NE(json::serialize(roots->result).find("file:///http-root"), std::string::npos)
        << json::serialize(roots->result);

    co_await s->close();
    auto closed = co_await s->request(mcp::make_request(J("5"), "tools/list", json::Value::object()), sink, 5s);
    CO_ASSERT_FALSE(closed);
    EXPECT_EQ(closed.error().reason, core::Reason::upstream_unavailable);
  });
}

}  // namespace
}  // namespace bulkhead::upstream::test
