// `bulkhead register plan FILE | apply FILE --reason R | list | show C | approve-tools C [--reason R]`
// (docs/register.md). They read the config for the store, the upstreams, tenants and classifications; a running
// gateway enforces what is applied on its next request.
// Exit codes: 0 ok, 1 a negative result (the register has problems, nothing to approve, connector unknown), 2 usage
// or configuration error.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "gateway/gateway.h"
#include "register/register.h"
#include "store/store.h"

namespace bulkhead::cli {
namespace {

struct RegisterFlags {
  std::string file;
  std::string reason;
  std::string connector;
};

struct Opened {
  gateway::Config config;
  std::unique_ptr<store::Store> store;
};

core::Result<Opened> open_register_store(const std::string& config_path, const core::Clock& clock) {
  auto config = gateway::load_config(config_path);
  if (!config) return std::unexpected(config.error());
  auto store = store::Store::open(config->store.url, config->store.base_dir, clock);
  if (!store) return std::unexpected(store.error());
  return Opened{std::move(*config), std::move(*store)};
}

core::Result<registry::Register> read_register(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return core::fail(core::Reason::invalid_request, fmt::format("cannot read {}", file));
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = registry::parse_register(text.str());
  if (!parsed) {
    std::string message = fmt::format("{} does not parse:", file);
    for (const auto& d : parsed.error()) message += "\n  " + registry::to_string(d, file);
    return core::fail(core::Reason::invalid_request, std::move(message));
  }
  return std::move(*parsed);
}

core::Result<registry::Register> stored_register(store::Store& store) {
  auto latest = store.latest_register_version();
  if (!latest) return std::unexpected(latest.error());
  if (!*latest) return registry::Register{};
  auto document = json::parse((*latest)->document);
  if (!document) return core::fail(core::Reason::internal_error, "the stored register is not JSON");
  return registry::from_json(*document);
}

int run_plan(const std::string& config_path, const RegisterFlags& flags) {
  core::SystemClock clock;
  auto opened = open_register_store(config_path, clock);
  if (!opened) {
    std::cerr << "bulkhead register plan: " << opened.error().message << "\n";
    return 2;
  }
  auto reg = read_register(flags.file);
  if (!reg) {
    std::cerr << reg.error().message << "\n";
    return 1;
  }
  const auto problems =
      registry::validate(*reg, gateway::register_context(opened->config, registry::date_of(clock.now())));
  for (const auto& p : problems) std::cout << registry::to_string(p, flags.file) << "\n";
  auto before = stored_register(*opened->store);
  if (!before) {
    std::cerr << "bulkhead register plan: " << before.error().message << "\n";
    return 1;
  }
  const auto changes = registry::plan(*before, *reg);
  for (const auto& line : changes) std::cout << line << "\n";
  if (changes.empty()) std::cout << "no change\n";
  if (!problems.empty()) {
    std::cout << problems.size() << " problem(s): `register apply` would refuse this register\n";
    return 1;
  }
  return 0;
}

int run_apply(const std::string& config_path, const RegisterFlags& flags) {
  core::SystemClock clock;
  auto opened = open_register_store(config_path, clock);
  if (!opened) {
    std::cerr << "bulkhead register apply: " << opened.error().message << "\n";
    return 2;
  }
  auto reg = read_register(flags.file);
  if (!reg) {
    std::cerr << reg.error().message << "\n";
    return 1;
  }
  auto outcome = registry::apply(*opened->store, *reg,
                                 gateway::register_context(opened->config, registry::date_of(clock.now())),
                                 gateway::classifications_of(opened->config), registry::Actor{cli_actor(), flags.reason},
                                 clock);
  if (!outcome) {
    std::cerr << "bulkhead register apply: " << outcome.error().message << "\n";
    return outcome.error().reason == core::Reason::invalid_request ? 1 : 2;
  }
  for (const auto& line : outcome->changes) std::cout << line << "\n";
  if (!outcome->changed) {
    std::cout << "no change: version " << outcome->version << " stays\n";
    return 0;
  }
  std::cout << "applied as version " << outcome->version << " by " << cli_actor() << " (" << flags.reason
            << "); a running gateway enforces it on its next request\n";
  return 0;
}

std::string overdue_note(registry::Date review_by, registry::Date today) {
  if (review_by < today) return fmt::format("OVERDUE since {}", registry::format_date(review_by));
  if (review_by - today <= 30) return fmt::format("due in {} day(s)", review_by - today);
  return "";
}

int run_list(const std::string& config_path) {
  core::SystemClock clock;
  auto opened = open_register_store(config_path, clock);
  if (!opened) {
    std::cerr << "bulkhead register list: " << opened.error().message << "\n";
    return 2;
  }
  auto latest = opened->store->latest_register_version();
  auto reg = stored_register(*opened->store);
  auto pins = opened->store->tool_pins();
  auto pending = opened->store->tool_candidates("");
  auto offboardings = opened->store->offboardings();
  if (!latest || !reg || !pins || !pending || !offboardings) {
    std::cerr << "bulkhead register list: the store cannot be read\n";
    return 1;
  }
  if (!*latest) {
    std::cout << "no register applied yet (tool definitions are pinned on first use)\n";
  } else {
    std::cout << fmt::format("register version {} applied {} by {}: {}\n", (*latest)->version,
                             registry::format_date(registry::date_of(std::chrono::system_clock::time_point(
                                 std::chrono::milliseconds((*latest)->applied_at_ms)))),
                             (*latest)->applied_by, (*latest)->reason);
  }
  const registry::Date today = registry::date_of(clock.now());
  std::cout << fmt::format("{:<16} {:<16} {:<16} {:<14} {:<11} {:<11} {:>7} {:>5} {:>7}  {}\n", "connector", "owner",
                           "policy owner", "approver", "approved", "review by", "tenants", "pins", "pending", "");
  for (const auto& c : reg->connectors) {
    std::size_t pinned = 0;
    std::size_t waiting = 0;
    for (const auto& p : *pins) pinned += p.upstream == c.upstream;
    for (const auto& p : *pending) waiting += p.upstream == c.upstream;
    std::cout << fmt::format("{:<16} {:<16} {:<16} {:<14} {:<11} {:<11} {:>7} {:>5} {:>7}  {}\n", c.upstream,
                             c.owner_team, c.policy_owner, c.approver, registry::format_date(c.approved_on),
                             registry::format_date(c.review_by), c.tenants.size(), pinned, waiting,
                             overdue_note(c.review_by, today));
  }
  for (const auto& o : *offboardings) {
    std::cout << fmt::format("offboarded {} {} by {}: {}{}\n", o.kind, o.value, o.actor, o.reason,
                             o.applied_at_ms > 0 ? "" : " (not yet applied by a gateway)");
  }
  return 0;
}

int run_show(const std::string& config_path, const RegisterFlags& flags) {
  core::SystemClock clock;
  auto opened = open_register_store(config_path, clock);
  if (!opened) {
    std::cerr << "bulkhead register show: " << opened.error().message << "\n";
    return 2;
  }
  auto reg = stored_register(*opened->store);
  auto pins = opened->store->tool_pins();
  auto pending = opened->store->tool_candidates(flags.connector);
  if (!reg || !pins || !pending) {
    std::cerr << "bulkhead register show: the store cannot be read\n";
    return 1;
  }
  const registry::Connector* c = reg->find(flags.connector);
  if (c == nullptr) {
    std::cout << "connector " << flags.connector << " is not in the register\n";
  } else {
    const registry::Date today = registry::date_of(clock.now());
    std::cout << fmt::format(
        "connector {} ({})\n  owner team:       {}\n  policy owner:     {}\n  downstream owner: {}\n"
        "  approver:         {} on {}\n  purpose:          {}\n  review by:        {} {}\n",
        c->upstream, c->kind == registry::ConnectorKind::vendor ? "vendor-managed" : "self-hosted", c->owner_team,
        c->policy_owner, c->downstream_owner, c->approver, registry::format_date(c->approved_on), c->purpose,
        registry::format_date(c->review_by), overdue_note(c->review_by, today));
    std::cout << "  tenants:\n";
    for (const auto& m : c->tenants) {
      std::string agents;
      for (const auto& a : m.agents) agents += (agents.empty() ? "" : ", ") + a;
      std::cout << fmt::format("    {:<14} {}{}\n", m.tenant, agents.empty() ? "(any of its workloads)" : agents,
                               m.purpose.empty() ? "" : " — " + m.purpose);
    }
  }
  std::cout << "  pinned tools:\n";
  for (const auto& p : *pins) {
    if (p.upstream == flags.connector) {
      std::cout << fmt::format("    {:<28} {}  ({})\n", p.tool, p.digest.substr(0, 16), p.approved_by);
    }
  }
  if (!pending->empty()) std::cout << "  waiting for approval (`bulkhead register approve-tools " << flags.connector << "`):\n";
  for (const auto& candidate : *pending) {
    std::string diff;
    for (const auto& p : *pins) {
      if (p.upstream != candidate.upstream || p.tool != candidate.tool) continue;
      auto before = json::parse(p.definition);
      auto after = json::parse(candidate.definition);
      if (before && after) diff = registry::definition_diff(*before, *after);
    }
    std::cout << fmt::format("    {:<28} {}  {}\n{}", candidate.tool, candidate.digest.substr(0, 16),
                             diff.empty() ? "(new tool)" : "(changed)", diff);
  }
  return c == nullptr ? 1 : 0;
}

int run_approve_tools(const std::string& config_path, const RegisterFlags& flags) {
  core::SystemClock clock;
  auto opened = open_register_store(config_path, clock);
  if (!opened) {
    std::cerr << "bulkhead register approve-tools: " << opened.error().message << "\n";
    return 2;
  }
  auto approved = registry::approve_tools(*opened->store, flags.connector, registry::Actor{cli_actor(), flags.reason},
                                          clock);
  if (!approved) {
    std::cerr << "bulkhead register approve-tools: " << approved.error().message << "\n";
    return 1;
  }
  if (approved->empty()) {
    std::cout << "nothing waiting for approval on " << flags.connector << "\n";
    return 1;
  }
  for (const auto& tool : *approved) {
    std::cout << fmt::format("approved {} {}\n{}", tool.tool, tool.diff.empty() ? "(new tool)" : "(changed):",
                             tool.diff);
  }
  std::cout << "a running gateway serves the approved definitions from its next request\n";
  return 0;
}

}  // namespace

void add_register_command(CLI::App& app, CommandContext& context) {
  auto flags = std::make_shared<RegisterFlags>();
  CLI::App* reg = app.add_subcommand("register", "the control register: owners, approvals, tenant mappings, tool pins");
  reg->require_subcommand(1);

  CLI::App* plan = reg->add_subcommand("plan", "validate register.toml and show what apply would change");
  plan->add_option("file", flags->file, "register.toml")->required();
  plan->callback([flags, &context] { context.exit_code = run_plan(context.config_path, *flags); });

  CLI::App* apply = reg->add_subcommand("apply", "store register.toml as a new version (atomic: all or nothing)");
  apply->add_option("file", flags->file, "register.toml")->required();
  apply->add_option("--reason", flags->reason, "why (kept with the version and in the audit log)")->required();
  apply->callback([flags, &context] { context.exit_code = run_apply(context.config_path, *flags); });

  CLI::App* list = reg->add_subcommand("list", "connectors, owners, approvals, review dates and what is overdue");
  list->callback([&context] { context.exit_code = run_list(context.config_path); });

  CLI::App* show = reg->add_subcommand("show", "one connector: owners, mappings, pinned and pending tools with diffs");
  show->add_option("connector", flags->connector, "upstream name")->required();
  show->callback([flags, &context] { context.exit_code = run_show(context.config_path, *flags); });

  CLI::App* approve = reg->add_subcommand("approve-tools", "approve the new and changed tool definitions of a connector");
  approve->add_option("connector", flags->connector, "upstream name")->required();
  approve->add_option("--reason", flags->reason, "why (kept in the audit log)");
  approve->callback([flags, &context] { context.exit_code = run_approve_tools(context.config_path, *flags); });
}

}  // namespace bulkhead::cli
