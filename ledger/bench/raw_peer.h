// RawPeer: the benchmark's limit (tools/bench, docs/PERFORMANCE.md). RocksDB alone, with the
// ledger's column families and options, writing exactly the keys and bytes the ledger wrote
// for each request (the event, its stream and eventId index entries, the Merkle nodes it
// completed, the head), each request one WriteBatch with sync=true; and a plain iterator
// over a ledger's events column family. No rules, no sealing, no sequencer: what is left
// when all of caseledger's own work is taken away.
//
// The benchmark's peer, not part of the ledger's interface: its own library
// (ledger_raw_peer), linked by caseledger-bench alone. It sits in ledger/ because it reads
// the ledger's internals (key layouts, the RocksDB wrapper), and RocksDB stays inside ledger/.
//
// Thread-safety: Write may be called from any number of threads at once (RocksDB groups
// their writes); Capture and ScanEvents are functions of their own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ledger/status.h"

namespace caseledger::ledger {

// One request's writes, as the ledger made them.
struct RawBatch {
  struct Put {
    int column_family = 0;  // internal::Cf
    std::string key, value;
  };
  std::vector<Put> puts;
  uint64_t events = 0;
};

// What a scan read: how many events and their bytes.
struct RawScan {
  uint64_t events = 0;
  uint64_t bytes = 0;
  uint64_t checksum = 0;  // a byte of every value folded in, so the reads cannot be skipped
};

class RawPeer {
 public:
  // A new, empty database in `dir` with the ledger's column families and options.
  static Result<std::unique_ptr<RawPeer>> Create(const std::string& dir);
  ~RawPeer();

  // The writes the ledger in `ledger_dir` made for each request: `requests` gives each
  // request's first seq and its number of events. Reads the ledger read-only.
  static Result<std::vector<RawBatch>> Capture(
      const std::string& ledger_dir, const std::vector<std::pair<uint64_t, uint32_t>>& requests);

  // Writes one request's batch with sync=true (durable when it returns).
  Status Write(const RawBatch& batch);

  // Iterates the events column family of the ledger in `ledger_dir` (read-only) from the
  // first seq to the last, touching every value.
  static Result<RawScan> ScanEvents(const std::string& ledger_dir);

 private:
  struct Impl;
  explicit RawPeer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace caseledger::ledger
