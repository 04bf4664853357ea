// The compliance history (DOMAIN.md "Timescales", second edition): every interval of every
// timescale is kept with its outcome, so a breach stays after later meetings; the three new
// timescales; overdue actions. Histories appended through the rules into a real ledger.
// Registration is Fri 2026-05-01; the Spring bank holiday is Mon 2026-05-25.
#include <algorithm>
#include <string>

#include "projections/chronology.h"
#include "projections/overview.h"
#include "projections/views.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger::testing {
namespace {

using projections::EpisodeTimescales;
using projections::Timescale;
using L = DomainLedger;

const projections::Calendar& Cal() { return FixtureCalendar(); }

projections::Day D(const std::string& text) { return *projections::ParseDay(text); }

struct Family : DomainLedger {
  Family() {
    Practitioner("P1");
    REQUIRE_APPENDED(OpenFamily("F1"));
    REQUIRE_APPENDED(Consent("F1"));
  }
  void Rec(const std::string& at, const std::string& type, const std::string& extra = "") {
    clock().Set(At(at));
    REQUIRE_APPENDED(Append("family/F1", kP1, {{type, R"({"episodeId":"E1")" + extra + "}", at}}));
  }
  void Meeting(const std::string& id, const std::string& at, const std::string& next_review,
               const std::string& outcome = "continue") {
    Rec(at, "tafMeetingHeld",
        R"(,"meetingId":")" + id + R"(","kind":"review","attendees":["Parent"],"outcome":")" +
            outcome + "\"" +
            (next_review.empty() ? "" : R"(,"nextReviewOn":")" + next_review + "\""));
  }
  void Share(const std::string& meeting, const std::string& at) {
    Rec(at, "outcomeSharedWithParents", R"(,"meetingId":")" + meeting + "\"");
  }
  EpisodeTimescales Eval(const std::string& on) {
    auto events = projections::ReadFamily(store(), "F1", store().Size());
    REQUIRE(events.ok());
    auto episodes = projections::EvaluateTimescales(projections::FoldFamily(*events), Cal(), D(on));
    REQUIRE(episodes.size() == 1);
    return episodes[0];
  }
};

// "state started due met daysLate [meeting]" of each interval of `id` in the history.
std::vector<std::string> History(const EpisodeTimescales& e, const std::string& id) {
  std::vector<std::string> out;
  for (const Timescale& t : e.history) {
    if (t.id != id) continue;
    out.push_back(std::string(projections::Name(t.state)) + " " +
                  (t.started_on ? projections::FormatDay(*t.started_on) : "none") + " " +
                  (t.due_on ? projections::FormatDay(*t.due_on) : "none") + " " +
                  (t.met_on ? projections::FormatDay(*t.met_on) : "none") + " " +
                  std::to_string(t.days_late) + (t.meeting_id.empty() ? "" : " " + t.meeting_id) +
                  (t.reason.empty() ? "" : " (" + t.reason + ")"));
  }
  return out;
}

TEST_CASE(
    "share-within-5-wd: an outcome never shared stays breached in the history and the overdue "
    "list after a later meeting is held and shared on time") {
  Family f;
  f.Meeting("M1", "2026-06-01T10:00:00Z", "2026-07-10");  // never shared
  f.Meeting("M2", "2026-07-09T10:00:00Z", "2026-08-20");
  f.Share("M2", "2026-07-10T10:00:00Z");
  auto e = f.Eval("2026-07-15");
  CHECK(History(e, "share-within-5-wd") ==
        std::vector<std::string>{"breached 2026-06-01 2026-06-08 none 37 M1",
                                 "met 2026-07-09 2026-07-16 2026-07-10 0 M2"});
  projections::Overview overview(f.store(), Cal());
  REQUIRE(overview.Open().ok());
  auto overdue = overview.Overdue(D("2026-07-15"));
  auto it = std::find_if(overdue.begin(), overdue.end(), [](const auto& o) {
    return o.timescale_id == "share-within-5-wd" && o.meeting_id == "M1";
  });
  REQUIRE(it != overdue.end());
  CHECK(it->days_overdue == 37);
}

TEST_CASE(
    "review-6-12-weeks: a 101-day gap between meetings stays in the history as metLate by 17 "
    "days once the next meeting is held") {
  Family f;
  f.Meeting("M1", "2026-05-11T10:00:00Z", "2026-06-22");
  f.Meeting("M2", "2026-08-20T10:00:00Z", "2026-10-01");  // 101 days later
  auto e = f.Eval("2026-08-21");
  auto review = History(e, "review-6-12-weeks");
  REQUIRE(review.size() == 2);
  CHECK(review[0] == "metLate 2026-05-11 2026-06-22 2026-08-20 17 M1");
  CHECK(review[1] == "onTrack 2026-08-20 2026-10-01 none 0 M2");
}

