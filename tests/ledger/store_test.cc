// The store on real RocksDB files in a temporary folder: appends, reads, versions,
// idempotency, atomicity, the group commit under concurrency, and reopening.
#include <catch2/catch.hpp>

#include <future>
#include <map>
#include <set>
#include <thread>

#include "ledger/merkle.h"
#include "ledger/store.h"
#include "ledger/time_format.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

using testing::Note;
using testing::OpenStore;
using testing::Request;
using testing::TempDir;
using testing::Uuid;

TEST_CASE("store: an appended event is read back by stream, seq, eventId and the log",
          "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  auto r = store->Append(Request("family/F1", ExpectedVersion::Exactly(0),
                                 {Note(Uuid(1), "first"), Note(Uuid(2), "second")}));
  REQUIRE(r.ok());
  CHECK_FALSE(r->retry);
  CHECK(r->version == 2);
  REQUIRE(r->events.size() == 2);
  CHECK(r->events[0].seq == 1);
  CHECK(r->events[1].seq == 2);
  CHECK(r->events[1].version == 2);
  CHECK(r->events[0].recorded_at == testing::kMarch2);
  CHECK(store->Size() == 2);

  auto stream = store->ReadStream("family/F1", 1, 100);
  REQUIRE(stream.ok());
  REQUIRE(stream->size() == 2);
  const RecordedEvent& e = (*stream)[1];
  CHECK(e.seq == 2);
  CHECK(e.stream == "family/F1");
  CHECK(e.type == "caseNoteAdded");
  CHECK(e.event_id.ToString() == Uuid(2));
  CHECK(e.occurred_at == testing::kMarch2);
  CHECK(e.actor.id == "P1");
  CHECK(e.actor.role == "practitioner");
  CHECK(e.leaf_hash == LeafHash(e.bytes));
  CHECK(e.leaf_hash == r->events[1].leaf_hash);

  auto json = EventToJson(e);
  REQUIRE(json.ok());
  CHECK_THAT(*json, Catch::Contains(R"("text":"second")"));
  CHECK_THAT(*json, Catch::Contains(R"("recordedAt":"2026-03-02T10:15:00Z")"));

  CHECK(store->ReadSeq(1)->event_id.ToString() == Uuid(1));
  CHECK(store->ReadEventId(*EventId::Parse(Uuid(2)))->seq == 2);
  CHECK(store->ReadSeq(3).status().code() == Code::kNotFound);
  CHECK(store->ReadEventId(*EventId::Parse(Uuid(9))).status().code() == Code::kNotFound);
  auto log = store->ReadLog(1, 10);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 1);
  CHECK(log->front().seq == 2);
  CHECK(*store->StreamVersion("family/F1") == 2);
  CHECK(*store->StreamVersion("family/F2") == 0);
  CHECK(store->ReadStream("family/F1", 2, 100)->size() == 1);
}

TEST_CASE("store: an append with the wrong expected version is a conflict naming the current",
          "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  REQUIRE(store->Append(Request("family/F1", ExpectedVersion::Exactly(0), {Note(Uuid(1))})).ok());
  auto again = store->Append(Request("family/F1", ExpectedVersion::Exactly(0), {Note(Uuid(2))}));
  REQUIRE(again.status().code() == Code::kAborted);
  CHECK(again.status().current_version() == 1u);
  auto stale = store->Append(Request("family/F1", ExpectedVersion::Exactly(5), {Note(Uuid(3))}));
  CHECK(stale.status().code() == Code::kAborted);
  CHECK(store->Size() == 1);
  CHECK(store->Append(Request("family/F1", ExpectedVersion::Exactly(1), {Note(Uuid(4))})).ok());
  CHECK(store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(5))})).ok());
  CHECK(*store->StreamVersion("family/F1") == 3);
}

TEST_CASE("store: a retry with the same eventIds returns the first result and appends nothing",
          "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  auto first = store->Append(
      Request("family/F1", ExpectedVersion::Exactly(0), {Note(Uuid(1)), Note(Uuid(2))}));
  REQUIRE(first.ok());
  clock.Advance(5'000'000);
  // The stream moved on since: a retry still succeeds, whatever it expected.
  auto retry = store->Append(
      Request("family/F1", ExpectedVersion::Exactly(0), {Note(Uuid(1)), Note(Uuid(2))}));
  REQUIRE(retry.ok());
  CHECK(retry->retry);
  CHECK(retry->version == 2);
  REQUIRE(retry->events.size() == 2);
  CHECK(retry->events[1].seq == first->events[1].seq);
  CHECK(retry->events[1].recorded_at == first->events[1].recorded_at);
  CHECK(retry->events[1].leaf_hash == first->events[1].leaf_hash);
  CHECK(store->Size() == 2);
}

