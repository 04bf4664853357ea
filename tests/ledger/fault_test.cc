// Injected faults (issue 8): a RocksDB Env that fails writes, syncs or file creation (or says
// the disk is full) while a test asks it to. An append whose durable write fails is answered
// kUnavailable (HTTP 503: api/server.cc maps the code) and nothing of it is acknowledged or
// visible; once the fault clears the store recovers without a restart, a retry of the failed
// request is appended once or recognised as a retry, and everything acknowledged survives a
// reopen.
#include <rocksdb/env.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "ledger/json_codec.h"
#include "ledger/store.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

using testing::Note;
using testing::OpenStore;
using testing::OpenWith;
using testing::Request;
using testing::TempDir;
using testing::Uuid;

enum class Fault {
  kNone,
  kSync,      // every sync of a written file fails (what was written may be on disk)
  kWrite,     // every write to a file fails (nothing reaches it)
  kDiskFull,  // writes, syncs and new files fail with "No space left on device"
  kNewFiles,  // new files cannot be made (except the store's write probe): a reopen fails
};

// Env::Default(), failing what the current Fault says. Thread-safe.
class FaultyEnv final : public rocksdb::EnvWrapper {
 public:
  FaultyEnv() : rocksdb::EnvWrapper(rocksdb::Env::Default()) {}
  const char* Name() const override { return "FaultyEnv"; }

  void Set(Fault fault) { fault_.store(fault); }
  // How many calls failed because of a fault.
  uint64_t injected() const { return injected_.load(); }

  enum class Op { kCreate, kWrite, kSync };
  rocksdb::Status Check(Op op, const std::string& name = {}) {
    const Fault f = fault_.load();
    bool fails = false;
    switch (f) {
      case Fault::kNone:
        break;
      case Fault::kSync:
        fails = op == Op::kSync;
        break;
      case Fault::kWrite:
        fails = op == Op::kWrite;
        break;
      case Fault::kDiskFull:
        fails = true;
        break;
      case Fault::kNewFiles:
        fails = op == Op::kCreate && name.find("caseledger-write-probe") == std::string::npos;
        break;
    }
    if (!fails) return rocksdb::Status::OK();
    injected_.fetch_add(1);
    if (f == Fault::kDiskFull) return rocksdb::Status::NoSpace("injected");
    return rocksdb::Status::IOError("injected fault");
  }

  rocksdb::Status NewWritableFile(const std::string& name,
                                  std::unique_ptr<rocksdb::WritableFile>* result,
                                  const rocksdb::EnvOptions& options) override {
    if (auto s = Check(Op::kCreate, name); !s.ok()) return s;
    std::unique_ptr<rocksdb::WritableFile> file;
    rocksdb::Status s = target()->NewWritableFile(name, &file, options);
    if (s.ok()) *result = std::make_unique<File>(this, std::move(file));
    return s;
  }
  rocksdb::Status ReopenWritableFile(const std::string& name,
                                     std::unique_ptr<rocksdb::WritableFile>* result,
                                     const rocksdb::EnvOptions& options) override {
    if (auto s = Check(Op::kCreate, name); !s.ok()) return s;
    std::unique_ptr<rocksdb::WritableFile> file;
    rocksdb::Status s = target()->ReopenWritableFile(name, &file, options);
    if (s.ok()) *result = std::make_unique<File>(this, std::move(file));
    return s;
  }

 private:
  class File final : public rocksdb::WritableFileWrapper {
   public:
    File(FaultyEnv* env, std::unique_ptr<rocksdb::WritableFile> file)
        : rocksdb::WritableFileWrapper(file.get()), env_(env), file_(std::move(file)) {}
    rocksdb::Status Append(const rocksdb::Slice& data) override {
      if (auto s = env_->Check(Op::kWrite); !s.ok()) return s;
      return WritableFileWrapper::Append(data);
    }
    rocksdb::Status Append(const rocksdb::Slice& data,
                           const rocksdb::DataVerificationInfo& info) override {
      if (auto s = env_->Check(Op::kWrite); !s.ok()) return s;
      return WritableFileWrapper::Append(data, info);
    }
    rocksdb::Status PositionedAppend(const rocksdb::Slice& data, uint64_t offset) override {
      if (auto s = env_->Check(Op::kWrite); !s.ok()) return s;
      return WritableFileWrapper::PositionedAppend(data, offset);
    }
    rocksdb::Status PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::DataVerificationInfo& info) override {
      if (auto s = env_->Check(Op::kWrite); !s.ok()) return s;
      return WritableFileWrapper::PositionedAppend(data, offset, info);
    }
    rocksdb::Status Flush() override {
      if (auto s = env_->Check(Op::kWrite); !s.ok()) return s;
      return WritableFileWrapper::Flush();
    }
    rocksdb::Status Sync() override {
      if (auto s = env_->Check(Op::kSync); !s.ok()) return s;
      return WritableFileWrapper::Sync();
    }
    rocksdb::Status Fsync() override {
      if (auto s = env_->Check(Op::kSync); !s.ok()) return s;
      return WritableFileWrapper::Fsync();
    }
    rocksdb::Status RangeSync(uint64_t offset, uint64_t nbytes) override {
      if (auto s = env_->Check(Op::kSync); !s.ok()) return s;
      return WritableFileWrapper::RangeSync(offset, nbytes);
    }

