// Recursive-descent parser: tokens from the Lexer to Policy ASTs, constant set/record literals folded.
#include "policy/detail/parser.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <utility>

#include "policy/detail/lexer.h"

namespace bulkhead::policy::detail {
namespace {

constexpr int kMaxDepth = 200;

struct SyntaxError {
  Position position;
  std::string message;
};

std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  out.append(text);
  out.push_back('\'');
  return out;
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::end: return "end of input";
    case TokenKind::string: return "string literal";
    case TokenKind::integer: return "integer " + quote(token.text);
    case TokenKind::identifier:
    case TokenKind::symbol: return quote(token.text);
    case TokenKind::error: return "invalid input";
  }
  return "?";
}

bool is_reserved(std::string_view word) {
  return word == "true" || word == "false" || word == "if" || word == "then" || word == "else" ||
         word == "in" || word == "is" || word == "like" || word == "has" || word == "__cedar";
}

class Parser {
 public:
  Parser(std::string_view file, std::string_view text) : file_(file), lexer_(text) { shift(); }

  std::expected<std::vector<Policy>, Diagnostic> run() {
    std::vector<Policy> policies;
    while (current_.kind != TokenKind::end) {
      Policy policy;
      if (!parse_policy(policy)) return std::unexpected(diagnostic());
      policies.push_back(std::move(policy));
    }
    if (failed_) return std::unexpected(diagnostic());
    return policies;
  }

 private:
  Diagnostic diagnostic() const {
    return Diagnostic{std::string(file_), error_.position.line, error_.position.column, error_.message};
  }

  void shift() {
    current_ = lexer_.next();
    if (current_.kind == TokenKind::error && !failed_) fail_at(current_.position, lexer_.error());
  }

  bool fail_at(Position position, std::string message) {
    if (!failed_) {
      failed_ = true;
      error_ = {position, std::move(message)};
    }
    return false;
  }
  bool fail_expected(std::string_view what) {
    std::string message = "expected ";
    message += what;
    message += ", found ";
    message += describe(current_);
    return fail_at(current_.position, std::move(message));
  }
  bool fail_expected_quoted(std::string_view what) {
    return fail_expected(quote(what));
  }

  bool is_symbol(std::string_view s) const { return current_.kind == TokenKind::symbol && current_.text == s; }
  bool is_word(std::string_view s) const { return current_.kind == TokenKind::identifier && current_.text == s; }
  bool accept_symbol(std::string_view s) {
    if (!is_symbol(s)) return false;
    shift();
    return true;
  }
  bool expect_symbol(std::string_view s) {
    if (failed_) return false;
    if (accept_symbol(s)) return true;
    return fail_expected_quoted(s);
  }
  bool expect_word(std::string_view s) {
    if (failed_) return false;
    if (is_word(s)) {
      shift();
      return true;
    }
    return fail_expected_quoted(s);
  }

  bool parse_string(std::string& out) {
    if (current_.kind != TokenKind::string) return fail_expected("a string literal");
    if (auto e = decode_string(current_.text, out); !e.empty()) return fail_at(current_.position, e);
    shift();
    return true;
  }

  bool parse_policy(Policy& policy) {
    while (is_symbol("@")) {
      const Position at = current_.position;
      shift();
      if (current_.kind != TokenKind::identifier) return fail_expected("an annotation name");
      Annotation annotation{std::string(current_.text), ""};
      shift();
      if (accept_symbol("(")) {
        if (!parse_string(annotation.value) || !expect_symbol(")")) return false;
      }
      for (const auto& a : policy.annotations) {
        if (a.key == annotation.key) return fail_at(at, "duplicate annotation @" + annotation.key);
      }
      if (annotation.key == "id") policy.info.id = annotation.value;
      policy.annotations.push_back(std::move(annotation));
    }
    policy.info.file = std::string(file_);
    policy.info.line = current_.position.line;
    policy.info.column = current_.position.column;
    if (policy.annotations.empty()) {
      policy.info.line = current_.position.line;
    }
    if (is_word("permit")) {
      policy.info.forbid = false;
    } else if (is_word("forbid")) {
      policy.info.forbid = true;
    } else {
      return fail_expected("'permit' or 'forbid'");
    }
    shift();
    if (!expect_symbol("(")) return false;
    if (!parse_scope("principal", policy.principal) || !expect_symbol(",")) return false;
    if (!parse_scope("action", policy.action) || !expect_symbol(",")) return false;
    if (!parse_scope("resource", policy.resource)) return false;
    accept_symbol(",");  // Cedar accepts a trailing comma after the scope
    if (!expect_symbol(")")) return false;
    while (is_word("when") || is_word("unless")) {
      Condition condition;
      condition.when = is_word("when");
      shift();
      if (!expect_symbol("{")) return false;
      if (!parse_expr(condition.expr, 0) || !expect_symbol("}")) return false;
      policy.conditions.push_back(std::move(condition));
    }
    return expect_symbol(";");
  }

