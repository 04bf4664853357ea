// AccessLog: who read which family's record, and when (DOMAIN.md "Who reads and writes").
//
// Every read of a family's record is a recordViewed event in the "access" stream of the same
// log, so the access log is covered by the same proofs as the record itself. This class
// indexes those events by family: saved in the projections column family under "access"
// (key: familyId, 0x00, seq as u64 BE; value "1"), valid at the seq of the last event indexed,
// and caught up from there. The entries themselves are read back from the log.
//
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <mutex>
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
  ledger::Store& store_;
  mutable std::mutex mu_;
  bool loaded_ = false;
  uint64_t valid_at_ = 0;
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
