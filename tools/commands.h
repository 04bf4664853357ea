// The subcommands of `caseledger` (EVENTS.md, "Command line"). Each takes its parsed options,
// calls the library, prints, and returns the process exit code:
//   0 done; 1 refused or failed (the reason on stderr); 3 the data is damaged (verify).
// Results go to stdout, logs and progress to stderr.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "api/queries.h"

namespace caseledger::tools {

struct Common {
  std::string data_dir = "./var/caseledger";
  std::string calendar_file;    // the working-day calendar (bank holidays)
  std::string tokens_file;      // the hashed tokens; empty: <data>/tokens
  std::string key_file;         // the checkpoint signing key; empty: <data>/checkpoint.key
  std::string master_key_file;  // the master key of family keys; empty: <data>/master.key
  // The bound of the cache of hot family read models (projections/family_cache.h), MiB.
  uint64_t cache_mib = 64;
  // Each secret's file: the flag's, else systemd's credential of that name when there is one
  // ($CREDENTIALS_DIRECTORY/checkpoint.key, master.key, tokens: tools/caseledger.service), else
  // the data folder's (a demo's default: OPERATIONS.md says why not in production).
  std::string KeyFile() const { return Secret(key_file, "checkpoint.key"); }
  std::string MasterKeyFile() const { return Secret(master_key_file, "master.key"); }
  std::string TokensFile() const { return Secret(tokens_file, "tokens"); }
  std::string Secret(const std::string& flag, const std::string& name) const;
};

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  bool demo = false;
  std::string fixtures_dir;
  uint64_t demo_families = 60;    // synthetic families (caseledger gen) added to the demo
  std::string tls_cert, tls_key;  // both, for HTTPS
  uint64_t max_body_bytes = 16u << 20;
  int request_deadline_seconds = 30;  // a request must arrive whole within this of its first byte
  std::string replica_of;  // a primary's data folder: serve reads from a secondary instance
  std::string marking = "OFFICIAL-SENSITIVE";  // printed at the top of every page the pages print
  std::vector<std::string> purpose_required;   // roles whose family reads must say why
};
// Serves until SIGINT/SIGTERM. With --demo: loads the demo into an empty ledger, issues a
// token per role and prints them with curl lines to try (also to <data>/demo-tokens.env).
int Serve(const Common& common, const ServeOptions& options);

// caseledger witness init --dir DIR --name NAME | serve --dir DIR --listen ADDR --log ORIGIN=VKEY
struct WitnessOptions {
  std::string dir = "./var/witness";
  std::string name;
  std::string listen = "127.0.0.1:8090";
  std::vector<std::string> logs;  // ORIGIN=VKEY, or VKEY whose name is the origin
};
int WitnessInit(const WitnessOptions& options);
int WitnessServe(const WitnessOptions& options);

// caseledger token create --role ROLE --actor ID [--expires-days N] | revoke --id ID | list
struct TokenOptions {
  std::string action;  // create, revoke, list
  std::string role, actor, id;
  uint64_t expires_days = 90;  // 0: never
};
int Token(const Common& common, const TokenOptions& options);

// `fixture`: the lines may carry "recordedAt" (the clock is set to it) and "expectRefusal"
// (ledger/fixture_loader.h); for synthetic data only.
int Import(const Common& common, const std::string& file, bool fixture);

// The family reads. `query` holds the options given, under the API's parameter names, and
// is parsed by the API's parsers (api/queries.h), whose refusals name the option: asOf and
// asOfSeq (--as-of, --as-of-seq) for every read, and each read's own.
struct ReadOptions {
  std::string family;
  api::QueryValues query;
};
int State(const Common& common, const ReadOptions& options);
// The chronology: the query of api::ParseChronologyQuery (--episode, --from, --to,
// --category, --significant, --computed, --on, --format), as GET .../chronology takes it.
int Chronology(const Common& common, const ReadOptions& options);
// Timescales as on `on` (--on; default today in Europe/London).
int Timescales(const Common& common, const ReadOptions& options);
// The step-up pack of a family (projections/step_up_pack.h), as of --as-of, judged as on --on
// (default: the as-of day, or today).
int StepUpPack(const Common& common, const ReadOptions& options);

