// The timescales of DOMAIN.md, each named by its id, from histories appended through the
// rules, evaluated "as on" a day. Registration is completed on Fri 2026-05-01 throughout;
// meetings held on Thu 2026-05-21 straddle a weekend and the Spring bank holiday (Mon 25):
// working day 1 is Fri 22, 2 Tue 26, 3 Wed 27, 4 Thu 28, 5 Fri 29.
#include <algorithm>
#include <optional>
#include <string>

#include "projections/views.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger::testing {
namespace {

using projections::EpisodeTimescales;
using projections::Timescale;

const projections::Calendar& Cal() { return FixtureCalendar(); }

std::string Text(const std::optional<projections::Day>& d) {
  return d ? projections::FormatDay(*d) : "none";
}

// Family F1, episode E1 (keyworker P1, registered 2026-05-01), with consent unless told not.
struct Family : DomainLedger {
  explicit Family(bool consent = true) {
    Practitioner("P1");
    Practitioner("P2");
    REQUIRE_APPENDED(OpenFamily("F1"));
    if (consent) REQUIRE_APPENDED(Consent("F1"));
  }
  // Appends `type` on E1 as P1, recorded at `recorded` (the clock moves there first) and
  // happened at `occurred` (default: when recorded).
  void Rec(const std::string& recorded, const std::string& type, const std::string& extra = "",
           std::string occurred = "") {
    clock().Set(At(recorded));
    if (occurred.empty()) occurred = recorded;
    REQUIRE_APPENDED(
        Append("family/F1", kP1, {{type, R"({"episodeId":"E1")" + extra + "}", occurred}}));
  }
  void Meeting(const std::string& id, const std::string& held, const std::string& recorded,
               const std::string& outcome = "continue", const std::string& next_review = "",
               const std::string& kind = "initial") {
    Rec(recorded, "tafMeetingHeld",
        R"(,"meetingId":")" + id + R"(","kind":")" + kind +
            R"(","attendees":["Parent","P1"],"outcome":")" + outcome + "\"" +
            (next_review.empty() ? "" : R"(,"nextReviewOn":")" + next_review + "\""),
        held);
  }
  void Plan(const std::string& meeting, const std::string& recorded,
            const std::string& occurred = "") {
    Rec(recorded, "actionPlanUpdated",
        R"(,"meetingId":")" + meeting +
            R"(","actions":[{"actionId":"A1","description":"d","owner":"P1","dueOn":"2026-07-01","status":"open"}])",
        occurred);
  }
  void Withdraw(const std::string& at) {
    Rec(at, "consentWithdrawn", R"(,"withdrawnBy":"Parent","reason":"moving on")");
    Rec(at, "episodeClosed", R"(,"reason":"consentWithdrawn")");
  }
  EpisodeTimescales Eval(const std::string& on, const projections::Calendar& cal = Cal()) {
    auto events = projections::ReadFamily(store(), "F1", store().Size());
    REQUIRE(events.ok());
    auto day = projections::ParseDay(on);
    REQUIRE(day.ok());
    auto episodes = projections::EvaluateTimescales(projections::FoldFamily(*events), cal, *day);
    REQUIRE(episodes.size() == 1);
    return episodes[0];
  }
  // The states of timescale `id` as on each of `days`, space-separated.
  std::string States(const char* id, std::initializer_list<const char*> days);
};

const Timescale& Find(const EpisodeTimescales& e, std::string_view id) {
  auto it = std::find_if(e.timescales.begin(), e.timescales.end(),
                         [&](const Timescale& t) { return t.id == id; });
  REQUIRE(it != e.timescales.end());
  return *it;
}

std::string State(const EpisodeTimescales& e, std::string_view id) {
  return std::string(projections::Name(Find(e, id).state));
}

// "state started due met [limit] [meeting]" of one timescale, for exact comparisons.
std::string Line(const Timescale& t) {
  std::string out = std::string(projections::Name(t.state)) + " " + Text(t.started_on) + " " +
                    Text(t.due_on) + " " + Text(t.met_on);
  if (t.limit_on) out += " limit " + Text(t.limit_on);
  if (!t.meeting_id.empty()) out += " " + t.meeting_id;
  return out;
}
std::string Line(const EpisodeTimescales& e, std::string_view id) { return Line(Find(e, id)); }

