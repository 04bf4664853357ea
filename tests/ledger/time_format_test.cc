#include <catch2/catch.hpp>

#include "ledger/time_format.h"

namespace caseledger::ledger {
namespace {

TEST_CASE("time: RFC 3339 instants with offsets parse to UTC microseconds", "[ledger][time]") {
  CHECK(*ParseRfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(*ParseRfc3339("2026-03-02T10:15:00Z") == 1772446500LL * 1000000);
  CHECK(*ParseRfc3339("2026-03-02T11:15:00+01:00") == 1772446500LL * 1000000);
  CHECK(*ParseRfc3339("2026-03-02T10:15:00.25Z") == 1772446500LL * 1000000 + 250000);
  CHECK(*ParseRfc3339("2024-02-29T23:59:59-00:30") == *ParseRfc3339("2024-03-01T00:29:59Z"));
  for (const char* bad :
       {"2026-03-02", "2026-03-02T10:15:00", "2026-02-29T10:00:00Z", "2026-03-02T24:00:00Z",
        "2026-03-02T10:15:00+1:00", "2026-03-02T10:15:00Zjunk", "2026-03-02 10:15:00Z", ""}) {
    INFO(bad);
    CHECK(ParseRfc3339(bad).status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("time: instants format as UTC and read back the same", "[ledger][time]") {
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339(1772446500LL * 1000000 + 250000) == "2026-03-02T10:15:00.250Z");
  CHECK(FormatRfc3339(1772446500LL * 1000000 + 1) == "2026-03-02T10:15:00.000001Z");
  for (int64_t t : {int64_t{-1}, int64_t{951782400000000}, int64_t{4102444799999999}}) {
    CHECK(*ParseRfc3339(FormatRfc3339(t)) == t);
  }
  CHECK(IsIsoDate("2024-02-29"));
  CHECK_FALSE(IsIsoDate("2023-02-29"));
  CHECK_FALSE(IsIsoDate("2023-2-28"));
}

}  // namespace
}  // namespace caseledger::ledger
