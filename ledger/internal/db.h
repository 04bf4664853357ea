// Db: the RocksDB database with caseledger's column families (layout in keys.h).
//
// Owns the database and its column family handles; closes the handles before the database
// (Debian's RocksDB asserts on the order). Thread-safety: as rocksdb::DB, safe from any
// thread; every iterator it returns must be destroyed before the Db.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <string>
#include <vector>

#include "ledger/status.h"

namespace caseledger::ledger::internal {

enum class Cf { kDefault, kEvents, kStreams, kEventIds, kMerkle, kProjections, kBlobs, kMeta };

// How the database is opened.
struct DbOpenOptions {
  enum class Mode {
    kWrite,     // creates the database if missing; takes the write lock
    kReadOnly,  // a fixed view as of the open, without the lock (tools that only read)
    // A RocksDB secondary instance of a database another process may be writing: reads only,
    // and TryCatchUpWithPrimary follows the primary. Its info logs go to secondary_dir.
    kSecondary,
  };
  Mode mode = Mode::kWrite;
  std::string secondary_dir;
  // The file system to read through (not owned); null for the default. A backup's
  // BackupInfo::env_for_open reads a backup in place.
  rocksdb::Env* env = nullptr;
};

class Db {
 public:
  // Opens the database in `dir`. kNotFound when a read-only or secondary open finds no
  // database there; kUnavailable when another process holds the write lock.
  static Result<std::unique_ptr<Db>> Open(const std::string& dir, const DbOpenOptions& how = {});
  ~Db();

  rocksdb::DB* raw() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf which) { return handles_[static_cast<size_t>(which)]; }

  // Reads one value. Ok with *found=false when the key is absent; kDataLoss/kUnavailable on
  // a RocksDB error.
  Status Get(Cf which, std::string_view key, std::string* value, bool* found);
  // Writes the batch; sync=true returns only once it is on stable storage.
  Status Write(rocksdb::WriteBatch* batch, bool sync);
  std::unique_ptr<rocksdb::Iterator> NewIterator(Cf which);

  static Status FromRocks(const rocksdb::Status& s, std::string_view what);

 private:
  Db() = default;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace caseledger::ledger::internal
