#include "projections/overview_checkpoints.h"

#include <algorithm>

namespace caseledger::projections {

OverviewCheckpoints::OverviewCheckpoints(ledger::Store& store, const Calendar& calendar,
                                         uint64_t interval, size_t max_kept)
    : store_(store),
      calendar_(calendar),
      max_kept_(std::max<size_t>(2, max_kept)),
      interval_(std::max<uint64_t>(1, interval)) {}

Result<std::unique_ptr<Overview>> OverviewCheckpoints::AsOf(uint64_t end) {
  end = std::min(end, store_.Size());
  auto out = std::make_unique<Overview>(store_, calendar_);
  uint64_t interval = 0;
  {
    std::lock_guard lock(mu_);
    interval = interval_;
    auto it = kept_.upper_bound(end);  // the first one past `end`
    if (it != kept_.begin()) out->Restore(*std::prev(it)->second);
  }
  const uint64_t start = out->valid_at();
  // To each multiple of the interval on the way, keeping a checkpoint there, then to `end`.
  for (uint64_t next = (start / interval + 1) * interval; next <= end; next += interval) {
    CL_RETURN_IF_ERROR(out->CatchUpTo(next));
    Keep(std::make_shared<const Overview::Snapshot>(out->TakeSnapshot()));
  }
  CL_RETURN_IF_ERROR(out->CatchUpTo(end));
  std::lock_guard lock(mu_);
  last_folded_ = out->valid_at() - start;
  folded_ += last_folded_;
  return out;
}

void OverviewCheckpoints::Keep(std::shared_ptr<const Overview::Snapshot> snapshot) {
  std::lock_guard lock(mu_);
  if (snapshot->valid_at % interval_ != 0) return;  // the interval grew meanwhile
  kept_.emplace(snapshot->valid_at, std::move(snapshot));
  while (kept_.size() > max_kept_) {
    interval_ *= 2;
    std::erase_if(kept_, [this](const auto& kv) { return kv.first % interval_ != 0; });
  }
}

uint64_t OverviewCheckpoints::events_folded() const {
  std::lock_guard lock(mu_);
  return folded_;
}

uint64_t OverviewCheckpoints::last_folded() const {
  std::lock_guard lock(mu_);
  return last_folded_;
}

uint64_t OverviewCheckpoints::interval() const {
  std::lock_guard lock(mu_);
  return interval_;
}

size_t OverviewCheckpoints::kept() const {
  std::lock_guard lock(mu_);
  return kept_.size();
}

}  // namespace caseledger::projections