TEST_CASE("store: an eventId reused with other content is refused and appends nothing",
          "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  REQUIRE(store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(1), "a")})).ok());
  auto other_text =
      store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(1), "b")}));
  CHECK(other_text.status().code() == Code::kAlreadyExists);
  auto other_stream =
      store->Append(Request("family/F2", ExpectedVersion::Any(), {Note(Uuid(1), "a")}));
  CHECK(other_stream.status().code() == Code::kAlreadyExists);
  auto partly_new = store->Append(
      Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(1), "a"), Note(Uuid(2))}));
  CHECK(partly_new.status().code() == Code::kAlreadyExists);
  CHECK(store->Size() == 1);
  CHECK(*store->StreamVersion("family/F2") == 0);
}

// A guard that refuses any request carrying a note with text "refuse".
class RefuseText final : public AppendGuard {
 public:
  Status Check(const AppendRequest& request, int64_t) override {
    if (hold_first) {
      hold_first = false;
      entered.set_value();
      release.get_future().wait();
    }
    for (const auto& e : request.events) {
      if (e.type() == "caseNoteAdded" && refuse_ids.count(e.id()) != 0) {
        return Status::RuleViolated("test-rule", "refused by the test guard");
      }
    }
    return Status();
  }
  void Staged(const std::vector<RecordedEvent>& events) override { staged += events.size(); }
  void Committed() override {
    committed += staged;
    staged = 0;
    ++batches;
  }
  void Abandoned() override { staged = 0; }
  std::set<EventId> refuse_ids;
  size_t staged = 0, committed = 0, batches = 0;
  // When set, the first Check holds the writer until `release`, so that everything submitted
  // meanwhile lands in the next batch together.
  bool hold_first = false;
  std::promise<void> entered, release;
};

TEST_CASE("store: a multi-event append is all or nothing", "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  RefuseText guard;
  guard.refuse_ids.insert(*EventId::Parse(Uuid(3)));
  auto store = OpenStore(dir.str(), clock, &guard);
  auto refused = store->Append(Request("family/F1", ExpectedVersion::Exactly(0),
                                       {Note(Uuid(1)), Note(Uuid(2)), Note(Uuid(3))}));
  REQUIRE(refused.status().code() == Code::kFailedPrecondition);
  CHECK(refused.status().rule() == "test-rule");
  CHECK(store->Size() == 0);
  CHECK(*store->StreamVersion("family/F1") == 0);
  CHECK(store->ReadEventId(*EventId::Parse(Uuid(1))).status().code() == Code::kNotFound);
  // The first two were not kept as idempotency keys either: they append fine now.
  auto ok = store->Append(
      Request("family/F1", ExpectedVersion::Exactly(0), {Note(Uuid(1)), Note(Uuid(2))}));
  REQUIRE(ok.ok());
  CHECK_FALSE(ok->retry);
  CHECK(guard.committed == 2);
}

TEST_CASE("store: a refused request does not affect the others in its batch", "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  RefuseText guard;
  guard.refuse_ids.insert(*EventId::Parse(Uuid(50)));
  guard.hold_first = true;
  auto store = OpenStore(dir.str(), clock, &guard);
  std::vector<std::future<Result<AppendResult>>> futures;
  futures.push_back(
      store->AppendAsync(Request("family/F0", ExpectedVersion::Exactly(0), {Note(Uuid(0))})));
  guard.entered.get_future().wait();  // the writer holds request 0; the rest queue up
  for (uint64_t i = 1; i < 100; ++i) {
    // F1 expects exact versions 0, 1, 2... in one batch; i == 10 (F1's 4th) expects a wrong
    // one; i == 50 is refused by the guard; i == 72 repeats i == 69's eventId and content.
    std::string stream = "family/F" + std::to_string(i % 3);
    ExpectedVersion expected = ExpectedVersion::Any();
    if (i % 3 == 1) expected = ExpectedVersion::Exactly(static_cast<uint32_t>(i / 3));
    if (i == 10) expected = ExpectedVersion::Exactly(99);
    if (i > 10 && i % 3 == 1) expected = ExpectedVersion::Exactly(static_cast<uint32_t>(i / 3 - 1));
    uint64_t id = i == 72 ? 69 : i;  // both on family/F0
    futures.push_back(store->AppendAsync(Request(stream, expected, {Note(Uuid(id))})));
  }
  guard.release.set_value();
  int ok = 0, retries = 0, conflict = 0, refused = 0;
  for (auto& f : futures) {
    auto r = f.get();
    if (r.ok() && !r->retry) ++ok;
    if (r.ok() && r->retry) ++retries;
    if (r.status().code() == Code::kAborted) ++conflict;
    if (r.status().code() == Code::kFailedPrecondition) ++refused;
  }
  CHECK(guard.batches == 2);  // request 0, then the other 99 together
  CHECK(ok == 97);
  CHECK(retries == 1);
  CHECK(conflict == 1);
  CHECK(refused == 1);
  CHECK(store->Size() == 97);
  CHECK(*store->StreamVersion("family/F1") == 32);
  CHECK(store->Verify(std::nullopt).ok());
}

