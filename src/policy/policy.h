// bulkhead::policy — per-tenant authorization decisions in a Cedar subset (docs/policy.md).
//
// A PolicySet is parsed from *.cedar files, validated and indexed once, then shared as an immutable snapshot
// (std::shared_ptr<const PolicySet>): the gateway swaps the pointer atomically on reload, a set that fails to load
// is never built (load returns diagnostics and nothing else). decide() and may_list() are pure functions of
// (set, request, entities): thread-safe on shared const inputs, no allocation beyond small per-call scratch.
//
// Semantics follow Cedar (checked by test/policy/differential.mjs against cedar-wasm) with one deliberate
// difference: an evaluation error inside a forbid policy denies (fail closed) instead of skipping the policy.
//
// Lifetime: a Decision owns its strings; Request and Entities are plain values the caller builds per request and
// must outlive the decide() call only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/core.h"
#include "json/json.h"

namespace bulkhead::policy {

// `Type::"id"`; types may be namespaced (`A::B`).
struct EntityUid {
  std::string type;
  std::string id;
  friend bool operator==(const EntityUid&, const EntityUid&) = default;
};
[[nodiscard]] std::string to_string(const EntityUid& uid);  // Type::"id" with the id escaped
struct EntityUidHash {
  [[nodiscard]] std::size_t operator()(const EntityUid& uid) const noexcept;
};

// A Cedar value: bool, 64-bit long, string, entity reference, set, record. `unknown` stands for a value that is
// not known: context.arguments while deciding what to list (may_list), and JSON values Cedar cannot represent
// (null, non-integer numbers) in lenient conversion; using an unknown in decide() is an evaluation error.
class Value {
 public:
  enum class Kind : std::uint8_t { unknown, boolean, integer, string, entity, set, record };
  using Set = std::vector<Value>;                           // sorted, no duplicates (set semantics)
  using Record = std::vector<std::pair<std::string, Value>>;  // sorted by key, unique keys

  Value() = default;  // unknown
  Value(bool b) : data_(b) {}
  Value(std::int64_t i) : data_(i) {}
  Value(int i) : data_(static_cast<std::int64_t>(i)) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(EntityUid uid) : data_(std::move(uid)) {}

  [[nodiscard]] static Value unknown() { return Value(); }
  // Sorts and removes duplicates.
  [[nodiscard]] static Value set(Set elements);
  // Sorts by key; a later duplicate key replaces an earlier one.
  [[nodiscard]] static Value record(Record fields);

  [[nodiscard]] Kind kind() const noexcept { return static_cast<Kind>(data_.index()); }
  [[nodiscard]] bool as_bool() const { return std::get<bool>(data_); }
  [[nodiscard]] std::int64_t as_long() const { return std::get<std::int64_t>(data_); }
  [[nodiscard]] const std::string& as_string() const { return std::get<std::string>(data_); }
  [[nodiscard]] const EntityUid& as_entity() const { return std::get<EntityUid>(data_); }
  [[nodiscard]] const Set& as_set() const { return std::get<SetBox>(data_).items; }
  [[nodiscard]] const Record& as_record() const { return std::get<RecordBox>(data_).fields; }
  // Record field or nullptr (not a record, or absent).
  [[nodiscard]] const Value* find(std::string_view key) const noexcept;
  // Sets a record field (turning an unknown into an empty record first), keeping the fields sorted.
  Value& set_field(std::string_view key, Value value);

  friend bool operator==(const Value& a, const Value& b) { return compare(a, b) == 0; }
  // Total order used for set normalization: kind first, then contents.
  [[nodiscard]] static int compare(const Value& a, const Value& b) noexcept;

 private:
  struct SetBox {
    Set items;
  };
  struct RecordBox {
    Record fields;
  };
  std::variant<std::monostate, bool, std::int64_t, std::string, EntityUid, SetBox, RecordBox> data_;
};

// Cedar JSON value forms: objects are records, `{"__entity":{"type","id"}}` is an entity reference, arrays are sets.
// Strict mode (policy eval, differential tests) rejects null and non-integer numbers like Cedar does; lenient mode
// (the gateway's tool arguments) turns them into unknown values, so only a policy that reads them fails.
enum class JsonMode : std::uint8_t { strict, lenient };
[[nodiscard]] core::Result<Value> value_from_json(const json::Value& json, JsonMode mode = JsonMode::strict);
[[nodiscard]] json::Value value_to_json(const Value& value);

struct Entity {
  EntityUid uid;
  Value attrs = Value::record({});  // a record
  std::vector<EntityUid> parents;
};

// The entities a decision may look at (the principal, its tenant, the resource, its upstream, ...). Small sets
// (the gateway's handful per request) are searched linearly; larger ones are hash-indexed.
class Entities {
 public:
  // Adds an entity; a second entity with the same uid is an error (Cedar rejects duplicates too).
  [[nodiscard]] core::Result<void> add(Entity entity);
  [[nodiscard]] const Entity* find(const EntityUid& uid) const noexcept;
  // Reflexive, transitive `descendant in ancestor` over the parent links.
  [[nodiscard]] bool is_in(const EntityUid& descendant, const EntityUid& ancestor) const;
  // `uid` followed by all its ancestors (each once), appended to `out`.
  void ancestors_or_self(const EntityUid& uid, std::vector<const EntityUid*>& out) const;
  [[nodiscard]] std::size_t size() const noexcept { return entities_.size(); }

