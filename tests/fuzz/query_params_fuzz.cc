// Fuzz target: a URL's query string through the API's parameter parsing (api/internal/
// server_impl.h: numbers, booleans, ids, days, asOf / asOfSeq), as the dispatcher reads it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/internal/httplib_seam.h"
#include "api/internal/server_impl.h"
#include "ledger/clock.h"
#include "ledger/time_format.h"
#include "projections/calendar.h"

namespace api = caseledger::api::internal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string target(reinterpret_cast<const char*>(data), size);
  httplib::Params query;
  api::ParseQuery(target, query);
  caseledger::ledger::ManualClock clock(1772446500LL * 1000000);
  (void)api::UintParam(query, "limit", 100, 1, 1000);
  (void)api::UintParam(query, "after", 0, 0, UINT64_MAX);
  (void)api::BoolParam(query, "significant");
  (void)api::DayParam(query, "on", clock);
  std::string as_of_text;
  (void)api::AsOfParams(query, &as_of_text);
  (void)api::RequiredQuery(query, "familyId");
  for (const auto& [name, value] : query) {
    (void)api::IdParam(value, name);
    (void)caseledger::ledger::ParseRfc3339(value);
    (void)caseledger::projections::ParseDay(value, name);
  }
  return 0;
}
