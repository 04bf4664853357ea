// The triage queue (projections/triage_queue.h): which families it lists and in what order,
// from families' facts as the overview keeps them, and the last contact a family's fold keeps.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "projections/triage_queue.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger {
namespace {

namespace ev = ledger::ev;
using projections::ConcernFacts;
using projections::Day;
using projections::EpisodeFacts;
using projections::FamilyFacts;
using testing::FixtureCalendar;

Day D(const char* text) { return *projections::ParseDay(text); }
// Noon in London on a day: a time whose London day is that day.
int64_t At(const char* day) { return projections::LondonMidnight(D(day)) + 12LL * 3600 * 1000000; }

EpisodeFacts Episode(const char* id, const char* registered) {
  EpisodeFacts e;
  e.id = id;
  e.keyworker_id = "P1";
  e.registration_completed_on = registered;
  return e;
}

ConcernFacts Concern(const char* id, const char* episode, const char* received,
                     ev::ConcernSource source = ev::ConcernSource::kPolice) {
  ConcernFacts c;
  c.id = id;
  c.episode_id = episode;
  c.source = source;
  c.received_at = At(received);
  c.recorded_at = c.received_at;
  c.seq = 1;
  return c;
}

std::vector<std::string> Order(const projections::QueueAnswer& answer) {
  std::vector<std::string> out;
  for (const auto& row : answer.rows) out.push_back(row.family_id);
  return out;
}

const projections::QueueRow* Row(const projections::QueueAnswer& answer, const char* id) {
  for (const auto& row : answer.rows) {
    if (row.family_id == id) return &row;
  }
  return nullptr;
}

TEST_CASE(
    "triage queue: a police concern awaiting a direction with no consent and no assessment "
    "comes before a review breached for a year and more",
    "[projections][triage]") {
  std::map<std::string, FamilyFacts> facts;
  // A family whose review is 600+ days overdue: assessment done, consent given, a meeting.
  EpisodeFacts old = Episode("E1", "2024-01-08");
  old.consent_given = true;
  old.finalised = true;
  old.finalised_at = At("2024-01-15");
  old.meetings.push_back({"M1", ev::MeetingOutcome::kContinue, "2024-02-19", At("2024-01-22"),
                          At("2024-01-22"), At("2024-01-22"), At("2024-01-23")});
  old.plan_updated_at = {At("2024-01-22")};
  old.last_contact_at = At("2024-01-23");
  facts["OLD"].episodes.push_back(old);
  // A family opened last week, a police notification received yesterday, nothing else.
  facts["NEW"].episodes.push_back(Episode("E1", "2026-11-30"));
  facts["NEW"].concerns.push_back(Concern("C1", "E1", "2026-12-06"));

  const auto answer = projections::TriageQueue(facts, FixtureCalendar(), D("2026-12-07"));
  REQUIRE(Order(answer) == std::vector<std::string>{"NEW", "OLD"});
  const auto* fresh = Row(answer, "NEW");
  CHECK(fresh->tier == 1);
  CHECK(fresh->risks == 2);  // consent not yet given, assessment not finalised
  REQUIRE(fresh->awaiting.size() == 1);
  CHECK(fresh->awaiting[0].days_waiting == 1);
  CHECK(fresh->why ==
        std::vector<std::string>{"1 concern awaiting a direction, the oldest for 1 day",
                                 "consent not yet given", "assessment not finalised"});
  const auto* stale = Row(answer, "OLD");
  CHECK(stale->tier == 2);
  REQUIRE_FALSE(stale->breaches.empty());
  CHECK(stale->breaches.front().days_overdue > 365);
  CHECK(stale->last_contact_on == D("2024-01-23"));
  CHECK(answer.awaiting == 1);
}

TEST_CASE(
    "triage queue: only families with an open episode or a concern routed with none, an "
    "undirected concern of an episode since ended is counted, not listed",
    "[projections][triage]") {
  std::map<std::string, FamilyFacts> facts;
  // Closed years ago with a concern never directed: not awaited any more.
  EpisodeFacts closed = Episode("E1", "2023-03-01");
  closed.closed = true;
  closed.closed_at = At("2023-09-01");
  closed.status = projections::EpisodeStatus::kClosed;
  facts["CLOSED"].episodes.push_back(closed);
  facts["CLOSED"].concerns.push_back(Concern("C1", "E1", "2023-05-01"));
  // Stepped up (closed too): likewise.
  EpisodeFacts up = Episode("E1", "2025-01-06");
  up.stepped_up = true;
  up.closed = true;
  up.status = projections::EpisodeStatus::kSteppedUp;
  facts["UP"].episodes.push_back(up);
  facts["UP"].concerns.push_back(Concern("C1", "E1", "2025-02-03"));
  // A concern received with no episode: routed with none, listed.
  facts["ROUTED"].concerns.push_back(Concern("C1", "", "2026-12-01", ev::ConcernSource::kSchool));
  // Above the threshold, or directed: not awaiting.
  facts["CP"].concerns.push_back(Concern("C1", "", "2026-12-01"));
  facts["CP"].concerns.back().above_threshold = true;
  facts["DIRECTED"].concerns.push_back(Concern("C1", "", "2026-12-01"));
  facts["DIRECTED"].concerns.back().directed = true;
  // An open episode, nothing pending: listed last.
  EpisodeFacts quiet = Episode("E2", "2026-11-02");
  quiet.consent_given = true;
  quiet.finalised = true;
  quiet.finalised_at = At("2026-11-10");
  facts["QUIET"].episodes.push_back(closed);
  facts["QUIET"].episodes.push_back(quiet);
  facts["QUIET"].concerns.push_back(Concern("C9", "E1", "2023-04-01"));  // of the closed one

  const auto answer = projections::TriageQueue(facts, FixtureCalendar(), D("2026-12-07"));
  CHECK(Order(answer) == std::vector<std::string>{"ROUTED", "QUIET"});
  CHECK(answer.stale_concerns == 3);
  const auto* routed = Row(answer, "ROUTED");
  CHECK_FALSE(routed->episode.has_value());
  CHECK(routed->risks == 1);
  CHECK(routed->why.back() == "no open episode: no one is working with the family");
  CHECK(Row(answer, "QUIET")->episode->id == "E2");
  CHECK(Row(answer, "QUIET")->why ==
        std::vector<std::string>{"open episode, nothing overdue", "no contact recorded"});
}

TEST_CASE(
    "triage queue: more risks first, then the longest waiting, breaches by days overdue, then "
    "the longest without contact, none recorded first",
    "[projections][triage]") {
  std::map<std::string, FamilyFacts> facts;
  const auto consented = [](const char* registered) {
    EpisodeFacts e = Episode("E1", registered);
    e.consent_given = true;
    e.finalised = true;
    e.finalised_at = At(registered);
    return e;
  };
  // Tier 1: concerns awaiting; A has one risk (no consent) waiting 2 days, B none waiting 9
  // days, C one risk waiting 5 days.
  facts["A"].episodes.push_back(Episode("E1", "2026-11-30"));
  facts["A"].episodes.back().finalised = true;
  facts["A"].concerns.push_back(Concern("C1", "E1", "2026-12-05"));
  facts["B"].episodes.push_back(consented("2026-11-30"));
  facts["B"].concerns.push_back(Concern("C1", "E1", "2026-11-28"));
  facts["C"].episodes.push_back(Episode("E1", "2026-11-30"));
  facts["C"].episodes.back().finalised = true;
  facts["C"].concerns.push_back(Concern("C1", "E1", "2026-12-02"));
  // Tier 3: open, nothing overdue; D last contact 1 Dec, E 20 Nov, F none.
  for (const char* id : {"D", "E", "F"}) facts[id].episodes.push_back(consented("2026-11-23"));
  facts["D"].episodes.back().last_contact_at = At("2026-12-01");
  facts["E"].episodes.back().last_contact_at = At("2026-11-24");

  const auto answer = projections::TriageQueue(facts, FixtureCalendar(), D("2026-12-07"));
  CHECK(Order(answer) == std::vector<std::string>{"C", "A", "B", "F", "E", "D"});
  CHECK(Row(answer, "E")->why.back() == "last contact 13 days ago");
  for (size_t i = 1; i < answer.rows.size(); ++i) {
    CHECK(projections::QueueBefore(answer.rows[i - 1], answer.rows[i]));
    CHECK_FALSE(projections::QueueBefore(answer.rows[i], answer.rows[i - 1]));
  }
}

}  // namespace
}  // namespace caseledger
