// Scanner: one pass of the tenants'/custom database, which also holds the credential rules' candidates, over the
// decoded strings of a message (the credential checks run only where a candidate matched); a start-of-match pass
// only when something is to be masked; a small pass per field that continues a value of an earlier event of the
// same stream.
#include <algorithm>

#include "dlp/detail/decoded_text.h"
#include "dlp/detail/engine_impl.h"
#include "dlp/detail/tenant_databases.h"
#include "json/json.h"

namespace bulkhead::dlp {
namespace {

struct Match {
  unsigned id = 0;
  std::size_t from = 0;
  std::size_t to = 0;
};

struct Mask {
  std::size_t from = 0;
  std::size_t to = 0;
  std::string_view rule_id;
};

constexpr std::size_t kMaxMatches = 1u << 16;
constexpr std::size_t kMaxStreamFields = 256;
constexpr std::size_t kMaxFieldName = 64;

// Own data only labels the task, and every own pattern gives the same label: the first match is all it takes.
int first(unsigned int id, unsigned long long from, unsigned long long to, unsigned int /*flags*/, void* context) {
  auto& matches = *static_cast<std::vector<Match>*>(context);
  matches.push_back({id, static_cast<std::size_t>(from), static_cast<std::size_t>(to)});
  return 1;
}

int collect(unsigned int id, unsigned long long from, unsigned long long to, unsigned int /*flags*/, void* context) {
  auto& matches = *static_cast<std::vector<Match>*>(context);
  if (matches.size() >= kMaxMatches) return 1;
  matches.push_back({id, static_cast<std::size_t>(from), static_cast<std::size_t>(to)});
  return 0;
}

void add_hit(Verdict& verdict, std::string_view rule_id, HitKind kind, Action action) {
  for (const Hit& hit : verdict.hits) {
    if (hit.rule_id == rule_id) return;
  }
  verdict.hits.push_back({std::string(rule_id), kind, action});
  verdict.action = std::max(verdict.action, action);
}

}  // namespace

struct Scanner::State {
  EnginePtr engine;
  hs_scratch_t* scratch = nullptr;
  std::optional<rules::CredentialMatcher> credentials;
  detail::DecodedText decoded;
  std::vector<std::size_t> ends;
  std::vector<Match> matches;
  std::vector<Mask> masks;
  std::string combined;
  std::vector<std::uint64_t> scratch_serials;  // tenant databases the scratch has been grown for
  ~State() { hs_free_scratch(scratch); }

  // Runs `db` over `text`; false on a Hyperscan error (a terminated scan is a full one: kMaxMatches is plenty,
  // and `first` stops on purpose).
  bool run(const hs_database_t* db, std::string_view text, match_event_handler on_match = collect) {
    matches.clear();
    if (db == nullptr || text.empty()) return true;
    if (text.size() > 0xffffffffu) return false;
    const hs_error_t status =
        hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, on_match, &matches);
    return status == HS_SUCCESS || status == HS_SCAN_TERMINATED;
  }

  // The tenant's own database pair when ready (null: use the shared database), with scratch space for it.
  detail::TenantDatabasePtr tenant_database(std::string_view tenant) {
    const Engine::Impl& impl = engine->impl();
    if (!impl.tenant_databases || tenant.empty()) return nullptr;
    detail::TenantDatabasePtr database = impl.tenant_databases->find(tenant);
    if (!database) return nullptr;
    if (std::find(scratch_serials.begin(), scratch_serials.end(), database->serial) == scratch_serials.end()) {
      for (const hs_database_t* db : {database->others, database->own}) {
        if (db != nullptr && hs_alloc_scratch(db, &scratch) != HS_SUCCESS) return nullptr;  // the shared one fits
      }
      if (scratch_serials.size() >= 256) scratch_serials.clear();
      scratch_serials.push_back(database->serial);
    }
    return database;
  }

  Action action_for(const PatternInfo& info) const {
    return info.kind == HitKind::pattern ? info.action : engine->options().on_other_tenant_marker;
  }

  // Turns one match into a hit (or a label for the caller's own data); true when it is to be masked.
  bool judge(const PatternInfo& info, std::string_view tenant, Verdict& verdict) const {
    if (!info.label.empty()) verdict.labels.insert(info.label);
    if (!info.owner.empty() && info.owner == tenant) return false;
    const Action action = action_for(info);
    add_hit(verdict, info.rule_id, info.kind, action);
    return action == Action::redact;
  }

