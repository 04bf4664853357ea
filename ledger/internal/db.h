// Db: the RocksDB database with caseledger's column families (layout in keys.h).
//
// Owns the database and its column family handles; closes the handles before the database
// (Debian's RocksDB asserts on the order). Thread-safety: as rocksdb::DB, safe from any
// thread; every iterator it returns must be destroyed before the Db.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <string>
#include <vector>

#include "ledger/status.h"

namespace caseledger::ledger::internal {

enum class Cf { kDefault, kEvents, kStreams, kEventIds, kMerkle, kProjections, kBlobs, kMeta };

class Db {
 public:
  // Opens (creating if missing) the database in `dir`. read_only opens without taking the
  // write lock (for tools that only read).
  static Result<std::unique_ptr<Db>> Open(const std::string& dir, bool read_only = false);
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
