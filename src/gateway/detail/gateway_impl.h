// The Gateway implementation, split by concern across gateway.cc (lifecycle), http_handler.cc (/mcp
// transport: POST/GET/DELETE, headers, sessions), dispatch.cc (one JSON-RPC message → local answer or
// upstream), lists.cc (aggregated lists and catalogs). Event-loop only; see gateway.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/detail/input_bridge.h"
#include "gateway/detail/metrics.h"
#include "gateway/detail/names.h"
#include "gateway/detail/reply.h"
#include "gateway/detail/session.h"
#include "gateway/gateway.h"
#include "http/http.h"
#include "mcp/mcp.h"
#include "audit/audit.h"
#include "policy/policy.h"
#include "secrets/secrets.h"
#include "store/store.h"
#include "token/token.h"
#include "upstream/upstream.h"

namespace bulkhead::gateway::detail {

using SessionPtr = std::shared_ptr<ClientSession>;

// Who is calling, as established by the transport (auth.cc): the authenticated workload (its SPIFFE ID; auth
// mode "none": "anonymous"; with a task token: the token's holder) and the tenant it acts for (bound to it in
// config, or the task token's tenant).
struct Caller {
  std::string principal;
  std::string tenant;
  token::TaskTokenPtr task;  // the verified task token of this request, if it carried one
};

class GatewayImpl final : public Gateway {
 public:
  GatewayImpl(asio::io_context& io, Config config, const core::Clock& clock, core::Rng& rng);
  core::Result<void> init();

  void start() override;
  void reload() override;
  void stop(std::function<void()> done) override;
  [[nodiscard]] std::vector<std::uint16_t> ports() const override;

 private:
  // http_handler.cc
  asio::awaitable<void> handle(http::Request& request, http::ResponseStream& stream);
  asio::awaitable<void> handle_mcp(http::Request& request, http::ResponseStream& stream);
  asio::awaitable<void> handle_post(http::Request& request, Reply& reply, const Caller& caller);
  asio::awaitable<void> handle_get(http::Request& request, http::ResponseStream& stream, Reply& reply,
                                   const Caller& caller);
  asio::awaitable<void> handle_delete(http::Request& request, Reply& reply, const Caller& caller);
  // Refuses the whole HTTP request: counts it, answers `status` with a JSON-RPC error (code `code`, else the
  // reason's) whose data holds `reason` plus the members of `data`. The one place transport refusals are shaped.
  asio::awaitable<void> refuse(Reply& reply, const json::Value& id, core::Reason reason, std::string message,
                               int status, std::optional<int> code, json::Value data);
  // The same with the HTTP status and JSON-RPC code mcp::map_reason gives `reason`.
  asio::awaitable<void> refuse(Reply& reply, const json::Value& id, core::Reason reason, std::string message);
  asio::awaitable<void> handle_initialize(mcp::Message message, Reply& reply, const Caller& caller);
  asio::awaitable<void> handle_client_notification(const SessionPtr& session, mcp::Message message);
  asio::awaitable<void> handle_client_response(const SessionPtr& session, mcp::Message message);
  [[nodiscard]] std::optional<core::Error> check_origin(const http::Request& request) const;
  [[nodiscard]] SessionPtr find_session(std::string_view id, const Caller& caller);
  SessionPtr stateless_session(const Caller& caller, const mcp::Message& message);

  // auth.cc: who is calling (workload identity) and for which tenant; RFC 9728 metadata; JWKS URL refresh.
  core::Result<void> init_identity();
  // `principal_seen` gets the authenticated principal even when the tenant is then refused (for the audit record).
  [[nodiscard]] core::Result<Caller> authenticate(const http::Request& request, std::string& principal_seen);
  // The workload behind a JWT-SVID bearer or an X.509-SVID client certificate (never a task token).
  [[nodiscard]] core::Result<identity::Principal> verify_workload(const http::Request& request);
  [[nodiscard]] core::Result<Caller> authenticate_task_token(const http::Request& request, std::string_view token,
                                                             std::string& principal_seen);
  [[nodiscard]] std::string www_authenticate(core::Reason reason) const;
  [[nodiscard]] http::Response resource_metadata(std::string_view path) const;
  void start_jwks_refresh();
  asio::awaitable<void> refresh_jwks(std::size_t domain, asio::steady_timer& timer);
  // A metrics label for `tenant` with the gateway's lifetime: a configured tenant id, else "default"/"other".
  [[nodiscard]] std::string_view tenant_label(std::string_view tenant) const noexcept;

