// Stdio upstream against real processes: a scriptable fake MCP server (peers/fake_stdio_server.mjs) for exact
// routing checks, and the official server-everything for the real thing.
#include <signal.h>
#include <stdlib.h>

#include <set>

#include "test_support.h"

namespace bulkhead::upstream::test {
namespace {

class StdioUpstreamTest : public ::testing::Test {
 protected:
  UpstreamConfig fake_config(std::vector<std::pair<std::string, std::string>> env = {}) {
    UpstreamConfig c;
    c.name = "fake";
    c.transport = Transport::stdio;
    c.command = node_path();
    c.args = {fake_stdio_js()};
    c.env = std::move(env);
    c.connect_timeout = 15s;
    c.restart_backoff_initial = 50ms;
    c.restart_backoff_max = 400ms;
    return c;
  }
  std::unique_ptr<Upstream> make(UpstreamConfig config) {
    auto up = Upstream::create(io.get_executor(), std::move(config), *client, clock);
    EXPECT_TRUE(up) << (up ? "" : up.error().message);
    return up ? std::move(*up) : nullptr;
  }
  static SessionParams params(std::string tenant, std::vector<std::pair<std::string, std::string>> env = {}) {
    SessionParams p;
    p.tenant = std::move(tenant);
    p.client_info = J(R"({"name":"test-client","version":"1.0"})");
    p.extra_env = std::move(env);
    return p;
  }
  asio::awaitable<std::unique_ptr<Session>> open(Upstream& up, SessionParams p) {
    auto s = co_await up.open_session(std::move(p));
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    co_return s ? std::move(*s) : nullptr;
  }
  static int pid_of(Upstream& up, const std::string& tenant) {
    for (const auto& p : up.processes()) {
      if (p.tenant == tenant) return p.pid;
    }
    return 0;
  }

