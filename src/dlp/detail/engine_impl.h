// Engine internals shared by engine.cc (compile) and scanner.cc (scan).
#pragma once

#include <hs/hs.h>

#include <memory>
#include <string>
#include <vector>

#include "dlp/detail/tenant_databases.h"

#include "dlp/dlp.h"
#include "rules/rules.h"

namespace bulkhead::dlp {

struct PatternInfo {
  std::string rule_id;         // "marker:globex:0", "canary:globex:0", "pattern:ssn"
  HitKind kind = HitKind::marker;
  std::string owner;           // tenant for canaries and markers; empty for custom patterns
  std::string label;           // "tenant:<owner>" or the pattern's classification
  Action action = Action::log; // custom patterns only (tenants' data: Options::on_other_tenant_marker)
};

struct Engine::Impl {
  Options options;
  std::vector<PatternInfo> patterns;  // by Hyperscan id
  // With secrets on, the fast pass (db and the tenants' `others`) also holds the credential rules' candidate
  // expressions, with ids from patterns.size() on: a match there only says the credential rules must look.
  bool credentials_folded = false;
  hs_database_t* db = nullptr;        // no start of match: the fast pass
  hs_database_t* som_db = nullptr;    // leftmost start of match: masking and values split across events
  std::optional<rules::CredentialMatcher> credentials;  // the prototype each Scanner copies
  std::unique_ptr<detail::TenantDatabases> tenant_databases;  // null: every scan uses db
  ~Impl() {
    tenant_databases.reset();  // joins its worker
    hs_free_database(db);
    hs_free_database(som_db);
  }
};

}  // namespace bulkhead::dlp
