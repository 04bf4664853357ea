// Verify against damage done directly in RocksDB, as an attacker or a failing disk would:
// the test opens the database itself, bypassing the store, and flips bytes.
#include <rocksdb/db.h>

#include <catch2/catch.hpp>

#include <map>

#include "ledger/store.h"
#include "raw_db.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

using testing::Note;
using testing::OpenStore;
using testing::Request;
using testing::TempDir;
using testing::Uuid;
using testing::WithRaw;

std::string BigEndian(uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

rocksdb::WriteOptions Synced() {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return wo;
}

// Applies `edit` to one value of one column family.
void EditRaw(const std::string& dir, const std::string& cf_name, const std::string& key,
             const std::function<void(std::string&)>& edit) {
  WithRaw(dir, [&](rocksdb::DB* db, auto& cfs) {
    std::string value;
    REQUIRE(db->Get(rocksdb::ReadOptions(), cfs.at(cf_name), key, &value).ok());
    edit(value);
    REQUIRE(db->Put(Synced(), cfs.at(cf_name), key, value).ok());
  });
}

void Fill(const std::string& dir, int n) {
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir, clock);
  for (int i = 1; i <= n; ++i) {
    REQUIRE(store
                ->Append(Request(
                    "family/F" + std::to_string(i % 3), ExpectedVersion::Any(),
                    {Note(Uuid(static_cast<uint64_t>(i)), "note number " + std::to_string(i))}))
                .ok());
  }
  REQUIRE(store->Verify(std::nullopt).ok());
}

// What `caseledger verify` reports: a log too damaged to open fails at open, naming the seq.
Status VerifyDir(const std::string& dir) {
  ManualClock clock(testing::kMarch2);
  StoreOptions o;
  o.clock = &clock;
  o.read_only = true;
  auto store = Store::Open(dir, o);
  if (!store.ok()) return store.status();
  return (*store)->Verify(std::nullopt);
}

TEST_CASE("verify: a byte flipped in a stored event names that event's seq", "[ledger][verify]") {
  TempDir dir;
  Fill(dir.str(), 20);
  // Flip a byte of the note's text: the event still decodes, but no longer hashes to its leaf.
  EditRaw(dir.str(), "events", BigEndian(13, 8), [](std::string& v) {
    size_t at = v.find("note number 13");
    REQUIRE(at != std::string::npos);
    v[at] ^= 0x20;
  });
  Status s = VerifyDir(dir.str());
  REQUIRE(s.code() == Code::kDataLoss);
  CHECK(s.seq() == 13);
  CHECK_THAT(s.message(), Catch::Contains("seq 13"));
}

TEST_CASE("verify: a stored event that no longer decodes is data loss naming its seq",
          "[ledger][verify]") {
  TempDir dir;
  Fill(dir.str(), 5);
  EditRaw(dir.str(), "events", BigEndian(4, 8), [](std::string& v) {
    v[0] = '\x7f';  // the segment count: now claims 128 segments
  });
  Status s = VerifyDir(dir.str());
  REQUIRE(s.code() == Code::kDataLoss);
  CHECK(s.seq() == 4);
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  auto read = store->ReadSeq(4);
  CHECK(read.status().code() == Code::kDataLoss);
  CHECK(read.status().seq() == 4);
  CHECK(store->ReadSeq(3).ok());
}

TEST_CASE("verify: an altered tree node names the first seq it covers", "[ledger][verify]") {
  TempDir dir;
  Fill(dir.str(), 20);
  // Level 2, index 3 covers leaves 12..15, i.e. seq 13..16.
  EditRaw(dir.str(), "merkle", std::string(1, '\x02') + BigEndian(3, 8),
          [](std::string& v) { v[5] ^= 1; });
  Status s = VerifyDir(dir.str());
  REQUIRE(s.code() == Code::kDataLoss);
  CHECK(s.seq() == 13);
}

// Builds a ledger of 12 notes (note 3's text given) and returns its checkpoint at size 8.
Checkpoint History(const std::string& dir, const std::string& note3) {
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir, clock);
  Checkpoint at8;
  for (uint64_t i = 1; i <= 12; ++i) {
    REQUIRE(store
                ->Append(Request("family/F1", ExpectedVersion::Any(),
                                 {Note(Uuid(i), i == 3 ? note3 : "note")}))
                .ok());
    if (i == 8) at8 = store->CurrentCheckpoint();
  }
  return at8;
}

