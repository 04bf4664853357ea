// Metrics: what /metrics reports, in the Prometheus text format (version 0.0.4). Counts and
// latencies only: no ids, no personal data, labels are route templates and status codes.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ledger/stats.h"
#include "projections/family_cache.h"

namespace caseledger::api {

// What the server knows beside the request counts when it is scraped.
struct Gauges {
  uint64_t log_size = 0;
  uint64_t overview_valid_at = 0;
  uint64_t access_index_valid_at = 0;
  int live_streams = 0;
  projections::FamilyCacheStats families;  // the cache of families (family_cache.h)
};

class Metrics {
 public:
  // One answered request: `route` is its template ("GET /v1/families/{id}") or "unmatched".
  void Observe(const std::string& route, int status, double seconds);
  std::string Prometheus(const ledger::StoreStats& store, const Gauges& gauges) const;

 private:
  struct RouteStats {
    ledger::Histogram latency{ledger::LatencyBounds()};
    std::map<int, uint64_t> by_status;  // guarded by mu_
  };
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<RouteStats>> routes_;
};

}  // namespace caseledger::api
