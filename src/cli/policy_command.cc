// `bulkhead policy check DIR | lint DIR | eval ... | reload --pid-file F` (docs/policy.md).
// Exit codes: 0 ok / allow, 1 negative result (errors in policies, lint warnings, deny), 2 usage or input error.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "json/json.h"
#include "policy/policy.h"

namespace bulkhead::cli {
namespace {

struct PolicyFlags {
  std::string dir;
  std::string policies;
  std::string entities;
  std::string request;
  std::string batch;
  std::string pid_file;
};

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return static_cast<bool>(in) || in.eof();
}

void print_diagnostics(const std::vector<policy::Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) std::cerr << policy::to_string(d) << "\n";
}

int run_check(const PolicyFlags& flags) {
  std::error_code ec;
  if (!std::filesystem::is_directory(flags.dir, ec)) {
    std::cerr << "bulkhead policy check: " << flags.dir << " is not a directory\n";
    return 2;
  }
  auto set = policy::PolicySet::load_directory(flags.dir);
  if (!set) {
    print_diagnostics(set.error());
    std::cerr << set.error().size() << " error(s); the policy set is rejected\n";
    return 1;
  }
  std::cout << (*set)->size() << " policies OK\n";
  return 0;
}

int run_lint(const PolicyFlags& flags) {
  std::error_code ec;
  if (!std::filesystem::is_directory(flags.dir, ec)) {
    std::cerr << "bulkhead policy lint: " << flags.dir << " is not a directory\n";
    return 2;
  }
  auto set = policy::PolicySet::load_directory(flags.dir);
  if (!set) {
    print_diagnostics(set.error());
    return 1;
  }
  const auto warnings = policy::lint(**set);
  for (const auto& w : warnings) {
    std::cout << w.file << ":" << w.line << ":" << w.column << ": warning[" << w.code << "] " << w.policy_id << ": "
              << w.message << "\n";
  }
  if (warnings.empty()) std::cout << (*set)->size() << " policies, no warnings\n";
  return warnings.empty() ? 0 : 1;
}

std::optional<json::Value> read_json(const std::string& path, const char* what) {
  std::string text;
  if (!read_file(path, text)) {
    std::cerr << "bulkhead policy eval: cannot read " << what << " " << path << "\n";
    return std::nullopt;
  }
  auto value = json::parse(text);
  if (!value) {
    std::cerr << "bulkhead policy eval: " << path << ": " << value.error().message << "\n";
    return std::nullopt;
  }
  return std::move(*value);
}

int run_eval_single(const PolicyFlags& flags) {
  if (flags.policies.empty() || flags.request.empty()) {
    std::cerr << "bulkhead policy eval: --policies DIR and --request FILE are required (or --batch FILE)\n";
    return 2;
  }
  auto set = policy::PolicySet::load_directory(flags.policies);
  if (!set) {
    print_diagnostics(set.error());
    return 2;
  }
  policy::Entities entities;
  if (!flags.entities.empty()) {
    auto json = read_json(flags.entities, "entities");
    if (!json) return 2;
    auto parsed = policy::Entities::from_json(*json);
    if (!parsed) {
      std::cerr << "bulkhead policy eval: " << flags.entities << ": " << parsed.error().message << "\n";
      return 2;
    }
    entities = std::move(*parsed);
  }
  auto request_json = read_json(flags.request, "request");
  if (!request_json) return 2;
  auto request = policy::request_from_json(*request_json);
  if (!request) {
    std::cerr << "bulkhead policy eval: " << flags.request << ": " << request.error().message << "\n";
    return 2;
  }
  const auto decision = policy::decide(**set, *request, entities);
  std::cout << json::serialize(policy::decision_to_json(decision)) << "\n";
  return decision.allowed ? 0 : 1;
}

