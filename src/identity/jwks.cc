// JWKS (RFC 7517/7518) → KeySet: public keys pinned to one algorithm each.
#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "identity/detail/openssl.h"

namespace bulkhead::identity {
namespace {

using core::Reason;

constexpr std::size_t kMaxJwksBytes = 1u << 20;
constexpr std::size_t kMaxKeys = 256;
constexpr int kMinRsaBits = 2048;

struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};

core::Error jwks_error(std::string message) { return core::Error{Reason::invalid_request, std::move(message)}; }

core::Result<std::vector<std::uint8_t>> member_bytes(const json::Value& jwk, std::string_view name,
                                                     std::string_view kid) {
  const std::string* text = jwk.find_string(name);
  if (text == nullptr) return std::unexpected(jwks_error(fmt::format("key '{}': missing '{}'", kid, name)));
  auto bytes = core::base64url_decode(*text);
  if (!bytes || bytes->empty()) {
    return std::unexpected(jwks_error(fmt::format("key '{}': '{}' is not base64url", kid, name)));
  }
  return std::move(*bytes);
}

// Builds a public key from OSSL_PARAMs ("EC"/"RSA").
core::Result<detail::Pkey> from_params(const char* type, OSSL_PARAM_BLD* builder, std::string_view kid) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(builder));
  detail::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return std::unexpected(jwks_error(fmt::format("key '{}': not a valid {} public key ({})", kid, type,
                                                  detail::openssl_error())));
  }
  return detail::Pkey(raw);
}

core::Result<detail::Pkey> ec_key(const json::Value& jwk, std::string_view kid, Algorithm alg) {
  const std::size_t size = alg == Algorithm::es256 ? 32 : 48;
  auto x = member_bytes(jwk, "x", kid);
  if (!x) return std::unexpected(x.error());
  auto y = member_bytes(jwk, "y", kid);
  if (!y) return std::unexpected(y.error());
  if (x->size() != size || y->size() != size) {
    return std::unexpected(jwks_error(fmt::format("key '{}': x and y must be {} bytes", kid, size)));
  }
  std::vector<std::uint8_t> point{0x04};
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  const char* group = alg == Algorithm::es256 ? "prime256v1" : "secp384r1";
  if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return std::unexpected(jwks_error("out of memory building an EC key"));
  }
  auto key = from_params("EC", builder.get(), kid);
  if (!key) return key;
  // fromdata does not always check that the point lies on the curve; do it explicitly.
  detail::PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return std::unexpected(jwks_error(fmt::format("key '{}': EC point is not on the curve", kid)));
  }
  return key;
}

core::Result<detail::Pkey> rsa_key(const json::Value& jwk, std::string_view kid) {
  auto n = member_bytes(jwk, "n", kid);
  if (!n) return std::unexpected(n.error());
  auto e = member_bytes(jwk, "e", kid);
  if (!e) return std::unexpected(e.error());
  detail::Bignum bn_n(BN_bin2bn(n->data(), static_cast<int>(n->size()), nullptr));
  detail::Bignum bn_e(BN_bin2bn(e->data(), static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) return std::unexpected(jwks_error("out of memory building an RSA key"));
  if (BN_num_bits(bn_n.get()) < kMinRsaBits) {
    return std::unexpected(jwks_error(fmt::format("key '{}': RSA keys must have at least {} bits", kid, kMinRsaBits)));
  }
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return std::unexpected(jwks_error("out of memory building an RSA key"));
  }
  return from_params("RSA", builder.get(), kid);
}

core::Result<detail::Pkey> okp_key(const json::Value& jwk, std::string_view kid) {
  auto x = member_bytes(jwk, "x", kid);
  if (!x) return std::unexpected(x.error());
  if (x->size() != 32) return std::unexpected(jwks_error(fmt::format("key '{}': Ed25519 x must be 32 bytes", kid)));
  EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, x->data(), x->size());
  if (raw == nullptr) return std::unexpected(jwks_error(fmt::format("key '{}': invalid Ed25519 key", kid)));
  return detail::Pkey(raw);
}

