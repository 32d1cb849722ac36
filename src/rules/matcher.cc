// CredentialMatcher: one Hyperscan database for every provider format; boundary, JWT and private-key checks that
// Hyperscan cannot express (no lookarounds) run here on each candidate.
#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "core/core.h"
#include "rules/detail/heuristics.h"
#include "rules/rules.h"

namespace bulkhead::rules {
namespace {

// Characters a token may continue with: a candidate followed by one of these is part of a longer word and is
// not reported (Hyperscan has no \b or lookahead).
enum class Alphabet : std::uint8_t { none, alnum, word, word_dash, word_tilde };
enum class Check : std::uint8_t { plain, jwt, private_key };

struct Pattern {
  const char* regex;
  std::string_view rule_id;
  std::string_view kind;
  Alphabet left;  // character before the match must not be in this alphabet
  Alphabet tail;  // character after the match must not be in this alphabet
  Check check;
};

using A = Alphabet;
constexpr std::array kPatterns = {
    Pattern{R"(gh[pousr]_[A-Za-z0-9]{36})", id::github_token, "GitHub token", A::alnum, A::word, Check::plain},
    Pattern{R"(github_pat_[A-Za-z0-9_]{82})", id::github_token, "GitHub fine-grained token", A::alnum, A::word,
            Check::plain},
    Pattern{R"(gl(?:pat|dt|rt|soat|cbt|ptt|ft|imt)-[A-Za-z0-9_\-]{20,})", id::gitlab_token, "GitLab token", A::alnum,
            A::word_dash, Check::plain},
    Pattern{R"((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})", id::aws_key, "AWS access key id", A::alnum,
            A::alnum, Check::plain},
    Pattern{R"(AIza[0-9A-Za-z_\-]{35})", id::google_key, "Google API key", A::alnum, A::word_dash, Check::plain},
    Pattern{R"(GOCSPX-[A-Za-z0-9_\-]{28})", id::google_key, "Google OAuth client secret", A::alnum, A::word_dash,
            Check::plain},
    Pattern{R"(ya29\.[0-9A-Za-z_\-]{30,})", id::google_key, "Google OAuth access token", A::alnum, A::word_dash,
            Check::plain},
    Pattern{R"(xox[abposr]-[A-Za-z0-9\-]{10,})", id::slack_token, "Slack token", A::alnum, A::word_dash,
            Check::plain},
    Pattern{R"(xapp-[0-9]+-[A-Za-z0-9\-]{10,})", id::slack_token, "Slack app token", A::alnum, A::word_dash,
            Check::plain},
    Pattern{R"(https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]{16,})", id::slack_token,
            "Slack webhook URL", A::none, A::word, Check::plain},
    Pattern{R"((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,})", id::stripe_key, "Stripe secret key", A::alnum, A::alnum,
            Check::plain},
    Pattern{R"(whsec_[A-Za-z0-9]{32,})", id::stripe_key, "Stripe webhook secret", A::alnum, A::alnum, Check::plain},
    Pattern{R"(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,})", id::openai_key, "OpenAI API key", A::alnum,
            A::word_dash, Check::plain},
    Pattern{R"(sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})", id::openai_key, "OpenAI API key", A::alnum, A::alnum,
            Check::plain},
    Pattern{R"(sk-ant-(?:api|admin|oat|ort)[0-9]{2}-[A-Za-z0-9_\-]{80,})", id::anthropic_key, "Anthropic API key",
            A::alnum, A::word_dash, Check::plain},
    Pattern{R"(AccountKey=[A-Za-z0-9+/]{86}==)", id::azure_key, "Azure storage account key", A::none, A::none,
            Check::plain},
    Pattern{R"(SharedAccessKey=[A-Za-z0-9+/]{42,43}=)", id::azure_key, "Azure shared access key", A::none, A::none,
            Check::plain},
    Pattern{R"(sig=[A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})", id::azure_key, "Azure SAS signature", A::alnum, A::alnum,
            Check::plain},
    Pattern{R"([A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})", id::azure_key, "Azure client secret",
            A::word_tilde, A::word_tilde, Check::plain},
    Pattern{R"(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})", id::jwt, "JSON Web Token",
            A::word_dash, A::word_dash, Check::jwt},
    Pattern{R"(-----BEGIN[ A-Z0-9]{0,24}PRIVATE KEY(?: BLOCK)?-----)", id::private_key, "private key", A::none,
            A::none, Check::private_key},
    Pattern{R"(npm_[A-Za-z0-9]{36})", id::provider_token, "npm access token", A::alnum, A::alnum, Check::plain},
    Pattern{R"(hf_[A-Za-z0-9]{34})", id::provider_token, "Hugging Face token", A::alnum, A::alnum, Check::plain},
    Pattern{R"(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})", id::provider_token, "SendGrid API key", A::alnum,
            A::word_dash, Check::plain},
    Pattern{R"(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})", id::provider_token, "Shopify token", A::alnum, A::alnum,
            Check::plain},
    Pattern{R"(dapi[a-f0-9]{32}(?:-[0-9])?)", id::provider_token, "Databricks token", A::alnum, A::alnum,
            Check::plain},
    Pattern{R"(gsk_[A-Za-z0-9]{52})", id::provider_token, "Groq API key", A::alnum, A::alnum, Check::plain},
    Pattern{R"(lin_(?:api|oauth)_[A-Za-z0-9]{40,64})", id::provider_token, "Linear API key", A::alnum, A::alnum,
            Check::plain},
    Pattern{R"(ntn_[0-9]{11}[A-Za-z0-9]{35})", id::provider_token, "Notion integration token", A::alnum, A::alnum,
            Check::plain},
    Pattern{R"(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})", id::provider_token, "PyPI token", A::alnum, A::word_dash,
            Check::plain},
    Pattern{R"(dop_v1_[a-f0-9]{64})", id::provider_token, "DigitalOcean token", A::alnum, A::alnum, Check::plain},
    Pattern{R"(hvs\.[A-Za-z0-9_\-]{90,})", id::provider_token, "HashiCorp Vault token", A::alnum, A::word_dash,
            Check::plain},
    Pattern{R"(tskey-[a-z]+-[A-Za-z0-9]{10,}-[A-Za-z0-9]{20,})", id::provider_token, "Tailscale key", A::alnum,
            A::alnum, Check::plain},
    Pattern{R"(dckr_pat_[A-Za-z0-9_\-]{27})", id::provider_token, "Docker Hub token", A::alnum, A::word_dash,
            Check::plain},
    Pattern{R"(figd_[A-Za-z0-9_\-]{40})", id::provider_token, "Figma token", A::alnum, A::word_dash, Check::plain},
    Pattern{R"(sntry[su]_[A-Za-z0-9+/=_]{40,})", id::provider_token, "Sentry token", A::alnum, A::word,
            Check::plain},
    Pattern{R"(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})", id::provider_token, "Grafana service account token", A::alnum,
            A::alnum, Check::plain},
    Pattern{R"(PMAK-[a-f0-9]{24}-[a-f0-9]{34})", id::provider_token, "Postman API key", A::alnum, A::alnum,
            Check::plain},
    Pattern{R"(pplx-[A-Za-z0-9]{48})", id::provider_token, "Perplexity API key", A::alnum, A::alnum, Check::plain},
    Pattern{R"(tvly-(?:dev-)?[A-Za-z0-9]{32})", id::provider_token, "Tavily API key", A::alnum, A::alnum,
            Check::plain},
    Pattern{R"(fc-[a-f0-9]{32})", id::provider_token, "Firecrawl API key", A::alnum, A::alnum, Check::plain},
    Pattern{R"(sbp_[a-f0-9]{40})", id::provider_token, "Supabase access token", A::alnum, A::alnum, Check::plain},
};

bool in_alphabet(Alphabet alphabet, char c) noexcept {
  const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  switch (alphabet) {
    case Alphabet::none: return false;
    case Alphabet::alnum: return alnum;
    case Alphabet::word: return alnum || c == '_';
    case Alphabet::word_dash: return alnum || c == '_' || c == '-';
    case Alphabet::word_tilde: return alnum || c == '_' || c == '-' || c == '~' || c == '.';
  }
  return false;
}

struct Candidate {
  unsigned pattern = 0;
  std::size_t from = 0;
  std::size_t to = 0;
};

int on_match(unsigned int pattern, unsigned long long from, unsigned long long to, unsigned int /*flags*/,
             void* context) {
  auto& candidates = *static_cast<std::vector<Candidate>*>(context);
  // Variable-length patterns report every end; keep the longest per start.
  if (!candidates.empty() && candidates.back().pattern == pattern && candidates.back().from == from) {
    candidates.back().to = std::max<std::size_t>(candidates.back().to, to);
    return 0;
  }
  for (auto it = candidates.rbegin(); it != candidates.rend() && it - candidates.rbegin() < 16; ++it) {
    if (it->pattern == pattern && it->from == from) {
      it->to = std::max<std::size_t>(it->to, to);
      return 0;
    }
  }
  if (candidates.size() > 100000) return 1;  // pathological input: stop, report what we have
  candidates.push_back({pattern, static_cast<std::size_t>(from), static_cast<std::size_t>(to)});
  return 0;
}

// A JWT's header must decode to a JSON object naming an algorithm.
bool valid_jwt(std::string_view token) {
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos) return false;
  const auto header = core::base64url_decode(token.substr(0, dot));
  if (!header) return false;
  const std::string_view text(reinterpret_cast<const char*>(header->data()), header->size());
  return text.starts_with("{") && text.find("\"alg\"") != std::string_view::npos;
}

// A private key header counts only with a real body: extends the match to the END line and requires ≥ 64
// base64 characters in between (placeholders such as "-----BEGIN PRIVATE KEY-----\n...\n" are not keys).
bool extend_private_key(std::string_view text, std::size_t from, std::size_t& to) {
  const std::size_t end = text.find("-----END", to);
  const std::size_t limit = end == std::string_view::npos ? std::min(text.size(), to + 8192) : end;
  std::size_t base64 = 0;
  for (std::size_t i = to; i < limit; ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < limit && (text[i + 1] == 'n' || text[i + 1] == 'r')) {
      ++i;
      continue;
    }
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=') {
      ++base64;
    } else if (c != '\n' && c != '\r' && c != ' ' && c != '\t' && c != ':' && c != '-' && c != ',') {
      if (end == std::string_view::npos) break;
      // Anything else inside the body ("...", "<key>") marks a placeholder.
      if (c == '.' || c == '<' || c == '>' || c == '*') return false;
    }
  }
  if (base64 < 64) return false;
  if (end != std::string_view::npos) {
    const std::size_t close = text.find("-----", end + 8);
    to = close == std::string_view::npos ? end + 8 : close + 5;
  } else {
    to = limit;
  }
  (void)from;
  return true;
}

}  // namespace

