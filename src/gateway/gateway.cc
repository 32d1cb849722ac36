// Gateway lifecycle: building upstreams and the HTTP server from the config, idle-session sweeping, drain.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/detail/gateway_impl.h"

namespace bulkhead::gateway {

core::Result<std::unique_ptr<Gateway>> Gateway::create(boost::asio::io_context& io, Config config,
                                                       const core::Clock& clock, core::Rng& rng) {
  auto impl = std::make_unique<detail::GatewayImpl>(io, std::move(config), clock, rng);
  if (auto started = impl->init(); !started) return std::unexpected(started.error());
  return std::unique_ptr<Gateway>(std::move(impl));
}

namespace detail {

GatewayImpl::GatewayImpl(asio::io_context& io, Config config, const core::Clock& clock, core::Rng& rng)
    : io_(io), config_(std::move(config)), clock_(clock), rng_(rng) {}

core::Result<void> GatewayImpl::init() {
  if (sodium_init() < 0) return core::fail(core::Reason::internal_error, "libsodium could not be initialized");
  request_states_.emplace(rng_);
  if (auto identity = init_identity(); !identity) return identity;
  if (auto policies = load_policies(); !policies) return policies;
  if (auto audit = open_audit(); !audit) return audit;
  client_ = http::Client::create(io_.get_executor(), http::Client::Options{});
  for (const auto& entry : config_.upstreams) {
    auto created = upstream::Upstream::create(io_.get_executor(), entry.upstream, *client_, clock_);
    if (!created) return std::unexpected(created.error());
    upstreams_.push_back(std::move(*created));
  }
  http::ServerOptions options;
  options.listen = config_.server.listen;
  options.max_body_bytes = config_.server.max_body_bytes;
  options.single_threaded = true;  // gateway.h: one thread runs the io_context
  if (const auto& tls = config_.server.tls) {
    http::TlsOptions tls_options;
    tls_options.cert_file = tls->cert_file.string();
    tls_options.key_file = tls->key_file.string();
    for (const auto& file : tls->client_ca_files) tls_options.client_ca_files.push_back(file.string());
    options.tls = std::move(tls_options);
  }
  options.error_response = [](core::Reason reason, std::string_view message) {
    http::Response response;
    response.status = mcp::map_reason(reason).http_status;
    response.headers.set("Content-Type", "application/json");
    response.body = mcp::serialize(mcp::make_error(json::Value(), core::Error{reason, std::string(message)}));
    return response;
  };
  auto server = http::Server::create(io_, std::move(options), [this](http::Request& request, http::ResponseStream& stream) {
    return handle(request, stream);
  });
  if (!server) return std::unexpected(server.error());
  server_ = std::move(*server);
  if (config_.server.public_url_from_listen && config_.server.listen.front().port == 0) {
    // Ephemeral port: the URL clients are told about (RFC 9728 metadata, task-token issuer) names the port bound.
    const auto& first = config_.server.listen.front();
    const bool v6 = first.host.find(':') != std::string::npos;
    config_.server.public_url = fmt::format("{}://{}{}{}:{}", config_.server.tls ? "https" : "http", v6 ? "[" : "",
                                            first.host, v6 ? "]" : "", server_->ports().front());
  }
  if (auto tokens = init_tokens(); !tokens) return tokens;
  if (auto reg = init_register(); !reg) return reg;
  if (auto dlp = init_dlp(); !dlp) return dlp;
  return init_admin();
}

void GatewayImpl::start() {
  server_->start();
  schedule_sweep();
  schedule_store_poll();
  start_jwks_refresh();
}

std::vector<std::uint16_t> GatewayImpl::ports() const { return server_->ports(); }

void GatewayImpl::schedule_sweep() {
  if (!sweep_timer_) sweep_timer_ = std::make_unique<asio::steady_timer>(io_);
  sweep_timer_->expires_after(std::chrono::seconds(30));
  sweep_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || draining_) return;
    const auto now = clock_.steady_now();
    std::vector<SessionPtr> idle;
    for (const auto& [id, session] : sessions_) {
      if (session->active_requests == 0 && !session->get_stream_open &&
          now - session->last_used > config_.server.session_idle_timeout) {
        idle.push_back(session);
      }
    }
    for (const auto& session : idle) {
      spdlog::info("session expired after idle timeout tenant={}", session->tenant);
      close_session(session);
    }
    prune_task_labels();
    schedule_sweep();
  });
}

void GatewayImpl::close_session(const SessionPtr& session) {
  if (session->closed) return;
  session->closed = true;
  if (!session->id.empty()) record_later(lifecycle_record("session_end", session.get(), json::Value::object()));
  if (!session->id.empty()) sessions_.erase(session->id);
  session->outbox_signal.notify();
  for (auto& slot : session->upstreams) slot.opened->notify();
  asio::co_spawn(io_, close_upstream_sessions(session), asio::detached);
}

asio::awaitable<void> GatewayImpl::close_upstream_sessions(SessionPtr session) {
  for (auto& slot : session->upstreams) {
    if (slot.session) {
      auto owned = std::move(slot.session);
      co_await owned->close();
    }
  }
}

void GatewayImpl::stop(std::function<void()> done) {
  if (draining_) return;
  draining_ = true;
  if (sweep_timer_) sweep_timer_->cancel();
  if (store_poll_timer_) store_poll_timer_->cancel();
  // Parked 2026-07-28 calls will not be continued: cancel them upstream (followed ones see draining_).
  std::vector<std::shared_ptr<BridgedCall>> parked;
  for (const auto& [id, call] : bridged_) {
    if (!call->following) parked.push_back(call);
  }
  for (const auto& call : parked) cancel_bridged(call, "the gateway is shutting down");
  for (auto& timer : jwks_timers_) timer->cancel();
  spdlog::info("draining: no new requests; waiting up to {} ms for in-flight ones",
               config_.server.shutdown_drain.count());
  server_->stop(config_.server.shutdown_drain, [this, done = std::move(done)]() mutable {
    asio::co_spawn(
        io_,
        [this]() -> asio::awaitable<void> {
          std::vector<SessionPtr> all;
          for (const auto& [id, session] : sessions_) all.push_back(session);
          for (const auto& [tenant, session] : stateless_) all.push_back(session);
          for (const auto& session : all) {
            session->closed = true;
            session->outbox_signal.notify();
            co_await close_upstream_sessions(session);
          }
          sessions_.clear();
          stateless_.clear();
          for (auto& upstream : upstreams_) co_await upstream->shutdown();
        },
        [done = std::move(done)](std::exception_ptr) { done(); });
  });
}

}  // namespace detail
}  // namespace bulkhead::gateway
