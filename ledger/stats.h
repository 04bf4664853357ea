// Stats: counters and fixed-bucket histograms for /metrics, cheap enough for every append and
// every request (relaxed atomics, no locks).
//
// Thread-safety: Observe and Read may be called from any thread at any time; a Read taken
// while others Observe is consistent per bucket, not across buckets.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace caseledger::ledger {

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending; a last bucket (+Inf) is added.
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;    // upper bounds, without +Inf
    std::vector<uint64_t> counts;  // per bucket (not cumulative); bounds.size() + 1 entries
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Bounds for latencies in seconds, 50 microseconds to 10 seconds.
std::vector<double> LatencyBounds();

// What the sequencer has done since the store was opened.
struct StoreStats {
  uint64_t batches = 0;            // durable writes
  uint64_t requests_appended = 0;  // requests that appended events
  uint64_t requests_retried = 0;   // requests answered as retries (nothing new)
  uint64_t requests_refused = 0;   // conflicts, rules, bad requests
  uint64_t events_appended = 0;
  uint64_t write_failures = 0;
  Histogram::Snapshot batch_requests;  // requests per durable write
  Histogram::Snapshot write_seconds;   // the synced RocksDB write of one batch
  // Memory held now, in bytes: RocksDB's memtables, its block cache and its open tables'
  // indexes and filters (ledger/internal/db.h bounds the first two), and the store's cache of
  // events as read (StoreOptions::read_cache_bytes).
  uint64_t memtable_bytes = 0;
  uint64_t block_cache_bytes = 0;
  uint64_t table_reader_bytes = 0;
  uint64_t read_cache_bytes = 0;
};

}  // namespace caseledger::ledger