std::string Family::States(const char* id, std::initializer_list<const char*> days) {
  std::string out;
  for (const char* day : days) out += (out.empty() ? "" : " ") + State(Eval(day), id);
  return out;
}

constexpr const char* kA = "assessment-3-weeks";
constexpr const char* kInitial = "initial-taf-6-weeks";
constexpr const char* kReview = "review-6-12-weeks";
constexpr const char* kRecord = "record-within-3-wd";
constexpr const char* kShare = "share-within-5-wd";
constexpr const char* kAction = "action-outcome-3-wd";

// ------------------------------------------------------------------ assessment-3-weeks

TEST_CASE("assessment-3-weeks: finalised on the 21st day is met", "[timescales]") {
  Family f;
  f.Rec("2026-05-22T15:00:00Z", "assessmentFinalised",
        R"(,"signedByFamily":true,"copyGivenToFamily":true)");
  auto e = f.Eval("2026-05-22");
  REQUIRE(e.timescales.size() == std::size(projections::kTimescaleIds));
  for (size_t i = 0; i < e.timescales.size(); ++i) {
    CHECK(e.timescales[i].id == projections::kTimescaleIds[i]);
  }
  CHECK(Line(e, kA) == "met 2026-05-01 2026-05-22 2026-05-22");
  CHECK_FALSE(e.finalised_not_signed);
  CHECK_FALSE(e.finalised_copy_not_given);
  // As on the day before, the finalisation had not happened.
  CHECK(Line(f.Eval("2026-05-21"), kA) == "dueSoon 2026-05-01 2026-05-22 none");
}

TEST_CASE("assessment-3-weeks: finalised late on the London 22nd day is metLate", "[timescales]") {
  Family f;
  // 23:30 UTC on the 22nd is 00:30 BST on the 23rd.
  f.Rec("2026-05-23T08:00:00Z", "assessmentFinalised",
        R"(,"signedByFamily":true,"copyGivenToFamily":true)", "2026-05-22T23:30:00Z");
  CHECK(Line(f.Eval("2026-06-30"), kA) == "metLate 2026-05-01 2026-05-22 2026-05-23");
}

TEST_CASE("assessment-3-weeks: notStarted, onTrack, dueSoon in the last 5 days, then breached",
          "[timescales]") {
  Family f;
  CHECK(Line(f.Eval("2026-04-30"), kA) == "notStarted none none none");
  CHECK(f.States(kA, {"2026-05-01", "2026-05-16", "2026-05-17", "2026-05-22"}) ==
        "onTrack onTrack dueSoon dueSoon");
  CHECK(Line(f.Eval("2026-05-23"), kA) == "breached 2026-05-01 2026-05-22 none");
}

TEST_CASE("assessment-3-weeks: consent withdrawn before the due day stops it, after, breached",
          "[timescales]") {
  Family f;
  f.Withdraw("2026-05-10T10:00:00Z");
  CHECK(f.States(kA, {"2026-05-09", "2026-06-30"}) == "onTrack stopped");
  CHECK(State(f.Eval("2026-06-30"), kInitial) == "stopped");
  Family g;
  g.Withdraw("2026-05-26T10:00:00Z");
  CHECK(State(g.Eval("2026-06-30"), kA) == "breached");
}

TEST_CASE("assessment-3-weeks: consent refused (never given) stops it", "[timescales]") {
  Family f(/*consent=*/false);
  f.Rec("2026-05-05T10:00:00Z", "consentRefused", R"(,"refusedBy":"Parent")");
  CHECK(f.States(kA, {"2026-05-04", "2026-06-30"}) == "onTrack stopped");
}

