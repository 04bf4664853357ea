// Backups with RocksDB's BackupEngine (backup.h). Each backup's application metadata is the
// checkpoint note body (Checkpoint::ToText) its source had when the backup began.
#include "ledger/backup.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <rocksdb/utilities/backup_engine.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "ledger/internal/db.h"
#include "ledger/internal/store_impl.h"

namespace caseledger::ledger {
namespace {

namespace fs = std::filesystem;
using internal::Db;

constexpr int kReplicaAttempts = 5;
// Where a restore is put together before it is moved into the data folder: inside it, so
// that the move is a rename on one file system.
constexpr const char* kStagingName = ".restoring";

void Note(const BackupProgress& progress, const std::string& line) {
  if (progress.note) progress.note(line);
}

std::string ErrnoText() { return std::strerror(errno); }

// BackupEngine's env for opening a backup in place resolves only absolute paths.
std::string Absolute(const std::string& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

// Names in a data folder that belong to a RocksDB database (a ledger, or what is left of one).
bool IsDatabaseFile(const std::string& name) {
  auto ends_with = [&](std::string_view tail) {
    return name.size() >= tail.size() &&
           name.compare(name.size() - tail.size(), tail.size(), tail.data(), tail.size()) == 0;
  };
  return name == "CURRENT" || name == "IDENTITY" || name.rfind("MANIFEST-", 0) == 0 ||
         name.rfind("OPTIONS-", 0) == 0 || ends_with(".sst") || ends_with(".log") ||
         ends_with(".blob");
}

Status RefuseLedgerIn(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::exists(data_dir, ec)) return Status();
  for (const auto& entry : fs::directory_iterator(data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (IsDatabaseFile(name)) {
      return Status::InvalidArgument("the data folder " + data_dir + " holds a ledger (" + name +
                                         "): restore never overwrites one; restore into an empty "
                                         "folder, or move this one away first",
                                     "data");
    }
  }
  if (ec)
    return Status::Unavailable("cannot read the data folder " + data_dir + ": " + ec.message());
  return Status();
}

Result<std::unique_ptr<rocksdb::BackupEngine>> OpenEngine(const std::string& backup_dir) {
  std::error_code ec;
  ::umask(077);  // a backup holds what the ledger holds: its owner's only, as the data folder
  fs::create_directories(backup_dir, ec);
  if (!ec) fs::permissions(backup_dir, fs::perms::owner_all, ec);
  if (ec)
    return Status::Unavailable("cannot make the backup folder " + backup_dir + ": " + ec.message());
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(
      rocksdb::BackupEngineOptions(Absolute(backup_dir)), rocksdb::Env::Default(), &raw);
  CL_RETURN_IF_ERROR(Db::FromRocks(s, "opening the backup folder " + backup_dir));
  return std::unique_ptr<rocksdb::BackupEngine>(raw);
}

// Every file of every backup in the folder, by its path in the folder: what a new backup
// need not copy.
std::set<std::string> FilesHeld(const rocksdb::BackupEngine& engine) {
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos, /*include_file_details=*/true);
  std::set<std::string> out;
  for (const auto& info : infos) {
    for (const auto& f : info.file_details) out.insert(f.relative_filename);
  }
  return out;
}

// Opens backup `info` in place (BackupEngine's env_for_open), read-only, as a ledger.
// `info` must outlive the store.
Result<std::unique_ptr<Store>> OpenBackup(const rocksdb::BackupInfo& info, Clock& clock,
                                          const std::string& where) {
  internal::DbOpenOptions how;
  how.mode = internal::DbOpenOptions::Mode::kReadOnly;
  how.env = info.env_for_open.get();
  CL_ASSIGN_OR_RETURN(auto db, Db::Open(info.name_for_open, how));
  StoreOptions options;
  options.clock = &clock;
  options.read_only = true;
  return Store::Impl::OpenOn(std::move(db), options, where);
}

// Checks backup `id`, just made by `engine` from a source at `start`, and fills `report`.
Status CheckBackup(rocksdb::BackupEngine& engine, uint32_t id, const std::string& backup_dir,
                   const std::set<std::string>& held_before, const BackupProgress& progress,
                   BackupReport* report) {
  const std::string where = "backup " + std::to_string(id) + " in " + backup_dir;
  Note(progress, "checking the copied files against their checksums");
  rocksdb::IOStatus files_ok = engine.VerifyBackup(id, /*verify_with_checksum=*/true);
  if (!files_ok.ok()) {
    return Status::DataLoss(where + " does not match what was copied: " + files_ok.ToString());
  }
  rocksdb::BackupInfo info;
  CL_RETURN_IF_ERROR(Db::FromRocks(engine.GetBackupInfo(id, &info, true), "reading " + where));
  SystemClock clock;
  {
    CL_ASSIGN_OR_RETURN(auto copy, OpenBackup(info, clock, where));
    Note(progress,
         "verifying every event of the copy (" + std::to_string(copy->Size()) + " events)");
    CL_RETURN_IF_ERROR(copy->Verify(report->at_start, progress.verified).Annotate(where));
    report->checkpoint = copy->CurrentCheckpoint();
  }
  report->backup_id = id;
  report->size_bytes = info.size;
  report->files = info.number_files;
  report->copied_bytes = 0;
  for (const auto& f : info.file_details) {
    if (held_before.count(f.relative_filename) == 0) {
      report->copied_bytes += f.size;
    }
  }
  return Status();
}

// Moves every database file of `from` into `to`, CURRENT last, without replacing any file:
// link() fails on an existing name, so a ledger made in `to` meanwhile is never overwritten.
Status MoveDatabaseFiles(const fs::path& from, const fs::path& to) {
  std::vector<fs::path> files;
  bool has_current = false;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "CURRENT") {
      has_current = true;
    } else if (entry.is_regular_file() && name != "LOCK" && name.rfind("LOG", 0) != 0) {
      files.push_back(entry.path());
    }
  }
  if (ec || !has_current) {
    return Status::Unavailable("the restored files in " + from.string() + " are incomplete");
  }
  files.push_back(from / "CURRENT");
  std::vector<fs::path> moved;
  for (const fs::path& f : files) {
    const fs::path target = to / f.filename();
    if (::link(f.c_str(), target.c_str()) != 0) {
      Status failed = Status::Unavailable("cannot move " + f.string() + " to " + target.string() +
                                          ": " + ErrnoText());
      // Take back what was moved: the data folder is left as it was.
      for (const fs::path& m : moved) ::unlink(m.c_str());
      return failed;
    }
    moved.push_back(target);
  }
  // The new names must survive a power loss before the restore is reported done.
  int dir_fd = ::open(to.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool synced = dir_fd >= 0 && ::fsync(dir_fd) == 0;
  if (dir_fd >= 0) ::close(dir_fd);
  if (!synced) return Status::Unavailable("cannot sync the folder " + to.string());
  return Status();
}

}  // namespace

