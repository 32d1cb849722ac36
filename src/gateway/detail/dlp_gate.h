// What response/egress DLP (dlp_gate.cc) knows about one request while it runs: the task it belongs to, the labels
// its read adds to that task, the rules that hit (audit), and the state that lets a value split across the
// request's SSE events still be found. Owned by the request's Reply (or its BridgedCall); event loop only.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "dlp/dlp.h"
#include "json/json.h"

namespace bulkhead::gateway::detail {

struct DlpFindings {
  std::string tenant;                 // the caller's tenant (its own data is no hit)
  std::string task;                   // the task of the caller's task token ("" without one)
  std::int64_t task_expires_s = 0;    // the token's exp: how long the task's labels are kept at least
  std::set<std::string> read_labels;  // what a successful read adds: the tool's classification and labels
  std::vector<std::string> rules;     // "<direction>:<rule id>:<action>" per hit, in order, once each
  bool blocked = false;               // an event of the response was withheld: the final answer is dlp_blocked
  dlp::StreamState stream;            // this response's SSE events
  // Audit detail {"hits": [...], "blocked": bool}, null when nothing hit.
  [[nodiscard]] json::Value to_json() const;
  void note(const dlp::Verdict& verdict, std::string_view direction);
};

}  // namespace bulkhead::gateway::detail
