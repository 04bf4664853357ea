// Bounded work per caller: which routes are expensive, a token bucket per token for them, and
// the live feed's slots per role. Private to api/.
//
// Expensive routes (each request takes one unit of its token's bucket; docs/api.md "Limits
// per caller"): the triage inbox and the reports (/v1/reports/timescales, /overdue) asked
// "as of" (asOf or asOfSeq: a fold of the log from a checkpoint), the subject access export
// (/v1/families/{id}/export: the whole record and its access log), and the chronology as a
// download (format=csv or html). Proofs are O(log n) reads and are not counted.
//
// Thread-safety: every method may be called from any thread (one mutex each).
#pragma once

#include <httplib.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/tokens.h"

namespace caseledger::api::internal {

// Whether a request of the route `path_template` with `query` is an expensive one.
bool ExpensiveRequest(std::string_view method, std::string_view path_template,
                      const httplib::Params& query);

// A token bucket per key (a token id): `burst` requests at once, refilled at `per_minute`.
// Time comes from the caller (the server's injected clock, in microseconds); a clock that
// goes back refills nothing.
class RateLimiter {
 public:
  RateLimiter(int burst, double per_minute) : burst_(burst), per_minute_(per_minute) {}
  // Takes one unit of `key`'s bucket: nullopt when it had one, else the whole seconds to
  // wait until it will have one (at least 1).
  std::optional<int64_t> Take(const std::string& key, int64_t now_micros);
  int burst() const { return burst_; }
  double per_minute() const { return per_minute_; }

 private:
  struct Bucket {
    double units = 0;
    int64_t at = 0;
  };
  const int burst_;
  const double per_minute_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

// The 429's JSON error: {"error": {"code": "tooManyRequests", "message", "retryAfterSeconds"}}.
std::string TooManyRequestsJson(const RateLimiter& limiter, int64_t retry_after_seconds);

// The live feed's slots: at most `total` streams at once, and at most `per_role` of them for
// one role, so that one role (a wall of dashboards) cannot take the auditors' slots.
class LiveSlots {
 public:
  LiveSlots(int total, int per_role) : total_(total), per_role_(per_role) {}
  // Takes a slot for `role`: nullopt when taken, else why not (for a 503's message).
  std::optional<std::string> Take(Role role);
  void Release(Role role);

 private:
  const int total_, per_role_;
  std::mutex mu_;
  int open_ = 0;
  std::map<Role, int> by_role_;
};

}  // namespace caseledger::api::internal
