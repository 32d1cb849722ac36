// Tests for src/rules: the catalogue, the Hyperscan credential matcher and the heuristics.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

#include "rules/rules.h"

namespace bulkhead::rules {
namespace {

CredentialMatcher make_matcher() {
  auto matcher = CredentialMatcher::create();
  EXPECT_TRUE(matcher.has_value()) << (matcher ? "" : matcher.error().message);
  return std::move(*matcher);
}

std::vector<std::string> rule_ids(CredentialMatcher& matcher, std::string_view text) {
  std::vector<std::string> out;
  for (const CredentialMatch& match : matcher.find(text)) out.emplace_back(match.rule_id);
  return out;
}

TEST(RulesCatalogue, IdsAreUniqueAndDocumented) {
  std::set<std::string_view> ids;
  std::set<std::string_view> names;
  for (const Rule& rule : all_rules()) {
    EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
    EXPECT_TRUE(names.insert(rule.name).second) << rule.name;
    EXPECT_EQ(rule.id.size(), 5u);
    EXPECT_FALSE(rule.message.empty());
    EXPECT_FALSE(rule.fix.empty());
    EXPECT_EQ(find_rule(rule.id), &rule);
  }
  EXPECT_EQ(find_rule("BH999"), nullptr);
  EXPECT_EQ(severity_from_name("critical"), Severity::critical);
  EXPECT_EQ(severity_name(Severity::medium), "medium");
  EXPECT_FALSE(severity_from_name("urgent").has_value());
}

TEST(CredentialMatcher, FindsProviderFormatsWithOffsets) {
  CredentialMatcher matcher = make_matcher();
  const std::string token = "ghp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi";
  const std::string text = "token=" + token + " rest";
  const auto matches = matcher.find(text);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].rule_id, id::github_token);
  EXPECT_EQ(matches[0].offset, 6u);
  EXPECT_EQ(matches[0].length, token.size());

  EXPECT_EQ(rule_ids(matcher, "glpat-a1B2c3D4e5F6g7H8i9J0"), std::vector<std::string>{"BH002"});
  EXPECT_EQ(rule_ids(matcher, "AKIAQ3EGV7NDK2P4XJ5L"), std::vector<std::string>{"BH003"});
  EXPECT_EQ(rule_ids(matcher, "AIzaSyD9x-Kp3QwErTyUiOpAsDfGhJkLzXcVbNm"), std::vector<std::string>{"BH004"});
  EXPECT_EQ(rule_ids(matcher, "xoxb-123456789012-1234567890123-Zq8RkT2mVw9LpX4sNc7YbE1h"),
            std::vector<std::string>{"BH005"});
  EXPECT_EQ(rule_ids(matcher, "sk_live_Zq8RkT2mVw9LpX4sNc7YbE1h"), std::vector<std::string>{"BH006"});
  EXPECT_EQ(rule_ids(matcher, "npm_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi"), std::vector<std::string>{"BH012"});
}

TEST(CredentialMatcher, RespectsBoundariesAndPlaceholders) {
  CredentialMatcher matcher = make_matcher();
  // Longer than the format: part of another word, not a GitHub token.
  EXPECT_TRUE(matcher.find("ghp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oiEXTRA").empty());
  EXPECT_TRUE(matcher.find("xghp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi").empty());
  EXPECT_TRUE(matcher.find("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx").empty());
  EXPECT_TRUE(matcher.find("AKIAIOSFODNN7EXAMPLE").empty());
  EXPECT_TRUE(matcher.find("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----").empty());
  EXPECT_TRUE(matcher.find("").empty());
}

TEST(CredentialMatcher, JwtNeedsAnAlgorithmHeader) {
  CredentialMatcher matcher = make_matcher();
  // {"alg":"HS256","typ":"JWT"} . {"sub":"abc","iat":1764000000} . signature
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhYmMiLCJpYXQiOjE3NjQwMDAwMDB9."
      "Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oiQwErTy";
  EXPECT_EQ(rule_ids(matcher, "Bearer " + jwt), std::vector<std::string>{"BH010"});
  // eyJ… that does not decode to a JOSE header.
  EXPECT_TRUE(matcher.find("eyJub3RhIjoiaGVhZGVyIn0.eyJzdWIiOiJhYmMiLCJpYXQiOjE3NjQwMDAwMDB9.Zq8RkT2mVw9LpX4sNc7Yb")
                  .empty());
  // The jwt.io documentation sample.
  EXPECT_TRUE(matcher
                  .find("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
                        "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
                  .empty());
}

TEST(CredentialMatcher, PrivateKeyNeedsABody) {
  CredentialMatcher matcher = make_matcher();
  std::string key = "-----BEGIN RSA PRIVATE KEY-----\n";
  for (int i = 0; i < 3; ++i) key += "MIIEowIBAAKCAQEAzQ8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oiQwErTyUiOpAsDfGh\n";
  key += "-----END RSA PRIVATE KEY-----";
  const auto matches = matcher.find("x " + key + " y");
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].rule_id, id::private_key);
  EXPECT_EQ(matches[0].offset, 2u);
  EXPECT_EQ(matches[0].length, key.size());
}

