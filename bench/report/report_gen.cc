// bulkhead-report-gen DIR [--records N]: writes an audit log of N records (default 1,000,000) with the real audit
// writer in async mode, shaped like gateway traffic — per call a decision record and an outcome record, refusals
// (policy, cross-tenant, revoked tokens), token exchanges and session lifecycle — over 8 tenants and 3 upstreams,
// plus DIR/bulkhead.toml naming them, for timing `bulkhead report` (bench/report/run.sh, docs/benchmarks.md
// "Accountability report").
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "audit/audit.h"
#include "core/core.h"

namespace {

using namespace bulkhead;

constexpr int kTenants = 8;
const char* const kTools[] = {"crm__lookup", "crm__update", "notes__read", "notes__write", "everything__echo"};
const char* const kUpstreams[] = {"crm", "crm", "notes", "notes", "everything"};

std::string tenant_of(std::uint64_t i) { return fmt::format("tenant{}", i % kTenants); }
std::string agent_of(std::uint64_t i) { return fmt::format("spiffe://{}.test/agent/a{}", tenant_of(i), i % 3); }

audit::AuditRecord call(std::uint64_t i, bool outcome, std::chrono::system_clock::time_point t) {
  audit::AuditRecord r;
  r.time = t;
  const std::size_t tool = i % 5;
  r.kind = (tool % 2 == 1) ? audit::RecordKind::write : audit::RecordKind::invoke;
  r.decision = outcome ? audit::Decision::none : audit::Decision::allow;
  r.tenant = tenant_of(i);
  r.principal = agent_of(i);
  r.session = fmt::format("s{:016x}", i / 16);
  r.jsonrpc_id = json::Value(static_cast<std::int64_t>(i));
  r.upstream = kUpstreams[tool];
  r.method = "tools/call";
  r.tool = kTools[tool];
  r.args_sha256 = audit::digest_of(std::to_string(i));
  if (outcome) {
    audit::ResultSummary s;
    s.sha256 = audit::digest_of(r.tool);
    s.bytes = 200 + i % 800;
    r.result = s;
    r.latency = std::chrono::microseconds(300 + i % 700);
  }
  return r;
}

audit::AuditRecord refusal(std::uint64_t i, std::chrono::system_clock::time_point t) {
  audit::AuditRecord r;
  r.time = t;
  r.kind = audit::RecordKind::deny;
  r.decision = audit::Decision::deny;
  r.principal = agent_of(i);
  switch (i % 3) {
    case 0:
      r.reason = core::Reason::policy_denied;
      r.tenant = tenant_of(i);
      r.method = "tools/call";
      r.tool = kTools[i % 5];
      r.policy_ids = {"own-accounts"};
      break;
    case 1:
      r.reason = core::Reason::tenant_not_bound;
      r.method = "transport";
      r.detail = json::Value::object();
      r.detail.set("message", fmt::format("this workload is not bound to tenant '{}'", tenant_of(i + 1)));
      break;
    default:
      r.reason = core::Reason::token_revoked;
      r.method = "transport";
      r.detail = json::Value::object();
      r.detail.set("message", "the task token was revoked");
      break;
  }
  return r;
}

audit::AuditRecord exchange(std::uint64_t i, std::chrono::system_clock::time_point t) {
  audit::AuditRecord r;
  r.time = t;
  r.kind = audit::RecordKind::lifecycle;
  r.decision = audit::Decision::allow;
  r.tenant = tenant_of(i);
  r.principal = agent_of(i);
  r.task = fmt::format("task-{}", i);
  r.detail = json::Value::object();
  r.detail.set("event", "token_exchange");
  r.detail.set("jti", fmt::format("jti-{:016x}", i));
  r.detail.set("scope", "crm__lookup notes__*");
  r.detail.set("lifetime_seconds", 300);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bulkhead-report-gen DIR [--records N]\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::uint64_t records = 1'000'000;
  if (argc >= 4 && std::string(argv[2]) == "--records") records = std::strtoull(argv[3], nullptr, 10);
  std::filesystem::create_directories(dir);
  core::SystemClock clock;
  audit::AuditOptions options;
  options.dir = dir / "var" / "audit";
  options.signing_key_file = dir / "audit-ed25519.pem";
  options.durability = audit::Durability::async;
  auto log = audit::AuditLog::open(options, clock);
  if (!log) {
    std::cerr << "bulkhead-report-gen: " << log.error().message << "\n";
    return 1;
  }
  // Spread over one simulated day ending now (the report buckets decisions over time).
  const auto end = clock.now();
  const auto step = std::chrono::microseconds(86'400'000'000LL / static_cast<std::int64_t>(std::max<std::uint64_t>(records, 1)));
  auto t = end - step * static_cast<std::int64_t>(records);
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t written = 0;
  for (std::uint64_t i = 0; written < records; ++i) {
    const std::uint64_t which = i % 20;
    auto add = [&](audit::AuditRecord r) {
      if (written >= records) return;
      (*log)->append(std::move(r), [](core::Result<std::uint64_t> seq) {
        if (!seq) std::cerr << "append failed: " << seq.error().message << "\n";
      });
      ++written;
      t += step;
    };
    if (which == 0) {
      add(exchange(i, t));
    } else if (which == 1 || which == 2) {
      add(refusal(i, t));
    } else {
      add(call(i, false, t));
      add(call(i, true, t));
    }
  }
  log->reset();  // drains the queue and writes the final checkpoint
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::ofstream config(dir / "bulkhead.toml");
  config << "[server]\nlisten = \"127.0.0.1:0\"\n\n[auth]\nmode = \"none\"\n\n";
  for (int k = 0; k < kTenants; ++k) {
    config << fmt::format("[[tenant]]\nid = \"tenant{0}\"\nagents = [\"spiffe://tenant{0}.test/agent/*\"]\n\n", k);
  }
  config << "[store]\nurl = \"sqlite://var/bulkhead.db\"\n\n[audit]\ndir = \"var/audit\"\n\n";
  for (const char* u : {"crm", "notes", "everything"}) {
    config << fmt::format("[[upstream]]\nname = \"{}\"\ntransport = \"http\"\nurl = \"http://127.0.0.1:9/mcp\"\n\n", u);
  }
  std::cout << fmt::format("wrote {} records to {} in {:.2f} s ({:.0f} records/s, async)\n", written,
                           options.dir.string(), elapsed, static_cast<double>(written) / elapsed);
  return 0;
}