  // authorize.cc: per-request policy and list filtering against the current PolicySet snapshot (none = allow).
  core::Result<void> load_policies();
  // nullopt = allowed; else the JSON-RPC error to answer (policy_denied with the deciding policy ids).
  [[nodiscard]] std::optional<mcp::Message> authorize(const ClientSession& session, const Caller* caller,
                                                      const json::Value& id, ListKind kind, std::string_view exposed,
                                                      std::size_t upstream, std::string_view upstream_name,
                                                      const json::Value* arguments);
  // Listed iff within the task token's scope (if any) and the policy could permit it.
  [[nodiscard]] bool may_list(const ClientSession& session, const Caller* caller, ListKind kind,
                              std::string_view exposed, std::size_t upstream, std::string_view upstream_name) const;

  // tokens.cc: the store, task tokens (/oauth/*, JWKS, scope checks) and per-tenant upstream credentials.
  core::Result<void> init_tokens();
  asio::awaitable<void> handle_oauth(http::Request& request, http::ResponseStream& stream);
  asio::awaitable<http::Response> oauth_answer(const http::Request& request);
  // POST /oauth/token and /oauth/revoke for an authenticated workload; fill the audit record of the outcome.
  [[nodiscard]] http::Response exchange_answer(const identity::Principal& caller, std::string_view body,
                                               std::string_view label, audit::AuditRecord& entry);
  [[nodiscard]] http::Response revoke_answer(const identity::Principal& caller, std::string_view body,
                                             std::string_view label, audit::AuditRecord& entry);
  [[nodiscard]] http::Response jwks_document() const;
  [[nodiscard]] http::Response authorization_server_metadata() const;
  // The exposed name or URI a request needs in its task token's scope, when it is outside it.
  [[nodiscard]] std::optional<std::string> out_of_scope(const Caller& caller, const mcp::Message& message) const;
  asio::awaitable<void> refuse_scope(Reply& reply, const mcp::Message& message, const std::string& needed);
  // Fills the tenant's credential for upstream `index` into `params` (header or environment); credential_missing
  // when the tenant has none.
  [[nodiscard]] core::Result<void> add_credentials(std::size_t index, upstream::SessionParams& params);
  // The task-token facts of a request on its audit record (task, delegation chain).
  static void describe_task(audit::AuditRecord& entry, const Caller* caller);
  // Writes a lifecycle record per revocation (made by the CLI or seen first here) and marks it audited in the store.
  void audit_revocations(std::vector<store::Revocation> revocations);
  // register_gate.cc: the control register in the pipeline.
  core::Result<void> init_register();
  // Notices what other processes committed (revocations, register versions, offboardings, CLI actions): cheap when
  // nothing changed (the store's shared epoch). An error means the gateway cannot know what was revoked: refuse.
  // `force`: reload although the data version did not move (after this process wrote to the store itself).
  [[nodiscard]] core::Result<void> refresh_store_state(bool force = false);
  // Why this session may not use upstream `upstream` (connector approval, tenant mapping, review date, and for
  // tools the pinned definition of `upstream_name`), or nullopt.
  [[nodiscard]] std::optional<core::Error> connector_refusal(const ClientSession& session, ListKind kind,
                                                             std::size_t upstream, std::string_view upstream_name) const;
  // The connector-level part alone (approval, mapping, review date): checked before an upstream session is opened.
  [[nodiscard]] std::optional<core::Error> connector_refusal(const ClientSession& session, std::size_t upstream) const;
  // Computes the digests of a fresh tools listing, pins first sights, records rug pulls and new tools.
  void pin_catalog(std::size_t upstream, const json::Array& tools, UpstreamSlot& slot);
  void apply_offboardings();
  [[nodiscard]] std::optional<core::Error> offboarded(const Caller& caller) const;