Result<BackupReport> BackupStore(Store& store, const std::string& backup_dir,
                                 const BackupProgress& progress) {
  const bool replica = !store.replica_of().empty();
  if (store.read_only() && !replica) {
    return Status::InvalidArgument(
        "a ledger open read-only is a fixed view that may be stale: back up a writable store or "
        "a replica");
  }
  CL_ASSIGN_OR_RETURN(auto engine, OpenEngine(backup_dir));
  rocksdb::DB* db = StoreInternal::Of(store).db->raw();
  rocksdb::CreateBackupOptions create;
  // A writable store flushes its memtables so that the backup holds table files rather than
  // a long log to replay; a secondary instance cannot flush (it writes nothing).
  create.flush_before_backup = !replica;
  Status last;
  const int attempts = replica ? kReplicaAttempts : 1;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (replica) CL_RETURN_IF_ERROR(store.CatchUp().status());
    BackupReport report;
    report.at_start = store.CurrentCheckpoint();
    report.through_replica = replica;
    report.attempts = attempt;
    const std::set<std::string> held = FilesHeld(*engine);
    Note(progress, "copying the ledger (" + std::to_string(report.at_start.size) +
                       " events so far) into " + backup_dir +
                       (attempt > 1 ? ", attempt " + std::to_string(attempt) : ""));
    rocksdb::BackupID id = 0;
    rocksdb::IOStatus copied =
        engine->CreateNewBackupWithMetadata(create, db, report.at_start.ToText(), &id);
    if (!copied.ok()) {
      last = Db::FromRocks(copied, "copying the ledger into " + backup_dir);
    } else {
      last = CheckBackup(*engine, id, backup_dir, held, progress, &report);
      if (last.ok()) return report;
      // A backup that does not verify is never left to be restored.
      rocksdb::IOStatus deleted = engine->DeleteBackup(id);
      if (!deleted.ok())
        spdlog::warn("could not delete failed backup {}: {}", id, deleted.ToString());
    }
    if (attempt < attempts) {
      Note(progress, "attempt " + std::to_string(attempt) + " did not check out (" +
                         last.message() + "): catching up with the primary and trying again");
    }
  }
  // Clears what an interrupted copy left (BackupEngine would at the next backup anyway).
  (void)engine->GarbageCollect();
  if (!replica) return last;
  return Status::Unavailable("no copy verified in " + std::to_string(attempts) +
                             " attempts beside the primary, which kept changing its files; "
                             "try again when it is quieter. Last: " +
                             last.message());
}