TEST(CredentialMatcher, CopiesAreIndependentAcrossThreads) {
  CredentialMatcher matcher = make_matcher();
  CredentialMatcher copy = matcher;
  std::size_t found_a = 0;
  std::size_t found_b = 0;
  std::thread a([&] {
    for (int i = 0; i < 200; ++i) found_a += matcher.find("x ghp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi").size();
  });
  std::thread b([&] {
    for (int i = 0; i < 200; ++i) found_b += copy.find("sk_live_Zq8RkT2mVw9LpX4sNc7YbE1h").size();
  });
  a.join();
  b.join();
  EXPECT_EQ(found_a, 200u);
  EXPECT_EQ(found_b, 200u);
}

TEST(Heuristics, References) {
  for (std::string_view value : {"${env:GITHUB_TOKEN}", "${input:pat}", "${TOKEN}", "$TOKEN", "%TOKEN%",
                                 "{{ secrets.TOKEN }}", "op://vault/item/field", "Bearer ${env:X}"}) {
    EXPECT_TRUE(is_reference(value)) << value;
  }
  for (std::string_view value : {"ghp_abc", "plain-value", "$", "100%"}) {
    EXPECT_FALSE(is_reference(value)) << value;
  }
}

TEST(Heuristics, Placeholders) {
  for (std::string_view value : {"<your-token>", "YOUR_API_KEY", "changeme", "xxxxxxxxxxxxxxxx", "sk-...",
                                 "REDACTED", "aaaaaaaaaaaa", "1234567890abcdef", "example-token-value"}) {
    EXPECT_TRUE(is_placeholder(value)) << value;
  }
  EXPECT_FALSE(is_placeholder("Zq8RkT2mVw9LpX4sNc7YbE1h"));
}

TEST(Heuristics, SensitiveKeys) {
  for (std::string_view key : {"GITHUB_TOKEN", "OPENAI_API_KEY", "apiKey", "x-api-key", "Authorization",
                               "DB_PASSWORD", "client_secret", "bearer_token", "SECRET_KEY"}) {
    EXPECT_TRUE(is_sensitive_key(key)) << key;
  }
  for (std::string_view key : {"TOKEN_URL", "AWS_ACCESS_KEY_ID", "PASSWORD_FILE", "STRIPE_PUBLISHABLE_KEY",
                               "PUBLIC_KEY", "AUTH_TYPE", "SECRET_NAME", "name", "command", "url", "key_file"}) {
    EXPECT_FALSE(is_sensitive_key(key)) << key;
  }
}

TEST(Heuristics, GenericSecret) {
  EXPECT_TRUE(looks_like_generic_secret("Zq8RkT2mVw9LpX4sNc7YbE1h"));
  EXPECT_TRUE(looks_like_generic_secret("Bearer Zq8RkT2mVw9LpX4sNc7YbE1h"));
  EXPECT_TRUE(looks_like_generic_secret("3f9a1c2e7b4d8e0f6a5c1b2d3e4f5a6b"));  // 32 hex: Datadog-style key
  for (std::string_view value : {"short", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "https://example.org/x?y=1",
                                 "/run/secrets/token", "read-only-access-token", "LINEAR_TOKEN", "2026-11-01",
                                 "1.2.3-beta.4", "ops@acme.example.com", "${env:TOKEN}", "your-token-goes-here"}) {
    EXPECT_FALSE(looks_like_generic_secret(value)) << value;
  }
}

TEST(Heuristics, EntropyAndRedaction) {
  EXPECT_DOUBLE_EQ(shannon_entropy(""), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abcd"), 2.0);
  const std::string secret = "ghp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi";
  const std::string shown = redact(secret);
  EXPECT_EQ(shown.substr(0, 4), "ghp_");
  EXPECT_NE(shown.find("40 chars"), std::string::npos);
  EXPECT_NE(shown.find("sha256:"), std::string::npos);
  EXPECT_EQ(shown.find(secret.substr(4)), std::string::npos);
  EXPECT_EQ(redact("hunter2").find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace bulkhead::rules
