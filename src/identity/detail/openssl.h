// OpenSSL ownership wrappers and the key record shared by the JWKS parser, the verifier and the signer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "identity/identity.h"

namespace bulkhead::identity {

namespace detail {
struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using Bignum = std::unique_ptr<BIGNUM, BnFree>;

// The latest OpenSSL error as text (and clears the queue), for error messages.
std::string openssl_error();

// Verifies a JWS signature over `signing_input` (RFC 7518 encodings: ECDSA as raw r||s).
bool verify_signature(Algorithm alg, EVP_PKEY* key, std::string_view signing_input, std::string_view signature);
}  // namespace detail

struct KeySet::Key {
  std::string kid;
  Algorithm alg = Algorithm::eddsa;
  detail::Pkey pkey;
};

struct KeySet::Impl {
  std::unordered_map<std::string, Key> keys;
};

}  // namespace bulkhead::identity