  asio::io_context io;
  core::SystemClock clock;
  std::unique_ptr<http::Client> client = http::Client::create(io.get_executor(), {});
};

TEST_F(StdioUpstreamTest, MultiplexesSessionsWithCallerIdsRestoredAndSkipsBadLines) {
  // The fake writes two malformed lines and one 65 MiB line before answering initialize.
  auto up = make(fake_config({{"FAKE_LONG_LINE", std::to_string((64u << 20) + 1024)}}));
  run_test(io, [&]() -> asio::awaitable<void> {
    auto s1 = co_await open(*up, params("acme"));
    auto s2 = co_await open(*up, params("acme"));
    if (!s1 || !s2) co_return;
    EXPECT_EQ(up->processes().size(), 1u);
    EXPECT_EQ(up->processes()[0].sessions, 2u);
    // What we advertised in initialize: sampling, elicitation and roots.
    const json::Value* caps = s1->initialize_result().find("echoedCapabilities");
    CO_ASSERT_NE(caps, nullptr);
    EXPECT_NE(caps->find("sampling"), nullptr);
    EXPECT_NE(caps->find("elicitation"), nullptr);
    EXPECT_NE(caps->find("roots"), nullptr);

    auto r1 = spawn_request(io, *s1, mcp::make_request(J("1"), "echo", J(R"({"who":"s1"})")), {}, 5s);
    auto r2 = spawn_request(io, *s2, mcp::make_request(J("1"), "echo", J(R"({"who":"s2"})")), {}, 5s);
    EXPECT_TRUE(co_await wait_for([&] { return r1->has_value() && r2->has_value(); }, 5000));
    CO_ASSERT_TRUE(**r1 && **r2);
    EXPECT_EQ((***r1).id, J("1"));
    EXPECT_EQ((***r2).id, J("1"));
    EXPECT_EQ(*(***r1).result.find("params")->find("who"), J(R"("s1")"));
    EXPECT_EQ(*(***r2).result.find("params")->find("who"), J(R"("s2")"));
    EXPECT_NE(*(***r1).result.find("wireId"), *(***r2).result.find("wireId"));  // unique on the wire

    auto r3 = co_await s1->request(mcp::make_request(J(R"("abc")"), "echo", json::Value()), {}, 5s);
    CO_ASSERT_TRUE(r3);
    EXPECT_EQ(r3->id, J(R"("abc")"));
    EXPECT_TRUE(r3->result.find("wireId")->is_integer());

    auto err = co_await s1->request(mcp::make_request(J("9"), "nope", json::Value()), {}, 5s);
    CO_ASSERT_TRUE(err);
    EXPECT_EQ(err->kind, mcp::Message::Kind::error);
    EXPECT_EQ(err->id, J("9"));

    // initialize through request() is answered locally from the stored result
    auto init = co_await s2->request(mcp::make_request(J("5"), "initialize", json::Value::object()), {}, 5s);
    CO_ASSERT_TRUE(init);
    EXPECT_EQ(init->id, J("5"));
    EXPECT_EQ(init->result, s2->initialize_result());
    co_await s1->close();
    co_await s2->close();
  });
}

TEST_F(StdioUpstreamTest, ProgressAndServerRequestsGoToTheOwningRequest) {
  auto up = make(fake_config());
  run_test(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(*up, params("acme"));
    if (!s) co_return;
    std::vector<mcp::Message> seen;
    MessageSink sink = [&](mcp::Message m) -> asio::awaitable<void> {
      seen.push_back(m);
      co_return;
    };
    auto r = co_await s->request(
        mcp::make_request(J("3"), "progress", J(R"({"steps":3,"_meta":{"progressToken":"tok"}})")), sink, 5s);
    CO_ASSERT_TRUE(r);
    EXPECT_EQ(r->id, J("3"));
    EXPECT_TRUE(r->result.find("token")->is_integer());  // the server saw a rewritten token
    CO_ASSERT_EQ(seen.size(), 3u);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i].method, "notifications/progress");
      EXPECT_EQ(*seen[i].params.find("progressToken"), J(R"("tok")"));
      EXPECT_EQ(seen[i].params.find("progress")->as_int(), static_cast<std::int64_t>(i + 1));
    }

