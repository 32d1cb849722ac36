#include "core/core.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace bulkhead::core {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

TEST(Reason, NamesAreTheEnumIdentifiers) {
  EXPECT_EQ(reason_name(Reason::unauthenticated), "unauthenticated");
  EXPECT_EQ(reason_name(Reason::policy_denied), "policy_denied");
  EXPECT_EQ(reason_name(Reason::tenant_not_bound), "tenant_not_bound");
  EXPECT_EQ(reason_name(Reason::session_identity_mismatch), "session_identity_mismatch");
  EXPECT_EQ(reason_name(Reason::unsupported_protocol_version), "unsupported_protocol_version");
  EXPECT_EQ(reason_name(Reason::batch_not_supported), "batch_not_supported");
  EXPECT_EQ(reason_name(Reason::origin_not_allowed), "origin_not_allowed");
  EXPECT_EQ(reason_name(Reason::shutting_down), "shutting_down");
  EXPECT_EQ(reason_name(Reason::internal_error), "internal_error");
}

TEST(Reason, EveryReasonRoundTripsAndNamesAreUnique) {
  const auto all = all_reasons();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(Reason::internal_error) + 1);
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(all[i]), i) << "all_reasons() must be in declaration order";
    const std::string_view name = reason_name(all[i]);
    EXPECT_FALSE(name.empty());
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    const auto back = reason_from_name(name);
    ASSERT_TRUE(back.has_value()) << name;
    EXPECT_EQ(*back, all[i]);
  }
}

TEST(Reason, UnknownNamesAreRejected) {
  EXPECT_FALSE(reason_from_name("").has_value());
  EXPECT_FALSE(reason_from_name("Policy_Denied").has_value());
  EXPECT_FALSE(reason_from_name("policy_denied ").has_value());
  EXPECT_FALSE(reason_from_name("nope").has_value());
}

TEST(Result, FailCarriesReasonAndMessage) {
  Result<int> r = fail(Reason::token_expired, "expired 3s ago");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, Reason::token_expired);
  EXPECT_EQ(r.error().message, "expired 3s ago");
}

TEST(Clock, FakeClockAdvancesBothTimelines) {
  const auto start = std::chrono::system_clock::time_point{} + std::chrono::seconds(1'790'000'000);
  FakeClock clock(start);
  EXPECT_EQ(clock.now(), start);
  const auto steady0 = clock.steady_now();
  clock.advance(1500ms);
  EXPECT_EQ(clock.now(), start + 1500ms);
  EXPECT_EQ(clock.steady_now() - steady0, 1500ms);
  clock.advance(-500ms);
  EXPECT_EQ(clock.now(), start + 1000ms);
}

TEST(Clock, FakeClockIsSafeFromManyThreads) {
  FakeClock clock(std::chrono::system_clock::time_point{});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&clock] {
      for (int i = 0; i < 1000; ++i) clock.advance(1ns);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.now().time_since_epoch(), std::chrono::nanoseconds(4000));
}

TEST(Clock, SystemClockMovesForward) {
  SystemClock clock;
  const auto a = clock.steady_now();
  const auto b = clock.steady_now();
  EXPECT_LE(a, b);
  EXPECT_GT(clock.now().time_since_epoch().count(), 0);
}

TEST(Rng, SystemRngProducesDistinctValues) {
  SystemRng rng;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(random_hex(rng, 16));
  EXPECT_EQ(seen.size(), 100u);
  for (const auto& s : seen) EXPECT_EQ(s.size(), 32u);
  // Large fills work and are not all zero.
  std::vector<std::uint8_t> big(1 << 16);
  rng.fill(big);
  std::size_t zeros = 0;
  for (auto b : big) zeros += b == 0;
  EXPECT_LT(zeros, big.size() / 64);
}

TEST(Rng, SeededRngIsDeterministic) {
  SeededRng a(42);
  SeededRng b(42);
  SeededRng c(43);
  const std::string x = random_hex(a, 20);
  EXPECT_EQ(x, random_hex(b, 20));
  EXPECT_NE(x, random_hex(c, 20));
  EXPECT_NE(x, random_hex(a, 20));  // the stream advances
  // splitmix64 reference: first output for seed 0 is 0xe220a8397b1dcdaf (little-endian bytes here).
  SeededRng zero(0);
  EXPECT_EQ(random_hex(zero, 8), "afcd1d7b39a820e2");
}

TEST(Rng, RandomHexLengthAndAlphabet) {
  SeededRng rng(7);
  EXPECT_EQ(random_hex(rng, 0), "");
  const std::string h = random_hex(rng, 33);
  EXPECT_EQ(h.size(), 66u);
  for (char c : h) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
}

