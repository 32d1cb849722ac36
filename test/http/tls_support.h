// Test PKI generated in-process with OpenSSL: a CA, a server certificate for 127.0.0.1/localhost and a client
// certificate with a SPIFFE URI SAN, written as PEM files into a fresh temporary directory.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace bulkhead::http::test {

struct TestPki {
  std::filesystem::path dir;
  std::string ca_cert, server_cert, server_key, client_cert, client_key, other_ca_cert;
  std::string client_cert_der;  // DER of the client leaf
};

namespace pki_detail {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

inline KeyPtr make_key() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
  if (!key) throw std::runtime_error("keygen failed");
  return key;
}

inline void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("bad extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

inline CertPtr make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                         const char* san, long serial) {
  CertPtr cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600L * 24);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  if (san != nullptr) add_ext(cert.get(), signer, NID_subject_alt_name, san);
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    throw std::runtime_error("sign failed");
  }
  return cert;
}

inline void write_cert(const std::filesystem::path& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path.string());
  PEM_write_X509(f, cert);
  std::fclose(f);
}

inline void write_key(const std::filesystem::path& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path.string());
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

}  // namespace pki_detail

inline TestPki make_test_pki() {
  using namespace pki_detail;
  TestPki pki;
  char tmpl[] = "/tmp/bulkhead-http-tls-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  pki.dir = tmpl;
  auto ca_key = make_key();
  auto ca = make_cert(ca_key.get(), "Bulkhead Test CA", nullptr, nullptr, true, nullptr, 1);
  auto server_key = make_key();
  auto server = make_cert(server_key.get(), "localhost", ca.get(), ca_key.get(), false,
                          "DNS:localhost,IP:127.0.0.1", 2);
  auto client_key = make_key();
  auto client = make_cert(client_key.get(), "agent", ca.get(), ca_key.get(), false,
                          "URI:spiffe://example.org/agent", 3);
  auto other_key = make_key();
  auto other = make_cert(other_key.get(), "Other CA", nullptr, nullptr, true, nullptr, 4);
  pki.ca_cert = (pki.dir / "ca.pem").string();
  pki.server_cert = (pki.dir / "server.pem").string();
  pki.server_key = (pki.dir / "server.key").string();
  pki.client_cert = (pki.dir / "client.pem").string();
  pki.client_key = (pki.dir / "client.key").string();
  pki.other_ca_cert = (pki.dir / "other-ca.pem").string();
  write_cert(pki.ca_cert, ca.get());
  write_cert(pki.server_cert, server.get());
  write_key(pki.server_key, server_key.get());
  write_cert(pki.client_cert, client.get());
  write_key(pki.client_key, client_key.get());
  write_cert(pki.other_ca_cert, other.get());
  const int len = i2d_X509(client.get(), nullptr);
  pki.client_cert_der.resize(static_cast<std::size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(pki.client_cert_der.data());
  i2d_X509(client.get(), &p);
  return pki;
}

}  // namespace bulkhead::http::test
