// Evaluates one policy against one request (internal). An Evaluator lives for one decide()/may_list() call.
// In partial mode (may_list) `context.arguments` is unknown: results that depend on it are Satisfied::unknown.
// Soundness rule: a definite result (yes/no/error) in partial mode is the result for every possible arguments.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "policy/detail/ast.h"

namespace bulkhead::policy::detail {

enum class Satisfied : std::uint8_t { no, yes, unknown, error };

struct Outcome {
  Satisfied satisfied = Satisfied::no;
  std::string error;  // when satisfied == error
};

class Evaluator {
 public:
  Evaluator(const Request& request, const Entities& entities, bool partial)
      : request_(request), entities_(entities), partial_(partial) {}

  // Scope first (never errs), then when/unless conditions in order with && semantics.
  [[nodiscard]] Outcome evaluate(const Policy& policy);
  [[nodiscard]] bool scope_matches(const Policy& policy) const;

  // Exposed for tests: evaluates one expression; `result` receives the value as an owned Value.
  [[nodiscard]] Outcome evaluate_expression(const Expr& expr, Value& result);

 private:
  struct Val;
  struct Eval;
  const Request& request_;
  const Entities& entities_;
  bool partial_;
  std::vector<std::unique_ptr<Value>> arena_;  // sets/records built while evaluating
};

// `text like pattern` (parts separated by wildcards).
[[nodiscard]] bool match_pattern(std::string_view text, const Pattern& pattern);

}  // namespace bulkhead::policy::detail
