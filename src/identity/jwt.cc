// JWS compact serialization: decoding and signature checks for the algorithms JWT-SVIDs may use.
#include <array>

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "identity/detail/jwt.h"
#include "identity/detail/openssl.h"

namespace bulkhead::identity {
namespace {

using core::Reason;

constexpr std::array<std::pair<Algorithm, std::string_view>, 5> kAlgorithms{{
    {Algorithm::es256, "ES256"},
    {Algorithm::es384, "ES384"},
    {Algorithm::rs256, "RS256"},
    {Algorithm::ps256, "PS256"},
    {Algorithm::eddsa, "EdDSA"},
}};

std::unexpected<core::Error> invalid(std::string message) { return core::fail(Reason::token_invalid, std::move(message)); }

bool base64url_segment(std::string_view segment) {
  if (segment.empty()) return false;
  for (char c : segment) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

core::Result<json::Value> decode_object(std::string_view segment, std::string_view what) {
  auto bytes = core::base64url_decode(segment);
  if (!bytes) return invalid(fmt::format("token {} is not base64url", what));
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  json::ParseLimits limits;
  limits.max_depth = 32;
  auto value = json::parse(text, limits);
  if (!value) return invalid(fmt::format("token {} is not JSON", what));
  if (!value->is_object()) return invalid(fmt::format("token {} is not a JSON object", what));
  return std::move(*value);
}

const EVP_MD* digest_of(Algorithm alg) {
  switch (alg) {
    case Algorithm::es256:
    case Algorithm::rs256:
    case Algorithm::ps256:
      return EVP_sha256();
    case Algorithm::es384:
      return EVP_sha384();
    case Algorithm::eddsa:
      return nullptr;
  }
  return nullptr;
}

// JWS ECDSA signatures are r||s of fixed width; OpenSSL verifies DER.
std::string ecdsa_raw_to_der(std::string_view raw) {
  const std::size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (sig == nullptr) return {};
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half), static_cast<int>(half), nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return {};
  }
  std::string der;
  const int len = i2d_ECDSA_SIG(sig, nullptr);
  if (len > 0) {
    der.resize(static_cast<std::size_t>(len));
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(sig, &p) != len) der.clear();
  }
  ECDSA_SIG_free(sig);
  return der;
}

}  // namespace

std::string_view algorithm_name(Algorithm alg) noexcept {
  for (const auto& [a, name] : kAlgorithms) {
    if (a == alg) return name;
  }
  return "?";
}

std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept {
  for (const auto& [a, n] : kAlgorithms) {
    if (n == name) return a;
  }
  return std::nullopt;
}

namespace detail {

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  std::array<char, 256> buffer{};
  ERR_error_string_n(code, buffer.data(), buffer.size());
  return buffer.data();
}

bool verify_signature(Algorithm alg, EVP_PKEY* key, std::string_view signing_input, std::string_view signature) {
  std::string der;
  std::string_view sig = signature;
  if (alg == Algorithm::es256 || alg == Algorithm::es384) {
    const std::size_t expected = alg == Algorithm::es256 ? 64 : 96;
    if (signature.size() != expected) return false;
    der = ecdsa_raw_to_der(signature);
    if (der.empty()) return false;
    sig = der;
  } else if (alg == Algorithm::eddsa) {
    // libsodium (≈ 2.5× OpenSSL's Ed25519 verify here); it also refuses non-canonical signatures and small-order keys.
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> raw{};
    std::size_t length = raw.size();
    static const bool sodium_ready = sodium_init() >= 0;  // once: sodium_init takes a lock on every call
    if (signature.size() != crypto_sign_BYTES || !sodium_ready ||
        EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 || length != raw.size()) {
      ERR_clear_error();
      return false;
    }
    return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                                       signing_input.size(), raw.data()) == 0;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, digest_of(alg), nullptr, key) != 1) {
    ERR_clear_error();
    return false;
  }
  if (alg == Algorithm::ps256) {
    // RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1) {
      ERR_clear_error();
      return false;
    }
  } else if (alg == Algorithm::rs256 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    ERR_clear_error();
    return false;
  }
  const int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                                  reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  ERR_clear_error();
  return ok == 1;
}

