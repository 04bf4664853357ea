// Store::Impl: the state shared by the store's files (store.cc: open and reads; sequencer.cc:
// the write path; verify.cc: the audit pass). Internal to ledger/.
//
// Ownership: Impl owns the Db and the writer thread. State marked "sequencer" is touched only
// by the writer thread (and by Open before it starts); "published" state is guarded by
// published_mu and read by any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ledger/internal/db.h"
#include "ledger/internal/event_cache.h"
#include "ledger/internal/keyring.h"
#include "ledger/stats.h"
#include "ledger/store.h"

namespace caseledger::ledger {

// Reads full-subtree hashes from the merkle column family.
// A stored tree node's value read back: kNotFound when absent, kDataLoss when not 32 bytes.
Result<Hash> TreeNodeValue(uint8_t level, uint64_t index, std::string_view value, bool found);

class DbNodeSource final : public NodeSource {
 public:
  explicit DbNodeSource(internal::Db* db) : db_(db) {}
  Result<Hash> Node(uint8_t level, uint64_t index) const override;

 private:
  internal::Db* db_;
};

class Store::Impl {
 public:
  explicit Impl(std::unique_ptr<internal::Db> d, const StoreOptions& o)
      : db(std::move(d)), options(o), node_source(db.get()) {}

  // sequencer.cc
  void StartWriter();
  void StopWriter();
  std::future<Result<AppendResult>> Submit(AppendRequest request);
  std::future<std::vector<Result<AppendResult>>> SubmitChain(std::vector<AppendRequest> requests);

  // store.cc: checks the storage format and restores the head on an open `db`; `where`
  // names it in messages. The one Open of every kind of store (backup.cc opens backups).
  static Result<std::unique_ptr<Store>> OpenOn(std::unique_ptr<internal::Db> db,
                                               const StoreOptions& options,
                                               const std::string& where);
  // The head as stored now: its size and recordedAt, checked against the last stored event,
  // and the tree's right edge. kDataLoss when they disagree.
  struct Head {
    uint64_t size = 0;
    int64_t last_recorded_at = 0;
    MerkleFrontier frontier;
  };
  Result<Head> ReadHead();
  // Read-only stores and replicas refuse writes with this kUnavailable (`what`: "appends
  // are made", as in "...: appends are made only on the primary").
  bool ReadOnly() const;
  Status ReadOnlyError(const std::string& what) const;
  // Makes the head and the frontier the published size and root.
  void Publish();

  // store.cc: the latest version of `stream` whose seq <= max_seq (0 when none).
  Result<uint32_t> LatestVersion(const std::string& stream, uint64_t max_seq);
  Result<RecordedEvent> ReadSeq(uint64_t seq);
  // ReadSeq through the cache: only for a published seq (<= the published size).
  Result<RecordedEvent> ReadPublished(uint64_t seq);
  Checkpoint Published();
  // Sealing (when there is a master key): the personal fields of a family request's drafts
  // sealed under the family's key (made on its first event); a stored event's opened.
  Status SealRequest(AppendRequest& request);
  Status OpenSealed(RecordedEvent& event);

  std::unique_ptr<internal::Db> db;
  StoreOptions options;
  std::string origin;
  DbNodeSource node_source;
  std::unique_ptr<internal::KeyRing> keys;  // with a master key only
  internal::EventCache cache{options.read_cache_bytes};

  // published
  mutable std::mutex published_mu;
  uint64_t published_size = 0;
  Hash published_root{};

  // sequencer
  uint64_t head = 0;
  int64_t last_recorded_at = 0;
  MerkleFrontier frontier;
  std::unordered_map<std::string, uint32_t> stream_versions;
  // After a failed write, until Recover succeeds: every batch first tries to recover.
  bool recovery_pending = false;
  uint64_t recovery_attempts = 0;   // failed ones, since the last success
  std::string last_recovery_error;  // logged once, not on every attempt

  // replicas: CatchUp holds it, and plays the sequencer's part (no writer thread runs)
  std::mutex catch_up_mu;

  // stats (Store::Stats)
  std::atomic<uint64_t> stat_batches{0}, stat_appended{0}, stat_retried{0}, stat_refused{0},
      stat_events{0}, stat_write_failures{0};
  Histogram batch_requests{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096}};
  Histogram write_seconds{LatencyBounds()};

 private:
  // One request (Append), or a chain of requests staged in order up to the first refused
  // one (AppendChain); either way answered together once their batch is durable.
  struct Pending {
    std::vector<AppendRequest> requests;
    std::variant<std::promise<Result<AppendResult>>,
                 std::promise<std::vector<Result<AppendResult>>>>
        promise;
    void Answer(std::vector<Result<AppendResult>> outcomes);
  };
  struct Staging;
  std::vector<Result<AppendResult>> StagePending(const Pending& p, int64_t now, Staging* st);
  void Enqueue(Pending p);

  void WriterLoop();
  void ProcessBatch(std::vector<Pending>& batch);
  // After a failed write (ours, or any other on the database): once the disk takes writes,
  // reopens the database and reloads the head, the tree's right edge and the stream versions
  // from what is stored, handing the guard any events of the failed batch that were stored
  // after all, then publishes. Ok when appends may go on; otherwise the status to refuse them
  // with (and the next batch, or the writer's next idle second, tries again).
  Status Recover();
  bool NeedsRecovery() const { return recovery_pending || db->NeedsReopen(); }
  // Stages `request` against `st` (the steps in sequencer.cc's opening comment): its result,
  // or the status that refuses it, leaving `st` untouched.
  Result<AppendResult> Stage(const AppendRequest& request, int64_t now, Staging* st);
  // Stage's steps, in order (step 3, the domain rules, is the guard's Check):
  // 1. When every eventId of `request` was appended before with the same fingerprint (a
  // retry), the result of that first append; none when every eventId is new; kAlreadyExists
  // otherwise. Adds each draft's fingerprint to `fingerprints`.
  Result<std::optional<AppendResult>> Retried(const AppendRequest& request, const Staging& st,
                                              std::vector<Hash>* fingerprints);
  // Whether `id` is in the stored eventId index; if so, where its event landed and its
  // fingerprint. kDataLoss if its entry is damaged.
  Result<bool> StoredEventId(const EventId& id, AppendedEvent* appended, Hash* fingerprint);
  // 2. The stream's version, when it is the one `request` expects (kAborted otherwise) and
  // the stream has room for its events (kInvalidArgument otherwise).
  Result<uint32_t> ExpectedVersionHolds(const AppendRequest& request, const Staging& st);
  // 4. Gives each event its seq, its version (counting on from `version`) and `now` as its
  // recordedAt, builds its stored bytes, puts it into the batch (PutEvent) and hands the
  // events to the guard. Nothing here refuses.
  AppendResult StageEvents(const AppendRequest& request, const std::vector<Hash>& fingerprints,
                           uint32_t version, int64_t now, Staging* st);
  // `e`'s leaf into the tree's right edge, and every key of `e` into the batch: the event, its
  // stream and eventId index entries, and the tree nodes it completes.
  void PutEvent(const RecordedEvent& e, const Hash& fingerprint, Staging* st);
  Result<uint32_t> CurrentVersion(const std::string& stream, const Staging& st);

  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Pending> queue;
  bool stopping = false;
  std::thread writer;
};

// What ledger/'s own files reach behind a Store's interface.
struct StoreInternal {
  static Store::Impl& Of(Store& store) { return *store.impl_; }
};

}  // namespace caseledger::ledger
