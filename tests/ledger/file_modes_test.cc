// File modes (docs/DATA-PROTECTION.md): the data folder is its owner's only (0700) and so is
// every file the ledger writes (0600), RocksDB's included, and so are a backup and an export.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "ledger/backup.h"
#include "ledger/export.h"
#include "ledger/sealing.h"
#include "ledger/signed_note.h"
#include "ledger/store.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

namespace fs = std::filesystem;
using testing::Note;
using testing::Request;
using testing::TempDir;
using testing::Uuid;

unsigned ModeOf(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Every folder under `root` (itself included) is 0700 and every file 0600; returns the number
// of files seen.
int RequirePrivate(const fs::path& root) {
  INFO(root.string());
  CHECK(ModeOf(root) == 0700);
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    INFO(entry.path().string());
    if (entry.is_symlink()) continue;
    if (entry.is_directory()) {
      CHECK(ModeOf(entry.path()) == 0700);
    } else {
      CHECK(ModeOf(entry.path()) == 0600);
      ++files;
    }
  }
  return files;
}

TEST_CASE(
    "file modes: the data folder is 0700 and every file in it 0600, RocksDB's included, after "
    "appends, a backup and an export, whatever the umask was",
    "[ledger][data-protection]") {
  const mode_t saved = ::umask(022);  // what a shell usually gives: files 0644 unless set
  TempDir dir;
  const fs::path data = dir / "data";
  // A folder as an earlier build left it: open to all, with a file readable by all.
  fs::create_directories(data);
  fs::permissions(data, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  { std::ofstream(data / "left-by-an-earlier-build") << "x"; }
  fs::permissions(data / "left-by-an-earlier-build",
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                      fs::perms::others_read);

  ManualClock clock(testing::kMarch2);
  StoreOptions options;
  auto master = RandomKey();
  REQUIRE(master.ok());
  options.master_key = *master;
  {
    auto store = testing::OpenWith(data.string(), clock, options);
    for (int i = 1; i <= 20; ++i) {
      REQUIRE(store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(i))})).ok());
    }
    REQUIRE(BackupStore(*store, dir / "backups").ok());
    auto signer = GenerateSigner("caseledger");
    REQUIRE(signer.ok());
    REQUIRE(WriteExport(*store, *signer, dir / "ledger.export").ok());
    CHECK(RequirePrivate(data) > 5);  // while open: the write-ahead log, LOG, MANIFEST...
  }
  CHECK(RequirePrivate(data) > 5);  // and once closed (the tables written at close)
  CHECK(RequirePrivate(dir / "backups") > 3);
  CHECK(ModeOf(dir / "ledger.export") == 0600);
  ::umask(saved);
}

}  // namespace
}  // namespace caseledger::ledger