    // A server→client request during our request reaches on_message; the answer goes back through send()
    // with the server's own id.
    Session* session = s.get();
    MessageSink answer = [&](mcp::Message m) -> asio::awaitable<void> {
      seen.push_back(m);
      if (m.is_request() && m.method == "roots/list") {
        auto sent = co_await session->send(mcp::make_result(m.id, J(R"({"roots":[{"uri":"file:///r"}]})")));
        EXPECT_TRUE(sent);
      }
    };
    seen.clear();
    auto asked = co_await s->request(mcp::make_request(J(R"("q")"), "ask_roots", json::Value()), answer, 5s);
    CO_ASSERT_TRUE(asked);
    EXPECT_EQ(asked->id, J(R"("q")"));
    CO_ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].id, J("1000"));  // server ids pass through unchanged
    EXPECT_EQ(*asked->result.find("reply"), J(R"({"roots":[{"uri":"file:///r"}]})"));
    // A response to a server request that is not open is refused, not forwarded.
    auto stray = co_await s->send(mcp::make_result(J("4242"), json::Value::object()));
    CO_ASSERT_FALSE(stray);
    EXPECT_EQ(stray.error().reason, core::Reason::invalid_request);
  });
}

TEST_F(StdioUpstreamTest, NotificationsReachEverySessionAndCancelledIsMappedPerSession) {
  auto up = make(fake_config());
  run_test(io, [&]() -> asio::awaitable<void> {
    auto s1 = co_await open(*up, params("acme"));
    auto s2 = co_await open(*up, params("acme"));
    if (!s1 || !s2) co_return;
    std::vector<std::string> l1, l2, on1;
    s1->set_listener([&](mcp::Message m) -> asio::awaitable<void> {
      l1.push_back(m.method);
      co_return;
    });
    s2->set_listener([&](mcp::Message m) -> asio::awaitable<void> {
      l2.push_back(m.method);
      co_return;
    });
    auto r = co_await s1->request(mcp::make_request(J("1"), "broadcast", json::Value()),
                                  [&](mcp::Message m) -> asio::awaitable<void> {
                                    on1.push_back(m.method);
                                    co_return;
                                  },
                                  5s);
    CO_ASSERT_TRUE(r);
    EXPECT_TRUE(co_await wait_for([&] { return l2.size() == 1; }, 2000));
    EXPECT_EQ(on1, std::vector<std::string>{"notifications/tools/list_changed"});  // s1 had a request open
    EXPECT_TRUE(l1.empty());
    EXPECT_EQ(l2, std::vector<std::string>{"notifications/tools/list_changed"});

    // s2 cannot cancel s1's request by naming the same caller id; s1 can.
    auto slow = spawn_request(io, *s1, mcp::make_request(J(R"("x")"), "slow", J(R"({"ms":10000})")), {}, 15s);
    co_await sleep_ms(200);
    auto cancel = mcp::make_notification("notifications/cancelled", J(R"({"requestId":"x"})"));
    EXPECT_TRUE(co_await s2->send(cancel));
    co_await sleep_ms(300);
    EXPECT_FALSE(slow->has_value());
    EXPECT_TRUE(co_await s1->send(cancel));
    EXPECT_TRUE(co_await wait_for([&] { return slow->has_value(); }, 3000));
    // The cancelled call ends at once on the caller's side (no response is owed to a cancelled request).
    CO_ASSERT_TRUE(slow->has_value());
    CO_ASSERT_FALSE(**slow);
    EXPECT_EQ((**slow).error().reason, core::Reason::upstream_unavailable);
    EXPECT_NE((**slow).error().message.find("cancelled by the client"), std::string::npos);
  });
}

TEST_F(StdioUpstreamTest, TimeoutCancelsUpstreamAndTheProcessStaysUsable) {
  auto up = make(fake_config());
  run_test(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(*up, params("acme"));
    if (!s) co_return;
    auto start = std::chrono::steady_clock::now();
    auto r = co_await s->request(mcp::make_request(J("1"), "slow", J(R"({"ms":10000})")), {}, 300ms);
    auto took = std::chrono::steady_clock::now() - start;
    CO_ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, core::Reason::upstream_timeout);
    EXPECT_NE(r.error().message.find("upstream 'fake'"), std::string::npos) << r.error().message;
    EXPECT_LT(took, 2s);
    auto ok = co_await s->request(mcp::make_request(J("2"), "echo", json::Value()), {}, 5s);
    EXPECT_TRUE(ok && ok->kind == mcp::Message::Kind::response);
  });
}

