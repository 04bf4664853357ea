// Backups and restores with RocksDB's BackupEngine, and read replicas (RocksDB secondary
// instances), on real RocksDB files in temporary folders.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "ledger/backup.h"
#include "ledger/store.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

using testing::Note;
using testing::OpenStore;
using testing::Request;
using testing::TempDir;
using testing::Uuid;

// Appends events `from`..`to` (eventIds Uuid(n, salt)), one request each, over 5 families.
void AppendNotes(Store& store, uint64_t from, uint64_t to, uint32_t salt = 0) {
  for (uint64_t n = from; n <= to; ++n) {
    auto r = store.Append(Request("family/F" + std::to_string(n % 5), ExpectedVersion::Any(),
                                  {Note(Uuid(n, salt), "note " + std::to_string(n))}));
    INFO(r.status().ToString());
    REQUIRE(r.ok());
  }
}

std::unique_ptr<Store> OpenReadOnly(const std::string& dir, Clock& clock) {
  StoreOptions o;
  o.read_only = true;
  return testing::OpenWith(dir, clock, o);
}

std::unique_ptr<Store> OpenReplica(const std::string& primary, const std::string& own,
                                   Clock& clock) {
  StoreOptions o;
  o.replica_of = primary;
  return testing::OpenWith(own, clock, o);
}

std::set<std::string> FilesIn(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.insert(e.path().filename().string() + ":" +
               std::to_string(e.is_regular_file() ? e.file_size() : 0));
  }
  return out;
}

TEST_CASE("backup: a backup restores to a ledger with the same checkpoint that verifies",
          "[ledger][backup]") {
  TempDir data, backups, restored;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(data.str(), clock);
  AppendNotes(*store, 1, 120);
  const Checkpoint original = store->CurrentCheckpoint();

  auto made = BackupStore(*store, backups.str());
  INFO(made.status().ToString());
  REQUIRE(made.ok());
  CHECK(made->backup_id == 1);
  CHECK(made->checkpoint.size == 120);
  CHECK(made->checkpoint.root == original.root);
  CHECK(made->at_start.root == original.root);
  CHECK_FALSE(made->through_replica);
  CHECK(made->size_bytes > 0);
  CHECK(made->copied_bytes == made->size_bytes);  // the first backup shares nothing

  auto back = RestoreLatest(backups.str(), restored.str());
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(back->backup_id == 1);
  CHECK(back->checkpoint.size == 120);
  CHECK(back->checkpoint.root == original.root);
  CHECK_FALSE(std::filesystem::exists(restored / ".restoring"));

  auto copy = OpenReadOnly(restored.str(), clock);
  CHECK(copy->CurrentCheckpoint().root == original.root);
  CHECK(copy->CurrentCheckpoint().origin == original.origin);
  CHECK(copy->Verify(original).ok());
  CHECK(copy->ReadSeq(77)->bytes == store->ReadSeq(77)->bytes);
  CHECK(*copy->StreamVersion("family/F3") == *store->StreamVersion("family/F3"));
}

