#include "ledger/internal/db.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <sys/stat.h>

#include <filesystem>
#include <thread>

namespace caseledger::ledger::internal {
namespace {

const char* const kCfNames[] = {rocksdb::kDefaultColumnFamilyName.c_str(),
                                "events",
                                "streams",
                                "event_ids",
                                "merkle",
                                "projections",
                                "blobs",
                                "meta"};

constexpr std::string_view kDiskFull = "the disk is full";

rocksdb::ColumnFamilyOptions CfOptions(const std::shared_ptr<rocksdb::Cache>& block_cache) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = kCfWriteBufferBytes;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = block_cache;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

// Makes `dir` (created if missing) and everything in it its owner's only: folders 0700, files
// 0600. A folder made by an earlier build (0755, files 0644) is tightened on its next open.
Status KeepPrivate(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return Status::Unavailable("cannot make " + dir + " private (0700): " + ec.message());
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(st)) {
      fs::permissions(it->path(), fs::perms::owner_all, ec);
    } else if (fs::is_regular_file(st)) {
      fs::permissions(it->path(), fs::perms::owner_read | fs::perms::owner_write, ec);
    }
    if (ec) break;
  }
  if (ec)
    return Status::Unavailable("cannot make the files of " + dir + " private: " + ec.message());
  return Status();
}

}  // namespace

Status Db::FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::DataLoss(msg);
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsNoSpace() || s.subcode() == rocksdb::Status::kSpaceLimit) {
    return Status::Unavailable(std::string(what) + ": " + std::string(kDiskFull) + " (" +
                               s.ToString() + ")");
  }
  return Status::Unavailable(msg);
}

bool Db::DiskFull(const Status& s) {
  return s.code() == Code::kUnavailable && s.message().find(kDiskFull) != std::string::npos;
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& dir, const DbOpenOptions& how) {
  using Mode = DbOpenOptions::Mode;
  rocksdb::Env* env = how.env != nullptr ? how.env : rocksdb::Env::Default();
  if (how.mode != Mode::kWrite && !env->FileExists(dir + "/CURRENT").ok()) {
    return Status::NotFound("there is no ledger in " + dir +
                            " (caseledger import or serve creates one; --data chooses the folder)");
  }
  // Every file the ledger writes from here on is its owner's only (0600, folders 0700):
  // RocksDB's own (through the Env and the umask), and exports, backups and saved tokens
  // (the umask, for the whole process).
  ::umask(077);
  (void)env->SetAllowNonOwnerAccess(false);  // not every Env supports it: the umask still holds
  if (how.mode == Mode::kWrite) CL_RETURN_IF_ERROR(KeepPrivate(dir));
  if (how.mode == Mode::kSecondary) CL_RETURN_IF_ERROR(KeepPrivate(how.secondary_dir));
  auto db = std::unique_ptr<Db>(new Db());
  db->dir_ = dir;
  db->how_ = how;
  db->how_.env = env;
  CL_RETURN_IF_ERROR(db->OpenInstance(how.mode));
  return db;
}

Status Db::OpenInstance(DbOpenOptions::Mode mode) {
  using Mode = DbOpenOptions::Mode;
  rocksdb::DBOptions options;
  options.env = how_.env;
  options.create_if_missing = mode == Mode::kWrite;
  options.create_missing_column_families = mode == Mode::kWrite;
  options.paranoid_checks = true;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 10;
  if (block_cache_ == nullptr) block_cache_ = rocksdb::NewLRUCache(kBlockCacheBytes);
  if (write_buffers_ == nullptr) {
    write_buffers_ = std::make_shared<rocksdb::WriteBufferManager>(kWriteBufferBytes);
  }
  options.write_buffer_manager = write_buffers_;
  if (mode == Mode::kSecondary) {
    // The primary deletes table files once compacted away; a secondary that keeps every
    // table file open goes on reading the ones its current view still names (RocksDB's
    // requirement for secondaries).
    options.max_open_files = -1;
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kCfNames) descriptors.emplace_back(name, CfOptions(block_cache_));

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  handles_.clear();  // CloseInstance destroyed any
  switch (mode) {
    case Mode::kWrite:
      s = rocksdb::DB::Open(options, dir_, descriptors, &handles_, &raw);
      break;
    case Mode::kReadOnly:
      s = rocksdb::DB::OpenForReadOnly(options, dir_, descriptors, &handles_, &raw);
      break;
    case Mode::kSecondary:
      s = rocksdb::DB::OpenAsSecondary(options, dir_, how_.secondary_dir, descriptors, &handles_,
                                       &raw);
      break;
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Status::Unavailable("the data folder " + dir_ +
                                 " is in use by another caseledger process: " + s.ToString());
    }
    return FromRocks(s, "opening the database in " + dir_);
  }
  db_.reset(raw);
  writable_ = mode == Mode::kWrite;
  return Status();
}

