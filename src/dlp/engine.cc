// Engine: compiles tenants' canaries and markers and custom patterns into one Hyperscan database (twice: with and
// without start-of-match), and loads the shared credential rules, whose candidates join the fast database.
#include <fmt/format.h>

#include <algorithm>

#include "dlp/detail/engine_impl.h"

namespace bulkhead::dlp {
namespace {

// A canary is a literal: escape everything Hyperscan could read as syntax.
std::string literal_regex(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 4);
  for (unsigned char c : text) {
    const bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

core::Result<hs_database_t*> compile(const std::vector<std::string>& expressions, const std::vector<PatternInfo>& infos,
                                     bool som) {
  std::vector<const char*> pointers;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (unsigned i = 0; i < expressions.size(); ++i) {
    pointers.push_back(expressions[i].c_str());
    flags.push_back(som ? HS_FLAG_SOM_LEFTMOST : HS_FLAG_SINGLEMATCH);
    ids.push_back(i);
  }
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(pointers.data(), flags.data(), ids.data(), static_cast<unsigned>(pointers.size()), HS_MODE_BLOCK,
                       nullptr, &database, &error) != HS_SUCCESS) {
    std::string message = "DLP pattern compile failed";
    core::Reason reason = core::Reason::internal_error;
    if (error != nullptr) {
      if (error->expression >= 0 && static_cast<std::size_t>(error->expression) < infos.size()) {
        message = fmt::format("DLP rule {}: {}", infos[static_cast<std::size_t>(error->expression)].rule_id,
                              error->message);
        reason = core::Reason::invalid_request;
      } else {
        message += fmt::format(": {}", error->message);
      }
      hs_free_compile_error(error);
    }
    return core::fail(reason, message);
  }
  return database;
}

}  // namespace

std::string_view action_name(Action action) noexcept {
  switch (action) {
    case Action::log: return "log";
    case Action::redact: return "redact";
    case Action::block: return "block";
  }
  return "block";
}

std::optional<Action> action_from_name(std::string_view name) noexcept {
  if (name == "log") return Action::log;
  if (name == "redact") return Action::redact;
  if (name == "block") return Action::block;
  return std::nullopt;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;
const Options& Engine::options() const noexcept { return impl_->options; }
std::size_t Engine::pattern_count() const noexcept { return impl_->patterns.size(); }

core::Result<void> Engine::prepare_tenant(std::string_view tenant) const {
  if (!impl_->tenant_databases || !impl_->tenant_databases->owns_patterns(tenant)) return {};
  auto database = impl_->tenant_databases->prepare(tenant);
  if (!database) return std::unexpected(database.error());
  return {};
}

core::Result<std::shared_ptr<const Engine>> Engine::create(Options options) {
  auto impl = std::make_unique<Impl>();
  std::vector<std::string> expressions;
  for (const TenantData& tenant : options.tenants) {
    for (std::size_t i = 0; i < tenant.canaries.size(); ++i) {
      if (tenant.canaries[i].empty()) {
        return core::fail(core::Reason::invalid_request, fmt::format("tenant '{}': empty canary", tenant.tenant));
      }
      expressions.push_back(literal_regex(tenant.canaries[i]));
      impl->patterns.push_back({fmt::format("canary:{}:{}", tenant.tenant, i), HitKind::canary, tenant.tenant,
                                "tenant:" + tenant.tenant, Action::block});
    }
    for (std::size_t i = 0; i < tenant.markers.size(); ++i) {
      expressions.push_back(tenant.markers[i]);
      impl->patterns.push_back({fmt::format("marker:{}:{}", tenant.tenant, i), HitKind::marker, tenant.tenant,
                                "tenant:" + tenant.tenant, Action::block});
    }
  }
  for (const CustomPattern& pattern : options.patterns) {
    expressions.push_back(pattern.regex);
    impl->patterns.push_back({"pattern:" + pattern.id, HitKind::pattern, "", pattern.classification, pattern.action});
  }
  if (options.secrets) {
    auto matcher = rules::CredentialMatcher::create();
    if (!matcher) return std::unexpected(matcher.error());
    impl->credentials.emplace(std::move(*matcher));
  }
  if (!expressions.empty()) {
    auto som = compile(expressions, impl->patterns, true);
    if (!som) return std::unexpected(som.error());
    impl->som_db = *som;
    std::vector<std::string> owners;
    for (const PatternInfo& info : impl->patterns) owners.push_back(info.owner);
    if (impl->credentials) {  // one fast pass for both (the start-of-match pass needs only the tenants' patterns)
      for (std::string& candidate : rules::CredentialMatcher::candidate_expressions()) {
        expressions.push_back(std::move(candidate));
        owners.emplace_back();
      }
      impl->credentials_folded = true;
    }
    auto db = compile(expressions, impl->patterns, false);
    if (!db) return std::unexpected(db.error());
    impl->db = *db;
    const bool owned = std::any_of(owners.begin(), owners.end(), [](const std::string& o) { return !o.empty(); });
    if (options.tenant_databases > 0 && owned) {
      impl->tenant_databases = std::make_unique<detail::TenantDatabases>(
          std::move(expressions), std::move(owners), HS_FLAG_SINGLEMATCH, options.tenant_databases,
          options.tenant_compile_share);
    }
  }
  impl->options = std::move(options);
  return std::make_shared<const Engine>(std::move(impl));
}

}  // namespace bulkhead::dlp
