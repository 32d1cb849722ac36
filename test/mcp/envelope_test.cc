#include <gtest/gtest.h>

#include "mcp/mcp.h"

namespace bulkhead::mcp {
namespace {

using core::Reason;

Message parse_ok(std::string_view body) {
  auto m = parse_body(body);
  EXPECT_TRUE(m.has_value()) << body << " -> " << (m ? "" : m.error().error.message);
  return m ? std::move(*m) : Message{};
}

BodyError parse_err(std::string_view body) {
  auto m = parse_body(body);
  EXPECT_FALSE(m.has_value()) << "accepted: " << body;
  return m ? BodyError{} : m.error();
}

json::Value js(std::string_view text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? std::move(*v) : json::Value();
}

bool same(const Message& a, const Message& b) {
  return a.kind == b.kind && a.id == b.id && a.method == b.method && a.params == b.params && a.result == b.result &&
         a.error == b.error;
}

TEST(Envelope, Request) {
  const Message m = parse_ok(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"crm__x"}})");
  EXPECT_EQ(m.kind, Message::Kind::request);
  EXPECT_TRUE(m.is_request());
  EXPECT_FALSE(m.is_response());
  EXPECT_EQ(m.id.as_int(), 7);
  EXPECT_EQ(m.method, "tools/call");
  ASSERT_NE(param_string(m, "name"), nullptr);
  EXPECT_EQ(*param_string(m, "name"), "crm__x");
  EXPECT_EQ(param_string(m, "absent"), nullptr);
  EXPECT_EQ(progress_token(m), nullptr);
}

TEST(Envelope, RequestWithStringIdArrayParamsAndNoParams) {
  Message m = parse_ok(R"({"method":"x","id":"abc","jsonrpc":"2.0","params":[1,2]})");
  EXPECT_EQ(m.id.as_string(), "abc");
  EXPECT_TRUE(m.params.is_array());
  m = parse_ok(R"({"jsonrpc":"2.0","id":-3,"method":"ping"})");
  EXPECT_EQ(m.id.as_int(), -3);
  EXPECT_TRUE(m.params.is_null());
  EXPECT_EQ(serialize(m), R"({"jsonrpc":"2.0","id":-3,"method":"ping"})");
  m = parse_ok(R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})");
  EXPECT_EQ(m.id.type(), json::Value::Type::unsigned_integer);
}

TEST(Envelope, Notification) {
  const Message m = parse_ok(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(m.kind, Message::Kind::notification);
  EXPECT_TRUE(m.is_notification());
  EXPECT_TRUE(m.id.is_null());
  EXPECT_EQ(serialize(m), R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
}

TEST(Envelope, ResultAndError) {
  Message m = parse_ok(R"({"jsonrpc":"2.0","id":1,"result":{"tools":[]}})");
  EXPECT_EQ(m.kind, Message::Kind::response);
  EXPECT_TRUE(m.is_response());
  EXPECT_TRUE(m.result.find("tools")->is_array());
  m = parse_ok(R"({"jsonrpc":"2.0","id":"a","result":null})");
  EXPECT_EQ(m.kind, Message::Kind::response);
  EXPECT_EQ(serialize(m), R"({"jsonrpc":"2.0","id":"a","result":null})");
  m = parse_ok(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"nope","data":{"x":1}}})");
  EXPECT_EQ(m.kind, Message::Kind::error);
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.error.find("code")->as_int(), -32601);
  m = parse_ok(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  EXPECT_EQ(m.kind, Message::Kind::error);
  EXPECT_TRUE(m.id.is_null());
  EXPECT_EQ(serialize(m), R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
}

TEST(Envelope, ProgressToken) {
  const Message m =
      parse_ok(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"progressToken":"p-1"}}})");
  ASSERT_NE(progress_token(m), nullptr);
  EXPECT_EQ(progress_token(m)->as_string(), "p-1");
}

