#include "json/json.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace bulkhead::json {
namespace {

Value parse_ok(std::string_view text, const ParseLimits& limits = {}) {
  auto parsed = parse(text, limits);
  EXPECT_TRUE(parsed.has_value()) << "input: " << text << " error: " << (parsed ? "" : parsed.error().message);
  return parsed ? std::move(*parsed) : Value();
}

bool parse_fails(std::string_view text, const ParseLimits& limits = {}) { return !parse(text, limits).has_value(); }

double from_bits(std::uint64_t bits) { return std::bit_cast<double>(bits); }

// ---- Value ----

TEST(Value, TypesAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(nullptr).is_null());
  EXPECT_TRUE(Value(true).as_bool());
  EXPECT_EQ(Value(7).type(), Value::Type::integer);
  EXPECT_EQ(Value(std::int64_t{-7}).as_int(), -7);
  EXPECT_EQ(Value(std::uint64_t{5}).type(), Value::Type::integer) << "unsigned values that fit are integers";
  const Value big(std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(big.type(), Value::Type::unsigned_integer);
  EXPECT_TRUE(big.is_integer());
  EXPECT_EQ(big.as_int(), 0) << "does not fit int64";
  EXPECT_EQ(big.as_uint(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(Value(-1).as_uint(), 0u);
  EXPECT_DOUBLE_EQ(Value(2.5).as_double(), 2.5);
  EXPECT_DOUBLE_EQ(Value(3).as_double(), 3.0);
  EXPECT_EQ(Value("x").as_string(), "x");
  EXPECT_EQ(Value(std::string_view("y")).as_string(), "y");
  EXPECT_TRUE(Value::object().is_object());
  EXPECT_TRUE(Value::array().is_array());
  EXPECT_FALSE(Value("1").is_number());
  EXPECT_TRUE(Value(1.5).is_number());
  EXPECT_FALSE(Value(1.5).is_integer());
}

TEST(Value, ObjectHelpers) {
  Value v;
  v.set("a", 1);
  v.set("b", "two");
  v.set("a", 3);  // replaces in place
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.as_object().size(), 2u);
  EXPECT_EQ(v.as_object()[0].first, "a");
  EXPECT_EQ(v.find("a")->as_int(), 3);
  ASSERT_NE(v.find_string("b"), nullptr);
  EXPECT_EQ(*v.find_string("b"), "two");
  EXPECT_EQ(v.find_string("a"), nullptr) << "not a string";
  EXPECT_EQ(v.find("zz"), nullptr);
  EXPECT_TRUE(v.erase("a"));
  EXPECT_FALSE(v.erase("a"));
  EXPECT_EQ(v.find("a"), nullptr);
  EXPECT_EQ(Value(5).find("a"), nullptr);
  EXPECT_EQ(Value("s").find_string("a"), nullptr);
  Value& nested = v.set("n", Value::object());
  nested.set("x", true);
  EXPECT_TRUE(v.find("n")->find("x")->as_bool());
}

TEST(Value, ArrayHelpers) {
  Value v;
  v.push_back(1);
  v.push_back("x").as_string() += "y";
  ASSERT_TRUE(v.is_array());
  ASSERT_EQ(v.as_array().size(), 2u);
  EXPECT_EQ(v.as_array()[1].as_string(), "xy");
}

TEST(Value, Equality) {
  EXPECT_EQ(Value(std::int64_t{5}), Value(std::uint64_t{5}));
  EXPECT_NE(Value(5), Value(5.0)) << "integers and doubles are different types";
  EXPECT_NE(Value(-1), Value(std::numeric_limits<std::uint64_t>::max()));
  EXPECT_EQ(parse_ok(R"({"a":1,"b":[true,null]})"), parse_ok(R"({"b":[true,null],"a":1})"))
      << "object equality ignores member order";
  EXPECT_NE(parse_ok(R"({"a":1})"), parse_ok(R"({"a":1,"b":2})"));
  EXPECT_NE(parse_ok(R"({"a":1,"c":2})"), parse_ok(R"({"a":1,"b":2})"));
  EXPECT_NE(parse_ok(R"([1,2])"), parse_ok(R"([2,1])"));
  EXPECT_NE(Value("a"), Value("b"));
  EXPECT_NE(Value(), Value(false));
  EXPECT_EQ(Value(), Value(nullptr));
}

// ---- parse ----

TEST(Parse, Scalars) {
  EXPECT_TRUE(parse_ok("null").is_null());
  EXPECT_TRUE(parse_ok(" true ").as_bool());
  EXPECT_FALSE(parse_ok("false").as_bool());
  EXPECT_EQ(parse_ok("\"hi\"").as_string(), "hi");
  EXPECT_EQ(parse_ok("42").as_int(), 42);
  EXPECT_EQ(parse_ok("-42").as_int(), -42);
  EXPECT_EQ(parse_ok("1.0").type(), Value::Type::floating);
  EXPECT_EQ(parse_ok("1e2").type(), Value::Type::floating);
  EXPECT_DOUBLE_EQ(parse_ok("-2.5E-3").as_double(), -0.0025);
}

TEST(Parse, IntegerRanges) {
  EXPECT_EQ(parse_ok("9223372036854775807").as_int(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_ok("-9223372036854775808").as_int(), std::numeric_limits<std::int64_t>::min());
  const Value u = parse_ok("18446744073709551615");
  EXPECT_EQ(u.type(), Value::Type::unsigned_integer);
  EXPECT_EQ(u.as_uint(), std::numeric_limits<std::uint64_t>::max());
  const Value u2 = parse_ok("9223372036854775808");
  EXPECT_EQ(u2.type(), Value::Type::unsigned_integer);
  EXPECT_EQ(u2.as_uint(), 9223372036854775808ull);
}

TEST(Parse, IntegersBeyond64BitsBecomeDoubles) {
  Value v = parse_ok("18446744073709551616");
  EXPECT_EQ(v.type(), Value::Type::floating);
  EXPECT_EQ(v.as_double(), 18446744073709551616.0);
  v = parse_ok("-9223372036854775809");
  EXPECT_EQ(v.type(), Value::Type::floating);
  EXPECT_EQ(v.as_double(), -9223372036854775809.0);
  v = parse_ok(R"({"s":"123456789012345678901234567890","n":[123456789012345678901234567890,1,-0]})");
  EXPECT_EQ(*v.find_string("s"), "123456789012345678901234567890") << "strings are never rewritten";
  const Array& n = v.find("n")->as_array();
  EXPECT_EQ(n[0].type(), Value::Type::floating);
  EXPECT_EQ(n[0].as_double(), 1.2345678901234568e29);
  EXPECT_EQ(n[1].as_int(), 1);
  EXPECT_EQ(n[2].as_int(), 0);
  // A string with escaped quotes before the number does not confuse the rewrite.
  v = parse_ok(R"(["a\"b\\",99999999999999999999])");
  EXPECT_EQ(v.as_array()[0].as_string(), "a\"b\\");
  EXPECT_EQ(v.as_array()[1].as_double(), 1e20);
  // Out of double range, and malformed big numbers, stay errors.
  EXPECT_TRUE(parse_fails("1e400"));
  EXPECT_TRUE(parse_fails("-1e400"));
  EXPECT_TRUE(parse_fails("[123456789012345678901234567890x]"));
  EXPECT_TRUE(parse_fails("[0123456789012345678901234567890]"));
  EXPECT_TRUE(parse_fails("[123456789012345678901234567890,]"));
  EXPECT_TRUE(parse_fails(std::string(400, '9')));
}

TEST(Parse, NestedStructuresKeepOrder) {
  const Value v = parse_ok(R"( { "z" : [ 1 , { "b" : null , "a" : "x" } ] , "a" : {} , "m" : [] } )");
  const Object& o = v.as_object();
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o[0].first, "z");
  EXPECT_EQ(o[1].first, "a");
  EXPECT_EQ(o[2].first, "m");
  const Object& inner = o[0].second.as_array()[1].as_object();
  EXPECT_EQ(inner[0].first, "b");
  EXPECT_EQ(inner[1].first, "a");
  EXPECT_TRUE(o[1].second.as_object().empty());
  EXPECT_TRUE(o[2].second.as_array().empty());
}

TEST(Parse, StringEscapes) {
  const Value v = parse_ok(R"(["\"\\\/\b\f\n\r\t","\u0000","\u00e9\u20ac","\ud83d\ude00","\uD83D\uDE00"])");
  const Array& a = v.as_array();
  EXPECT_EQ(a[0].as_string(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(a[1].as_string(), std::string(1, '\0'));
  EXPECT_EQ(a[2].as_string(), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(a[3].as_string(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(a[4].as_string(), "\xF0\x9F\x98\x80");
  // Raw UTF-8 passes through.
  EXPECT_EQ(parse_ok("\"\xC3\xA9\xF0\x9F\x98\x80\"").as_string(), "\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(Parse, RejectsMalformedJson) {
  for (const char* bad : {
           "", " ", "nul", "tru", "truex", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{1:2}",
           "{a:1}", "['a']", "[1 2]", "[\"a\"\"b\"]", "[[]", "[]]", "{\"a\":1}x", "{\"a\":1}{}", "[01]", "[-01]",
           "[1.]", "[.5]", "[-]", "[1e]", "[1e5x]", "[+1]", "[NaN]", "[Infinity]", "[-Infinity]", "[0x10]",
           "[\"\\x\"]", "[\"\\u12\"]", "[\"\t\"]", "[\"a\nb\"]", "\"unterminated", "[\"\\ud800\"]",
           "[\"\\udc00\\ud800\"]", "[\"\\ud800\\u0041\"]", "// c\n1", "\xEF\xBB\xBF[1]", "[1]]", "{\"a\"}",
           "{\"a\":}", "{,}", "[true false]",
       }) {
    EXPECT_TRUE(parse_fails(bad)) << "accepted: " << bad;
  }
  EXPECT_TRUE(parse_fails(std::string_view("[1]\0", 4))) << "trailing NUL";
  EXPECT_TRUE(parse_fails(std::string_view("\"a\0b\"", 5))) << "raw NUL in string";
}

TEST(Parse, RejectsInvalidUtf8) {
  for (const char* bad : {
           "\"\xFF\"",              // never valid
           "\"\xC0\xAF\"",          // overlong '/'
           "\"\xE0\x80\xAF\"",      // overlong
           "\"\xED\xA0\x80\"",      // UTF-16 surrogate encoded in UTF-8
           "\"\xF4\x90\x80\x80\"",  // above U+10FFFF
           "\"\xC3\"",              // truncated
           "\"\xE2\x82\"",          // truncated
           "\"\x80\"",              // lone continuation byte
           "{\"\xFF\":1}",          // in a member name
           "[1]\xFF",               // outside strings
       }) {
    auto r = parse(bad);
    EXPECT_FALSE(r.has_value()) << "accepted invalid UTF-8";
  }
}

TEST(Parse, DuplicateMemberNamesAreRejected) {
  EXPECT_TRUE(parse_fails(R"({"method":"a","method":"b"})"));
  EXPECT_TRUE(parse_fails(R"({"x":{"a":1,"b":2,"a":3}})"));
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  EXPECT_FALSE(parse_fails(big.substr(0, big.size() - 1) + "}"));
  EXPECT_TRUE(parse_fails(big + "\"k17\":0}"));
  // Same name after unescaping is a duplicate too.
  EXPECT_TRUE(parse_fails(R"({"a":1,"\u0061":2})"));
}

TEST(Parse, DepthLimit) {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_FALSE(parse_fails(nested(128)));
  EXPECT_TRUE(parse_fails(nested(129)));
  EXPECT_TRUE(parse_fails(nested(100000))) << "deep input is an error, not a crash";
  ParseLimits shallow;
  shallow.max_depth = 2;
  EXPECT_FALSE(parse_fails(R"({"a":[1]})", shallow));
  EXPECT_TRUE(parse_fails(R"({"a":[[1]]})", shallow));
  EXPECT_FALSE(parse_fails("1", shallow));
  ParseLimits deep;
  deep.max_depth = 3000;
  EXPECT_FALSE(parse_fails(nested(3000), deep));
  EXPECT_TRUE(parse_fails(nested(3001), deep));
  // The default limit still applies afterwards on this thread.
  EXPECT_TRUE(parse_fails(nested(129)));
  std::string objects;
  for (int i = 0; i < 129; ++i) objects += "{\"a\":";
  objects += "1" + std::string(129, '}');
  EXPECT_TRUE(parse_fails(objects));
}

TEST(Parse, SizeLimit) {
  ParseLimits small;
  small.max_bytes = 8;
  EXPECT_FALSE(parse_fails("[1,2,3]", small));
  EXPECT_TRUE(parse_fails("[1,2,3,4]", small));
}

TEST(Parse, LargeDocumentThenSmallOnes) {
  std::string doc = "[";
  for (int i = 0; i < 200000; ++i) doc += "\"item-" + std::to_string(i) + "\",";
  doc.back() = ']';
  const Value v = parse_ok(doc);
  EXPECT_EQ(v.as_array().size(), 200000u);
  EXPECT_EQ(parse_ok("[1]").as_array().size(), 1u);
}

TEST(Parse, ConcurrentThreads) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 2000; ++i) {
        const std::string text = R"({"t":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + R"(,"s":"x"})";
        auto v = parse(text);
        if (!v || v->find("t")->as_int() != t || v->find("i")->as_int() != i) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// ---- serialize ----

TEST(Serialize, Compact) {
  Value v;
  v.set("jsonrpc", "2.0");
  v.set("id", 1);
  v.set("params", Value::object()).set("list", Array{Value(1), Value(true), Value(), Value("x")});
  EXPECT_EQ(serialize(v), R"({"jsonrpc":"2.0","id":1,"params":{"list":[1,true,null,"x"]}})");
  EXPECT_EQ(serialize(Value::object()), "{}");
  EXPECT_EQ(serialize(Value::array()), "[]");
  std::string out = "prefix:";
  serialize_to(Value(false), out);
  EXPECT_EQ(out, "prefix:false");
}

TEST(Serialize, Integers) {
  EXPECT_EQ(serialize(Value(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(serialize(Value(std::numeric_limits<std::int64_t>::max())), "9223372036854775807");
  EXPECT_EQ(serialize(Value(std::numeric_limits<std::uint64_t>::max())), "18446744073709551615");
  EXPECT_EQ(serialize(Value(0)), "0");
}

TEST(Serialize, Doubles) {
  EXPECT_EQ(serialize(Value(0.1)), "0.1");
  EXPECT_EQ(serialize(Value(-2.5)), "-2.5");
  EXPECT_EQ(serialize(Value(5.0)), "5.0") << "stays a double when read back";
  EXPECT_EQ(serialize(Value(-0.0)), "-0.0");
  EXPECT_EQ(serialize(Value(1e100)), "1e+100");
  EXPECT_EQ(serialize(Value(1e-7)), "1e-07");
  EXPECT_EQ(serialize(Value(5e-324)), "5e-324");
  EXPECT_EQ(serialize(Value(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(serialize(Value(-std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(serialize(Value(std::numeric_limits<double>::quiet_NaN())), "null");
  for (double d : {0.1, 1.0 / 3, 123456789.123456789, 1e21, 1e22, 1.7976931348623157e308, 2.2250738585072014e-308,
                   -0.0, 9007199254740993.0, 1.2345678901234567e17}) {
    const Value back = parse_ok(serialize(Value(d)));
    ASSERT_EQ(back.type(), Value::Type::floating) << serialize(Value(d));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(back.as_double()), std::bit_cast<std::uint64_t>(d))
        << "shortest form must round-trip exactly: " << serialize(Value(d));
  }
}

TEST(Serialize, StringEscapes) {
  EXPECT_EQ(serialize(Value("a\"b\\c")), R"("a\"b\\c")");
  EXPECT_EQ(serialize(Value("\b\f\n\r\t")), R"("\b\f\n\r\t")");
  EXPECT_EQ(serialize(Value(std::string("\x00\x01\x1f", 3))), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(serialize(Value("/\x7f")), "\"/\x7f\"") << "'/' and DEL are not escaped";
  EXPECT_EQ(serialize(Value("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80")), "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
  // Long strings exercise the 8-byte fast path with escapes at every position.
  for (std::size_t pos = 0; pos < 24; ++pos) {
    const std::string head(pos, 'a');
    const std::string tail(23 - pos, 'a');
    std::string expected;
    expected.append("\"").append(head).append("\\\"").append(tail).append("\"");
    EXPECT_EQ(serialize(Value(head + '"' + tail)), expected);
    expected.clear();
    expected.append("\"").append(head).append("\\u0001").append(tail).append("\"");
    EXPECT_EQ(serialize(Value(head + '\x01' + tail)), expected);
  }
  std::string out;
  append_quoted("k", out);
  EXPECT_EQ(out, "\"k\"");
}

TEST(Serialize, MalformedUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(serialize(Value("a\xFF" "b")), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(serialize(Value("\xC3")), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(serialize(Value("\xED\xA0\x80")), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(serialize(Value("12345678\xC0\xAF")), "\"12345678\xEF\xBF\xBD\xEF\xBF\xBD\"");
  // Whatever the bytes, the output parses.
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_TRUE(parse(serialize(Value(all))).has_value());
}

TEST(Serialize, RoundTrips) {
  for (const char* text : {
           R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"crm__lookup","arguments":{"q":"x"}}})",
           R"([1,-1,1.5,-0.0,1e+100,"s",true,false,null,{},[],{"a":[{"b":{}}]}])",
           R"(["\u0000\u001f","\"\\","é€😀"])",
           R"(18446744073709551615)",
           R"(-9223372036854775808)",
       }) {
    const Value v = parse_ok(text);
    EXPECT_EQ(serialize(v), text);
    EXPECT_EQ(parse_ok(serialize(v)), v);
  }
}

// ---- RFC 8785 ----

TEST(Canonicalize, Rfc8785MainExample) {
  // RFC 8785 section 3.2.2 input and section 3.2.3 output.
  const Value v = parse_ok(R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })");
  EXPECT_EQ(canonicalize(v),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

TEST(Canonicalize, Rfc8785SortingExample) {
  // RFC 8785 section 3.2.3: members sorted by UTF-16 code units (U+1F600 sorts before U+FB33).
  const Value v = parse_ok(R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })");
  EXPECT_EQ(canonicalize(v),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
            "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\",\"\xE2\x82\xAC\":\"Euro Sign\","
            "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\",\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST(Canonicalize, Rfc8785NumberSamples) {
  // RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript serialization.
  const std::pair<std::uint64_t, const char*> samples[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& [bits, expected] : samples) {
    EXPECT_EQ(canonicalize(Value(from_bits(bits))), expected) << std::hex << bits;
  }
  // Non-finite numbers have no JSON form (RFC 8785 requires an error); the writer emits null.
  EXPECT_EQ(canonicalize(Value(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(canonicalize(Value(std::numeric_limits<double>::infinity())), "null");
}

TEST(Canonicalize, MoreNumbers) {
  EXPECT_EQ(canonicalize(Value(5.0)), "5");
  EXPECT_EQ(canonicalize(Value(100.0)), "100");
  EXPECT_EQ(canonicalize(Value(1e20)), "100000000000000000000");
  EXPECT_EQ(canonicalize(Value(1e21)), "1e+21");
  EXPECT_EQ(canonicalize(Value(1.5e-7)), "1.5e-7");
  EXPECT_EQ(canonicalize(Value(0.1)), "0.1");
  EXPECT_EQ(canonicalize(Value(-1.23e-18)), "-1.23e-18");
  EXPECT_EQ(canonicalize(Value(123.456)), "123.456");
  // Integers stay exact integers, even beyond 2^53.
  EXPECT_EQ(canonicalize(parse_ok("9007199254740993")), "9007199254740993");
  EXPECT_EQ(canonicalize(parse_ok("18446744073709551615")), "18446744073709551615");
  EXPECT_EQ(canonicalize(parse_ok("-0")), "0");
  EXPECT_EQ(canonicalize(parse_ok("-0.0")), "0");
}

TEST(Canonicalize, NestedSortingAndEscapes) {
  const Value v = parse_ok(R"({"b":[{"z":1,"a":{"y":2,"x":[]}}],"a":"\u0000\u007f"})");
  EXPECT_EQ(canonicalize(v), "{\"a\":\"\\u0000\x7f\",\"b\":[{\"a\":{\"x\":[],\"y\":2},\"z\":1}]}");
  // Canonical form is independent of member order and whitespace.
  EXPECT_EQ(canonicalize(parse_ok(R"({"name":"t","inputSchema":{"type":"object","properties":{"q":{}}}})")),
            canonicalize(parse_ok(R"( { "inputSchema" : { "properties" : { "q" : { } } , "type" : "object" } ,
                                        "name" : "t" } )")));
  // Member names compare by code unit, not by locale: "B" < "a" < "aa" < "b".
  EXPECT_EQ(canonicalize(parse_ok(R"({"b":0,"aa":0,"a":0,"B":0,"":0})")), R"({"":0,"B":0,"a":0,"aa":0,"b":0})");
}

// ---- validate / split_object ----

TEST(Validate, AcceptsAndRefusesWhatParseDoes) {
  for (std::string_view text : {R"({"a":[1,2.5,"x",null,true]})", "12345678901234567890123", R"("s")", "[]",
                                R"({"n":1e308})"}) {
    EXPECT_TRUE(validate(text).has_value()) << text;
    EXPECT_TRUE(parse(text).has_value()) << text;
  }
  for (std::string_view text : {"", "{", R"({"a":1,"a":2})", R"([{"x":{"y":1,"y":1}}])", "[1,]", "nul",
                                "\"\xff\"", R"({"a":1} x)"}) {
    EXPECT_FALSE(validate(text).has_value()) << text;
    EXPECT_FALSE(parse(text).has_value()) << text;
  }
  ParseLimits shallow;
  shallow.max_depth = 2;
  EXPECT_TRUE(validate("[[1]]", shallow).has_value());
  EXPECT_FALSE(validate("[[[1]]]", shallow).has_value());
  shallow.max_bytes = 3;
  EXPECT_FALSE(validate("[1,2]", shallow).has_value());
}

TEST(SplitObject, MembersAsTextInOrder) {
  const std::string_view text = " { \"b\" : {\"x\":[1,{\"y\":\"}]\\\"\"}]} ,\"a\":\"q\\\"}\" ,\"esc\\u0061\":-1.5e3,\"n\":null } ";
  ASSERT_TRUE(validate(text).has_value());
  std::vector<RawMember> members;
  ASSERT_TRUE(split_object(text, members));
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[0].key, "b");
  EXPECT_EQ(members[0].value, R"({"x":[1,{"y":"}]\""}]})");
  EXPECT_EQ(members[1].key, "a");
  EXPECT_EQ(members[1].value, R"("q\"}")");
  EXPECT_FALSE(members[1].key_escaped);
  EXPECT_EQ(members[2].key, R"(esc\u0061)");
  EXPECT_TRUE(members[2].key_escaped);
  EXPECT_EQ(members[2].value, "-1.5e3");
  EXPECT_EQ(members[3].value, "null");
  // Each value is the text of exactly that member.
  const Value tree = parse_ok(text);
  EXPECT_EQ(parse_ok(members[0].value), *tree.find("b"));
  EXPECT_EQ(parse_ok(members[1].value), *tree.find("a"));

  EXPECT_TRUE(split_object("{}", members));
  EXPECT_TRUE(members.empty());
  EXPECT_FALSE(split_object("[1]", members));
  EXPECT_FALSE(split_object(R"("{")", members));
  // A string ending in an escaped backslash closes normally.
  ASSERT_TRUE(split_object(R"({"k":"a\\","z":1})", members));
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].value, R"("a\\")");
  EXPECT_EQ(members[1].value, "1");
}

}  // namespace
}  // namespace bulkhead::json