  // admin.cc: /admin/ (register and offboarding for a console).
  core::Result<void> init_admin();
  [[nodiscard]] std::optional<std::string> admin_identity(const http::Request& request);
  asio::awaitable<void> handle_admin(http::Request& request, http::ResponseStream& stream);
  [[nodiscard]] http::Response admin_answer(const http::Request& request);

  // Writes the CLI's administrative actions waiting in the store as lifecycle records, then marks them.
  void audit_admin_events();
  // Every second: notices what other processes (the CLI) committed to the store and audits it.
  void schedule_store_poll();
  [[nodiscard]] std::int64_t now_ms() const;

  // audit_trail.cc: records for decisions, outcomes, refusals and lifecycle events (no [audit] = no records).
  core::Result<void> open_audit();
  [[nodiscard]] bool audit_healthy() const noexcept;
  // Appends and waits until durable (sync) or enqueued (async); an error means audit_unavailable.
  asio::awaitable<core::Result<void>> record(audit::AuditRecord entry);
  void record_later(audit::AuditRecord entry);  // lifecycle events nobody waits for
  [[nodiscard]] audit::AuditRecord lifecycle_record(std::string_view event, const ClientSession* session,
                                                    json::Value detail) const;
  [[nodiscard]] audit::AuditRecord request_record(const ClientSession& session, const mcp::Message& message) const;
  [[nodiscard]] audit::AuditRecord forward_record(const ClientSession& session, std::size_t upstream,
                                                  const mcp::Message& message) const;
  void fill_outcome(audit::AuditRecord& entry, const mcp::Message& response,
                    std::chrono::steady_clock::duration latency) const;
  void fill_answer(audit::AuditRecord& entry, const mcp::Message& response,
                   std::chrono::steady_clock::duration latency) const;
  [[nodiscard]] audit::AuditRecord refusal_record(const Reply& reply, core::Reason reason,
                                                  std::string_view detail) const;

  // dlp_gate.cc: response and egress DLP (module dlp) and task taint (labels a task has read, across its chain).
  core::Result<void> init_dlp();
  // The task, tenant and what a successful read of `message` (tools/call, resources/read, prompts/get) from
  // upstream `index` adds to the task's labels (the tool's classification and labels).
  void prepare_dlp(const ClientSession& session, const Caller* caller, std::size_t index, const mcp::Message& message,
                   DlpFindings& findings) const;
  // Egress: tools/call and prompts/get arguments going upstream. The refusal (dlp_blocked) or nullopt; arguments
  // may have been masked.
  [[nodiscard]] std::optional<mcp::Message> dlp_egress(mcp::Message& request, DlpFindings& findings);
  // Egress too: a client's answer to a server→client request (sampling result, elicitation content), before it goes
  // upstream. false = refused: `answer` became a dlp_blocked error (what the upstream gets instead); it may have been
  // masked. Hits go to `findings` (a bridged call's) or, when null, to a lifecycle record.
  [[nodiscard]] bool dlp_answer(mcp::Message& answer, std::string_view tenant, DlpFindings* findings);
  // The final response of a forwarded request: withheld (dlp_blocked), masked, or passed; a successful read then
  // adds its labels to the task (a label that cannot be stored withholds the response: fail closed).
  void dlp_response(mcp::Message& response, DlpFindings& findings);
  // One message the upstream sent during a request or unsolicited: false = withhold it. `findings`: the request's
  // (null for the GET stream).
  // Answers an upstream's server→client request that DLP withheld (nothing for notifications).
  asio::awaitable<void> refuse_for_dlp(const SessionPtr& session, std::size_t upstream, const mcp::Message& message);
  [[nodiscard]] bool dlp_event(mcp::Message& message, std::string_view tenant, dlp::StreamState& stream,
                               DlpFindings* findings);
  // The labels the caller's task has read so far (policy context.task_labels); from the store on first use.
  [[nodiscard]] core::Result<const std::vector<std::string>*> task_labels_of(const Caller* caller);
  // Every ten minutes (from the sweep): forgets the labels of tasks whose tokens have all expired.
  void prune_task_labels();
  // The DLP hits and the task's labels on a call's audit record.
  void describe_dlp(audit::AuditRecord& entry, const DlpFindings& findings) const;

