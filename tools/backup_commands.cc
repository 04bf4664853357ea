// caseledger backup / restore: RocksDB's BackupEngine through ledger/backup.h. Results as
// "name: value" lines on stdout; progress on stderr.
#include <filesystem>
#include <iostream>

#include "ledger/backup.h"
#include "ledger/time_format.h"
#include "tools/commands.h"
#include "tools/common.h"

namespace caseledger::tools {
namespace {

ledger::BackupProgress Progress(const std::string& command) {
  ledger::BackupProgress progress;
  progress.note = [command](const std::string& line) {
    std::cerr << command << ": " << line << "\n";
  };
  progress.verified = [command](uint64_t done, uint64_t total) {
    std::cerr << command << ": verified " << done << " / " << total << " events\r" << std::flush;
    if (done == total) std::cerr << "\n";
  };
  return progress;
}

// What a backup leaves out, said where the user looks: a restored ledger needs them back.
void SayWhatIsNotInTheBackup(const Common& common) {
  std::cout << "not in the backup: the master key " << common.MasterKeyFile()
            << ", the signing key " << common.KeyFile() << " and the tokens file "
            << common.TokensFile()
            << "; keep copies of them separately (the keys are secrets; without the master key "
               "no personal data can be read)\n";
}

}  // namespace

int Backup(const Common& common, const std::string& dir) {
  auto report = ledger::BackupLedger(common.data_dir, dir, Progress("backup"));
  if (!report.ok()) return Fail(report.status());
  std::cout << "backup: " << report->backup_id << "\n"
            << "folder: " << dir << "\n"
            << "events: " << report->checkpoint.size << "\n"
            << "root: " << ledger::ToHex(report->checkpoint.root) << "\n"
            << "bytes: " << report->size_bytes << " in " << report->files << " files; "
            << report->copied_bytes << " copied by this backup, "
            << report->size_bytes - report->copied_bytes << " shared with earlier ones\n"
            << "checked: the copied files against their checksums; every event of the copy "
               "re-hashed, its tree and indexes, consistent with the ledger's checkpoint of size "
            << report->at_start.size << " when the backup began\n";
  if (report->through_replica) {
    std::cout << "taken: beside the process serving " << common.data_dir
              << ", through a replica (attempt " << report->attempts << ")\n";
  }
  SayWhatIsNotInTheBackup(common);
  return 0;
}

int Restore(const Common& common, const std::string& dir) {
  auto report = ledger::RestoreLatest(dir, common.data_dir, Progress("restore"));
  if (!report.ok()) return Fail(report.status());
  std::cerr << "restore: backup " << report->backup_id << " restored into " << common.data_dir
            << "; verifying every event\n";
  // The ledger now in --data, opened as any command opens it, and verified in full against
  // the checkpoint the backup began at.
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = opened->store;
  Status verified = store->Verify(report->at_start, Progress("restore").verified);
  if (verified.ok() && store->CurrentCheckpoint().root != report->checkpoint.root) {
    verified = Status::DataLoss("the ledger in " + common.data_dir +
                                " is not the one restored from the backup");
  }
  if (!verified.ok()) {
    std::cout << "FAILED: " << verified.message() << "\n";
    return Fail(verified);
  }
  const ledger::Checkpoint now = store->CurrentCheckpoint();
  std::cout << "restored: backup " << report->backup_id << " of "
            << ledger::FormatRfc3339(report->backup_time * 1'000'000) << " from " << dir << "\n"
            << "folder: " << common.data_dir << "\n"
            << "events: " << now.size << "\n"
            << "root: " << ledger::ToHex(now.root) << "\n"
            << "verified: every event re-hashed, the tree and the indexes; the log holds the "
               "checkpoint of size "
            << report->at_start.size << " the ledger had when the backup began\n";
  SayWhatIsNotInTheBackup(common);
  if (!std::filesystem::exists(common.KeyFile())) {
    std::cout << "to do: copy the ledger's signing key to " << common.KeyFile()
              << " (mode 0600) before serving or importing; otherwise a NEW key is made and "
                 "checkpoints signed by it do not verify with the old verifier key\n";
  }
  if (!std::filesystem::exists(common.MasterKeyFile())) {
    std::cout << "to do: copy the ledger's master key to " << common.MasterKeyFile()
              << " (mode 0600): without it no personal field can be read, and nothing can be "
                 "appended\n";
  }
  if (!std::filesystem::exists(common.TokensFile())) {
    std::cout << "to do: copy the tokens file to " << common.TokensFile()
              << ", or issue new tokens (caseledger token create)\n";
  }
  return 0;
}

}  // namespace caseledger::tools