TEST(Envelope, MalformedJsonIsParseError) {
  for (const char* body : {"", "{", "{\"jsonrpc\":\"2.0\",}", "not json", "{\"a\":1}}", "\"\xFF\""}) {
    const BodyError e = parse_err(body);
    EXPECT_EQ(e.error.reason, Reason::parse_error) << body;
    EXPECT_TRUE(e.id.is_null());
  }
}

TEST(Envelope, BatchesAreRefused) {
  for (const char* body : {"[]", R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", "[1]"}) {
    const BodyError e = parse_err(body);
    EXPECT_EQ(e.error.reason, Reason::batch_not_supported) << body;
  }
}

struct InvalidCase {
  const char* body;
  bool id_recovered;
};

TEST(Envelope, InvalidMessagesAreInvalidRequest) {
  const InvalidCase cases[] = {
      {R"(1)", false},
      {R"("x")", false},
      {R"(null)", false},
      {R"({})", false},
      {R"({"id":1,"method":"x"})", true},                            // no jsonrpc
      {R"({"jsonrpc":"1.0","id":1,"method":"x"})", true},            // wrong version
      {R"({"jsonrpc":2.0,"id":1,"method":"x"})", true},              // version not a string
      {R"({"jsonrpc":"2.0","id":null,"method":"x"})", false},        // null id on a request
      {R"({"jsonrpc":"2.0","id":1.5,"method":"x"})", false},         // fractional id
      {R"({"jsonrpc":"2.0","id":1.0,"method":"x"})", false},         // not an integer token
      {R"({"jsonrpc":"2.0","id":true,"method":"x"})", false},
      {R"({"jsonrpc":"2.0","id":{"a":1},"method":"x"})", false},
      {R"({"jsonrpc":"2.0","id":[1],"method":"x"})", false},
      {R"({"jsonrpc":"2.0","id":1,"method":5})", true},               // method not a string
      {R"({"jsonrpc":"2.0","id":1,"method":null})", true},
      {R"({"jsonrpc":"2.0","id":1,"method":"x","params":"s"})", true},  // params not structured
      {R"({"jsonrpc":"2.0","id":1,"method":"x","params":null})", true},
      {R"({"jsonrpc":"2.0","id":1,"method":"x","params":3})", true},
      {R"({"jsonrpc":"2.0","id":1,"method":"x","result":{}})", true},   // request and response at once
      {R"({"jsonrpc":"2.0","id":1})", true},                            // nothing
      {R"({"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"m"}})", true},
      {R"({"jsonrpc":"2.0","result":1})", false},                       // response without id
      {R"({"jsonrpc":"2.0","id":null,"result":1})", false},             // result with null id
      {R"({"jsonrpc":"2.0","id":1,"error":"bad"})", true},
      {R"({"jsonrpc":"2.0","id":1,"error":{"message":"m"}})", true},    // no code
      {R"({"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}})", true},
      {R"({"jsonrpc":"2.0","id":1,"error":{"code":"1","message":"m"}})", true},
      {R"({"jsonrpc":"2.0","id":1,"error":{"code":4294967296,"message":"m"}})", true},
      {R"({"jsonrpc":"2.0","id":1,"error":{"code":1}})", true},         // no message
      {R"({"jsonrpc":"2.0","id":1,"error":{"code":1,"message":7}})", true},
      {R"({"jsonrpc":"2.0","error":{"code":1,"message":"m"}})", false}, // error without id member
      {R"({"jsonrpc":"2.0","id":1,"params":{}})", true},               // params without method
  };
  for (const auto& c : cases) {
    const BodyError e = parse_err(c.body);
    EXPECT_EQ(e.error.reason, Reason::invalid_request) << c.body;
    EXPECT_FALSE(e.error.message.empty()) << c.body;
    if (c.id_recovered) {
      EXPECT_EQ(e.id, json::Value(1)) << c.body;
    } else {
      EXPECT_TRUE(e.id.is_null()) << c.body;
    }
  }
}

TEST(Envelope, InvalidRequestEchoesStringId) {
  const BodyError e = parse_err(R"({"jsonrpc":"2.0","id":"req-9","method":42})");
  EXPECT_EQ(e.error.reason, Reason::invalid_request);
  EXPECT_EQ(e.id, json::Value("req-9"));
}

