// `bulkhead offboard --connector C | --tenant T | --agent ID | --mapping C:T --reason R` and `... --verify
// [--token FILE] [--tool NAME] [--url URL]` (docs/register.md "Offboarding"). Offboarding works through the store:
// every running gateway applies it on its next request (sessions closed, stdio processes stopped) and keeps refusing.
// --verify proves it: the record, the gateway's acknowledgement, no live token, no credential left, and (with
// --token) a fresh attempt refused and that refusal in the audit log with an inclusion proof.
// Exit codes: 0 ok / verified, 1 not verified or a store error, 2 usage or configuration error.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "audit/audit.h"
#include "cli/commands.h"
#include "gateway/gateway.h"
#include "http/http.h"
#include "register/register.h"
#include "store/store.h"
#include "token/token.h"

namespace bulkhead::cli {
namespace {

struct OffboardFlags {
  std::string connector;
  std::string tenant;
  std::string agent;
  std::string mapping;
  std::string reason;
  bool verify = false;
  std::string token_file;
  std::string tool;
  std::string url;
};

struct Target {
  registry::OffboardKind kind;
  std::string value;
  std::string upstream;  // connector / mapping
  std::string tenant;    // tenant / mapping
};

std::optional<Target> target_of(const OffboardFlags& f) {
  const int named = !f.connector.empty() + !f.tenant.empty() + !f.agent.empty() + !f.mapping.empty();
  if (named != 1) return std::nullopt;
  if (!f.connector.empty()) return Target{registry::OffboardKind::connector, f.connector, f.connector, ""};
  if (!f.tenant.empty()) return Target{registry::OffboardKind::tenant, f.tenant, "", f.tenant};
  if (!f.agent.empty()) return Target{registry::OffboardKind::agent, f.agent, "", ""};
  const auto colon = f.mapping.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Target{registry::OffboardKind::mapping, f.mapping, f.mapping.substr(0, colon), f.mapping.substr(colon + 1)};
}

std::string prefix_of(const gateway::Config& config, std::string_view upstream) {
  for (const auto& entry : config.upstreams) {
    if (entry.upstream.name == upstream) return entry.prefix;
  }
  return "";
}

int run_offboard(const gateway::Config& config, store::Store& store, const Target& target, const OffboardFlags& flags) {
  core::SystemClock clock;
  if (!target.upstream.empty() && prefix_of(config, target.upstream).empty() &&
      std::none_of(config.upstreams.begin(), config.upstreams.end(),
                   [&](const auto& e) { return e.upstream.name == target.upstream; })) {
    std::cerr << "bulkhead offboard: connector '" << target.upstream << "' is not an [[upstream]] of the config\n";
    return 2;
  }
  auto outcome = registry::offboard(store, target.kind, target.value, registry::Actor{cli_actor(), flags.reason},
                                    prefix_of(config, target.upstream), clock, config.tokens.max_ttl);
  if (!outcome) {
    std::cerr << "bulkhead offboard: " << outcome.error().message << "\n";
    return outcome.error().reason == core::Reason::invalid_request ? 2 : 1;
  }
  std::cout << fmt::format(
      "offboarded {} {} (record {}): {} task token(s) revoked with everything derived from them, {} credential(s) "
      "deleted; every running gateway closes the sessions and stops the processes on its next request\n"
      "prove it: bulkhead offboard --{} {} --verify --token <a token it held>\n",
      registry::offboard_kind_name(target.kind), target.value, outcome->record.id, outcome->tokens_revoked,
      outcome->credentials_deleted, registry::offboard_kind_name(target.kind), target.value);
  return 0;
}

// One MCP request with `token` against the gateway: 2025-11-25 initialize, then (for connector / mapping) a
// tools/call of `tool`. Returns the refusal reason and HTTP status of the first refused step, or nullopt.
struct Attempt {
  int status = 0;
  std::string reason;
  std::string message;
};

std::optional<Attempt> attempt(const std::string& url, const std::string& token, const std::string& tool) {
  boost::asio::io_context io;
  auto client = http::Client::create(io.get_executor(), http::Client::Options{});
  std::optional<Attempt> refused;
  std::string failure;
  auto call = [&]() -> boost::asio::awaitable<void> {
    auto post = [&](std::string body, std::string session) -> boost::asio::awaitable<core::Result<http::ClientResponse>> {
      http::ClientRequest request;
      request.url = url;
      request.headers.set("Content-Type", "application/json");
      request.headers.set("Accept", "application/json, text/event-stream");
      request.headers.set("Authorization", "Bearer " + token);
      if (!session.empty()) {
        request.headers.set("Mcp-Session-Id", session);
        request.headers.set("MCP-Protocol-Version", "2025-11-25");
      }
      request.body = std::move(body);
      request.timeout = std::chrono::seconds(10);
      auto response = co_await client->request(std::move(request));
      co_return response;
    };
    auto classify = [&](const http::ClientResponse& r) -> std::optional<Attempt> {
      std::string_view text = r.body;
      if (auto data = text.find("data:"); data != std::string_view::npos && r.status == 200) text.remove_prefix(data + 5);
      auto value = json::parse(text.substr(0, text.find("\n\n")));
      const json::Value* error = value ? value->find("error") : nullptr;
      if (r.status < 400 && error == nullptr) return std::nullopt;
      Attempt a;
      a.status = r.status;
      if (error != nullptr) {
        if (const json::Value* data = error->find("data")) {
          if (const std::string* reason = data->find_string("reason")) a.reason = *reason;
        }
        if (const std::string* message = error->find_string("message")) a.message = *message;
      }
      return a;
    };
    const std::string init =
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},)"
        R"("clientInfo":{"name":"bulkhead-offboard-verify","version":"1"}}})";
    auto first = co_await post(init, "");
    if (!first) {
      failure = first.error().message;
      co_return;
    }
    refused = classify(*first);
    if (refused || tool.empty()) co_return;
    const std::string session(first->headers.get("Mcp-Session-Id").value_or(""));
    const std::string body = fmt::format(
        R"({{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":{},"arguments":{{}}}}}})",
        json::serialize(json::Value(tool)));
    auto second = co_await post(body, session);
    if (!second) {
      failure = second.error().message;
      co_return;
    }
    refused = classify(*second);
  };
  boost::asio::co_spawn(io, call(), boost::asio::detached);
  io.run();
  if (!failure.empty()) std::cerr << "  (the gateway at " << url << " did not answer: " << failure << ")\n";
  return refused;
}