struct CredentialMatcher::Database {
  hs_database_t* db = nullptr;
  hs_database_t* ends = nullptr;  // the same patterns without start-of-match tracking: candidate_ends()
  ~Database() {
    hs_free_database(db);
    hs_free_database(ends);
  }
};

struct CredentialMatcher::Scratch {
  hs_scratch_t* scratch = nullptr;
  ~Scratch() { hs_free_scratch(scratch); }
};

CredentialMatcher::CredentialMatcher(std::shared_ptr<const Database> database, std::unique_ptr<Scratch> scratch)
    : database_(std::move(database)), scratch_(std::move(scratch)) {}

namespace {

// Every pattern in one block-mode database; `som` adds start-of-match reporting (leftmost).
core::Result<hs_database_t*> compile(bool som) {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (unsigned i = 0; i < kPatterns.size(); ++i) {
    expressions.push_back(kPatterns[i].regex);
    flags.push_back(som ? HS_FLAG_SOM_LEFTMOST : 0u);
    ids.push_back(i);
  }
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(), static_cast<unsigned>(expressions.size()),
                       HS_MODE_BLOCK, nullptr, &database, &error) != HS_SUCCESS) {
    std::string message = "hyperscan compile failed";
    if (error != nullptr) {
      message += ": ";
      message += error->message;
      message += " (pattern " + std::to_string(error->expression) + ")";
      hs_free_compile_error(error);
    }
    return core::fail(core::Reason::internal_error, message);
  }
  return database;
}