   private:
    FaultyEnv* env_;
    std::unique_ptr<rocksdb::WritableFile> file_;  // the wrapper's target, owned here
  };

  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<uint64_t> injected_{0};
};

// Counts what the sequencer tells the rules: after recovery they must have learned every
// event of the log, including a failed batch found stored after all.
class CountingGuard final : public AppendGuard {
 public:
  Status Check(const AppendRequest&, int64_t) override { return Status(); }
  void Staged(const std::vector<RecordedEvent>& events) override { staged += events.size(); }
  void Committed() override {
    committed += staged;
    staged = 0;
  }
  void Abandoned() override { staged = 0; }
  std::atomic<uint64_t> staged{0}, committed{0};
};

// Every seq from 1 to Size() once, each eventId once; returns eventId -> seq.
std::map<std::string, uint64_t> CheckLogWithoutGaps(Store& store) {
  const uint64_t size = store.Size();
  auto log = store.ReadLog(0, size + 10);
  REQUIRE(log.ok());
  REQUIRE(log->size() == size);
  std::map<std::string, uint64_t> ids;
  for (size_t i = 0; i < log->size(); ++i) {
    CHECK((*log)[i].seq == i + 1);
    CHECK(ids.emplace((*log)[i].event_id.ToString(), (*log)[i].seq).second);
  }
  return ids;
}

// One fault, then recovery. `failed_batch_stored`: whether the failed batch reached RocksDB's
// log (a sync that fails after the write did) and is found stored once the store recovers.
void FailThenRecover(Fault fault, bool failed_batch_stored) {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  FaultyEnv env;
  CountingGuard guard;
  StoreOptions options;
  options.env = &env;
  options.guard = &guard;
  auto store = OpenWith(dir.str(), clock, options);
  auto first = store->Append(
      Request("family/F1", ExpectedVersion::Exactly(0), {Note(Uuid(1)), Note(Uuid(2))}));
  REQUIRE(first.ok());
  const Checkpoint before = store->CurrentCheckpoint();

  env.Set(fault);
  clock.Advance(1'000'000);
  const AppendRequest failing = Request("family/F2", ExpectedVersion::Exactly(0),
                                        {Note(Uuid(3), "failed"), Note(Uuid(4), "failed too")});
  auto refused = store->Append(failing);
  INFO(refused.status().ToString());
  REQUIRE(refused.status().code() == Code::kUnavailable);
  CHECK(env.injected() > 0);
  CHECK(store->Stats().write_failures == 1);
  if (fault == Fault::kDiskFull) {
    CHECK_THAT(refused.status().message(), Catch::Contains("the disk is full"));
  }
  CHECK_THAT(refused.status().message(), Catch::Contains("retry it unchanged"));
  // Nothing of the batch is acknowledged, published or readable.
  CHECK(store->Size() == 2);
  CHECK(store->CurrentCheckpoint().size == before.size);
  CHECK(store->CurrentCheckpoint().root == before.root);
  CHECK(store->ReadSeq(3).status().code() == Code::kNotFound);
  CHECK(store->ReadEventId(*EventId::Parse(Uuid(3))).status().code() == Code::kNotFound);
  CHECK(store->ReadLog(2, 10)->empty());
  CHECK(*store->StreamVersion("family/F2") == 0);
  CHECK(store->ReadStream("family/F2", 1, 10)->empty());

  // While the fault lasts, appends are refused without writing anything; reads go on.
  auto still = store->Append(Request("family/F3", ExpectedVersion::Any(), {Note(Uuid(9))}));
  INFO(still.status().ToString());
  CHECK(still.status().code() == Code::kUnavailable);
  if (fault == Fault::kDiskFull) {
    CHECK_THAT(still.status().message(), Catch::Contains("disk is full"));
  }
  CHECK(store->ReadSeq(2)->event_id.ToString() == Uuid(2));
  CHECK(store->Size() == 2);

  // The fault clears: the next append works, its seq right after what is stored.
  env.Set(Fault::kNone);
  const uint64_t found = failed_batch_stored ? 2 : 0;
  auto next = store->Append(Request("family/F1", ExpectedVersion::Exactly(2), {Note(Uuid(5))}));
  INFO(next.status().ToString());
  REQUIRE(next.ok());
  CHECK(next->events[0].seq == 3 + found);
  CHECK(store->Size() == 3 + found);
  // The failed request again, unchanged: appended once, or recognised as a retry.
  auto retried = store->Append(failing);
  REQUIRE(retried.ok());
  CHECK(retried->retry == failed_batch_stored);
  CHECK(retried->version == 2);
  auto again = store->Append(failing);
  REQUIRE(again.ok());
  CHECK(again->retry);
  CHECK(again->events[0].seq == retried->events[0].seq);
  CHECK(store->Size() == 5);
  CHECK(store->ReadEventId(*EventId::Parse(Uuid(9))).status().code() == Code::kNotFound);

  auto ids = CheckLogWithoutGaps(*store);
  CHECK(ids.size() == 5);
  CHECK(guard.committed == store->Size());
  Status verified = store->Verify(before);
  INFO(verified.ToString());
  CHECK(verified.ok());

  // Everything acknowledged is there after a reopen, with the same seqs.
  const Checkpoint end = store->CurrentCheckpoint();
  store.reset();
  auto reopened = OpenStore(dir.str(), clock);
  CHECK(reopened->Size() == 5);
  CHECK(reopened->CurrentCheckpoint().root == end.root);
  CHECK(CheckLogWithoutGaps(*reopened) == ids);
  CHECK(reopened->ReadEventId(*EventId::Parse(Uuid(5)))->seq == next->events[0].seq);
  CHECK(reopened->ReadEventId(*EventId::Parse(Uuid(3)))->seq == retried->events[0].seq);
  CHECK(reopened->Verify(end).ok());
}