int run_verify(const gateway::Config& config, store::Store& store, const Target& target, const OffboardFlags& flags) {
  core::SystemClock clock;
  int failed = 0;
  auto check = [&](bool ok, const std::string& what) {
    std::cout << (ok ? "  ok    " : "  FAIL  ") << what << "\n";
    if (!ok) ++failed;
  };
  const std::string kind(registry::offboard_kind_name(target.kind));
  std::cout << "verifying the offboarding of " << kind << " " << target.value << "\n";
  // 1. The record, and a gateway's acknowledgement (it closed sessions and stopped processes).
  std::optional<store::Offboarding> record;
  for (int i = 0; i < 50; ++i) {
    auto all = store.offboardings();
    if (!all) {
      std::cerr << "bulkhead offboard --verify: " << all.error().message << "\n";
      return 1;
    }
    record.reset();
    for (const auto& o : *all) {
      if (o.kind == kind && o.value == target.value) record = o;
    }
    if (!record || record->applied_at_ms > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  check(record.has_value(), record ? fmt::format("offboarding record {} by {} ({})", record->id, record->actor,
                                                 record->reason)
                                   : "an offboarding record exists");
  if (!record) return 1;
  check(record->applied_at_ms > 0, record->applied_at_ms > 0 ? fmt::format("applied by a gateway: {}", record->applied)
                                                             : "applied by a running gateway (none acknowledged it)");
  // 2. No live task token left that it covers.
  auto issued = store.issued_tokens(store::IssuedFilter{target.tenant, "", target.kind == registry::OffboardKind::agent
                                                                                ? target.value
                                                                                : std::string(),
                                                        std::chrono::duration_cast<std::chrono::seconds>(
                                                            clock.now().time_since_epoch()).count()});
  auto revocations = store.revocations_after(0);
  if (!issued || !revocations) {
    std::cerr << "bulkhead offboard --verify: the store cannot be read\n";
    return 1;
  }
  token::RevocationSet set;
  for (const auto& r : *revocations) set.apply(r);
  std::size_t live = 0;
  const std::string prefix = prefix_of(config, target.upstream);
  for (const auto& row : *issued) {
    if (!target.upstream.empty() && !registry::scope_touches(row.scope, prefix)) continue;
    const token::TaskToken t = token::claims_of(row);
    if (!set.check(t)) ++live;
  }
  check(live == 0, fmt::format("no live task token it covers ({} found)", live));
  // 3. No credential left.
  if (target.kind != registry::OffboardKind::agent) {
    auto secrets = store.list_secrets(store::SecretFilter{target.upstream, target.tenant, ""});
    check(secrets && secrets->empty(), fmt::format("no credential left ({} found)", secrets ? secrets->size() : 0));
  }
  // 4. A fresh attempt with what it held is refused, and the refusal is on record with an inclusion proof.
  if (flags.token_file.empty()) {
    std::cout << "  note  pass --token FILE (a token or SVID it held) to try a fresh request and find its refusal\n";
    return failed == 0 ? 0 : 1;
  }
  std::ifstream in(flags.token_file);
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) {
    std::cerr << "bulkhead offboard --verify: cannot read a token from " << flags.token_file << "\n";
    return 2;
  }
  if ((target.kind == registry::OffboardKind::connector || target.kind == registry::OffboardKind::mapping) &&
      flags.tool.empty()) {
    std::cerr << "bulkhead offboard --verify: name a tool of the connector to call (--tool " << prefix << "...)\n";
    return 2;
  }
  const auto before = clock.now();
  const std::string url = flags.url.empty() ? config.server.public_url + "/mcp" : flags.url;
  auto refused = attempt(url, token, flags.tool);
  check(refused.has_value(),
        refused ? fmt::format("a fresh attempt is refused: HTTP {} reason {} ({})", refused->status, refused->reason,
                              refused->message)
                : "a fresh attempt is refused (it was allowed, or the gateway did not answer: see above)");
  if (config.audit.dir.empty()) {
    check(false, "the refusal is in the audit log (no [audit] configured)");
    return 1;
  }
  const auto since_us = std::chrono::duration_cast<std::chrono::microseconds>(before.time_since_epoch()).count();
  std::optional<std::uint64_t> seq;
  std::string seen_reason;
  for (int i = 0; i < 50 && !seq; ++i) {
    std::ostringstream lines;
    if (auto tailed = audit::tail(config.audit.dir, audit::TailOptions{}, lines); !tailed) break;
    std::istringstream reader(lines.str());
    for (std::string line; std::getline(reader, line);) {
      auto value = json::parse(line);
      const json::Value* r = value ? value->find("record") : nullptr;
      if (r == nullptr || r->find("time_us") == nullptr || r->find("time_us")->as_int() < since_us) continue;
      const std::string* reason = r->find_string("reason");
      if (reason == nullptr || (refused && *reason != refused->reason)) continue;
      seq = value->find("seq")->as_uint();
      seen_reason = *reason;
    }
    if (!seq) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  check(seq.has_value(), seq ? fmt::format("the refusal is audit record {} (reason {})", *seq, seen_reason)
                             : "the refusal is in the audit log");
  if (!seq) return 1;
  core::Result<json::Value> proof = core::fail(core::Reason::invalid_request, "no checkpoint yet");
  for (int i = 0; i < 50; ++i) {
    proof = audit::inclusion_proof(config.audit.dir, *seq, audit::VerifyOptions{"", true});
    if (proof) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  check(proof.has_value(), proof ? fmt::format("its inclusion proof verifies against the signed checkpoint "
                                               "(`bulkhead audit proof {} --seq {}`)",
                                               config.audit.dir.string(), *seq)
                                 : "an inclusion proof: " + proof.error().message);
  std::cout << (failed == 0 ? "VERIFIED\n" : "NOT VERIFIED\n");
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_offboard_command(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<OffboardFlags>();
  CLI::App* cmd = app.add_subcommand("offboard", "remove access at once: a connector, a tenant, a workload or a mapping");
  cmd->add_option("--connector", flags->connector, "an upstream (connector) name");
  cmd->add_option("--tenant", flags->tenant, "a tenant id");
  cmd->add_option("--agent", flags->agent, "a workload's SPIFFE ID");
  cmd->add_option("--mapping", flags->mapping, "<connector>:<tenant>");
  cmd->add_option("--reason", flags->reason, "why (kept with the record and in the audit log)");
  cmd->add_flag("--verify", flags->verify, "prove an earlier offboarding instead of making one");
  cmd->add_option("--token", flags->token_file, "with --verify: a file holding a token or SVID it held");
  cmd->add_option("--tool", flags->tool, "with --verify of a connector or mapping: an exposed tool to try");
  cmd->add_option("--url", flags->url, "with --verify: the gateway's MCP endpoint (default [server] public_url + /mcp)");
  cmd->callback([flags, &context] {
    auto target = target_of(*flags);
    if (!target) {
      std::cerr << "bulkhead offboard: name exactly one of --connector, --tenant, --agent, --mapping C:T\n";
      context.exit_code = 2;
      return;
    }
    if (!flags->verify && flags->reason.empty()) {
      std::cerr << "bulkhead offboard: --reason is required\n";
      context.exit_code = 2;
      return;
    }
    auto config = gateway::load_config(context.config_path);
    if (!config) {
      std::cerr << "bulkhead offboard: " << config.error().message << "\n";
      context.exit_code = 2;
      return;
    }
    core::SystemClock clock;
    auto store = store::Store::open(config->store.url, config->store.base_dir, clock);
    if (!store) {
      std::cerr << "bulkhead offboard: " << store.error().message << "\n";
      context.exit_code = 2;
      return;
    }
    context.exit_code = flags->verify ? run_verify(*config, **store, *target, *flags)
                                      : run_offboard(*config, **store, *target, *flags);
  });
}

}  // namespace bulkhead::cli
