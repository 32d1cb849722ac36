#include "audit/detail/signing_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace bulkhead::audit::detail {
namespace {

// DER prefixes of the fixed-size Ed25519 encodings (RFC 8410): PKCS#8 OneAsymmetricKey and SubjectPublicKeyInfo.
constexpr std::uint8_t kPkcs8Prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                         0x04, 0x22, 0x04, 0x20};
constexpr std::uint8_t kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; < 0 means the library cannot work at all.
  if (sodium_init() < 0) std::abort();
}

std::string pem_wrap(std::string_view label, std::span<const std::uint8_t> der) {
  const std::string b64 = core::base64_encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

core::Result<std::vector<std::uint8_t>> pem_unwrap(std::string_view pem, std::string_view label) {
  const std::string begin = "-----BEGIN " + std::string(label) + "-----";
  const std::string end = "-----END " + std::string(label) + "-----";
  const std::size_t b = pem.find(begin);
  const std::size_t e = pem.find(end);
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) {
    return core::fail(core::Reason::invalid_request, "not a PEM \"" + std::string(label) + "\" block");
  }
  std::string b64;
  for (char c : pem.substr(b + begin.size(), e - b - begin.size())) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') b64.push_back(c);
  }
  auto der = core::base64_decode(b64);
  if (!der) return core::fail(core::Reason::invalid_request, "PEM body is not base64");
  return std::move(*der);
}

core::Result<std::string> read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return core::fail(core::Reason::invalid_request, "cannot read " + file.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

SigningKey SigningKey::from_seed(const std::array<std::uint8_t, 32>& seed) {
  ensure_sodium();
  SigningKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_.data(), seed.data());
  return key;
}

core::Result<SigningKey> SigningKey::load_or_create(const std::filesystem::path& file, bool create) {
  ensure_sodium();
  if (file.empty()) return core::fail(core::Reason::invalid_request, "audit signing_key_file is not set");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (!create) return core::fail(core::Reason::invalid_request, "audit signing key " + file.string() + " missing");
    std::array<std::uint8_t, 32> seed{};
    randombytes_buf(seed.data(), seed.size());
    const std::string pem = private_key_pem(seed);
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return core::fail(core::Reason::invalid_request,
                        "cannot create audit signing key " + file.string() + ": " + std::strerror(errno));
    }
    const bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
    ::close(fd);
    sodium_memzero(seed.data(), seed.size());
    if (!written) return core::fail(core::Reason::invalid_request, "cannot write audit signing key " + file.string());
  }
  auto pem = read_file(file);
  if (!pem) return std::unexpected(pem.error());
  auto der = pem_unwrap(*pem, "PRIVATE KEY");
  sodium_memzero(pem->data(), pem->size());
  if (!der) return core::fail(core::Reason::invalid_request, file.string() + ": " + der.error().message);
  if (der->size() != sizeof kPkcs8Prefix + 32 || !std::equal(std::begin(kPkcs8Prefix), std::end(kPkcs8Prefix), der->begin())) {
    return core::fail(core::Reason::invalid_request, file.string() + ": not an Ed25519 PKCS#8 private key");
  }
  std::array<std::uint8_t, 32> seed{};
  std::copy_n(der->begin() + sizeof kPkcs8Prefix, 32, seed.begin());
  sodium_memzero(der->data(), der->size());
  SigningKey key = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

Sha256Digest SigningKey::key_id() const { return key_id_of(public_key_); }

std::array<std::uint8_t, 64> SigningKey::sign(std::span<const std::uint8_t> message) const {
  std::array<std::uint8_t, 64> signature{};
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), secret_.data());
  return signature;
}

Sha256Digest key_id_of(const PublicKey& key) { return core::sha256(key); }

bool verify_signature(const PublicKey& key, std::span<const std::uint8_t> message,
                      std::span<const std::uint8_t, 64> signature) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), key.data()) == 0;
}

std::string private_key_pem(const std::array<std::uint8_t, 32>& seed) {
  std::vector<std::uint8_t> der(std::begin(kPkcs8Prefix), std::end(kPkcs8Prefix));
  der.insert(der.end(), seed.begin(), seed.end());
  std::string pem = pem_wrap("PRIVATE KEY", der);
  sodium_memzero(der.data(), der.size());
  return pem;
}

std::string public_key_pem(const PublicKey& key) {
  std::vector<std::uint8_t> der(std::begin(kSpkiPrefix), std::end(kSpkiPrefix));
  der.insert(der.end(), key.begin(), key.end());
  return pem_wrap("PUBLIC KEY", der);
}

core::Result<PublicKey> parse_public_key_pem(std::string_view pem) {
  auto der = pem_unwrap(pem, "PUBLIC KEY");
  if (!der) return std::unexpected(der.error());
  if (der->size() != sizeof kSpkiPrefix + 32 || !std::equal(std::begin(kSpkiPrefix), std::end(kSpkiPrefix), der->begin())) {
    return core::fail(core::Reason::invalid_request, "not an Ed25519 SubjectPublicKeyInfo");
  }
  PublicKey key{};
  std::copy_n(der->begin() + sizeof kSpkiPrefix, 32, key.begin());
  return key;
}

core::Result<PublicKey> read_public_key_file(const std::filesystem::path& file) {
  auto pem = read_file(file);
  if (!pem) return std::unexpected(pem.error());
  auto key = parse_public_key_pem(*pem);
  if (!key) return core::fail(core::Reason::invalid_request, file.string() + ": " + key.error().message);
  return key;
}

}  // namespace bulkhead::audit::detail