  // Path ::= IDENT {'::' IDENT}; with `entity` an entity literal Path '::' STR.
  bool parse_path_or_entity(std::string& type, std::string* id, std::string_view what) {
    if (current_.kind != TokenKind::identifier) return fail_expected(what);
    type = std::string(current_.text);
    shift();
    while (is_symbol("::")) {
      shift();
      if (current_.kind == TokenKind::identifier) {
        type += "::";
        type += current_.text;
        shift();
      } else if (current_.kind == TokenKind::string && id != nullptr) {
        return parse_string(*id);
      } else {
        return fail_expected(id != nullptr ? "an entity id string" : "a type name");
      }
    }
    if (id != nullptr) return fail_expected("'::\"id\"' after the entity type");
    return true;
  }
  bool parse_entity(EntityUid& uid) { return parse_path_or_entity(uid.type, &uid.id, "an entity reference"); }
  // Cedar: entities in the action scope must be actions (type `Action` or `Namespace::Action`).
  bool parse_action_entity(EntityUid& uid) {
    const Position at = current_.position;
    if (!parse_entity(uid)) return false;
    const std::string_view type = uid.type;
    if (type != "Action" && !(type.size() > 8 && type.substr(type.size() - 8) == "::Action")) {
      return fail_at(at, "the action scope must name Action entities, found " + to_string(uid));
    }
    return true;
  }

  bool parse_scope(std::string_view variable, Scope& scope) {
    if (!expect_word(variable)) return false;
    if (accept_symbol("==")) {
      scope.kind = Scope::Kind::equal;
      return variable == "action" ? parse_action_entity(scope.uid) : parse_entity(scope.uid);
    }
    if (variable != "action" && is_word("is")) {
      shift();
      scope.kind = Scope::Kind::is;
      if (!parse_path_or_entity(scope.type, nullptr, "an entity type")) return false;
      if (is_word("in")) {
        shift();
        scope.kind = Scope::Kind::is_in;
        return parse_entity(scope.uid);
      }
      return true;
    }
    if (is_word("in")) {
      shift();
      if (variable == "action" && accept_symbol("[")) {
        scope.kind = Scope::Kind::in_set;
        if (accept_symbol("]")) return true;
        do {
          EntityUid uid;
          if (!parse_action_entity(uid)) return false;
          scope.uids.push_back(std::move(uid));
        } while (accept_symbol(",") && !is_symbol("]"));
        return expect_symbol("]");
      }
      scope.kind = Scope::Kind::in;
      return variable == "action" ? parse_action_entity(scope.uid) : parse_entity(scope.uid);
    }
    if (is_symbol(",") || is_symbol(")")) return true;
    return fail_expected(variable == "action" ? "',', '==' or 'in'" : "',', '==', 'in' or 'is'");
  }

  static Expr node(Op op, Position position) {
    Expr e;
    e.op = op;
    e.position = position;
    return e;
  }
  static Expr binary(Op op, Position position, Expr left, Expr right) {
    Expr e = node(op, position);
    e.children.reserve(2);
    e.children.push_back(std::move(left));
    e.children.push_back(std::move(right));
    return e;
  }

  bool enter(int depth) {
    if (depth > kMaxDepth) return fail_at(current_.position, "expression nested too deeply");
    return !failed_;
  }