TEST_F(StdioUpstreamTest, TenantsGetTheirOwnProcessAndOnlyTheirOwnSecrets) {
  ::setenv("BULKHEAD_TEST_PARENT_SECRET", "must-not-leak", 1);
  auto up = make(fake_config({{"SHARED", "config"}}));
  run_test(io, [&]() -> asio::awaitable<void> {
    // (braced lists outside co_await expressions: GCC 12 cannot copy their backing arrays into the frame)
    SessionParams params_a = params("tenant-a", {{"TENANT_SECRET", "a-secret"}});
    SessionParams params_b = params("tenant-b", {{"TENANT_SECRET", "b-secret"}});
    auto a = co_await open(*up, std::move(params_a));
    auto b = co_await open(*up, std::move(params_b));
    if (!a || !b) co_return;
    auto env = [&](Session& s, std::string name) -> asio::awaitable<json::Value> {
      json::Value p = json::Value::object();
      p.set("name", name);
      auto r = co_await s.request(mcp::make_request(J("1"), "env", std::move(p)), {}, 5s);
      co_return r ? *r->result.find("value") : json::Value("<error>");
    };
    // (values first: GCC 12 cannot co_await inside EXPECT_EQ's arguments)
    json::Value a_secret = co_await env(*a, "TENANT_SECRET");
    json::Value b_secret = co_await env(*b, "TENANT_SECRET");
    json::Value shared = co_await env(*a, "SHARED");
    json::Value leaked = co_await env(*a, "BULKHEAD_TEST_PARENT_SECRET");
    json::Value path = co_await env(*a, "PATH");
    EXPECT_EQ(a_secret, J(R"("a-secret")"));
    EXPECT_EQ(b_secret, J(R"("b-secret")"));
    EXPECT_EQ(shared, J(R"("config")"));
    EXPECT_EQ(leaked, json::Value());
    EXPECT_FALSE(path.is_null());
    int pa = pid_of(*up, "tenant-a"), pb = pid_of(*up, "tenant-b");
    EXPECT_GT(pa, 0);
    EXPECT_GT(pb, 0);
    EXPECT_NE(pa, pb);
    auto pid = co_await a->request(mcp::make_request(J("1"), "pid", json::Value()), {}, 5s);
    CO_ASSERT_TRUE(pid);
    EXPECT_EQ(pid->result.find("pid")->as_int(), pa);
  });
}

TEST_F(StdioUpstreamTest, CrashFailsInFlightRequestsAndTheNextRequestRestarts) {
  auto up = make(fake_config());
  run_test(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(*up, params("acme"));
    if (!s) co_return;
    int pid1 = pid_of(*up, "acme");
    auto slow = spawn_request(io, *s, mcp::make_request(J("1"), "slow", J(R"({"ms":20000})")), {}, 30s);
    co_await sleep_ms(200);
    ::kill(pid1, SIGKILL);
    EXPECT_TRUE(co_await wait_for([&] { return slow->has_value(); }, 3000));
    CO_ASSERT_TRUE(slow->has_value());
    CO_ASSERT_FALSE(**slow);
    EXPECT_EQ((*slow)->error().reason, core::Reason::upstream_unavailable);
    EXPECT_TRUE(co_await wait_for([&] { return !process_exists(pid1); }, 3000));  // reaped, no zombie
    EXPECT_TRUE(up->processes().empty());

    auto r = co_await s->request(mcp::make_request(J("2"), "echo", json::Value()), {}, 10s);
    CO_ASSERT_TRUE_MSG(r, r.error().message);
    CO_ASSERT_EQ(up->processes().size(), 1u);
    EXPECT_EQ(up->processes()[0].restarts, 1u);
    EXPECT_NE(up->processes()[0].pid, pid1);

    // A request the process dies on fails with upstream_unavailable, then it restarts again.
    auto exit = co_await s->request(mcp::make_request(J("3"), "exit", J(R"({"code":1})")), {}, 5s);
    CO_ASSERT_FALSE(exit);
    EXPECT_EQ(exit.error().reason, core::Reason::upstream_unavailable);
    auto again = co_await s->request(mcp::make_request(J("4"), "echo", json::Value()), {}, 10s);
    CO_ASSERT_TRUE_MSG(again, again.error().message);
    EXPECT_EQ(up->processes()[0].restarts, 2u);
  });
}

