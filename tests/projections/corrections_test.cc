// corrections-not-edits (DOMAIN.md, second edition): a correction's replacement is what every
// read model then uses (state, timescales, the overview), chains resolve to their last link,
// "as of" applies only the corrections recorded by then, and a correction that would make the
// history break a rule is refused naming it. Real ledgers in temporary folders.
#include <algorithm>

#include "projections/chronology.h"
#include "projections/overview.h"
#include "projections/timescales.h"
#include "projections/views.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger::testing {
namespace {

using L = DomainLedger;

const projections::Calendar& TheCalendar() { return FixtureCalendar(); }

projections::Day D(const char* text) { return *projections::ParseDay(text); }

struct World : DomainLedger {
  World() {
    Practitioner("P1");
    Practitioner("P2");
  }
  // F1 registered on the 20th of May (recorded the 21st): the seq of its episodeOpened.
  uint64_t OpenOnThe20th() {
    clock().Set(At("2026-05-21T12:00:00Z"));
    auto r = Append(
        "family/F1", kHelpdesk,
        {{"familyRegistered", R"({"members":[{"memberId":"C1","role":"child","name":"Kid"}]})",
          "2026-05-21T10:00:00Z"},
         {"episodeOpened",
          R"({"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-05-20"})",
          "2026-05-21T10:00:00Z"}});
    REQUIRE(r.ok());
    return r->events[1].seq;
  }
  Result<ledger::AppendResult> Correct(uint64_t seq, const std::string& replacement,
                                       const ledger::Actor& by = kHelpdesk) {
    return Append("family/F1", by,
                  {{"recordCorrected",
                    R"({"correctsSeq":)" + std::to_string(seq) +
                        R"(,"reason":"Typed wrongly","replacement":)" + replacement + "}",
                    ledger::FormatRfc3339(clock().NowMicros() - 60'000'000)}});
  }
  projections::FamilyState State(uint64_t max_seq = 0) {
    auto events = projections::ReadFamily(store(), "F1", max_seq ? max_seq : store().Size());
    REQUIRE(events.ok());
    return projections::FoldFamily(std::move(events).value());
  }
  const projections::Timescale& Assessment(const projections::FamilyState& f, const char* on) {
    static projections::Calendar calendar = TheCalendar();
    static std::vector<projections::EpisodeTimescales> kept;
    kept = projections::EvaluateTimescales(f, calendar, D(on));
    REQUIRE(kept.size() == 1);
    return kept[0].timescales[0];  // assessment-3-weeks
  }
};

const char* kOpenedOnThe2nd =
    R"({"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-05-02"})";

TEST_CASE(
    "corrections-not-edits: a corrected registrationCompletedOn moves the assessment-3-weeks "
    "clock, so the breach it hid shows in the state, the timescales and the overdue list") {
  World w;
  const uint64_t opened = w.OpenOnThe20th();
  w.clock().Set(At("2026-05-28T12:00:00Z"));
  {
    const auto& t = w.Assessment(w.State(), "2026-05-28");
    CHECK(projections::FormatDay(*t.due_on) == "2026-06-10");
    CHECK(t.state == projections::TimescaleState::kOnTrack);
  }
  auto calendar = TheCalendar();
  projections::Overview overview(w.store(), calendar);
  REQUIRE(overview.Open().ok());
  CHECK(overview.Overdue(D("2026-05-28")).empty());

  REQUIRE_APPENDED(w.Correct(opened, kOpenedOnThe2nd));
  projections::FamilyState f = w.State();
  CHECK(f.episodes.at(0).registration_completed_on == "2026-05-02");
  const auto& t = w.Assessment(f, "2026-05-28");
  CHECK(projections::FormatDay(*t.due_on) == "2026-05-23");
  CHECK(t.state == projections::TimescaleState::kBreached);

  // The overview folds the correction live, and a rebuild from the first event agrees.
  REQUIRE(overview.CatchUp().ok());
  auto overdue = overview.Overdue(D("2026-05-28"));
  REQUIRE(overdue.size() >= 1);
  CHECK(overdue[0].timescale_id == "assessment-3-weeks");
  CHECK(overdue[0].days_overdue == 5);
  const std::string live = overview.Fingerprint();
  projections::Overview rebuilt(w.store(), calendar);
  REQUIRE(rebuilt.Rebuild().ok());
  CHECK(rebuilt.Fingerprint() == live);
}

TEST_CASE(
    "corrections-not-edits: a corrected assessmentFinalised (signed and copy given) clears "
    "finalisedNotSigned and finalisedCopyNotGiven") {
  World w;
  w.OpenOnThe20th();
  w.clock().Set(At("2026-05-26T12:00:00Z"));
  REQUIRE_APPENDED(
      w.Append("family/F1", L::kP1,
               {{"consentGiven",
                 R"({"episodeId":"E1","givenBy":"Parent","scope":"assessment","method":"written"})",
                 "2026-05-22T10:00:00Z"}}));
  auto finalised =
      w.Append("family/F1", L::kP1,
               {{"assessmentFinalised",
                 R"({"episodeId":"E1","signedByFamily":false,"copyGivenToFamily":false})",
                 "2026-05-26T10:00:00Z"}});
  REQUIRE_APPENDED(finalised);
  auto calendar = TheCalendar();
  auto before = projections::EvaluateTimescales(w.State(), calendar, D("2026-05-26"));
  CHECK(before.at(0).finalised_not_signed);
  CHECK(before.at(0).finalised_copy_not_given);
  REQUIRE_APPENDED(w.Correct(finalised->events[0].seq,
                             R"({"episodeId":"E1","signedByFamily":true,"copyGivenToFamily":true})",
                             L::kP1));
  auto after = projections::EvaluateTimescales(w.State(), calendar, D("2026-05-26"));
  CHECK_FALSE(after.at(0).finalised_not_signed);
  CHECK_FALSE(after.at(0).finalised_copy_not_given);
  CHECK(after.at(0).timescales[0].state == projections::TimescaleState::kMet);
}

TEST_CASE(
    "corrections-not-edits: a correction of a correction resolves to its last link, and of "
    "several corrections the one recorded last wins") {
  World w;
  const uint64_t opened = w.OpenOnThe20th();
  w.clock().Set(At("2026-05-28T12:00:00Z"));
  auto first = w.Correct(opened, kOpenedOnThe2nd);
  REQUIRE_APPENDED(first);
  CHECK(w.State().episodes.at(0).registration_completed_on == "2026-05-02");
  // The first correction was itself wrong: corrected with the correction it should have been.
  auto second = w.Correct(
      first->events[0].seq,
      R"({"correctsSeq":)" + std::to_string(opened) +
          R"(,"reason":"Typed wrongly","replacement":{"episodeId":"E1","keyworkerId":"P1",)"
          R"("registrationCompletedOn":"2026-05-12"}})");
  REQUIRE_APPENDED(second);
  CHECK(w.State().episodes.at(0).registration_completed_on == "2026-05-12");
  // A direct correction recorded later wins over the chain...
  REQUIRE_APPENDED(w.Correct(
      opened, R"({"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-05-14"})"));
  CHECK(w.State().episodes.at(0).registration_completed_on == "2026-05-14");
  // ...and the chain wins again once its last link is the latest.
  REQUIRE_APPENDED(w.Correct(
      first->events[0].seq,
      R"({"correctsSeq":)" + std::to_string(opened) +
          R"(,"reason":"Typed wrongly","replacement":{"episodeId":"E1","keyworkerId":"P1",)"
          R"("registrationCompletedOn":"2026-05-11"}})"));
  projections::FamilyState f = w.State();
  CHECK(f.episodes.at(0).registration_completed_on == "2026-05-11");
  // As of any moment, only the corrections recorded by then count.
  CHECK(w.State(first->events[0].seq - 1).episodes.at(0).registration_completed_on == "2026-05-20");
  CHECK(w.State(first->events[0].seq).episodes.at(0).registration_completed_on == "2026-05-02");
  CHECK(w.State(second->events[0].seq).episodes.at(0).registration_completed_on == "2026-05-12");
}

TEST_CASE(
    "corrections-not-edits: a correction that would make the history break a rule is refused "
    "naming that rule and the seq it breaks, and appends nothing") {
  World w;
  const uint64_t opened = w.OpenOnThe20th();
  w.clock().Set(At("2026-05-28T12:00:00Z"));
  auto consent =
      w.Append("family/F1", L::kP1,
               {{"consentGiven",
                 R"({"episodeId":"E1","givenBy":"Parent","scope":"assessment","method":"written"})",
                 "2026-05-22T10:00:00Z"}});
  REQUIRE_APPENDED(consent);
  auto started = w.Append("family/F1", L::kP1,
                          {{"assessmentStarted", R"({"episodeId":"E1"})", "2026-05-22T11:00:00Z"}});
  REQUIRE_APPENDED(started);
  // Consent to information sharing only would leave the assessment without consent.
  auto r = w.Correct(
      consent->events[0].seq,
      R"({"episodeId":"E1","givenBy":"Parent","scope":"informationSharing","method":"written"})",
      L::kP1);
  REQUIRE_REFUSED(w, r, "consent-before-assessment");
  CHECK(r.status().message().find("seq " + std::to_string(started->events[0].seq)) !=
        std::string::npos);
  // no-future-events: a registration date after the day the episode was recorded (the 21st).
  REQUIRE_REFUSED(
      w,
      w.Correct(opened,
                R"({"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-05-27"})"),
      "no-future-events");
  // An unregistered keyworker named by the correction.
  REQUIRE_REFUSED(
      w,
      w.Correct(opened,
                R"({"episodeId":"E1","keyworkerId":"P7","registrationCompletedOn":"2026-05-19"})"),
      "registered-practitioner");
  // The state is as before.
  CHECK(w.State().episodes.at(0).registration_completed_on == "2026-05-20");
  CHECK(w.State().episodes.at(0).consent.given);
}

TEST_CASE("corrections-not-edits: after a restart the rules judge on the corrected history") {
  World w;
  const uint64_t opened = w.OpenOnThe20th();
  w.clock().Set(At("2026-05-28T12:00:00Z"));
  // The keyworker is corrected to P2; P2, not P1, then leads the episode for the rules.
  REQUIRE_APPENDED(w.Correct(
      opened, R"({"episodeId":"E1","keyworkerId":"P2","registrationCompletedOn":"2026-05-20"})"));
  CHECK(w.State().episodes.at(0).keyworker_id == "P2");
  w.Reopen();
  auto r =
      w.Append("family/F1", L::kHelpdesk,
               {{"episodeOpened",
                 R"({"episodeId":"E2","keyworkerId":"P1","registrationCompletedOn":"2026-05-27"})",
                 "2026-05-27T10:00:00Z"}});
  REQUIRE_REFUSED(w, r, "one-open-episode");
  CHECK(r.status().details().find("\"id\":\"P2\"") != std::string::npos);
}

TEST_CASE(
    "corrections-not-edits: the chronology shows the original, every correction of its chain "
    "(who, when, why) and what it now reads") {
  World w;
  const uint64_t opened = w.OpenOnThe20th();
  w.clock().Set(At("2026-05-28T12:00:00Z"));
  auto first = w.Correct(opened, kOpenedOnThe2nd);
  REQUIRE_APPENDED(first);
  w.clock().Set(At("2026-05-29T12:00:00Z"));
  REQUIRE_APPENDED(w.Correct(
      first->events[0].seq,
      R"({"correctsSeq":)" + std::to_string(opened) +
          R"(,"reason":"Typed wrongly","replacement":{"episodeId":"E1","keyworkerId":"P1",)"
          R"("registrationCompletedOn":"2026-05-12"}})",
      L::kTriage));
  auto events = projections::ReadFamily(w.store(), "F1", w.store().Size());
  REQUIRE(events.ok());
  auto entries = projections::BuildChronology(*events, TheCalendar());
  auto it =
      std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.seq == opened; });
  REQUIRE(it != entries.end());
  CHECK(it->summary.find("2026-05-20") != std::string::npos);  // the original stays
  REQUIRE(it->corrections.size() == 2);
  CHECK(it->corrections[0].seq == first->events[0].seq);
  CHECK(it->corrections[0].by == "helpdesk1");
  CHECK(it->corrections[1].by == "TM1");
  CHECK(it->corrections[1].reason == "Typed wrongly");
  CHECK(it->corrected_summary.find("2026-05-12") != std::string::npos);  // the chain's last link
  const std::string json = projections::ChronologyEntryJson(*it);
  CHECK(json.find("\"corrections\":[{\"seq\":" + std::to_string(first->events[0].seq)) !=
        std::string::npos);
}

}  // namespace
}  // namespace caseledger::testing
