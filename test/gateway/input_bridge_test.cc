// requestState tokens and what a 2026-07-28 client may be asked through input_required (gateway/input_bridge.cc).
#include <gtest/gtest.h>

#include "gateway/detail/input_bridge.h"

namespace bulkhead::gateway::detail {
namespace {

json::Value js(std::string_view text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? std::move(*v) : json::Value();
}

mcp::Message request(std::string method, std::string_view params) {
  return mcp::make_request(json::Value(7), std::move(method), js(params));
}

class InputBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
  core::SeededRng rng_{42};
};

TEST_F(InputBridgeTest, TokenNamesItsCallOnlyForItsPrincipalAndTenant) {
  RequestStateSigner signer(rng_);
  const std::string id(32, 'c');
  const std::string token = signer.mint(id, "spiffe://a/agent", "t1");
  EXPECT_TRUE(token.starts_with("bh1." + id + "."));
  EXPECT_EQ(signer.open(token, "spiffe://a/agent", "t1"), id);
  EXPECT_EQ(signer.open(token, "spiffe://a/other", "t1"), std::nullopt);
  EXPECT_EQ(signer.open(token, "spiffe://a/agent", "t2"), std::nullopt);
  // Field boundaries are part of the MAC: moving a character from principal to tenant does not verify.
  EXPECT_EQ(signer.open(signer.mint(id, "ab", "c"), "a", "bc"), std::nullopt);
}

TEST_F(InputBridgeTest, ForgedTamperedOrForeignTokensAreRefused) {
  RequestStateSigner signer(rng_);
  RequestStateSigner other(rng_);  // another gateway process (another key)
  const std::string id = "0123456789abcdef0123456789abcdef";
  const std::string token = signer.mint(id, "p", "t");
  EXPECT_EQ(other.open(token, "p", "t"), std::nullopt);
  std::string flipped = token;
  flipped[5] = flipped[5] == '1' ? '2' : '1';  // another call id under the same MAC
  EXPECT_EQ(signer.open(flipped, "p", "t"), std::nullopt);
  std::string bad_mac = token;
  bad_mac.back() = bad_mac.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(signer.open(bad_mac, "p", "t"), std::nullopt);
  const std::vector<std::string> junk_tokens = {"",  "bh1.", "bh1..", "bh2." + id + ".x", "bh1." + id,
                                                "bh1.XYZ.AAAA", "bh1." + std::string(32, 'G') + ".AAAA",
                                                "bh1." + id + ".%%%"};
  for (const std::string& junk : junk_tokens) {
    EXPECT_EQ(signer.open(junk, "p", "t"), std::nullopt) << junk;
  }
}

TEST_F(InputBridgeTest, WhatAClientCanBeAsked) {
  const auto form = request("elicitation/create", R"({"message":"m","requestedSchema":{"type":"object"}})");
  const auto explicit_form = request("elicitation/create", R"({"mode":"form","message":"m"})");
  const auto url = request("elicitation/create", R"({"mode":"url","url":"https://x","elicitationId":"e1","message":"m"})");
  const auto sampling = request("sampling/createMessage", R"({"messages":[],"maxTokens":5})");
  const auto roots = request("roots/list", "{}");
  const auto ping = request("ping", "{}");

  EXPECT_TRUE(client_can_answer(js(R"({"elicitation":{}})"), form));
  EXPECT_TRUE(client_can_answer(js(R"({"elicitation":{"form":{}}})"), explicit_form));
  EXPECT_FALSE(client_can_answer(js(R"({"elicitation":{}})"), url));
  EXPECT_TRUE(client_can_answer(js(R"({"elicitation":{"url":{}}})"), url));
  EXPECT_TRUE(client_can_answer(js(R"({"sampling":{}})"), sampling));
  EXPECT_FALSE(client_can_answer(js(R"({"elicitation":{}})"), sampling));
  EXPECT_TRUE(client_can_answer(js(R"({"roots":{}})"), roots));
  EXPECT_FALSE(client_can_answer(js(R"({"sampling":{},"elicitation":{},"roots":{}})"), ping));
  EXPECT_FALSE(client_can_answer(json::Value(), sampling));
  EXPECT_FALSE(client_can_answer(js(R"({"elicitation":true})"), form));
}

TEST_F(InputBridgeTest, InputRequestEntriesDropWhatA2026ClientDoesNotKnow) {
  EXPECT_EQ(input_request_entry(request("elicitation/create",
                                        R"({"mode":"url","url":"https://x","elicitationId":"e1","message":"m"})")),
            js(R"({"method":"elicitation/create","params":{"mode":"url","url":"https://x","message":"m"}})"));
  EXPECT_EQ(input_request_entry(request("sampling/createMessage", R"({"messages":[],"task":{"ttl":5},"maxTokens":5})")),
            js(R"({"method":"sampling/createMessage","params":{"messages":[],"maxTokens":5}})"));
  EXPECT_EQ(input_request_entry(request("roots/list", "{}")), js(R"({"method":"roots/list","params":{}})"));
  EXPECT_EQ(input_request_entry(mcp::make_request(json::Value(1), "roots/list", json::Value())),
            js(R"({"method":"roots/list","params":{}})"));
  const auto caps = bridge_capabilities();
  EXPECT_NE(caps.find("sampling"), nullptr);
  EXPECT_NE(caps.find("elicitation"), nullptr);
  EXPECT_NE(caps.find("roots"), nullptr);
}

}  // namespace
}  // namespace bulkhead::gateway::detail