TEST_F(StdioUpstreamTest, StopTenantKillsTheProcessAndFailsItsSessions) {
  auto up = make(fake_config());
  run_test(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(*up, params("acme"));
    auto other = co_await open(*up, params("other"));
    if (!s || !other) co_return;
    int pid = pid_of(*up, "acme");
    auto slow = spawn_request(io, *s, mcp::make_request(J("1"), "slow", J(R"({"ms":20000})")), {}, 30s);
    co_await sleep_ms(200);
    co_await up->stop_tenant("acme");
    EXPECT_FALSE(process_exists(pid));
    EXPECT_TRUE(co_await wait_for([&] { return slow->has_value(); }, 1000));
    CO_ASSERT_TRUE(slow->has_value() && !**slow);
    EXPECT_EQ((*slow)->error().reason, core::Reason::upstream_unavailable);
    CO_ASSERT_EQ(up->processes().size(), 1u);
    EXPECT_EQ(up->processes()[0].tenant, "other");
    auto after = co_await s->request(mcp::make_request(J("2"), "echo", json::Value()), {}, 5s);
    CO_ASSERT_FALSE(after);
    EXPECT_EQ(after.error().reason, core::Reason::upstream_unavailable);
    EXPECT_TRUE(up->processes().size() == 1u);  // the stopped session did not restart anything
    auto fresh = co_await open(*up, params("acme"));
    CO_ASSERT_TRUE(fresh);
    EXPECT_NE(pid_of(*up, "acme"), pid);
    co_await up->shutdown();
    EXPECT_TRUE(up->processes().empty());
  });
}

TEST_F(StdioUpstreamTest, IdleProcessStopsAfterLastSessionCloses) {
  auto config = fake_config();
  config.idle_stop = 300ms;
  auto up = make(config);
  run_test(io, [&]() -> asio::awaitable<void> {
    auto s1 = co_await open(*up, params("acme"));
    if (!s1) co_return;
    int pid = pid_of(*up, "acme");
    co_await s1->close();
    auto s2 = co_await open(*up, params("acme"));  // reopened before idle_stop: same process
    EXPECT_EQ(pid_of(*up, "acme"), pid);
    co_await sleep_ms(600);
    EXPECT_EQ(pid_of(*up, "acme"), pid);
    s2.reset();  // destroying a session closes it
    EXPECT_TRUE(co_await wait_for([&] { return up->processes().empty(); }, 3000));
    EXPECT_TRUE(co_await wait_for([&] { return !process_exists(pid); }, 3000));
  });
}

TEST_F(StdioUpstreamTest, ProcessLimitAndStartFailures) {
  auto config = fake_config();
  config.max_processes = 1;
  auto up = make(config);
  run_test(io, [&]() -> asio::awaitable<void> {
    auto a = co_await open(*up, params("a"));
    auto b = co_await up->open_session(params("b"));
    CO_ASSERT_FALSE(b);
    EXPECT_EQ(b.error().reason, core::Reason::upstream_unavailable);
  });

  auto missing = fake_config();
  missing.command = "/no/such/server";
  auto up2 = make(missing);
  auto exits = fake_config();
  exits.args = {"-e", "process.exit(3)"};
  auto up3 = make(exits);
  auto silent = fake_config({{"FAKE_SILENT", "1"}});
  silent.connect_timeout = 500ms;
  auto up4 = make(silent);
  run_test(io, [&]() -> asio::awaitable<void> {
    auto r2 = co_await up2->open_session(params("a"));
    CO_ASSERT_FALSE(r2);
    EXPECT_EQ(r2.error().reason, core::Reason::upstream_unavailable);
    EXPECT_NE(r2.error().message.find("upstream 'fake'"), std::string::npos) << r2.error().message;
    auto r3 = co_await up3->open_session(params("a"));
    CO_ASSERT_FALSE(r3);
    EXPECT_EQ(r3.error().reason, core::Reason::upstream_unavailable);
    EXPECT_TRUE(up3->processes().empty());
    auto r4 = co_await up4->open_session(params("a"));
    CO_ASSERT_FALSE(r4);
    EXPECT_EQ(r4.error().reason, core::Reason::upstream_timeout);
    EXPECT_TRUE(up4->processes().empty());
  });
  auto bad = fake_config();
  bad.name = "Bad Name";
  EXPECT_FALSE(Upstream::create(io.get_executor(), bad, *client, clock));
}