TEST_CASE("assessment-3-weeks: a finalised FFA not signed, or with no copy given, is flagged",
          "[timescales]") {
  Family f;
  f.Rec("2026-05-20T10:00:00Z", "assessmentFinalised",
        R"(,"signedByFamily":false,"copyGivenToFamily":true)");
  auto flags = [&](Family& x, const char* on) {
    auto e = x.Eval(on);
    return std::vector<bool>{e.finalised_not_signed, e.finalised_copy_not_given};
  };
  CHECK(flags(f, "2026-05-19") == std::vector<bool>{false, false});  // not finalised yet
  CHECK(flags(f, "2026-05-20") == std::vector<bool>{true, false});

  Family g;
  g.Rec("2026-05-20T10:00:00Z", "assessmentFinalised",
        R"(,"signedByFamily":true,"copyGivenToFamily":false)");
  CHECK(flags(g, "2026-05-20") == std::vector<bool>{false, true});
}

// ------------------------------------------------------------------ initial-taf-6-weeks

TEST_CASE("initial-taf-6-weeks: a first meeting on day 42 is met, earlier days onTrack, dueSoon",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-06-12T10:00:00Z", "2026-06-12T16:00:00Z", "continue", "2026-08-01");
  CHECK(Line(f.Eval("2026-06-12"), kInitial) == "met 2026-05-01 2026-06-12 2026-06-12");
  CHECK(f.States(kInitial, {"2026-06-06", "2026-06-07", "2026-06-11", "2026-04-30"}) ==
        "onTrack dueSoon dueSoon notStarted");
}

TEST_CASE("initial-taf-6-weeks: a first meeting on day 43 is metLate, none by then is breached",
          "[timescales]") {
  Family f;
  CHECK(Line(f.Eval("2026-06-13"), kInitial) == "breached 2026-05-01 2026-06-12 none");
  f.Meeting("M1", "2026-06-13T10:00:00Z", "2026-06-13T11:00:00Z", "continue", "2026-08-01");
  CHECK(Line(f.Eval("2026-06-13"), kInitial) == "metLate 2026-05-01 2026-06-12 2026-06-13");
}

TEST_CASE("initial-taf-6-weeks: an episode closed before the due day stops it", "[timescales]") {
  Family f;
  f.Rec("2026-05-20T10:00:00Z", "episodeClosed", R"(,"reason":"movedOutOfArea")");
  CHECK(f.States(kInitial, {"2026-05-19", "2026-07-01"}) == "onTrack stopped");
}

// Meetings are taken in the order they were held, not recorded.
TEST_CASE("initial-taf-6-weeks: a backdated initial meeting recorded after a review still counts",
          "[timescales]") {
  Family f;
  f.Meeting("M2", "2026-06-19T10:00:00Z", "2026-06-19T12:00:00Z", "continue", "2026-07-31",
            "review");
  f.Meeting("M1", "2026-06-05T10:00:00Z", "2026-06-22T09:00:00Z", "continue", "2026-06-19");
  auto e = f.Eval("2026-06-22");
  CHECK(Line(e, kInitial) == "met 2026-05-01 2026-06-12 2026-06-05");
  CHECK(Line(e, kReview) == "onTrack 2026-06-19 2026-07-31 none limit 2026-09-11 M2");
}

// ------------------------------------------------------------------ review-6-12-weeks

TEST_CASE("review-6-12-weeks: onTrack to day 41, dueSoon from day 42 to 84, breached after",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-15T10:00:00Z", "2026-05-15T12:00:00Z", "continue", "2026-06-26");
  CHECK(State(f.Eval("2026-05-14"), kReview) == "notStarted");
  CHECK(Line(f.Eval("2026-05-15"), kReview) ==
        "onTrack 2026-05-15 2026-06-26 none limit 2026-08-07 M1");
  CHECK(f.States(kReview, {"2026-06-25", "2026-06-26", "2026-08-07"}) == "onTrack dueSoon dueSoon");
  CHECK(Line(f.Eval("2026-08-08"), kReview) ==
        "breached 2026-05-15 2026-06-26 none limit 2026-08-07 M1");
}