  // Judges the matches of a fast pass; true when something is to be masked. A folded credential candidate (or a
  // pass that stopped at kMaxMatches, which may have missed one) sets `candidate`: the credential rules must look.
  bool judge_matches(std::string_view tenant, Verdict& verdict, bool& candidate) {
    const Engine::Impl& impl = engine->impl();
    if (matches.size() >= kMaxMatches) candidate = true;
    bool need_starts = false;
    for (const Match& m : matches) {
      if (m.id >= impl.patterns.size()) {
        candidate = true;
        continue;
      }
      need_starts = judge(impl.patterns[m.id], tenant, verdict) || need_starts;
    }
    return need_starts;
  }

  core::Result<void> scan_stream(std::string_view tenant, StreamState& stream, Verdict& verdict);
  void apply_masks(std::string_view json, Verdict& verdict);
};

Scanner::Scanner(std::unique_ptr<State> state) : state_(std::move(state)) {}
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;
Scanner::~Scanner() = default;

core::Result<Scanner> Scanner::create(EnginePtr engine) {
  if (!engine) return core::fail(core::Reason::internal_error, "DLP scanner without an engine");
  auto state = std::make_unique<State>();
  const Engine::Impl& impl = engine->impl();
  for (const hs_database_t* db : {impl.db, impl.som_db}) {
    if (db != nullptr && hs_alloc_scratch(db, &state->scratch) != HS_SUCCESS) {
      return core::fail(core::Reason::internal_error, "DLP: Hyperscan scratch allocation failed");
    }
  }
  if (impl.credentials) state->credentials.emplace(*impl.credentials);
  state->engine = std::move(engine);
  return Scanner(std::move(state));
}

core::Result<void> Scanner::State::scan_stream(std::string_view tenant, StreamState& stream, Verdict& verdict) {
  const Engine::Impl& impl = engine->impl();
  const std::size_t carry = impl.options.carry_bytes;
  if (carry == 0) return {};
  for (const detail::Segment& segment : decoded.segments) {
    if (segment.is_key || segment.base64 || segment.key == detail::kNoKey) continue;
    std::string_view field = decoded.view(decoded.segments[segment.key]);
    if (field.size() > kMaxFieldName) continue;
    const std::string_view value = decoded.view(segment);
    auto it = stream.tails.find(std::string(field));
    if (it != stream.tails.end() && !it->second.empty() && !value.empty()) {
      const std::string& tail = it->second;
      combined.assign(tail);
      combined.append(value.substr(0, std::min(value.size(), carry)));
      if (!run(impl.som_db, combined)) return core::fail(core::Reason::internal_error, "DLP scan failed");
      for (const Match& m : matches) {
        if (m.from >= tail.size() || m.to <= tail.size()) continue;  // not across the boundary
        if (judge(impl.patterns[m.id], tenant, verdict)) {
          masks.push_back({segment.begin, segment.begin + (m.to - tail.size()), impl.patterns[m.id].rule_id});
        }
      }
      if (credentials) {
        for (const rules::CredentialMatch& m : credentials->find(combined)) {
          if (m.offset >= tail.size() || m.offset + m.length <= tail.size()) continue;
          add_hit(verdict, m.rule_id, HitKind::secret, impl.options.on_secret);
          if (impl.options.on_secret == Action::redact) {
            masks.push_back({segment.begin, segment.begin + (m.offset + m.length - tail.size()), m.rule_id});
          }
        }
      }
    }
    if (it == stream.tails.end()) {
      if (stream.tails.size() >= kMaxStreamFields) continue;
      it = stream.tails.emplace(std::string(field), std::string()).first;
    }
    std::string& tail = it->second;
    if (value.size() >= carry) {
      tail.assign(value.substr(value.size() - carry));
    } else {
      tail.append(value);
      if (tail.size() > carry) tail.erase(0, tail.size() - carry);
    }
  }
  return {};
}