TEST_CASE("store: a chain of requests is one durable write that stops at the first refusal",
          "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  RefuseText guard;
  auto store = OpenStore(dir.str(), clock, &guard);
  REQUIRE(store->Append(Request("family/F1", ExpectedVersion::Exactly(0), {Note(Uuid(1))})).ok());
  const size_t batches_before = guard.batches;
  std::vector<AppendRequest> chain;
  chain.push_back(Request("family/F1", ExpectedVersion::Exactly(0), {Note(Uuid(1))}));  // retry
  chain.push_back(Request("family/F1", ExpectedVersion::Exactly(1), {Note(Uuid(2))}));
  chain.push_back(
      Request("family/F2", ExpectedVersion::Exactly(0), {Note(Uuid(3)), Note(Uuid(4))}));
  chain.push_back(Request("family/F1", ExpectedVersion::Exactly(1), {Note(Uuid(5))}));  // stale
  chain.push_back(Request("family/F3", ExpectedVersion::Exactly(0), {Note(Uuid(6))}));
  auto results = store->AppendChain(std::move(chain));
  REQUIRE(results.size() == 4);
  CHECK(results[0]->retry);
  CHECK(results[1]->events[0].seq == 2);
  CHECK(results[2]->version == 2);
  CHECK(results[3].status().code() == Code::kAborted);
  CHECK(results[3].status().current_version() == 2u);
  CHECK(guard.batches == batches_before + 1);
  CHECK(store->Size() == 4);
  CHECK(*store->StreamVersion("family/F3") == 0);
  CHECK(store->AppendChain({}).empty());
}

TEST_CASE("store: an eventId twice in one request, or an empty draft, is refused",
          "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  auto twice =
      store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(1)), Note(Uuid(1))}));
  CHECK(twice.status().code() == Code::kInvalidArgument);
  CHECK(twice.status().field() == "events[1].eventId");
  auto empty = store->Append(Request("family/F1", ExpectedVersion::Any(), {EventDraft()}));
  CHECK(empty.status().code() == Code::kInvalidArgument);
  CHECK(store->Size() == 0);
}

TEST_CASE("store: 8 threads x 1000 appends give 8000 events, gapless seq, per-stream versions",
          "[ledger][store][slow]") {
  TempDir dir;
  SystemClock clock;
  auto store = OpenStore(dir.str(), clock);
  constexpr int kThreads = 8, kPerThread = 1000;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Each thread writes its own stream with exact versions, plus a shared stream.
        bool shared = i % 4 == 0;
        std::string stream = shared ? "family/shared" : "family/T" + std::to_string(t);
        auto r = store->Append(
            Request(stream, ExpectedVersion::Any(), {Note(Uuid(static_cast<uint64_t>(i), t))}));
        if (!r.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  REQUIRE(store->Size() == kThreads * kPerThread);
  auto log = store->ReadLog(0, 100000);
  REQUIRE(log.ok());
  REQUIRE(log->size() == kThreads * kPerThread);
  std::map<std::string, uint32_t> versions;
  int64_t last_recorded = 0;
  for (size_t i = 0; i < log->size(); ++i) {
    const auto& e = (*log)[i];
    CHECK(e.seq == i + 1);
    CHECK(e.version == ++versions[e.stream]);
    CHECK(e.recorded_at >= last_recorded);
    last_recorded = e.recorded_at;
  }
  CHECK(versions["family/shared"] == kThreads * kPerThread / 4);
  for (int t = 0; t < kThreads; ++t) {
    CHECK(versions["family/T" + std::to_string(t)] == kPerThread * 3 / 4);
  }
  CHECK(store->Verify(std::nullopt).ok());
}

TEST_CASE("store: recordedAt never goes back, even when the clock does", "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  auto a = store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(1))}));
  clock.Advance(-3'600'000'000);  // an hour back
  auto b = store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(2))}));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(b->events[0].recorded_at == a->events[0].recorded_at);
  clock.Advance(7'200'000'000);
  auto c = store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(3))}));
  CHECK(c->events[0].recorded_at == testing::kMarch2 + 3'600'000'000);
  // "As of" a recorded time finds the last event recorded by then.
  CHECK(*store->SeqAsOf(testing::kMarch2 - 1) == 0);
  CHECK(*store->SeqAsOf(testing::kMarch2) == 2);
  CHECK(*store->SeqAsOf(testing::kMarch2 + 3'600'000'000) == 3);
  CHECK(store->ReadStream("family/F1", 1, 100, 2)->size() == 2);
}

TEST_CASE("store: reopen restores the head, the tree, versions and the idempotency keys",
          "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  Checkpoint before;
  {
    auto store = OpenStore(dir.str(), clock);
    for (uint64_t i = 1; i <= 37; ++i) {
      REQUIRE(store
                  ->Append(Request("family/F" + std::to_string(i % 4), ExpectedVersion::Any(),
                                   {Note(Uuid(i))}))
                  .ok());
    }
    before = store->CurrentCheckpoint();
  }
  clock.Advance(-1'000'000);  // the clock went back while we were closed
  auto store = OpenStore(dir.str(), clock);
  CHECK(store->Size() == 37);
  CHECK(store->CurrentCheckpoint().root == before.root);
  CHECK(*store->StreamVersion("family/F1") == 10);
  auto retry = store->Append(Request("family/F5", ExpectedVersion::Any(), {Note(Uuid(5))}));
  CHECK(retry.status().code() == Code::kAlreadyExists);  // Uuid(5) went to family/F1
  auto same = store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(5))}));
  REQUIRE(same.ok());
  CHECK(same->retry);
  CHECK(same->events[0].seq == 5);
  auto conflict =
      store->Append(Request("family/F1", ExpectedVersion::Exactly(9), {Note(Uuid(99))}));
  CHECK(conflict.status().current_version() == 10u);
  auto next = store->Append(Request("family/F1", ExpectedVersion::Exactly(10), {Note(Uuid(99))}));
  REQUIRE(next.ok());
  CHECK(next->events[0].seq == 38);
  CHECK(next->events[0].recorded_at == testing::kMarch2);  // not before the last one
  auto proof = store->ConsistencyProof(37, 38);
  REQUIRE(proof.ok());
  CHECK(VerifyConsistency(37, 38, before.root, store->CurrentCheckpoint().root, *proof));
  CHECK(store->Verify(before).ok());
}

