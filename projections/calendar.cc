#include "projections/calendar.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "ledger/time_format.h"

namespace caseledger::projections {
namespace {

date::sys_days ToSys(Day day) { return date::sys_days(date::days(day.days)); }

int YearOf(Day day) { return static_cast<int>(date::year_month_day(ToSys(day)).year()); }

const date::time_zone* London() {
  static const date::time_zone* zone = date::locate_zone("Europe/London");
  return zone;
}

}  // namespace

Result<Day> ParseDay(std::string_view text, std::string_view field) {
  if (!ledger::IsIsoDate(text)) {
    return Status::InvalidArgument(
        // The value is not repeated: it may be personal data put in the wrong place.
        std::string(field) + " must be a date YYYY-MM-DD", std::string(field));
  }
  int y = std::stoi(std::string(text.substr(0, 4)));
  unsigned m = std::stoul(std::string(text.substr(5, 2)));
  unsigned d = std::stoul(std::string(text.substr(8, 2)));
  return Day{static_cast<int32_t>(ledger::DaysFromCivil(y, m, d))};
}

std::string FormatDay(Day day) { return date::format("%F", ToSys(day)); }

Day LondonDay(int64_t micros) {
  date::sys_time<std::chrono::microseconds> t{std::chrono::microseconds(micros)};
  auto local = date::make_zoned(London(), t).get_local_time();
  auto days = date::floor<date::days>(local);
  return Day{static_cast<int32_t>(days.time_since_epoch().count())};
}

std::string FormatLondon(int64_t micros) {
  // Formatted by hand: date::format's streams cost more than the rest of a chronology entry.
  date::sys_seconds t{std::chrono::seconds{micros / 1'000'000}};
  const auto info = London()->get_info(t);
  const auto local = t + info.offset;
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss hms{local - day};
  const int offset =
      static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(info.offset).count());
  const int minutes = (offset < 0 ? -offset : offset) % (24 * 60);
  char out[40];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
  return out;
}

int64_t LondonMidnight(Day day) {
  date::local_days local{date::days(day.days)};
  // Midnight exists on every London day (the clocks change at 01:00 and 02:00).
  auto zoned = date::make_zoned(London(), local, date::choose::earliest);
  return std::chrono::duration_cast<std::chrono::microseconds>(
             zoned.get_sys_time().time_since_epoch())
      .count();
}

int Weekday(Day day) {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  int w = (day.days % 7 + 7 + 3) % 7;
  return w;
}

Result<Calendar> Calendar::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read the calendar file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

Result<Calendar> Calendar::Parse(std::string_view text, std::string_view name) {
  Calendar cal;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    if (line.size() < 11 || line[10] != '\t') {
      return Status::InvalidArgument(std::string(name) + " line " + std::to_string(line_no) +
                                     ": expected YYYY-MM-DD<TAB>title");
    }
    auto day = ParseDay(line.substr(0, 10));
    if (!day.ok())
      return day.status().Annotate(std::string(name) + " line " + std::to_string(line_no));
    cal.holidays_.insert(day->days);
  }
  for (int32_t day : cal.holidays_) {
    if (Weekday(Day{day}) < 5) cal.weekday_holidays_.push_back(day);
  }
  if (!cal.holidays_.empty()) {
    cal.first_year_ = YearOf(Day{*cal.holidays_.begin()});
    cal.last_year_ = YearOf(Day{*cal.holidays_.rbegin()});
  }
  return cal;
}

bool Calendar::IsWorkingDay(Day day) const { return Weekday(day) < 5 && !IsHoliday(day); }

Day Calendar::AddWorkingDays(Day from, int n) const {
  Day d = from;
  while (n > 0) {
    d = d + 1;
    if (IsWorkingDay(d)) --n;
  }
  return d;
}

int Calendar::WorkingDaysBetween(Day from, Day to) const {
  // Counted, not walked: the chronology asks this for every entry (recorded how late), over
  // spans of years, and a walk day by day was most of a chronology read's time.
  if (to <= from) return 0;
  const int32_t days = to - from;
  const int first = Weekday(from + 1);
  int weekdays = days / 7 * 5;
  for (int i = 0; i < days % 7; ++i) {
    if ((first + i) % 7 < 5) ++weekdays;
  }
  const auto holidays =
      std::upper_bound(weekday_holidays_.begin(), weekday_holidays_.end(), to.days) -
      std::upper_bound(weekday_holidays_.begin(), weekday_holidays_.end(), from.days);
  return weekdays - static_cast<int>(holidays);
}

bool Calendar::Covers(Day day) const {
  int y = YearOf(day);
  return y >= first_year_ && y <= last_year_;
}

std::optional<int> Calendar::UncoveredYear(Day first, Day last) const {
  if (last < first) return std::nullopt;
  // The covered years are one run, so the ends of the span decide.
  const int from = YearOf(first), to = YearOf(last);
  if (from < first_year_ || from > last_year_) return from;
  if (to > last_year_) return last_year_ + 1;
  return std::nullopt;
}

}  // namespace caseledger::projections