  bool parse_expr(Expr& out, int depth) {
    if (!enter(depth)) return false;
    if (is_word("if")) {
      out = node(Op::if_then_else, current_.position);
      shift();
      out.children.resize(3);
      if (!parse_expr(out.children[0], depth + 1) || !expect_word("then")) return false;
      if (!parse_expr(out.children[1], depth + 1) || !expect_word("else")) return false;
      return parse_expr(out.children[2], depth + 1);
    }
    return parse_or(out, depth + 1);
  }

  bool parse_or(Expr& out, int depth) {
    if (!parse_and(out, depth)) return false;
    while (is_symbol("||")) {
      const Position at = current_.position;
      shift();
      Expr right;
      if (!parse_and(right, depth)) return false;
      out = binary(Op::logical_or, at, std::move(out), std::move(right));
    }
    return true;
  }

  bool parse_and(Expr& out, int depth) {
    if (!parse_relation(out, depth)) return false;
    while (is_symbol("&&")) {
      const Position at = current_.position;
      shift();
      Expr right;
      if (!parse_relation(right, depth)) return false;
      out = binary(Op::logical_and, at, std::move(out), std::move(right));
    }
    return true;
  }

  bool parse_relation(Expr& out, int depth) {
    if (!parse_add(out, depth)) return false;
    const Position at = current_.position;
    Op op = Op::literal;
    if (is_symbol("==")) op = Op::equal;
    else if (is_symbol("!=")) op = Op::not_equal;
    else if (is_symbol("<")) op = Op::less;
    else if (is_symbol("<=")) op = Op::less_equal;
    else if (is_symbol(">")) op = Op::greater;
    else if (is_symbol(">=")) op = Op::greater_equal;
    else if (is_word("in")) op = Op::in;
    if (op != Op::literal) {
      shift();
      Expr right;
      if (!parse_add(right, depth)) return false;
      out = binary(op, at, std::move(out), std::move(right));
      return true;
    }
    if (is_word("has")) {
      shift();
      Expr e = node(Op::has, at);
      if (current_.kind == TokenKind::identifier) {
        e.name = std::string(current_.text);
        shift();
      } else if (!parse_string(e.name)) {
        return false;
      }
      e.children.push_back(std::move(out));
      out = std::move(e);
      return true;
    }
    if (is_word("like")) {
      shift();
      Expr e = node(Op::like, at);
      if (current_.kind != TokenKind::string) return fail_expected("a pattern string");
      if (auto err = decode_pattern(current_.text, e.pattern); !err.empty()) return fail_at(current_.position, err);
      shift();
      e.children.push_back(std::move(out));
      out = std::move(e);
      return true;
    }
    if (is_word("is")) {
      shift();
      Expr e = node(Op::is, at);
      if (!parse_path_or_entity(e.name, nullptr, "an entity type")) return false;
      e.children.push_back(std::move(out));
      if (is_word("in")) {
        shift();
        Expr right;
        if (!parse_add(right, depth)) return false;
        e.children.push_back(std::move(right));
      }
      out = std::move(e);
    }
    return true;
  }

  bool parse_add(Expr& out, int depth) {
    if (!parse_mul(out, depth)) return false;
    while (is_symbol("+") || is_symbol("-")) {
      const Op op = is_symbol("+") ? Op::add : Op::subtract;
      const Position at = current_.position;
      shift();
      Expr right;
      if (!parse_mul(right, depth)) return false;
      out = binary(op, at, std::move(out), std::move(right));
    }
    return true;
  }

  bool parse_mul(Expr& out, int depth) {
    if (!parse_unary(out, depth)) return false;
    while (is_symbol("*")) {
      const Position at = current_.position;
      shift();
      Expr right;
      if (!parse_unary(right, depth)) return false;
      out = binary(Op::multiply, at, std::move(out), std::move(right));
    }
    return true;
  }