TEST_CASE("review-6-12-weeks: a next meeting within 84 days is met, after 84 metLate",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-15T10:00:00Z", "2026-05-15T12:00:00Z", "continue", "2026-07-20");
  f.Meeting("M2", "2026-07-20T10:00:00Z", "2026-07-20T12:00:00Z", "close", "", "closure");
  CHECK(Line(f.Eval("2026-07-21"), kReview) ==
        "met 2026-05-15 2026-06-26 2026-07-20 limit 2026-08-07 M1");

  Family g;
  g.Meeting("M1", "2026-05-15T10:00:00Z", "2026-05-15T12:00:00Z", "continue", "2026-07-20");
  g.Meeting("M2", "2026-08-10T10:00:00Z", "2026-08-10T12:00:00Z", "close", "", "closure");
  CHECK(State(g.Eval("2026-08-09"), kReview) == "breached");
  CHECK(Line(g.Eval("2026-08-10"), kReview) ==
        "metLate 2026-05-15 2026-06-26 2026-08-10 limit 2026-08-07 M1");
}

TEST_CASE("review-6-12-weeks: each review meeting that goes on starts a new clock",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-15T10:00:00Z", "2026-05-15T12:00:00Z", "continue", "2026-06-26");
  f.Meeting("M2", "2026-06-26T10:00:00Z", "2026-06-26T12:00:00Z", "continue", "2026-08-07",
            "review");
  CHECK(Line(f.Eval("2026-06-25"), kReview) ==
        "onTrack 2026-05-15 2026-06-26 none limit 2026-08-07 M1");
  CHECK(Line(f.Eval("2026-07-01"), kReview) ==
        "onTrack 2026-06-26 2026-08-07 none limit 2026-09-18 M2");
}

TEST_CASE("review-6-12-weeks: a step-up meeting or a withdrawal stops it", "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-15T10:00:00Z", "2026-05-15T12:00:00Z", "stepUp");
  CHECK(Line(f.Eval("2026-09-01"), kReview) == "stopped 2026-05-15 none none M1");

  Family g;
  g.Meeting("M1", "2026-05-15T10:00:00Z", "2026-05-15T12:00:00Z", "continue", "2026-06-26");
  g.Withdraw("2026-06-01T10:00:00Z");
  CHECK(g.States(kReview, {"2026-05-31", "2026-09-01"}) == "onTrack stopped");
}

TEST_CASE(
    "review-6-12-weeks: a continue meeting without a next review date is flagged, "
    "a close or step-up one is not",
    "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-15T10:00:00Z", "2026-05-15T12:00:00Z", "continue", "2026-06-26");
  f.Meeting("M2", "2026-06-26T10:00:00Z", "2026-06-26T12:00:00Z", "continue", "", "review");
  f.Meeting("M3", "2026-07-10T10:00:00Z", "2026-07-10T12:00:00Z", "stepUp", "", "review");
  f.Meeting("M4", "2026-07-17T10:00:00Z", "2026-07-17T12:00:00Z", "close", "", "closure");
  auto e = f.Eval("2026-07-20");
  CHECK(e.meetings_without_next_review == std::vector<std::string>{"M2"});
  REQUIRE(e.meetings.size() == 4);
  CHECK(std::vector<bool>{e.meetings[0].next_review_missing, e.meetings[1].next_review_missing,
                          e.meetings[2].next_review_missing, e.meetings[3].next_review_missing} ==
        std::vector<bool>{false, true, false, false});
  // As on a day before M2 was held, nothing is flagged yet.
  CHECK(f.Eval("2026-06-25").meetings_without_next_review.empty());
}

// ------------------------------------------------------------------ record-within-3-wd

TEST_CASE("record-within-3-wd: a meeting whose plan is recorded on the 3rd working day is met",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "continue", "2026-07-02");
  f.Plan("M1", "2026-05-27T16:00:00Z");
  auto e = f.Eval("2026-05-27");
  CHECK(Line(e, kRecord) == "met 2026-05-21 2026-05-27 2026-05-27 M1");
  REQUIRE(e.meetings.size() == 1);
  CHECK(Line(e.meetings[0].record) == "met 2026-05-21 2026-05-27 2026-05-27 M1");
  CHECK_THAT(projections::TimescalesJson("F1", e.meetings[0].held_on, {e}),
             Catch::Matchers::Contains(
                 R"({"id":"record-within-3-wd","state":"met","startedOn":"2026-05-21",)"
                 R"("dueOn":"2026-05-27","metOn":"2026-05-27","meetingId":"M1"})"));
  // As on earlier days: onTrack on working day 1 and over the weekend, dueSoon from day 2.
  CHECK(f.States(kRecord, {"2026-05-20", "2026-05-21", "2026-05-22", "2026-05-25", "2026-05-26"}) ==
        "notStarted onTrack onTrack onTrack dueSoon");
}

