// Data protection commands: erase (docs/DATA-PROTECTION.md).
#include <iostream>

#include "projections/data_protection.h"
#include "tools/commands.h"
#include "tools/common.h"

namespace caseledger::tools {

int Erase(const Common& common, const EraseOptions& options) {
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, false);
  if (!opened.ok()) return Fail(opened.status());
  projections::ErasureRequest request;
  request.family_id = options.family;
  request.reason = options.reason;
  request.authorised_by = options.authorised_by;
  request.actor = {options.authorised_by, "admin", "", "cli"};
  request.now = clock.NowMicros();
  auto erased = projections::EraseFamily(*opened->store, request);
  if (!erased.ok()) return Fail(erased.status());
  if (erased->already_recorded) {
    std::cout << "family " << options.family
              << " was already recorded as erased (familyErased at seq " << erased->seq
              << "); its keys and documents are destroyed\n";
  } else {
    std::cout << "erased family " << options.family << ": familyErased at seq " << erased->seq
              << "; its key and documents are destroyed\n";
  }
  return 0;
}

}  // namespace caseledger::tools
