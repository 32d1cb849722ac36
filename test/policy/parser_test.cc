// Parser: policy forms, ids, and errors reported at file:line:col.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "test_util.h"

namespace bulkhead::policy {
namespace {

using detail::Op;
using detail::Scope;

std::string first_error(std::string_view text) {
  auto parsed = detail::parse_policies("p.cedar", text);
  if (parsed) return "(no error)";
  return to_string(parsed.error());
}

TEST(PolicyParser, ScopesAndConditions) {
  auto parsed = detail::parse_policies("p.cedar", R"(
    // a comment
    @id("one") @note
    permit(principal == Agent::"a", action in [Action::"tools/call", Action::"prompts/get"], resource is Tool in Upstream::"u")
    when { context.tenant == "acme" } unless { resource.classification == "restricted" };
    forbid(principal is Agent, action == Action::"x", resource in A::B::"r",);
  )");
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  ASSERT_EQ(parsed->size(), 2u);
  const auto& p = (*parsed)[0];
  EXPECT_EQ(p.info.id, "one");
  EXPECT_FALSE(p.info.forbid);
  EXPECT_EQ(p.info.line, 4u);
  EXPECT_EQ(p.annotations.size(), 2u);
  EXPECT_EQ(p.principal.kind, Scope::Kind::equal);
  EXPECT_EQ(p.principal.uid, (EntityUid{"Agent", "a"}));
  EXPECT_EQ(p.action.kind, Scope::Kind::in_set);
  EXPECT_EQ(p.action.uids.size(), 2u);
  EXPECT_EQ(p.resource.kind, Scope::Kind::is_in);
  EXPECT_EQ(p.resource.type, "Tool");
  ASSERT_EQ(p.conditions.size(), 2u);
  EXPECT_TRUE(p.conditions[0].when);
  EXPECT_FALSE(p.conditions[1].when);
  const auto& q = (*parsed)[1];
  EXPECT_TRUE(q.info.forbid);
  EXPECT_EQ(q.principal.kind, Scope::Kind::is);
  EXPECT_EQ(q.resource.uid, (EntityUid{"A::B", "r"}));
}

TEST(PolicyParser, Precedence) {
  auto parsed = detail::parse_policies("p", "permit(principal,action,resource) when { 1 + 2 * 3 == 7 || false && true };");
  ASSERT_TRUE(parsed);
  const auto& e = (*parsed)[0].conditions[0].expr;
  ASSERT_EQ(e.op, Op::logical_or);
  EXPECT_EQ(e.children[0].op, Op::equal);
  EXPECT_EQ(e.children[0].children[0].op, Op::add);
  EXPECT_EQ(e.children[0].children[0].children[1].op, Op::multiply);
  EXPECT_EQ(e.children[1].op, Op::logical_and);
}

TEST(PolicyParser, ConstantLiteralsAreFolded) {
  auto parsed = detail::parse_policies("p", R"(permit(principal,action,resource) when { [1, "a", [2]] == {a: 1, "b c": [true]} };)");
  ASSERT_TRUE(parsed);
  const auto& e = (*parsed)[0].conditions[0].expr;
  EXPECT_EQ(e.children[0].op, Op::literal);
  EXPECT_EQ(e.children[1].op, Op::literal);
  EXPECT_EQ(e.children[1].value.find("b c")->kind(), Value::Kind::set);
}

TEST(PolicyParser, StringEscapesAndPatterns) {
  auto parsed = detail::parse_policies("p", R"(permit(principal,action,resource) when { "a\n\"\u{e9}\\" like "x\*y*z\\" };)");
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  const auto& e = (*parsed)[0].conditions[0].expr;
  ASSERT_EQ(e.op, Op::like);
  EXPECT_EQ(e.children[0].value.as_string(), "a\n\"\xc3\xa9\\");
  ASSERT_EQ(e.pattern.parts.size(), 2u);
  EXPECT_EQ(e.pattern.parts[0], "x*y");
  EXPECT_EQ(e.pattern.parts[1], "z\\");
}

TEST(PolicyParser, UnaryChains) {
  EXPECT_EQ(first_error("permit(principal,action,resource) when { !!!!true };"), "(no error)");
  EXPECT_EQ(first_error("permit(principal,action,resource) when { !-1 };"),
            "p.cedar:1:43: expected an expression, found '-'");
  EXPECT_EQ(first_error("permit(principal,action,resource) when { -9223372036854775808.contains(1) };"),
            "p.cedar:1:43: integer literal out of range");
}

TEST(PolicyParser, LongLiterals) {
  EXPECT_EQ(first_error("permit(principal,action,resource) when { -9223372036854775808 < 0 };"), "(no error)");
  EXPECT_EQ(first_error("permit(principal,action,resource) when { 9223372036854775808 > 0 };"),
            "p.cedar:1:42: integer literal out of range");
}

TEST(PolicyParser, ErrorsCarryPositions) {
  EXPECT_EQ(first_error("permit(principal, action, resource)"), "p.cedar:1:36: expected ';', found end of input");
  EXPECT_EQ(first_error("permit(principal, action, resource)\n  when { 1 < };"),
            "p.cedar:2:14: expected an expression, found '}'");
  EXPECT_EQ(first_error("allow(principal, action, resource);"),
            "p.cedar:1:1: expected 'permit' or 'forbid', found 'allow'");
  EXPECT_EQ(first_error("permit(principal, action, resource) when { ip(\"1.2.3.4\") };"),
            "p.cedar:1:44: function 'ip' is not supported (no extension types)");
  EXPECT_EQ(first_error("permit(principal, action, resource) when { foo };"), "p.cedar:1:44: unknown variable 'foo'");
  EXPECT_EQ(first_error("permit(principal, action, resource) when { \"abc };"),
            "p.cedar:1:44: unterminated string literal");
  EXPECT_EQ(first_error("permit(principal, action, resource) when { \"\\q\" };"),
            "p.cedar:1:44: unknown escape sequence \\q");
  EXPECT_EQ(first_error("permit(principal, action, resource) when { {a: 1, a: 2} == {} };"),
            "p.cedar:1:51: duplicate record key \"a\"");
  EXPECT_EQ(first_error("@id(\"x\") @id(\"y\") permit(principal, action, resource);"),
            "p.cedar:1:10: duplicate annotation @id");
  EXPECT_EQ(first_error("permit(principal in ?principal, action, resource);"),
            "p.cedar:1:21: unexpected character '?'");
  EXPECT_EQ(first_error("permit(principal, action, resource) when { 1 < 2 < 3 };"),
            "p.cedar:1:50: expected '}', found '<'");
  EXPECT_EQ(first_error("permit(principal, action, resource) when { [1].foo(2) };"),
            "p.cedar:1:47: unsupported method 'foo'");
  EXPECT_EQ(first_error("permit(principal, action is Action, resource);"),
            "p.cedar:1:26: expected ',', '==' or 'in', found 'is'");
  // Columns count code points, not bytes.
  EXPECT_EQ(first_error("permit(principal, action, resource) when { \"\xc3\xa9\" + };"),
            "p.cedar:1:50: expected an expression, found '}'");
}

TEST(PolicyParser, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "permit(principal, action, resource) when { " + std::string(5000, '(') + "true" +
                     std::string(5000, ')') + " };";
  EXPECT_NE(first_error(deep).find("nested too deeply"), std::string::npos);
  std::string nots = "permit(principal, action, resource) when { " + std::string(5000, '!') + "true };";
  EXPECT_EQ(first_error(nots), "p.cedar:1:48: at most four repeated unary operators are allowed");
}

TEST(PolicySetLoad, IdsAndDuplicates) {
  const Source sources[] = {{"a.cedar", "permit(principal, action, resource);\n@id(\"x\") forbid(principal, action, resource);"},
                            {"b.cedar", "permit(principal, action, resource);"}};
  auto set = PolicySet::parse(sources);
  ASSERT_TRUE(set);
  ASSERT_EQ((*set)->size(), 3u);
  EXPECT_EQ((*set)->info(0).id, "a.cedar:0");
  EXPECT_EQ((*set)->info(1).id, "x");
  EXPECT_EQ((*set)->info(2).id, "b.cedar:0");

  const Source dup[] = {{"a.cedar", "@id(\"x\") permit(principal, action, resource);"},
                        {"b.cedar", "@id(\"x\")\nforbid(principal, action, resource);"}};
  auto bad = PolicySet::parse(dup);
  ASSERT_FALSE(bad);
  EXPECT_EQ(to_string(bad.error().front()), "b.cedar:2:1: duplicate policy id \"x\" (first at a.cedar:1:10)");
}

TEST(PolicySetLoad, ABadFileRejectsTheWholeSet) {
  const Source sources[] = {{"good.cedar", "permit(principal, action, resource);"},
                            {"bad.cedar", "permit(principal, action, resource) when { };"},
                            {"worse.cedar", "forbid(principal action, resource);"}};
  auto set = PolicySet::parse(sources);
  ASSERT_FALSE(set);
  ASSERT_EQ(set.error().size(), 2u);
  EXPECT_EQ(to_string(set.error()[0]), "bad.cedar:1:44: expected an expression, found '}'");
  EXPECT_EQ(to_string(set.error()[1]), "worse.cedar:1:18: expected ',', '==', 'in' or 'is', found 'action'");
}

TEST(PolicySetLoad, CedarStyleIdsForText) {
  auto set = PolicySet::parse_text("permit(principal, action, resource);\nforbid(principal, action, resource);");
  ASSERT_TRUE(set);
  EXPECT_EQ((*set)->info(0).id, "policy0");
  EXPECT_EQ((*set)->info(1).id, "policy1");
}

TEST(PolicySetLoad, Directory) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "policy_parser_dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "b.cedar") << "permit(principal, action, resource);"; }
  { std::ofstream(dir / "a.cedar") << "forbid(principal, action, resource);"; }
  { std::ofstream(dir / "notes.txt") << "not a policy"; }
  auto set = PolicySet::load_directory(dir);
  ASSERT_TRUE(set);
  ASSERT_EQ((*set)->size(), 2u);
  EXPECT_EQ((*set)->info(0).id, "a.cedar:0");
  EXPECT_TRUE((*set)->info(0).forbid);
  EXPECT_FALSE(PolicySet::load_directory(dir / "missing"));
}

}  // namespace
}  // namespace bulkhead::policy
