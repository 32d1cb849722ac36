// libFuzzer target for what task tokens parse from outside: form-encoded OAuth bodies (RFC 8693 exchange, RFC
// 7009/7662), scopes, the claims of a task token, and full verification by a TokenService (signature, claims,
// revocation) of hostile tokens. The first input byte picks the mode. Invariants abort: a scope is within itself
// and covers each of its exact entries; a claims object that parses round-trips to the same token.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "token/detail/service_impl.h"
#include "token/token.h"

namespace {

using namespace bulkhead;

struct Fixture {
  core::FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000))};
  core::SeededRng rng{1};
  std::filesystem::path dir;
  identity::TenantMap tenants;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<token::TokenService> service;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("bulkhead-fuzz-token-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    tenants = *identity::TenantMap::create({{"acme", {"spiffe://acme.test/agent/*"}}});
    store = std::move(*store::Store::open("sqlite://fuzz.db", dir, clock));
    token::TokenOptions options;
    options.issuer = "https://gw.test";
    options.audience = "https://gw.test";
    options.signing_key_file = dir / "key.pem";
    service = std::move(*token::TokenService::create(options, *store, nullptr, tenants, clock, rng));
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

void check_scope(std::string_view text) {
  auto scope = token::Scope::parse(text);
  if (!scope) return;
  if (!scope->within(*scope)) std::abort();
  for (const auto& entry : scope->entries()) {
    if (!entry.ends_with('*') && !scope->covers(entry)) std::abort();
  }
  auto again = token::Scope::parse(scope->to_string());
  if (!again || again->entries() != scope->entries()) std::abort();
}

void check_claims(std::string_view text) {
  auto value = json::parse(text);
  if (!value || !value->is_object()) return;
  auto parsed = token::detail::from_claims(*value, "https://gw.test", "https://gw.test");
  if (!parsed) return;
  auto again = token::detail::from_claims(token::detail::to_claims(*parsed, "https://gw.test"), "https://gw.test",
                                          "https://gw.test");
  if (!again || again->jti != parsed->jti || again->actors != parsed->actors || again->parents != parsed->parents ||
      again->scope.entries() != parsed->scope.entries() || again->expires_at_s != parsed->expires_at_s) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 6) {
    case 0:
      (void)core::parse_form(input);
      break;
    case 1:
      (void)token::parse_exchange_request(input);
      break;
    case 2:
      (void)token::parse_token_request(input);
      break;
    case 3:
      check_scope(input);
      break;
    case 4:
      check_claims(input);
      break;
    default: {
      Fixture& f = fixture();
      (void)f.service->is_task_token(input);
      (void)f.service->verify(input);
      break;
    }
  }
  return 0;
}
