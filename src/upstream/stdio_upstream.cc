// Stdio upstream: one process per (upstream, tenant), shared by every Session of that tenant as virtual
// sessions multiplexed over the process's stdin/stdout with id rewriting (detail/id_map.h).
//
// Routing of what the process sends:
//   response/error            → the waiting request (caller id restored); unknown ids are dropped
//   notifications/progress    → the request that owns the token (caller token restored), else dropped
//   notifications/cancelled   → the session the cancelled server→client request was routed to
//   other notifications       → every session: its newest open request's on_message, else its listener
//   ping (server→client)      → answered here
//   other server→client reqs  → the newest open request of any session (its on_message), else the listener of
//                               the newest session that has one (else the newest session, queued), else an
//                               error reply. The session answers with send() using the server's id.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "upstream/detail/factories.h"
#include "upstream/detail/id_map.h"
#include "upstream/detail/line_reader.h"
#include "upstream/detail/protocol.h"
#include "upstream/detail/session_channel.h"
#include "upstream/detail/stdio_process.h"
#include "upstream/detail/waiters.h"

namespace bulkhead::upstream::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kTerminateGrace{2'000};
constexpr std::chrono::milliseconds kKillWait{5'000};
constexpr std::chrono::milliseconds kExitDrainGrace{1'000};
constexpr std::size_t kMaxStderrLineBytes = 16u << 10;

struct TenantSlot;

struct StdioShared {
  asio::any_io_executor executor;
  UpstreamConfig config;
  const core::Clock* clock = nullptr;
  std::map<std::string, std::shared_ptr<TenantSlot>> slots;
  std::uint64_t next_session = 1;
  bool shut_down = false;

  [[nodiscard]] std::size_t live_processes() const;
};

struct ProcessInstance {
  enum class State : std::uint8_t { starting, ready, dead };
  std::unique_ptr<ChildProcess> child;
  State state = State::starting;
  json::Value initialize_result;
  std::deque<std::string> outbox;
  Waiters outbox_wake;
  SteadyClock::time_point started_at;

  [[nodiscard]] bool alive() const noexcept { return state != State::dead; }
  bool enqueue(std::string line) {
    if (state == State::dead) return false;
    line.push_back('\n');
    outbox.push_back(std::move(line));
    outbox_wake.notify_all();
    return true;
  }
};

struct TenantSlot {
  std::shared_ptr<StdioShared> shared;
  std::string tenant;
  std::string label;     // "upstream 'u' (tenant 't')" for messages
  SessionParams params;  // of the session that created the slot: env, capabilities, version for (re)starts
  std::shared_ptr<ProcessInstance> process;
  CallTable calls;
  std::vector<std::shared_ptr<SessionChannel>> sessions;  // open, oldest first
  std::map<std::string, std::uint64_t> server_requests;   // server→client request id → session routed to
  std::size_t restarts = 0;
  std::size_t failures = 0;  // consecutive deaths or failed starts
  SteadyClock::time_point earliest_start{};
  bool starting = false;
  bool stopped = false;
  bool ever_started = false;
  Waiters start_wake;
  std::uint64_t idle_generation = 0;

  [[nodiscard]] std::shared_ptr<SessionChannel> find_session(std::uint64_t number) const {
    for (const auto& s : sessions) {
      if (s->number() == number) return s;
    }
    return nullptr;
  }
};

std::size_t StdioShared::live_processes() const {
  std::size_t n = 0;
  for (const auto& [tenant, slot] : slots) {
    if (slot->starting || (slot->process && slot->process->alive())) ++n;
  }
  return n;
}

enum class GoneCause : std::uint8_t { crashed, stopped };

void note_failure(TenantSlot& slot) {
  const auto& cfg = slot.shared->config;
  ++slot.failures;
  auto delay = cfg.restart_backoff_initial;
  for (std::size_t i = 1; i < slot.failures && delay < cfg.restart_backoff_max; ++i) delay *= 2;
  delay = std::min(delay, cfg.restart_backoff_max);
  slot.earliest_start = SteadyClock::now() + delay;
}

asio::awaitable<void> terminate(std::shared_ptr<ProcessInstance> inst) {
  if (inst->child->reaped()) co_return;
  inst->child->signal_group(SIGTERM);
  // (GCC 12 miscompiles co_await inside conditions: every co_await here is its own statement)
  bool exited = co_await inst->child->wait_exit_until(SteadyClock::now() + kTerminateGrace);
  if (exited) co_return;
  inst->child->signal_group(SIGKILL);
  co_await inst->child->wait_exit_until(SteadyClock::now() + kKillWait);
}

// Marks the process dead and fails everything in flight on it. A crashed process is then terminated in the
// background (SIGTERM, SIGKILL after 2 s); a stopped one is terminated by the caller.
void process_gone(const std::shared_ptr<TenantSlot>& slot, const std::shared_ptr<ProcessInstance>& inst,
                  const std::string& why, GoneCause cause) {
  if (!inst->alive()) return;
  inst->state = ProcessInstance::State::dead;
  inst->outbox.clear();
  inst->outbox_wake.notify_all();
  boost::system::error_code ec;
  inst->child->stdin_pipe().close(ec);
  if (slot->process == inst) {
    slot->calls.fail_all(core::Error{core::Reason::upstream_unavailable, fmt::format("{} {}", slot->label, why)});
    slot->server_requests.clear();
    if (cause == GoneCause::crashed) {
      if (SteadyClock::now() - inst->started_at >= slot->shared->config.restart_backoff_max) slot->failures = 0;
      note_failure(*slot);
    }
  }
  if (cause == GoneCause::crashed) {
    spdlog::warn("{}: process {} {}", slot->label, inst->child->pid(), why);
    asio::co_spawn(slot->shared->executor, terminate(inst), asio::detached);
  }
}

void route_to_session(TenantSlot& slot, const std::shared_ptr<SessionChannel>& session, mcp::Message message) {
  if (auto call = slot.calls.most_recent(session->number())) {
    call->deliver(std::move(message));
  } else {
    session->deliver(std::move(message));
  }
}

void dispatch(const std::shared_ptr<TenantSlot>& slot, const std::shared_ptr<ProcessInstance>& inst,
              mcp::Message message) {
  if (slot->process != inst) return;
  switch (message.kind) {
    case mcp::Message::Kind::response:
    case mcp::Message::Kind::error: {
      if (message.id.is_null()) {
        spdlog::warn("{}: error without id from upstream: {}", slot->label, json::serialize(message.error));
        return;
      }
      std::string key = id_key(message.id);
      if (!slot->calls.complete(std::move(message))) {
        spdlog::debug("{}: response for unknown id {}", slot->label, key);
      }
      return;
    }
    case mcp::Message::Kind::notification: {
      if (message.method == "notifications/progress") {
        if (!slot->calls.deliver_progress(std::move(message))) {
          spdlog::debug("{}: progress for an unknown token dropped", slot->label);
        }
        return;
      }
      if (message.method == "notifications/cancelled") {
        const json::Value* request_id = message.params.find("requestId");
        if (request_id == nullptr) return;
        auto it = slot->server_requests.find(id_key(*request_id));
        if (it == slot->server_requests.end()) return;
        auto session = slot->find_session(it->second);
        slot->server_requests.erase(it);
        if (session) route_to_session(*slot, session, std::move(message));
        return;
      }
      auto sessions = slot->sessions;
      for (const auto& session : sessions) route_to_session(*slot, session, message);
      return;
    }
    case mcp::Message::Kind::request: {
      if (message.method == "ping") {
        inst->enqueue(mcp::serialize(mcp::make_result(message.id, json::Value::object())));
        return;
      }
      std::string key = id_key(message.id);
      if (auto call = slot->calls.most_recent()) {
        slot->server_requests[key] = call->session;
        call->deliver(std::move(message));
        return;
      }
      std::shared_ptr<SessionChannel> target;
      for (auto it = slot->sessions.rbegin(); it != slot->sessions.rend(); ++it) {
        if ((*it)->has_listener()) {
          target = *it;
          break;
        }
      }
      if (!target && !slot->sessions.empty()) target = slot->sessions.back();
      if (target) {
        slot->server_requests[key] = target->number();
        target->deliver(std::move(message));
        return;
      }
      inst->enqueue(mcp::serialize(
          make_wire_error(message.id, mcp::kInternalError, "no client session is available to answer")));
      return;
    }
  }
}

asio::awaitable<void> read_stdout(std::shared_ptr<TenantSlot> slot, std::shared_ptr<ProcessInstance> inst) {
  LineReader reader(inst->child->stdout_pipe(), kMaxMessageBytes);
  std::size_t skipped = 0;
  while (true) {
    std::optional<std::string> line = co_await reader.next_line();
    if (!line || !inst->alive()) break;
    if (reader.skipped_lines() != skipped) {
      skipped = reader.skipped_lines();
      spdlog::warn("{}: skipped a line longer than {} bytes", slot->label, kMaxMessageBytes);
    }
    if (line->find_first_not_of(" \t\r") == std::string::npos) continue;
    auto message = parse_wire(*line);
    if (!message) {
      spdlog::warn("{}: skipped a malformed line ({} bytes): {}", slot->label, line->size(),
                   message.error().message);
      continue;
    }
    dispatch(slot, inst, std::move(*message));
  }
  process_gone(slot, inst, "exited (end of output)", GoneCause::crashed);
}

asio::awaitable<void> read_stderr(std::shared_ptr<TenantSlot> slot, std::shared_ptr<ProcessInstance> inst) {
  LineReader reader(inst->child->stderr_pipe(), kMaxStderrLineBytes);
  while (true) {
    std::optional<std::string> line = co_await reader.next_line();
    if (!line) break;
    spdlog::debug("{} stderr: {}", slot->label, *line);
  }
}

asio::awaitable<void> write_stdin(std::shared_ptr<TenantSlot> slot, std::shared_ptr<ProcessInstance> inst) {
  while (inst->alive()) {
    while (!inst->outbox.empty() && inst->alive()) {
      std::string line = std::move(inst->outbox.front());
      inst->outbox.pop_front();
      boost::system::error_code ec;
      co_await asio::async_write(inst->child->stdin_pipe(), asio::buffer(line),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        process_gone(slot, inst, fmt::format("closed its input ({})", ec.message()), GoneCause::crashed);
        co_return;
      }
    }
    if (!inst->alive()) break;
    co_await inst->outbox_wake.wait_until(SteadyClock::time_point::max());
  }
}

asio::awaitable<void> watch_exit(std::shared_ptr<TenantSlot> slot, std::shared_ptr<ProcessInstance> inst) {
  co_await inst->child->wait_exit_until(SteadyClock::time_point::max());
  if (!inst->alive()) co_return;
  // The leader is gone; its group was killed. Give the reader a moment to drain what is left in the pipe.
  co_await sleep_for(kExitDrainGrace);
  if (!inst->alive()) co_return;
  inst->child->close_pipes();
  process_gone(slot, inst, "exited", GoneCause::crashed);
}

asio::awaitable<core::Result<std::shared_ptr<ProcessInstance>>> start_process(std::shared_ptr<TenantSlot> slot,
                                                                                SteadyClock::time_point deadline) {
  const auto& cfg = slot->shared->config;
  ProcessSpec spec{cfg.command, cfg.args, build_environment(cfg.env, slot->params.extra_env), cfg.working_dir};
  auto child = ChildProcess::spawn(slot->shared->executor, spec);
  if (!child) {
    note_failure(*slot);
    co_return core::fail(core::Reason::upstream_unavailable,
                         fmt::format("{}: {}", slot->label, child.error().message));
  }
  auto inst = std::make_shared<ProcessInstance>();
  inst->child = std::move(*child);
  inst->started_at = SteadyClock::now();
  if (slot->ever_started) ++slot->restarts;
  slot->ever_started = true;
  slot->process = inst;
  spdlog::debug("{}: started process {}", slot->label, inst->child->pid());
  auto ex = slot->shared->executor;
  asio::co_spawn(ex, read_stdout(slot, inst), asio::detached);
  asio::co_spawn(ex, read_stderr(slot, inst), asio::detached);
  asio::co_spawn(ex, write_stdin(slot, inst), asio::detached);
  asio::co_spawn(ex, watch_exit(slot, inst), asio::detached);

  mcp::Message init = make_initialize(slot->params, advertised_capabilities(slot->params.client_capabilities));
  auto call = slot->calls.register_call(init, kInternalSession);
  CallGuard guard(slot->calls, call->wire_id);
  inst->enqueue(mcp::serialize(init));
  auto init_deadline = std::min(deadline, SteadyClock::now() + cfg.connect_timeout);
  MessageSink no_sink;
  auto outcome = co_await await_outcome(call, no_sink, init_deadline);
  if (!outcome) {
    process_gone(slot, inst, "did not answer initialize in time", GoneCause::crashed);
    co_return core::fail(core::Reason::upstream_timeout,
                         fmt::format("{} did not answer initialize within {} ms", slot->label,
                                     std::chrono::duration_cast<std::chrono::milliseconds>(
                                         cfg.connect_timeout).count()));
  }
  if (!*outcome) {
    process_gone(slot, inst, "failed during initialize", GoneCause::crashed);
    co_return std::unexpected(outcome->error());
  }
  auto result = check_initialize(**outcome, slot->label);
  if (!result) {
    process_gone(slot, inst, "refused initialize", GoneCause::crashed);
    co_return std::unexpected(result.error());
  }
  if (!inst->alive() || slot->process != inst) {
    co_return core::fail(core::Reason::upstream_unavailable, fmt::format("{} exited during start", slot->label));
  }
  inst->initialize_result = std::move(*result);
  inst->state = ProcessInstance::State::ready;
  inst->enqueue(mcp::serialize(mcp::make_notification("notifications/initialized", json::Value())));
  co_return inst;
}

// Returns the tenant's ready process, starting (or restarting, after the backoff) it when needed.
asio::awaitable<core::Result<std::shared_ptr<ProcessInstance>>> ensure_ready(std::shared_ptr<TenantSlot> slot,
                                                                               SteadyClock::time_point deadline) {
  while (true) {
    if (slot->stopped || slot->shared->shut_down) {
      co_return core::fail(core::Reason::upstream_unavailable, fmt::format("{} was stopped", slot->label));
    }
    if (slot->process && slot->process->state == ProcessInstance::State::ready) co_return slot->process;
    if (slot->starting) {
      co_await slot->start_wake.wait_until(deadline);
      if (SteadyClock::now() >= deadline && slot->starting) {
        co_return core::fail(core::Reason::upstream_timeout,
                             fmt::format("{} did not start in time", slot->label));
      }
      continue;
    }
    const auto& cfg = slot->shared->config;
    if (slot->shared->live_processes() >= cfg.max_processes) {
      co_return core::fail(core::Reason::upstream_unavailable,
                           fmt::format("{}: process limit ({}) reached", slot->label, cfg.max_processes));
    }
    auto now = SteadyClock::now();
    if (slot->earliest_start > deadline) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(slot->earliest_start - now);
      co_return core::fail(core::Reason::upstream_unavailable,
                           fmt::format("{} is restarting after a failure; retry in {} ms", slot->label,
                                       wait.count()));
    }
    slot->starting = true;
    struct StartingGuard {
      TenantSlot& slot;
      ~StartingGuard() {
        slot.starting = false;
        slot.start_wake.notify_all();
      }
    } starting_guard{*slot};
    if (now < slot->earliest_start) co_await sleep_for(slot->earliest_start - now);
    if (slot->stopped || slot->shared->shut_down) continue;
    auto started = co_await start_process(slot, deadline);
    co_return started;
  }
}

void forget_slot_if_unused(const std::shared_ptr<TenantSlot>& slot) {
  if (!slot->sessions.empty() || slot->starting) return;
  if (slot->earliest_start > SteadyClock::now()) return;  // keep the restart backoff of a failing command
  if (slot->process && slot->process->alive()) return;
  auto& slots = slot->shared->slots;
  auto it = slots.find(slot->tenant);
  if (it != slots.end() && it->second == slot) slots.erase(it);
}

asio::awaitable<void> idle_watch(std::shared_ptr<TenantSlot> slot, std::uint64_t generation) {
  co_await sleep_for(slot->shared->config.idle_stop);
  if (slot->idle_generation != generation || !slot->sessions.empty() || slot->stopped || slot->starting) {
    co_return;
  }
  auto& slots = slot->shared->slots;
  auto it = slots.find(slot->tenant);
  if (it != slots.end() && it->second == slot) slots.erase(it);
  slot->stopped = true;
  auto inst = slot->process;
  if (inst && inst->alive()) {
    spdlog::debug("{}: stopping idle process {}", slot->label, inst->child->pid());
    process_gone(slot, inst, "was stopped (idle)", GoneCause::stopped);
    co_await terminate(inst);
  }
}

void remove_session(const std::shared_ptr<TenantSlot>& slot, std::uint64_t number) {
  std::erase_if(slot->sessions, [&](const auto& s) { return s->number() == number; });
  for (auto it = slot->server_requests.begin(); it != slot->server_requests.end();) {
    if (it->second != number) {
      ++it;
      continue;
    }
    if (slot->process && slot->process->state == ProcessInstance::State::ready) {
      auto id = json::parse(it->first);
      if (id) {
        slot->process->enqueue(mcp::serialize(
            make_wire_error(std::move(*id), mcp::kInternalError, "the client session was closed")));
      }
    }
    it = slot->server_requests.erase(it);
  }
  if (!slot->sessions.empty() || slot->stopped) return;
  if (!slot->process || !slot->process->alive()) {
    forget_slot_if_unused(slot);
    return;
  }
  std::uint64_t generation = ++slot->idle_generation;
  asio::co_spawn(slot->shared->executor, idle_watch(slot, generation), asio::detached);
}

class StdioSession final : public Session {
 public:
  StdioSession(std::shared_ptr<TenantSlot> slot, std::shared_ptr<SessionChannel> channel, json::Value init)
      : slot_(std::move(slot)), channel_(std::move(channel)), init_(std::move(init)) {}
  ~StdioSession() override { close_now(); }

  [[nodiscard]] const json::Value& initialize_result() const override { return init_; }

  asio::awaitable<core::Result<mcp::Message>> request(mcp::Message request, MessageSink on_message,
                                                      std::chrono::milliseconds timeout,
                                                      ResultForm form) override {
    if (auto open = check_open(); !open) co_return std::unexpected(open.error());
    if (!request.is_request()) {
      co_return core::fail(core::Reason::invalid_request, "request() needs a JSON-RPC request");
    }
    if (request.method == "initialize") co_return mcp::make_result(request.id, init_);
    // Copies: the session object may be closed or destroyed while we wait.
    std::shared_ptr<TenantSlot> slot = slot_;
    std::uint64_t session = channel_->number();
    std::string method = request.method;
    auto deadline = SteadyClock::now() + timeout;
    auto inst = co_await ensure_ready(slot, deadline);
    if (!inst) co_return std::unexpected(inst.error());
    auto call = slot->calls.register_call(request, session);
    call->result_form = form;
    CallGuard guard(slot->calls, call->wire_id);
    (*inst)->enqueue(mcp::serialize(request));
    auto outcome = co_await await_outcome(call, on_message, deadline);
    if (outcome) co_return std::move(*outcome);
    if (slot->process == *inst && (*inst)->state == ProcessInstance::State::ready) {
      json::Value params = json::Value::object();
      params.set("requestId", call->wire_id);
      params.set("reason", "timeout");
      (*inst)->enqueue(mcp::serialize(mcp::make_notification("notifications/cancelled", std::move(params))));
    }
    co_return core::fail(core::Reason::upstream_timeout,
                         fmt::format("{} did not answer '{}' within {} ms", slot->label, method, timeout.count()));
  }

  asio::awaitable<core::Result<void>> send(mcp::Message message) override {
    if (auto open = check_open(); !open) co_return std::unexpected(open.error());
    TenantSlot& slot = *slot_;
    if (message.is_request()) {
      co_return core::fail(core::Reason::invalid_request, "send() takes notifications and responses");
    }
    if (message.is_notification()) {
      if (message.method == "notifications/initialized") co_return core::Result<void>{};
      if (message.method == "notifications/cancelled" && !slot.calls.map_cancelled(message, channel_->number())) {
        co_return core::Result<void>{};  // not one of this session's requests: never forwarded
      }
    } else {
      auto it = slot.server_requests.find(id_key(message.id));
      if (it == slot.server_requests.end() || it->second != channel_->number()) {
        co_return core::fail(core::Reason::invalid_request,
                             fmt::format("{}: no open server request with id {}", slot.label, id_key(message.id)));
      }
      slot.server_requests.erase(it);
    }
    if (!slot.process || slot.process->state != ProcessInstance::State::ready ||
        !slot.process->enqueue(mcp::serialize(message))) {
      co_return core::fail(core::Reason::upstream_unavailable, fmt::format("{} is not running", slot.label));
    }
    co_return core::Result<void>{};
  }

  void set_listener(MessageSink listener) override { channel_->set_listener(std::move(listener)); }

  asio::awaitable<void> close() override {
    close_now();
    co_return;
  }

 private:
  [[nodiscard]] core::Result<void> check_open() const {
    if (closed_) return core::fail(core::Reason::upstream_unavailable, "upstream session is closed");
    if (slot_->stopped || slot_->shared->shut_down) {
      return core::fail(core::Reason::upstream_unavailable, fmt::format("{} was stopped", slot_->label));
    }
    return {};
  }

  void close_now() {
    if (closed_) return;
    closed_ = true;
    channel_->close();
    remove_session(slot_, channel_->number());
  }

  std::shared_ptr<TenantSlot> slot_;
  std::shared_ptr<SessionChannel> channel_;
  json::Value init_;
  bool closed_ = false;
};

class StdioUpstream final : public Upstream {
 public:
  StdioUpstream(asio::any_io_executor executor, UpstreamConfig config, const core::Clock& clock)
      : shared_(std::make_shared<StdioShared>()) {
    shared_->executor = std::move(executor);
    shared_->config = std::move(config);
    shared_->clock = &clock;
  }

  ~StdioUpstream() override {
    shared_->shut_down = true;
    auto slots = std::move(shared_->slots);
    shared_->slots.clear();
    for (auto& [tenant, slot] : slots) {
      slot->stopped = true;
      for (auto& session : slot->sessions) session->close();
      if (auto inst = slot->process) {
        process_gone(slot, inst, "was shut down", GoneCause::stopped);
        inst->child->close_pipes();
        inst->child->kill_now();
      }
    }
  }

  [[nodiscard]] const UpstreamConfig& config() const noexcept override { return shared_->config; }

  asio::awaitable<core::Result<std::unique_ptr<Session>>> open_session(SessionParams params) override {
    auto shared = shared_;
    if (shared->shut_down) {
      co_return core::fail(core::Reason::upstream_unavailable,
                           fmt::format("upstream '{}' is shut down", shared->config.name));
    }
    std::shared_ptr<TenantSlot>& entry = shared->slots[params.tenant];
    if (!entry) {
      entry = std::make_shared<TenantSlot>();
      entry->shared = shared;
      entry->tenant = params.tenant;
      entry->label = fmt::format("upstream '{}' (tenant '{}')", shared->config.name, params.tenant);
      entry->params = params;
    }
    std::shared_ptr<TenantSlot> slot = entry;
    if (!slot->starting && (!slot->process || !slot->process->alive())) slot->params = params;  // starter's env
    ++slot->idle_generation;  // cancels a pending idle stop
    auto channel = std::make_shared<SessionChannel>(shared->executor, shared->next_session++);
    slot->sessions.push_back(channel);
    auto inst = co_await ensure_ready(slot, SteadyClock::now() + shared->config.connect_timeout);
    if (!inst) {
      std::erase(slot->sessions, channel);
      forget_slot_if_unused(slot);
      co_return std::unexpected(inst.error());
    }
    if (slot->stopped) {
      co_return core::fail(core::Reason::upstream_unavailable, fmt::format("{} was stopped", slot->label));
    }
    co_return std::unique_ptr<Session>(new StdioSession(slot, channel, (*inst)->initialize_result));
  }

  [[nodiscard]] std::vector<ProcessInfo> processes() const override {
    std::vector<ProcessInfo> out;
    for (const auto& [tenant, slot] : shared_->slots) {
      if (!slot->process || !slot->process->alive()) continue;
      out.push_back(ProcessInfo{tenant, slot->process->child->pid(), slot->sessions.size(), slot->restarts});
    }
    return out;
  }

  asio::awaitable<void> stop_tenant(std::string tenant) override {
    auto shared = shared_;
    auto it = shared->slots.find(tenant);
    if (it == shared->slots.end()) co_return;
    std::shared_ptr<TenantSlot> slot = it->second;
    shared->slots.erase(it);
    std::string why = "was stopped";
    co_await stop_slot(slot, std::move(why));
  }

  asio::awaitable<void> shutdown() override {
    auto shared = shared_;
    shared->shut_down = true;
    auto slots = std::move(shared->slots);
    shared->slots.clear();
    std::vector<std::shared_ptr<ProcessInstance>> running;
    for (auto& [tenant, slot] : slots) {
      slot->stopped = true;
      for (auto& session : slot->sessions) session->close();
      if (auto inst = slot->process) {
        process_gone(slot, inst, "was shut down", GoneCause::stopped);
        if (!inst->child->reaped()) {
          inst->child->signal_group(SIGTERM);
          running.push_back(inst);
        }
      }
    }
    auto deadline = SteadyClock::now() + kTerminateGrace;
    for (auto& inst : running) co_await inst->child->wait_exit_until(deadline);
    for (auto& inst : running) {
      if (!inst->child->reaped()) inst->child->signal_group(SIGKILL);
    }
    deadline = SteadyClock::now() + kKillWait;
    for (auto& inst : running) co_await inst->child->wait_exit_until(deadline);
  }

 private:
  static asio::awaitable<void> stop_slot(std::shared_ptr<TenantSlot> slot, std::string why) {
    slot->stopped = true;
    for (auto& session : slot->sessions) session->close();
    auto inst = slot->process;
    if (!inst) co_return;
    process_gone(slot, inst, why, GoneCause::stopped);
    co_await terminate(inst);
  }

  std::shared_ptr<StdioShared> shared_;
};

}  // namespace

std::unique_ptr<Upstream> make_stdio_upstream(asio::any_io_executor executor, UpstreamConfig config,
                                              const core::Clock& clock) {
  // Writing to the stdin pipe of a process that just died raises SIGPIPE, whose default action would end the
  // gateway. Ignore it when nobody chose a disposition (children get default dispositions back at spawn).
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
  return std::make_unique<StdioUpstream>(std::move(executor), std::move(config), clock);
}

}  // namespace bulkhead::upstream::detail
