// Backups of a ledger with RocksDB's BackupEngine, and restoring the latest one.
//
// A backup folder holds any number of backups of one ledger (BackupEngine's layout: meta/,
// private/, shared_checksum/). A new backup copies only the table files the earlier ones do
// not hold already: backups are incremental. A backup holds the database only: the
// checkpoint signing key and the tokens file beside it in the data folder are not in it, so
// a backup folder copied somewhere less protected gives away no secret (keep the key and
// the tokens separately).
//
// Guarantees
// - A backup is a point-in-time copy of the log: every event up to some seq, its tree and
//   its indexes, never a part of a batch, while appends go on. A backup is reported only
//   once it is checked: BackupEngine re-reads its files against the checksums taken while
//   copying them, then the backup is opened in place as a read-only ledger and verified in
//   full (Store::Verify) against the checkpoint the source had when the backup began, which
//   the backup must hold or extend. A backup that fails the check is deleted.
// - Restore never overwrites a ledger, and a restore that fails leaves the data folder as
//   it was: the backup is restored beside, checked, then moved in, CURRENT last.
//
// Thread-safety: the functions may run at once on different backup folders; one backup
// folder takes one backup or restore at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ledger/status.h"
#include "ledger/store.h"

namespace caseledger::ledger {

// What a backup or a restore is doing, for people; either may be empty.
struct BackupProgress {
  std::function<void(const std::string& line)> note;            // a step, one line without newline
  std::function<void(uint64_t done, uint64_t total)> verified;  // events checked so far
};

struct BackupReport {
  uint32_t backup_id = 0;
  Checkpoint checkpoint;      // the log the backup holds, read back from the backup itself
  Checkpoint at_start;        // the source's when the backup began (held or extended)
  uint64_t size_bytes = 0;    // its files, those shared with earlier backups included
  uint64_t copied_bytes = 0;  // of which this backup copied; the rest were there already
  uint32_t files = 0;
  bool through_replica = false;  // copied through a secondary instance beside the primary
  int attempts = 1;              // copies tried (beside a primary, its changes may spoil one)
};

// Backs up `store` into `backup_dir` (created if missing). A writable store is copied in
// process, its memtables flushed first (RocksDB's BackupEngine copies a live database with
// its write-ahead log consistently). A replica (StoreOptions::replica_of) is caught up and
// copied beside its primary: the primary may delete or grow files during the copy, so a
// copy that fails or does not verify is retried, up to 5 times, each after a new catch-up.
// Errors: kInvalidArgument for a read_only store (its view is neither live nor following);
// kUnavailable when the folder cannot be written or no copy verified; kDataLoss when the
// source itself does not verify.
Result<BackupReport> BackupStore(Store& store, const std::string& backup_dir,
                                 const BackupProgress& progress = {});

// Backs up the ledger in `data_dir`: opened for writing when no process holds it (so none
// can start writing meanwhile), else as a replica beside the process that does (a running
// `caseledger serve`), with a temporary folder for the replica's info logs. kNotFound when
// `data_dir` holds no ledger; otherwise as BackupStore.
Result<BackupReport> BackupLedger(const std::string& data_dir, const std::string& backup_dir,
                                  const BackupProgress& progress = {});

struct RestoreReport {
  uint32_t backup_id = 0;
  int64_t backup_time = 0;  // when the backup was made, Unix seconds
  Checkpoint checkpoint;    // the restored log's
  Checkpoint at_start;      // the source's when the backup began (the restored log holds it)
  uint64_t size_bytes = 0;
};

// Restores the latest backup in `backup_dir` into `data_dir` (created if missing), which must
// hold no ledger: kInvalidArgument (field "data"), touching nothing, when it holds one or the
// files of one (CURRENT, MANIFEST-*, *.sst, *.log...). kNotFound when `backup_dir` holds no backup;
// kDataLoss when the backup's files do not match their checksums or the restored log is
// not whole. The key and tokens files of the data folder are left as they are.
Result<RestoreReport> RestoreLatest(const std::string& backup_dir, const std::string& data_dir,
                                    const BackupProgress& progress = {});

}  // namespace caseledger::ledger
