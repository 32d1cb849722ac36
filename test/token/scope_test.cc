#include <gtest/gtest.h>

#include "token/token.h"

namespace bulkhead::token {
namespace {

Scope scope(std::string_view text) {
  auto parsed = Scope::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed ? *parsed : Scope{};
}

TEST(ScopeTest, ParsesEntriesAndRefusesMalformedOnes) {
  EXPECT_EQ(scope("  notes__add_note   everything__* notes__add_note ").to_string(), "notes__add_note everything__*");
  EXPECT_FALSE(Scope::parse(""));
  EXPECT_FALSE(Scope::parse("   "));
  EXPECT_FALSE(Scope::parse("a*b"));          // '*' only at the end
  EXPECT_FALSE(Scope::parse("**"));
  EXPECT_FALSE(Scope::parse("tool\tname"));   // visible ASCII only
  EXPECT_FALSE(Scope::parse("caf\xc3\xa9"));
  EXPECT_FALSE(Scope::parse(std::string(257, 'a')));
  std::string many;
  for (int i = 0; i < 65; ++i) {
    many += 't';
    many += std::to_string(i);
    many += ' ';
  }
  EXPECT_FALSE(Scope::parse(many));
}

TEST(ScopeTest, Covers) {
  const Scope s = scope("notes__add_note everything__get-* file:///data/*");
  EXPECT_TRUE(s.covers("notes__add_note"));
  EXPECT_FALSE(s.covers("notes__add_note2"));
  EXPECT_FALSE(s.covers("notes__"));
  EXPECT_TRUE(s.covers("everything__get-env"));
  EXPECT_TRUE(s.covers("everything__get-"));
  EXPECT_FALSE(s.covers("everything__echo"));
  EXPECT_TRUE(s.covers("file:///data/x.txt"));
  EXPECT_FALSE(s.covers("file:///etc/passwd"));
  EXPECT_TRUE(scope("*").covers("anything"));
}

TEST(ScopeTest, WithinIsNarrowing) {
  const Scope parent = scope("notes__* everything__echo");
  EXPECT_TRUE(scope("notes__add_note").within(parent));
  EXPECT_TRUE(scope("notes__a*").within(parent));
  EXPECT_TRUE(scope("notes__*").within(parent));
  EXPECT_TRUE(scope("everything__echo notes__list").within(parent));
  EXPECT_FALSE(scope("everything__e*").within(parent));  // a pattern is not within an exact name
  EXPECT_FALSE(scope("notes*").within(parent));           // shorter stem = wider
  EXPECT_FALSE(scope("*").within(parent));
  EXPECT_FALSE(scope("notes__add_note everything__get-env").within(parent));
  EXPECT_TRUE(scope("anything__*").within(scope("*")));
}

TEST(TaskTokenTest, ChainHolderAndDelegator) {
  TaskToken t;
  t.subject = "spiffe://acme.test/a";
  EXPECT_EQ(t.holder(), "spiffe://acme.test/a");
  EXPECT_EQ(t.delegated_by(), "");
  t.actors = {"spiffe://acme.test/c", "spiffe://acme.test/b"};
  EXPECT_EQ(t.holder(), "spiffe://acme.test/c");
  EXPECT_EQ(t.delegated_by(), "spiffe://acme.test/b");
  EXPECT_EQ(t.chain(), (std::vector<std::string>{"spiffe://acme.test/c", "spiffe://acme.test/b", "spiffe://acme.test/a"}));
  EXPECT_EQ(t.depth(), 2u);
  EXPECT_TRUE(valid_task_id("ticket:42.a_b-c"));
  EXPECT_FALSE(valid_task_id(""));
  EXPECT_FALSE(valid_task_id("a/b"));
  EXPECT_FALSE(valid_task_id(std::string(129, 'a')));
}

}  // namespace
}  // namespace bulkhead::token
