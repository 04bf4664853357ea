#include "ledger/internal/db.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <filesystem>

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

rocksdb::ColumnFamilyOptions CfOptions() {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions t;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

}  // namespace

Status Db::FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::DataLoss(msg);
  if (s.IsNotFound()) return Status::NotFound(msg);
  return Status::Unavailable(msg);
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& dir, const DbOpenOptions& how) {
  using Mode = DbOpenOptions::Mode;
  rocksdb::Env* env = how.env != nullptr ? how.env : rocksdb::Env::Default();
  if (how.mode != Mode::kWrite && !env->FileExists(dir + "/CURRENT").ok()) {
    return Status::NotFound("there is no ledger in " + dir +
                            " (caseledger import or serve creates one; --data chooses the folder)");
  }
  rocksdb::DBOptions options;
  options.env = env;
  options.create_if_missing = how.mode == Mode::kWrite;
  options.create_missing_column_families = how.mode == Mode::kWrite;
  options.paranoid_checks = true;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 10;
  if (how.mode == Mode::kSecondary) {
    // The primary deletes table files once compacted away; a secondary that keeps every
    // table file open goes on reading the ones its current view still names (RocksDB's
    // requirement for secondaries).
    options.max_open_files = -1;
    std::error_code ec;
    std::filesystem::create_directories(how.secondary_dir, ec);
    if (ec) {
      return Status::Unavailable("cannot make the replica's folder " + how.secondary_dir + ": " +
                                 ec.message());
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kCfNames) descriptors.emplace_back(name, CfOptions());

  auto db = std::unique_ptr<Db>(new Db());
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  switch (how.mode) {
    case Mode::kWrite:
      s = rocksdb::DB::Open(options, dir, descriptors, &db->handles_, &raw);
      break;
    case Mode::kReadOnly:
      s = rocksdb::DB::OpenForReadOnly(options, dir, descriptors, &db->handles_, &raw);
      break;
    case Mode::kSecondary:
      s = rocksdb::DB::OpenAsSecondary(options, dir, how.secondary_dir, descriptors, &db->handles_,
                                       &raw);
      break;
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Status::Unavailable("the data folder " + dir +
                                 " is in use by another caseledger process: " + s.ToString());
    }
    return FromRocks(s, "opening the database in " + dir);
  }
  db->db_.reset(raw);
  return db;
}

Db::~Db() {
  if (db_) {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_->Close();
  }
}

Status Db::Get(Cf which, std::string_view key, std::string* value, bool* found) {
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(which), rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) {
    *found = false;
    return Status();
  }
  *found = s.ok();
  return FromRocks(s, "reading");
}

Status Db::Write(rocksdb::WriteBatch* batch, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(db_->Write(wo, batch), "writing a batch");
}

std::unique_ptr<rocksdb::Iterator> Db::NewIterator(Cf which) {
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions(), cf(which)));
}

}  // namespace caseledger::ledger::internal
