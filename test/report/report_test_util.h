// A small audit log and store for the report's tests: a register applied, calls, a cross-tenant refusal, an
// offboarding with its audit records and a refusal after it. Real AuditLog (FakeClock), real SQLite store.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "audit/audit.h"
#include "register/register.h"
#include "report/report.h"
#include "store/store.h"

namespace bulkhead::report::testing {

using std::chrono::seconds;
using std::chrono::system_clock;

inline const system_clock::time_point kStart{seconds(1'796'000'000)};  // 2026-11-30

class ReportFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulkhead-report-" + std::to_string(::getpid()) + "-" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*store::Store::open("sqlite://bulkhead.db", dir_, clock_));
    options_.audit_dir = dir_ / "audit";
    options_.now = kStart + seconds(3600);
    options_.upstreams = {UpstreamFacts{"crm", "crm__", "http", "confidential", {}}};
    options_.tenants = {{"acme", {"spiffe://acme.test/agent/*"}}, {"globex", {"spiffe://globex.test/agent/*"}}};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  audit::AuditRecord at(int second) {
    audit::AuditRecord r;
    r.time = kStart + seconds(second);
    return r;
  }
  audit::AuditRecord call(int second, std::string tenant, std::string principal, bool outcome) {
    audit::AuditRecord r = at(second);
    r.kind = audit::RecordKind::write;
    r.decision = outcome ? audit::Decision::none : audit::Decision::allow;
    r.tenant = std::move(tenant);
    r.principal = std::move(principal);
    r.upstream = "crm";
    r.method = "tools/call";
    r.tool = "crm__lookup";
    return r;
  }
  audit::AuditRecord refused(int second, std::string principal, std::string message) {
    audit::AuditRecord r = at(second);
    r.kind = audit::RecordKind::deny;
    r.decision = audit::Decision::deny;
    r.reason = core::Reason::tenant_not_bound;
    r.principal = std::move(principal);
    r.method = "transport";
    r.detail = json::Value::object();
    r.detail.set("message", std::move(message));
    return r;
  }
  audit::AuditRecord lifecycle(int second, std::string event, json::Value detail) {
    audit::AuditRecord r = at(second);
    r.kind = audit::RecordKind::lifecycle;
    detail.set("event", std::move(event));
    r.detail = std::move(detail);
    return r;
  }

  // The scripted history; returns the seqs of interest.
  void write_history() {
    registry::Register reg = *registry::parse_register(
        "[[connector]]\nupstream = \"crm\"\nowner_team = \"crm-platform\"\npolicy_owner = \"security-eng\"\n"
        "downstream_owner = \"crm-data\"\napprover = \"j.doe\"\napproved_on = 2026-11-01\npurpose = \"support\"\n"
        "review_by = 2027-05-01\nkind = \"vendor\"\n[[connector.tenant]]\nid = \"acme\"\n"
        "[[connector.tenant]]\nid = \"globex\"\n");
    registry::Context context{{"crm"}, {{"acme", {"spiffe://acme.test/agent/*"}}, {"globex", {"spiffe://globex.test/agent/*"}}},
                              registry::date_of(clock_.now())};
    ASSERT_TRUE(registry::apply(*store_, reg, context, json::Value::object(), {"cli:test", "SEC-1"}, clock_));
    clock_.advance(seconds(60));
    auto off = registry::offboard(*store_, registry::OffboardKind::tenant, "acme", {"cli:test", "contract ended"}, "",
                                  clock_, seconds(900));
    ASSERT_TRUE(off);
    offboarding_id_ = off->record.id;
    ASSERT_TRUE(store_->mark_offboarding_applied(offboarding_id_, 1'796'000'062'000, R"({"sessions_closed":1,"processes_stopped":0})"));

    audit::AuditOptions o;
    o.dir = options_.audit_dir;
    o.signing_key_file = dir_ / "audit-key.pem";
    auto log = audit::AuditLog::open(o, clock_);
    ASSERT_TRUE(log);
    json::Value applied = json::Value::object();
    applied.set("version", 1);
    seq_.register_applied = *(*log)->append_and_wait(lifecycle(1, "register_applied", applied));
    seq_.call = *(*log)->append_and_wait(call(10, "acme", "spiffe://acme.test/agent/a", false));
    ASSERT_TRUE((*log)->append_and_wait(call(10, "acme", "spiffe://acme.test/agent/a", true)));
    ASSERT_TRUE((*log)->append_and_wait(call(11, "globex", "spiffe://globex.test/agent/g", false)));
    seq_.cross = *(*log)->append_and_wait(
        refused(20, "spiffe://acme.test/agent/a", "this workload is not bound to tenant 'globex'"));
    json::Value d = json::Value::object();
    d.set("offboarding_id", offboarding_id_);
    d.set("kind", "tenant");
    d.set("value", "acme");
    seq_.offboarded = *(*log)->append_and_wait(lifecycle(61, "offboarded", d));
    seq_.applied = *(*log)->append_and_wait(lifecycle(62, "offboarding_applied", d));
    seq_.refused = *(*log)->append_and_wait(refused(70, "spiffe://acme.test/agent/a", "tenant 'acme' was offboarded"));
    log->reset();
  }

  std::filesystem::path dir_;
  core::FakeClock clock_{kStart};
  std::unique_ptr<store::Store> store_;
  ReportOptions options_;
  std::int64_t offboarding_id_ = 0;
  struct {
    std::uint64_t register_applied = 0, call = 0, cross = 0, offboarded = 0, applied = 0, refused = 0;
  } seq_;
};

}  // namespace bulkhead::report::testing