  // modern.cc (protocol 2026-07-28)
  [[nodiscard]] static bool claims_modern(const mcp::Message& message);
  asio::awaitable<void> handle_modern(http::Request& request, Reply& reply, mcp::Message message,
                                      const Caller& caller);
  static void decorate_modern_result(std::string_view method, json::Value& result);
  [[nodiscard]] static std::string listen_key(std::string_view principal, std::string_view tenant,
                                                     const json::Value& id);
  asio::awaitable<void> listen(const SessionPtr& session, mcp::Message message, Reply& reply);
  void notify_listeners(std::string_view tenant, const mcp::Message& note);

  // dispatch.cc
  asio::awaitable<void> dispatch(const SessionPtr& session, mcp::Message message, Reply& reply);
  asio::awaitable<mcp::Message> forward(const SessionPtr& session, std::size_t upstream, mcp::Message message,
                                        Reply& reply);
  // tools/call and prompts/get: the exposed name in params.name → that upstream, prefix stripped.
  asio::awaitable<mcp::Message> route_by_name(const SessionPtr& session, ListKind kind, mcp::Message message,
                                              Reply& reply);
  asio::awaitable<mcp::Message> route_by_uri(const SessionPtr& session, mcp::Message message, Reply& reply);
  asio::awaitable<mcp::Message> complete(const SessionPtr& session, mcp::Message message, Reply& reply);
  asio::awaitable<mcp::Message> broadcast(const SessionPtr& session, mcp::Message message, Reply& reply);
  // A message the upstream sent (during a request, or unsolicited) made ready for the client: server→client
  // request ids are replaced with gateway ids, list_changed invalidates the catalog. nullopt = swallow.
  std::optional<mcp::Message> from_upstream(ClientSession& session, std::size_t upstream, mcp::Message message);
  asio::awaitable<void> on_unsolicited(std::weak_ptr<ClientSession> session, std::size_t upstream,
                                       mcp::Message message);
  // scanned: DLP already passed the message (a bridged call's events are scanned as they arrive).
  asio::awaitable<void> on_during_request(SessionPtr session, std::size_t upstream, mcp::Message message,
                                          Reply* reply, bool scanned = false);
  // The outcome record of a forwarded request (no [audit]: nothing); a record that cannot be written turns
  // `response` into audit_unavailable (fail closed).
  asio::awaitable<void> record_outcome(std::optional<audit::AuditRecord>& trail, mcp::Message& response,
                                       std::chrono::steady_clock::time_point started);
  // What the gateway answers itself to an upstream's server→client request that no client can take: ping → {},
  // roots/list outside a request → no roots, anything else → -32601.
  asio::awaitable<void> answer_for_client(const SessionPtr& session, std::size_t upstream, const mcp::Message& request,
                                          bool during_request);

  // bridged_calls.cc: the input_required bridge for 2026-07-28 clients (detail/input_bridge.h).
  [[nodiscard]] bool bridges_input(const ClientSession& session, const Reply& reply, std::string_view method) const;
  asio::awaitable<mcp::Message> start_bridged(const SessionPtr& session, std::size_t index, mcp::Message message,
                                              Reply& reply, std::optional<audit::AuditRecord> trail,
                                              std::chrono::steady_clock::time_point started);
  asio::awaitable<void> run_bridged(SessionPtr session, std::size_t index, std::shared_ptr<BridgedCall> call,
                                    mcp::Message message, std::optional<audit::AuditRecord> trail,
                                    std::chrono::steady_clock::time_point started);
  // What the upstream sends during a bridged call: DLP-scanned with the call's findings, then kept for the follower.
  asio::awaitable<void> on_bridged_event(SessionPtr session, std::shared_ptr<BridgedCall> call, mcp::Message message);
  asio::awaitable<mcp::Message> follow_bridged(SessionPtr session, std::shared_ptr<BridgedCall> call, Reply& reply);
  // A retry carrying requestState (and inputResponses): answers the parked call's requests upstream and follows it.
  asio::awaitable<mcp::Message> resume_bridged(const SessionPtr& session, const mcp::Message& message, Reply& reply,
                                               const json::Value& request_state, const json::Value& input_responses);
  // Forgets the call and, when it has not finished, cancels it upstream (notifications/cancelled).
  void cancel_bridged(const std::shared_ptr<BridgedCall>& call, std::string_view reason);

