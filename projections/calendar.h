// Days and working days, as DOMAIN.md counts them.
//
// A Day is a date in the Europe/London time zone, held as days since 1970-01-01. Working days
// are Monday to Friday except the bank holidays of a calendar file (England and Wales, with
// substitute days), so the calendar is data: fixtures/calendar/bank-holidays-england-wales.txt
// by default, any other file given at start-up without a rebuild.
//
// Calendar file: one holiday per line, "YYYY-MM-DD<TAB>title"; blank lines and lines starting
// with '#' are ignored. The years it covers are the years of its first and last holidays;
// outside them only weekends are known: AddWorkingDays and WorkingDaysBetween then take no
// holiday off, so a caller whose days leave those years asks UncoveredYear first.
//
// Thread-safety: a Calendar is immutable after Load; share it by const reference.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"

namespace caseledger::projections {

using caseledger::Result;
using caseledger::Status;

struct Day {
  int32_t days = 0;  // since 1970-01-01
  auto operator<=>(const Day&) const = default;
  Day operator+(int32_t n) const { return {days + n}; }
  int32_t operator-(Day other) const { return days - other.days; }
};

// "YYYY-MM-DD" <-> Day. ParseDay fails with kInvalidArgument naming `field`.
Result<Day> ParseDay(std::string_view text, std::string_view field = "date");
std::string FormatDay(Day day);
// The Europe/London date of an instant (microseconds since the epoch, UTC): the time-zone
// database of the system (tzdata), through the date/tz library.
Day LondonDay(int64_t micros);
// An instant as London's wall clock with its offset, RFC 3339 to the second:
// "2026-07-02T11:15:00+01:00" (BST), "2026-01-05T09:00:00+00:00" (GMT).
std::string FormatLondon(int64_t micros);
// The instant London's day `day` begins (00:00 local time), in microseconds since the epoch.
int64_t LondonMidnight(Day day);
// 0 = Monday ... 6 = Sunday.
int Weekday(Day day);

class Calendar {
 public:
  // Reads a calendar file. kNotFound if it cannot be read; kInvalidArgument naming the line
  // if a line is not "YYYY-MM-DD<TAB>title".
  static Result<Calendar> Load(const std::string& path);
  static Result<Calendar> Parse(std::string_view text, std::string_view name);

  bool IsHoliday(Day day) const { return holidays_.count(day.days) != 0; }
  bool IsWorkingDay(Day day) const;
  // The n-th working day after `from` (from+1 is the first candidate); n >= 1.
  Day AddWorkingDays(Day from, int n) const;
  // The number of working days d with from < d <= to (0 when to <= from).
  int WorkingDaysBetween(Day from, Day to) const;
  // True when the file lists the holidays of day's year.
  bool Covers(Day day) const;
  // The earliest year of the days first..last (both included) that the calendar does not
  // cover; nullopt when it covers them all, or when last < first.
  std::optional<int> UncoveredYear(Day first, Day last) const;
  // The years covered: first_year() through last_year(). last_year() < first_year() when the
  // file lists no holiday.
  int first_year() const { return first_year_; }
  int last_year() const { return last_year_; }
  size_t size() const { return holidays_.size(); }

 private:
  std::set<int32_t> holidays_;
  std::vector<int32_t> weekday_holidays_;  // the holidays that fall Monday to Friday, ascending
  int first_year_ = 0;
  int last_year_ = -1;
};

}  // namespace caseledger::projections
