// OverviewCheckpoints: the overview (overview.h) as it stood at any seq, folded from the
// nearest checkpoint at or below that seq instead of from the first event.
//
// A checkpoint is a copy of the overview's facts (no personal data) at a multiple of the
// interval, kept in memory. An "as of" fold records each multiple it passes, so the first
// question about a stretch of the log folds it once and later ones fold at most `interval`
// events. At most `max_kept` checkpoints are kept: past that, the interval doubles and every
// other one is dropped, so memory stays bounded and a fold stays under 2 * size / max_kept
// events on a long log. Nothing is saved: a restart starts again from no checkpoints.
//
// Thread-safety: every method may be called from any thread; folds run outside the lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "ledger/store.h"
#include "projections/calendar.h"
#include "projections/overview.h"

namespace caseledger::projections {

class OverviewCheckpoints {
 public:
  // `store` and `calendar` must outlive this. `interval` >= 1 events, `max_kept` >= 2.
  OverviewCheckpoints(ledger::Store& store, const Calendar& calendar, uint64_t interval = 1024,
                      size_t max_kept = 32);

  // A fresh Overview with the views as they stood at seq `end` (at most the log's size).
  // Errors are the store's.
  Result<std::unique_ptr<Overview>> AsOf(uint64_t end);

  // Events folded by every AsOf so far, and by the last one (for tests and metrics).
  uint64_t events_folded() const;
  uint64_t last_folded() const;
  uint64_t interval() const;
  size_t kept() const;

 private:
  void Keep(std::shared_ptr<const Overview::Snapshot> snapshot);

  ledger::Store& store_;
  const Calendar& calendar_;
  const size_t max_kept_;
  mutable std::mutex mu_;
  uint64_t interval_;
  uint64_t folded_ = 0, last_folded_ = 0;
  std::map<uint64_t, std::shared_ptr<const Overview::Snapshot>> kept_;  // by valid_at
};

}  // namespace caseledger::projections