// The algorithm a key is pinned to: its `alg`, which must fit kty/crv; EC and OKP keys without `alg` get the
// only algorithm their curve allows; RSA keys need `alg` (RS256 and PS256 must not share a key).
core::Result<Algorithm> pinned_algorithm(const json::Value& jwk, std::string_view kty, std::string_view kid) {
  const std::string* crv = jwk.find_string("crv");
  std::optional<Algorithm> implied;
  if (kty == "EC" && crv != nullptr && *crv == "P-256") implied = Algorithm::es256;
  if (kty == "EC" && crv != nullptr && *crv == "P-384") implied = Algorithm::es384;
  if (kty == "OKP" && crv != nullptr && *crv == "Ed25519") implied = Algorithm::eddsa;
  if (kty != "RSA" && !implied) {
    return std::unexpected(jwks_error(fmt::format("key '{}': unsupported curve for {}", kid, kty)));
  }
  const json::Value* alg_member = jwk.find("alg");
  if (alg_member == nullptr) {
    if (implied) return *implied;
    return std::unexpected(jwks_error(fmt::format("key '{}': RSA keys must name their alg (RS256 or PS256)", kid)));
  }
  if (!alg_member->is_string()) return std::unexpected(jwks_error(fmt::format("key '{}': alg must be a string", kid)));
  auto alg = algorithm_from_name(alg_member->as_string());
  if (!alg) {
    return std::unexpected(jwks_error(fmt::format("key '{}': alg '{}' is not accepted", kid, alg_member->as_string())));
  }
  const bool fits = implied ? *alg == *implied : (*alg == Algorithm::rs256 || *alg == Algorithm::ps256);
  if (!fits) {
    return std::unexpected(jwks_error(fmt::format("key '{}': alg {} does not fit a {} key", kid, algorithm_name(*alg), kty)));
  }
  return *alg;
}

}  // namespace

KeySet::KeySet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeySet::~KeySet() = default;

const KeySet::Key* KeySet::find(std::string_view kid) const noexcept {
  auto it = impl_->keys.find(std::string(kid));
  return it == impl_->keys.end() ? nullptr : &it->second;
}

std::size_t KeySet::size() const noexcept { return impl_->keys.size(); }

core::Result<std::shared_ptr<const KeySet>> parse_jwks(std::string_view text) {
  if (text.size() > kMaxJwksBytes) return std::unexpected(jwks_error("JWKS document is larger than 1 MiB"));
  auto doc = json::parse(text);
  if (!doc) return std::unexpected(jwks_error("JWKS is not valid JSON: " + doc.error().message));
  const json::Value* keys = doc->find("keys");
  if (keys == nullptr || !keys->is_array()) return std::unexpected(jwks_error("JWKS must be an object with a \"keys\" array"));
  if (keys->as_array().size() > kMaxKeys) return std::unexpected(jwks_error("JWKS has more than 256 keys"));
  auto impl = std::make_unique<KeySet::Impl>();
  for (const auto& jwk : keys->as_array()) {
    if (!jwk.is_object()) return std::unexpected(jwks_error("every JWKS key must be an object"));
    const std::string* kty = jwk.find_string("kty");
    if (kty == nullptr) return std::unexpected(jwks_error("a JWKS key has no kty"));
    if (const std::string* use = jwk.find_string("use"); use != nullptr && *use != "sig" && *use != "jwt-svid") {
      continue;  // e.g. "x509-svid" entries of a SPIFFE bundle
    }
    if (*kty != "EC" && *kty != "RSA" && *kty != "OKP") continue;  // unknown key types are not ours to use
    const std::string* kid = jwk.find_string("kid");
    if (kid == nullptr || kid->empty()) return std::unexpected(jwks_error(fmt::format("a {} key has no kid", *kty)));
    for (auto secret : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
      if (jwk.find(secret) != nullptr) {
        return std::unexpected(jwks_error(fmt::format("key '{}' contains private member '{}': publish public keys only", *kid, secret)));
      }
    }
    auto alg = pinned_algorithm(jwk, *kty, *kid);
    if (!alg) return std::unexpected(alg.error());
    core::Result<detail::Pkey> pkey = *kty == "EC"    ? ec_key(jwk, *kid, *alg)
                                      : *kty == "RSA" ? rsa_key(jwk, *kid)
                                                      : okp_key(jwk, *kid);
    if (!pkey) return std::unexpected(pkey.error());
    KeySet::Key key;
    key.kid = *kid;
    key.alg = *alg;
    key.pkey = std::move(*pkey);
    if (!impl->keys.emplace(*kid, std::move(key)).second) {
      return std::unexpected(jwks_error(fmt::format("kid '{}' appears twice", *kid)));
    }
  }
  return std::make_shared<const KeySet>(std::move(impl));
}

}  // namespace bulkhead::identity
