// The fixture families of fixtures/families/ replay through the real ledger (rules on, their
// recorded times on a manual clock) to the golden state, chronology and timescales in
// fixtures/families/golden/. Set CASELEDGER_UPDATE_GOLDEN=1 to rewrite the golden files after
// a deliberate change, then read the diff.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "ledger/fixture_loader.h"
#include "projections/views.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger::testing {
namespace {

const std::string kFamilies = std::string(CASELEDGER_FIXTURES_DIR) + "/families/";
const std::string kCalendar =
    std::string(CASELEDGER_FIXTURES_DIR) + "/calendar/bank-holidays-england-wales.txt";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Compares `actual` with the golden file, or rewrites it when asked to.
void Golden(const std::string& path, const std::string& actual) {
  if (std::getenv("CASELEDGER_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::string expected = ReadText(path);
  INFO("golden file " << path << " (CASELEDGER_UPDATE_GOLDEN=1 rewrites it)");
  REQUIRE_FALSE(expected.empty());
  CHECK(actual == expected);
}

struct Replayed {
  TempDir dir;
  ledger::ManualClock clock{At("2026-01-01T00:00:00Z")};
  projections::DomainRules rules;
  std::unique_ptr<ledger::Store> store;
  ledger::FixtureTotals totals;

  explicit Replayed(const std::string& file) {
    store = OpenStore(dir.str(), clock, &rules);
    rules.Attach(store.get());
    for (const std::string& f : {kFamilies + "00-practitioners.jsonl", kFamilies + file}) {
      Status s = ledger::LoadFixtureFile(*store, clock, f, &totals);
      INFO(s.ToString());
      REQUIRE(s.ok());
    }
  }
};

// The timescales are evaluated as on `on` (2026-11-01, after every fixture's recordedAt, unless
// the fixture says otherwise).
void CheckGolden(const std::string& name, const std::string& family, int refusals,
                 const std::string& on_day = "2026-11-01") {
  Replayed r(name + ".jsonl");
  CHECK(r.totals.refused_as_expected == static_cast<uint64_t>(refusals));
  auto calendar = projections::Calendar::Load(kCalendar);
  REQUIRE(calendar.ok());
  auto events = projections::ReadFamily(*r.store, family, r.store->Size());
  REQUIRE(events.ok());
  projections::FamilyState state = projections::FoldFamily(*events);
  const std::string golden = kFamilies + "golden/" + name;
  Golden(golden + ".state.json",
         projections::PrettyJson(projections::FamilyStateJson(state, r.store->Size())));
  auto chronology =
      projections::BuildChronology(*events, *calendar, projections::StoreNames(*r.store, 0));
  Golden(golden + ".chronology.json", projections::PrettyJson(projections::ChronologyJson(
                                          {family, r.store->Size(), "current"}, chronology)));
  auto on = projections::ParseDay(on_day);
  REQUIRE(on.ok());
  Golden(golden + ".timescales.json",
         projections::PrettyJson(projections::TimescalesJson(
             family, *on, projections::EvaluateTimescales(state, *calendar, *on))));
}

TEST_CASE("fixture 01-full-ffa-needs-met: a full FFA with TAF reviews closed with needs met") {
  CheckGolden("01-full-ffa-needs-met", "F101", 0);
}
TEST_CASE("fixture 02-consent-refused: consent refused, assessment refused, work goes on") {
  CheckGolden("02-consent-refused", "F102", 1);
}
TEST_CASE("fixture 03-consent-withdrawn: withdrawn mid-assessment, closed with both reasons") {
  CheckGolden("03-consent-withdrawn", "F103", 2);
}
TEST_CASE("fixture 04-police-notification-triage: below threshold to triage, directed") {
  CheckGolden("04-police-notification-triage", "F104", 1);
}
TEST_CASE("fixture 05-concern-above-threshold: a child protection referral and step-up") {
  CheckGolden("05-concern-above-threshold", "F105", 0);
}
TEST_CASE("fixture 06-step-up-at-taf: a step-up to A&I decided at a TAF meeting") {
  CheckGolden("06-step-up-at-taf", "F106", 0);
}
TEST_CASE("fixture 07-meeting-recorded-late: a meeting recorded late, FFA late and unsigned") {
  CheckGolden("07-meeting-recorded-late", "F107", 0);
}
TEST_CASE("fixture 08-correction: a wrong note corrected, never edited") {
  CheckGolden("08-correction", "F108", 2);
}
TEST_CASE("fixture 09-second-episode-refused: one open episode, then a second after closure") {
  CheckGolden("09-second-episode-refused", "F109", 1);
}
TEST_CASE("fixture 10-untrained-practitioner-refused: untrained and deactivated refused") {
  CheckGolden("10-untrained-practitioner-refused", "F110", 3);
}
TEST_CASE("fixture 11-future-event-refused: an event dated after its recording refused") {
  CheckGolden("11-future-event-refused", "F111", 1);
}
TEST_CASE("fixture 12-corrected-registration-date: a corrected date shows a hidden breach") {
  CheckGolden("12-corrected-registration-date", "F112", 0);
}
TEST_CASE("fixture 13-late-share-then-timely: a late share stays in the history") {
  CheckGolden("13-late-share-then-timely", "F113", 0);
}
TEST_CASE("fixture 14-step-up-by-keyworker: the keyworker records the step-up their TAF decided") {
  CheckGolden("14-step-up-by-keyworker", "F114", 0);
}
TEST_CASE("fixture 15-withdrawal-never-closed: consent withdrawn, the episode never closed") {
  CheckGolden("15-withdrawal-never-closed", "F115", 1);
}
TEST_CASE(
    "fixture 16-meeting-after-calendar: a meeting whose working days reach a year the calendar "
    "does not cover is unknown, naming the year") {
  // Its last meeting is held on 30 December 2027, so it is evaluated as on the next day.
  CheckGolden("16-meeting-after-calendar", "F116", 0, "2027-12-31");
}

TEST_CASE(
    "fixture families' chronologies: every entry, computed ones too, has one of "
    "ChronologyCategories, and filtering by each category keeps exactly its entries") {
  const auto& known = projections::ChronologyCategories();
  std::set<std::string> seen;
  for (const auto& [file, family] : std::vector<std::pair<std::string, std::string>>{
           {"01-full-ffa-needs-met", "F101"},
           {"03-consent-withdrawn", "F103"},
           {"04-police-notification-triage", "F104"},
           {"05-concern-above-threshold", "F105"},
           {"08-correction", "F108"},
           {"12-corrected-registration-date", "F112"}}) {
    INFO(file);
    Replayed r(file + ".jsonl");
    auto events = projections::ReadFamily(*r.store, family, r.store->Size());
    REQUIRE(events.ok());
    const auto entries = projections::ChronologyWithComputed(*events, FixtureCalendar(), {},
                                                             *projections::ParseDay("2026-11-01"));
    for (const auto& e : entries) {
      INFO("seq " << e.seq << " " << e.type << ": " << e.category);
      CHECK(std::find(known.begin(), known.end(), e.category) != known.end());
      seen.insert(e.category);
    }
    size_t kept = 0;
    for (const std::string& category : known) {
      projections::ChronologyFilter filter;
      filter.categories = {category};
      for (const auto& e : projections::FilterChronology(entries, filter)) {
        CHECK(e.category == category);
        ++kept;
      }
    }
    CHECK(kept == entries.size());
  }
  // Kinds' categories, a note's own (meeting is both) and computed entries.
  for (const std::string c : {"registration", "consent", "closure", "concern", "triage", "stepUp",
                              "correction", "contact", "meeting", "computed"}) {
    CHECK(seen.count(c) == 1);
  }
}

}  // namespace
}  // namespace caseledger::testing
