// AccessLog: who read which family's record, and when (DOMAIN.md "Who reads and writes").
//
// Every read of a family's record is a recordViewed event in the "access" stream of the same
// log, so the access log is covered by the same proofs as the record itself. This class
// indexes those events by family: saved in the projections column family under "access"
// (key: familyId, 0x00, seq as u64 BE; value "1"), valid at the seq of the last event indexed,
// and caught up from there. The entries themselves are read back from the log.
//
// A read's purpose is free text: the store seals it under the key of the family read
// (ledger/sealing.h, SealingFamily), so once that family is erased it reads "[erased]", and a
// read recorded after the erasure keeps none.
//
// On a read-only store (a replica) nothing is saved: the index saved by the primary is read
// as it stands, and the reads indexed since it are kept in memory, each dropped once the
// primary's saved index covers it.
//
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ledger/store.h"

namespace caseledger::projections {

inline constexpr const char* kAccessStream = "access";
inline constexpr const char* kAccessIndexName = "access";

struct AccessEntry {
  uint64_t seq = 0;
  int64_t recorded_at = 0;
  ledger::Actor actor;
  std::string view, purpose;
};

class AccessLog {
 public:
  explicit AccessLog(ledger::Store& store) : store_(store) {}

  // Indexes the recordViewed events appended since the last call (or since the saved index).
  Status CatchUp();
  // The reads of `family_id` with seq > after_seq, oldest first, at most `limit`; catches up
  // first.
  Result<std::vector<AccessEntry>> List(const std::string& family_id, uint64_t after_seq,
                                        size_t limit);
  // The seq the index has caught up to.
  uint64_t valid_at() const;

 private:
  // Read-only stores: drops the unsaved entries the saved index now holds. mu_ held.
  void ForgetSaved();

  ledger::Store& store_;
  mutable std::mutex mu_;
  bool loaded_ = false;
  uint64_t valid_at_ = 0;
  // Read-only stores: familyId -> seqs of its reads indexed here and not yet in the saved
  // index.
  std::map<std::string, std::set<uint64_t>> unsaved_;
};

// The append request that records one read: a recordViewed on the access stream by `reader`.
// `event_id` must be fresh (random); `now` is the reader's clock (occurredAt).
Result<ledger::AppendRequest> RecordViewedRequest(const ledger::Actor& reader,
                                                  const ledger::EventId& event_id, int64_t now,
                                                  const std::string& family_id,
                                                  const std::string& view,
                                                  const std::string& purpose);

// {"familyId", "asOfSeq", "accesses": [{"seq", "recordedAt", "actor": {"id", "role"}, "view",
// "purpose"}], "next": seq or null}.
std::string AccessJson(const std::string& family_id, const std::vector<AccessEntry>& entries,
                       bool more, uint64_t as_of_seq);

}  // namespace caseledger::projections