  // lists.cc
  asio::awaitable<core::Result<upstream::Session*>> ensure_upstream(const SessionPtr& session, std::size_t index);
  // What ensure_upstream / resolve_name answer when no I/O is needed (the upstream session is open; the cached
  // catalog lists the name): the hot path skips their coroutine frames. Null / nullopt: call those.
  [[nodiscard]] static upstream::Session* open_upstream(const ClientSession& session, std::size_t index);
  [[nodiscard]] std::optional<RoutedName> resolve_name_cached(const ClientSession& session, ListKind kind,
                                                              std::string_view exposed) const;
  asio::awaitable<core::Result<const json::Array*>> fetch_catalog(const SessionPtr& session, std::size_t index,
                                                                  ListKind kind, bool refresh);
  asio::awaitable<mcp::Message> aggregate(const SessionPtr& session, ListKind kind, mcp::Message message,
                                          const Reply& reply);
  // Finds the upstream serving exposed tool/prompt `exposed` (prefix first, then prefix-less upstreams' catalogs).
  asio::awaitable<core::Result<RoutedName>> resolve_name(const SessionPtr& session, ListKind kind,
                                                         std::string_view exposed);
  asio::awaitable<core::Result<std::size_t>> resolve_uri(const SessionPtr& session, std::string_view uri);

  void close_session(const SessionPtr& session);
  asio::awaitable<void> close_upstream_sessions(SessionPtr session);
  void schedule_sweep();

  asio::io_context& io_;
  Config config_;
  const core::Clock& clock_;
  core::Rng& rng_;
  std::unique_ptr<http::Client> client_;
  std::vector<std::unique_ptr<upstream::Upstream>> upstreams_;
  std::unique_ptr<http::Server> server_;
  std::unordered_map<std::string, SessionPtr> sessions_;
  std::unordered_map<std::string, SessionPtr> stateless_;  // by tenant
  std::unordered_map<std::string, std::shared_ptr<ListenStream>> listens_;  // by listen_key
  Metrics metrics_;
  std::unique_ptr<identity::Verifier> verifier_;  // null in auth mode "none"
  identity::TenantMap tenants_;
  policy::PolicySetPtr policies_;  // null without [policy]
  core::SystemClock audit_clock_;   // the audit writer stamps records with wall-clock time
  std::unique_ptr<audit::AuditLog> audit_;  // null without [audit]; destroyed (drained) before audit_clock_
  std::unique_ptr<store::Store> store_;         // null unless task tokens or credentials are configured
  std::unique_ptr<token::TokenService> tokens_; // null without [tokens]
  std::unique_ptr<secrets::Vault> vault_;       // null without upstream credentials
  std::vector<std::unique_ptr<asio::steady_timer>> jwks_timers_;
  bool draining_ = false;
  std::unique_ptr<asio::steady_timer> sweep_timer_;
  std::unique_ptr<asio::steady_timer> store_poll_timer_;
  std::int64_t store_version_seen_ = -1;
  std::int64_t admin_events_taken_ = 0;  // highest administrative event id handed to the audit log
  registry::ViewPtr register_view_;      // null without a store
  json::Value classifications_;          // in force (bulkhead.toml), compared with those recorded at approval
  std::unordered_set<std::int64_t> offboardings_applied_;
  std::unordered_set<std::string> candidates_recorded_;  // "<upstream>\n<digest>" already in the store
  std::string admin_token_;  // [admin] token_file contents; empty = no token access
  std::optional<RequestStateSigner> request_states_;                         // set by init()
  std::unordered_map<std::string, std::shared_ptr<BridgedCall>> bridged_;   // by BridgedCall::id
  std::uint64_t next_bridged_ = 1;
  std::optional<dlp::Scanner> dlp_;  // null when response DLP is off
  std::unordered_map<std::string, std::vector<std::string>> task_labels_;  // "<tenant>/<task>" → sorted labels
  std::int64_t next_label_prune_s_ = 0;
};

}  // namespace bulkhead::gateway::detail