core::Result<DecodedJwt> decode_jwt(std::string_view token, std::size_t max_bytes) {
  if (token.empty()) return invalid("empty token");
  if (token.size() > max_bytes) return invalid(fmt::format("token is larger than {} bytes", max_bytes));
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return invalid("token is not a compact JWS (header.payload.signature)");
  }
  const std::string_view header_b64 = token.substr(0, first);
  const std::string_view payload_b64 = token.substr(first + 1, second - first - 1);
  const std::string_view signature_b64 = token.substr(second + 1);
  if (!base64url_segment(header_b64) || !base64url_segment(payload_b64) || !base64url_segment(signature_b64)) {
    return invalid("token segments must be unpadded base64url");
  }
  DecodedJwt out;
  auto header = decode_object(header_b64, "header");
  if (!header) return std::unexpected(header.error());
  out.header = std::move(*header);
  const json::Value* alg = out.header.find("alg");
  if (alg == nullptr || !alg->is_string()) return invalid("token header has no alg");
  const std::string& alg_name = alg->as_string();
  if (alg_name == "none") return invalid("alg none is refused");
  if (alg_name.starts_with("HS")) return invalid(fmt::format("alg {} (shared secret) is refused", alg_name));
  auto parsed_alg = algorithm_from_name(alg_name);
  if (!parsed_alg) return invalid(fmt::format("alg {} is not accepted", alg_name.substr(0, 16)));
  out.alg = *parsed_alg;
  const json::Value* kid = out.header.find("kid");
  if (kid == nullptr || !kid->is_string() || kid->as_string().empty()) return invalid("token header has no kid");
  out.kid = kid->as_string();
  if (const json::Value* typ = out.header.find("typ")) {
    if (!typ->is_string() || (typ->as_string() != "JWT" && typ->as_string() != "JOSE")) {
      return invalid("token typ must be JWT or JOSE");
    }
  }
  if (out.header.find("crit") != nullptr) return invalid("token has crit header parameters this gateway does not understand");
  for (auto embedded : {"jwk", "jku", "x5u", "x5c"}) {
    if (out.header.find(embedded) != nullptr) {
      return invalid(fmt::format("token header '{}' refused: keys come only from the trust domain's JWKS", embedded));
    }
  }
  auto claims = decode_object(payload_b64, "payload");
  if (!claims) return std::unexpected(claims.error());
  out.claims = std::move(*claims);
  auto signature = core::base64url_decode(signature_b64);
  if (!signature) return invalid("token signature is not base64url");
  out.signature.assign(signature->begin(), signature->end());
  out.signing_input = token.substr(0, second);
  return out;
}

}  // namespace detail

core::Result<VerifiedJws> verify_jws(std::string_view token, const KeySet& keys, std::size_t max_bytes) {
  auto decoded = detail::decode_jwt(token, max_bytes);
  if (!decoded) return std::unexpected(decoded.error());
  const KeySet::Key* key = keys.find(decoded->kid);
  if (key == nullptr) return invalid("token kid is not a known key");
  if (key->alg != decoded->alg) return invalid("token alg does not match its key");
  if (!detail::verify_signature(key->alg, key->pkey.get(), decoded->signing_input, decoded->signature)) {
    return invalid("token signature does not verify");
  }
  VerifiedJws out;
  out.header = std::move(decoded->header);
  out.claims = std::move(decoded->claims);
  out.kid = std::move(decoded->kid);
  return out;
}

std::optional<std::string> peek_kid(std::string_view token, std::size_t max_bytes) {
  if (token.empty() || token.size() > max_bytes) return std::nullopt;
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || !base64url_segment(token.substr(0, dot))) return std::nullopt;
  auto header = decode_object(token.substr(0, dot), "header");
  if (!header) return std::nullopt;
  const std::string* kid = header->find_string("kid");
  if (kid == nullptr) return std::nullopt;
  return *kid;
}

}  // namespace bulkhead::identity
