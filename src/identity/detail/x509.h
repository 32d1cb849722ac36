// X.509-SVID checks for mTLS clients: one SPIFFE URI SAN, chained to the trust domain's bundle.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>

#include <openssl/x509_vfy.h>

#include "core/core.h"
#include "identity/identity.h"

namespace bulkhead::identity::detail {

struct StoreFree {
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
using TrustStore = std::unique_ptr<X509_STORE, StoreFree>;

// Loads a PEM bundle (at least one CA certificate) into a new store.
[[nodiscard]] core::Result<TrustStore> load_bundle(const std::string& pem_file);

struct CertificateIdentity {
  SpiffeId id;
  std::chrono::system_clock::time_point not_after;
};
// The SPIFFE ID of the leaf (exactly one URI SAN, not a CA certificate). No chain check.
[[nodiscard]] core::Result<CertificateIdentity> leaf_identity(std::span<const std::string> chain_der);
// Verifies leaf + intermediates against `store` at time `now` for TLS client use.
[[nodiscard]] core::Result<void> verify_chain(X509_STORE* store, std::span<const std::string> chain_der,
                                              std::chrono::system_clock::time_point now);

}  // namespace bulkhead::identity::detail
