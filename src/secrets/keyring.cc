// Secrets keys: loading them from a key file or the environment, making new ones, and their ids.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <sodium.h>

#include "secrets/secrets.h"

namespace bulkhead::secrets {
namespace {

using core::Reason;

constexpr std::string_view kKeyIdContext = "bulkhead secrets key id v1";

core::Result<Key> key_from_base64(std::string_view text, std::string_view where) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  auto bytes = core::base64_decode(text);
  if (!bytes || bytes->size() != 32) {
    if (bytes) sodium_memzero(bytes->data(), bytes->size());
    return core::fail(Reason::invalid_request, fmt::format("{} must hold 32 bytes as base64 (44 characters)", where));
  }
  Key key;
  std::copy(bytes->begin(), bytes->end(), key.bytes.begin());
  sodium_memzero(bytes->data(), bytes->size());
  std::array<std::uint8_t, 8> id{};
  crypto_generichash(id.data(), id.size(), key.bytes.data(), key.bytes.size(),
                     reinterpret_cast<const unsigned char*>(kKeyIdContext.data()), kKeyIdContext.size());
  key.id = core::hex_encode(id);
  return key;
}

// nullopt when the file does not exist.
core::Result<std::optional<Key>> read_key_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::optional<Key>();
  if ((st.st_mode & 077) != 0) {
    return core::fail(Reason::invalid_request,
                      fmt::format("secrets key file {} is readable by group or others (chmod 600 it)", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(Reason::invalid_request, fmt::format("cannot read secrets key file {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  auto key = key_from_base64(content, fmt::format("secrets key file {}", path.string()));
  sodium_memzero(content.data(), content.size());
  if (!key) return std::unexpected(key.error());
  return std::optional<Key>(std::move(*key));
}

std::filesystem::path sibling(const std::filesystem::path& file, std::string_view suffix) {
  return std::filesystem::path(file.string() + std::string(suffix));
}

}  // namespace

SecretValue& SecretValue::operator=(SecretValue&& other) noexcept {
  if (this != &other) {
    sodium_memzero(value_.data(), value_.size());
    value_ = std::move(other.value_);
  }
  return *this;
}

SecretValue::~SecretValue() { sodium_memzero(value_.data(), value_.size()); }

Key::~Key() { sodium_memzero(bytes.data(), bytes.size()); }

KeySource key_source_from_environment(std::filesystem::path key_file, bool create_if_missing) {
  KeySource source;
  source.key_file = std::move(key_file);
  source.create_if_missing = create_if_missing;
  if (const char* env = std::getenv("BULKHEAD_SECRETS_KEY"); env != nullptr && *env != '\0') source.env_key = env;
  if (const char* env = std::getenv("BULKHEAD_SECRETS_KEY_PREVIOUS"); env != nullptr && *env != '\0') {
    source.env_previous_key = env;
  }
  return source;
}

std::string new_key_text(core::Rng& rng) {
  std::array<std::uint8_t, 32> bytes{};
  rng.fill(bytes);
  std::string text = core::base64_encode(bytes) + "\n";
  sodium_memzero(bytes.data(), bytes.size());
  return text;
}

core::Result<void> write_key_file(const std::filesystem::path& path, std::string_view text) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return core::fail(Reason::invalid_request,
                      fmt::format("cannot create secrets key file {}: {}", path.string(), std::strerror(errno)));
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return core::fail(Reason::invalid_request, fmt::format("cannot write secrets key file {}", path.string()));
  return {};
}

core::Result<Keyring> Keyring::load(const KeySource& source, core::Rng& rng) {
  if (sodium_init() < 0) return core::fail(Reason::internal_error, "libsodium failed to initialize");
  Keyring ring;
  ring.source_ = source;
  if (!source.env_key.empty()) {
    auto current = key_from_base64(source.env_key, "$BULKHEAD_SECRETS_KEY");
    if (!current) return std::unexpected(current.error());
    ring.keys_.push_back(std::move(*current));
    if (!source.env_previous_key.empty()) {
      auto previous = key_from_base64(source.env_previous_key, "$BULKHEAD_SECRETS_KEY_PREVIOUS");
      if (!previous) return std::unexpected(previous.error());
      ring.keys_.push_back(std::move(*previous));
    }
    return ring;
  }
  if (source.key_file.empty()) {
    return core::fail(Reason::invalid_request, "no secrets key: set [secrets] key_file or $BULKHEAD_SECRETS_KEY");
  }
  auto current = read_key_file(source.key_file);
  if (!current) return std::unexpected(current.error());
  if (!*current) {
    if (!source.create_if_missing) {
      return core::fail(Reason::invalid_request,
                        fmt::format("secrets key file {} does not exist (`bulkhead secrets set` creates it)",
                                    source.key_file.string()));
    }
    if (auto written = write_key_file(source.key_file, new_key_text(rng)); !written) {
      return std::unexpected(written.error());
    }
    current = read_key_file(source.key_file);
    if (!current || !*current) return core::fail(Reason::internal_error, "the new secrets key file cannot be read back");
  }
  ring.keys_.push_back(std::move(**current));
  for (auto suffix : {".new", ".previous"}) {
    auto other = read_key_file(sibling(source.key_file, suffix));
    if (!other) return std::unexpected(other.error());
    if (*other) ring.keys_.push_back(std::move(**other));
  }
  return ring;
}

const Key* Keyring::find(std::string_view id) const noexcept {
  for (const Key& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

}  // namespace bulkhead::secrets