  // Cedar's entity JSON: [{"uid":{"type","id"},"attrs":{...},"parents":[{"type","id"},...]}].
  [[nodiscard]] static core::Result<Entities> from_json(const json::Value& json, JsonMode mode = JsonMode::strict);

 private:
  std::vector<Entity> entities_;
  std::unordered_map<EntityUid, std::size_t, EntityUidHash> index_;  // filled once there are more than a few
};

struct Request {
  EntityUid principal;
  EntityUid action;
  EntityUid resource;
  Value context = Value::record({});  // a record
};
// Cedar's request JSON: {"principal":{"type","id"},"action":{...},"resource":{...},"context":{...}}.
[[nodiscard]] core::Result<Request> request_from_json(const json::Value& json, JsonMode mode = JsonMode::strict);

// What the gateway knows about one MCP request; build_call() maps it to the request and entities of DESIGN.md:
// principal Agent::"<spiffe id>" in Tenant::"<tenant>", action Action::"<method>", resource
// <resource_type>::"<name>" in Upstream::"<upstream>" with attributes classification and labels, context
// { tenant, task, arguments, classification, scopes, delegated_by, task_labels }. `arguments` null means "not part
// of this request" (lists); JSON the policy language cannot hold (null, fractions) becomes unknown (see Value).
struct CallFacts {
  std::string_view agent;           // SPIFFE id
  std::string_view tenant;
  std::string_view method = "tools/call";  // tools/call | resources/read | prompts/get
  std::string_view resource_type = "Tool";  // Tool | Resource | Prompt
  std::string_view resource_name;   // exposed tool/prompt name or resource URI
  std::string_view upstream;
  std::string_view classification = "internal";  // public | internal | confidential | restricted
  std::span<const std::string> labels;
  std::span<const std::string> scopes;
  std::span<const std::string> task_labels;
  std::string_view task;
  std::string_view delegated_by;    // empty when not delegated
  const json::Value* arguments = nullptr;
};
struct Call {
  Request request;
  Entities entities;
};
[[nodiscard]] Call build_call(const CallFacts& facts);

// A parse or validation problem at file:line:col (1-based; 0 when not tied to a position).
struct Diagnostic {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string message;
};
[[nodiscard]] std::string to_string(const Diagnostic& diagnostic);  // "file:line:col: message"

struct Source {
  std::string name;  // file name used in diagnostics and default ids ("<name>:<index>")
  std::string text;
};

class PolicySet;
using PolicySetPtr = std::shared_ptr<const PolicySet>;
using LoadResult = std::expected<PolicySetPtr, std::vector<Diagnostic>>;

struct PolicyInfo {
  std::string id;     // @id("...") or "<file>:<index>" (index 0-based within the file)
  bool forbid = false;
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

class PolicySet {
 public:
  // Parses and validates every source; any error fails the whole set. Duplicate ids are an error.
  [[nodiscard]] static LoadResult parse(std::span<const Source> sources);
  // As Cedar names policies without @id in one text: "policy0", "policy1", ... (policy eval --batch).
  [[nodiscard]] static LoadResult parse_text(std::string_view text);
  // Every *.cedar file directly in `dir`, in file-name order. An empty directory is an empty set (denies all).
  [[nodiscard]] static LoadResult load_directory(const std::filesystem::path& dir);

  ~PolicySet();
  PolicySet(const PolicySet&) = delete;
  PolicySet& operator=(const PolicySet&) = delete;

  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] const PolicyInfo& info(std::size_t index) const;

  // Internal representation (src/policy/detail); opaque outside the module.
  struct Impl;
  explicit PolicySet(std::unique_ptr<Impl> impl);
  [[nodiscard]] const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct PolicyError {
  std::string policy_id;
  std::string message;
};

struct Decision {
  bool allowed = false;
  // Deny: the forbids that were satisfied or erred (empty for default deny). Allow: the satisfied permits.
  // In policy order. Policy ids only, never policy text.
  std::vector<std::string> determining;
  std::vector<PolicyError> errors;  // every policy whose evaluation erred, in policy order
};

// The decision for one request. Only policies whose scope index entries match the request are evaluated.
[[nodiscard]] Decision decide(const PolicySet& policies, const Request& request, const Entities& entities);

// List filtering: true iff no forbid applies regardless of the arguments and some permit can apply for some
// arguments. `request.context.arguments` is ignored: it is treated as unknown, and any condition depending on it
// counts as possibly true for permits and possibly false for forbids. A forbid that errs without depending on
// the arguments hides the item (the call would be denied). Agrees with decide(): if decide() allows a request,
// may_list() is true for the same request.
[[nodiscard]] bool may_list(const PolicySet& policies, const Request& request, const Entities& entities);

// `bulkhead policy lint`: advice, not errors.
struct LintWarning {
  std::string policy_id;
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string code;     // unpinned-tenant | permit-all | unreachable
  std::string message;
};
[[nodiscard]] std::vector<LintWarning> lint(const PolicySet& policies);

// Decision as JSON: {"decision":"allow"|"deny","determining":[ids],"errors":[{"policy","message"}]}.
[[nodiscard]] json::Value decision_to_json(const Decision& decision);

}  // namespace bulkhead::policy
