// The form-encoded OAuth requests: strict parsing (repeated or unknown parameters, bad escapes) and the RFC 8693
// checks that need no keys (grant type, token types, missing parameters).
#include <gtest/gtest.h>

#include "token/token.h"

namespace bulkhead::token {
namespace {

constexpr std::string_view kGrant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange";
constexpr std::string_view kJwt = "urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt";

std::string body(std::string extra) {
  return std::string(kGrant) + "&subject_token=abc&subject_token_type=" + std::string(kJwt) + extra;
}

TEST(FormTest, DecodesAndRefusesMalformedInput) {
  auto fields = core::parse_form("a=1&b=hello+world&c=%41%2b%2F&&d=&e");
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 5u);
  EXPECT_EQ((*fields)[1].second, "hello world");
  EXPECT_EQ((*fields)[2].second, "A+/");
  EXPECT_EQ((*fields)[3].second, "");
  EXPECT_EQ((*fields)[4].first, "e");
  EXPECT_FALSE(core::parse_form("a=1&a=2"));  // RFC 6749 §3.1
  EXPECT_FALSE(core::parse_form("a=%4"));
  EXPECT_FALSE(core::parse_form("a=%zz"));
  EXPECT_FALSE(core::parse_form("=x"));
  EXPECT_FALSE(core::parse_form(std::string(core::kMaxFormBytes + 1, 'a')));
  EXPECT_EQ(core::form_encode("a b+c/é"), "a+b%2Bc%2F%C3%A9");
  auto round = core::parse_form("x=" + core::form_encode("spiffe://acme.test/agent/a*"));
  EXPECT_EQ((*round)[0].second, "spiffe://acme.test/agent/a*");
}

TEST(ExchangeRequestTest, ParsesAllParameters) {
  auto request = parse_exchange_request(body("&actor_token=def&actor_token_type=" + std::string(kJwt) +
                                             "&tenant=acme&task=t-1&scope=notes__*+everything__echo&lifetime_seconds=60"));
  ASSERT_TRUE(request) << request.error().description;
  EXPECT_EQ(request->subject_token, "abc");
  EXPECT_EQ(request->actor_token, "def");
  EXPECT_EQ(request->tenant, "acme");
  EXPECT_EQ(request->task, "t-1");
  EXPECT_EQ(*request->scope, "notes__* everything__echo");
  EXPECT_EQ(*request->lifetime_seconds, 60);
}

TEST(ExchangeRequestTest, RefusalsCarryRfcErrorCodes) {
  struct Case {
    std::string body;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", "invalid_request"},
      {"grant_type=client_credentials&subject_token=a&subject_token_type=" + std::string(kJwt), "unsupported_grant_type"},
      {std::string(kGrant) + "&subject_token_type=" + std::string(kJwt), "invalid_request"},           // no subject
      {std::string(kGrant) + "&subject_token=a", "invalid_request"},                                    // no type
      {std::string(kGrant) + "&subject_token=a&subject_token_type=urn:x", "invalid_request"},
      {body("&actor_token=x"), "invalid_request"},                                                       // no actor type
      {body("&actor_token_type=" + std::string(kJwt)), "invalid_request"},
      {body("&lifetime_seconds=ten"), "invalid_request"},
      {body("&lifetime_seconds=10s"), "invalid_request"},
      {body("&audience=https%3A%2F%2Fother"), "invalid_target"},
      {body("&resource=https%3A%2F%2Fother"), "invalid_target"},
      {body("&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Asaml2"), "invalid_target"},
      {body("&tenant=a&tenant=b"), "invalid_request"},
      {body("&colour=blue"), "invalid_request"},
  };
  for (const auto& c : cases) {
    auto request = parse_exchange_request(c.body);
    ASSERT_FALSE(request) << c.body;
    EXPECT_EQ(request.error().error, c.error) << c.body;
    EXPECT_EQ(request.error().http_status, 400);
  }
}

TEST(TokenRequestTest, TokenParameter) {
  EXPECT_EQ(*parse_token_request("token=abc&token_type_hint=access_token"), "abc");
  EXPECT_FALSE(parse_token_request("token_type_hint=access_token"));
  EXPECT_FALSE(parse_token_request("token=a&other=b"));
  const json::Value error = oauth_error_body(OAuthError{"invalid_scope", core::Reason::delegation_widening, "wider", 400});
  EXPECT_EQ(json::serialize(error),
            R"({"error":"invalid_scope","error_description":"wider","reason":"delegation_widening"})");
}

}  // namespace
}  // namespace bulkhead::token
