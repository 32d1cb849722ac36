// Tests for the configuration readers (src/scan/detail/jsonc_reader.cc, toml_reader.cc): values, positions,
// comments and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "scan/detail/byte_scan.h"
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
  EXPECT_EQ(document.position(a->key_offset), (Position{2, 3}));
  EXPECT_EQ(document.position(a->offset), (Position{2, 8}));
  EXPECT_TRUE(a->verbatim);
  const Node* list = root.find("list");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->children.size(), 5u);
  EXPECT_EQ(list->children[0].kind, Node::Kind::number);
  EXPECT_EQ(list->children[1].kind, Node::Kind::boolean);
  EXPECT_EQ(list->children[2].kind, Node::Kind::null);
  // Columns count code points: "été" is 3 columns wide.
  EXPECT_EQ(document.position(list->children[3].offset), (Position{3, 27}));
  EXPECT_EQ(document.position(list->children[4].offset), (Position{3, 34}));
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
  EXPECT_EQ(document.position(document.comments[0].offset), (Position{1, 1}));
  EXPECT_EQ(document.comments[1].text, " block ");
  EXPECT_EQ(document.comments[2].text, " trailing bulkhead-ignore");
  EXPECT_EQ(document.position(document.comments[2].offset).line, 2u);
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
  EXPECT_EQ(document.position(command->offset), (Position{3, 11}));
  EXPECT_EQ(document.position(command->key_offset), (Position{3, 1}));
  EXPECT_TRUE(command->verbatim);
  const Node* args = github->find("args");
  ASSERT_NE(args, nullptr);
  ASSERT_EQ(args->children.size(), 2u);
  EXPECT_TRUE(args->children[0].verbatim);  // literal string
  EXPECT_EQ(document.position(args->children[1].offset), (Position{4, 15}));
  const Node* token = github->find("env")->find("TOKEN");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->text, "a\tb");
  EXPECT_FALSE(token->verbatim);
  const Node* upstream = document.root.find("upstream");
  ASSERT_NE(upstream, nullptr);
  ASSERT_EQ(upstream->kind, Node::Kind::array);
  EXPECT_EQ(upstream->children[0].find("port")->text, "8080");
  ASSERT_EQ(document.comments.size(), 2u);
  EXPECT_EQ(document.position(document.comments[1].offset), (Position{3, 18}));
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

// The subset reader must build exactly the tree toml++ builds (offsets of toml++'s positions, members by name).
void expect_subset_matches_reference(const std::string& text) {
  Document subset;
  ASSERT_TRUE(read_toml_subset(text, subset)) << "subset reader refused:\n" << text;
  Document reference;
  ParseError error;
  ASSERT_TRUE(read_toml_reference(text, reference, error)) << error.message << "\n" << text;
  EXPECT_EQ(describe_difference(subset, reference), "") << text;
}

TEST(TomlSubsetReader, SameTreeAsTomlplusplus) {
  for (const std::string& text : {
           std::string("# Codex\nmodel = \"gpt-5-codex\"\n\n[mcp_servers.github]\ncommand = \"npx\"\n"
                       "args = [\"-y\", '@scope/pkg@1.2.3', \"--root\", \"/srv\"]\n"
                       "env = { GITHUB_TOKEN = \"ghp_x\", \"quoted key\" = 'lit', n = 3 }\n"
                       "[mcp_servers.github.env2]\nZ = \"z\"\nA = \"a\"  # trailing bulkhead-ignore\n"),
           std::string("[b.c]\nx = 1\n[a]\ny = true\n[b]\nz = false\n"),  // implicit b made explicit later
           std::string("[[upstream]]\nname = \"crm\"\n[upstream.env]\nK = \"v\"\n[[upstream]]\nname = \"files\"\n"
                       "[[upstream.tools]]\nid = -42\n[[upstream.tools]]\nid = 0\n"),
           std::string("a = [\n  \"x\", # one\n  [1, 2], { k = 'v' },\n  # between\n  \"y\",\n]\nb = []\nc = {}\n"),
           std::string("s = \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\U0001F600 \\n\"\n'lit key' = 'C:\\path'\n"),
           std::string("[ \"quoted\" . bare . 'lit' ]\nk = 1\r\n[\"x.y\"]\r\nz = \"crlf\"\r\n"),
           std::string(""), std::string("# only a comment"), std::string("\n\n[t]\n"),
       }) {
    expect_subset_matches_reference(text);
  }
}

