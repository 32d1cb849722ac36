// libFuzzer target for the JWT-SVID path: compact-JWS decoding, JWKS parsing and full verification against a fixed
// key set (so signature checks, claim checks and the cache run on hostile input). The first input byte picks the
// mode; the rest is the token or the JWKS document.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <unistd.h>

#include "identity/detail/jwt.h"
#include "identity/identity.h"

namespace {

using namespace bulkhead;

// A verifier for trust domain fuzz.test with one Ed25519 and one ES256 key (made once per process).
identity::Verifier& verifier() {
  static core::FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000))};
  static std::unique_ptr<identity::Verifier> instance = [] {
    json::Value keys = json::Value::array();
    for (auto alg : {identity::Algorithm::eddsa, identity::Algorithm::es256}) {
      auto pem = identity::generate_private_key(alg);
      keys.push_back(*identity::public_jwk(alg, *pem, alg == identity::Algorithm::eddsa ? "ed" : "ec"));
    }
    json::Value doc = json::Value::object();
    doc.set("keys", keys);
    const auto path = std::filesystem::temp_directory_path() / ("bulkhead-fuzz-jwks-" + std::to_string(::getpid()));
    std::ofstream(path) << json::serialize(doc);
    auto created = identity::Verifier::create({identity::TrustDomainConfig{"fuzz.test", path}}, {}, clock);
    std::filesystem::remove(path);
    return std::move(*created);
  }();
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0:
      (void)identity::detail::decode_jwt(input, 8192);
      break;
    case 1:
      (void)identity::parse_jwks(input);
      break;
    case 2:
      (void)verifier().verify_jwt(input);
      break;
    default:
      (void)identity::parse_spiffe_id(input);
      break;
  }
  return 0;
}