// The official reference server over stdio: tools, progress, sampling and roots through one process.
TEST_F(StdioUpstreamTest, EverythingServerToolsProgressSamplingRoots) {
  UpstreamConfig config;
  config.name = "everything";
  config.transport = Transport::stdio;
  config.command = node_path();
  config.args = {everything_js(), "stdio"};
  config.connect_timeout = 30s;
  auto up = make(config);
  run_test(io, [&]() -> asio::awaitable<void> {
    auto s = co_await open(*up, params("acme"));
    if (!s) co_return;
    Session* session = s.get();
    std::vector<mcp::Message> seen;
    int roots_asked = 0;
    MessageSink sink = [&](mcp::Message m) -> asio::awaitable<void> {
      seen.push_back(m);
      if (m.is_request() && m.method == "roots/list") {
        ++roots_asked;
        EXPECT_TRUE(co_await session->send(
            mcp::make_result(m.id, J(R"({"roots":[{"uri":"file:///bulkhead-root","name":"r"}]})"))));
      } else if (m.is_request() && m.method == "sampling/createMessage") {
        EXPECT_TRUE(co_await session->send(mcp::make_result(
            m.id, J(R"({"role":"assistant","content":{"type":"text","text":"sampled-by-test"},"model":"t"})"))));
      }
    };
    s->set_listener(sink);
    const std::string* name = s->initialize_result().find("serverInfo")->find_string("name");
    CO_ASSERT_NE(name, nullptr);
    EXPECT_EQ(*name, "mcp-servers/everything");

    auto list = co_await s->request(mcp::make_request(J("1"), "tools/list", json::Value::object()), sink, 10s);
    CO_ASSERT_TRUE_MSG(list, list.error().message);
    std::set<std::string> tools;
    for (const auto& t : list->result.find("tools")->as_array()) tools.insert(*t.find_string("name"));
    EXPECT_TRUE(tools.count("echo"));
    EXPECT_TRUE(tools.count("trigger-sampling-request"));  // registered because we advertised sampling

    auto echo = co_await s->request(
        mcp::make_request(J(R"("e")"), "tools/call", J(R"({"name":"echo","arguments":{"message":"hello"}})")),
        sink, 10s);
    CO_ASSERT_TRUE(echo);
    EXPECT_EQ(echo->id, J(R"("e")"));
    EXPECT_EQ(*echo->result.find("content")->as_array()[0].find_string("text"), "Echo: hello");

    seen.clear();
    auto longop = co_await s->request(
        mcp::make_request(J("2"), "tools/call",
                          J(R"({"name":"trigger-long-running-operation","arguments":{"duration":0.6,"steps":3},
                                "_meta":{"progressToken":"p-1"}})")),
        sink, 15s);
    CO_ASSERT_TRUE_MSG(longop, longop.error().message);
    int progress = 0;
    for (const auto& m : seen) {
      if (m.method == "notifications/progress") {
        ++progress;
        EXPECT_EQ(*m.params.find("progressToken"), J(R"("p-1")"));
      }
    }
    EXPECT_EQ(progress, 3);

    auto sampled = co_await s->request(
        mcp::make_request(J("3"), "tools/call",
                          J(R"({"name":"trigger-sampling-request","arguments":{"prompt":"hi","maxTokens":5}})")),
        sink, 15s);
    CO_ASSERT_TRUE_MSG(sampled, sampled.error().message);
    std::string text = *sampled->result.find("content")->as_array()[0].find_string("text");
    EXPECT_NE(text.find("sampled-by-test"), std::string::npos) << text;

    // server-everything asks for roots shortly after initialization; our answer is what it reports.
    EXPECT_TRUE(co_await wait_for([&] { return roots_asked > 0; }, 5000));
    auto roots = co_await s->request(
        mcp::make_request(J("4"), "tools/call", J(R"({"name":"get-roots-list","arguments":{}})")), sink, 10s);
    CO_ASSERT_TRUE(roots);
    EXPECT_NE(json::serialize(roots->result).find("file:///bulkhead-root"), std::string::npos)
        << json::serialize(roots->result);
    co_await s->close();
  });
}

}  // namespace
}  // namespace bulkhead::upstream::test