TEST(Envelope, ToMessageValidatesValues) {
  auto ok = to_message(js(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->method, "ping");
  auto bad = to_message(js(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":true})"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason, Reason::invalid_request);
  EXPECT_NE(bad.error().message.find("params"), std::string::npos);
}

TEST(Envelope, UnknownMembersAreDropped) {
  const Message m = parse_ok(R"({"jsonrpc":"2.0","id":1,"method":"ping","extra":{"x":1}})");
  EXPECT_EQ(serialize(m), R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
}

TEST(Envelope, SerializeRoundTripsAndMatchesToJson) {
  for (const char* body : {
           R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a\"b","arguments":{"n":1.5}}})",
           R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":0.5}})",
           R"({"jsonrpc":"2.0","id":"x","result":{"content":[{"type":"text","text":"line\nnext"}]}})",
           R"({"jsonrpc":"2.0","id":9,"error":{"code":-32001,"message":"denied","data":{"reason":"policy_denied"}}})",
           R"({"jsonrpc":"2.0","id":2,"method":"x","params":[]})",
       }) {
    const Message m = parse_ok(body);
    const std::string text = serialize(m);
    EXPECT_EQ(text, body);
    EXPECT_EQ(json::serialize(to_json(m)), text);
    const Message again = parse_ok(text);
    EXPECT_TRUE(same(m, again)) << body;
  }
}

TEST(Envelope, Builders) {
  Message m = make_request(5, "tools/list", json::Value::object());
  EXPECT_EQ(serialize(m), R"({"jsonrpc":"2.0","id":5,"method":"tools/list","params":{}})");
  m = make_notification("notifications/cancelled", js(R"({"requestId":5})"));
  EXPECT_EQ(serialize(m), R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}})");
  m = make_result("id-1", js(R"({"ok":true})"));
  EXPECT_EQ(serialize(m), R"({"jsonrpc":"2.0","id":"id-1","result":{"ok":true}})");
}

TEST(Envelope, MakeError) {
  Message m = make_error(3, core::Error{Reason::policy_denied, "denied by policy"});
  EXPECT_EQ(m.kind, Message::Kind::error);
  EXPECT_EQ(serialize(m),
            R"({"jsonrpc":"2.0","id":3,"error":{"code":-32001,"message":"denied by policy","data":{"reason":"policy_denied"}}})");
  // Extra data members are appended; "reason" cannot be overridden.
  m = make_error("a", core::Error{Reason::unknown_tool, "no such tool"},
                 js(R"({"tool":"crm__x","reason":"spoofed"})"));
  EXPECT_EQ(serialize(m),
            R"({"jsonrpc":"2.0","id":"a","error":{"code":-32602,"message":"no such tool","data":{"reason":"unknown_tool","tool":"crm__x"}}})");
  // Non-object extras are ignored; code override; empty message falls back to the reason name.
  m = make_error(json::Value(), core::Error{Reason::parse_error, ""}, json::Value(5), -32099);
  EXPECT_EQ(serialize(m),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32099,"message":"parse_error","data":{"reason":"parse_error"}}})");
  // What we build, we accept.
  EXPECT_TRUE(parse_body(serialize(m)).has_value());
}

TEST(Versions, NamesAndParsing) {
  const auto versions = supported_versions();
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(version_name(versions[0]), "2025-06-18");
  EXPECT_EQ(version_name(versions[1]), "2025-11-25");
  EXPECT_EQ(version_name(versions[2]), "2026-07-28");
  for (auto v : versions) EXPECT_EQ(parse_version(version_name(v)), v);
  EXPECT_FALSE(parse_version("2024-11-05").has_value());
  EXPECT_FALSE(parse_version("2025-06-18 ").has_value());
  EXPECT_FALSE(parse_version("").has_value());
  EXPECT_FALSE(is_stateless(ProtocolVersion::v2025_06_18));
  EXPECT_FALSE(is_stateless(ProtocolVersion::v2025_11_25));
  EXPECT_TRUE(is_stateless(ProtocolVersion::v2026_07_28));
}

