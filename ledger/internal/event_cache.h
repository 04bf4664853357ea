// EventCache: published events as read (decoded, their sealed fields opened), by seq, so that
// the families read most (a chronology, a permission check, a rule's fold) are not read,
// decoded and opened again on every request (docs/PERFORMANCE.md, figure 3).
//
// A published event never changes, so an entry is never stale, with one exception: an
// erasure makes what was opened unreadable for ever. Store::EraseFamilyKeys therefore calls
// Clear() once the keys are destroyed, and a read that began before it does not put what it
// opened back (Put with the generation taken before the read). Only published seqs go in:
// a batch whose write failed may be absent after the recovery, and its seqs used again.
//
// Bounded by bytes (roughly: the event's stored and opened bytes and its strings), least
// recently used out first. Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "ledger/event.h"

namespace caseledger::ledger::internal {

class EventCache {
 public:
  // 0 keeps nothing.
  explicit EventCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Take it before reading an event that may be Put.
  uint64_t generation() const;
  std::optional<RecordedEvent> Get(uint64_t seq);
  // Keeps a copy of `event` unless Clear() ran since `generation` was taken.
  void Put(const RecordedEvent& event, uint64_t generation);
  // Drops everything, and refuses the Puts of reads begun before.
  void Clear();
  // What it holds now, by the same measure as its bound.
  size_t bytes() const;

 private:
  static size_t Cost(const RecordedEvent& e);

  mutable std::mutex mu_;
  const size_t max_bytes_;
  size_t bytes_ = 0;
  uint64_t generation_ = 0;
  std::list<RecordedEvent> lru_;  // the most recently used first
  std::unordered_map<uint64_t, std::list<RecordedEvent>::iterator> by_seq_;
};

}  // namespace caseledger::ledger::internal