// Subject access (docs/DATA-PROTECTION.md): the complete record of one family, every event
// in the order things happened, with who read it; third parties' entries marked for review
// before disclosure. Not logged: run by the data protection officer on the server's machine.
struct ExportFamilyOptions {
  ReadOptions read;
  std::string format = "html";  // html or json
  std::string to;               // a file; empty: stdout
};
int ExportFamily(const Common& common, const ExportFamilyOptions& options);
struct HistoryOptions {
  std::string family;
  std::string stream;
  std::string as_of;
  bool raw = false;
};
int History(const Common& common, const HistoryOptions& options);

struct VerifyOptions {
  std::vector<std::string> checkpoint_files;  // checkpoints kept earlier (signed notes)
  std::string verifier_key;                   // name+hash+base64: each must be signed by it
  std::string export_file;                    // verify this export instead of --data
};
// The ledger in --data: every event re-hashed, the stored tree, the indexes; with one
// checkpoint, that the log only grew since (tools/audit_commands.cc).
int Verify(const Common& common, const VerifyOptions& options);
// An export alone, offline (ledger/export.h): needs --key; checks every checkpoint given, or
// the one inside the export when none is.
int VerifyExport(const VerifyOptions& options);
// Writes the export (ledger/export.h) atomically and prints its signed checkpoint.
int Export(const Common& common, const std::string& file);

// Erasure (docs/DATA-PROTECTION.md): appends familyErased (who authorised it and why), then
// destroys the family's keys and documents (tools/protection_commands.cc). Refused under a
// legal hold.
struct EraseOptions {
  std::string family, reason, authorised_by;
};
int Erase(const Common& common, const EraseOptions& options);

// BackupEngine: a new backup of --data in `dir` (incremental), then verified and reported
// with its checkpoint; Restore: the latest backup of `dir` into an empty --data
// (tools/backup_commands.cc).
int Backup(const Common& common, const std::string& dir);
int Restore(const Common& common, const std::string& dir);

// The cross-family reports: "inbox" (triage inbox and child protection referrals),
// "overdue" and "counts" (timescale counts, no personal data), as on `on` (default today).
struct ReportOptions {
  std::string which;
  // on, and for counts from and to (compliance over that period too; both or neither), under
  // the API's names (api/queries.h).
  api::QueryValues query;
};
int Report(const Common& common, const ReportOptions& options);

// Retention (docs/DATA-PROTECTION.md): "due" lists the families whose retention period ended
// by `on` and that carry no legal hold (--all: every family with its status), counts on
// stderr; "rules" prints the rules in force as a rules file (tools/retention_commands.cc).
// A rules file that does not parse fails naming its line.
struct RetentionOptions {
  std::string action;           // "due" or "rules"
  std::string on;               // YYYY-MM-DD; default today in Europe/London
  std::string rules_file;       // "CLASS RULE N" lines; empty: the defaults
  std::string format = "text";  // text or json
  bool all = false;
};
int Retention(const Common& common, const RetentionOptions& options);

struct GenOptions {
  uint64_t families = 100;
  uint64_t seed = 1;
  bool fixture = false;  // add "recordedAt" to each line and sort by it (import --fixture)
};
// Prints synthetic, valid histories as import lines (tools/gen.cc).
int Gen(const GenOptions& options);
// The same lines, to `out`.
void GenerateHistories(const GenOptions& options, std::ostream& out);

// Rebuilds every saved projection from the first event, with progress, and reports the rate.
int Replay(const Common& common);

// The current checkpoint, signed with the ledger's key (C2SP tlog-checkpoint).
int PrintCheckpoint(const Common& common);
// `key public`: the verifier key, name+hash+base64 (C2SP signed-note).
int PrintPublicKey(const Common& common);
// caseledger key generate: the master key and the checkpoint signing key where --master-key and
// --signing-key (or the data folder) say, both mode 0600; refused if either exists.
int GenerateKeys(const Common& common);

int ProveInclusion(const Common& common, uint64_t seq, uint64_t size);
int ProveConsistency(const Common& common, uint64_t from, uint64_t to);

}  // namespace caseledger::tools
