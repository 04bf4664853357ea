// caseledger: the command line. Parses, then hands over to tools/commands.cc.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "api/queries.h"
#include "tools/commands.h"

#ifndef CASELEDGER_FIXTURES_DIR
#define CASELEDGER_FIXTURES_DIR "fixtures"
#endif

int main(int argc, char** argv) {
  using namespace caseledger::tools;
  namespace api = caseledger::api;
  spdlog::set_default_logger(spdlog::stderr_color_mt("caseledger"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  CLI::App app{
      "caseledger: a tamper-evident audit ledger for early help case records.\n"
      "Every action on a family's record is an immutable event; auditors verify the log\n"
      "with Merkle proofs. Data lives in an embedded RocksDB folder (--data)."};
  app.require_subcommand(1);
  app.fallthrough();  // --data and --log-level also after the subcommand
  Common common;
  std::string log_level = "info";
  app.add_option("--data", common.data_dir, "the ledger's data folder")->capture_default_str();
  app.add_option("--tokens", common.tokens_file, "the token file (default: <data>/tokens)");
  app.add_option(
      "--signing-key", common.key_file,
      "the checkpoint signing key (default: <data>/checkpoint.key; made on first write)");
  app.add_option("--master-key", common.master_key_file,
                 "the master key of the families' keys (default: <data>/master.key; made on "
                 "first write; keep a copy offline)");
  app.add_option("--cache-mib", common.cache_mib,
                 "memory for the families read or checked most recently (their events, state "
                 "and rendered answers), MiB; least recently used out first")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  common.calendar_file =
      std::string(CASELEDGER_FIXTURES_DIR) + "/calendar/bank-holidays-england-wales.txt";
  app.add_option("--calendar", common.calendar_file,
                 "the bank-holiday calendar for working days (YYYY-MM-DD<TAB>title lines)")
      ->capture_default_str();

  ServeOptions serve;
  serve.fixtures_dir = CASELEDGER_FIXTURES_DIR;
  auto* serve_cmd = app.add_subcommand("serve", "serve the HTTP API");
  serve_cmd->add_option("--listen", serve.listen, "host:port to listen on")->capture_default_str();
  serve_cmd->add_flag("--demo", serve.demo, "load the demo fixtures into an empty ledger");
  serve_cmd->add_option("--fixtures", serve.fixtures_dir, "where the demo fixtures are")
      ->capture_default_str();
  serve_cmd
      ->add_option("--demo-families", serve.demo_families,
                   "synthetic families (caseledger gen) added to the demo")
      ->capture_default_str();
  serve_cmd->add_option("--tls-cert", serve.tls_cert, "PEM certificate: serve HTTPS only");
  serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key of --tls-cert");
  serve_cmd->add_option("--max-body", serve.max_body_bytes, "the largest request body, bytes")
      ->capture_default_str();
  serve_cmd
      ->add_option("--request-deadline", serve.request_deadline_seconds,
                   "seconds from a request's first byte until its line, headers and body must "
                   "have arrived; later: 408 and the connection is closed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve_cmd
      ->add_option("--replica-of", serve.replica_of,
                   "serve reads only, from a RocksDB secondary instance following the primary "
                   "ledger in this folder (--data then holds the replica's own files)")
      ->excludes("--demo");

  TokenOptions token;
  auto* token_cmd = app.add_subcommand("token", "issue, revoke and list bearer tokens");
  token_cmd->require_subcommand(1);
  auto* token_create = token_cmd->add_subcommand(
      "create", "print a new token (only its hash is kept; it cannot be shown again)");
  token_create
      ->add_option("--role", token.role,
                   "practitioner, helpdesk, triage-manager, coordinator, auditor, "
                   "dashboard or admin")
      ->required();
  token_create
      ->add_option("--actor", token.actor,
                   "who it speaks for (a practitioner's id for role practitioner)")
      ->required();
  token_create->add_option("--expires-days", token.expires_days, "valid for N days (0: never)")
      ->capture_default_str();
  auto* token_revoke = token_cmd->add_subcommand("revoke", "revoke a token by its id");
  token_revoke->add_option("--id", token.id, "the token id (16 hex digits)")->required();
  auto* token_list = token_cmd->add_subcommand("list", "list the valid tokens (no secrets)");

  std::string import_file;
  auto* import_cmd = app.add_subcommand(
      "import",
      "append JSON lines {stream, expectedVersion, actor, events}; stops at the first "
      "refused line");
  import_cmd->add_option("FILE", import_file, "the file of JSON lines, or - for stdin")->required();
  bool import_fixture = false;
  import_cmd->add_flag("--fixture", import_fixture,
                       "synthetic data: honour each line's recordedAt and expectRefusal");

  // The options of the queries the API takes too: each puts its value, unchecked, in `query`
  // under the API's name (--as-of-seq -> asOfSeq), for the parsers the API uses
  // (api/queries.h), whose refusals name the option.
  auto query_option = [](CLI::App* cmd, api::QueryValues& query, const std::string& param,
                         const std::string& help) {
    return cmd->add_option_function<std::string>(
        api::ParamName(param, api::Naming::kCli),
        [&query, param](const std::string& value) { query.emplace(param, value); }, help);
  };
  // True or false; the option alone is true (--significant = --significant=true).
  auto query_flag = [&](CLI::App* cmd, api::QueryValues& query, const std::string& param,
                        const std::string& help) {
    query_option(cmd, query, param, help)->expected(0, 1)->default_str("true");
  };
  // The family reads, each "as of" a recorded time or seq.
  auto add_read = [&](CLI::App* cmd, ReadOptions& read) {
    cmd->add_option("--family", read.family, "the family id")->required();
    query_option(cmd, read.query, "asOf", "as the record stood at this recorded time (RFC 3339)");
    query_option(cmd, read.query, "asOfSeq", "as the record stood at this seq (not with --as-of)");
  };
  ReadOptions state;
  auto* state_cmd = app.add_subcommand("state", "print a family's current state as JSON");
  add_read(state_cmd, state);
  ReadOptions chronology;
  auto* chronology_cmd = app.add_subcommand(
      "chronology", "print a family's chronology, ordered by when things happened");
  add_read(chronology_cmd, chronology);
  query_option(chronology_cmd, chronology.query, "format", "json (default), csv or html");
  query_option(chronology_cmd, chronology.query, "episode",
               "only this episode's entries (and the family's own)");
  query_option(chronology_cmd, chronology.query, "from", "from this day (YYYY-MM-DD)");
  query_option(chronology_cmd, chronology.query, "to", "to this day (YYYY-MM-DD), inclusive");
  chronology_cmd->add_option_function<std::vector<std::string>>(
      "--category",
      [&chronology](const std::vector<std::string>& given) {
        std::string joined;
        for (const auto& c : given) joined += (joined.empty() ? "" : ",") + c;
        chronology.query.emplace("category", joined);
      },
      "only entries of these categories (comma-separated, repeatable): " +
          api::ChronologyCategoryList());
  query_flag(chronology_cmd, chronology.query, "significant",
             "only significant entries (default false)");
  query_flag(chronology_cmd, chronology.query, "computed",
             "true (default) or false: with the computed entries (missed timescales, "
             "unfinished states)");
  query_option(chronology_cmd, chronology.query, "on",
               "judge the computed entries as on this day (YYYY-MM-DD; default: the as-of "
               "day, or today)");
  ReadOptions pack;
  auto* pack_cmd = app.add_subcommand(
      "step-up-pack",
      "print a family's step-up pack: consent, keyworker, TAF, open and overdue actions, "
      "concerns with directions, every timescale missed, the significant chronology");
  add_read(pack_cmd, pack);
  query_option(pack_cmd, pack.query, "on",
               "judge timescales as on this day (YYYY-MM-DD; default: the as-of day, or today)");
  pack_cmd->footer(
      "Examples:\n  caseledger step-up-pack --family F1\n"
      "  caseledger step-up-pack --family F1 --as-of 2026-03-03T10:00:00Z   # what the "
      "manager saw then");

  ReadOptions timescales;
  auto* timescales_cmd =
      app.add_subcommand("timescales", "print the timescales of a family's episodes");
  add_read(timescales_cmd, timescales);
  query_option(timescales_cmd, timescales.query, "on",
               "evaluate as on this day (YYYY-MM-DD; default today, London)");

  HistoryOptions history;
  auto* history_cmd = app.add_subcommand("history", "print a stream's events as JSON lines");
  auto* family_opt = history_cmd->add_option("--family", history.family, "the family id");
  auto* stream_opt =
      history_cmd->add_option("--stream", history.stream, "any stream, e.g. practitioner/P1");
  family_opt->excludes(stream_opt);
  history_cmd->add_option("--as-of", history.as_of,
                          "as the record stood at this recorded time (RFC 3339)");
  history_cmd->add_flag("--raw", history.raw, "add the stored bytes (base64)");

  VerifyOptions verify;
  auto* verify_cmd = app.add_subcommand(
      "verify",
      "re-hash every event and check the tree, of the ledger in --data or, with --export, of an "
      "exported file alone; exit 0 only if all holds, 3 if anything was altered");
  verify_cmd
      ->add_option("--checkpoint", verify.checkpoint_files,
                   "a checkpoint kept earlier: prove the log only grew since (repeatable with "
                   "--export)")
      ->check(CLI::ExistingFile);
  verify_cmd->add_option("--key", verify.verifier_key,
                         "the verifier key (caseledger key public): every checkpoint must be "
                         "signed by it");
  verify_cmd
      ->add_option("--export", verify.export_file,
                   "verify this export (caseledger export) offline: no database, no server")
      ->check(CLI::ExistingFile);

  std::string export_file;
  auto* export_cmd = app.add_subcommand(
      "export",
      "write every stored event, exactly as stored, with the leaf hashes, the schema and the "
      "signed checkpoint of that size, to one tar file (for caseledger verify --export)");
  export_cmd->add_option("--to", export_file, "the file to write (replaced atomically)")
      ->required();

  EraseOptions erase;
  auto* erase_cmd = app.add_subcommand(
      "erase",
      "erase a family's personal data: record who authorised it and why, then destroy the "
      "family's key and documents (refused under a legal hold); proofs stay valid");
  erase_cmd->add_option("--family", erase.family, "the family id")->required();
  erase_cmd->add_option("--reason", erase.reason, "why (recorded in the familyErased event)")
      ->required();
  erase_cmd->add_option("--authorised-by", erase.authorised_by, "who authorised it (an id)")
      ->required();

  ExportFamilyOptions export_family;
  auto* export_family_cmd = app.add_subcommand(
      "export-family",
      "subject access: the complete record of one family, in order, readable (html or json), "
      "third parties' entries marked for review before disclosure");
  add_read(export_family_cmd, export_family.read);
  export_family_cmd->add_option("--format", export_family.format, "html or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"html", "json"}));
  export_family_cmd->add_option("--to", export_family.to,
                                "write to this new file, mode 0600 (default: stdout)");

  std::string backup_dir;
  auto* backup_cmd = app.add_subcommand(
      "backup", "back up the ledger with RocksDB's BackupEngine (incremental; safe while serving)");
  backup_cmd->add_option("--to", backup_dir, "the backup folder")->required();
  auto* restore_cmd = app.add_subcommand(
      "restore", "restore the latest backup into --data (which must not hold a ledger)");
  restore_cmd->add_option("--from", backup_dir, "the backup folder")
      ->required()
      ->check(CLI::ExistingDirectory);

  auto* checkpoint_cmd =
      app.add_subcommand("checkpoint", "print the current checkpoint, signed (C2SP signed note)");
  auto* key_cmd = app.add_subcommand("key", "the checkpoint signing key");
  key_cmd->require_subcommand(1);
  auto* key_public = key_cmd->add_subcommand(
      "public", "print the verifier key (name+keyhash+base64, C2SP signed-note)");

  ReportOptions report;
  auto* report_cmd = app.add_subcommand(
      "report", "cross-family reports: inbox (triage), overdue, counts (no personal data)");
  report_cmd->add_option("WHICH", report.which, "inbox, overdue or counts")
      ->required()
      ->check(CLI::IsMember({"inbox", "overdue", "counts"}));
  query_option(report_cmd, report.query, "on",
               "evaluate timescales as on this day (YYYY-MM-DD; default today)");
  query_option(report_cmd, report.query, "from",
               "counts: also compliance over the period from this day (YYYY-MM-DD), with --to: "
               "every interval due in it, met, met late, breached, stopped, with the list");
  query_option(report_cmd, report.query, "to", "the period's last day, inclusive, with --from");
  report_cmd->footer(
      "Examples:\n  caseledger report inbox\n  caseledger report overdue --on 2026-11-01\n"
      "  caseledger report counts --from 2026-07-01 --to 2026-09-30   # last quarter");

  GenOptions gen;
  auto* gen_cmd = app.add_subcommand(
      "gen", "print synthetic, valid case histories as import lines (deterministic per seed)");
  gen_cmd->add_option("--families", gen.families, "how many families")->capture_default_str();
  gen_cmd->add_option("--seed", gen.seed, "the seed")->capture_default_str();
  gen_cmd->add_flag("--fixture", gen.fixture,
                    "add recordedAt to each line, for import --fixture into a new ledger");

  auto* replay_cmd = app.add_subcommand(
      "replay", "rebuild every saved projection from the first event and report the rate");

  auto* prove_cmd = app.add_subcommand("prove", "print a Merkle proof as JSON");
  prove_cmd->require_subcommand(1);
  uint64_t seq = 0, size = 0, from = 0, to = 0;
  auto* inclusion_cmd = prove_cmd->add_subcommand("inclusion", "that event seq N is in the log");
  inclusion_cmd->add_option("--seq", seq, "the event's seq")->required();
  inclusion_cmd->add_option("--size", size, "the tree size (default: the current size)");
  auto* consistency_cmd =
      prove_cmd->add_subcommand("consistency", "that the log of size M is a prefix of size N");
  consistency_cmd->add_option("--from", from, "the older size M")->required();
  consistency_cmd->add_option("--to", to, "the newer size N (default: the current size)");

  RetentionOptions retention;
  auto* retention_cmd = app.add_subcommand(
      "retention", "retention rules per record class, and the families due for erasure");
  retention_cmd->require_subcommand(1);
  auto* retention_due = retention_cmd->add_subcommand(
      "due", "list the families whose retention has ended and that carry no legal hold");
  retention_due->add_option("--on", retention.on, "as on this day (YYYY-MM-DD; default today)");
  retention_due->add_option("--format", retention.format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  retention_due->add_flag("--all", retention.all, "every family with its status");
  auto* retention_rules =
      retention_cmd->add_subcommand("rules", "print the rules in force, as a rules file");
  for (auto* cmd : {retention_due, retention_rules}) {
    cmd->add_option("--rules", retention.rules_file,
                    "the rules file (CLASS RULE N lines; default: every class "
                    "youngest-child-age 25)");
  }

  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  try {
    if (*serve_cmd) return Serve(common, serve);
    if (*token_cmd) {
      token.action = *token_create ? "create" : *token_revoke ? "revoke" : "list";
      (void)token_list;
      return Token(common, token);
    }
    if (*import_cmd) return Import(common, import_file, import_fixture);
    if (*state_cmd) return State(common, state);
    if (*chronology_cmd) return Chronology(common, chronology);
    if (*timescales_cmd) return Timescales(common, timescales);
    if (*pack_cmd) return StepUpPack(common, pack);
    if (*export_family_cmd) return ExportFamily(common, export_family);
    if (*history_cmd) {
      if (history.family.empty() && history.stream.empty()) {
        std::cerr << "history: give --family ID or --stream NAME\n";
        return 2;
      }
      return History(common, history);
    }
    if (*verify_cmd) {
      return verify.export_file.empty() ? Verify(common, verify) : VerifyExport(verify);
    }
    if (*export_cmd) return Export(common, export_file);
    if (*backup_cmd) return Backup(common, backup_dir);
    if (*erase_cmd) return Erase(common, erase);
    if (*restore_cmd) return Restore(common, backup_dir);
    if (*checkpoint_cmd) return PrintCheckpoint(common);
    if (*key_public) return PrintPublicKey(common);
    if (*replay_cmd) return Replay(common);
    if (*gen_cmd) return Gen(gen);
    if (*report_cmd) return Report(common, report);
    if (*inclusion_cmd) return ProveInclusion(common, seq, size);
    if (*consistency_cmd) return ProveConsistency(common, from, to);
    if (*retention_cmd) {
      retention.action = *retention_due ? "due" : "rules";
      return Retention(common, retention);
    }
  } catch (const std::exception& e) {
    spdlog::critical("caseledger failed: {}", e.what());
    return 1;
  }
  return 2;
}