TEST_CASE(
    "fault: a failed sync answers unavailable, and once it clears the batch found in the "
    "log is kept and its retry recognised",
    "[ledger][fault]") {
  FailThenRecover(Fault::kSync, /*failed_batch_stored=*/true);
}

TEST_CASE(
    "fault: a failed write answers unavailable, and once it clears the next append and "
    "the retry are appended without gaps",
    "[ledger][fault]") {
  FailThenRecover(Fault::kWrite, /*failed_batch_stored=*/false);
}

TEST_CASE(
    "fault: a full disk answers unavailable saying the disk is full, and the ledger works "
    "again once there is space",
    "[ledger][fault]") {
  FailThenRecover(Fault::kDiskFull, /*failed_batch_stored=*/false);
}

TEST_CASE(
    "fault: when the database cannot be reopened for writing, reads go on and a later "
    "append recovers",
    "[ledger][fault]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  FaultyEnv env;
  StoreOptions options;
  options.env = &env;
  auto store = OpenWith(dir.str(), clock, options);
  REQUIRE(store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(1))})).ok());

  env.Set(Fault::kSync);
  CHECK(store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(2))}))
            .status()
            .code() == Code::kUnavailable);
  // The disk takes writes again but no new file: the reopen for writing fails, and the
  // database is opened read-only meanwhile.
  env.Set(Fault::kNewFiles);
  auto refused = store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(3))}));
  INFO(refused.status().ToString());
  CHECK(refused.status().code() == Code::kUnavailable);
  CHECK(store->Size() == 1);
  CHECK(store->ReadSeq(1)->event_id.ToString() == Uuid(1));
  CHECK(store->ReadSeq(2).status().code() == Code::kNotFound);
  CHECK(*store->StreamVersion("family/F1") == 1);

  env.Set(Fault::kNone);
  auto next = store->Append(Request("family/F1", ExpectedVersion::Any(), {Note(Uuid(3))}));
  INFO(next.status().ToString());
  REQUIRE(next.ok());
  // The first failed batch reached the log before its sync failed: it is kept, before it.
  CHECK(next->events[0].seq == 3);
  CHECK(store->ReadEventId(*EventId::Parse(Uuid(2)))->seq == 2);
  CheckLogWithoutGaps(*store);
  CHECK(store->Verify(std::nullopt).ok());
}

TEST_CASE("fault: a failed document write is recovered from within seconds without an append",
          "[ledger][fault]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  FaultyEnv env;
  StoreOptions options;
  options.env = &env;
  auto store = OpenWith(dir.str(), clock, options);
  const Hash sha = Sha256("bytes");
  env.Set(Fault::kSync);
  CHECK(store->PutBlob("F1", sha, "bytes").code() == Code::kUnavailable);
  env.Set(Fault::kNone);
  // RocksDB refuses every write until the database is reopened, which the idle sequencer
  // does within about a second.
  Status put = store->PutBlob("F1", sha, "bytes");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!put.ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    put = store->PutBlob("F1", sha, "bytes");
  }
  INFO(put.ToString());
  REQUIRE(put.ok());
  CHECK(*store->GetBlob("F1", sha) == "bytes");
  CHECK(store->Append(Request("family/F1", ExpectedVersion::Exactly(0), {Note(Uuid(1))})).ok());
  CHECK(store->Size() == 1);
}