TEST_CASE("record-within-3-wd: no plan by the 3rd working day is breached, one on the 4th, metLate",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "continue", "2026-07-02");
  // The meeting's own record is not enough for a family that goes on.
  CHECK(State(f.Eval("2026-05-27"), kRecord) == "dueSoon");
  CHECK(Line(f.Eval("2026-05-28"), kRecord) == "breached 2026-05-21 2026-05-27 none M1");
  // Backdating the plan does not help: the time of recording counts.
  f.Plan("M1", "2026-05-28T09:00:00Z", "2026-05-22T10:00:00Z");
  CHECK(Line(f.Eval("2026-05-28"), kRecord) == "metLate 2026-05-21 2026-05-27 2026-05-28 M1");
}

TEST_CASE("record-within-3-wd: a close meeting needs no plan, its own recording day counts",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-27T11:00:00Z", "close", "", "closure");
  CHECK(Line(f.Eval("2026-05-27"), kRecord) == "met 2026-05-21 2026-05-27 2026-05-27 M1");
  Family g;
  g.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-28T11:00:00Z", "close", "", "closure");
  CHECK(Line(g.Eval("2026-05-28"), kRecord) == "metLate 2026-05-21 2026-05-27 2026-05-28 M1");
}

TEST_CASE("record-within-3-wd: each meeting keeps its own state, the latest is reported",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "continue", "2026-06-04");
  f.Plan("M1", "2026-05-28T09:00:00Z");
  f.Meeting("M2", "2026-06-04T10:00:00Z", "2026-06-04T15:00:00Z", "continue", "2026-07-16",
            "review");
  f.Plan("M2", "2026-06-05T09:00:00Z");
  auto e = f.Eval("2026-06-05");
  REQUIRE(e.meetings.size() == 2);
  CHECK(e.meetings[0].meeting_id == "M1");
  CHECK(projections::Name(e.meetings[0].record.state) == "metLate");
  CHECK(projections::Name(e.meetings[1].record.state) == "met");
  CHECK(Line(e, kRecord) == "met 2026-06-04 2026-06-09 2026-06-05 M2");
}

// The rules refuse the plan and the sharing once consent is withdrawn or the episode is
// closed, so those timescales stop then.
TEST_CASE("record-within-3-wd: consent withdrawn before the due day stops it (and the share)",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "continue", "2026-07-02");
  f.Withdraw("2026-05-22T10:00:00Z");
  REQUIRE_REFUSED(f,
                  f.Append("family/F1", DomainLedger::kP1,
                           {{"outcomeSharedWithParents", R"({"episodeId":"E1","meetingId":"M1"})",
                             "2026-05-22T10:00:00Z"}}),
                  "withdrawal-stops-work");
  auto e = f.Eval("2026-06-30");
  CHECK(State(e, kRecord) == "stopped");
  CHECK(State(e, kShare) == "stopped");
}

// ------------------------------------------------------------------ share-within-5-wd

TEST_CASE("share-within-5-wd: shared with the parents on the 5th working day is met",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "continue", "2026-07-02");
  // Recorded days later: when it happened counts.
  f.Rec("2026-06-03T09:00:00Z", "outcomeSharedWithParents", R"(,"meetingId":"M1")",
        "2026-05-29T16:00:00Z");
  CHECK(Line(f.Eval("2026-06-03"), kShare) == "met 2026-05-21 2026-05-29 2026-05-29 M1");
  CHECK(f.States(kShare, {"2026-05-27", "2026-05-28", "2026-05-29"}) == "onTrack dueSoon met");
}

