// The cross-family views (triage inbox, referrals, overdue, counts) and their saved form:
// a rebuild from the first event equals the live fold, and start-up folds only what is new.
#include "projections/overview.h"
#include "projections/views.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger::testing {
namespace {

using L = DomainLedger;

const std::string kCalendarFile =
    std::string(CASELEDGER_FIXTURES_DIR) + "/calendar/bank-holidays-england-wales.txt";

projections::Calendar TheCalendar() {
  auto c = projections::Calendar::Load(kCalendarFile);
  REQUIRE(c.ok());
  return std::move(c).value();
}

Result<ledger::AppendResult> Concern(DomainLedger& l, const std::string& family,
                                     const std::string& id, bool above,
                                     const std::string& at = "2026-05-01T10:00:00Z") {
  return l.Append(
      "family/" + family, L::kHelpdesk,
      {{"concernReceived",
        R"({"concernId":")" + id +
            R"(","source":"police","kind":"domesticAbuseNotification","summary":"Secret summary )" +
            id + R"(","aboveThreshold":)" + (above ? "true" : "false") + "}",
        at}});
}

struct World : DomainLedger {
  World() {
    Practitioner("P1");
    Practitioner("P2");
  }
};

TEST_CASE(
    "triage inbox: concerns below threshold on an open episode wait, oldest first, until "
    "directed") {
  World w;
  auto calendar = TheCalendar();
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.OpenFamily("F2", "E1", "P2"));
  w.clock().Set(At("2026-05-05T12:00:00Z"));
  REQUIRE_APPENDED(Concern(w, "F2", "C1", false, "2026-05-04T09:00:00Z"));
  REQUIRE_APPENDED(Concern(w, "F1", "C1", false, "2026-05-02T09:00:00Z"));
  REQUIRE_APPENDED(Concern(w, "F1", "C2", true, "2026-05-03T09:00:00Z"));
  projections::Overview overview(w.store(), calendar);
  REQUIRE(overview.Open().ok());
  auto inbox = overview.Inbox();
  REQUIRE(inbox.size() == 2);
  CHECK(inbox[0].family_id == "F1");  // received first, though recorded second
  CHECK(inbox[0].concern_id == "C1");
  CHECK(inbox[0].episode_id == "E1");
  CHECK(inbox[0].keyworker_id == "P1");
  CHECK(inbox[1].family_id == "F2");
  auto referrals = overview.Referrals();
  REQUIRE(referrals.size() == 1);
  CHECK(referrals[0].concern_id == "C2");
  CHECK(referrals[0].above_threshold);

  REQUIRE_APPENDED(
      w.Append("family/F1", L::kTriage,
               {{"triageDirectionGiven", R"({"concernId":"C1","direction":"Keyworker to visit"})",
                 "2026-05-05T11:00:00Z"}}));
  REQUIRE(overview.CatchUp().ok());
  inbox = overview.Inbox();
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0].family_id == "F2");
  std::string json = projections::InboxJson(inbox, overview.Referrals(), overview.valid_at());
  CHECK(json.find("Secret summary") == std::string::npos);  // summaries are read when shown
}

TEST_CASE(
    "triage inbox: a concern on a family with no open episode is routed to the inbox, shown "
    "with no episode, not lost") {
  World w;
  auto calendar = TheCalendar();
  REQUIRE_APPENDED(
      w.Append("family/F3", L::kHelpdesk, {{"familyRegistered", R"({"members":[]})"}}));
  REQUIRE_APPENDED(Concern(w, "F3", "C1", false));
  projections::Overview overview(w.store(), calendar);
  REQUIRE(overview.Open().ok());
  auto inbox = overview.Inbox();
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0].concern_id == "C1");
  CHECK(inbox[0].episode_id.empty());
  CHECK(projections::InboxJson(inbox, {}, overview.valid_at()).find("\"openEpisode\":false") !=
        std::string::npos);
}

TEST_CASE("overdue list and timescale counts across families, with no personal data") {
  World w;
  auto calendar = TheCalendar();
  REQUIRE_APPENDED(w.OpenFamily("F1"));  // registration completed 2026-05-01
  REQUIRE_APPENDED(w.OpenFamily("F2", "E1", "P2"));
  REQUIRE_APPENDED(w.Consent("F2"));
  w.clock().Set(At("2026-05-15T12:00:00Z"));
  REQUIRE_APPENDED(
      w.Append("family/F2", L::kP1,
               {{"assessmentFinalised",
                 R"({"episodeId":"E1","signedByFamily":false,"copyGivenToFamily":true})",
                 "2026-05-15T10:00:00Z"}}));
  projections::Overview overview(w.store(), calendar);
  REQUIRE(overview.Open().ok());
  auto on = projections::ParseDay("2026-05-25");  // assessment due 2026-05-22
  REQUIRE(on.ok());
  auto overdue = overview.Overdue(*on);
  REQUIRE(overdue.size() == 1);
  CHECK(overdue[0].family_id == "F1");
  CHECK(overdue[0].timescale_id == "assessment-3-weeks");
  CHECK(projections::FormatDay(overdue[0].due_on) == "2026-05-22");
  CHECK(overdue[0].days_overdue == 3);
  std::string counts = overview.CountsJson(*on);
  CHECK(counts.find(R"("assessment-3-weeks":{"breached":1,"dueSoon":0,"met":1,)") !=
        std::string::npos);
  CHECK(counts.find(R"("finalisedNotSigned":1)") != std::string::npos);
  CHECK(counts.find(R"("episodes":{"open":2,"closed":0})") != std::string::npos);
  CHECK(counts.find("Kid") == std::string::npos);  // a member's name
}

