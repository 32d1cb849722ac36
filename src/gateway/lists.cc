// Upstream sessions (opened lazily, once, with the client's capabilities), the per-session catalog of what each
// upstream lists, aggregated lists with gateway cursors, and resolving exposed names and URIs to upstreams.
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"

namespace bulkhead::gateway::detail {
namespace {

using core::Reason;

constexpr std::size_t kMaxUpstreamPages = 1000;

std::size_t slot_of(ListKind kind) { return static_cast<std::size_t>(kind); }

// The capability an upstream must declare for a list kind.
std::string_view capability_of(ListKind kind) {
  switch (kind) {
    case ListKind::tools: return "tools";
    case ListKind::prompts: return "prompts";
    case ListKind::resources:
    case ListKind::resource_templates: return "resources";
  }
  return "";
}

const std::string* item_key(const json::Value& item, ListKind kind) {
  switch (kind) {
    case ListKind::tools:
    case ListKind::prompts: return item.find_string("name");
    case ListKind::resources: return item.find_string("uri");
    case ListKind::resource_templates: return item.find_string("uriTemplate");
  }
  return nullptr;
}

bool catalog_has(const json::Array& items, ListKind kind, std::string_view key) {
  for (const auto& item : items) {
    const std::string* k = item_key(item, kind);
    if (k != nullptr && *k == key) return true;
  }
  return false;
}

}  // namespace

upstream::Session* GatewayImpl::open_upstream(const ClientSession& session, std::size_t index) {
  const auto& slot = session.upstreams[index];
  return slot.opening ? nullptr : slot.session.get();
}

std::optional<RoutedName> GatewayImpl::resolve_name_cached(const ClientSession& session, ListKind kind,
                                                           std::string_view exposed) const {
  auto routed = route_by_prefix(config_.upstreams, exposed);
  if (!routed || open_upstream(session, routed->upstream) == nullptr) return std::nullopt;
  const auto& cached = session.upstreams[routed->upstream].catalog[slot_of(kind)];
  if (!cached || !catalog_has(*cached, kind, routed->name)) return std::nullopt;
  return routed;
}

asio::awaitable<core::Result<upstream::Session*>> GatewayImpl::ensure_upstream(const SessionPtr& session,
                                                                               std::size_t index) {
  auto& slot = session->upstreams[index];
  while (slot.opening) {
    co_await slot.opened->wait();
  }
  if (slot.session) co_return slot.session.get();
  if (session->closed) co_return core::fail(Reason::upstream_unavailable, "session closed");
  // Register before credentials (DESIGN.md): an unapproved or unmapped connector is never contacted.
  if (auto refused = connector_refusal(*session, index)) co_return std::unexpected(*refused);

  slot.opening = true;
  upstream::SessionParams params;
  params.tenant = session->tenant;
  params.protocol_version = mcp::is_stateless(session->version) ? mcp::kLatestSessionVersion : session->version;
  params.client_info = session->client_info.is_object() ? session->client_info : json::Value::object();
  params.client_capabilities =
      session->client_capabilities.is_object() ? session->client_capabilities : json::Value::object();
  if (auto credentials = add_credentials(index, params); !credentials) {
    // The tenant's own credential or nothing: never another tenant's, never a shared default.
    slot.opening = false;
    slot.opened->notify();
    co_return std::unexpected(credentials.error());
  }
  auto opened = co_await upstreams_[index]->open_session(std::move(params));
  slot.opening = false;
  slot.opened->notify();
  if (!opened) co_return std::unexpected(opened.error());
  if (session->closed) {
    co_await (*opened)->close();
    co_return core::fail(Reason::upstream_unavailable, "session closed");
  }
  std::weak_ptr<ClientSession> weak = session;
  (*opened)->set_listener([this, weak, index](mcp::Message m) { return on_unsolicited(weak, index, std::move(m)); });
  slot.session = std::move(*opened);
  co_return slot.session.get();
}

asio::awaitable<core::Result<const json::Array*>> GatewayImpl::fetch_catalog(const SessionPtr& session,
                                                                             std::size_t index, ListKind kind,
                                                                             bool refresh) {
  auto& cached = session->upstreams[index].catalog[slot_of(kind)];
  if (cached && !refresh) co_return &*cached;
  auto upstream = co_await ensure_upstream(session, index);
  if (!upstream) co_return std::unexpected(upstream.error());

  json::Array items;
  const json::Value* caps = (*upstream)->initialize_result().find("capabilities");
  if (caps != nullptr && caps->find(capability_of(kind)) == nullptr) {
    session->upstreams[index].catalog[slot_of(kind)] = std::move(items);  // upstream does not offer this kind
    co_return &*session->upstreams[index].catalog[slot_of(kind)];
  }
  std::weak_ptr<ClientSession> weak = session;
  upstream::MessageSink sink = [this, weak, index](mcp::Message m) { return on_unsolicited(weak, index, std::move(m)); };
  json::Value cursor;
  for (std::size_t page = 0; page < kMaxUpstreamPages; ++page) {
    json::Value params = json::Value::object();
    if (cursor.is_string()) params.set("cursor", cursor);
    auto answer = co_await (*upstream)->request(
        mcp::make_request(json::Value(static_cast<std::int64_t>(page)), std::string(list_method(kind)), std::move(params)),
        sink, upstreams_[index]->config().request_timeout);
    if (!answer) co_return std::unexpected(answer.error());
    if (answer->kind == mcp::Message::Kind::error) {
      const json::Value* code = answer->error.find("code");
      if (code != nullptr && code->is_integer() && code->as_int() == mcp::kMethodNotFound) break;
      const std::string* text = answer->error.find_string("message");
      co_return core::fail(Reason::upstream_unavailable,
                           fmt::format("upstream {} refused {}: {}", upstreams_[index]->config().name,
                                       list_method(kind), text != nullptr ? *text : std::string("error")));
    }
    if (const json::Value* list = answer->result.find(list_field(kind)); list != nullptr && list->is_array()) {
      for (const auto& item : list->as_array()) {
        if (item.is_object() && item_key(item, kind) != nullptr) items.push_back(item);
      }
    }
    const json::Value* next = answer->result.find("nextCursor");
    if (next == nullptr || !next->is_string() || next->as_string().empty()) break;
    cursor = *next;
  }
  if (session->closed) co_return core::fail(Reason::upstream_unavailable, "session closed");
  if (kind == ListKind::tools) pin_catalog(index, items, session->upstreams[index]);
  auto& slot = session->upstreams[index].catalog[slot_of(kind)];
  slot = std::move(items);
  co_return &*slot;
}

asio::awaitable<mcp::Message> GatewayImpl::aggregate(const SessionPtr& session, ListKind kind, mcp::Message message,
                                                     const Reply& reply) {
  std::size_t offset = 0;
  if (const json::Value* cursor = message.params.find("cursor"); cursor != nullptr && !cursor->is_null()) {
    auto decoded = cursor->is_string() ? decode_cursor(kind, cursor->as_string()) : std::nullopt;
    if (!decoded) {
      co_return mcp::make_error(message.id, core::Error{Reason::invalid_request, "invalid cursor"}, json::Value(),
                                mcp::kInvalidParams);
    }
    offset = *decoded;
  }
  // The first page lists afresh; later pages use the same snapshot so pagination is consistent.
  const bool refresh = offset == 0;
  json::Array all;
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < upstreams_.size(); ++i) {
    if (connector_refusal(*session, i)) continue;  // hidden whole: not approved for this caller
    auto catalog = co_await fetch_catalog(session, i, kind, refresh);
    if (!catalog) {
      spdlog::warn("{} from upstream {} left out: {}", list_method(kind), upstreams_[i]->config().name,
                   catalog.error().message);
      continue;
    }
    const std::string& prefix = config_.upstreams[i].prefix;
    const bool prefixed = kind == ListKind::tools || kind == ListKind::prompts;
    for (const auto& item : **catalog) {
      json::Value exposed = item;
      const std::string& upstream_key = *item_key(item, kind);
      std::string key = upstream_key;
      if (prefixed) {
        key = prefix + key;
        exposed.set("name", key);
      }
      if (!seen.insert(key).second) {
        spdlog::warn("{} '{}' of upstream {} hidden: an earlier upstream already exposes it", list_field(kind), key,
                     upstreams_[i]->config().name);
        continue;
      }
      // Listed iff the caller could use it (docs/policy.md, list filtering); after the ownership check so a
      // hidden item never lets another upstream's item of the same name through.
      if (!may_list(*session, reply.caller, kind, key, i, upstream_key)) continue;
      all.push_back(std::move(exposed));
    }
  }
  const std::size_t page_size = config_.server.list_page_size;
  json::Array page;
  for (std::size_t i = offset; i < all.size() && page.size() < page_size; ++i) page.push_back(std::move(all[i]));
  json::Value result = json::Value::object();
  result.set(list_field(kind), json::Value(std::move(page)));
  if (offset + page_size < all.size()) result.set("nextCursor", encode_cursor(kind, offset + page_size));
  co_return mcp::make_result(message.id, std::move(result));
}

