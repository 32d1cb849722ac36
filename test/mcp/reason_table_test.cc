// The one table mapping every core::Reason to an HTTP status and a JSON-RPC code (CONFIG.md "Reason codes").
#include <gtest/gtest.h>

#include <set>

#include "mcp/mcp.h"

namespace bulkhead::mcp {
namespace {

using core::Reason;

TEST(ReasonTable, EveryReasonMapsToAKnownStatusAndCode) {
  const std::set<int> statuses = {200, 400, 401, 403, 404, 413, 500, 502, 503, 504};
  const std::set<int> codes = {kParseError,    kInvalidRequest, kMethodNotFound, kInvalidParams,
                               kInternalError, kRefused,        kHeaderMismatch};
  for (Reason r : core::all_reasons()) {
    const ReasonMapping m = map_reason(r);
    EXPECT_TRUE(statuses.count(m.http_status)) << core::reason_name(r) << " -> " << m.http_status;
    EXPECT_TRUE(codes.count(m.jsonrpc_code)) << core::reason_name(r) << " -> " << m.jsonrpc_code;
  }
}

TEST(ReasonTable, NamesRoundTripThroughErrorResponses) {
  for (Reason r : core::all_reasons()) {
    const std::string_view name = core::reason_name(r);
    ASSERT_EQ(core::reason_from_name(name), r);
    const Message m = make_error(1, core::Error{r, "m"});
    const std::string text = serialize(m);
    auto back = parse_body(text);
    ASSERT_TRUE(back.has_value()) << text;
    const json::Value* data = back->error.find("data");
    ASSERT_NE(data, nullptr);
    ASSERT_NE(data->find_string("reason"), nullptr);
    EXPECT_EQ(core::reason_from_name(*data->find_string("reason")), r);
    EXPECT_EQ(back->error.find("code")->as_int(), map_reason(r).jsonrpc_code);
  }
}

struct Expected {
  Reason reason;
  int http_status;
  int jsonrpc_code;
};

TEST(ReasonTable, MatchesTheContract) {
  const Expected table[] = {
      {Reason::unauthenticated, 401, kRefused},
      {Reason::token_invalid, 401, kRefused},
      {Reason::token_expired, 401, kRefused},
      {Reason::token_revoked, 401, kRefused},
      {Reason::tenant_not_bound, 403, kRefused},
      {Reason::session_identity_mismatch, 403, kRefused},
      {Reason::scope_insufficient, 403, kRefused},
      {Reason::delegation_widening, 403, kRefused},
      {Reason::origin_not_allowed, 403, kRefused},
      {Reason::policy_denied, 200, kRefused},
      {Reason::connector_not_approved, 200, kRefused},
      {Reason::tenant_not_mapped, 200, kRefused},
      {Reason::review_overdue, 200, kRefused},
      {Reason::tool_definition_changed, 200, kRefused},
      {Reason::credential_missing, 200, kRefused},
      {Reason::dlp_blocked, 200, kRefused},
      {Reason::upstream_unavailable, 502, -32603},
      {Reason::upstream_timeout, 504, -32603},
      {Reason::audit_unavailable, 503, kRefused},
      {Reason::shutting_down, 503, kRefused},
      {Reason::invalid_request, 400, -32600},
      {Reason::header_mismatch, 400, -32020},
      {Reason::parse_error, 400, -32700},
      {Reason::method_not_found, 200, -32601},
      {Reason::unknown_tool, 200, -32602},
      {Reason::body_too_large, 413, -32600},
      {Reason::session_not_found, 404, kRefused},
      {Reason::unsupported_protocol_version, 400, -32600},
      {Reason::batch_not_supported, 400, -32600},
      {Reason::internal_error, 500, -32603},
  };
  std::set<Reason> covered;
  for (const auto& e : table) {
    const ReasonMapping m = map_reason(e.reason);
    EXPECT_EQ(m.http_status, e.http_status) << core::reason_name(e.reason);
    EXPECT_EQ(m.jsonrpc_code, e.jsonrpc_code) << core::reason_name(e.reason);
    covered.insert(e.reason);
  }
  EXPECT_EQ(covered.size(), core::all_reasons().size()) << "every reason is pinned by this test";
}

TEST(ReasonTable, CodeConstants) {
  EXPECT_EQ(kParseError, -32700);
  EXPECT_EQ(kInvalidRequest, -32600);
  EXPECT_EQ(kMethodNotFound, -32601);
  EXPECT_EQ(kInvalidParams, -32602);
  EXPECT_EQ(kInternalError, -32603);
  EXPECT_EQ(kRefused, -32001);
  EXPECT_EQ(kHeaderMismatch, -32020);
}

TEST(ReasonTable, OutOfRangeReasonFailsClosed) {
  const ReasonMapping m = map_reason(static_cast<Reason>(250));
  EXPECT_EQ(m.http_status, 500);
  EXPECT_EQ(m.jsonrpc_code, kInternalError);
  EXPECT_EQ(core::reason_name(static_cast<Reason>(250)), "internal_error");
}

}  // namespace
}  // namespace bulkhead::mcp