TEST_CASE("store: a second process cannot open the same data folder for writing",
          "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  StoreOptions o;
  o.clock = &clock;
  auto second = Store::Open(dir.str(), o);
  CHECK(second.status().code() == Code::kUnavailable);
  o.read_only = true;
  auto reader = Store::Open(dir.str(), o);
  REQUIRE(reader.ok());
  CHECK((*reader)
            ->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(1))}))
            .status()
            .code() == Code::kUnavailable);
}

TEST_CASE("store: malformed requests are refused before anything is written", "[ledger][store]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir.str(), clock);
  auto bad_stream =
      store->Append(Request("family/no spaces", ExpectedVersion::Any(), {Note(Uuid(1))}));
  CHECK(bad_stream.status().code() == Code::kInvalidArgument);
  CHECK(bad_stream.status().field() == "stream");
  CHECK(
      store->Append(Request("nonsense", ExpectedVersion::Any(), {Note(Uuid(1))})).status().code() ==
      Code::kInvalidArgument);
  CHECK(store->Append(Request("family/F1", ExpectedVersion::Any(), {})).status().code() ==
        Code::kInvalidArgument);
  CHECK(store->Size() == 0);
}

TEST_CASE("store: proofs from the stored tree hold for every seq and every two sizes",
          "[ledger][store][proofs]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  std::vector<Hash> roots{EmptyRoot()};  // roots[n]: the root when the log had n events
  std::vector<Hash> leaves;
  {
    auto store = OpenStore(dir.str(), clock);
    for (uint64_t i = 1; i <= 37; ++i) {
      auto r = store->Append(Request("family/F" + std::to_string(i % 4), ExpectedVersion::Any(),
                                     {Note(Uuid(i), "note " + std::to_string(i))}));
      REQUIRE(r.ok());
      roots.push_back(store->CurrentCheckpoint().root);
      auto e = store->ReadSeq(i);
      REQUIRE(e.ok());
      leaves.push_back(LeafHash(e->bytes));
    }
  }
  // Reopened: everything below comes from the nodes stored in RocksDB.
  auto store = OpenStore(dir.str(), clock);
  for (uint64_t n = 1; n <= 37; ++n) {
    INFO("size " << n);
    auto root = store->Root(n);
    REQUIRE(root.ok());
    CHECK(*root == roots[n]);
    for (uint64_t seq = 1; seq <= n; ++seq) {
      auto path = store->InclusionProof(seq - 1, n);
      REQUIRE(path.ok());
      CHECK(VerifyInclusion(leaves[seq - 1], seq - 1, n, *path, roots[n]));
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto proof = store->ConsistencyProof(m, n);
      REQUIRE(proof.ok());
      CHECK(VerifyConsistency(m, n, roots[m], roots[n], *proof));
    }
  }
  CHECK(store->InclusionProof(37, 37).status().code() == Code::kInvalidArgument);
  CHECK(store->ConsistencyProof(5, 38).status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace caseledger::ledger
