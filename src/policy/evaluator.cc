// Expression evaluation with Cedar semantics: short-circuit && / ||, type errors are errors, equality across
// types is false, `in` follows the entity hierarchy, 64-bit arithmetic with overflow errors. Values are viewed,
// not copied: a Val points into the request, the entities, the policy literals or the evaluator's arena.
#include "policy/detail/evaluator.h"

#include <algorithm>
#include <expected>
#include <string>
#include <utility>

namespace bulkhead::policy::detail {

struct Evaluator::Val {
  Value::Kind kind = Value::Kind::unknown;  // unknown: depends on context.arguments (partial mode only)
  bool b = false;
  std::int64_t i = 0;
  const void* p = nullptr;  // std::string, EntityUid, Value::Set or Value::Record

  const std::string& str() const { return *static_cast<const std::string*>(p); }
  const EntityUid& uid() const { return *static_cast<const EntityUid*>(p); }
  const Value::Set& set() const { return *static_cast<const Value::Set*>(p); }
  const Value::Record& rec() const { return *static_cast<const Value::Record*>(p); }
};

namespace {

using Kind = Value::Kind;

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::unknown: return "unknown";
    case Kind::boolean: return "bool";
    case Kind::integer: return "long";
    case Kind::string: return "string";
    case Kind::entity: return "entity";
    case Kind::set: return "set";
    case Kind::record: return "record";
  }
  return "?";
}

}  // namespace

// The recursive evaluator proper; a nested struct so it can reach Val and the arena.
struct Evaluator::Eval {
  Evaluator& self;
  using Result = std::expected<Val, std::string>;

  static Val boolean(bool b) {
    Val v;
    v.kind = Kind::boolean;
    v.b = b;
    return v;
  }
  static Val integer(std::int64_t i) {
    Val v;
    v.kind = Kind::integer;
    v.i = i;
    return v;
  }
  static Val unknown() { return Val{}; }
  static Val entity(const EntityUid& uid) {
    Val v;
    v.kind = Kind::entity;
    v.p = &uid;
    return v;
  }
  static Val view(const Value& value) {
    Val v;
    v.kind = value.kind();
    switch (value.kind()) {
      case Kind::unknown: break;
      case Kind::boolean: v.b = value.as_bool(); break;
      case Kind::integer: v.i = value.as_long(); break;
      case Kind::string: v.p = &value.as_string(); break;
      case Kind::entity: v.p = &value.as_entity(); break;
      case Kind::set: v.p = &value.as_set(); break;
      case Kind::record: v.p = &value.as_record(); break;
    }
    return v;
  }
  static Value own(const Val& v) {
    switch (v.kind) {
      case Kind::unknown: return Value::unknown();
      case Kind::boolean: return Value(v.b);
      case Kind::integer: return Value(v.i);
      case Kind::string: return Value(v.str());
      case Kind::entity: return Value(v.uid());
      case Kind::set: return Value::set(v.set());
      case Kind::record: return Value::record(v.rec());
    }
    return Value::unknown();
  }

  static std::unexpected<std::string> type_error(const char* expected, const Val& got) {
    return std::unexpected(std::string("type error: expected ") + expected + ", got " + kind_name(got.kind));
  }

