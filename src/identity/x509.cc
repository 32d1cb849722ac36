// X.509-SVID verification (SPIFFE X509-SVID §4, §5): URI SAN identity and chain to the trust domain bundle.
#include <ctime>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "identity/detail/openssl.h"
#include "identity/detail/x509.h"

namespace bulkhead::identity::detail {
namespace {

using core::Reason;

struct StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_pop_free(p, X509_free); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* p) const noexcept { GENERAL_NAMES_free(p); }
};

std::unexpected<core::Error> invalid(std::string message) { return core::fail(Reason::token_invalid, std::move(message)); }

X509Ptr decode(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

core::Result<TrustStore> load_bundle(const std::string& pem_file) {
  TrustStore store(X509_STORE_new());
  if (!store) return core::fail(Reason::internal_error, "out of memory");
  if (X509_STORE_load_file(store.get(), pem_file.c_str()) != 1) {
    return core::fail(Reason::invalid_request, fmt::format("cannot load X.509 bundle {}: {}", pem_file, openssl_error()));
  }
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store.get());
  if (objects == nullptr || sk_X509_OBJECT_num(objects) == 0) {
    return core::fail(Reason::invalid_request, fmt::format("X.509 bundle {} holds no certificate", pem_file));
  }
  return store;
}

core::Result<CertificateIdentity> leaf_identity(std::span<const std::string> chain_der) {
  if (chain_der.empty()) return core::fail(Reason::unauthenticated, "no client certificate");
  X509Ptr leaf = decode(chain_der.front());
  if (!leaf) return invalid("client certificate is not valid DER");
  if (X509_check_ca(leaf.get()) != 0) return invalid("client certificate is a CA certificate, not an X.509-SVID");
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr)));
  std::string uri;
  int uris = 0;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_URI) continue;
    ++uris;
    const ASN1_IA5STRING* value = name->d.uniformResourceIdentifier;
    uri.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)), static_cast<std::size_t>(ASN1_STRING_length(value)));
  }
  if (uris != 1) return invalid(fmt::format("client certificate must carry exactly one URI SAN, it has {}", uris));
  auto id = parse_spiffe_id(uri);
  if (!id) return invalid("client certificate URI SAN is not a SPIFFE ID");
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf.get()), &tm) != 1) return invalid("client certificate has no valid notAfter");
  const auto not_after = std::chrono::system_clock::from_time_t(timegm(&tm));
  return CertificateIdentity{std::move(*id), not_after};
}

core::Result<void> verify_chain(X509_STORE* store, std::span<const std::string> chain_der,
                                std::chrono::system_clock::time_point now) {
  X509Ptr leaf = decode(chain_der.front());
  if (!leaf) return invalid("client certificate is not valid DER");
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  if (!untrusted) return core::fail(Reason::internal_error, "out of memory");
  for (std::size_t i = 1; i < chain_der.size(); ++i) {
    X509Ptr cert = decode(chain_der[i]);
    if (!cert) return invalid("client certificate chain holds invalid DER");
    if (sk_X509_push(untrusted.get(), cert.get()) <= 0) return core::fail(Reason::internal_error, "out of memory");
    cert.release();  // owned by the stack now
  }
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, leaf.get(), untrusted.get()) != 1) {
    return core::fail(Reason::internal_error, "cannot set up certificate verification");
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(now));
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    if (error == X509_V_ERR_CERT_HAS_EXPIRED) return core::fail(Reason::token_expired, "client certificate has expired");
    return invalid(fmt::format("client certificate does not chain to the trust domain bundle: {}",
                               X509_verify_cert_error_string(error)));
  }
  return {};
}

}  // namespace bulkhead::identity::detail
