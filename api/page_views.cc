#include "api/page_views.h"

namespace caseledger::api {

Status PageViews::Once(const std::string& key, int64_t now, const std::function<Status()>& record) {
  std::promise<Status> promise;
  std::shared_future<Status> mine = promise.get_future().share();
  {
    std::unique_lock lock(mu_);
    auto it = kept_.find(key);
    if (it != kept_.end() && now - it->second.at < kWindowMicros) {
      std::shared_future<Status> first = it->second.recorded;
      lock.unlock();
      return first.get();
    }
    kept_[key] = {mine, now};
    order_.emplace_back(key, now);
    while (order_.size() > kMaxKept) {
      auto oldest = kept_.find(order_.front().first);
      if (oldest != kept_.end() && oldest->second.at == order_.front().second) kept_.erase(oldest);
      order_.pop_front();
    }
  }
  Status status = record();
  promise.set_value(status);
  if (!status.ok()) {
    std::lock_guard lock(mu_);
    auto it = kept_.find(key);
    if (it != kept_.end() && it->second.at == now) kept_.erase(it);
  }
  return status;
}

}  // namespace caseledger::api