  // Unary ::= ('!'{1,4} | '-'{1,4})? Member, as in Cedar: a chain repeats one operator, never mixes them.
  // `-` directly before an integer literal (with no member access after it) is a negative literal, so that
  // -9223372036854775808 is representable.
  bool parse_unary(Expr& out, int depth) {
    if (!enter(depth)) return false;
    if (!is_symbol("!") && !is_symbol("-")) {
      Expr primary;
      if (!parse_primary(primary, depth)) return false;
      return parse_member_suffix(primary, out, depth);
    }
    const bool negate = is_symbol("-");
    const std::string_view symbol = negate ? "-" : "!";
    std::vector<Position> operators;
    while (is_symbol(symbol)) {
      operators.push_back(current_.position);
      shift();
    }
    if (operators.size() > 4) return fail_at(operators[4], "at most four repeated unary operators are allowed");
    if (is_symbol("!") || is_symbol("-")) return fail_expected("an expression");
    Expr operand;
    if (negate && current_.kind == TokenKind::integer) {
      const Position at = current_.position;
      std::uint64_t magnitude = 0;
      const auto* first = current_.text.data();
      const auto [ptr, ec] = std::from_chars(first, first + current_.text.size(), magnitude);
      if (ec != std::errc() || magnitude > 9223372036854775808ULL) {
        return fail_at(at, "integer literal out of range");
      }
      shift();
      if (is_symbol(".") || is_symbol("[")) {
        // -(literal.member): the literal itself must fit.
        if (magnitude == 9223372036854775808ULL) return fail_at(at, "integer literal out of range");
        Expr literal = node(Op::literal, at);
        literal.value = Value(static_cast<std::int64_t>(magnitude));
        if (!parse_member_suffix(literal, operand, depth)) return false;
      } else {
        operand = node(Op::literal, operators.back());
        operand.value = Value(magnitude == 9223372036854775808ULL ? INT64_MIN
                                                                  : -static_cast<std::int64_t>(magnitude));
        operators.pop_back();
      }
    } else {
      Expr primary;
      if (!parse_primary(primary, depth)) return false;
      if (!parse_member_suffix(primary, operand, depth)) return false;
    }
    while (!operators.empty()) {
      Expr e = node(negate ? Op::negate : Op::logical_not, operators.back());
      operators.pop_back();
      e.children.push_back(std::move(operand));
      operand = std::move(e);
    }
    out = std::move(operand);
    return true;
  }

  bool parse_member_suffix(Expr& base, Expr& out, int depth) {
    out = std::move(base);
    while (!failed_) {
      const Position at = current_.position;
      if (accept_symbol(".")) {
        if (current_.kind != TokenKind::identifier) return fail_expected("an attribute or method name");
        const std::string name(current_.text);
        shift();
        if (accept_symbol("(")) {
          std::vector<Expr> args;
          if (!parse_list(")", args, depth)) return false;
          Op op = Op::literal;
          std::size_t arity = 1;
          if (name == "contains") op = Op::contains;
          else if (name == "containsAll") op = Op::contains_all;
          else if (name == "containsAny") op = Op::contains_any;
          else if (name == "isEmpty") { op = Op::is_empty; arity = 0; }
          else return fail_at(at, "unsupported method '" + name + "'");
          if (args.size() != arity) {
            return fail_at(at, name + "() takes " + std::to_string(arity) + " argument" + (arity == 1 ? "" : "s"));
          }
          Expr e = node(op, at);
          e.children.push_back(std::move(out));
          for (auto& a : args) e.children.push_back(std::move(a));
          out = std::move(e);
        } else {
          Expr e = node(Op::get_attr, at);
          e.name = name;
          e.children.push_back(std::move(out));
          out = std::move(e);
        }
      } else if (accept_symbol("[")) {
        Expr e = node(Op::get_attr, at);
        if (!parse_string(e.name) || !expect_symbol("]")) return false;
        e.children.push_back(std::move(out));
        out = std::move(e);
      } else {
        break;
      }
    }
    return !failed_;
  }

  // Comma-separated expressions up to `close` (consumed); a trailing comma is not allowed.
  bool parse_list(std::string_view close, std::vector<Expr>& out, int depth) {
    if (accept_symbol(close)) return true;
    do {
      Expr e;
      if (!parse_expr(e, depth + 1)) return false;
      out.push_back(std::move(e));
    } while (accept_symbol(","));
    return expect_symbol(close);
  }