TEST_CASE(
    "next-review-held: a meeting held after the date set is metLate, a date beyond 12 weeks is "
    "flagged, and a date not after the meeting is refused (dates-in-order)") {
  Family f;
  f.Meeting("M1", "2026-05-11T10:00:00Z", "2026-06-22");
  f.Meeting("M2", "2026-06-29T10:00:00Z", "2026-10-01");  // 94 days on: beyond 12 weeks
  auto e = f.Eval("2026-07-01");
  CHECK(History(e, "next-review-held") ==
        std::vector<std::string>{"metLate 2026-05-11 2026-06-22 2026-06-29 7 M1",
                                 "onTrack 2026-06-29 2026-10-01 none 0 M2"});
  CHECK(e.next_review_beyond_12_weeks == std::vector<std::string>{"M2"});
  f.clock().Set(At("2026-07-02T12:00:00Z"));
  REQUIRE_REFUSED(f,
                  f.Append("family/F1", L::kP1,
                           {{"tafMeetingHeld",
                             R"({"episodeId":"E1","meetingId":"M3","kind":"review",)"
                             R"("attendees":[],"outcome":"continue","nextReviewOn":"2026-07-01"})",
                             "2026-07-01T10:00:00Z"}}),
                  "dates-in-order");
}

TEST_CASE(
    "close-after-withdrawal: a withdrawal never closed is breached after 3 working days and stays "
    "listed, while closing the same day meets it") {
  Family f;
  f.Rec("2026-05-21T10:00:00Z", "consentWithdrawn", R"(,"withdrawnBy":"Parent","reason":"r")");
  // Thu 21 May: working days Fri 22, Tue 26 (after the bank holiday), Wed 27.
  CHECK(History(f.Eval("2026-05-22"), "close-after-withdrawal") ==
        std::vector<std::string>{"dueSoon 2026-05-21 2026-05-27 none 0"});
  CHECK(History(f.Eval("2026-06-01"), "close-after-withdrawal") ==
        std::vector<std::string>{"breached 2026-05-21 2026-05-27 none 5"});
  projections::Overview overview(f.store(), Cal());
  REQUIRE(overview.Open().ok());
  auto overdue = overview.Overdue(D("2026-06-01"));
  CHECK(std::any_of(overdue.begin(), overdue.end(),
                    [](const auto& o) { return o.timescale_id == "close-after-withdrawal"; }));

  Family g;
  g.Rec("2026-05-21T10:00:00Z", "consentWithdrawn", R"(,"withdrawnBy":"Parent","reason":"r")");
  g.Rec("2026-05-21T11:00:00Z", "episodeClosed", R"(,"reason":"consentWithdrawn")");
  CHECK(History(g.Eval("2026-06-01"), "close-after-withdrawal") ==
        std::vector<std::string>{"met 2026-05-21 2026-05-27 2026-05-21 0"});
}

TEST_CASE(
    "actions-review-6-weeks: each review of the actions (a meeting or a plan update) starts the "
    "next 42 days, a gap is kept, and open actions past their due day are flagged") {
  Family f;
  f.Meeting("M1", "2026-05-11T10:00:00Z", "2026-06-22");
  f.Rec("2026-05-12T10:00:00Z", "actionPlanUpdated",
        R"(,"meetingId":"M1","actions":[{"actionId":"A1","description":"d","owner":"School",)"
        R"("dueOn":"2026-06-01","status":"open"},{"actionId":"A2","description":"d",)"
        R"("owner":"Parent","dueOn":"2026-06-01","status":"done"}])");
  f.Meeting("M2", "2026-07-20T10:00:00Z", "2026-08-31");  // 69 days after the plan
  auto e = f.Eval("2026-07-21");
  CHECK(History(e, "actions-review-6-weeks") ==
        std::vector<std::string>{"met 2026-05-11 2026-06-22 2026-05-12 0",
                                 "metLate 2026-05-12 2026-06-23 2026-07-20 27",
                                 "onTrack 2026-07-20 2026-08-31 none 0"});
  REQUIRE(e.overdue_actions.size() == 1);
  CHECK(e.overdue_actions[0].action_id == "A1");
  CHECK(e.overdue_actions[0].owner == "School");
  CHECK(projections::FormatDay(e.overdue_actions[0].due_on) == "2026-06-01");
}

TEST_CASE(
    "share-within-5-wd: the closing meeting's outcome may be shared after the closure, and the "
    "duty is not stopped by it") {
  Family f;
  f.Meeting("M1", "2026-06-01T10:00:00Z", "", "close");
  f.Rec("2026-06-02T10:00:00Z", "episodeClosed", R"(,"reason":"needsMet","meetingId":"M1")");
  CHECK(History(f.Eval("2026-06-03"), "share-within-5-wd") ==
        std::vector<std::string>{"onTrack 2026-06-01 2026-06-08 none 0 M1"});
  f.Share("M1", "2026-06-04T10:00:00Z");
  CHECK(History(f.Eval("2026-06-10"), "share-within-5-wd") ==
        std::vector<std::string>{"met 2026-06-01 2026-06-08 2026-06-04 0 M1"});
}

