// Days and working days as DOMAIN.md counts them: the England and Wales calendar as data, and
// the Europe/London date of an instant.
#include <fstream>
#include <string>

#include "ledger/time_format.h"
#include "projections/calendar.h"
#include "tests/ledger/test_util.h"

namespace caseledger::testing {
namespace {

using Catch::Matchers::Contains;
using projections::Calendar;
using projections::Day;

const std::string kCalendarPath =
    std::string(CASELEDGER_FIXTURES_DIR) + "/calendar/bank-holidays-england-wales.txt";

Day D(const std::string& text) {
  auto d = projections::ParseDay(text);
  INFO(text);
  REQUIRE(d.ok());
  return *d;
}

int64_t Instant(const std::string& rfc3339) {
  auto t = ledger::ParseRfc3339(rfc3339);
  REQUIRE(t.ok());
  return *t;
}

const Calendar& Real() {
  static const Calendar calendar = [] {
    auto c = Calendar::Load(kCalendarPath);
    INFO(c.status().ToString());
    REQUIRE(c.ok());
    return std::move(c).value();
  }();
  return calendar;
}

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST_CASE("working days: a TAF meeting on Thu 2026-12-24 has its 3-wd limit on Thu 2026-12-31",
          "[calendar]") {
  // Fri 25 Christmas, Sat, Sun, Mon 28 Boxing Day (substitute): Tue 29, Wed 30, Thu 31.
  CHECK(projections::FormatDay(Real().AddWorkingDays(D("2026-12-24"), 1)) == "2026-12-29");
  CHECK(projections::FormatDay(Real().AddWorkingDays(D("2026-12-24"), 2)) == "2026-12-30");
  CHECK(projections::FormatDay(Real().AddWorkingDays(D("2026-12-24"), 3)) == "2026-12-31");
}

TEST_CASE("working days: a TAF meeting on Thu 2026-12-24 has its 5-wd limit on Tue 2027-01-05",
          "[calendar]") {
  // Fri 1 January is New Year's Day: Mon 4 is the 4th working day, Tue 5 the 5th.
  CHECK(projections::FormatDay(Real().AddWorkingDays(D("2026-12-24"), 4)) == "2027-01-04");
  CHECK(projections::FormatDay(Real().AddWorkingDays(D("2026-12-24"), 5)) == "2027-01-05");
}

TEST_CASE("working days: counting starts the day after, even when the start is not a working day",
          "[calendar]") {
  // Sat 2026-05-02: Mon 4 is Early May bank holiday, so Tue 5 is the first working day after.
  CHECK(projections::FormatDay(Real().AddWorkingDays(D("2026-05-02"), 1)) == "2026-05-05");
  // Fri 2026-05-22: Mon 25 is Spring bank holiday.
  CHECK(projections::FormatDay(Real().AddWorkingDays(D("2026-05-22"), 1)) == "2026-05-26");
  // A plain week: Mon 2026-06-01 + 4 is Fri 5.
  CHECK(projections::FormatDay(Real().AddWorkingDays(D("2026-06-01"), 4)) == "2026-06-05");
}

TEST_CASE(
    "working days: weekends and bank holidays, substitute days included, are not working days",
    "[calendar]") {
  const Calendar& cal = Real();
  CHECK(projections::Weekday(D("2026-12-24")) == 3);  // Thursday
  CHECK(projections::Weekday(D("1970-01-01")) == 3);
  CHECK(projections::Weekday(D("2026-12-27")) == 6);  // Sunday
  CHECK(cal.IsWorkingDay(D("2026-12-24")));
  CHECK_FALSE(cal.IsWorkingDay(D("2026-12-25")));  // Christmas Day, a Friday
  CHECK(cal.IsHoliday(D("2026-12-25")));
  CHECK_FALSE(cal.IsWorkingDay(D("2026-12-26")));  // Boxing Day falls on a Saturday...
  CHECK_FALSE(cal.IsHoliday(D("2026-12-26")));
  CHECK_FALSE(cal.IsWorkingDay(D("2026-12-27")));  // Sunday
  CHECK(cal.IsHoliday(D("2026-12-28")));           // ...so Monday is its substitute
  CHECK_FALSE(cal.IsWorkingDay(D("2026-12-28")));
  CHECK(cal.IsWorkingDay(D("2026-12-29")));
  CHECK_FALSE(cal.IsWorkingDay(D("2027-01-01")));
  CHECK_FALSE(cal.IsWorkingDay(D("2026-05-25")));  // Spring bank holiday
  CHECK_FALSE(cal.IsWorkingDay(D("2022-09-19")));  // the State Funeral, a one-off
  CHECK(cal.IsWorkingDay(D("2022-09-20")));
  CHECK(cal.size() == 83);  // 2018-2027, 8 a year, plus 2022's two one-offs and 2023's one
}

TEST_CASE("working days: WorkingDaysBetween counts from < d <= to", "[calendar]") {
  const Calendar& cal = Real();
  CHECK(cal.WorkingDaysBetween(D("2026-12-24"), D("2026-12-31")) == 3);
  CHECK(cal.WorkingDaysBetween(D("2026-12-24"), D("2027-01-05")) == 5);
  CHECK(cal.WorkingDaysBetween(D("2026-12-24"), D("2026-12-28")) == 0);
  CHECK(cal.WorkingDaysBetween(D("2026-05-21"), D("2026-05-28")) == 4);  // over Spring BH
  CHECK(cal.WorkingDaysBetween(D("2026-05-21"), D("2026-05-21")) == 0);
  CHECK(cal.WorkingDaysBetween(D("2026-05-28"), D("2026-05-21")) == 0);
  CHECK(cal.WorkingDaysBetween(D("2026-01-01"), D("2026-12-31")) == 253);
}

TEST_CASE("calendar: a calendar loaded from another path changes the count without a rebuild",
          "[calendar]") {
  TempDir dir;
  std::string path =
      WriteFile(dir, "made-up.txt", "# a made-up calendar\n\n2026-05-20\tCaseledger Day\r\n");
  auto cal = Calendar::Load(path);
  INFO(cal.status().ToString());
  REQUIRE(cal.ok());
  CHECK(cal->size() == 1);
  CHECK(cal->IsHoliday(D("2026-05-20")));
  CHECK_FALSE(cal->IsHoliday(D("2026-05-25")));  // not in this file
  // Mon 18 to Fri 22 May: Tue, Wed, Thu, Fri in the real calendar; Wed is a holiday here.
  CHECK(Real().WorkingDaysBetween(D("2026-05-18"), D("2026-05-22")) == 4);
  CHECK(cal->WorkingDaysBetween(D("2026-05-18"), D("2026-05-22")) == 3);
  CHECK(projections::FormatDay(Real().AddWorkingDays(D("2026-05-19"), 1)) == "2026-05-20");
  CHECK(projections::FormatDay(cal->AddWorkingDays(D("2026-05-19"), 1)) == "2026-05-21");
  // And the real calendar's Spring bank holiday is an ordinary Monday here.
  CHECK(projections::FormatDay(cal->AddWorkingDays(D("2026-05-22"), 1)) == "2026-05-25");
}

TEST_CASE("calendar: a malformed line is refused naming the file and the line", "[calendar]") {
  TempDir dir;
  std::string no_tab =
      WriteFile(dir, "no-tab.txt", "# header\n2026-01-01\tNew Year\n2026-04-03 Good Friday\n");
  auto a = Calendar::Load(no_tab);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code() == Code::kInvalidArgument);
  CHECK_THAT(a.status().message(), Contains(no_tab + " line 3"));