struct Ends {
  std::vector<std::size_t>* ends;
  bool overflow = false;
};

// Candidate ends are at most one per byte; a pathological text stops the scan (then callers check everything).
constexpr std::size_t kMaxCandidateEnds = 1u << 20;

int on_end(unsigned int /*pattern*/, unsigned long long /*from*/, unsigned long long to, unsigned int /*flags*/,
           void* context) {
  auto& state = *static_cast<Ends*>(context);
  std::vector<std::size_t>& ends = *state.ends;
  if (!ends.empty() && ends.back() == to) return 0;
  if (ends.size() >= kMaxCandidateEnds) {
    state.overflow = true;
    return 1;
  }
  ends.push_back(static_cast<std::size_t>(to));
  return 0;
}

}  // namespace

core::Result<CredentialMatcher> CredentialMatcher::create() {
  auto database = std::make_shared<Database>();
  auto db = compile(true);
  if (!db) return std::unexpected(db.error());
  database->db = *db;
  auto ends = compile(false);
  if (!ends) return std::unexpected(ends.error());
  database->ends = *ends;
  auto scratch = std::make_unique<Scratch>();
  if (hs_alloc_scratch(database->db, &scratch->scratch) != HS_SUCCESS ||
      hs_alloc_scratch(database->ends, &scratch->scratch) != HS_SUCCESS) {
    return core::fail(core::Reason::internal_error, "hyperscan scratch allocation failed");
  }
  return CredentialMatcher(std::move(database), std::move(scratch));
}