  // Total order consistent with Value::compare (so sets, sorted by Value::compare, can be binary-searched).
  static int compare(const Val& a, const Val& b) {
    if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
    switch (a.kind) {
      case Kind::unknown: return 0;
      case Kind::boolean: return static_cast<int>(a.b) - static_cast<int>(b.b);
      case Kind::integer: return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
      case Kind::string: {
        const int c = a.str().compare(b.str());
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
      case Kind::entity: {
        int c = a.uid().type.compare(b.uid().type);
        if (c == 0) c = a.uid().id.compare(b.uid().id);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
      case Kind::set: {
        const auto& x = a.set();
        const auto& y = b.set();
        for (std::size_t k = 0; k < x.size() && k < y.size(); ++k) {
          if (const int c = Value::compare(x[k], y[k]); c != 0) return c;
        }
        return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
      }
      case Kind::record: {
        const auto& x = a.rec();
        const auto& y = b.rec();
        for (std::size_t k = 0; k < x.size() && k < y.size(); ++k) {
          if (const int c = x[k].first.compare(y[k].first); c != 0) return c < 0 ? -1 : 1;
          if (const int c = Value::compare(x[k].second, y[k].second); c != 0) return c;
        }
        return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
      }
    }
    return 0;
  }

  static bool set_contains(const Value::Set& set, const Val& item) {
    auto it = std::lower_bound(set.begin(), set.end(), item,
                               [](const Value& element, const Val& x) { return compare(view(element), x) < 0; });
    return it != set.end() && compare(view(*it), item) == 0;
  }

  Val keep(Value value) {
    self.arena_.push_back(std::make_unique<Value>(std::move(value)));
    return view(*self.arena_.back());
  }

  Result eval(const Expr& e) {
    switch (e.op) {
      case Op::literal: return view(e.value);
      case Op::principal: return entity(self.request_.principal);
      case Op::action: return entity(self.request_.action);
      case Op::resource: return entity(self.request_.resource);
      case Op::context: return view(self.request_.context);
      case Op::logical_and:
      case Op::logical_or: {
        const bool is_and = e.op == Op::logical_and;
        auto left = eval(e.children[0]);
        if (!left) return left;
        if (left->kind == Kind::unknown) return unknown();
        if (left->kind != Kind::boolean) return type_error("bool", *left);
        if (left->b != is_and) return boolean(left->b);  // false && _, true || _
        auto right = eval(e.children[1]);
        if (!right) return right;
        if (right->kind == Kind::unknown) return unknown();
        if (right->kind != Kind::boolean) return type_error("bool", *right);
        return boolean(right->b);
      }
      case Op::logical_not: {
        auto operand = eval(e.children[0]);
        if (!operand || operand->kind == Kind::unknown) return operand;
        if (operand->kind != Kind::boolean) return type_error("bool", *operand);
        return boolean(!operand->b);
      }
      case Op::negate: {
        auto operand = eval(e.children[0]);
        if (!operand || operand->kind == Kind::unknown) return operand;
        if (operand->kind != Kind::integer) return type_error("long", *operand);
        if (operand->i == INT64_MIN) return std::unexpected(std::string("integer overflow in negation"));
        return integer(-operand->i);
      }
      case Op::if_then_else: {
        auto condition = eval(e.children[0]);
        if (!condition || condition->kind == Kind::unknown) return condition;
        if (condition->kind != Kind::boolean) return type_error("bool", *condition);
        return eval(e.children[condition->b ? 1 : 2]);
      }
      case Op::has: {
        auto target = eval(e.children[0]);
        if (!target || target->kind == Kind::unknown) return target;
        if (target->kind == Kind::entity) {
          const Entity* entity = self.entities_.find(target->uid());
          return boolean(entity != nullptr && entity->attrs.find(e.name) != nullptr);
        }
        if (target->kind == Kind::record) {
          if (self.partial_ && is_context(*target) && e.name == "arguments") return boolean(true);
          return boolean(find_field(target->rec(), e.name) != nullptr);
        }
        return type_error("entity or record", *target);
      }
      case Op::get_attr: {
        auto target = eval(e.children[0]);
        if (!target || target->kind == Kind::unknown) return target;
        const Value* field = nullptr;
        if (target->kind == Kind::entity) {
          const Entity* entity = self.entities_.find(target->uid());
          if (entity == nullptr) {
            return std::unexpected("entity " + to_string(target->uid()) + " does not exist");
          }
          field = entity->attrs.find(e.name);
          if (field == nullptr) {
            return std::unexpected(to_string(target->uid()) + " does not have the attribute `" + e.name + "`");
          }
        } else if (target->kind == Kind::record) {
          if (self.partial_ && is_context(*target) && e.name == "arguments") return unknown();
          field = find_field(target->rec(), e.name);
          if (field == nullptr) return std::unexpected("record does not have the attribute `" + e.name + "`");
        } else {
          return type_error("entity or record", *target);
        }
        if (field->kind() == Kind::unknown && !self.partial_) {
          return std::unexpected("attribute `" + e.name + "` holds a value policies cannot use (null or fraction)");
        }
        return view(*field);
      }
      case Op::like: {
        auto target = eval(e.children[0]);
        if (!target || target->kind == Kind::unknown) return target;
        if (target->kind != Kind::string) return type_error("string", *target);
        return boolean(match_pattern(target->str(), e.pattern));
      }
      case Op::is: {
        auto target = eval(e.children[0]);
        if (!target || target->kind == Kind::unknown) return target;
        if (target->kind != Kind::entity) return type_error("entity", *target);
        if (target->uid().type != e.name) return boolean(false);
        if (e.children.size() == 1) return boolean(true);
        auto container = eval(e.children[1]);
        if (!container || container->kind == Kind::unknown) return container;
        return in(*target, *container);
      }
      case Op::is_empty: {
        auto target = eval(e.children[0]);
        if (!target || target->kind == Kind::unknown) return target;
        if (target->kind != Kind::set) return type_error("set", *target);
        return boolean(target->set().empty());
      }
      case Op::make_set: {
        Value::Set items;
        items.reserve(e.children.size());
        bool has_unknown = false;
        for (const auto& child : e.children) {
          auto item = eval(child);
          if (!item) return item;
          has_unknown = has_unknown || item->kind == Kind::unknown;
          items.push_back(own(*item));
        }
        if (has_unknown) return unknown();
        return keep(Value::set(std::move(items)));
      }
      case Op::make_record: {
        Value::Record fields;
        fields.reserve(e.children.size());
        bool has_unknown = false;
        for (std::size_t k = 0; k < e.children.size(); ++k) {
          auto item = eval(e.children[k]);
          if (!item) return item;
          has_unknown = has_unknown || item->kind == Kind::unknown;
          fields.emplace_back(e.names[k], own(*item));
        }
        if (has_unknown) return unknown();
        return keep(Value::record(std::move(fields)));
      }
      default:
        break;
    }
    // Binary operators: both operands are evaluated (left first), then type-checked.
    auto left = eval(e.children[0]);
    if (!left) return left;
    auto right = eval(e.children[1]);
    if (!right) return right;
    if (left->kind == Kind::unknown || right->kind == Kind::unknown) return unknown();
    switch (e.op) {
      case Op::equal: return boolean(compare(*left, *right) == 0);
      case Op::not_equal: return boolean(compare(*left, *right) != 0);
      case Op::less:
      case Op::less_equal:
      case Op::greater:
      case Op::greater_equal: {
        if (left->kind != Kind::integer) return type_error("long", *left);
        if (right->kind != Kind::integer) return type_error("long", *right);
        const std::int64_t a = left->i;
        const std::int64_t b = right->i;
        return boolean(e.op == Op::less ? a < b : e.op == Op::less_equal ? a <= b : e.op == Op::greater ? a > b : a >= b);
      }
      case Op::add:
      case Op::subtract:
      case Op::multiply: {
        if (left->kind != Kind::integer) return type_error("long", *left);
        if (right->kind != Kind::integer) return type_error("long", *right);
        std::int64_t out = 0;
        const bool overflow = e.op == Op::add        ? __builtin_add_overflow(left->i, right->i, &out)
                              : e.op == Op::subtract ? __builtin_sub_overflow(left->i, right->i, &out)
                                                     : __builtin_mul_overflow(left->i, right->i, &out);
        if (overflow) return std::unexpected(std::string("integer overflow"));
        return integer(out);
      }
      case Op::in:
        return in(*left, *right);
      case Op::contains:
        if (left->kind != Kind::set) return type_error("set", *left);
        return boolean(set_contains(left->set(), *right));
      case Op::contains_all:
      case Op::contains_any: {
        if (left->kind != Kind::set) return type_error("set", *left);
        if (right->kind != Kind::set) return type_error("set", *right);
        const bool all = e.op == Op::contains_all;
        for (const auto& item : right->set()) {
          const bool found = set_contains(left->set(), view(item));
          if (all && !found) return boolean(false);
          if (!all && found) return boolean(true);
        }
        return boolean(all);
      }
      default:
        return std::unexpected(std::string("internal error: unexpected operator"));
    }
  }

  Result in(const Val& left, const Val& right) {
    if (left.kind != Kind::entity) return type_error("entity", left);
    if (right.kind == Kind::entity) return boolean(self.entities_.is_in(left.uid(), right.uid()));
    if (right.kind != Kind::set) return type_error("entity or set of entities", right);
    for (const auto& item : right.set()) {
      if (item.kind() != Kind::entity) return type_error("set of entities", view(item));
    }
    for (const auto& item : right.set()) {
      if (self.entities_.is_in(left.uid(), item.as_entity())) return boolean(true);
    }
    return boolean(false);
  }

  bool is_context(const Val& v) const {
    return self.request_.context.kind() == Kind::record && v.p == &self.request_.context.as_record();
  }

  static const Value* find_field(const Value::Record& record, std::string_view name) {
    auto it = std::lower_bound(record.begin(), record.end(), name,
                               [](const auto& field, std::string_view k) { return field.first < k; });
    return it == record.end() || it->first != name ? nullptr : &it->second;
  }
};

bool match_pattern(std::string_view text, const Pattern& pattern) {
  const auto& parts = pattern.parts;
  if (parts.size() == 1) return text == parts[0];
  const std::string& first = parts.front();
  const std::string& last = parts.back();
  if (text.size() < first.size() + last.size()) return false;
  if (text.substr(0, first.size()) != first) return false;
  if (text.substr(text.size() - last.size()) != last) return false;
  // Middle parts: leftmost matches are optimal for a pattern with only `*` wildcards.
  std::size_t at = first.size();
  const std::size_t end = text.size() - last.size();
  for (std::size_t k = 1; k + 1 < parts.size(); ++k) {
    const auto found = text.substr(0, end).find(parts[k], at);
    if (found == std::string_view::npos) return false;
    at = found + parts[k].size();
  }
  return true;
}

bool Evaluator::scope_matches(const Policy& policy) const {
  auto matches = [this](const Scope& scope, const EntityUid& uid) {
    switch (scope.kind) {
      case Scope::Kind::any: return true;
      case Scope::Kind::equal: return uid == scope.uid;
      case Scope::Kind::in: return entities_.is_in(uid, scope.uid);
      case Scope::Kind::is: return uid.type == scope.type;
      case Scope::Kind::is_in: return uid.type == scope.type && entities_.is_in(uid, scope.uid);
      case Scope::Kind::in_set:
        for (const auto& candidate : scope.uids) {
          if (entities_.is_in(uid, candidate)) return true;
        }
        return false;
    }
    return false;
  };
  return matches(policy.principal, request_.principal) && matches(policy.action, request_.action) &&
         matches(policy.resource, request_.resource);
}

Outcome Evaluator::evaluate(const Policy& policy) {
  if (!scope_matches(policy)) return {Satisfied::no, {}};
  Eval eval{*this};
  for (const auto& condition : policy.conditions) {
    auto value = eval.eval(condition.expr);
    if (!value) return {Satisfied::error, std::move(value.error())};
    if (value->kind == Kind::unknown) return {Satisfied::unknown, {}};
    if (value->kind != Kind::boolean) {
      return {Satisfied::error, std::string("type error: condition must be bool, got ") + kind_name(value->kind)};
    }
    if (value->b != condition.when) return {Satisfied::no, {}};
  }
  return {Satisfied::yes, {}};
}

Outcome Evaluator::evaluate_expression(const Expr& expr, Value& result) {
  Eval eval{*this};
  auto value = eval.eval(expr);
  if (!value) return {Satisfied::error, std::move(value.error())};
  result = Eval::own(*value);
  if (value->kind == Kind::unknown) return {Satisfied::unknown, {}};
  return {Satisfied::yes, {}};
}

}  // namespace bulkhead::policy::detail