// Masks every range in the strings that hold it; a range that cannot be masked in place (inside a field name or
// base64 data, or across strings) makes the verdict a block: never pass on what could not be masked.
void Scanner::State::apply_masks(std::string_view json, Verdict& verdict) {
  std::sort(masks.begin(), masks.end(), [](const Mask& a, const Mask& b) { return a.from < b.from; });
  std::string out;
  out.reserve(json.size() + 64);
  std::size_t raw_at = 0;
  std::size_t i = 0;
  while (i < masks.size()) {
    const std::size_t index = decoded.index_at(masks[i].from);
    if (index >= decoded.segments.size()) {
      verdict.action = Action::block;
      return;
    }
    const detail::Segment& segment = decoded.segments[index];
    if (segment.is_key || segment.base64) {
      verdict.action = Action::block;
      return;
    }
    const std::string_view value = decoded.view(segment);
    std::string masked;
    std::size_t at = 0;  // within value
    for (; i < masks.size() && masks[i].from < segment.end; ++i) {
      if (masks[i].to > segment.end) {
        verdict.action = Action::block;
        return;
      }
      const std::size_t from = masks[i].from - segment.begin;
      const std::size_t to = masks[i].to - segment.begin;
      if (to <= at) continue;  // inside an earlier mask
      masked.append(value.substr(at, from > at ? from - at : 0));
      masked += "[redacted:";
      masked += masks[i].rule_id;
      masked += ']';
      at = to;
    }
    masked.append(value.substr(at));
    out.append(json.substr(raw_at, segment.raw_begin - raw_at));
    json::append_quoted(masked, out);
    raw_at = segment.raw_end;
  }
  out.append(json.substr(raw_at));
  verdict.redacted = std::move(out);
}

core::Result<Verdict> Scanner::scan_json(std::string_view json_text, std::string_view tenant, StreamState* stream) {
  State& s = *state_;
  const Engine::Impl& impl = s.engine->impl();
  Verdict verdict;
  if (!detail::decode_strings(json_text, s.decoded)) {
    return core::fail(core::Reason::invalid_request, "DLP: the message's strings could not be decoded");
  }
  s.masks.clear();
  const std::string_view text = s.decoded.text;
  bool candidate = false;  // a folded credential candidate matched
  if (impl.db != nullptr) {
    bool need_starts = false;
    if (const detail::TenantDatabasePtr own = s.tenant_database(tenant)) {
      // Other tenants' data and custom patterns without the caller's patterns, then whether its own data is there.
      if (!s.run(own->others, text)) return core::fail(core::Reason::internal_error, "DLP scan failed");
      need_starts = s.judge_matches(tenant, verdict, candidate);
      if (!s.run(own->own, text, first)) return core::fail(core::Reason::internal_error, "DLP scan failed");
      need_starts = s.judge_matches(tenant, verdict, candidate) || need_starts;
    } else {
      if (!s.run(impl.db, text)) return core::fail(core::Reason::internal_error, "DLP scan failed");
      need_starts = s.judge_matches(tenant, verdict, candidate);
    }
    if (need_starts) {
      if (!s.run(impl.som_db, text)) return core::fail(core::Reason::internal_error, "DLP scan failed");
      for (const Match& m : s.matches) {
        const PatternInfo& info = impl.patterns[m.id];
        if (!info.owner.empty() && info.owner == tenant) continue;
        if (s.action_for(info) == Action::redact) s.masks.push_back({m.from, m.to, info.rule_id});
      }
    }
  }
  if (s.credentials) {
    if (!impl.credentials_folded) {
      if (!s.credentials->candidate_ends(text, s.ends)) {
        return core::fail(core::Reason::internal_error, "DLP: credential scan incomplete");
      }
      candidate = !s.ends.empty();
    }
    if (candidate) {
      for (const rules::CredentialMatch& m : s.credentials->find(text)) {
        add_hit(verdict, m.rule_id, HitKind::secret, impl.options.on_secret);
        if (impl.options.on_secret == Action::redact) s.masks.push_back({m.offset, m.offset + m.length, m.rule_id});
      }
    }
  }
  if (stream != nullptr) {
    if (auto r = s.scan_stream(tenant, *stream, verdict); !r) return std::unexpected(r.error());
  }
  if (verdict.action == Action::redact && !s.masks.empty()) s.apply_masks(json_text, verdict);
  if (verdict.action == Action::block) verdict.redacted.reset();
  return verdict;
}

}  // namespace bulkhead::dlp