TEST_CASE("verify: a history rewritten with its tree recomputed fails an auditor's checkpoint",
          "[ledger][verify]") {
  TempDir honest_dir, forged_dir;
  const Checkpoint kept = History(honest_dir.str(), "the child was seen");
  // The same history with note 3 rewritten, tree and indexes all consistent with it.
  History(forged_dir.str(), "the child was not seen");
  ManualClock clock(testing::kMarch2);
  {
    auto honest = OpenStore(honest_dir.str(), clock);
    CHECK(honest->Verify(kept).ok());
    CHECK(honest->Verify(std::nullopt).ok());
  }
  auto forged = OpenStore(forged_dir.str(), clock);
  CHECK(forged->Verify(std::nullopt).ok());  // internally consistent...
  Status s = forged->Verify(kept);           // ...but not the log the auditor saw
  CHECK(s.code() == Code::kDataLoss);
  CHECK_THAT(s.message(), Catch::Contains("checkpoint"));
}

TEST_CASE("verify: a checkpoint larger than the log means events were removed",
          "[ledger][verify]") {
  TempDir dir;
  const Checkpoint at8 = History(dir.str(), "x");
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  Checkpoint bigger = store->CurrentCheckpoint();
  bigger.size = 13;
  CHECK(store->Verify(bigger).code() == Code::kDataLoss);
  auto parsed = Checkpoint::Parse(at8.ToText());
  REQUIRE(parsed.ok());
  CHECK(parsed->size == 8);
  CHECK(parsed->root == at8.root);
  CHECK(store->Verify(*parsed).ok());
  Checkpoint other_log = at8;
  other_log.origin = "another.example/log";
  CHECK(store->Verify(other_log).code() == Code::kInvalidArgument);
}

TEST_CASE("verify: the last event deleted and the head rewritten is caught", "[ledger][verify]") {
  TempDir dir;
  Fill(dir.str(), 6);
  WithRaw(dir.str(), [](rocksdb::DB* db, auto& cfs) {
    std::string head;
    REQUIRE(db->Get(rocksdb::ReadOptions(), cfs.at("meta"), "head", &head).ok());
    REQUIRE(db->Delete(Synced(), cfs.at("events"), BigEndian(6, 8)).ok());
    REQUIRE(db->Put(Synced(), cfs.at("meta"), "head", BigEndian(5, 8) + head.substr(8)).ok());
  });
  Status s = VerifyDir(dir.str());
  CHECK(s.code() == Code::kDataLoss);
  CHECK_THAT(s.message(), Catch::Contains("index"));
}

TEST_CASE("verify: an eventId index entry holding another fingerprint is caught",
          "[ledger][verify]") {
  TempDir dir;
  Fill(dir.str(), 6);
  ManualClock clock(testing::kMarch2);
  std::string id_key;
  {
    auto store = OpenStore(dir.str(), clock);
    auto e = store->ReadSeq(4);
    REQUIRE(e.ok());
    id_key.assign(reinterpret_cast<const char*>(e->event_id.bytes.data()), 16);
  }
  EditRaw(dir.str(), "event_ids", id_key, [](std::string& v) { v[20] ^= 1; });
  Status s = VerifyDir(dir.str());
  CHECK(s.code() == Code::kDataLoss);
  CHECK(s.seq() == 4);
}

TEST_CASE("verify: a stray stream index entry is caught", "[ledger][verify]") {
  TempDir dir;
  Fill(dir.str(), 6);  // family/F1 holds seq 1 and 4
  WithRaw(dir.str(), [](rocksdb::DB* db, auto& cfs) {
    std::string key = std::string("family/F1") + '\0' + BigEndian(3, 4);
    REQUIRE(db->Put(Synced(), cfs.at("streams"), key, BigEndian(2, 8)).ok());
  });
  Status s = VerifyDir(dir.str());
  CHECK(s.code() == Code::kDataLoss);
  CHECK_THAT(s.message(), Catch::Contains("stream index"));
}

TEST_CASE("verify: a head whose recordedAt was moved is refused at open", "[ledger][verify]") {
  TempDir dir;
  Fill(dir.str(), 3);
  WithRaw(dir.str(), [](rocksdb::DB* db, auto& cfs) {
    std::string head;
    REQUIRE(db->Get(rocksdb::ReadOptions(), cfs.at("meta"), "head", &head).ok());
    head[9] ^= 0x40;  // a recordedAt decades away
    REQUIRE(db->Put(Synced(), cfs.at("meta"), "head", head).ok());
  });
  ManualClock clock(testing::kMarch2);
  StoreOptions o;
  o.clock = &clock;
  auto store = Store::Open(dir.str(), o);
  CHECK(store.status().code() == Code::kDataLoss);
}

