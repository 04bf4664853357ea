// Loading synthetic case histories (fixtures/): import lines that also say when each line is
// recorded and which lines the rules must refuse (json_codec.h, AppendJsonForm::kFixtureLine).
//
// The loader sets `clock` to a line's "recordedAt" before appending it, so the history lands
// with the recorded times it describes (late entries stay late). A line with
// "expectRefusal": RULE must be refused with exactly that rule; it appends nothing and the
// load goes on. Any other refusal, or a refusal that does not come, stops the load with
// kInvalidArgument naming the line.
//
// Thread-safety: one load at a time per store and clock.
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "ledger/clock.h"
#include "ledger/status.h"
#include "ledger/store.h"

namespace caseledger::ledger {

struct FixtureTotals {
  uint64_t lines = 0;
  uint64_t events = 0;         // new events appended
  uint64_t retried_lines = 0;  // lines already in the ledger (appended nothing)
  uint64_t refused_as_expected = 0;
};

// Appends every line of `in` (named `name` in errors) to `store`, whose clock is `clock`.
Status LoadFixture(Store& store, ManualClock& clock, std::istream& in, const std::string& name,
                   FixtureTotals* totals = nullptr);
// The same for a file.
Status LoadFixtureFile(Store& store, ManualClock& clock, const std::string& path,
                       FixtureTotals* totals = nullptr);

}  // namespace caseledger::ledger
