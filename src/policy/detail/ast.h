// Parsed policies (internal to bulkhead::policy). Built once by the parser, immutable afterwards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/policy.h"

namespace bulkhead::policy::detail {

struct Position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

enum class Op : std::uint8_t {
  literal,      // value (also constant set/record literals, folded by the parser)
  principal,    // variables
  action,
  resource,
  context,
  logical_and,  // children[0] && children[1]
  logical_or,
  logical_not,
  negate,       // unary minus
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  in,
  add,
  subtract,
  multiply,
  has,          // children[0] has name
  like,         // children[0] like pattern
  is,           // children[0] is name [in children[1]]
  get_attr,     // children[0].name / children[0]["name"]
  contains,     // children[0].contains(children[1])
  contains_all,
  contains_any,
  is_empty,     // children[0].isEmpty()
  if_then_else,
  make_set,     // [children...]
  make_record,  // {names[i]: children[i]}
};

// A `like` pattern: parts[0] * parts[1] * ... * parts[n] (stars between consecutive parts).
struct Pattern {
  std::vector<std::string> parts;
};

struct Expr {
  Op op = Op::literal;
  Position position;
  Value value;                     // literal
  std::string name;                // has / get_attr attribute; `is` entity type
  Pattern pattern;                 // like
  std::vector<Expr> children;
  std::vector<std::string> names;  // make_record keys, parallel to children
};

struct Scope {
  enum class Kind : std::uint8_t { any, equal, in, is, is_in, in_set };
  Kind kind = Kind::any;
  std::string type;               // is / is_in
  EntityUid uid;                  // equal / in / is_in
  std::vector<EntityUid> uids;    // in_set (action only)
};

struct Condition {
  bool when = true;  // false: unless
  Expr expr;
};

struct Annotation {
  std::string key;
  std::string value;
};

struct Policy {
  PolicyInfo info;
  Scope principal;
  Scope action;
  Scope resource;
  std::vector<Condition> conditions;
  std::vector<Annotation> annotations;
};

}  // namespace bulkhead::policy::detail
