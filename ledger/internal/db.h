// Db: the RocksDB database with caseledger's column families (layout in keys.h).
//
// Owns the database and its column family handles; closes the handles before the database
// (Debian's RocksDB asserts on the order). Thread-safety: as rocksdb::DB, safe from any
// thread; every iterator it returns must be destroyed before the Db.
//
// Reopening (after a failed write; see Reopen): RocksDB stops taking writes after a failed
// write to its log, and only a new open clears that. Reopen closes the database and opens it
// again in the same Db, so that the pointers others keep to the Db stay valid. Get, Write and
// NewIterator each hold the database open while they run (an iterator until it is destroyed);
// while a reopen runs they do not wait for it but fail with kUnavailable. Whoever uses raw()
// or cf() outside the thread that reopens holds a Hold (Use()) for as long as it uses them.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <atomic>
#include <chrono>
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
  // The Env to read and write through (not owned); null for the default. A backup's
  // BackupInfo::env_for_open reads a backup in place; tests inject faults with one.
  rocksdb::Env* env = nullptr;
};

// RocksDB's memory is bounded for the whole database, not per column family (eight of them):
// one block cache and one budget for the memtables, shared. Before, each column family had
// its own 64 MiB memtables (two of them) and its own block cache, and a 20-minute soak's RSS
// reached 537 MiB (docs/RELIABILITY.md).
inline constexpr size_t kBlockCacheBytes = 32u << 20;
inline constexpr size_t kWriteBufferBytes = 64u << 20;    // all memtables together
inline constexpr size_t kCfWriteBufferBytes = 16u << 20;  // one memtable of one column family

// What RocksDB holds in memory now, in bytes.
struct DbMemory {
  uint64_t memtables = 0;      // every column family's memtables, active or waiting to flush
  uint64_t block_cache = 0;    // the shared block cache's use (at most kBlockCacheBytes)
  uint64_t table_readers = 0;  // the open table files' indexes and filters
};

class Db {
 public:
  // Opens the database in `dir`. kNotFound when a read-only or secondary open finds no
  // database there; kUnavailable when another process holds the write lock, or when the
  // folder cannot be made private. Sets the process's umask to 077 (docs/DATA-PROTECTION.md,
  // file modes) and, for writing (or a secondary's own folder), makes the folder 0700 and
  // every file in it 0600.
  static Result<std::unique_ptr<Db>> Open(const std::string& dir, const DbOpenOptions& how = {});
  ~Db();

  // Keeps the database open as it is (no reopen) while alive. status() is kUnavailable when
  // it could not be held: a reopen is running, or the database could not be opened again.
  class [[nodiscard]] Hold {
   public:
    Hold(Hold&& other) noexcept : db_(other.db_), status_(std::move(other.status_)) {
      other.db_ = nullptr;
    }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    Hold& operator=(Hold&&) = delete;
    ~Hold() {
      if (db_ != nullptr) db_->Leave();
    }
    const Status& status() const { return status_; }

   private:
    friend class Db;
    Hold(const Db* db, Status status) : db_(db), status_(std::move(status)) {}
    const Db* db_;  // null when not held
    Status status_;
  };
  Hold Use() const;

  // Valid while held (Use), or on the thread that reopens.
  rocksdb::DB* raw() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf which) { return handles_[static_cast<size_t>(which)]; }

  // Reads one value. Ok with *found=false when the key is absent; kDataLoss/kUnavailable on
  // a RocksDB error.
  Status Get(Cf which, std::string_view key, std::string* value, bool* found);
  // Writes the batch; sync=true returns only once it is on stable storage. A failed write
  // marks the database as needing a reopen (NeedsReopen).
  Status Write(rocksdb::WriteBatch* batch, bool sync);
  // While a reopen runs, an iterator that is not Valid() and whose status() says so.
  std::unique_ptr<rocksdb::Iterator> NewIterator(Cf which);

  // True after a write failed (RocksDB then refuses every write until it is opened again),
  // until a Reopen succeeds.
  bool NeedsReopen() const { return needs_reopen_.load(); }
  // Writes, syncs and deletes a small file (caseledger-write-probe) in the database's folder,
  // through its Env: ok when the disk takes writes again. kUnavailable (saying when the disk
  // is full) otherwise.
  Status ProbeWrite();
  // Closes the database and opens it again for writing, which replays what reached its
  // write-ahead log: afterwards the database holds exactly what is on disk. Waits at most
  // `drain` for the calls holding the database to finish (meanwhile new ones are refused);
  // kUnavailable when they do not. When it cannot be opened for writing, it is opened
  // read-only so that reads go on, writes are refused and the error is returned; call again
  // later. Only for a database opened with Mode::kWrite; call from one thread, holding
  // nothing of it.
  Status Reopen(std::chrono::milliseconds drain);

  // Zero when the database is being reopened.
  DbMemory Memory() const;

  // Maps a RocksDB status: corruption is kDataLoss, not found kNotFound, the rest
  // kUnavailable; a full disk's message says "the disk is full" (DiskFull).
  static Status FromRocks(const rocksdb::Status& s, std::string_view what);
  // Whether `s` (from FromRocks) says the disk is full.
  static bool DiskFull(const Status& s);

 private:
  Db() = default;
  Status OpenInstance(DbOpenOptions::Mode mode);
  void CloseInstance();
  // The gate (see the file comment): the number of callers holding the database, and two
  // bits that refuse new ones.
  static constexpr uint64_t kReopening = uint64_t{1} << 62;
  static constexpr uint64_t kClosed = uint64_t{1} << 61;
  static constexpr uint64_t kHolders = kClosed - 1;
  Status Enter() const;
  void Leave() const { gate_.fetch_sub(1); }

  std::string dir_;
  DbOpenOptions how_;
  mutable std::atomic<uint64_t> gate_{0};
  std::atomic<bool> needs_reopen_{false};
  bool writable_ = true;  // false after a Reopen fell back to read-only
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace caseledger::ledger::internal