TEST_CASE("share-within-5-wd: shared on the 6th working day is metLate, not shared is breached",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "continue", "2026-07-02");
  CHECK(Line(f.Eval("2026-05-30"), kShare) == "breached 2026-05-21 2026-05-29 none M1");
  f.Rec("2026-06-01T11:00:00Z", "outcomeSharedWithParents", R"(,"meetingId":"M1")");
  CHECK(Line(f.Eval("2026-06-01"), kShare) == "metLate 2026-05-21 2026-05-29 2026-06-01 M1");
  CHECK(State(f.Eval("2026-05-31"), kShare) == "breached");
}

// ------------------------------------------------------------------ action-outcome-3-wd

TEST_CASE("action-outcome-3-wd: a step-up recorded on the 3rd working day is met", "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "stepUp");
  f.Rec("2026-05-27T16:00:00Z", "steppedUp",
        R"(,"to":"assessmentAndIntervention","reason":"r","meetingId":"M1")",
        "2026-05-22T10:00:00Z");
  CHECK(Line(f.Eval("2026-05-27"), kAction) == "met 2026-05-21 2026-05-27 2026-05-27 M1");
  CHECK(f.States(kAction, {"2026-05-20", "2026-05-22", "2026-05-26"}) ==
        "notStarted onTrack dueSoon");
}

TEST_CASE(
    "action-outcome-3-wd: a step-up recorded on the 4th working day is metLate, "
    "however it is dated",
    "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "stepUp");
  f.Rec("2026-05-28T09:00:00Z", "steppedUp",
        R"(,"to":"familySafeguarding","reason":"r","meetingId":"M1")", "2026-05-22T10:00:00Z");
  CHECK(Line(f.Eval("2026-05-28"), kAction) == "metLate 2026-05-21 2026-05-27 2026-05-28 M1");
}

TEST_CASE("action-outcome-3-wd: a closure decided at a meeting: met on day 3, else breached",
          "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "close", "", "closure");
  CHECK(Line(f.Eval("2026-05-28"), kAction) == "breached 2026-05-21 2026-05-27 none M1");
  f.Rec("2026-05-27T10:00:00Z", "episodeClosed", R"(,"reason":"needsMet","meetingId":"M1")");
  CHECK(Line(f.Eval("2026-06-30"), kAction) == "met 2026-05-21 2026-05-27 2026-05-27 M1");
}

TEST_CASE("action-outcome-3-wd: a continue meeting does not start it", "[timescales]") {
  Family f;
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "continue", "2026-07-02");
  CHECK(Line(f.Eval("2026-06-30"), kAction) == "notStarted none none none");
}

// ------------------------------------------------------------------ beyond the calendar
// The calendar file covers 2018 to 2027. Past it no bank holiday is known (Mon 2028-01-03 is
// one), so a working-day due day that needs 2028 could be wrong: the state is unknown.

TEST_CASE(
    "share-within-5-wd: a meeting in a year the calendar does not cover is unknown, naming "
    "the year",
    "[timescales]") {
  Family f;
  f.Meeting("M1", "2028-03-02T10:00:00Z", "2028-03-02T15:00:00Z", "continue", "2028-04-13");
  f.Plan("M1", "2028-03-02T16:00:00Z");
  f.Rec("2028-03-03T11:00:00Z", "outcomeSharedWithParents", R"(,"meetingId":"M1")");
  auto e = f.Eval("2028-03-10");
  CHECK(Line(e, kShare) == "unknown 2028-03-02 none 2028-03-03 M1");
  CHECK(Find(e, kShare).reason == "calendar does not cover 2028");
  REQUIRE(e.meetings.size() == 1);
  CHECK(Line(e.meetings[0].share) == "unknown 2028-03-02 none 2028-03-03 M1");
  CHECK_THAT(projections::TimescalesJson("F1", e.meetings[0].held_on, {e}),
             Catch::Matchers::Contains(
                 R"({"id":"share-within-5-wd","state":"unknown","startedOn":"2028-03-02",)"
                 R"("dueOn":null,"metOn":"2028-03-03","meetingId":"M1",)"
                 R"("reason":"calendar does not cover 2028"})"));
  // Counted in calendar days, the review is judged as ever.
  CHECK(Line(e, kReview) == "onTrack 2028-03-02 2028-04-13 none limit 2028-05-25 M1");
  CHECK(Find(e, kReview).reason.empty());
}

