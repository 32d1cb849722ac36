// Tests for the configuration readers (src/scan/detail/jsonc_reader.cc, toml_reader.cc): values, positions,
// comments and errors.
#include <gtest/gtest.h>

#include "scan/detail/document.h"

namespace bulkhead::scan::detail {
namespace {

const Document& ok(const std::variant<Document, ParseError>& parsed) {
  if (const auto* error = std::get_if<ParseError>(&parsed)) {
    ADD_FAILURE() << "parse error at " << error->position.line << ":" << error->position.column << ": "
                  << error->message;
    static const Document empty;
    return empty;
  }
  return std::get<Document>(parsed);
}

TEST(JsoncReader, ValuesKeysAndPositions) {
  const std::string text = "{\n  \"a\": \"x\",\n  \"list\": [1, true, null, \"\xC3\xA9t\xC3\xA9\", \"y\"],\n}\n";
  const auto parsed = read_jsonc(text);
  const Document& document = ok(parsed);
  const Node& root = document.root;
  ASSERT_EQ(root.kind, Node::Kind::object);
  ASSERT_EQ(root.children.size(), 2u);
  const Node* a = root.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->text, "x");
  EXPECT_EQ(a->key_position, (Position{2, 3}));
  EXPECT_EQ(a->position, (Position{2, 8}));
  EXPECT_TRUE(a->verbatim);
  const Node* list = root.find("list");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->children.size(), 5u);
  EXPECT_EQ(list->children[0].kind, Node::Kind::number);
  EXPECT_EQ(list->children[1].kind, Node::Kind::boolean);
  EXPECT_EQ(list->children[2].kind, Node::Kind::null);
  // Columns count code points: "été" is 3 columns wide.
  EXPECT_EQ(list->children[3].position, (Position{3, 27}));
  EXPECT_EQ(list->children[4].position, (Position{3, 34}));
}

TEST(JsoncReader, EscapesAndComments) {
  const std::string text =
      "// leading comment\n{ /* block */ \"k\": \"a\\nb\\u00e9\\ud83d\\ude00\", // trailing bulkhead-ignore\n}";
  const auto parsed = read_jsonc(text);
  const Document& document = ok(parsed);
  const Node* k = document.root.find("k");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->text, "a\nb\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_FALSE(k->verbatim);
  ASSERT_EQ(document.comments.size(), 3u);
  EXPECT_EQ(document.comments[0].text, " leading comment");
  EXPECT_EQ(document.comments[0].position, (Position{1, 1}));
  EXPECT_EQ(document.comments[1].text, " block ");
  EXPECT_EQ(document.comments[2].text, " trailing bulkhead-ignore");
  EXPECT_EQ(document.comments[2].position.line, 2u);
}

TEST(JsoncReader, ErrorsHavePositions) {
  struct Case {
    std::string text;
    Position position;
  };
  for (const Case& c : {Case{"{\n  \"a\": 1\n  \"b\": 2\n}", {3, 3}}, Case{"{\"a\": }", {1, 7}},
                        Case{"[1, 2", {1, 6}}, Case{"{\"a\": \"unterminated}", {1, 7}}, Case{"", {1, 1}},
                        Case{"{} extra", {1, 4}}, Case{"{\"a\": 01}", {1, 8}}, Case{"/* open", {1, 1}},
                        Case{"\"bad \\q escape\"", {1, 6}}, Case{"{\"a\": \"\x01\"}", {1, 8}}}) {
    const auto parsed = read_jsonc(c.text);
    const auto* error = std::get_if<ParseError>(&parsed);
    ASSERT_NE(error, nullptr) << c.text;
    EXPECT_EQ(error->position, c.position) << c.text << ": " << error->message;
    EXPECT_FALSE(error->message.empty());
  }
}

TEST(JsoncReader, DepthIsLimited) {
  const std::string deep(100000, '[');
  const auto parsed = read_jsonc(deep);
  ASSERT_TRUE(std::holds_alternative<ParseError>(parsed));
  EXPECT_NE(std::get<ParseError>(parsed).message.find("nesting"), std::string::npos);
  std::string fine;
  for (int i = 0; i < 100; ++i) fine += "[";
  for (int i = 0; i < 100; ++i) fine += "]";
  EXPECT_TRUE(std::holds_alternative<Document>(read_jsonc(fine)));
}

TEST(TomlReader, TablesArraysPositionsAndComments) {
  const std::string text =
      "# Codex\n[mcp_servers.github]\ncommand = \"npx\"  # bulkhead-ignore BH021\nargs = ['-y', \"pkg\"]\n"
      "[mcp_servers.github.env]\nTOKEN = \"a\\tb\"\n[[upstream]]\nname = \"crm\"\nport = 8080\n";
  const auto parsed = read_toml(text);
  const Document& document = ok(parsed);
  const Node* servers = document.root.find("mcp_servers");
  ASSERT_NE(servers, nullptr);
  const Node* github = servers->find("github");
  ASSERT_NE(github, nullptr);
  const Node* command = github->find("command");
  ASSERT_NE(command, nullptr);
  EXPECT_EQ(command->text, "npx");
  EXPECT_EQ(command->position, (Position{3, 11}));
  EXPECT_EQ(command->key_position, (Position{3, 1}));
  EXPECT_TRUE(command->verbatim);
  const Node* args = github->find("args");
  ASSERT_NE(args, nullptr);
  ASSERT_EQ(args->children.size(), 2u);
  EXPECT_TRUE(args->children[0].verbatim);  // literal string
  EXPECT_EQ(args->children[1].position, (Position{4, 15}));
  const Node* token = github->find("env")->find("TOKEN");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->text, "a\tb");
  EXPECT_FALSE(token->verbatim);
  const Node* upstream = document.root.find("upstream");
  ASSERT_NE(upstream, nullptr);
  ASSERT_EQ(upstream->kind, Node::Kind::array);
  EXPECT_EQ(upstream->children[0].find("port")->text, "8080");
  ASSERT_EQ(document.comments.size(), 2u);
  EXPECT_EQ(document.comments[1].position, (Position{3, 18}));
  EXPECT_EQ(document.comments[1].text, " bulkhead-ignore BH021");
}

TEST(TomlReader, ErrorsHavePositions) {
  const auto parsed = read_toml("[a]\nb = \"x\"\nc = [1, 2\nd = 3\n");
  const auto* error = std::get_if<ParseError>(&parsed);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->position.line, 4u);
  EXPECT_FALSE(error->message.empty());
  EXPECT_TRUE(std::holds_alternative<ParseError>(read_toml("a = \"unterminated\n")));
  EXPECT_TRUE(std::holds_alternative<ParseError>(read_toml("a = 1\na = 2\n")));  // duplicate key
}

TEST(PositionTracker, CountsLinesAndCodePoints) {
  const std::string text = "ab\n\xC3\xA9x\ny";
  PositionTracker tracker(text);
  EXPECT_EQ(tracker.at(0), (Position{1, 1}));
  EXPECT_EQ(tracker.at(5), (Position{2, 2}));
  EXPECT_EQ(tracker.at(7), (Position{3, 1}));
  EXPECT_EQ(tracker.at(1), (Position{1, 2}));  // going back restarts
  EXPECT_EQ(code_points("\xC3\xA9t\xC3\xA9"), 3u);
}

}  // namespace
}  // namespace bulkhead::scan::detail