  std::string bad_day = WriteFile(dir, "bad-day.txt", "2026-01-01\tNew Year\n2026-02-30\tNo\n");
  auto b = Calendar::Load(bad_day);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().code() == Code::kInvalidArgument);
  CHECK_THAT(b.status().message(), Contains(bad_day + " line 2"));
  CHECK_THAT(b.status().message(), Contains("must be a date YYYY-MM-DD"));

  auto c = Calendar::Parse("\n\nshort\n", "inline");
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.status().message(), Contains("inline line 3"));
}

TEST_CASE("calendar: a missing file is kNotFound", "[calendar]") {
  TempDir dir;
  auto cal = Calendar::Load(dir / "no-such-calendar.txt");
  REQUIRE_FALSE(cal.ok());
  CHECK(cal.status().code() == Code::kNotFound);
  CHECK_THAT(cal.status().message(), Contains("no-such-calendar.txt"));
}

TEST_CASE("calendar: Covers() is true for the years of the first and last holidays", "[calendar]") {
  CHECK(Real().Covers(D("2018-01-01")));
  CHECK(Real().Covers(D("2026-07-15")));
  CHECK(Real().Covers(D("2027-12-31")));
  CHECK_FALSE(Real().Covers(D("2017-12-31")));
  CHECK_FALSE(Real().Covers(D("2028-01-01")));
  auto one = Calendar::Parse("2026-05-20\tCaseledger Day\n", "one");
  REQUIRE(one.ok());
  CHECK(one->Covers(D("2026-01-01")));
  CHECK_FALSE(one->Covers(D("2027-01-01")));
  auto empty = Calendar::Parse("# nothing\n", "empty");
  REQUIRE(empty.ok());
  CHECK(empty->size() == 0);
  CHECK_FALSE(empty->Covers(D("2026-01-01")));
  CHECK_FALSE(empty->Covers(D("1970-01-01")));
}

