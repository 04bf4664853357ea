// Sealing in the store and erasure: personal fields never reach the disk in clear; reads
// open them; after erasure nothing personal can be read back, the family's wrapped key is in
// no file of the database, verify passes and every proof taken before still holds.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/domain_event.h"
#include "ledger/json_codec.h"
#include "ledger/store.h"
#include "raw_db.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

using testing::Note;
using testing::Request;
using testing::TempDir;
using testing::Uuid;

std::unique_ptr<Store> OpenSealing(const std::string& dir, Clock& clock, const Key256& master) {
  StoreOptions o;
  o.master_key = master;
  return testing::OpenWith(dir, clock, o);
}

EventDraft Registered(uint64_t n, const std::string& child) {
  auto d =
      ParseEventJson(R"({"eventId":")" + Uuid(n) +
                     R"(","type":"familyRegistered","occurredAt":"2026-03-02T10:00:00Z",
      "data":{"members":[{"memberId":"C1","role":"child","name":")" +
                     child + R"(","dateOfBirth":"2015-06-01"}],"address":"1 Sample Street"}})");
  REQUIRE(d.ok());
  return std::move(d).value();
}

// Every byte of every file under `dir`, as one string.
std::string AllFiles(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    all += s.str();
  }
  return all;
}

std::string WrappedKeyOf(const std::string& dir, const std::string& family) {
  std::string value;
  testing::WithRaw(dir, [&](rocksdb::DB* db, auto& cfs) {
    const std::string key =
        std::string("familykey") + '\0' + family + '\0' + std::string("\0\0\0\1", 4);
    if (!db->Get(rocksdb::ReadOptions(), cfs.at("meta"), key, &value).ok()) value.clear();
  });
  return value;
}

TEST_CASE(
    "erasure: the family's personal data cannot be read back, verify passes and every "
    "proof still holds",
    "[ledger][erasure]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto master = RandomKey();
  REQUIRE(master.ok());
  Hash doc_sha = Sha256("a referral letter about Alex Example");
  {
    auto store = OpenSealing(dir.str(), clock, *master);
    REQUIRE(store
                ->Append(Request("family/F1", ExpectedVersion::Exactly(0),
                                 {Registered(1, "Alex Example")}))
                .ok());
    REQUIRE(store
                ->Append(Request("family/F2", ExpectedVersion::Exactly(0),
                                 {Registered(2, "Sam Sample")}))
                .ok());
    REQUIRE(store
                ->Append(Request("family/F1", ExpectedVersion::Any(),
                                 {Note(Uuid(3), "Alex said home is calmer")}))
                .ok());
    REQUIRE(store->PutBlob("F1", doc_sha, "a referral letter about Alex Example").ok());
    // Retrying the same event is still a retry: sealing is deterministic.
    auto retry = store->Append(
        Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(3), "Alex said home is calmer")}));
    REQUIRE(retry.ok());
    CHECK(retry->retry);
    // Read back, opened.
    auto f1 = store->ReadStream("family/F1", 1, 10);
    REQUIRE(f1.ok());
    REQUIRE(f1->size() == 2);
    CHECK(f1->at(0).bytes.find("Alex Example") == std::string::npos);
    auto json = EventToJson(f1->at(0));
    REQUIRE(json.ok());
    CHECK_THAT(*json, Catch::Contains("Alex Example"));
    CHECK(*store->GetBlob("F1", doc_sha) == "a referral letter about Alex Example");
  }
  // Nothing personal is in any file of the database, not even the write-ahead log.
  for (const char* personal : {"Alex Example", "Sam Sample", "home is calmer", "Sample Street"}) {
    INFO(personal);
    CHECK(AllFiles(dir.str()).find(personal) == std::string::npos);
  }
  const std::string wrapped = WrappedKeyOf(dir.str(), "F1");
  REQUIRE(wrapped.size() == 60);
  REQUIRE(AllFiles(dir.str()).find(wrapped) != std::string::npos);

  Checkpoint before;
  std::vector<std::vector<Hash>> inclusion;
  std::vector<Hash> consistency;
  {
    auto store = OpenSealing(dir.str(), clock, *master);
    before = store->CurrentCheckpoint();
    for (uint64_t seq = 1; seq <= before.size; ++seq) {
      inclusion.push_back(*store->InclusionProof(seq - 1, before.size));
    }
    consistency = *store->ConsistencyProof(1, before.size);
    REQUIRE(store->EraseFamilyKeys("F1").ok());
    CHECK(store->FamilyErased("F1"));
    CHECK_FALSE(store->FamilyErased("F2"));
  }
  // The wrapped key is gone from every file, not merely deleted.
  CHECK(AllFiles(dir.str()).find(wrapped) == std::string::npos);
  CHECK(WrappedKeyOf(dir.str(), "F1").empty());

  auto store = OpenSealing(dir.str(), clock, *master);
  auto f1 = store->ReadStream("family/F1", 1, 10);
  REQUIRE(f1.ok());
  for (const auto& e : *f1) {
    auto json = EventToJson(e);
    REQUIRE(json.ok());
    CHECK_THAT(*json, !Catch::Contains("Alex"));
    CHECK_THAT(*json, !Catch::Contains("calmer"));
  }
  // Its personal fields read as erased, not merely sealed.
  CHECK(f1->at(0).erased);
  auto decoded = ev::Decode(f1->at(0));
  REQUIRE(decoded.ok());
  const auto& registered = std::get<ev::FamilyRegistered>(decoded->body);
  CHECK(registered.members.at(0).name == ev::kErasedPlaceholder);
  CHECK(registered.address == ev::kErasedPlaceholder);
  // Its non-personal facts are still there.
  auto first = EventToJson(f1->at(0));
  CHECK_THAT(*first, Catch::Contains("\"memberId\":\"C1\""));
  CHECK_THAT(*first, Catch::Contains("familyRegistered"));
  // Another family is untouched.
  auto f2 = store->ReadStream("family/F2", 1, 10);
  REQUIRE(f2.ok());
  CHECK_THAT(*EventToJson(f2->at(0)), Catch::Contains("Sam Sample"));
  CHECK(store->GetBlob("F1", doc_sha).status().code() == Code::kNotFound);
  // Nothing more is recorded for it.
  auto later = store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(9), "x")}));
  CHECK(later.status().code() == Code::kFailedPrecondition);
  CHECK(later.status().rule() == "family-erased");

  // The log, its root and every proof are exactly as before.
  CHECK(store->Verify(before).ok());
  CHECK(store->CurrentCheckpoint().root == before.root);
  for (uint64_t seq = 1; seq <= before.size; ++seq) {
    auto e = store->ReadSeq(seq);
    REQUIRE(e.ok());
    CHECK(VerifyInclusion(e->leaf_hash, seq - 1, before.size, inclusion[seq - 1], before.root));
    CHECK(*store->InclusionProof(seq - 1, before.size) == inclusion[seq - 1]);
  }
  auto root1 = store->Root(1);
  REQUIRE(root1.ok());
  CHECK(VerifyConsistency(1, before.size, *root1, before.root, consistency));
}