void Db::CloseInstance() {
  if (!db_) return;
  // A clean close leaves nothing in the write-ahead log to replay: the next open (the first
  // start after an import, say) then takes a fraction of a second instead of replaying every
  // event written since the last flush (19 s at a million). Not after a failed write, when
  // RocksDB refuses writes until it is opened again.
  if (how_.mode == DbOpenOptions::Mode::kWrite && writable_ && !needs_reopen_.load()) {
    rocksdb::FlushOptions flush;
    flush.allow_write_stall = true;
    db_->Flush(flush, handles_).PermitUncheckedError();
  }
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  // After a failed write RocksDB reports that error again here; the reopen is what matters.
  db_->Close().PermitUncheckedError();
  db_.reset();
}

Db::~Db() { CloseInstance(); }

DbMemory Db::Memory() const {
  DbMemory m;
  Hold hold = Use();
  if (!hold.status().ok()) return m;
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kSizeAllMemTables, &m.memtables);
  db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem,
                                &m.table_readers);
  m.block_cache = block_cache_->GetUsage();
  return m;
}

Status Db::Enter() const {
  const uint64_t before = gate_.fetch_add(1);
  if ((before & (kReopening | kClosed)) == 0) return Status();
  Leave();
  return Status::Unavailable((before & kReopening) != 0
                                 ? "the database is being reopened after a failed write"
                                 : "the database could not be reopened after a failed write");
}

Db::Hold Db::Use() const {
  Status entered = Enter();
  return entered.ok() ? Hold(this, Status()) : Hold(nullptr, std::move(entered));
}

Status Db::Get(Cf which, std::string_view key, std::string* value, bool* found) {
  *found = false;
  Hold hold = Use();
  CL_RETURN_IF_ERROR(hold.status());
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(which), rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return Status();
  *found = s.ok();
  return FromRocks(s, "reading");
}

Status Db::Write(rocksdb::WriteBatch* batch, bool sync) {
  Hold hold = Use();
  CL_RETURN_IF_ERROR(hold.status());
  if (!writable_) {
    return Status::Unavailable(
        "the database is open only for reading: it could not be reopened for writing after a "
        "failed write");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  Status s = FromRocks(db_->Write(wo, batch), "writing a batch");
  if (!s.ok()) needs_reopen_.store(true);
  return s;
}

std::unique_ptr<rocksdb::Iterator> Db::NewIterator(Cf which) {
  Status entered = Enter();
  if (!entered.ok()) {
    return std::unique_ptr<rocksdb::Iterator>(
        rocksdb::NewErrorIterator(rocksdb::Status::Busy(entered.message())));
  }
  auto it = std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions(), cf(which)));
  // Held until the iterator is destroyed: its cleanups run after its own destructor.
  it->RegisterCleanup([](void* db, void*) { static_cast<const Db*>(db)->Leave(); }, this, nullptr);
  return it;
}

Status Db::ProbeWrite() {
  const std::string path = dir_ + "/caseledger-write-probe";
  rocksdb::Env* env = how_.env;
  std::unique_ptr<rocksdb::WritableFile> file;
  rocksdb::Status s = env->NewWritableFile(path, &file, rocksdb::EnvOptions());
  if (s.ok()) {
    const std::string block(4096, '\0');
    s = file->Append(block);
    if (s.ok()) s = file->Sync();
    rocksdb::Status closed = file->Close();
    if (s.ok()) s = closed;
    file.reset();
  }
  env->DeleteFile(path).PermitUncheckedError();
  return FromRocks(s, "writing a test file beside the database");
}

Status Db::Reopen(std::chrono::milliseconds drain) {
  if (how_.mode != DbOpenOptions::Mode::kWrite) {
    return Status::Internal("only a database open for writing is reopened");
  }
  gate_.fetch_or(kReopening);
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while ((gate_.load() & kHolders) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      gate_.fetch_and(~kReopening);
      return Status::Unavailable("the database is busy with reads; it is reopened later");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CloseInstance();
  Status opened = OpenInstance(DbOpenOptions::Mode::kWrite);
  if (opened.ok()) {
    needs_reopen_.store(false);
  } else if (!OpenInstance(DbOpenOptions::Mode::kReadOnly).ok()) {
    gate_.fetch_or(kClosed);  // nothing is open: every call is refused until a reopen works
    gate_.fetch_and(~kReopening);
    return opened;
  }
  gate_.fetch_and(~(kReopening | kClosed));
  return opened;
}

}  // namespace caseledger::ledger::internal
