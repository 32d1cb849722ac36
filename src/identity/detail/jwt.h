// Compact JWS parsing (RFC 7515 §7.1) for JWT-SVIDs: split, base64url-decode, parse header and claims.
#pragma once

#include <string>
#include <string_view>

#include "core/core.h"
#include "identity/identity.h"
#include "json/json.h"

namespace bulkhead::identity::detail {

struct DecodedJwt {
  json::Value header;            // an object
  json::Value claims;            // an object
  Algorithm alg = Algorithm::eddsa;
  std::string kid;
  std::string_view signing_input;  // "<header>.<payload>" as received (a view into the token)
  std::string signature;           // decoded bytes
};

// Structural checks only (no key, no time): three base64url segments without padding, JSON object header and
// claims, an accepted `alg` (none and HS* refused), a `kid`, `typ` JWT/JOSE if present, no `crit`, no embedded
// or remote keys (jwk, jku, x5u, x5c). Errors are token_invalid with a message safe to log.
[[nodiscard]] core::Result<DecodedJwt> decode_jwt(std::string_view token, std::size_t max_bytes);

}  // namespace bulkhead::identity::detail