TEST_CASE(
    "erasure: a family read just before its erasure, in the same open store, reads erased "
    "after it (nothing opened is kept in the read cache)",
    "[ledger][erasure]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto master = RandomKey();
  REQUIRE(master.ok());
  auto store = OpenSealing(dir.str(), clock, *master);
  REQUIRE(store
              ->Append(Request("family/F1", ExpectedVersion::Exactly(0),
                               {Registered(1, "Alex Example"), Note(Uuid(2), "home is calmer")}))
              .ok());
  for (int read = 0; read < 2; ++read) {  // the second read is answered from the cache
    auto f1 = store->ReadStream("family/F1", 1, 10);
    REQUIRE(f1.ok());
    CHECK_THAT(*EventToJson(f1->at(0)), Catch::Contains("Alex Example"));
    CHECK_THAT(*EventToJson(*store->ReadSeq(2)), Catch::Contains("calmer"));
  }
  REQUIRE(store->EraseFamilyKeys("F1").ok());
  auto f1 = store->ReadStream("family/F1", 1, 10);
  REQUIRE(f1.ok());
  REQUIRE(f1->size() == 2);
  for (const auto& e : *f1) {
    CHECK(e.erased);
    CHECK_THAT(*EventToJson(e), !Catch::Contains("Alex"));
    CHECK_THAT(*EventToJson(e), !Catch::Contains("calmer"));
  }
  CHECK_THAT(*EventToJson(*store->ReadSeq(2)), !Catch::Contains("calmer"));
}

TEST_CASE("erasure: without the master key nothing sealed opens", "[ledger][erasure]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto master = RandomKey();
  REQUIRE(master.ok());
  {
    auto store = OpenSealing(dir.str(), clock, *master);
    REQUIRE(store
                ->Append(Request("family/F1", ExpectedVersion::Exactly(0),
                                 {Registered(1, "Alex Example")}))
                .ok());
  }
  auto other = RandomKey();
  REQUIRE(other.ok());
  auto store = OpenSealing(dir.str(), clock, *other);
  auto read = store->ReadSeq(1);
  CHECK(read.status().code() == Code::kDataLoss);  // the family key does not unwrap
  StoreOptions plain;
  plain.clock = &clock;
  store.reset();
  auto unkeyed = Store::Open(dir.str(), plain);
  REQUIRE(unkeyed.ok());
  auto e = (*unkeyed)->ReadSeq(1);
  REQUIRE(e.ok());
  CHECK_THAT(*EventToJson(*e), !Catch::Contains("Alex"));
  // Not erased: sealed, and said so.
  CHECK_FALSE(e->erased);
  auto decoded = ev::Decode(*e);
  REQUIRE(decoded.ok());
  CHECK(std::get<ev::FamilyRegistered>(decoded->body).members.at(0).name == ev::kSealedPlaceholder);
}

}  // namespace
}  // namespace caseledger::ledger
