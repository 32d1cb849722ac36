// Exposed-name routing, gateway cursors and URI-template matching.
#include <gtest/gtest.h>

#include "gateway/detail/names.h"

namespace bulkhead::gateway::detail {
namespace {

std::vector<UpstreamEntry> upstreams(std::initializer_list<std::pair<const char*, const char*>> items) {
  std::vector<UpstreamEntry> out;
  for (auto [name, prefix] : items) {
    UpstreamEntry e;
    e.upstream.name = name;
    e.prefix = prefix;
    out.push_back(e);
  }
  return out;
}

TEST(NamesTest, RoutesByPrefix) {
  auto list = upstreams({{"crm", "crm__"}, {"local", ""}, {"docs", "docs__"}});
  auto routed = route_by_prefix(list, "docs__search");
  ASSERT_TRUE(routed.has_value());
  EXPECT_EQ(routed->upstream, 2u);
  EXPECT_EQ(routed->name, "search");
  EXPECT_FALSE(route_by_prefix(list, "search").has_value());   // prefix-less: resolved by catalog
  EXPECT_FALSE(route_by_prefix(list, "crm__").has_value());    // prefix alone is not a tool
  EXPECT_FALSE(route_by_prefix(list, "CRM__x").has_value());   // case-sensitive
}

TEST(NamesTest, CursorRoundTripAndRejection) {
  for (auto kind : {ListKind::tools, ListKind::prompts, ListKind::resources, ListKind::resource_templates}) {
    const auto cursor = encode_cursor(kind, 1234);
    EXPECT_EQ(decode_cursor(kind, cursor), std::optional<std::size_t>(1234));
  }
  const auto tools_cursor = encode_cursor(ListKind::tools, 5);
  EXPECT_FALSE(decode_cursor(ListKind::prompts, tools_cursor).has_value());  // cursor of another list
  EXPECT_FALSE(decode_cursor(ListKind::tools, "not-base64!").has_value());
  EXPECT_FALSE(decode_cursor(ListKind::tools, "").has_value());
  EXPECT_FALSE(decode_cursor(ListKind::tools, std::string(1000, 'A')).has_value());
}

TEST(NamesTest, ListMethodsAndNotifications) {
  EXPECT_EQ(list_kind_of_method("resources/templates/list"), ListKind::resource_templates);
  EXPECT_FALSE(list_kind_of_method("tools/call").has_value());
  EXPECT_EQ(kinds_of_list_changed("notifications/resources/list_changed").size(), 2u);
  EXPECT_TRUE(kinds_of_list_changed("notifications/progress").empty());
}

TEST(NamesTest, UriTemplates) {
  EXPECT_TRUE(uri_matches_template("demo://resource/dynamic/text/{id}", "demo://resource/dynamic/text/42"));
  EXPECT_FALSE(uri_matches_template("demo://resource/dynamic/text/{id}", "demo://resource/dynamic/blob/42"));
  EXPECT_FALSE(uri_matches_template("file:///{name}", "file:///a/b"));   // simple expansion stops at '/'
  EXPECT_TRUE(uri_matches_template("file:///{+path}", "file:///a/b"));   // reserved expansion spans it
  EXPECT_TRUE(uri_matches_template("x://{a}-{b}", "x://1-2"));
  EXPECT_TRUE(uri_matches_template("static://exact", "static://exact"));
  EXPECT_FALSE(uri_matches_template("static://exact", "static://exact/more"));
  EXPECT_FALSE(uri_matches_template("x://{unterminated", "x://a"));
}

}  // namespace
}  // namespace bulkhead::gateway::detail
