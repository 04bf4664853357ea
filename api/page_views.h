// PageViews: the reads one page view makes of a family, recorded once (issue 21 item 6).
//
// A page that needs several answers about a family (its state and its step-up pack) sends the
// same page id (`page=`, made by the page for each view) with each read. The first read of
// (reader, family, page id) is recorded in the access log; the others within a minute wait for
// that record to be durable and record nothing more. A minute bounds what a reused page id can
// hide: a reader reading a family again under the same id a minute later is recorded again.
// A record that failed is forgotten, so the next read records (or fails) again.
//
// Thread-safety: every method may be called from any thread at once.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ledger/status.h"

namespace caseledger::api {

class PageViews {
 public:
  static constexpr int64_t kWindowMicros = 60LL * 1000 * 1000;
  static constexpr size_t kMaxKept = 4096;

  // `record`'s status for the first read of `key` (reader, family and page id) at `now`, or
  // for a later one within kWindowMicros: that first record's status, once it is known.
  Status Once(const std::string& key, int64_t now, const std::function<Status()>& record);

 private:
  struct Kept {
    std::shared_future<Status> recorded;
    int64_t at = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Kept> kept_;
  // Each key as kept and when, oldest first: past kMaxKept the oldest goes (a key kept again
  // since has a later place, and only that one removes it). Going early costs one more record.
  std::deque<std::pair<std::string, int64_t>> order_;
};

}  // namespace caseledger::api