asio::awaitable<core::Result<RoutedName>> GatewayImpl::resolve_name(const SessionPtr& session, ListKind kind,
                                                                    std::string_view exposed) {
  const std::string_view what = kind == ListKind::tools ? "tool" : "prompt";
  auto known_in = [&](std::size_t index, std::string_view name) -> asio::awaitable<bool> {
    // A name missing from a cached catalog may be new upstream, so look once more in a fresh listing; a
    // catalog fetched just now is already fresh.
    const bool was_cached = session->upstreams[index].catalog[slot_of(kind)].has_value();
    auto catalog = co_await fetch_catalog(session, index, kind, false);
    if (!catalog) co_return false;
    if (catalog_has(**catalog, kind, name)) co_return true;
    if (!was_cached) co_return false;
    auto fresh = co_await fetch_catalog(session, index, kind, true);
    co_return fresh && catalog_has(**fresh, kind, name);
  };
  if (auto routed = route_by_prefix(config_.upstreams, exposed)) {
    // Make sure the upstream can be reached before claiming the tool is unknown.
    auto upstream = co_await ensure_upstream(session, routed->upstream);
    if (!upstream) co_return std::unexpected(upstream.error());
    const bool known = co_await known_in(routed->upstream, routed->name);
    if (known) co_return *routed;
    co_return core::fail(Reason::unknown_tool, fmt::format("unknown {} '{}'", what, exposed));
  }
  for (std::size_t i = 0; i < config_.upstreams.size(); ++i) {
    if (!config_.upstreams[i].prefix.empty()) continue;
    const bool known = co_await known_in(i, exposed);
    if (known) {
      RoutedName routed{i, std::string(exposed)};
      co_return routed;
    }
  }
  co_return core::fail(Reason::unknown_tool, fmt::format("unknown {} '{}'", what, exposed));
}