TEST_CASE("verify: a byte flipped in each stored event in turn names that event's seq",
          "[ledger][verify][tamper]") {
  TempDir dir;
  Fill(dir.str(), 8);
  std::vector<std::string> original(9);
  WithRaw(dir.str(), [&](rocksdb::DB* db, auto& cfs) {
    for (uint64_t seq = 1; seq <= 8; ++seq) {
      REQUIRE(db->Get(rocksdb::ReadOptions(), cfs.at("events"), BigEndian(seq, 8), &original[seq])
                  .ok());
    }
  });
  for (uint64_t seq = 1; seq <= 8; ++seq) {
    const size_t size = original[seq].size();
    // The segment table, the envelope, somewhere in the middle, the last byte.
    for (size_t at : {size_t{1}, size_t{12}, size / 2, size - 1}) {
      WithRaw(dir.str(), [&](rocksdb::DB* db, auto& cfs) {
        std::string v = original[seq];
        v[at] ^= static_cast<char>(1 << (at % 8));
        REQUIRE(db->Put(Synced(), cfs.at("events"), BigEndian(seq, 8), v).ok());
      });
      Status s = VerifyDir(dir.str());
      INFO("seq " << seq << ", byte " << at << ": " << s.ToString());
      CHECK(s.code() == Code::kDataLoss);
      CHECK(s.seq() == seq);
      WithRaw(dir.str(), [&](rocksdb::DB* db, auto& cfs) {
        REQUIRE(db->Put(Synced(), cfs.at("events"), BigEndian(seq, 8), original[seq]).ok());
      });
    }
  }
  CHECK(VerifyDir(dir.str()).ok());  // restored, it verifies again
}

TEST_CASE("verify: an event deleted from the middle of the log names its seq",
          "[ledger][verify][tamper]") {
  TempDir dir;
  Fill(dir.str(), 8);
  WithRaw(dir.str(), [](rocksdb::DB* db, auto& cfs) {
    REQUIRE(db->Delete(Synced(), cfs.at("events"), BigEndian(5, 8)).ok());
  });
  Status s = VerifyDir(dir.str());
  CHECK(s.code() == Code::kDataLoss);
  CHECK(s.seq() == 5);
  CHECK_THAT(s.message(), Catch::Contains("seq 5 is missing"));
}

TEST_CASE("verify: two stored events swapped name the first of them", "[ledger][verify][tamper]") {
  TempDir dir;
  Fill(dir.str(), 8);
  WithRaw(dir.str(), [](rocksdb::DB* db, auto& cfs) {
    std::string three, six;
    REQUIRE(db->Get(rocksdb::ReadOptions(), cfs.at("events"), BigEndian(3, 8), &three).ok());
    REQUIRE(db->Get(rocksdb::ReadOptions(), cfs.at("events"), BigEndian(6, 8), &six).ok());
    REQUIRE(db->Put(Synced(), cfs.at("events"), BigEndian(3, 8), six).ok());
    REQUIRE(db->Put(Synced(), cfs.at("events"), BigEndian(6, 8), three).ok());
  });
  Status s = VerifyDir(dir.str());
  CHECK(s.code() == Code::kDataLoss);
  CHECK(s.seq() == 3);
}

TEST_CASE("verify: a log truncated and re-grown differently fails the checkpoint kept before",
          "[ledger][verify][tamper]") {
  TempDir honest_dir, regrown_dir;
  const Checkpoint kept = History(honest_dir.str(), "the child was seen");  // size 8
  {
    // The same first 5 events, then others: the log as an operator would leave it after
    // cutting it back to 5 and appending again.
    ManualClock clock(testing::kMarch2);
    auto store = OpenStore(regrown_dir.str(), clock);
    for (uint64_t i = 1; i <= 10; ++i) {
      REQUIRE(store
                  ->Append(Request(
                      "family/F1", ExpectedVersion::Any(),
                      {Note(Uuid(i <= 5 ? i : 100 + i), i == 3 ? "the child was seen" : "note")}))
                  .ok());
    }
    auto root5 = store->Root(5);
    REQUIRE(root5.ok());
    ManualClock honest_clock(testing::kMarch2);
    auto honest = OpenStore(honest_dir.str(), honest_clock);
    auto honest5 = honest->Root(5);
    REQUIRE(honest5.ok());
    REQUIRE(*root5 == *honest5);
  }
  ManualClock clock(testing::kMarch2);
  auto regrown = OpenStore(regrown_dir.str(), clock);
  CHECK(regrown->Verify(std::nullopt).ok());
  Status s = regrown->Verify(kept);
  CHECK(s.code() == Code::kDataLoss);
  CHECK_THAT(s.message(), Catch::Contains("size 8"));
}

}  // namespace
}  // namespace caseledger::ledger