TEST(Hex, EncodeDecode) {
  EXPECT_EQ(hex_encode(bytes_of("")), "");
  EXPECT_EQ(hex_encode(std::vector<std::uint8_t>{0x00, 0x01, 0xab, 0xff}), "0001abff");
  EXPECT_EQ(hex_decode("0001abff"), (std::vector<std::uint8_t>{0x00, 0x01, 0xab, 0xff}));
  EXPECT_EQ(hex_decode("0001ABFF"), (std::vector<std::uint8_t>{0x00, 0x01, 0xab, 0xff}));
  EXPECT_EQ(hex_decode(""), std::vector<std::uint8_t>{});
  EXPECT_FALSE(hex_decode("abc").has_value());
  EXPECT_FALSE(hex_decode("zz").has_value());
  EXPECT_FALSE(hex_decode("0x").has_value());
  EXPECT_FALSE(hex_decode(" 00").has_value());
  EXPECT_FALSE(hex_decode(std::string_view("\0\0", 2)).has_value());
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    EXPECT_EQ(base64_decode(encoded), bytes_of(plain)) << encoded;
    std::string url = encoded;
    while (!url.empty() && url.back() == '=') url.pop_back();
    EXPECT_EQ(base64url_encode(as_bytes(plain)), url);
    EXPECT_EQ(base64url_decode(url), bytes_of(plain)) << url;
    EXPECT_EQ(base64url_decode(encoded), bytes_of(plain)) << "padding is optional for base64url";
  }
}

TEST(Base64, AlphabetsDiffer) {
  const std::vector<std::uint8_t> data{0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64_encode(data), "+/+/");
  EXPECT_EQ(base64url_encode(data), "-_-_");
  EXPECT_EQ(base64_decode("+/+/"), data);
  EXPECT_EQ(base64url_decode("-_-_"), data);
  EXPECT_FALSE(base64_decode("-_-_").has_value());
  EXPECT_FALSE(base64url_decode("+/+/").has_value());
}

TEST(Base64, StrictDecoding) {
  // Standard base64 must be padded.
  EXPECT_FALSE(base64_decode("Zg").has_value());
  EXPECT_FALSE(base64_decode("Zm8").has_value());
  // Bad padding.
  EXPECT_FALSE(base64_decode("Z===").has_value());
  EXPECT_FALSE(base64_decode("Zg=").has_value());
  EXPECT_FALSE(base64_decode("Zm8==").has_value());
  EXPECT_FALSE(base64_decode("Zg==Zg==").has_value());
  EXPECT_FALSE(base64_decode("=Zg=").has_value());
  EXPECT_FALSE(base64url_decode("Zg=").has_value());
  EXPECT_FALSE(base64url_decode("Zm8==").has_value());
  // Non-canonical trailing bits ("Zh==" would also decode to "f" in a lax decoder).
  EXPECT_FALSE(base64_decode("Zh==").has_value());
  EXPECT_FALSE(base64url_decode("Zh").has_value());
  EXPECT_FALSE(base64url_decode("Zm9=").has_value());
  // Impossible length, whitespace and foreign characters.
  EXPECT_FALSE(base64url_decode("Z").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vY").has_value());
  EXPECT_FALSE(base64_decode("Zm9v\n").has_value());
  EXPECT_FALSE(base64_decode("Zm 9v").has_value());
  EXPECT_FALSE(base64url_decode("Zm9v.").has_value());
  EXPECT_FALSE(base64_decode(std::string_view("Zm9\0", 4)).has_value());
}

TEST(Base64, RoundTripAllLengths) {
  SeededRng rng(1);
  for (std::size_t n = 0; n < 70; ++n) {
    std::vector<std::uint8_t> data(n);
    rng.fill(data);
    EXPECT_EQ(base64_decode(base64_encode(data)), data);
    EXPECT_EQ(base64url_decode(base64url_encode(data)), data);
    EXPECT_EQ(hex_decode(hex_encode(data)), data);
    EXPECT_EQ(base64url_encode(data).find('='), std::string::npos);
  }
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret1"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_TRUE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const auto raw = sha256(as_bytes("abc"));
  EXPECT_EQ(hex_encode(raw), sha256_hex("abc"));
}

TEST(HostPort, ParsesNamesAndAddresses) {
  auto hp = parse_host_port("127.0.0.1:8080");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 8080);
  hp = parse_host_port("localhost:1");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "localhost");
  EXPECT_EQ(hp->port, 1);
  hp = parse_host_port("example.test:65535");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->port, 65535);
  hp = parse_host_port("[::1]:443");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 443);
  hp = parse_host_port("[2001:db8::1]:8443");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "2001:db8::1");
  hp = parse_host_port("0.0.0.0:0", /*allow_zero_port=*/true);
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->port, 0);
}

TEST(HostPort, RejectsMalformed) {
  for (const char* bad : {"", ":80", "host", "host:", "host:0", "host:65536", "host:99999999", "host:-1",
                          "host:+80", "host:8o", "host:80 ", " host:80", "::1:80", "[::1]", "[::1]80", "[::1]:",
                          "[nothex]:80", "[]:80", "[::1:80", "a b:80", "host:80:80", "host/x:80", "[::1]:0"}) {
    EXPECT_FALSE(parse_host_port(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_host_port("host:0").has_value());
  EXPECT_TRUE(parse_host_port("host:0", true).has_value());
}

TEST(Loopback, RecognizesLoopbackHosts) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.255", "::1", "[::1]", "0:0:0:0:0:0:0:1",
                           "localhost", "LOCALHOST", "localhost.", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (const char* host : {"", "128.0.0.1", "10.0.0.1", "0.0.0.0", "::", "::2", "localhost.evil.test",
                           "evil-localhost", "127.0.0.1.evil.test", "127.0.0", "127.0.0.256", "0177.0.0.1",
                           "2130706433", "::ffff:10.0.0.1", "[::1"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

}  // namespace
}  // namespace bulkhead::core