// One case of --batch: {"id","policies":"<text>","entities":[...],"request":{...}}.
json::Value eval_case(const json::Value& line) {
  auto invalid = [&](std::string message) {
    policy::Decision deny;
    deny.errors.push_back(policy::PolicyError{"", std::move(message)});
    json::Value out = policy::decision_to_json(deny);
    out.set("invalid", true);
    return out;
  };
  const auto* text = line.find_string("policies");
  if (text == nullptr) return invalid("\"policies\" (policy text) is required");
  auto set = policy::PolicySet::parse_text(*text);
  if (!set) return invalid(policy::to_string(set.error().front()));
  policy::Entities entities;
  if (const auto* e = line.find("entities"); e != nullptr) {
    auto parsed = policy::Entities::from_json(*e);
    if (!parsed) return invalid(parsed.error().message);
    entities = std::move(*parsed);
  }
  const auto* r = line.find("request");
  if (r == nullptr) return invalid("\"request\" is required");
  auto request = policy::request_from_json(*r);
  if (!request) return invalid(request.error().message);
  return policy::decision_to_json(policy::decide(**set, *request, entities));
}

int run_eval_batch(const PolicyFlags& flags) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (flags.batch != "-") {
    file.open(flags.batch, std::ios::binary);
    if (!file) {
      std::cerr << "bulkhead policy eval: cannot read " << flags.batch << "\n";
      return 2;
    }
    in = &file;
  }
  std::string line;
  std::string out;
  while (std::getline(*in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json::Value result = json::Value::object();
    auto parsed = json::parse(line);
    json::Value decision;
    if (!parsed || !parsed->is_object()) {
      result.set("id", json::Value());
      policy::Decision deny;
      deny.errors.push_back(policy::PolicyError{"", parsed ? "a case must be a JSON object" : parsed.error().message});
      decision = policy::decision_to_json(deny);
      decision.set("invalid", true);
    } else {
      const auto* id = parsed->find("id");
      result.set("id", id != nullptr ? *id : json::Value());
      decision = eval_case(*parsed);
    }
    if (decision.is_object()) {
      for (const auto& member : decision.as_object()) result.set(member.first, member.second);
    }
    out.clear();
    json::serialize_to(result, out);
    out.push_back('\n');
    std::cout << out;
  }
  std::cout.flush();
  return 0;
}

}  // namespace

void add_policy_command(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<PolicyFlags>();
  CLI::App* policy = app.add_subcommand("policy", "check, lint, evaluate and reload Cedar-subset policies");
  policy->require_subcommand(1);

  CLI::App* check = policy->add_subcommand("check", "parse and validate every *.cedar file in DIR");
  check->add_option("dir", flags->dir, "policy directory")->required();
  check->callback([flags, &context] { context.exit_code = run_check(*flags); });

  CLI::App* lint = policy->add_subcommand("lint", "warn on unpinned tenants, permit-all and unreachable policies");
  lint->add_option("dir", flags->dir, "policy directory")->required();
  lint->callback([flags, &context] { context.exit_code = run_lint(*flags); });

  CLI::App* eval = policy->add_subcommand("eval", "decide one request (exit 0 allow, 1 deny) or a batch of cases");
  eval->add_option("--policies", flags->policies, "policy directory");
  eval->add_option("--entities", flags->entities, "entities JSON (Cedar form)");
  eval->add_option("--request", flags->request, "request JSON (Cedar form)");
  eval->add_option("--batch", flags->batch,
                   "JSON lines {id, policies (text), entities, request} ('-' for stdin); prints one decision per line");
  eval->callback([flags, &context] {
    context.exit_code = flags->batch.empty() ? run_eval_single(*flags) : run_eval_batch(*flags);
  });

  CLI::App* reload = policy->add_subcommand("reload", "ask a running gateway to reload its policies (SIGHUP)");
  reload->add_option("--pid-file", flags->pid_file, "the gateway's --ready-file (JSON with pid) or a pid file");
  reload->callback([flags, &context] {
    context.exit_code = signal_reload("bulkhead policy reload", flags->pid_file,
                                      "the gateway keeps its current policies if the new set is rejected");
  });
}

}  // namespace bulkhead::cli