TEST_CASE("calendar: UncoveredYear names the earliest year of a span it does not cover",
          "[calendar]") {
  CHECK(Real().first_year() == 2018);
  CHECK(Real().last_year() == 2027);
  CHECK(Real().UncoveredYear(D("2018-01-01"), D("2027-12-31")) == std::nullopt);
  CHECK(Real().UncoveredYear(D("2027-12-24"), D("2027-12-31")) == std::nullopt);
  CHECK(Real().UncoveredYear(D("2027-12-24"), D("2028-01-04")) == 2028);
  CHECK(Real().UncoveredYear(D("2029-03-01"), D("2029-03-08")) == 2029);
  CHECK(Real().UncoveredYear(D("2017-12-29"), D("2018-01-03")) == 2017);
  CHECK(Real().UncoveredYear(D("2016-06-01"), D("2030-06-01")) == 2016);
  CHECK(Real().UncoveredYear(D("2028-01-04"), D("2027-12-24")) == std::nullopt);  // empty span
  auto empty = Calendar::Parse("# nothing\n", "empty");
  REQUIRE(empty.ok());
  CHECK(empty->last_year() < empty->first_year());
  CHECK(empty->UncoveredYear(D("2026-05-21"), D("2026-05-27")) == 2026);
}

TEST_CASE("london day: late evening UTC is the next day in summer time, the same day in winter",
          "[calendar]") {
  // The clocks go forward at 01:00 UTC on Sunday 29 March 2026.
  CHECK(projections::FormatDay(projections::LondonDay(Instant("2026-03-29T23:30:00Z"))) ==
        "2026-03-30");
  CHECK(projections::FormatDay(projections::LondonDay(Instant("2026-03-28T23:30:00Z"))) ==
        "2026-03-28");
  CHECK(projections::FormatDay(projections::LondonDay(Instant("2026-01-15T23:30:00Z"))) ==
        "2026-01-15");
  CHECK(projections::FormatDay(projections::LondonDay(Instant("2026-01-15T23:59:59Z"))) ==
        "2026-01-15");
  CHECK(projections::FormatDay(projections::LondonDay(Instant("2026-07-01T22:59:59Z"))) ==
        "2026-07-01");
  CHECK(projections::FormatDay(projections::LondonDay(Instant("2026-07-01T23:00:00Z"))) ==
        "2026-07-02");
}

TEST_CASE("london day: the night the clocks go back (25 October 2026)", "[calendar]") {
  // 00:30 UTC is 01:30 BST on the 25th; 01:30 UTC is 01:30 GMT, still the 25th.
  CHECK(projections::FormatDay(projections::LondonDay(Instant("2026-10-25T00:30:00Z"))) ==
        "2026-10-25");
  CHECK(projections::FormatDay(projections::LondonDay(Instant("2026-10-24T22:59:59Z"))) ==
        "2026-10-24");
  CHECK(projections::FormatDay(projections::LondonDay(Instant("2026-10-25T23:30:00Z"))) ==
        "2026-10-25");
}