TEST(Versions, NegotiateInitialize) {
  EXPECT_EQ(negotiate_initialize("2025-06-18"), ProtocolVersion::v2025_06_18);
  EXPECT_EQ(negotiate_initialize("2025-11-25"), ProtocolVersion::v2025_11_25);
  EXPECT_EQ(negotiate_initialize("2024-11-05"), kLatestSessionVersion);
  EXPECT_EQ(negotiate_initialize("garbage"), kLatestSessionVersion);
  EXPECT_EQ(negotiate_initialize("2026-07-28"), kLatestSessionVersion) << "stateless versions do not initialize";
}

TEST(Envelope, ResultKeptAsWrittenForPlainResponses) {
  const std::string text = R"({"result":{"content":[{"type":"text","text":"hi \u00e9"}], "z" : 1},"jsonrpc":"2.0","id":7})";
  auto m = parse_message_keeping_result(text);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->kind, Message::Kind::response);
  EXPECT_EQ(m->id, json::Value(7));
  EXPECT_TRUE(m->result.is_null());
  EXPECT_EQ(m->raw_result, R"({"content":[{"type":"text","text":"hi \u00e9"}], "z" : 1})");
  m->id = json::Value("client-1");
  // Forwarded byte for byte inside our envelope.
  EXPECT_EQ(serialize(*m), R"({"jsonrpc":"2.0","id":"client-1","result":{"content":[{"type":"text","text":"hi \u00e9"}], "z" : 1}})");
  Message built = *m;
  materialize_result(built);
  EXPECT_TRUE(built.raw_result.empty());
  EXPECT_EQ(built.result, js(R"({"content":[{"type":"text","text":"hi é"}],"z":1})"));
  EXPECT_EQ(to_json(*m), to_json(built));
  materialize_result(built);  // no-op the second time
  EXPECT_EQ(built.result, js(R"({"content":[{"type":"text","text":"hi é"}],"z":1})"));
}

TEST(Envelope, KeepingResultAgreesWithTheGeneralPath) {
  // Everything that is not a plain response goes through to_message(json::parse(...)) and gives the same answer.
  for (std::string_view text : {
           R"({"jsonrpc":"2.0","id":"a","result":[1,2]})",
           R"({"jsonrpc":"2.0","id":-0,"result":{}})",
           R"({"jsonrpc":"2.0","id":1.5,"result":{}})",
           R"({"jsonrpc":"2.0","id":"a\"b","result":{}})",
           R"({"jsonrpc":"2.0","id":99999999999999999999,"result":{}})",
           R"({"jsonrpc":"2.\u0030","id":1,"result":{}})",
           R"({"jsonrpc":"2.0","\u0069d":1,"result":{}})",
           R"({"jsonrpc":"1.0","id":1,"result":{}})",
           R"({"jsonrpc":"2.0","id":1,"result":{},"extra":true})",
           R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})",
           R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"m"}})",
           R"({"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":{"x":1}})",
           R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1}})",
           R"({"jsonrpc":"2.0","id":1,"result":{"a":1,"a":2}})",
           R"({"jsonrpc":"2.0","id":1})",
           R"([{"jsonrpc":"2.0","id":1,"result":{}}])",
           R"(not json)",
       }) {
    auto general_value = json::parse(text);
    core::Result<Message> general =
        general_value ? to_message(std::move(*general_value)) : core::fail(Reason::parse_error, "malformed");
    auto kept = parse_message_keeping_result(text);
    ASSERT_EQ(general.has_value(), kept.has_value()) << text;
    if (!general) {
      EXPECT_EQ(general.error().reason, kept.error().reason) << text;
      continue;
    }
    materialize_result(*kept);
    EXPECT_TRUE(same(*general, *kept)) << text;
    EXPECT_EQ(serialize(*general), serialize(*kept)) << text;
  }
}

}  // namespace
}  // namespace bulkhead::mcp
