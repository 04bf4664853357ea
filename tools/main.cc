// caseledger: the command line. Parses, then hands over to tools/commands.cc.
//
// Each Add* function below adds one group of subcommands with their options, in the order
// `caseledger --help` lists them, and says for each what runs it; main() parses and runs the
// one given.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "api/queries.h"
#include "api/server.h"
#include "tools/cli_usage.h"
#include "tools/commands.h"

#ifndef CASELEDGER_FIXTURES_DIR
#define CASELEDGER_FIXTURES_DIR "fixtures"
#endif

namespace {

using namespace caseledger::tools;
namespace api = caseledger::api;

// A subcommand, and what runs it when it is the one given. Its options live in `run`'s
// closure (parsing writes them there), so they outlive the parse.
struct Command {
  const CLI::App* cmd;
  std::function<int(const Common&)> run;
};
using Commands = std::vector<Command>;

// The options every subcommand takes (also after the subcommand: the app falls through).
void AddCommonOptions(CLI::App& app, Common& common, std::string& log_level) {
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
}

// The options of the queries the API takes too: each puts its value, unchecked, in `query`
// under the API's name (--as-of-seq -> asOfSeq), for the parsers the API uses
// (api/queries.h), whose refusals name the option.
CLI::Option* QueryOption(CLI::App* cmd, api::QueryValues& query, const std::string& param,
                         const std::string& help) {
  return cmd->add_option_function<std::string>(
      api::ParamName(param, api::Naming::kCli),
      [&query, param](const std::string& value) { query.emplace(param, value); }, help);
}

// True or false; the option alone is true (--significant = --significant=true).
void QueryFlag(CLI::App* cmd, api::QueryValues& query, const std::string& param,
               const std::string& help) {
  QueryOption(cmd, query, param, help)->expected(0, 1)->default_str("true");
}

// The family reads, each "as of" a recorded time or seq.
void AddRead(CLI::App* cmd, ReadOptions& read) {
  cmd->add_option("--family", read.family, "the family id")->required();
  QueryOption(cmd, read.query, "asOf", "as the record stood at this recorded time (RFC 3339)");
  QueryOption(cmd, read.query, "asOfSeq", "as the record stood at this seq (not with --as-of)");
}

// serve
void AddServe(CLI::App& app, Commands& out) {
  auto serve = std::make_shared<ServeOptions>();
  serve->fixtures_dir = CASELEDGER_FIXTURES_DIR;
  auto* cmd = app.add_subcommand("serve", "serve the HTTP API");
  cmd->add_option("--listen", serve->listen, "host:port to listen on")->capture_default_str();
  cmd->add_flag("--demo", serve->demo, "load the demo fixtures into an empty ledger");
  cmd->add_option("--fixtures", serve->fixtures_dir, "where the demo fixtures are")
      ->capture_default_str();
  cmd->add_option("--demo-families", serve->demo_families,
                  "synthetic families (caseledger gen) added to the demo")
      ->capture_default_str();
  cmd->add_option("--tls-cert", serve->tls_cert, "PEM certificate: serve HTTPS only");
  cmd->add_option("--tls-key", serve->tls_key, "PEM private key of --tls-cert");
  cmd->add_option("--max-body", serve->max_body_bytes, "the largest request body, bytes")
      ->capture_default_str();
  cmd->add_option("--request-deadline", serve->request_deadline_seconds,
                  "seconds from a request's first byte until its line, headers and body must "
                  "have arrived; later: 408 and the connection is closed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--marking", serve->marking,
                  "the protective marking the web pages print at the top of every printed page "
                  "(1-60 characters: letters, digits, spaces and - / ( ) :), e.g. \"OFFICIAL\"")
      ->check(CLI::Validator(
          [](std::string& marking) {
            return api::IsValidMarking(marking)
                       ? std::string()
                       : "a marking is 1-60 characters: letters, digits, spaces and - / ( ) :";
          },
          "MARKING"))
      ->capture_default_str();
  cmd->add_option("--purpose-required", serve->purpose_required,
                  "roles whose every read of a family must say why (purpose=; the pages ask, "
                  "from a short list or in free text), e.g. --purpose-required auditor,coordinator")
      ->delimiter(',')
      ->check(CLI::Validator(
          [](std::string& role) {
            return api::ParseRole(role).ok()
                       ? std::string()
                       : "a role is practitioner, helpdesk, triage-manager, coordinator, auditor, "
                         "dashboard or admin";
          },
          "ROLE"));
  cmd->add_option("--replica-of", serve->replica_of,
                  "serve reads only, from a RocksDB secondary instance following the primary "
                  "ledger in this folder (--data then holds the replica's own files)")
      ->excludes("--demo");
  out.push_back({cmd, [serve](const Common& common) { return Serve(common, *serve); }});
}

// token create | revoke | list
void AddToken(CLI::App& app, Commands& out) {
  auto token = std::make_shared<TokenOptions>();
  auto* cmd = app.add_subcommand("token", "issue, revoke and list bearer tokens");
  cmd->require_subcommand(1);
  auto* create = cmd->add_subcommand(
      "create", "print a new token (only its hash is kept; it cannot be shown again)");
  create
      ->add_option("--role", token->role,
                   "practitioner, helpdesk, triage-manager, coordinator, auditor, "
                   "dashboard or admin")
      ->required();
  create
      ->add_option("--actor", token->actor,
                   "who it speaks for (a practitioner's id for role practitioner)")
      ->required();
  create->add_option("--expires-days", token->expires_days, "valid for N days (0: never)")
      ->capture_default_str();
  auto* revoke = cmd->add_subcommand("revoke", "revoke a token by its id");
  revoke->add_option("--id", token->id, "the token id (16 hex digits)")->required();
  cmd->add_subcommand("list", "list the valid tokens (no secrets)");
  out.push_back({cmd, [token, create, revoke](const Common& common) {
                   token->action = *create ? "create" : *revoke ? "revoke" : "list";
                   return Token(common, *token);
                 }});
}

// import
void AddImport(CLI::App& app, Commands& out) {
  struct ImportOptions {
    std::string file;
    bool fixture = false;
  };
  auto options = std::make_shared<ImportOptions>();
  auto* cmd = app.add_subcommand(
      "import",
      "append JSON lines {stream, expectedVersion, actor, events}; stops at the first "
      "refused line");
  cmd->add_option("FILE", options->file, "the file of JSON lines, or - for stdin")->required();
  cmd->add_flag("--fixture", options->fixture,
                "synthetic data: honour each line's recordedAt and expectRefusal");
  out.push_back({cmd, [options](const Common& common) {
                   return Import(common, options->file, options->fixture);
                 }});
}

// chronology: a family read with the API's filters.
void AddChronology(CLI::App& app, Commands& out) {
  auto chronology = std::make_shared<ReadOptions>();
  auto* cmd = app.add_subcommand("chronology",
                                 "print a family's chronology, ordered by when things happened");
  AddRead(cmd, *chronology);
  api::QueryValues& query = chronology->query;
  QueryOption(cmd, query, "format", "json (default), csv or html");
  QueryOption(cmd, query, "episode", "only this episode's entries (and the family's own)");
  QueryOption(cmd, query, "from", "from this day (YYYY-MM-DD)");
  QueryOption(cmd, query, "to", "to this day (YYYY-MM-DD), inclusive");
  cmd->add_option_function<std::vector<std::string>>(
      "--category",
      [&query](const std::vector<std::string>& given) {
        std::string joined;
        for (const auto& c : given) joined += (joined.empty() ? "" : ",") + c;
        query.emplace("category", joined);
      },
      "only entries of these categories (comma-separated, repeatable): " +
          api::ChronologyCategoryList());
  QueryFlag(cmd, query, "significant", "only significant entries (default false)");
  QueryFlag(cmd, query, "computed",
            "true (default) or false: with the computed entries (missed timescales, "
            "unfinished states)");
  QueryOption(cmd, query, "on",
              "judge the computed entries as on this day (YYYY-MM-DD; default: the as-of "
              "day, or today)");
  out.push_back(
      {cmd, [chronology](const Common& common) { return Chronology(common, *chronology); }});
}

// state, chronology, step-up-pack, timescales: a family's record as of a moment.
void AddFamilyReads(CLI::App& app, Commands& out) {
  auto state = std::make_shared<ReadOptions>();
  auto* state_cmd = app.add_subcommand("state", "print a family's current state as JSON");
  AddRead(state_cmd, *state);
  out.push_back({state_cmd, [state](const Common& common) { return State(common, *state); }});

  AddChronology(app, out);

  auto pack = std::make_shared<ReadOptions>();
  auto* pack_cmd = app.add_subcommand(
      "step-up-pack",
      "print a family's step-up pack: consent, keyworker, TAF, open and overdue actions, "
      "concerns with directions, every timescale missed, the significant chronology");
  AddRead(pack_cmd, *pack);
  QueryOption(pack_cmd, pack->query, "on",
              "judge timescales as on this day (YYYY-MM-DD; default: the as-of day, or today)");
  pack_cmd->footer(
      "Examples:\n  caseledger step-up-pack --family F1\n"
      "  caseledger step-up-pack --family F1 --as-of 2026-03-03T10:00:00Z   # what the "
      "manager saw then");
  out.push_back({pack_cmd, [pack](const Common& common) { return StepUpPack(common, *pack); }});

  auto timescales = std::make_shared<ReadOptions>();
  auto* timescales_cmd =
      app.add_subcommand("timescales", "print the timescales of a family's episodes");
  AddRead(timescales_cmd, *timescales);
  QueryOption(timescales_cmd, timescales->query, "on",
              "evaluate as on this day (YYYY-MM-DD; default today, London)");
  out.push_back({timescales_cmd,
                 [timescales](const Common& common) { return Timescales(common, *timescales); }});
}

// history: any stream's events as recorded.
void AddHistory(CLI::App& app, Commands& out) {
  auto history = std::make_shared<HistoryOptions>();
  auto* cmd = app.add_subcommand("history", "print a stream's events as JSON lines");
  auto* family_opt = cmd->add_option("--family", history->family, "the family id");
  auto* stream_opt =
      cmd->add_option("--stream", history->stream, "any stream, e.g. practitioner/P1");
  family_opt->excludes(stream_opt);
  cmd->add_option("--as-of", history->as_of,
                  "as the record stood at this recorded time (RFC 3339)");
  cmd->add_flag("--raw", history->raw, "add the stored bytes (base64)");
  out.push_back({cmd, [history](const Common& common) {
                   if (history->family.empty() && history->stream.empty()) {
                     std::cerr << "history: give --family ID or --stream NAME\n";
                     return 2;
                   }
                   return History(common, *history);
                 }});
}

// verify, export: the whole log's integrity, here or offline.
void AddIntegrity(CLI::App& app, Commands& out) {
  auto verify = std::make_shared<VerifyOptions>();
  auto* verify_cmd = app.add_subcommand(
      "verify",
      "re-hash every event and check the tree, of the ledger in --data or, with --export, of an "
      "exported file alone; exit 0 only if all holds, 3 if anything was altered");
  verify_cmd
      ->add_option("--checkpoint", verify->checkpoint_files,
                   "a checkpoint kept earlier: prove the log only grew since (repeatable with "
                   "--export)")
      ->check(CLI::ExistingFile);
  verify_cmd->add_option("--key", verify->verifier_key,
                         "the verifier key (caseledger key public), or a file holding it: every "
                         "checkpoint must be signed by it");
  verify_cmd
      ->add_option("--export", verify->export_file,
                   "verify this export (caseledger export) offline: no database, no server")
      ->check(CLI::ExistingFile);
  out.push_back({verify_cmd, [verify](const Common& common) {
                   return verify->export_file.empty() ? Verify(common, *verify)
                                                      : VerifyExport(*verify);
                 }});

  auto export_file = std::make_shared<std::string>();
  auto* export_cmd = app.add_subcommand(
      "export",
      "write every stored event, exactly as stored, with the leaf hashes, the schema and the "
      "signed checkpoint of that size, to one tar file (for caseledger verify --export)");
  export_cmd->add_option("--to", *export_file, "the file to write (replaced atomically)")
      ->required();
  out.push_back(
      {export_cmd, [export_file](const Common& common) { return Export(common, *export_file); }});
}

// erase, export-family: a family's rights over its data.
void AddDataProtection(CLI::App& app, Commands& out) {
  auto erase = std::make_shared<EraseOptions>();
  auto* erase_cmd = app.add_subcommand(
      "erase",
      "erase a family's personal data: record who authorised it and why, then destroy the "
      "family's key and documents (refused under a legal hold); proofs stay valid");
  erase_cmd->add_option("--family", erase->family, "the family id")->required();
  erase_cmd->add_option("--reason", erase->reason, "why (recorded in the familyErased event)")
      ->required();
  erase_cmd->add_option("--authorised-by", erase->authorised_by, "who authorised it (an id)")
      ->required();
  out.push_back({erase_cmd, [erase](const Common& common) { return Erase(common, *erase); }});

  auto export_family = std::make_shared<ExportFamilyOptions>();
  auto* export_family_cmd = app.add_subcommand(
      "export-family",
      "subject access: the complete record of one family, in order, readable (html or json), "
      "third parties' entries marked for review before disclosure");
  AddRead(export_family_cmd, export_family->read);
  export_family_cmd->add_option("--format", export_family->format, "html or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"html", "json"}));
  export_family_cmd->add_option("--to", export_family->to,
                                "write to this new file, mode 0600 (default: stdout)");
  out.push_back({export_family_cmd, [export_family](const Common& common) {
                   return ExportFamily(common, *export_family);
                 }});
}

// backup, restore
void AddBackups(CLI::App& app, Commands& out) {
  auto backup_dir = std::make_shared<std::string>();
  auto* backup_cmd = app.add_subcommand(
      "backup", "back up the ledger with RocksDB's BackupEngine (incremental; safe while serving)");
  backup_cmd->add_option("--to", *backup_dir, "the backup folder")->required();
  out.push_back(
      {backup_cmd, [backup_dir](const Common& common) { return Backup(common, *backup_dir); }});
  auto* restore_cmd = app.add_subcommand(
      "restore", "restore the latest backup into --data (which must not hold a ledger)");
  restore_cmd->add_option("--from", *backup_dir, "the backup folder")
      ->required()
      ->check(CLI::ExistingDirectory);
  out.push_back(
      {restore_cmd, [backup_dir](const Common& common) { return Restore(common, *backup_dir); }});
}

// checkpoint, key public: the signed head and the key that checks it.
void AddCheckpoints(CLI::App& app, Commands& out) {
  auto* checkpoint_cmd =
      app.add_subcommand("checkpoint", "print the current checkpoint, signed (C2SP signed note)");
  out.push_back({checkpoint_cmd, PrintCheckpoint});
  auto* key_cmd = app.add_subcommand("key", "the checkpoint signing key and the master key");
  key_cmd->require_subcommand(1);
  auto* key_public = key_cmd->add_subcommand(
      "public", "print the verifier key (name+keyhash+base64, C2SP signed-note)");
  out.push_back({key_public, PrintPublicKey});
  auto* key_generate = key_cmd->add_subcommand(
      "generate",
      "make the master key and the checkpoint signing key (mode 0600) where --master-key and "
      "--signing-key say, apart from the data folder; refused if either exists");
  out.push_back({key_generate, GenerateKeys});
}

// report inbox | overdue | counts
void AddReport(CLI::App& app, Commands& out) {
  auto report = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand(
      "report", "cross-family reports: inbox (triage), overdue, counts (no personal data)");
  cmd->add_option("WHICH", report->which, "inbox, overdue or counts")
      ->required()
      ->check(CLI::IsMember({"inbox", "overdue", "counts"}));
  QueryOption(cmd, report->query, "on",
              "evaluate timescales as on this day (YYYY-MM-DD; default today)");
  QueryOption(cmd, report->query, "from",
              "counts: also compliance over the period from this day (YYYY-MM-DD), with --to: "
              "every interval due in it, met, met late, breached, stopped, with the list");
  QueryOption(cmd, report->query, "to", "the period's last day, inclusive, with --from");
  cmd->footer(
      "Examples:\n  caseledger report inbox\n  caseledger report overdue --on 2026-11-01\n"
      "  caseledger report counts --from 2026-07-01 --to 2026-09-30   # last quarter");
  out.push_back({cmd, [report](const Common& common) { return Report(common, *report); }});
}

// gen, replay: synthetic histories to load, and the rebuild of the projections to time.
void AddLoadTools(CLI::App& app, Commands& out) {
  auto gen = std::make_shared<GenOptions>();
  auto* gen_cmd = app.add_subcommand(
      "gen", "print synthetic, valid case histories as import lines (deterministic per seed)");
  gen_cmd->add_option("--families", gen->families, "how many families")->capture_default_str();
  gen_cmd->add_option("--seed", gen->seed, "the seed")->capture_default_str();
  gen_cmd->add_flag("--fixture", gen->fixture,
                    "add recordedAt to each line, for import --fixture into a new ledger");
  out.push_back({gen_cmd, [gen](const Common&) { return Gen(*gen); }});

  auto* replay_cmd = app.add_subcommand(
      "replay", "rebuild every saved projection from the first event and report the rate");
  out.push_back({replay_cmd, Replay});
}

// prove inclusion | consistency
void AddProofs(CLI::App& app, Commands& out) {
  struct Sizes {
    uint64_t seq = 0, size = 0, from = 0, to = 0;
  };
  auto sizes = std::make_shared<Sizes>();
  auto* cmd = app.add_subcommand("prove", "print a Merkle proof as JSON");
  cmd->require_subcommand(1);
  auto* inclusion_cmd = cmd->add_subcommand("inclusion", "that event seq N is in the log");
  inclusion_cmd->add_option("--seq", sizes->seq, "the event's seq")->required();
  inclusion_cmd->add_option("--size", sizes->size, "the tree size (default: the current size)");
  out.push_back({inclusion_cmd, [sizes](const Common& common) {
                   return ProveInclusion(common, sizes->seq, sizes->size);
                 }});
  auto* consistency_cmd =
      cmd->add_subcommand("consistency", "that the log of size M is a prefix of size N");
  consistency_cmd->add_option("--from", sizes->from, "the older size M")->required();
  consistency_cmd->add_option("--to", sizes->to, "the newer size N (default: the current size)");
  out.push_back({consistency_cmd, [sizes](const Common& common) {
                   return ProveConsistency(common, sizes->from, sizes->to);
                 }});
}

// witness init | serve
void AddWitness(CLI::App& app, Commands& out) {
  auto witness = std::make_shared<WitnessOptions>();
  auto* cmd = app.add_subcommand(
      "witness",
      "a witness (C2SP tlog-witness): cosigns a log's checkpoints only if each is "
      "consistent with the last it cosigned");
  cmd->require_subcommand(1);
  auto* init = cmd->add_subcommand("init", "make the witness's folder and its key (mode 0600)");
  init->add_option("--name", witness->name,
                   "the witness's name, e.g. witness.example-council.gov.uk/w1")
      ->required();
  auto* serve = cmd->add_subcommand(
      "serve", "serve POST /add-checkpoint and GET /checkpoint for the logs given");
  serve->add_option("--listen", witness->listen, "host:port")->capture_default_str();
  serve
      ->add_option("--log", witness->logs,
                   "a log to witness: ORIGIN=VKEY, or VKEY whose name is the origin "
                   "(caseledger key public); repeatable")
      ->required();
  for (auto* sub : {init, serve}) {
    sub->add_option("--dir", witness->dir, "the witness's folder (its key and state)")
        ->capture_default_str();
  }
  out.push_back({init, [witness](const Common&) { return WitnessInit(*witness); }});
  out.push_back({serve, [witness](const Common&) { return WitnessServe(*witness); }});
}

// retention due | rules
void AddRetention(CLI::App& app, Commands& out) {
  auto retention = std::make_shared<RetentionOptions>();
  auto* cmd = app.add_subcommand(
      "retention", "retention rules per record class, and the families due for erasure");
  cmd->require_subcommand(1);
  auto* due = cmd->add_subcommand(
      "due", "list the families whose retention has ended and that carry no legal hold");
  due->add_option("--on", retention->on, "as on this day (YYYY-MM-DD; default today)");
  due->add_option("--format", retention->format, "text or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  due->add_flag("--all", retention->all, "every family with its status");
  auto* rules = cmd->add_subcommand("rules", "print the rules in force, as a rules file");
  for (auto* sub : {due, rules}) {
    sub->add_option("--rules", retention->rules_file,
                    "the rules file (CLASS RULE N lines; default: every class "
                    "youngest-child-age 25)");
  }
  out.push_back({cmd, [retention, due](const Common& common) {
                   retention->action = *due ? "due" : "rules";
                   return Retention(common, *retention);
                 }});
}

}  // namespace

int main(int argc, char** argv) {
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
  AddCommonOptions(app, common, log_level);
  Commands commands;
  for (auto add :
       {AddServe, AddToken, AddImport, AddFamilyReads, AddHistory, AddIntegrity, AddDataProtection,
        AddBackups, AddCheckpoints, AddReport, AddLoadTools, AddProofs, AddRetention, AddWitness}) {
    add(app, commands);
  }

  AddExamples(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return UsageError(app, e, argc, argv);
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  try {
    for (const Command& c : commands) {
      if (*c.cmd) return c.run(common);
    }
  } catch (const std::exception& e) {
    spdlog::critical("caseledger failed: {}", e.what());
    return 1;
  }
  return 2;
}