TEST_CASE("london day: LondonMidnight is where the London day begins and round-trips",
          "[calendar]") {
  CHECK(projections::LondonMidnight(D("2026-01-15")) == Instant("2026-01-15T00:00:00Z"));
  CHECK(projections::LondonMidnight(D("2026-03-30")) == Instant("2026-03-29T23:00:00Z"));
  CHECK(projections::LondonMidnight(D("2026-03-29")) == Instant("2026-03-29T00:00:00Z"));
  CHECK(projections::LondonMidnight(D("2026-10-25")) == Instant("2026-10-24T23:00:00Z"));
  CHECK(projections::LondonMidnight(D("2026-10-26")) == Instant("2026-10-26T00:00:00Z"));
  for (const char* text : {"2026-01-15", "2026-03-29", "2026-03-30", "2026-10-25", "2026-10-26",
                           "2026-12-31", "2028-02-29"}) {
    INFO(text);
    Day day = D(text);
    int64_t midnight = projections::LondonMidnight(day);
    CHECK(projections::LondonDay(midnight) == day);
    CHECK(projections::LondonDay(midnight - 1) == day + -1);
  }
}

TEST_CASE(
    "working days: WorkingDaysBetween counts as a walk day by day would, across years, "
    "weekends, bank holidays, a holiday on a weekend and days outside the calendar",
    "[calendar]") {
  auto walk = [](const Calendar& cal, projections::Day from, projections::Day to) {
    int n = 0;
    for (projections::Day d = from + 1; d <= to; d = d + 1) n += cal.IsWorkingDay(d) ? 1 : 0;
    return n;
  };
  // A holiday listed on a Saturday must not be taken off twice.
  auto weekend = Calendar::Parse("2026-12-26\tA Saturday\n2026-12-28\tA Monday\n", "test");
  REQUIRE(weekend.ok());
  const projections::Day start = D("2017-12-20");
  for (const Calendar* cal : std::initializer_list<const Calendar*>{&Real(), &*weekend}) {
    for (int32_t a = 0; a < 3900; a += 37) {
      for (int32_t span : {-3, 0, 1, 2, 5, 6, 7, 8, 13, 30, 365, 800}) {
        const projections::Day from = start + a, to = from + span;
        INFO(projections::FormatDay(from) << " to " << projections::FormatDay(to));
        CHECK(cal->WorkingDaysBetween(from, to) == walk(*cal, from, to));
      }
    }
  }
  CHECK(Real().WorkingDaysBetween(D("2026-12-24"), D("2027-01-05")) == 5);
}

TEST_CASE("days: ParseDay and FormatDay round-trip and refuse days that do not exist",
          "[calendar]") {
  CHECK(D("1970-01-01").days == 0);
  CHECK(D("2026-12-24").days == 20811);
  for (const char* text : {"1970-01-01", "2026-02-28", "2028-02-29", "2026-12-31", "2027-01-01"}) {
    CHECK(projections::FormatDay(D(text)) == text);
  }
  CHECK(projections::FormatDay(D("2026-02-28") + 1) == "2026-03-01");
  CHECK(D("2027-01-05") - D("2026-12-24") == 12);

  auto bad = projections::ParseDay("2026-02-30", "dueOn");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().field() == "dueOn");
  // Named, not repeated: a value in the wrong field may be personal data.
  CHECK_THAT(bad.status().message(), Contains("dueOn must be a date YYYY-MM-DD"));
  CHECK_THAT(bad.status().message(), !Contains("2026-02-30"));
  for (const char* text :
       {"2027-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01T00", ""}) {
    INFO(text);
    CHECK_FALSE(projections::ParseDay(text).ok());
  }
}

}  // namespace
}  // namespace caseledger::testing

namespace caseledger::testing {
namespace {

TEST_CASE("calendar: FormatLondon gives London's wall clock with its offset, GMT and BST",
          "[calendar]") {
  auto at = [](const char* t) { return *ledger::ParseRfc3339(t); };
  CHECK(projections::FormatLondon(at("2026-01-05T09:00:00Z")) == "2026-01-05T09:00:00+00:00");
  CHECK(projections::FormatLondon(at("2026-07-02T10:15:30Z")) == "2026-07-02T11:15:30+01:00");
  // The clocks go forward at 01:00 UTC on 29 March 2026.
  CHECK(projections::FormatLondon(at("2026-03-29T00:59:59Z")) == "2026-03-29T00:59:59+00:00");
  CHECK(projections::FormatLondon(at("2026-03-29T01:00:00Z")) == "2026-03-29T02:00:00+01:00");
  CHECK(projections::FormatLondon(at("2026-12-31T23:59:59.999999Z")) ==
        "2026-12-31T23:59:59+00:00");
}

}  // namespace
}  // namespace caseledger::testing