TEST_CASE(
    "share-within-5-wd: compliance over a period counts every share due in it (met, met late, "
    "breached) with the list, and leaves out those due outside it") {
  Family f;
  f.Meeting("M1", "2026-06-01T10:00:00Z", "2026-07-10");  // due 8 Jun: shared late
  f.Share("M1", "2026-06-12T10:00:00Z");
  f.Meeting("M2", "2026-07-09T10:00:00Z", "2026-08-20");  // due 16 Jul: never shared
  f.Meeting("M3", "2026-08-17T10:00:00Z", "2026-09-28");  // due 24 Aug: shared on time
  f.Share("M3", "2026-08-18T10:00:00Z");
  projections::Overview overview(f.store(), Cal());
  REQUIRE(overview.Open().ok());
  const std::string quarter =
      overview.ComplianceJson(D("2026-07-01"), D("2026-09-30"), D("2026-10-01"), true);
  INFO(quarter);
  CHECK(quarter.find(R"("share-within-5-wd":{"due":2,"breached":1,"dueSoon":0,"met":1,)"
                     R"("metLate":0,"onTrack":0,"stopped":0,"unknown":0,"items":[)") !=
        std::string::npos);
  CHECK(quarter.find(R"("meetingId":"M2","startedOn":"2026-07-09","dueOn":"2026-07-16",)"
                     R"("metOn":null,"state":"breached","daysLate":77)") != std::string::npos);
  const std::string june =
      overview.ComplianceJson(D("2026-06-01"), D("2026-06-30"), D("2026-10-01"), false);
  INFO(june);
  CHECK(june.find(R"("share-within-5-wd":{"due":1,"breached":0,"dueSoon":0,"met":0,)"
                  R"("metLate":1,)") != std::string::npos);
  CHECK(june.find("\"items\"") == std::string::npos);
  CHECK(june.find("F1") == std::string::npos);  // counts only: no family ids
}

TEST_CASE(
    "chronology: missed timescales and unfinished states appear as computed entries, marked, "
    "never stored, with London times and their offset in the CSV and the printed page") {
  Family f;
  f.Meeting("M1", "2026-06-01T10:00:00Z", "2026-07-10");  // never shared
  f.Rec("2026-06-02T10:00:00Z", "actionPlanUpdated",
        R"(,"meetingId":"M1","actions":[{"actionId":"A1","description":"Attendance check",)"
        R"("owner":"School","dueOn":"2026-06-05","status":"open"}])");
  const uint64_t size = f.store().Size();
  auto events = projections::ReadFamily(f.store(), "F1", f.store().Size());
  REQUIRE(events.ok());
  auto entries = projections::ChronologyWithComputed(*events, Cal(), {}, D("2026-06-15"));
  std::vector<std::string> computed;
  for (const auto& e : entries) {
    if (!e.computed) continue;
    CHECK(e.seq == 0);
    CHECK(e.significant);
    computed.push_back(e.type + ": " + e.summary);
  }
  CHECK(std::find(computed.begin(), computed.end(),
                  "timescaleMissed: Timescale missed: share-within-5-wd (meeting M1), due "
                  "2026-06-08; still not met, 7 days past it on 2026-06-15") != computed.end());
  CHECK(std::find_if(computed.begin(), computed.end(), [](const std::string& c) {
          return c.starts_with("actionOverdue: Action A1 (owner School");
        }) != computed.end());
  CHECK(f.store().Size() == size);  // nothing stored
  // The meeting names its attendees; the plan each action, its owner and due day.
  auto meeting = std::find_if(entries.begin(), entries.end(),
                              [](const auto& e) { return e.type == "tafMeetingHeld"; });
  REQUIRE(meeting != entries.end());
  CHECK(meeting->summary.find("attended by Parent") != std::string::npos);
  CHECK(meeting->decision == "Decided: continue; next review by 2026-07-10");
  auto plan = std::find_if(entries.begin(), entries.end(),
                           [](const auto& e) { return e.type == "actionPlanUpdated"; });
  REQUIRE(plan != entries.end());
  CHECK(plan->summary.find("A1 Attendance check (owner School, due 2026-06-05, open)") !=
        std::string::npos);
  const std::string csv = projections::ChronologyCsv(entries);
  CHECK(csv.find("2026-06-01T11:00:00+01:00") != std::string::npos);  // 10:00Z in BST
  const std::string html = projections::ChronologyHtml({"F1", size, "current"}, entries);
  CHECK(html.find("2026-06-01T11:00:00+01:00") != std::string::npos);
  CHECK(html.find("<span class=\"mark\">computed</span>") != std::string::npos);
}

}  // namespace
}  // namespace caseledger::testing