TEST_CASE("replay: a rebuild from the first event gives exactly the live result") {
  World w;
  auto calendar = TheCalendar();
  projections::Overview live(w.store(), calendar);
  REQUIRE(live.Open().ok());
  for (int i = 0; i < 12; ++i) {
    std::string f = "F" + std::to_string(i);
    REQUIRE_APPENDED(w.OpenFamily(f, "E1", i % 2 ? "P1" : "P2"));
    if (i % 3 == 0) REQUIRE_APPENDED(Concern(w, f, "C1", i % 2 == 0));
    if (i % 4 == 0) REQUIRE_APPENDED(w.Consent(f));
    REQUIRE(live.CatchUp().ok());  // live: after every few appends
    if (i == 5) REQUIRE(live.Save().ok());
  }
  REQUIRE(live.Save().ok());
  projections::Overview rebuilt(w.store(), calendar);
  uint64_t last_done = 0;
  REQUIRE(rebuilt.Rebuild([&](uint64_t done, uint64_t) { last_done = done; }).ok());
  CHECK(last_done == w.store().Size());
  CHECK(rebuilt.Fingerprint() == live.Fingerprint());
  auto on = projections::ParseDay("2026-07-01");
  REQUIRE(on.ok());
  CHECK(rebuilt.CountsJson(*on) == live.CountsJson(*on));
}

TEST_CASE("saved projection: start-up loads the saved overview and folds only newer events") {
  World w;
  auto calendar = TheCalendar();
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  uint64_t saved_at = 0;
  {
    projections::Overview first(w.store(), calendar);
    REQUIRE(first.Open().ok());
    REQUIRE(first.Save().ok());
    saved_at = first.valid_at();
  }
  REQUIRE_APPENDED(w.OpenFamily("F2"));
  REQUIRE_APPENDED(Concern(w, "F2", "C1", false));
  w.Reopen();
  auto saved = w.store().LoadProjection(projections::kOverviewName);
  REQUIRE(saved.ok());
  CHECK(saved->valid_at == saved_at);
  CHECK(saved->entries.size() == 1);  // F1 only
  projections::Overview second(w.store(), calendar);
  uint64_t folded = 0;
  REQUIRE(second.Open([&](uint64_t done, uint64_t) { folded = done; }).ok());
  CHECK(folded == w.store().Size() - saved_at);
  CHECK(second.Inbox().size() == 1);
  projections::Overview rebuilt(w.store(), calendar);
  REQUIRE(rebuilt.Rebuild().ok());
  CHECK(rebuilt.Fingerprint() == second.Fingerprint());
}

TEST_CASE(
    "saved projection: a damaged saved entry is reported, not trusted, and one saved in an earlier "
    "format is rebuilt") {
  World w;
  auto calendar = TheCalendar();
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  // Forms 1 (before the compliance history), 2 (with concern kinds, sealed since) and 3 (a
  // blanked FamilyState, before FamilyFacts): rebuilt from the first event at start.
  for (uint64_t form = 1; form < projections::kFactsFormat; ++form) {
    INFO("form " << form);
    const std::string older = std::string(1, static_cast<char>(form)) + "older";
    REQUIRE(w.store().SaveProjection(projections::kOverviewName, 1, {{"F1", older}}, true).ok());
    projections::Overview overview(w.store(), calendar);
    REQUIRE(overview.Open().ok());
    CHECK(overview.valid_at() == w.store().Size());
    CHECK(overview.CountsJson(*projections::ParseDay("2026-05-02")).find("\"open\":1") !=
          std::string::npos);
  }
  const std::string garbage =
      std::string(1, static_cast<char>(projections::kFactsFormat)) + "garbage";
  REQUIRE(w.store().SaveProjection(projections::kOverviewName, 1, {{"F1", garbage}}, true).ok());
  projections::Overview overview(w.store(), calendar);
  Status s = overview.Open();
  CHECK(s.code() == Code::kDataLoss);
  REQUIRE(overview.Rebuild().ok());
  CHECK(overview.valid_at() == w.store().Size());
}

}  // namespace
}  // namespace caseledger::testing
