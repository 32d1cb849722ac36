// `bulkhead audit verify DIR | proof DIR --seq N | export DIR --tenant T --format jsonl|csv | tail DIR`
// (docs/audit.md). --config is not needed: every subcommand reads only DIR (and an optional pinned public key).
// Exit codes: 0 ok, 1 negative result (log does not verify, seq not provable), 2 usage error or unreadable DIR.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "audit/audit.h"
#include "cli/commands.h"

namespace bulkhead::cli {
namespace {

struct AuditFlags {
  std::string dir;
  std::string public_key;
  bool allow_unsigned_tail = false;
  std::uint64_t seq = 0;
  std::string tenant;
  std::string since;
  std::string until;
  std::string format = "jsonl";
  std::string output;
  std::uint64_t last = 0;
  bool follow = false;
};

audit::VerifyOptions verify_options(const AuditFlags& flags) {
  audit::VerifyOptions options;
  options.public_key_file = flags.public_key;
  options.allow_unsigned_tail = flags.allow_unsigned_tail;
  return options;
}

int run_verify(const AuditFlags& flags) {
  auto report = audit::verify(flags.dir, verify_options(flags));
  if (!report) {
    std::cerr << "bulkhead audit verify: " << report.error().message << "\n";
    return 2;
  }
  if (!report->ok()) {
    const audit::VerifyFinding& f = *report->failure;
    std::cout << "FAILED: " << audit::problem_name(f.problem) << ": " << f.segment << " offset " << f.offset;
    if (f.seq) std::cout << " seq " << *f.seq;
    std::cout << ": " << f.message << "\n"
              << report->records << " records verified before the failure\n";
    return 1;
  }
  std::cout << "OK: " << report->records << " records, " << report->segments << " segments, "
            << report->checkpoints << " checkpoints; " << report->signed_records
            << " records covered by the last signed checkpoint\n";
  return 0;
}

int run_proof(const AuditFlags& flags) {
  auto proof = audit::inclusion_proof(flags.dir, flags.seq, verify_options(flags));
  if (!proof) {
    std::cerr << "bulkhead audit proof: " << proof.error().message << "\n";
    return 1;
  }
  std::cout << json::serialize(*proof) << "\n";
  return 0;
}

int run_export(const AuditFlags& flags) {
  audit::ExportOptions options;
  options.tenant = flags.tenant;
  options.verify = verify_options(flags);
  const auto format = audit::export_format_from_name(flags.format);
  if (!format) {
    std::cerr << "bulkhead audit export: --format must be jsonl or csv\n";
    return 2;
  }
  options.format = *format;
  if (!flags.since.empty()) {
    options.since = audit::parse_time(flags.since);
    if (!options.since) {
      std::cerr << "bulkhead audit export: --since must be RFC 3339 or unix seconds\n";
      return 2;
    }
  }
  if (!flags.until.empty()) {
    options.until = audit::parse_time(flags.until);
    if (!options.until) {
      std::cerr << "bulkhead audit export: --until must be RFC 3339 or unix seconds\n";
      return 2;
    }
  }
  std::ofstream file;
  if (!flags.output.empty()) {
    file.open(flags.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "bulkhead audit export: cannot write " << flags.output << "\n";
      return 2;
    }
  }
  auto summary = audit::export_tenant(flags.dir, options, flags.output.empty() ? std::cout : file);
  if (!summary) {
    std::cerr << "bulkhead audit export: " << summary.error().message << "\n";
    return summary.error().reason == core::Reason::invalid_request ? 2 : 1;
  }
  std::cerr << "exported " << summary->exported << " records of tenant " << flags.tenant;
  if (summary->without_proof > 0) std::cerr << " (" << summary->without_proof << " without proof: not checkpointed)";
  std::cerr << "\n";
  return 0;
}

int run_tail(const AuditFlags& flags) {
  audit::TailOptions options;
  options.last = flags.last;
  options.follow = flags.follow;
  auto done = audit::tail(flags.dir, options, std::cout);
  if (!done) {
    std::cerr << "bulkhead audit tail: " << done.error().message << "\n";
    return 1;
  }
  return 0;
}

void add_dir(CLI::App* command, AuditFlags& flags) {
  command->add_option("dir", flags.dir, "audit directory ([audit] dir)")->required();
}

void add_trust(CLI::App* command, AuditFlags& flags) {
  command->add_option("--public-key", flags.public_key, "pinned Ed25519 public key PEM (default DIR/public-key.pem)");
  command->add_flag("--allow-unsigned-tail", flags.allow_unsigned_tail,
                    "accept records after the last checkpoint (a live log)");
}

}  // namespace

void add_audit_command(CLI::App& app, CommandContext& context) {
  CLI::App* audit_app = app.add_subcommand("audit", "verify, prove, export and tail the tamper-evident audit log");
  audit_app->require_subcommand(1);

  auto verify_flags = std::make_shared<AuditFlags>();
  CLI::App* verify = audit_app->add_subcommand("verify", "check CRCs, hash chain, tree heads and signatures");
  add_dir(verify, *verify_flags);
  add_trust(verify, *verify_flags);
  verify->callback([verify_flags, &context] { context.exit_code = run_verify(*verify_flags); });

  auto proof_flags = std::make_shared<AuditFlags>();
  CLI::App* proof = audit_app->add_subcommand("proof", "RFC 9162 inclusion proof of one record, as JSON");
  add_dir(proof, *proof_flags);
  proof->add_option("--seq", proof_flags->seq, "record sequence number (0-based)")->required();
  proof->add_option("--public-key", proof_flags->public_key, "pinned Ed25519 public key PEM");
  proof->callback([proof_flags, &context] { context.exit_code = run_proof(*proof_flags); });

  auto export_flags = std::make_shared<AuditFlags>();
  CLI::App* exporter = audit_app->add_subcommand("export", "one tenant's records with the proofs to check them");
  add_dir(exporter, *export_flags);
  exporter->add_option("--tenant", export_flags->tenant, "tenant id")->required();
  exporter->add_option("--since", export_flags->since, "first time (inclusive), RFC 3339 or unix seconds");
  exporter->add_option("--until", export_flags->until, "end time (exclusive), RFC 3339 or unix seconds");
  exporter->add_option("--format", export_flags->format, "jsonl | csv (default jsonl)");
  exporter->add_option("-o,--output", export_flags->output, "write to FILE instead of stdout");
  add_trust(exporter, *export_flags);
  exporter->callback([export_flags, &context] { context.exit_code = run_export(*export_flags); });

  auto tail_flags = std::make_shared<AuditFlags>();
  CLI::App* tailer = audit_app->add_subcommand("tail", "print records as JSON lines");
  add_dir(tailer, *tail_flags);
  tailer->add_option("-n,--lines", tail_flags->last, "only the last N records (default all)");
  tailer->add_flag("-f,--follow", tail_flags->follow, "keep printing new records");
  tailer->callback([tail_flags, &context] { context.exit_code = run_tail(*tail_flags); });
}

}  // namespace bulkhead::cli
