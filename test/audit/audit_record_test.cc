// Record payload: canonical JSON (sorted members, absent fields omitted), exact round trip, strict decoding,
// RFC 3339 time parsing for --since/--until.
#include <gtest/gtest.h>

#include "audit/detail/record_json.h"
#include "audit_test_util.h"

namespace bulkhead::audit {
namespace {

using namespace bulkhead::audit::testing;

TEST(Record, RoundTripsEveryField) {
  AuditRecord r = sample_record("acme", 4);
  r.args_preview = "{\"q\":\"[REDACTED]\"}";
  r.resource = "crm://accounts/7";
  r.detail = json::Value::object();
  r.detail.set("event", "token_issue");
  const std::string payload = encode_record(r);
  auto back = decode_record(payload);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(encode_record(*back), payload);
  EXPECT_EQ(back->tenant, "acme");
  EXPECT_EQ(back->kind, r.kind);
  EXPECT_EQ(back->decision, r.decision);
  EXPECT_EQ(back->delegation_chain, r.delegation_chain);
  EXPECT_EQ(back->policy_ids, r.policy_ids);
  EXPECT_EQ(back->args_sha256, r.args_sha256);
  EXPECT_EQ(back->result, r.result);
  EXPECT_EQ(back->latency, r.latency);
  EXPECT_EQ(back->time, r.time);
  EXPECT_EQ(back->jsonrpc_id, r.jsonrpc_id);
  EXPECT_EQ(back->detail, r.detail);
}

TEST(Record, PayloadIsCanonicalJsonWithSortedMembers) {
  AuditRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::microseconds(1'780'000'000'000'001));
  r.kind = RecordKind::deny;
  r.decision = Decision::deny;
  r.reason = core::Reason::scope_insufficient;
  r.tenant = "t1";
  r.jsonrpc_id = "req-1";
  EXPECT_EQ(encode_record(r),
            "{\"decision\":\"deny\",\"jsonrpc_id\":\"req-1\",\"kind\":\"deny\",\"reason\":\"scope_insufficient\","
            "\"tenant\":\"t1\",\"time_us\":1780000000000001,\"v\":1}");
  auto parsed = json::parse(encode_record(r));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(json::canonicalize(*parsed), encode_record(r));
}

TEST(Record, DirectEncoderEqualsCanonicalizedValue) {
  const std::vector<std::string> texts = {"", "plain", "quote\" back\\slash", "ctl\x01\x1f\n\t", "ünïcødé ✓ 𝄞",
                                          "bad utf8 \xff\xfe", "=cmd|' /C calc'!A0", std::string("nul\0in", 6)};
  for (std::size_t i = 0; i < 64; ++i) {
    AuditRecord r = sample_record(texts[i % texts.size()], static_cast<int>(i));
    r.principal = texts[(i + 1) % texts.size()];
    r.args_preview = texts[(i + 2) % texts.size()];
    r.resource = texts[(i + 3) % texts.size()];
    r.delegation_chain = {texts[(i + 4) % texts.size()], "x"};
    if (i % 4 == 0) r.jsonrpc_id = json::Value(texts[(i + 5) % texts.size()]);
    if (i % 5 == 0) r.latency = std::chrono::microseconds(std::int64_t{1} << 60);  // beyond 2^53: double form
    if (i % 6 == 0) r.result->bytes = (std::uint64_t{1} << 62) + 3;
    if (i % 7 == 0) r.time = std::chrono::system_clock::time_point(std::chrono::microseconds(-1234567));
    if (i % 3 == 0) {
      r.detail = json::Value::object();
      r.detail.set("zeta", 1.5);
      r.detail.set("alpha", json::Value::array());
      r.detail.set("é", texts[i % texts.size()]);
    }
    if (i % 8 == 1) {
      r.args_sha256.reset();
      r.result.reset();
      r.latency.reset();
      r.reason.reset();
    }
    EXPECT_EQ(encode_record(r), json::canonicalize(detail::record_json(r))) << i;
  }
}

TEST(Record, LifecycleRecordKeepsDetail) {
  AuditRecord r;
  r.kind = RecordKind::lifecycle;
  r.detail = json::Value::object();
  r.detail.set("event", "session_end");
  r.detail.set("session", "abc");
  const std::string payload = encode_record(r);
  EXPECT_NE(payload.find("\"detail\":{\"event\":\"session_end\",\"session\":\"abc\"}"), std::string::npos);
  EXPECT_NE(payload.find("\"decision\":\"none\""), std::string::npos);
}

TEST(Record, StrictDecoding) {
  const std::string good = encode_record(sample_record("a", 1));
  EXPECT_TRUE(decode_record(good));
  EXPECT_FALSE(decode_record("not json"));
  EXPECT_FALSE(decode_record("[1]"));
  EXPECT_FALSE(decode_record("{\"v\":1,\"time_us\":1,\"kind\":\"invoke\"}"));  // no decision
  EXPECT_FALSE(decode_record("{\"decision\":\"allow\",\"kind\":\"invoke\",\"time_us\":1,\"v\":2}"));
  EXPECT_FALSE(decode_record("{\"decision\":\"allow\",\"kind\":\"poke\",\"time_us\":1,\"v\":1}"));
  EXPECT_FALSE(decode_record("{\"decision\":\"allow\",\"kind\":\"invoke\",\"reason\":\"nope\",\"time_us\":1,\"v\":1}"));
  EXPECT_FALSE(decode_record("{\"decision\":\"allow\",\"kind\":\"invoke\",\"time_us\":1,\"token\":\"x\",\"v\":1}"));
  EXPECT_FALSE(
      decode_record("{\"args_sha256\":\"ABCD\",\"decision\":\"allow\",\"kind\":\"invoke\",\"time_us\":1,\"v\":1}"));
  EXPECT_TRUE(decode_record("{\"decision\":\"allow\",\"kind\":\"invoke\",\"time_us\":1,\"v\":1}"));
  // Found by fuzz_audit: a time that overflows nanosecond clocks, negative latency.
  EXPECT_FALSE(decode_record("{\"decision\":\"allow\",\"kind\":\"invoke\",\"time_us\":9223372036854775,\"v\":1}"));
  EXPECT_FALSE(decode_record("{\"decision\":\"allow\",\"kind\":\"invoke\",\"time_us\":-5,\"v\":1}"));
  EXPECT_FALSE(decode_record(
      "{\"decision\":\"allow\",\"kind\":\"invoke\",\"latency_us\":-1,\"time_us\":1,\"v\":1}"));
}

TEST(Record, KindAndDecisionNames) {
  for (auto kind : {RecordKind::invoke, RecordKind::read, RecordKind::write, RecordKind::deny, RecordKind::lifecycle}) {
    EXPECT_EQ(kind_from_name(kind_name(kind)), kind);
  }
  for (auto d : {Decision::allow, Decision::deny, Decision::none}) EXPECT_EQ(decision_from_name(decision_name(d)), d);
  EXPECT_FALSE(kind_from_name("Invoke"));
}

TEST(Record, ParseTime) {
  using namespace std::chrono;
  const auto t = parse_time("2026-11-25T15:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(duration_cast<seconds>(t->time_since_epoch()).count(), 1795618800);
  EXPECT_EQ(parse_time("2026-11-25T16:00:00+01:00"), t);
  EXPECT_EQ(parse_time("1795618800"), t);
  const auto fractional = parse_time("2026-11-25T15:00:00.25Z");
  ASSERT_TRUE(fractional);
  EXPECT_EQ(duration_cast<milliseconds>(*fractional - *t).count(), 250);
  EXPECT_FALSE(parse_time("2026-11-25"));
  EXPECT_FALSE(parse_time("2026-13-25T15:00:00Z"));
  EXPECT_FALSE(parse_time("2026-11-25T15:00:00"));
  EXPECT_FALSE(parse_time("yesterday"));
  EXPECT_FALSE(parse_time("99999999999999"));        // beyond what system_clock can hold
  EXPECT_FALSE(parse_time("9999-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace bulkhead::audit