Result<BackupReport> BackupLedger(const std::string& data_dir, const std::string& backup_dir,
                                  const BackupProgress& progress) {
  std::error_code ec;
  if (!fs::exists(fs::path(data_dir) / "CURRENT", ec)) {
    return Status::NotFound("there is no ledger in " + data_dir + " to back up");
  }
  if (fs::exists(backup_dir, ec) && fs::equivalent(backup_dir, data_dir, ec)) {
    return Status::InvalidArgument("the backup folder must not be the data folder", "to");
  }
  SystemClock clock;
  StoreOptions options;
  options.clock = &clock;
  auto writable = Store::Open(data_dir, options);
  if (writable.ok()) return BackupStore(**writable, backup_dir, progress);
  if (writable.status().code() != Code::kUnavailable) return writable.status();

  // Another process holds the ledger: follow it as a replica for the time of the copy.
  Note(progress, "the ledger is in use (" + writable.status().message() +
                     "): copying it beside that process through a replica");
  std::string pattern = (fs::temp_directory_path() / "caseledger-backup-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::Unavailable("cannot make a temporary folder for the replica: " + ErrnoText());
  }
  const std::string replica_dir = pattern;
  Result<BackupReport> result = Status::Internal("unset");
  {
    options.replica_of = data_dir;
    auto replica = Store::Open(replica_dir, options);
    result = replica.ok() ? BackupStore(**replica, backup_dir, progress) : replica.status();
  }
  fs::remove_all(replica_dir, ec);
  return result;
}

Result<RestoreReport> RestoreLatest(const std::string& backup_dir, const std::string& data_dir,
                                    const BackupProgress& progress) {
  CL_RETURN_IF_ERROR(RefuseLedgerIn(data_dir));
  std::error_code ec;
  if (!fs::is_directory(backup_dir, ec)) {
    return Status::NotFound("there is no backup folder " + backup_dir);
  }
  if (fs::exists(data_dir, ec) && fs::equivalent(backup_dir, data_dir, ec)) {
    return Status::InvalidArgument("the data folder must not be the backup folder", "data");
  }
  const std::string none = "there is no backup in " + backup_dir + " (caseledger backup --to " +
                           backup_dir + " makes one)";
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus opened = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::BackupEngineOptions(Absolute(backup_dir)), rocksdb::Env::Default(), &raw);
  if (!opened.ok()) return Status::NotFound(none + ": " + opened.ToString());
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  rocksdb::BackupInfo info;
  if (!engine->GetLatestBackupInfo(&info).ok()) return Status::NotFound(none);
  RestoreReport report;
  report.backup_id = info.backup_id;
  report.backup_time = info.timestamp;
  report.size_bytes = info.size;
  auto at_start = Checkpoint::Parse(info.app_metadata);
  if (!at_start.ok()) {
    return Status::InvalidArgument("backup " + std::to_string(info.backup_id) + " in " +
                                   backup_dir + " was not made by caseledger backup");
  }
  report.at_start = *at_start;

  Note(progress,
       "checking backup " + std::to_string(info.backup_id) + "'s files against their checksums");
  rocksdb::IOStatus files_ok = engine->VerifyBackup(info.backup_id, true);
  if (!files_ok.ok()) {
    return Status::DataLoss("backup " + std::to_string(info.backup_id) + " in " + backup_dir +
                            " is damaged: " + files_ok.ToString());
  }
  const fs::path staging = fs::path(data_dir) / kStagingName;
  fs::remove_all(staging, ec);  // what an interrupted restore left
  fs::create_directories(staging, ec);
  if (ec) return Status::Unavailable("cannot make " + staging.string() + ": " + ec.message());
  auto cleanup = [&] { fs::remove_all(staging, ec); };
  Note(progress, "restoring backup " + std::to_string(info.backup_id) + " into " + data_dir);
  rocksdb::IOStatus restored = engine->RestoreDBFromBackup(
      rocksdb::RestoreOptions(), info.backup_id, staging.string(), staging.string());
  if (!restored.ok()) {
    cleanup();
    return Db::FromRocks(restored, "restoring backup " + std::to_string(info.backup_id));
  }
  {
    // Opening checks the head, the last event and the tree's right edge agree.
    SystemClock clock;
    StoreOptions options;
    options.clock = &clock;
    options.read_only = true;
    auto store = Store::Open(staging.string(), options);
    if (!store.ok()) {
      cleanup();
      return store.status().Annotate("the restored ledger");
    }
    report.checkpoint = (*store)->CurrentCheckpoint();
  }
  if (report.checkpoint.size < report.at_start.size) {
    cleanup();
    return Status::DataLoss("the restored ledger has " + std::to_string(report.checkpoint.size) +
                            " events, fewer than the " + std::to_string(report.at_start.size) +
                            " it had when the backup began");
  }
  Status moved = RefuseLedgerIn(data_dir);
  if (moved.ok()) moved = MoveDatabaseFiles(staging, data_dir);
  cleanup();
  CL_RETURN_IF_ERROR(moved);
  return report;
}

}  // namespace caseledger::ledger
