// Verifier: JWT-SVID claims (SPIFFE JWT-SVID §3) and mTLS identities against the configured trust domains,
// with a bounded cache of verified tokens keyed by SHA-256.
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "identity/detail/jwt.h"
#include "identity/detail/openssl.h"
#include "identity/detail/x509.h"

namespace bulkhead::identity {
namespace {

using core::Reason;
using std::chrono::system_clock;

std::unexpected<core::Error> invalid(std::string message) { return core::fail(Reason::token_invalid, std::move(message)); }

core::Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(Reason::invalid_request, fmt::format("cannot read {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional.
std::optional<system_clock::time_point> numeric_date(const json::Value& value) {
  if (!value.is_number()) return std::nullopt;
  const double seconds = value.as_double();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 253402300799.0) return std::nullopt;  // ≤ year 9999
  return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(std::chrono::duration<double>(seconds)));
}

bool audience_contains(const json::Value& aud, std::string_view audience) {
  if (aud.is_string()) return aud.as_string() == audience;
  if (!aud.is_array()) return false;
  for (const auto& item : aud.as_array()) {
    if (item.is_string() && item.as_string() == audience) return true;
  }
  return false;
}

struct Domain {
  TrustDomainConfig config;
  std::shared_ptr<const KeySet> keys;  // null until loaded (jwks_url)
  detail::TrustStore bundle;           // null without bundle_file
};

class VerifierImpl final : public Verifier {
 public:
  VerifierImpl(std::vector<TrustDomainConfig> configs, VerifierOptions options, const core::Clock& clock)
      : configs_(std::move(configs)), options_(std::move(options)), clock_(clock) {}

  core::Result<void> load() {
    for (const auto& config : configs_) {
      if (!valid_trust_domain_name(config.name)) {
        return core::fail(Reason::invalid_request, fmt::format("trust domain name '{}' is not valid", config.name));
      }
      if (domains_.contains(config.name)) {
        return core::fail(Reason::invalid_request, fmt::format("trust domain '{}' is configured twice", config.name));
      }
      Domain domain;
      domain.config = config;
      if (!config.jwks_file.empty()) {
        auto text = read_file(config.jwks_file);
        if (!text) return std::unexpected(text.error());
        auto keys = parse_jwks(*text);
        if (!keys) {
          return core::fail(Reason::invalid_request,
                            fmt::format("{}: {}", config.jwks_file.string(), keys.error().message));
        }
        domain.keys = std::move(*keys);
      }
      if (!config.bundle_file.empty()) {
        auto store = detail::load_bundle(config.bundle_file.string());
        if (!store) return std::unexpected(store.error());
        domain.bundle = std::move(*store);
      }
      domains_.emplace(config.name, std::move(domain));
    }
    return {};
  }

  core::Result<Principal> verify_jwt(std::string_view token) override {
    if (token.size() > options_.max_token_bytes) {
      return invalid(fmt::format("token is larger than {} bytes", options_.max_token_bytes));
    }
    const auto now = clock_.now();
    const auto digest = core::sha256(core::as_bytes(token));
    std::string key(reinterpret_cast<const char*>(digest.data()), digest.size());
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (now < it->second.expires) {
        ++stats_.hits;
        return it->second;
      }
      cache_.erase(it);  // never outlives exp; a full check below applies the skew again
    }
    ++stats_.misses;
    auto principal = verify_uncached(token, now);
    if (!principal) return principal;
    if (now < principal->expires) remember(std::move(key), *principal, now);
    return principal;
  }

  core::Result<Principal> verify_certificate(std::span<const std::string> chain_der) override {
    auto identity = detail::leaf_identity(chain_der);
    if (!identity) return std::unexpected(identity.error());
    auto it = domains_.find(identity->id.trust_domain);
    if (it == domains_.end()) return invalid(fmt::format("trust domain '{}' is not configured", identity->id.trust_domain));
    if (!it->second.bundle) {
      return invalid(fmt::format("trust domain '{}' has no X.509 bundle (bundle_file)", identity->id.trust_domain));
    }
    if (auto ok = detail::verify_chain(it->second.bundle.get(), chain_der, clock_.now()); !ok) {
      return std::unexpected(ok.error());
    }
    return Principal{std::move(identity->id.text), std::move(identity->id.trust_domain), CredentialKind::x509_svid,
                     identity->not_after};
  }

