// Key generation, JWT signing (JwtSigner), JWK export and thumbprints: the demo's SVID helper, benchmarks and task
// tokens use these; verification never does.
#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include <array>

#include "identity/detail/openssl.h"

namespace bulkhead::identity {
namespace {

using core::Reason;

std::unexpected<core::Error> crypto_error(std::string_view what) {
  return core::fail(Reason::internal_error, fmt::format("{}: {}", what, detail::openssl_error()));
}

core::Result<detail::Pkey> read_private_key(std::string_view pem) {
  detail::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return crypto_error("out of memory");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) return crypto_error("not a PEM private key");
  return detail::Pkey(key);
}

bool key_fits(Algorithm alg, EVP_PKEY* key) {
  switch (alg) {
    case Algorithm::es256:
      return EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) == 256;
    case Algorithm::es384:
      return EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) == 384;
    case Algorithm::rs256:
    case Algorithm::ps256:
      return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048;
    case Algorithm::eddsa:
      return EVP_PKEY_is_a(key, "ED25519");
  }
  return false;
}

std::string der_to_raw_ecdsa(std::string_view der, std::size_t half) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return {};
  std::string raw(half * 2, '\0');
  const BIGNUM* r = ECDSA_SIG_get0_r(sig);
  const BIGNUM* s = ECDSA_SIG_get0_s(sig);
  const bool ok = BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(half)) > 0 &&
                  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data() + half), static_cast<int>(half)) > 0;
  ECDSA_SIG_free(sig);
  return ok ? raw : std::string();
}

std::string b64url(std::string_view bytes) { return core::base64url_encode(core::as_bytes(bytes)); }

std::string bn_b64url(EVP_PKEY* key, const char* param) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &raw) != 1) return {};
  detail::Bignum bn(raw);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return b64url(bytes);
}

}  // namespace

core::Result<std::string> generate_private_key(Algorithm alg) {
  EVP_PKEY* raw = nullptr;
  switch (alg) {
    case Algorithm::es256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case Algorithm::es384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case Algorithm::rs256:
    case Algorithm::ps256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case Algorithm::eddsa:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (raw == nullptr) return crypto_error("key generation failed");
  detail::Pkey key(raw);
  detail::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return crypto_error("cannot write the private key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

struct JwtSigner::Impl {
  Algorithm alg = Algorithm::eddsa;
  std::string kid;
  detail::Pkey key;
  // Ed25519 signs through libsodium (≈ 20 µs against OpenSSL's ≈ 55 µs per signature here): the expanded secret
  // key, derived once from the PEM's seed and wiped on destruction.
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> ed25519_secret{};
  ~Impl() { sodium_memzero(ed25519_secret.data(), ed25519_secret.size()); }
};

JwtSigner::JwtSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JwtSigner::~JwtSigner() = default;
const std::string& JwtSigner::kid() const noexcept { return impl_->kid; }
Algorithm JwtSigner::alg() const noexcept { return impl_->alg; }

core::Result<std::unique_ptr<JwtSigner>> JwtSigner::create(Algorithm alg, std::string_view private_key_pem,
                                                           std::string kid) {
  auto key = read_private_key(private_key_pem);
  if (!key) return std::unexpected(key.error());
  if (!key_fits(alg, key->get())) {
    return core::fail(Reason::invalid_request, fmt::format("the private key does not fit alg {}", algorithm_name(alg)));
  }
  auto impl = std::make_unique<Impl>();
  impl->alg = alg;
  impl->kid = std::move(kid);
  impl->key = std::move(*key);
  if (alg == Algorithm::eddsa) {
    std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
    std::size_t length = seed.size();
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
    const bool ok = sodium_init() >= 0 &&
                    EVP_PKEY_get_raw_private_key(impl->key.get(), seed.data(), &length) == 1 && length == seed.size() &&
                    crypto_sign_seed_keypair(public_key.data(), impl->ed25519_secret.data(), seed.data()) == 0;
    sodium_memzero(seed.data(), seed.size());
    if (!ok) return crypto_error("Ed25519 private key");
  }
  return std::make_unique<JwtSigner>(std::move(impl));
}

core::Result<std::string> JwtSigner::sign(const json::Value& claims) const {
  const Algorithm alg = impl_->alg;
  json::Value header = json::Value::object();
  header.set("alg", algorithm_name(alg));
  header.set("kid", impl_->kid);
  header.set("typ", "JWT");
  std::string input = b64url(json::serialize(header));
  input += '.';
  input += b64url(json::serialize(claims));
  if (alg == Algorithm::eddsa) {
    std::array<unsigned char, crypto_sign_BYTES> raw{};
    crypto_sign_detached(raw.data(), nullptr, reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                         impl_->ed25519_secret.data());
    input += '.';
    input += b64url(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
    return input;
  }
  detail::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = alg == Algorithm::eddsa ? nullptr : alg == Algorithm::es384 ? EVP_sha384() : EVP_sha256();
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, impl_->key.get()) != 1) return crypto_error("sign init");
  if (alg == Algorithm::ps256 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)) {
    return crypto_error("PSS parameters");
  }
  std::size_t size = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &size, in, input.size()) != 1) return crypto_error("sign");
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, in, input.size()) != 1) {
    return crypto_error("sign");
  }
  signature.resize(size);
  if (alg == Algorithm::es256 || alg == Algorithm::es384) {
    signature = der_to_raw_ecdsa(signature, alg == Algorithm::es256 ? 32 : 48);
    if (signature.empty()) return core::fail(Reason::internal_error, "cannot encode the ECDSA signature");
  }
  input += '.';
  input += b64url(signature);
  return input;
}

