// Values and Cedar JSON forms: set/record normalization, entities and requests from JSON.
#include <string>

#include <gtest/gtest.h>

#include "test_util.h"

namespace bulkhead::policy {
namespace {

Value from(std::string_view text, JsonMode mode = JsonMode::strict) {
  auto json = json::parse(text);
  EXPECT_TRUE(json);
  auto value = value_from_json(*json, mode);
  EXPECT_TRUE(value) << text;
  return value ? *value : Value();
}

TEST(PolicyValue, Normalization) {
  EXPECT_EQ(Value::set({Value(2), Value(1), Value(2)}).as_set().size(), 2u);
  const Value r = Value::record({{"b", Value(1)}, {"a", Value(2)}, {"b", Value(3)}});
  ASSERT_EQ(r.as_record().size(), 2u);
  EXPECT_EQ(r.as_record()[0].first, "a");
  EXPECT_EQ(*r.find("b"), Value(3));
  Value s = Value::record({});
  s.set_field("z", Value(1)).set_field("a", Value(2)).set_field("z", Value(3));
  EXPECT_EQ(json::serialize(value_to_json(s)), R"({"a":2,"z":3})");
}

TEST(PolicyValue, FromJson) {
  EXPECT_EQ(from(R"({"__entity":{"type":"T","id":"x"}})"), Value(EntityUid{"T", "x"}));
  EXPECT_EQ(from(R"([1, 1, "a"])"), Value::set({Value(1), Value("a")}));
  EXPECT_EQ(from(R"({"type":"T","id":"x"})").kind(), Value::Kind::record);  // no schema: a record
  auto null_json = json::parse("null");
  EXPECT_FALSE(value_from_json(*null_json));
  EXPECT_EQ(from("1.5", JsonMode::lenient).kind(), Value::Kind::unknown);
  auto ext = json::parse(R"({"__extn":{"fn":"ip","arg":"1.2.3.4"}})");
  EXPECT_FALSE(value_from_json(*ext));
}

TEST(PolicyValue, EntitiesAndRequestFromJson) {
  auto json = json::parse(R"([
    {"uid":{"type":"Agent","id":"a"},"attrs":{"n":1},"parents":[{"type":"Tenant","id":"t"}]},
    {"uid":{"__entity":{"type":"Tenant","id":"t"}},"attrs":{},"parents":[{"type":"Org","id":"o"}]}
  ])");
  ASSERT_TRUE(json);
  auto entities = Entities::from_json(*json);
  ASSERT_TRUE(entities) << entities.error().message;
  EXPECT_TRUE(entities->is_in(EntityUid{"Agent", "a"}, EntityUid{"Org", "o"}));
  EXPECT_EQ(*entities->find(EntityUid{"Agent", "a"})->attrs.find("n"), Value(1));

  auto dup = json::parse(R"([{"uid":{"type":"A","id":"a"}},{"uid":{"type":"A","id":"a"}}])");
  EXPECT_FALSE(Entities::from_json(*dup));
  auto bad = json::parse(R"([{"uid":{"type":"A","id":"a"},"attrs":[]}])");
  EXPECT_FALSE(Entities::from_json(*bad));

  auto request_json = json::parse(R"({"principal":{"type":"Agent","id":"a"},"action":{"type":"Action","id":"tools/call"},
      "resource":{"type":"Tool","id":"t"},"context":{"x":[1]}})");
  auto request = request_from_json(*request_json);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->action.id, "tools/call");
  EXPECT_EQ(*request->context.find("x"), Value::set({Value(1)}));
  auto missing = json::parse(R"({"principal":{"type":"Agent","id":"a"}})");
  EXPECT_FALSE(request_from_json(*missing));
}

TEST(PolicyValue, ManyEntitiesUseTheHashIndex) {
  Entities entities;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(entities.add(Entity{EntityUid{"E", std::to_string(i)}, Value::record({}),
                                    {EntityUid{"E", std::to_string(i + 1)}}}));
  }
  EXPECT_NE(entities.find(EntityUid{"E", "42"}), nullptr);
  EXPECT_EQ(entities.find(EntityUid{"E", "420"}), nullptr);
  EXPECT_TRUE(entities.is_in(EntityUid{"E", "0"}, EntityUid{"E", "100"}));
  EXPECT_FALSE(entities.add(Entity{EntityUid{"E", "5"}, Value::record({}), {}}));
}

TEST(PolicyValue, UidToString) {
  EXPECT_EQ(to_string(EntityUid{"A::B", "x\"y"}), "A::B::\"x\\\"y\"");
}

}  // namespace
}  // namespace bulkhead::policy
