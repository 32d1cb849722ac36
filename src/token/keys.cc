// Task-token signing keys: the current Ed25519 key (created on first start) and the previous one (kept after a
// rotation so tokens it signed stay verifiable until they expire). kid = RFC 7638 thumbprint.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "token/detail/service_impl.h"

namespace bulkhead::token {
namespace {

using core::Reason;

std::filesystem::path previous_of(const std::filesystem::path& key_file) {
  return std::filesystem::path(key_file.string() + ".previous");
}

core::Result<std::optional<std::string>> read_pem(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return core::fail(Reason::invalid_request,
                      fmt::format("task-token key {} is readable by group or others (chmod 600 it)", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(Reason::invalid_request, fmt::format("cannot read task-token key {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return std::optional<std::string>(text.str());
}

core::Result<void> write_pem(const std::filesystem::path& path, std::string_view pem) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return core::fail(Reason::invalid_request,
                      fmt::format("cannot create task-token key {}: {}", path.string(), std::strerror(errno)));
  }
  const bool ok = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return core::fail(Reason::invalid_request, fmt::format("cannot write task-token key {}", path.string()));
  return {};
}

// A signer whose kid is its key's thumbprint.
core::Result<std::unique_ptr<identity::JwtSigner>> signer_for(std::string_view pem, const std::filesystem::path& path) {
  auto probe = identity::JwtSigner::create(identity::Algorithm::eddsa, pem, "");
  if (!probe) {
    return core::fail(Reason::invalid_request,
                      fmt::format("task-token key {} is not an Ed25519 PKCS#8 PEM key: {}", path.string(),
                                  probe.error().message));
  }
  auto jwk = (*probe)->public_jwk("sig");
  if (!jwk) return std::unexpected(jwk.error());
  auto kid = identity::jwk_thumbprint(*jwk);
  if (!kid) return std::unexpected(kid.error());
  return identity::JwtSigner::create(identity::Algorithm::eddsa, pem, *kid);
}

}  // namespace

namespace detail {

core::Result<SigningKeys> load_signing_keys(const std::filesystem::path& key_file, bool create) {
  if (key_file.empty()) return core::fail(Reason::invalid_request, "[tokens] signing_key_file is required");
  auto pem = read_pem(key_file);
  if (!pem) return std::unexpected(pem.error());
  if (!*pem) {
    if (!create) {
      return core::fail(Reason::invalid_request, fmt::format("task-token key {} does not exist", key_file.string()));
    }
    auto made = identity::generate_private_key(identity::Algorithm::eddsa);
    if (!made) return std::unexpected(made.error());
    if (auto written = write_pem(key_file, *made); !written) return std::unexpected(written.error());
    pem = std::optional<std::string>(std::move(*made));
  }
  SigningKeys keys;
  auto signer = signer_for(**pem, key_file);
  if (!signer) return std::unexpected(signer.error());
  keys.signer = std::move(*signer);
  keys.jwks = json::Value::object();
  json::Value& list = keys.jwks.set("keys", json::Value::array());
  auto current = keys.signer->public_jwk("sig");
  if (!current) return std::unexpected(current.error());
  list.push_back(std::move(*current));
  auto previous_pem = read_pem(previous_of(key_file));
  if (!previous_pem) return std::unexpected(previous_pem.error());
  if (*previous_pem) {
    auto previous = signer_for(**previous_pem, previous_of(key_file));
    if (!previous) return std::unexpected(previous.error());
    if ((*previous)->kid() != keys.signer->kid()) {
      auto jwk = (*previous)->public_jwk("sig");
      if (!jwk) return std::unexpected(jwk.error());
      list.push_back(std::move(*jwk));
    }
  }
  auto verify = identity::parse_jwks(json::serialize(keys.jwks));
  if (!verify) return std::unexpected(verify.error());
  keys.verify_keys = std::move(*verify);
  return keys;
}

}  // namespace detail

core::Result<std::string> rotate_signing_key(const std::filesystem::path& key_file, std::chrono::seconds max_ttl,
                                             bool force, const core::Clock& clock) {
  auto current = read_pem(key_file);
  if (!current) return std::unexpected(current.error());
  if (!*current) return core::fail(Reason::invalid_request, fmt::format("{} does not exist: nothing to rotate", key_file.string()));
  const auto previous = previous_of(key_file);
  std::error_code ec;
  if (std::filesystem::exists(previous, ec) && !force) {
    // The previous key verifies tokens signed before the last rotation; dropping it early kills them.
    struct stat st {};
    if (::stat(previous.c_str(), &st) == 0) {
      const auto rotated_at = std::chrono::system_clock::from_time_t(st.st_mtime);
      if (clock.now() - rotated_at < max_ttl + std::chrono::seconds(60)) {
        return core::fail(Reason::invalid_request,
                          fmt::format("the last rotation was less than max_ttl ago: tokens signed with {} may still be "
                                      "live; wait, or pass --force",
                                      previous.string()));
      }
    }
  }
  auto made = identity::generate_private_key(identity::Algorithm::eddsa);
  if (!made) return std::unexpected(made.error());
  const auto staged = std::filesystem::path(key_file.string() + ".new");
  std::filesystem::remove(staged, ec);
  if (auto written = write_pem(staged, *made); !written) return std::unexpected(written.error());
  std::filesystem::rename(key_file, previous, ec);
  if (ec) return core::fail(Reason::internal_error, fmt::format("cannot move {} aside: {}", key_file.string(), ec.message()));
  ::utimensat(AT_FDCWD, previous.c_str(), nullptr, 0);  // mtime = rotation time (read by the next rotation)
  std::filesystem::rename(staged, key_file, ec);
  if (ec) return core::fail(Reason::internal_error, fmt::format("cannot install the new key: {}", ec.message()));
  auto signer = signer_for(*made, key_file);
  if (!signer) return std::unexpected(signer.error());
  return (*signer)->kid();
}

}  // namespace bulkhead::token
