// The OAuth wire forms: token-exchange and revoke/introspect request bodies, exchange responses and error bodies.
#include <charconv>

#include <fmt/format.h>

#include "token/token.h"

namespace bulkhead::token {
namespace {

using core::Reason;

constexpr std::string_view kTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kJwtType = "urn:ietf:params:oauth:token-type:jwt";

OAuthError invalid_request(std::string description) {
  return OAuthError{"invalid_request", Reason::invalid_request, std::move(description), 400};
}

}  // namespace

json::Value oauth_error_body(const OAuthError& error) {
  json::Value body = json::Value::object();
  body.set("error", error.error);
  body.set("error_description", error.description);
  body.set("reason", core::reason_name(error.reason));
  return body;
}

std::expected<ExchangeRequest, OAuthError> parse_exchange_request(std::string_view body) {
  auto fields = core::parse_form(body);
  if (!fields) return std::unexpected(invalid_request(fields.error().message));
  ExchangeRequest request;
  for (auto& [name, value] : *fields) {
    if (name == "grant_type") request.grant_type = std::move(value);
    else if (name == "subject_token") request.subject_token = std::move(value);
    else if (name == "subject_token_type") request.subject_token_type = std::move(value);
    else if (name == "actor_token") request.actor_token = std::move(value);
    else if (name == "actor_token_type") request.actor_token_type = std::move(value);
    else if (name == "tenant") request.tenant = std::move(value);
    else if (name == "task") request.task = std::move(value);
    else if (name == "scope") request.scope = std::move(value);
    else if (name == "lifetime_seconds") {
      std::int64_t seconds = 0;
      const auto* end = value.data() + value.size();
      auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
      if (ec != std::errc() || ptr != end || value.empty()) {
        return std::unexpected(invalid_request("lifetime_seconds must be an integer"));
      }
      request.lifetime_seconds = seconds;
    } else if (name == "requested_token_type") {
      if (value != kJwtType && value != "urn:ietf:params:oauth:token-type:access_token") {
        return std::unexpected(OAuthError{"invalid_target", Reason::invalid_request,
                                          "requested_token_type must be a JWT access token", 400});
      }
    } else if (name == "audience" || name == "resource") {
      // RFC 8693 lets a client name the target; task tokens are only ever for this gateway.
      return std::unexpected(OAuthError{"invalid_target", Reason::invalid_request,
                                        fmt::format("{} is fixed: task tokens are for this gateway only", name), 400});
    } else {
      return std::unexpected(invalid_request(fmt::format("unknown parameter '{}'", name.substr(0, 64))));
    }
  }
  if (request.grant_type.empty()) return std::unexpected(invalid_request("grant_type is required"));
  if (request.grant_type != kTokenExchange) {
    return std::unexpected(OAuthError{"unsupported_grant_type", Reason::invalid_request,
                                      fmt::format("grant_type must be {}", kTokenExchange), 400});
  }
  if (request.subject_token.empty()) return std::unexpected(invalid_request("subject_token is required"));
  if (request.subject_token_type != kJwtType) {
    return std::unexpected(invalid_request(fmt::format("subject_token_type must be {}", kJwtType)));
  }
  if (!request.actor_token.empty() && request.actor_token_type != kJwtType) {
    return std::unexpected(invalid_request(fmt::format("actor_token_type must be {}", kJwtType)));
  }
  if (request.actor_token.empty() && !request.actor_token_type.empty()) {
    return std::unexpected(invalid_request("actor_token_type without actor_token"));
  }
  return request;
}

std::expected<std::string, OAuthError> parse_token_request(std::string_view body) {
  auto fields = core::parse_form(body);
  if (!fields) return std::unexpected(invalid_request(fields.error().message));
  std::string token;
  for (auto& [name, value] : *fields) {
    if (name == "token") token = std::move(value);
    else if (name != "token_type_hint") {
      return std::unexpected(invalid_request(fmt::format("unknown parameter '{}'", name.substr(0, 64))));
    }
  }
  if (token.empty()) return std::unexpected(invalid_request("token is required"));
  return token;
}

json::Value exchange_response_body(const Issued& issued) {
  json::Value body = json::Value::object();
  body.set("access_token", issued.access_token);
  body.set("issued_token_type", kJwtType);
  body.set("token_type", "Bearer");
  body.set("expires_in", issued.expires_in_s);
  body.set("scope", issued.claims.scope.to_string());
  return body;
}

}  // namespace bulkhead::token