core::Result<json::Value> JwtSigner::public_jwk(std::string_view use) const {
  const Algorithm alg = impl_->alg;
  EVP_PKEY* key = impl_->key.get();
  json::Value jwk = json::Value::object();
  if (alg == Algorithm::eddsa) {
    std::string x(32, '\0');
    std::size_t length = x.size();
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(x.data()), &length) != 1) {
      return crypto_error("Ed25519 public key");
    }
    jwk.set("kty", "OKP");
    jwk.set("crv", "Ed25519");
    jwk.set("x", b64url(x));
  } else if (alg == Algorithm::es256 || alg == Algorithm::es384) {
    jwk.set("kty", "EC");
    jwk.set("crv", alg == Algorithm::es256 ? "P-256" : "P-384");
    jwk.set("x", bn_b64url(key, OSSL_PKEY_PARAM_EC_PUB_X));
    jwk.set("y", bn_b64url(key, OSSL_PKEY_PARAM_EC_PUB_Y));
    // Coordinates are fixed-width in JWK (RFC 7518 §6.2.1.2): left-pad what BN dropped.
    const std::size_t width = alg == Algorithm::es256 ? 32 : 48;
    for (auto name : {"x", "y"}) {
      auto bytes = core::base64url_decode(*jwk.find_string(name));
      if (!bytes) return core::fail(Reason::internal_error, "EC coordinate");
      bytes->insert(bytes->begin(), width - std::min(width, bytes->size()), 0);
      jwk.set(name, core::base64url_encode(*bytes));
    }
  } else {
    jwk.set("kty", "RSA");
    jwk.set("n", bn_b64url(key, OSSL_PKEY_PARAM_RSA_N));
    jwk.set("e", bn_b64url(key, OSSL_PKEY_PARAM_RSA_E));
  }
  jwk.set("kid", impl_->kid);
  jwk.set("alg", algorithm_name(alg));
  jwk.set("use", use);
  return jwk;
}

core::Result<std::string> sign_jwt(Algorithm alg, std::string_view private_key_pem, std::string_view kid,
                                   const json::Value& claims) {
  auto signer = JwtSigner::create(alg, private_key_pem, std::string(kid));
  if (!signer) return std::unexpected(signer.error());
  return (*signer)->sign(claims);
}

core::Result<json::Value> public_jwk(Algorithm alg, std::string_view private_key_pem, std::string_view kid) {
  auto signer = JwtSigner::create(alg, private_key_pem, std::string(kid));
  if (!signer) return std::unexpected(signer.error());
  return (*signer)->public_jwk("jwt-svid");
}

core::Result<std::string> jwk_thumbprint(const json::Value& jwk) {
  // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace.
  const std::string* kty = jwk.find_string("kty");
  if (kty == nullptr) return core::fail(Reason::invalid_request, "JWK without kty");
  std::vector<std::string_view> members;
  if (*kty == "OKP") members = {"crv", "kty", "x"};
  else if (*kty == "EC") members = {"crv", "kty", "x", "y"};
  else if (*kty == "RSA") members = {"e", "kty", "n"};
  else return core::fail(Reason::invalid_request, fmt::format("JWK kty '{}' has no thumbprint here", *kty));
  json::Value required = json::Value::object();
  for (auto name : members) {
    const std::string* value = jwk.find_string(name);
    if (value == nullptr) return core::fail(Reason::invalid_request, fmt::format("JWK without {}", name));
    required.set(name, *value);
  }
  const std::string canonical = json::serialize(required);
  const auto digest = core::sha256(core::as_bytes(canonical));
  return core::base64url_encode(digest);
}

}  // namespace bulkhead::identity
