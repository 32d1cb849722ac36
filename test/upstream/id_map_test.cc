#include "upstream/detail/id_map.h"

#include "test_support.h"

namespace bulkhead::upstream::test {
namespace {

using detail::CallTable;

TEST(CallTable, RewritesIdsAndProgressTokensAndRestoresThem) {
  CallTable table;
  auto a = mcp::make_request(J(R"("same")"), "tools/call", J(R"({"name":"x","_meta":{"progressToken":"tok"}})"));
  auto b = mcp::make_request(J(R"("same")"), "tools/call", J(R"({"name":"y"})"));
  auto call_a = table.register_call(a, 1);
  auto call_b = table.register_call(b, 2);
  ASSERT_TRUE(a.id.is_integer());
  ASSERT_TRUE(b.id.is_integer());
  EXPECT_NE(a.id.as_int(), b.id.as_int());
  EXPECT_EQ(*a.params.find("_meta")->find("progressToken"), a.id);  // wire token = wire id
  EXPECT_EQ(b.params.find("_meta"), nullptr);

  auto progress = mcp::make_notification("notifications/progress", J(R"({"progress":1})"));
  progress.params.set("progressToken", a.id);
  EXPECT_TRUE(table.deliver_progress(progress));
  ASSERT_EQ(call_a->inbox.size(), 1u);
  EXPECT_EQ(*call_a->inbox.front().params.find("progressToken"), J(R"("tok")"));
  progress.params.set("progressToken", b.id);  // b has no token: not routed
  EXPECT_FALSE(table.deliver_progress(progress));

  EXPECT_TRUE(table.complete(mcp::make_result(b.id, J(R"({"ok":true})"))));
  ASSERT_TRUE(call_b->outcome && *call_b->outcome);
  EXPECT_EQ((**call_b->outcome).id, J(R"("same")"));
  EXPECT_FALSE(table.complete(mcp::make_result(J("999"), json::Value::object())));
  EXPECT_FALSE(table.complete(mcp::make_result(J(R"("1")"), json::Value::object())));  // string ≠ wire int
}

TEST(CallTable, CancelledIsMappedOnlyForTheOwningSession) {
  CallTable table;
  auto a = mcp::make_request(J("5"), "slow", json::Value());
  table.register_call(a, 1);
  auto cancel = mcp::make_notification("notifications/cancelled", J(R"({"requestId":5})"));
  auto other = cancel;
  EXPECT_FALSE(table.map_cancelled(other, 2));
  EXPECT_TRUE(table.map_cancelled(cancel, 1));
  EXPECT_EQ(*cancel.params.find("requestId"), a.id);
}

TEST(CallTable, MostRecentAndFailAll) {
  CallTable table;
  auto a = mcp::make_request(J("1"), "a", json::Value());
  auto b = mcp::make_request(J("1"), "b", json::Value());
  auto init = mcp::make_request(J("0"), "initialize", json::Value());
  auto ca = table.register_call(a, 1);
  auto cb = table.register_call(b, 2);
  table.register_call(init, detail::kInternalSession);
  EXPECT_EQ(table.most_recent(), cb);  // internal calls are never a routing target
  EXPECT_EQ(table.most_recent(1), ca);
  table.fail_all(core::Error{core::Reason::upstream_unavailable, "gone"});
  ASSERT_TRUE(ca->outcome && !*ca->outcome);
  EXPECT_EQ(ca->outcome->error().reason, core::Reason::upstream_unavailable);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.most_recent(), nullptr);
}

TEST(CallTable, AwaitOutcomeDrainsInboxBeforeReturningAndTimesOut) {
  asio::io_context io;
  CallTable table;
  auto req = mcp::make_request(J(R"("r")"), "m", json::Value());
  auto call = table.register_call(req, 1);
  std::vector<std::string> seen;
  run_test(io, [&]() -> asio::awaitable<void> {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await sleep_ms(20);
          call->deliver(mcp::make_notification("n1", json::Value()));
          call->deliver(mcp::make_notification("n2", json::Value()));
          table.complete(mcp::make_result(req.id, json::Value::object()));
        },
        asio::detached);
    MessageSink sink = [&](mcp::Message m) -> asio::awaitable<void> {
      co_await sleep_ms(5);
      seen.push_back(m.method);
    };
    auto out = co_await detail::await_outcome(call, sink, std::chrono::steady_clock::now() + 5s);
    EXPECT_TRUE(out && *out);
    EXPECT_EQ(seen, (std::vector<std::string>{"n1", "n2"}));

    auto req2 = mcp::make_request(J("2"), "m", json::Value());
    auto call2 = table.register_call(req2, 1);
    auto start = std::chrono::steady_clock::now();
    auto none = co_await detail::await_outcome(call2, {}, start + 100ms);
    EXPECT_FALSE(none.has_value());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  });
}

}  // namespace
}  // namespace bulkhead::upstream::test