asio::awaitable<core::Result<std::size_t>> GatewayImpl::resolve_uri(const SessionPtr& session, std::string_view uri) {
  // As in resolve_name: a second, fresh look only when the first one was answered from a cached catalog.
  bool used_cache = false;
  auto cached = [&](std::size_t i, ListKind kind) { return session->upstreams[i].catalog[slot_of(kind)].has_value(); };
  for (bool refresh : {false, true}) {
    if (refresh && !used_cache) break;
    // Exact URIs first (first configured upstream wins), then templates.
    for (std::size_t i = 0; i < upstreams_.size(); ++i) {
      used_cache = used_cache || cached(i, ListKind::resources);
      auto catalog = co_await fetch_catalog(session, i, ListKind::resources, refresh);
      if (catalog && catalog_has(**catalog, ListKind::resources, uri)) co_return i;
    }
    for (std::size_t i = 0; i < upstreams_.size(); ++i) {
      used_cache = used_cache || cached(i, ListKind::resource_templates);
      auto templates = co_await fetch_catalog(session, i, ListKind::resource_templates, refresh);
      if (!templates) continue;
      for (const auto& item : **templates) {
        const std::string* pattern = item.find_string("uriTemplate");
        if (pattern != nullptr && uri_matches_template(*pattern, uri)) co_return i;
      }
    }
  }
  co_return core::fail(Reason::invalid_request, fmt::format("resource not found: {}", uri));
}

}  // namespace bulkhead::gateway::detail