TEST_CASE("backup: taken while another thread appends, it restores to a prefix that verifies",
          "[ledger][backup][slow]") {
  TempDir data, backups, restored;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(data.str(), clock);
  AppendNotes(*store, 1, 50);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appended{50};
  std::thread writer([&] {
    for (uint64_t n = 51; !stop; ++n) {
      if (!store->Append(Request("family/W", ExpectedVersion::Any(), {Note(Uuid(n))})).ok()) break;
      appended = n;
    }
  });
  while (appended < 80) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto made = BackupStore(*store, backups.str());
  const uint64_t after_backup = appended;
  while (appended < after_backup + 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  INFO(made.status().ToString());
  REQUIRE(made.ok());
  CHECK(made->at_start.size >= 80);
  CHECK(made->checkpoint.size >= made->at_start.size);
  CHECK(made->checkpoint.size < store->Size());  // the appends went on after it

  auto back = RestoreLatest(backups.str(), restored.str());
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  auto copy = OpenReadOnly(restored.str(), clock);
  const Checkpoint got = copy->CurrentCheckpoint();
  CHECK(got.size == made->checkpoint.size);
  // A prefix of the primary's log: the same root as the primary at that size.
  CHECK(got.root == *store->Root(got.size));
  CHECK(copy->Verify(made->at_start).ok());
  CHECK(copy->ReadSeq(got.size)->bytes == store->ReadSeq(got.size)->bytes);
  CHECK(copy->ReadSeq(got.size + 1).status().code() == Code::kNotFound);
}

TEST_CASE("backup: a second backup copies only what is new and restores to the later root",
          "[ledger][backup]") {
  TempDir data, backups, restored;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(data.str(), clock);
  AppendNotes(*store, 1, 200);
  auto first = BackupStore(*store, backups.str());
  REQUIRE(first.ok());
  AppendNotes(*store, 201, 230);
  const Checkpoint later = store->CurrentCheckpoint();
  auto second = BackupStore(*store, backups.str());
  INFO(second.status().ToString());
  REQUIRE(second.ok());
  CHECK(second->backup_id == 2);
  CHECK(second->checkpoint.size == 230);
  CHECK(second->copied_bytes > 0);
  CHECK(second->copied_bytes < second->size_bytes);  // the first backup's tables are shared

  auto back = RestoreLatest(backups.str(), restored.str());
  REQUIRE(back.ok());
  CHECK(back->backup_id == 2);
  auto copy = OpenReadOnly(restored.str(), clock);
  CHECK(copy->CurrentCheckpoint().size == 230);
  CHECK(copy->CurrentCheckpoint().root == later.root);
  CHECK(copy->Verify(first->checkpoint).ok());
}

TEST_CASE("restore: into a folder that holds a ledger is refused and leaves it untouched",
          "[ledger][backup]") {
  TempDir source, backups, target;
  ManualClock clock(testing::kMarch2);
  {
    auto store = OpenStore(source.str(), clock);
    AppendNotes(*store, 1, 10);
    REQUIRE(BackupStore(*store, backups.str()).ok());
  }
  Checkpoint before;
  {
    auto other = OpenStore(target.str(), clock);
    AppendNotes(*other, 1, 3, /*salt=*/7);
    before = other->CurrentCheckpoint();
  }
  const auto files = FilesIn(target.str());
  auto refused = RestoreLatest(backups.str(), target.str());
  REQUIRE(refused.status().code() == Code::kInvalidArgument);
  CHECK(refused.status().field() == "data");
  CHECK_THAT(refused.status().message(), Catch::Contains("never overwrites"));
  CHECK(FilesIn(target.str()) == files);
  auto other = OpenStore(target.str(), clock);
  CHECK(other->Size() == 3);
  CHECK(other->CurrentCheckpoint().root == before.root);
}

TEST_CASE("restore: from a folder that holds no backup is a clear not-found", "[ledger][backup]") {
  TempDir empty, target;
  auto none = RestoreLatest(empty.str(), target / "data");
  REQUIRE(none.status().code() == Code::kNotFound);
  CHECK_THAT(none.status().message(), Catch::Contains("there is no backup in " + empty.str()));
  auto missing = RestoreLatest(empty / "nowhere", target / "data");
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK_FALSE(std::filesystem::exists(target / "data"));
  auto no_ledger = BackupLedger(empty / "nowhere", target / "backups");
  CHECK(no_ledger.status().code() == Code::kNotFound);
}

TEST_CASE(
    "replica: after CatchUp it reads what the primary appended, even across its restart, and "
    "refuses writes",
    "[ledger][replica]") {
  TempDir primary_dir, replica_dir;
  ManualClock clock(testing::kMarch2);
  auto primary = OpenStore(primary_dir.str(), clock);
  AppendNotes(*primary, 1, 10);
  auto replica = OpenReplica(primary_dir.str(), replica_dir.str(), clock);
  CHECK(replica->Size() == 10);
  CHECK(replica->read_only());
  CHECK(replica->replica_of() == primary_dir.str());

  AppendNotes(*primary, 11, 40);
  CHECK(replica->Size() == 10);  // published only when caught up
  auto caught = replica->CatchUp();
  INFO(caught.status().ToString());
  REQUIRE(caught.ok());
  CHECK(*caught == 40);
  CHECK(replica->Size() == 40);
  CHECK(replica->CurrentCheckpoint().root == primary->CurrentCheckpoint().root);
  CHECK(*replica->Root(17) == *primary->Root(17));
  CHECK(replica->ReadSeq(33)->bytes == primary->ReadSeq(33)->bytes);
  CHECK(*replica->InclusionProof(4, 40) == *primary->InclusionProof(4, 40));
  CHECK(*replica->ConsistencyProof(10, 40) == *primary->ConsistencyProof(10, 40));
  CHECK(replica->ReadStream("family/F2", 1, 100)->size() == 8);
  CHECK(replica->ReadLog(35, 100)->size() == 5);
  CHECK(*replica->CatchUp() == 40);  // nothing new

  auto append = replica->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(99))}));
  REQUIRE(append.status().code() == Code::kUnavailable);
  CHECK_THAT(append.status().message(), Catch::Contains("read-only replica"));
  CHECK(replica->SaveProjection("x", 1, {}, false).code() == Code::kUnavailable);
  CHECK(replica->PutBlob("F1", Hash{}, "bytes").code() == Code::kUnavailable);
  CHECK(primary->CatchUp().status().code() == Code::kInvalidArgument);
  CHECK(primary->Size() == 40);

  // The primary restarts (a new write-ahead log and manifest): the replica goes on following.
  primary.reset();
  primary = OpenStore(primary_dir.str(), clock);
  AppendNotes(*primary, 41, 45);
  REQUIRE(replica->CatchUp().ok());
  CHECK(replica->Size() == 45);
  CHECK(replica->CurrentCheckpoint().root == primary->CurrentCheckpoint().root);
}

TEST_CASE("backup: beside a primary that holds the ledger and appends, through a replica",
          "[ledger][backup][replica][slow]") {
  TempDir data, backups, restored;
  ManualClock clock(testing::kMarch2);
  auto primary = OpenStore(data.str(), clock);
  AppendNotes(*primary, 1, 60);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (uint64_t n = 61; !stop; ++n) {
      if (!primary->Append(Request("family/W", ExpectedVersion::Any(), {Note(Uuid(n))})).ok()) {
        break;
      }
    }
  });
  auto made = BackupLedger(data.str(), backups.str());
  stop = true;
  writer.join();
  INFO(made.status().ToString());
  REQUIRE(made.ok());
  CHECK(made->through_replica);
  CHECK(made->checkpoint.size >= 60);
  CHECK(made->checkpoint.root == *primary->Root(made->checkpoint.size));

  auto back = RestoreLatest(backups.str(), restored.str());
  REQUIRE(back.ok());
  auto copy = OpenReadOnly(restored.str(), clock);
  CHECK(copy->CurrentCheckpoint().root == made->checkpoint.root);
  CHECK(copy->Verify(std::nullopt).ok());
}

}  // namespace
}  // namespace caseledger::ledger