bool CredentialMatcher::candidate_ends(std::string_view text, std::vector<std::size_t>& ends) {
  ends.clear();
  if (text.empty()) return true;
  if (!database_ || !scratch_ || scratch_->scratch == nullptr || text.size() > 0xffffffffu) return false;
  Ends state{&ends};
  const hs_error_t status = hs_scan(database_->ends, text.data(), static_cast<unsigned>(text.size()), 0,
                                    scratch_->scratch, on_end, &state);
  if (status != HS_SUCCESS || state.overflow) return false;
  // Hyperscan reports matches in order of their end; keep the guarantee explicit for the binary searches.
  if (!std::is_sorted(ends.begin(), ends.end())) {
    std::sort(ends.begin(), ends.end());
    ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  }
  return true;
}

std::vector<std::string> CredentialMatcher::candidate_expressions() {
  std::vector<std::string> out;
  out.reserve(kPatterns.size());
  for (const Pattern& pattern : kPatterns) out.emplace_back(pattern.regex);
  return out;
}

CredentialMatcher::CredentialMatcher(const CredentialMatcher& other) : database_(other.database_) {
  scratch_ = std::make_unique<Scratch>();
  if (other.scratch_ && other.scratch_->scratch != nullptr) {
    if (hs_clone_scratch(other.scratch_->scratch, &scratch_->scratch) != HS_SUCCESS) scratch_->scratch = nullptr;
  }
}

CredentialMatcher& CredentialMatcher::operator=(const CredentialMatcher& other) {
  if (this != &other) {
    CredentialMatcher copy(other);
    *this = std::move(copy);
  }
  return *this;
}

CredentialMatcher::CredentialMatcher(CredentialMatcher&&) noexcept = default;
CredentialMatcher& CredentialMatcher::operator=(CredentialMatcher&&) noexcept = default;
CredentialMatcher::~CredentialMatcher() = default;

std::vector<CredentialMatch> CredentialMatcher::find(std::string_view text) {
  std::vector<CredentialMatch> matches;
  if (text.empty() || !database_ || !scratch_ || scratch_->scratch == nullptr) return matches;
  std::vector<Candidate> candidates;
  // Hyperscan takes an unsigned length; configuration values are far below 4 GiB, but never trust input.
  const std::size_t length = std::min<std::size_t>(text.size(), 0xffffffffu);
  hs_scan(database_->db, text.data(), static_cast<unsigned>(length), 0, scratch_->scratch, on_match, &candidates);
  std::vector<Candidate> accepted;
  for (Candidate& candidate : candidates) {
    const Pattern& pattern = kPatterns[candidate.pattern];
    if (candidate.from > 0 && in_alphabet(pattern.left, text[candidate.from - 1])) continue;
    if (candidate.to < text.size() && in_alphabet(pattern.tail, text[candidate.to])) continue;
    const std::string_view token = text.substr(candidate.from, candidate.to - candidate.from);
    if (pattern.check == Check::private_key) {
      if (!extend_private_key(text, candidate.from, candidate.to)) continue;
    } else {
      if (is_placeholder(token) || detail::is_documented_example(token)) continue;
      if (pattern.check == Check::jwt && !valid_jwt(token)) continue;
    }
    accepted.push_back(candidate);
  }
  // Non-overlapping, longest first at equal starts.
  std::sort(accepted.begin(), accepted.end(), [](const Candidate& a, const Candidate& b) {
    return a.from != b.from ? a.from < b.from : a.to > b.to;
  });
  std::size_t covered = 0;
  for (const Candidate& candidate : accepted) {
    if (!matches.empty() && candidate.from < covered) continue;
    const Pattern& pattern = kPatterns[candidate.pattern];
    matches.push_back({pattern.rule_id, pattern.kind, candidate.from, candidate.to - candidate.from});
    covered = candidate.to;
  }
  return matches;
}

}  // namespace bulkhead::rules