  bool parse_primary(Expr& out, int depth) {
    const Position at = current_.position;
    out = node(Op::literal, at);
    switch (current_.kind) {
      case TokenKind::integer: {
        std::int64_t v = 0;
        const auto* first = current_.text.data();
        const auto [ptr, ec] = std::from_chars(first, first + current_.text.size(), v);
        if (ec != std::errc()) return fail_at(at, "integer literal out of range");
        out.value = Value(v);
        shift();
        return true;
      }
      case TokenKind::string: {
        std::string s;
        if (!parse_string(s)) return false;
        out.value = Value(std::move(s));
        return true;
      }
      case TokenKind::identifier: {
        const std::string_view word = current_.text;
        if (word == "true" || word == "false") {
          out.value = Value(word == "true");
          shift();
          return true;
        }
        if (word == "principal" || word == "action" || word == "resource" || word == "context") {
          out.op = word == "principal" ? Op::principal
                   : word == "action"  ? Op::action
                   : word == "resource" ? Op::resource
                                        : Op::context;
          shift();
          return true;
        }
        if (is_reserved(word)) return fail_expected("an expression");
        EntityUid uid;
        std::string type(word);
        shift();
        if (is_symbol("(")) return fail_at(at, "function '" + type + "' is not supported (no extension types)");
        if (!is_symbol("::")) return fail_at(at, "unknown variable '" + type + "'");
        uid.type = std::move(type);
        while (accept_symbol("::")) {
          if (current_.kind == TokenKind::identifier) {
            uid.type += "::";
            uid.type += current_.text;
            shift();
            continue;
          }
          if (current_.kind == TokenKind::string) {
            if (!parse_string(uid.id)) return false;
            out.value = Value(std::move(uid));
            return true;
          }
          return fail_expected("an entity id string");
        }
        if (is_symbol("(")) return fail_at(at, "function '" + uid.type + "' is not supported (no extension types)");
        return fail_expected("'::\"id\"' after the entity type");
      }
      case TokenKind::symbol:
        if (accept_symbol("(")) {
          return parse_expr(out, depth + 1) && expect_symbol(")");
        }
        if (accept_symbol("[")) {
          out.op = Op::make_set;
          if (!parse_list("]", out.children, depth)) return false;
          fold_set(out);
          return true;
        }
        if (accept_symbol("{")) return parse_record(out, depth);
        return fail_expected("an expression");
      case TokenKind::end:
      case TokenKind::error:
        return fail_expected("an expression");
    }
    return fail_expected("an expression");
  }

  bool parse_record(Expr& out, int depth) {
    out.op = Op::make_record;
    if (accept_symbol("}")) {
      fold_record(out);
      return true;
    }
    do {
      const Position at = current_.position;
      std::string key;
      if (current_.kind == TokenKind::identifier) {
        key = std::string(current_.text);
        shift();
      } else if (!parse_string(key)) {
        return fail_expected("a record key");
      }
      for (const auto& k : out.names) {
        if (k == key) return fail_at(at, "duplicate record key \"" + key + "\"");
      }
      if (!expect_symbol(":")) return false;
      Expr value;
      if (!parse_expr(value, depth + 1)) return false;
      out.names.push_back(std::move(key));
      out.children.push_back(std::move(value));
    } while (accept_symbol(","));
    if (!expect_symbol("}")) return false;
    fold_record(out);
    return true;
  }

  static bool all_literal(const Expr& e) {
    for (const auto& c : e.children) {
      if (c.op != Op::literal) return false;
    }
    return true;
  }
  static void fold_set(Expr& e) {
    if (!all_literal(e)) return;
    Value::Set items;
    items.reserve(e.children.size());
    for (auto& c : e.children) items.push_back(std::move(c.value));
    e.value = Value::set(std::move(items));
    e.children.clear();
    e.op = Op::literal;
  }
  static void fold_record(Expr& e) {
    if (!all_literal(e)) return;
    Value::Record fields;
    for (std::size_t i = 0; i < e.children.size(); ++i) {
      fields.emplace_back(std::move(e.names[i]), std::move(e.children[i].value));
    }
    e.value = Value::record(std::move(fields));
    e.children.clear();
    e.names.clear();
    e.op = Op::literal;
  }

  std::string_view file_;
  Lexer lexer_;
  Token current_;
  bool failed_ = false;
  SyntaxError error_;
};

}  // namespace

std::expected<std::vector<Policy>, Diagnostic> parse_policies(std::string_view file, std::string_view text) {
  Parser parser(file, text);
  return parser.run();
}

}  // namespace bulkhead::policy::detail