TEST_CASE(
    "record-within-3-wd: a 3rd working day in a year the calendar does not cover is "
    "unknown, naming the year, even when recorded the same day",
    "[timescales]") {
  // Wed 2027-12-29: working days Thu 30, Fri 31, then 2028.
  Family f;
  f.Meeting("M1", "2027-12-29T10:00:00Z", "2027-12-29T15:00:00Z", "close", "", "closure");
  auto e = f.Eval("2027-12-29");
  CHECK(Line(e, kRecord) == "unknown 2027-12-29 none 2027-12-29 M1");
  CHECK(Find(e, kRecord).reason == "calendar does not cover 2028");
  CHECK(f.States(kRecord, {"2027-12-28", "2028-01-10"}) == "notStarted unknown");
}

TEST_CASE(
    "action-outcome-3-wd: a step-up decided in a year the calendar does not cover is "
    "unknown, naming the year",
    "[timescales]") {
  Family f;
  f.Meeting("M1", "2028-02-01T10:00:00Z", "2028-02-01T15:00:00Z", "stepUp");
  f.Rec("2028-02-02T10:00:00Z", "steppedUp",
        R"(,"to":"assessmentAndIntervention","reason":"r","meetingId":"M1")");
  auto e = f.Eval("2028-02-10");
  CHECK(Line(e, kAction) == "unknown 2028-02-01 none 2028-02-02 M1");
  CHECK(Find(e, kAction).reason == "calendar does not cover 2028");
}

TEST_CASE(
    "record-within-3-wd: a meeting whose working days stay in the calendar's years is "
    "judged as before, while its share-within-5-wd reaches 2028 and is unknown",
    "[timescales]") {
  // Thu 2027-12-23: Fri 24, (Mon 27 and Tue 28 substitute holidays), Wed 29, Thu 30 is day 3;
  // Fri 31 is day 4 and day 5 needs 2028.
  Family f;
  f.Meeting("M1", "2027-12-23T10:00:00Z", "2027-12-23T15:00:00Z", "continue", "2028-02-03");
  f.Plan("M1", "2027-12-30T09:00:00Z");
  auto e = f.Eval("2027-12-30");
  CHECK(Line(e, kRecord) == "met 2027-12-23 2027-12-30 2027-12-30 M1");
  CHECK(Find(e, kRecord).reason.empty());
  CHECK(f.States(kRecord, {"2027-12-24", "2027-12-28", "2027-12-29"}) == "onTrack onTrack dueSoon");
  CHECK(Line(e, kShare) == "unknown 2027-12-23 none none M1");
  CHECK(Find(e, kShare).reason == "calendar does not cover 2028");
  CHECK_THAT(projections::TimescalesJson("F1", e.meetings[0].held_on, {e}),
             Catch::Matchers::Contains(
                 R"({"id":"record-within-3-wd","state":"met","startedOn":"2027-12-23",)"
                 R"("dueOn":"2027-12-30","metOn":"2027-12-30","meetingId":"M1"})"));
}

TEST_CASE(
    "assessment-3-weeks, initial-taf-6-weeks, review-6-12-weeks: calendar days, never "
    "unknown, even with a calendar that covers no year",
    "[timescales]") {
  auto empty = projections::Calendar::Parse("# no holidays\n", "empty");
  REQUIRE(empty.ok());
  Family f;
  f.Rec("2026-05-20T15:00:00Z", "assessmentFinalised",
        R"(,"signedByFamily":true,"copyGivenToFamily":true)");
  f.Meeting("M1", "2026-05-21T10:00:00Z", "2026-05-21T15:00:00Z", "continue", "2026-07-02");
  auto real = f.Eval("2026-06-01");
  auto none = f.Eval("2026-06-01", *empty);
  for (const char* id : {kA, kInitial, kReview}) {
    INFO(id);
    CHECK(Line(none, id) == Line(real, id));
    CHECK(State(none, id) != "unknown");
  }
  CHECK(Line(none, kRecord) == "unknown 2026-05-21 none none M1");
  CHECK(Find(none, kRecord).reason == "calendar does not cover 2026");
}

}  // namespace
}  // namespace caseledger::testing
