// SPIFFE ID syntax (SPIFFE ID specification §2): what counts as a workload name.
#include <algorithm>

#include "identity/identity.h"

namespace bulkhead::identity {
namespace {

constexpr std::string_view kScheme = "spiffe://";
constexpr std::size_t kMaxIdBytes = 2048;
constexpr std::size_t kMaxTrustDomainBytes = 255;

bool trust_domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

bool path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

}  // namespace

bool valid_trust_domain_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxTrustDomainBytes && std::all_of(name.begin(), name.end(), trust_domain_char);
}

std::optional<SpiffeId> parse_spiffe_id(std::string_view text) {
  if (text.size() > kMaxIdBytes || !text.starts_with(kScheme)) return std::nullopt;
  std::string_view rest = text.substr(kScheme.size());
  const auto slash = rest.find('/');
  const std::string_view domain = rest.substr(0, slash);
  if (!valid_trust_domain_name(domain)) return std::nullopt;
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);  // "/seg/seg"
    if (path == "/") return std::nullopt;        // a trailing slash is not allowed
    while (!path.empty()) {
      path.remove_prefix(1);  // the '/'
      const auto next = path.find('/');
      const std::string_view segment = path.substr(0, next);
      if (segment.empty() || segment == "." || segment == "..") return std::nullopt;
      if (!std::all_of(segment.begin(), segment.end(), path_char)) return std::nullopt;
      path = next == std::string_view::npos ? std::string_view() : path.substr(next);
    }
  }
  return SpiffeId{std::string(text), std::string(domain)};
}

}  // namespace bulkhead::identity