// testing::Note without Catch's assertions, which are for the test's own thread.
std::optional<EventDraft> ThreadNote(const std::string& event_id) {
  auto draft = ParseEventJson(R"({"eventId":")" + event_id +
                              R"(","type":"caseNoteAdded","occurredAt":"2026-03-02T10:15:00Z",)"
                              R"("data":{"episodeId":"E1","noteId":"N1","category":"contact",)"
                              R"("text":"note","significant":false}})");
  if (!draft.ok()) return std::nullopt;
  return std::move(draft).value();
}

TEST_CASE(
    "fault: 8 appenders while faults come and go: every acknowledged event is in the log once, "
    "without gaps, after a reopen",
    "[ledger][fault][slow]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  FaultyEnv env;
  CountingGuard guard;
  StoreOptions options;
  options.env = &env;
  options.guard = &guard;
  auto store = OpenWith(dir.str(), clock, options);

  constexpr int kThreads = 8;
  constexpr int kRounds = 12;  // of faults
  std::atomic<int> refusals{0};
  std::atomic<bool> failed{false};       // an appender saw something it should not
  std::atomic<bool> faults_done{false};  // the appenders stop
  std::atomic<uint64_t> appended{0};     // requests acknowledged
  std::vector<std::map<std::string, uint64_t>> acknowledged(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      for (uint64_t i = 0; !faults_done && !failed; ++i) {
        // Two events, so that a request is seen to be appended whole or not at all.
        auto a = ThreadNote(Uuid(2 * i, t + 1));
        auto b = ThreadNote(Uuid(2 * i + 1, t + 1));
        if (!a || !b) {
          failed = true;
          break;
        }
        const AppendRequest request = Request(
            "family/T" + std::to_string(t), ExpectedVersion::Any(), {std::move(*a), std::move(*b)});
        for (;;) {
          // A refused request is sent again unchanged until it is acknowledged.
          auto r = store->Append(request);
          if (r.ok()) {
            if (r->events.size() != 2 || r->events[1].seq != r->events[0].seq + 1) failed = true;
            for (const auto& e : r->events) acknowledged[t][e.event_id.ToString()] = e.seq;
            ++appended;
            break;
          }
          if (r.status().code() != Code::kUnavailable ||
              std::chrono::steady_clock::now() > deadline) {
            failed = true;
            break;
          }
          ++refusals;
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
    });
  }
  // Rounds of faults of every kind: each waits for three batch writes (the store recovered
  // from the last), then fails the next one. Every other round a second fault follows a little
  // later, while the store recovers: it may hit the write probe, the reopen or nothing.
  bool stalled = false;
  {
    std::mt19937 random(42);
    const Fault kinds[] = {Fault::kSync, Fault::kWrite, Fault::kDiskFull};
    const auto wait_for = [&](const auto& done) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!done()) {
        if (failed || std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      return true;
    };
    for (int round = 0; round < kRounds && !stalled; ++round) {
      const uint64_t batches = store->Stats().batches;
      stalled = !wait_for([&] { return store->Stats().batches >= batches + 3; });
      const uint64_t failures = store->Stats().write_failures;
      env.Set(kinds[round % 3]);
      stalled = stalled || !wait_for([&] { return store->Stats().write_failures > failures; });
      env.Set(Fault::kNone);
      if (round % 2 == 1) {
        std::this_thread::sleep_for(std::chrono::milliseconds(random() % 150));
        env.Set(kinds[(round + 1) % 3]);
        std::this_thread::sleep_for(std::chrono::milliseconds(2 + random() % 10));
        env.Set(Fault::kNone);
      }
    }
  }
  faults_done = true;
  for (auto& th : threads) th.join();
  REQUIRE_FALSE(failed);
  REQUIRE_FALSE(stalled);
  INFO("refused " << refusals << " times, " << store->Stats().write_failures
                  << " failed batch writes, " << env.injected() << " injected failures");
  CHECK(store->Stats().write_failures >= kRounds);
  CHECK(refusals > 0);
  CHECK(guard.committed == store->Size());

  store.reset();
  auto reopened = OpenStore(dir.str(), clock);
  const auto ids = CheckLogWithoutGaps(*reopened);
  // Every request was acknowledged in the end, each exactly once.
  CHECK(reopened->Size() == 2 * appended);
  for (const auto& per_thread : acknowledged) {
    for (const auto& [id, seq] : per_thread) {
      auto it = ids.find(id);
      REQUIRE(it != ids.end());
      CHECK(it->second == seq);
    }
  }
  Status verified = reopened->Verify(std::nullopt);
  INFO(verified.ToString());
  CHECK(verified.ok());
}

}  // namespace
}  // namespace caseledger::ledger
