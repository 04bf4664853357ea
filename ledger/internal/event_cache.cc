#include "ledger/internal/event_cache.h"

namespace caseledger::ledger::internal {

size_t EventCache::Cost(const RecordedEvent& e) {
  return sizeof(RecordedEvent) + e.bytes.size() + e.opened.size() + e.stream.size() +
         e.type.size() + e.actor.id.size() + e.actor.role.size() + e.actor.agency.size() +
         e.actor.token_id.size() + 64;  // the list node and the map entry
}

uint64_t EventCache::generation() const {
  std::lock_guard hold(mu_);
  return generation_;
}

std::optional<RecordedEvent> EventCache::Get(uint64_t seq) {
  std::lock_guard hold(mu_);
  auto it = by_seq_.find(seq);
  if (it == by_seq_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return *it->second;
}

void EventCache::Put(const RecordedEvent& event, uint64_t generation) {
  const size_t cost = Cost(event);
  std::lock_guard hold(mu_);
  if (generation != generation_ || cost > max_bytes_ || by_seq_.count(event.seq) != 0) return;
  lru_.push_front(event);
  by_seq_[event.seq] = lru_.begin();
  bytes_ += cost;
  while (bytes_ > max_bytes_) {
    bytes_ -= Cost(lru_.back());
    by_seq_.erase(lru_.back().seq);
    lru_.pop_back();
  }
}

void EventCache::Clear() {
  std::lock_guard hold(mu_);
  ++generation_;
  lru_.clear();
  by_seq_.clear();
  bytes_ = 0;
}

size_t EventCache::bytes() const {
  std::lock_guard hold(mu_);
  return bytes_;
}

}  // namespace caseledger::ledger::internal
