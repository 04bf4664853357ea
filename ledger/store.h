// Store: the durable, verifiable event log of caseledger, on RocksDB.
//
// Guarantees
// - Appends go through one sequencer thread with group commit: each batch of pending
//   requests is written in one RocksDB WriteBatch with sync=true, and a caller is answered
//   only after that write is durable. An acknowledged event survives power loss; an
//   unacknowledged one is wholly there or wholly absent.
// - A request's events are appended atomically, with consecutive versions in its stream;
//   seq is global, from 1, without gaps; recordedAt comes from the injected clock and never
//   goes back.
// - eventId is idempotent and durable: a request whose every eventId was already appended
//   (with the same stream and content) appends nothing and returns the first result
//   (retry=true); an eventId reused with other content is kAlreadyExists.
// - A refused request does not affect the others in its batch.
// - Every event is a leaf of an RFC 9162 Merkle tree over the stored bytes; the hashes of
//   all full subtrees are stored, so roots and proofs cost O(log n) reads.
// - Open restores the head, the tree's right edge and the idempotency keys from RocksDB
//   without replaying the log.
// - A failed durable write (an I/O error, a full disk) answers its batch kUnavailable and
//   acknowledges nothing of it; the store then recovers by itself once the disk takes writes
//   again (on the next append, or within a second): it reopens its database and reloads its
//   head from what is stored, so a batch that reached the disk after all is kept (a retry
//   with the same eventIds then returns its result) and one that did not is not.
// - A replica (StoreOptions::replica_of) reads another process's ledger through a RocksDB
//   secondary instance: it publishes what the primary had made durable as of its last
//   CatchUp, never a part of a batch, and refuses every write.
//
// Reads see only events whose batch is durable ("published").
// Thread-safety: every method may be called from any thread. Results are values the caller
// owns. The Store must outlive no one: destroy it after every caller has returned.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/clock.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/sealing.h"
#include "ledger/stats.h"
#include "ledger/status.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace caseledger::ledger {

// The hook where the domain rules are checked (projections/ provides one). All calls come
// from the sequencer thread, in log order.
class AppendGuard {
 public:
  virtual ~AppendGuard() = default;
  // Before anything of `request` is written, after its eventIds and expected version passed;
  // `recorded_at` is the recordedAt its events will get. Requests staged earlier in the same
  // batch were passed to Staged() already: judge as if they had been applied. A non-ok
  // status refuses the request alone (422 with its rule).
  virtual Status Check(const AppendRequest& request, int64_t recorded_at) = 0;
  // `events` (one request's) are in the batch being written, as stored: personal fields
  // sealed. The rules judge requests by their clear drafts (Check) and read no personal
  // field of what was appended.
  virtual void Staged(const std::vector<RecordedEvent>& events) = 0;
  // The batch is durable: make what was staged current.
  virtual void Committed() = 0;
  // The batch write failed: forget what was staged.
  virtual void Abandoned() = 0;
};

struct StoreOptions {
  Clock* clock = nullptr;              // required; not owned
  AppendGuard* guard = nullptr;        // optional; not owned
  std::string origin = "caseledger";   // the checkpoint origin, fixed when the log is created
  size_t max_batch_requests = 4096;    // upper bound of one group commit, in requests (>= 1)
  size_t max_batch_bytes = 64u << 20;  // ...and in encoded event bytes (at least one request)
  bool read_only = false;              // open without the write lock; Append is kUnavailable
  // A primary's data folder: open its ledger as a read-only replica that follows it
  // (CatchUp); the `dir` given to Open is then the replica's own folder, for RocksDB's info
  // logs. Appends, saved projections and blobs are kUnavailable on a replica.
  std::string replica_of;
  // The master key (held outside the database): with it, the personal fields of family
  // events are sealed under the family's own key (ledger/sealing.h) before they are stored,
  // and opened when read; document bytes too. Without it, nothing is sealed or opened.
  std::optional<Key256> master_key;
  // The RocksDB Env the database reads and writes through; null for the default. For tests
  // that inject faults (a failing write, sync or full disk). Not owned: outlive the Store.
  rocksdb::Env* env = nullptr;
  // Published events as read (decoded and opened) are kept, least recently used out first,
  // up to about this many bytes (0: none), so that a family read again is not read, decoded
  // and opened again. An erasure empties it.
  size_t read_cache_bytes = 32u << 20;
};

// What a checkpoint says: the log's origin, its size and root.
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  // The note body: "origin\nsize\nbase64(root)\n" (transparency-dev checkpoint format).
  std::string ToText() const;
  // Parses the note body (lines after the third, such as signatures, are ignored).
  static Result<Checkpoint> Parse(std::string_view text);
};

// A saved read model: the entries a projection keeps and the seq they are valid at.
struct SavedProjection {
  uint64_t valid_at = 0;  // 0: nothing saved
  std::map<std::string, std::string> entries;
};

struct StoreInternal;

class Store {
 public:
  // Opens or creates the log in `dir`. kUnavailable if another process holds it; kDataLoss
  // if its head or tree is damaged. read_only and replica stores create nothing: kNotFound
  // when there is no ledger.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, const StoreOptions& options);
  // Stops taking requests (new ones get kUnavailable), answers every request already queued,
  // then closes the database.
  ~Store();

