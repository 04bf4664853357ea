// Dates and times as EVENTS.md writes them: RFC 3339 instants with an offset, and calendar
// dates YYYY-MM-DD. Instants are held as microseconds since 1970-01-01T00:00:00Z.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace caseledger::ledger {

// Parses "2026-03-02T10:15:00Z", "2026-03-02T11:15:00.250+01:00" (fraction up to 9 digits,
// kept to the microsecond). Fails with kInvalidArgument when the text is not RFC 3339 with an
// offset or names a day that does not exist.
Result<int64_t> ParseRfc3339(std::string_view text);

// Formats as UTC, "2026-03-02T10:15:00Z", with a fraction only when it is not zero
// (".250" for whole milliseconds, else six digits).
std::string FormatRfc3339(int64_t micros);

// True when text is a real calendar date written YYYY-MM-DD.
bool IsIsoDate(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (no validation).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

}  // namespace caseledger::ledger