TEST(TomlSubsetReader, CorpusFilesAreReadLikeTomlplusplus) {
  namespace fs = std::filesystem;
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(BULKHEAD_SCAN_CORPUS)) {
    if (entry.path().extension() != ".toml" || entry.path().parent_path().filename() == "malformed") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    expect_subset_matches_reference(text);
    ++files;
  }
  EXPECT_GE(files, 30u);
}

TEST(TomlSubsetReader, LeavesEverythingElseToTomlplusplus) {
  for (const std::string_view text : {
           "a = \"\"\"multi\nline\"\"\"\n", "a = '''x'''\n", "a = 1.5\n", "d = 1979-05-27\n", "a.b = 1\n",
           "a = 0x1F\n", "a = +1\n", "a = 1_000\n", "a = -0\n", "a = 01\n", "a = inf\n", "k = \"\xC3\xA9\"\n",
           "\xEF\xBB\xBFk = 1\n", "a = 1\na = 2\n", "[a]\n[a]\n", "[[a]]\n[a]\n", "[a]\n[[a]]\n",
           "a = { x = 1, }\n", "a = { x = 1,\n y = 2 }\n", "a = {x = 1}\n[a.b]\n", "a = 1\n[a]\n", "a = 1 b = 2\n",
           "[a] x = 1\n", "a = \"\\e\"\n", "a = \"\\uD800\"\n", "a = \"x\rb\"\n", "a = [1, 2\n", "a =\n",
           "[ [a] ]\n", "[]\n", "a = true1\n", "a = \"x\" # \x01\n",
       }) {
    Document subset;
    EXPECT_FALSE(read_toml_subset(text, subset)) << text;
    Document combined;
    Document reference;
    ParseError combined_error;
    ParseError reference_error;
    const bool combined_ok = read_toml(text, combined, combined_error);
    ASSERT_EQ(combined_ok, read_toml_reference(text, reference, reference_error)) << text;
    if (combined_ok) {
      EXPECT_EQ(describe_difference(combined, reference), "") << text;
    } else {
      EXPECT_EQ(combined_error.message, reference_error.message) << text;
      EXPECT_EQ(combined_error.position, reference_error.position) << text;
    }
  }
}

// The SSE2 byte searches (scan/detail/byte_scan.h) against byte-at-a-time definitions, on random texts of every
// length around the 16-byte blocks, with the interesting bytes made frequent.
TEST(ByteScan, MatchesTheByteAtATimeDefinitions) {
  std::uint32_t seed = 12345;
  const auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 16;
  };
  const std::string alphabet = std::string(" \t\n\r\"\\:/{}$s.hHeEcClL~aZ0\x01\x1f\x7f\x80\xff", 31);
  for (int round = 0; round < 4000; ++round) {
    std::string text(next() % 70, ' ');
    for (char& c : text) c = alphabet[next() % alphabet.size()];
    const std::size_t from = text.empty() ? 0 : next() % text.size();
    std::size_t expected = from;
    while (expected < text.size() && std::string_view(" \t\n\r").find(text[expected]) != std::string_view::npos) {
      ++expected;
    }
    EXPECT_EQ(skip_whitespace(text, from), expected) << round;
    for (const char quote : {'"', '\''}) {
      for (const bool escapes : {true, false}) {
        std::size_t end = from;
        while (end < text.size() && text[end] != quote && !(escapes && text[end] == '\\') &&
               static_cast<unsigned char>(text[end]) >= 0x20) {
          ++end;
        }
        EXPECT_EQ(find_string_end(text, from, quote, escapes), end) << round;
      }
    }
    std::size_t special = from;
    while (special < text.size()) {
      const auto c = static_cast<unsigned char>(text[special]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) break;
      ++special;
    }
    EXPECT_EQ(find_json_special(text, from), special) << round;
    EXPECT_EQ(count_byte(text, '\n'), static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'))) << round;
    bool plain = true;
    for (const char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      plain = plain && c < 0x7f && (c >= 0x20 || c == '\t' || c == '\n' || c == '\r');
    }
    EXPECT_EQ(is_plain_ascii(text), plain) << round;
    std::string lower = text;
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    const StringFeatures features = string_features(text);
    EXPECT_EQ(features.scheme_separator, text.find("://") != std::string::npos) << round;
    EXPECT_EQ(features.brace_or_dollar, text.find_first_of("{$") != std::string::npos) << round;
    EXPECT_EQ(features.s_dot, text.find("s.") != std::string::npos) << round;
    EXPECT_EQ(features.he_or_cl, lower.find("he") != std::string::npos || lower.find("cl") != std::string::npos)
        << round;
  }
  EXPECT_EQ(count_byte(std::string(100000, '\n'), '\n'), 100000u);  // more than 255 blocks per lane
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