  // Appends and waits until durable. Errors: kInvalidArgument (bad stream or empty
  // request), kAborted (version conflict, with the current version), kAlreadyExists (eventId
  // reused), kFailedPrecondition (a rule), kUnavailable (closing, or a write failure: the
  // request was not acknowledged; retry it unchanged), kDataLoss (recovering from a write
  // failure found fewer events than were acknowledged).
  Result<AppendResult> Append(AppendRequest request);
  std::future<Result<AppendResult>> AppendAsync(AppendRequest request);
  // Appends `requests` in order, in one durable write, stopping at the first refused one.
  // The answer has one entry per request tried: those before the refusal (appended, or
  // retries), then the refusal; the requests after it were not tried and nothing of them is
  // written. For import, where one fsync per line would be the bottleneck. The whole chain
  // goes into one batch: keep it to a few MiB.
  std::vector<Result<AppendResult>> AppendChain(std::vector<AppendRequest> requests);

  // Number of published events (the seq of the last one).
  uint64_t Size() const;

  // Replicas only: reads what the primary has written since the last call and publishes it,
  // so that every read, the root and the proofs reflect it; returns the published size. On
  // any failure the published state stays as it was. kInvalidArgument on a store that is
  // not a replica; kDataLoss when the primary's log is shorter than what was published
  // (the primary was replaced) or its head and events disagree. Calls are serialized; reads
  // may run meanwhile (not Verify).
  Result<uint64_t> CatchUp();
  // True when every write is refused: opened read_only, or a replica.
  bool read_only() const;
  // The primary's folder of a replica; empty otherwise.
  const std::string& replica_of() const;
  // The stream's published version (0 when it does not exist).
  Result<uint32_t> StreamVersion(const std::string& stream);
  // The stream's version as of `max_seq`: that of its last event with seq <= max_seq.
  Result<uint32_t> StreamVersionAt(const std::string& stream, uint64_t max_seq);

  // Events of a stream from `from_version` (>= 1), at most `limit`, only those with
  // seq <= max_seq (0: no bound; use for "as of").
  Result<std::vector<RecordedEvent>> ReadStream(const std::string& stream, uint32_t from_version,
                                                size_t limit, uint64_t max_seq = 0);
  // Events with seq > after, at most `limit`.
  Result<std::vector<RecordedEvent>> ReadLog(uint64_t after, size_t limit);
  // kNotFound when absent.
  Result<RecordedEvent> ReadSeq(uint64_t seq);
  Result<RecordedEvent> ReadEventId(const EventId& id);
  // The largest seq whose recordedAt <= at (0 when none): "as of" a recorded time.
  Result<uint64_t> SeqAsOf(int64_t recorded_at);

  // Tree reads; sizes above Size() are kInvalidArgument.
  Result<Hash> Root(uint64_t size);
  Result<std::vector<Hash>> InclusionProof(uint64_t leaf_index, uint64_t size);
  Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size);
  Checkpoint CurrentCheckpoint();

  // Saved read models (the projections column family), so that start-up need not replay the
  // log. Writes `changed` (an empty value deletes its key) and the seq they are valid at, in
  // one write; `replace_all` first drops everything saved under `name`. Not synced: a lost
  // save is rebuilt from the log. kUnavailable on a read-only store.
  Status SaveProjection(const std::string& name, uint64_t valid_at,
                        const std::map<std::string, std::string>& changed, bool replace_all);
  // Everything saved under `name` (valid_at 0 when nothing is).
  Result<SavedProjection> LoadProjection(const std::string& name);
  // Only the seq the projection saved under `name` is valid at (0 when nothing is saved).
  Result<uint64_t> ProjectionValidAt(const std::string& name);
  // The entries saved under `name` whose keys start with `prefix` and sort after
  // `after_key` (empty: from the first), at most `limit`, in key order; entries only (the
  // valid_at is in valid_at).
  Result<std::vector<std::pair<std::string, std::string>>> ScanProjection(
      const std::string& name, std::string_view prefix, std::string_view after_key, size_t limit);

  // Document bytes, kept per family (so that erasure finds them) under their SHA-256, outside
  // the Merkle log: the documentUploaded event that names the hash is what the log proves.
  // Synced before it returns. Storing the same bytes twice is harmless.
  Status PutBlob(const std::string& family_id, const Hash& sha256, std::string_view bytes);
  // kNotFound when the family has no such document.
  Result<std::string> GetBlob(const std::string& family_id, const Hash& sha256);
  Result<bool> HasBlob(const std::string& family_id, const Hash& sha256);
  // Removes one family's document bytes (synced); absent bytes are not an error.
  // kUnavailable on a read-only store.
  Status DeleteBlob(const std::string& family_id, const Hash& sha256);
  // Every stored document, as (family id, SHA-256), in key order.
  Result<std::vector<std::pair<std::string, Hash>>> ListBlobs();

  // Erasure: destroys the family's keys and documents, so that what was sealed can never be
  // read again, here or in a backup made later (the keys are flushed and compacted out of
  // every file of the database); its events, and every proof, stay as they were. Later
  // appends to the family are refused (rule family-erased). Append the familyErased event
  // (who, when, why) first. kFailedPrecondition without a master key.
  Status EraseFamilyKeys(const std::string& family_id);
  // Whether the family's keys were destroyed.
  bool FamilyErased(const std::string& family_id);
  // Whether the store has a master key, so that family events are sealed and can be erased.
  bool seals() const;

  // Counters and histograms of the sequencer since Open (for /metrics).
  StoreStats Stats() const;
  const NodeSource& nodes() const;

  // Re-reads everything and checks it: every event decodes and hashes to its stored leaf,
  // every stored tree node matches the tree recomputed from the events, the stream and
  // eventId indexes agree; given a checkpoint, its root is this log's root at its size (the
  // log only grew). kDataLoss naming the first bad seq. `progress` is called now and then
  // with the number of events checked.
  Status Verify(const std::optional<Checkpoint>& checkpoint,
                const std::function<void(uint64_t done, uint64_t total)>& progress = {});

  class Impl;

 private:
  friend struct StoreInternal;  // ledger/'s own files (backup.cc): the database underneath
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace caseledger::ledger