  core::Result<void> replace_keys(std::string_view trust_domain, std::shared_ptr<const KeySet> keys) override {
    auto it = domains_.find(std::string(trust_domain));
    if (it == domains_.end()) {
      return core::fail(Reason::invalid_request, fmt::format("trust domain '{}' is not configured", trust_domain));
    }
    it->second.keys = std::move(keys);
    std::erase_if(cache_, [&](const auto& entry) { return entry.second.trust_domain == trust_domain; });
    return {};
  }

  const std::vector<TrustDomainConfig>& trust_domains() const noexcept override { return configs_; }

  CacheStats cache_stats() const noexcept override {
    CacheStats out = stats_;
    out.entries = cache_.size();
    return out;
  }

 private:
  core::Result<Principal> verify_uncached(std::string_view token, system_clock::time_point now) const {
    auto jwt = detail::decode_jwt(token, options_.max_token_bytes);
    if (!jwt) return std::unexpected(jwt.error());
    const std::string* sub = jwt->claims.find_string("sub");
    if (sub == nullptr) return invalid("token has no sub");
    auto id = parse_spiffe_id(*sub);
    if (!id) return invalid("token sub is not a SPIFFE ID");
    auto domain = domains_.find(id->trust_domain);
    if (domain == domains_.end()) return invalid(fmt::format("trust domain '{}' is not configured", id->trust_domain));
    if (!domain->second.keys) return invalid(fmt::format("no keys loaded yet for trust domain '{}'", id->trust_domain));
    const KeySet::Key* key = domain->second.keys->find(jwt->kid);
    if (key == nullptr) return invalid(fmt::format("unknown kid for trust domain '{}'", id->trust_domain));
    if (key->alg != jwt->alg) {
      return invalid(fmt::format("token alg {} does not match the key's pinned alg {}", algorithm_name(jwt->alg),
                                 algorithm_name(key->alg)));
    }
    if (!detail::verify_signature(jwt->alg, key->pkey.get(), jwt->signing_input, jwt->signature)) {
      return invalid("token signature does not verify");
    }
    // Claims are trusted only from here on.
    const json::Value* aud = jwt->claims.find("aud");
    if (aud == nullptr || !audience_contains(*aud, options_.audience)) {
      return invalid(fmt::format("token aud does not contain '{}'", options_.audience));
    }
    const json::Value* exp_member = jwt->claims.find("exp");
    if (exp_member == nullptr) return invalid("token has no exp");
    auto exp = numeric_date(*exp_member);
    if (!exp) return invalid("token exp is not a NumericDate");
    if (now >= *exp + options_.clock_skew) return core::fail(Reason::token_expired, "token has expired");
    if (const json::Value* nbf_member = jwt->claims.find("nbf")) {
      auto nbf = numeric_date(*nbf_member);
      if (!nbf) return invalid("token nbf is not a NumericDate");
      if (now + options_.clock_skew < *nbf) return invalid("token is not valid yet (nbf)");
    }
    if (const json::Value* iat_member = jwt->claims.find("iat")) {
      auto iat = numeric_date(*iat_member);
      if (!iat) return invalid("token iat is not a NumericDate");
      if (*iat > now + options_.clock_skew) return invalid("token was issued in the future (iat)");
    }
    return Principal{std::move(id->text), std::move(id->trust_domain), CredentialKind::jwt_svid, *exp};
  }

  void remember(std::string key, const Principal& principal, system_clock::time_point now) {
    if (options_.cache_entries == 0) return;
    if (cache_.size() >= options_.cache_entries) {
      std::erase_if(cache_, [&](const auto& entry) { return entry.second.expires <= now; });
      // Still full of live entries: drop an arbitrary one (a miss costs one verification, nothing more).
      if (cache_.size() >= options_.cache_entries) cache_.erase(cache_.begin());
    }
    cache_.emplace(std::move(key), principal);
  }

  std::vector<TrustDomainConfig> configs_;
  VerifierOptions options_;
  const core::Clock& clock_;
  std::unordered_map<std::string, Domain> domains_;
  std::unordered_map<std::string, Principal> cache_;  // by SHA-256 of the token
  CacheStats stats_;
};

}  // namespace

core::Result<std::unique_ptr<Verifier>> Verifier::create(std::vector<TrustDomainConfig> trust_domains,
                                                         VerifierOptions options, const core::Clock& clock) {
  auto verifier = std::make_unique<VerifierImpl>(std::move(trust_domains), std::move(options), clock);
  if (auto loaded = verifier->load(); !loaded) return std::unexpected(loaded.error());
  return std::unique_ptr<Verifier>(std::move(verifier));
}

}  // namespace bulkhead::identity
