// Clock: where the ledger reads "now" for recordedAt. main() builds a SystemClock and passes
// it in; tests pass a ManualClock. Thread-safety: both are safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace caseledger::ledger {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since 1970-01-01T00:00:00Z.
  virtual int64_t NowMicros() = 0;
};

// The machine's real-time clock.
class SystemClock final : public Clock {
 public:
  int64_t NowMicros() override;
};

// A clock that moves only when told to (tests, replays).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_micros) : now_(start_micros) {}
  int64_t NowMicros() override { return now_.load(); }
  void Set(int64_t micros) { now_.store(micros); }
  void Advance(int64_t micros) { now_.fetch_add(micros); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace caseledger::ledger
