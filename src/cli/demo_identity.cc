// Demo workload identities: two trust domains (acme.test, globex.test) with one signing key each, their JWKS
// files, and one JWT-SVID per tenant's support agent, all under examples/demo/var/ (git-ignored). Keys are made
// once; SVIDs are re-minted on every start (they live one hour). Demo only: a real deployment gets SVIDs from
// SPIFFE (SPIRE), never from the gateway.
#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "identity/identity.h"
#include "json/json.h"

namespace bulkhead::cli {
namespace {

namespace fs = std::filesystem;

struct DemoDomain {
  const char* trust_domain;
  const char* tenant;
  identity::Algorithm alg;
};
constexpr DemoDomain kDomains[] = {
    {"acme.test", "acme", identity::Algorithm::eddsa},
    {"globex.test", "globex", identity::Algorithm::es256},
};

core::Result<std::string> read_or_create_key(const fs::path& path, identity::Algorithm alg) {
  if (std::ifstream in(path); in) {
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  auto pem = identity::generate_private_key(alg);
  if (!pem) return pem;
  std::ofstream out(path, std::ios::trunc);
  out << *pem;
  if (!out) return core::fail(core::Reason::internal_error, fmt::format("cannot write {}", path.string()));
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  return pem;
}

}  // namespace

core::Result<std::string> mint_demo_svid(const fs::path& var_dir, std::string_view spiffe_id,
                                         std::chrono::seconds lifetime) {
  auto id = identity::parse_spiffe_id(spiffe_id);
  if (!id) return core::fail(core::Reason::invalid_request, fmt::format("'{}' is not a SPIFFE ID", spiffe_id));
  for (const auto& domain : kDomains) {
    if (id->trust_domain != domain.trust_domain) continue;
    auto pem = read_or_create_key(var_dir / fmt::format("{}.key.pem", domain.trust_domain), domain.alg);
    if (!pem) return std::unexpected(pem.error());
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    json::Value claims = json::Value::object();
    claims.set("sub", id->text);
    claims.set("aud", json::Value(json::Array{json::Value("bulkhead")}));
    claims.set("iat", static_cast<std::int64_t>(now.count()));
    claims.set("exp", static_cast<std::int64_t>((now + lifetime).count()));
    return identity::sign_jwt(domain.alg, *pem, fmt::format("{}-demo", domain.trust_domain), claims);
  }
  return core::fail(core::Reason::invalid_request,
                    fmt::format("the demo has keys for acme.test and globex.test only, not '{}'", id->trust_domain));
}

core::Result<std::vector<DemoIdentity>> prepare_demo_identities(const fs::path& demo_dir) {
  const fs::path var = demo_dir / "var";
  std::error_code ec;
  fs::create_directories(var, ec);
  if (ec) return core::fail(core::Reason::internal_error, fmt::format("cannot create {}: {}", var.string(), ec.message()));
  std::vector<DemoIdentity> out;
  for (const auto& domain : kDomains) {
    auto pem = read_or_create_key(var / fmt::format("{}.key.pem", domain.trust_domain), domain.alg);
    if (!pem) return std::unexpected(pem.error());
    auto jwk = identity::public_jwk(domain.alg, *pem, fmt::format("{}-demo", domain.trust_domain));
    if (!jwk) return std::unexpected(jwk.error());
    json::Value doc = json::Value::object();
    doc.set("keys", json::Value(json::Array{std::move(*jwk)}));
    std::ofstream(var / fmt::format("{}.jwks.json", domain.trust_domain), std::ios::trunc) << json::serialize(doc) << '\n';
    DemoIdentity demo;
    demo.tenant = domain.tenant;
    demo.spiffe_id = fmt::format("spiffe://{}/agent/support", domain.trust_domain);
    auto token = mint_demo_svid(var, demo.spiffe_id, std::chrono::hours(1));
    if (!token) return std::unexpected(token.error());
    demo.token_file = var / fmt::format("{}-agent.jwt", domain.tenant);
    std::ofstream(demo.token_file, std::ios::trunc) << *token;
    out.push_back(std::move(demo));
  }
  return out;
}

}  // namespace bulkhead::cli
