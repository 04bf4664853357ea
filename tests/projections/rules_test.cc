// The rules of DOMAIN.md, each named by its id, allowed and refused, against a real ledger.
#include "projections/timescales.h"
#include "projections/views.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger::testing {
namespace {

using L = DomainLedger;

// A ledger with P1, P2 trained, P9 trained only in practice standards, P8 deactivated.
struct World : DomainLedger {
  World() {
    Practitioner("P1");
    Practitioner("P2");
    Practitioner("P9", true, false);
    Practitioner("P8");
    REQUIRE(Append("practitioner/P8", kAdmin,
                   {{"practitionerDeactivated", R"({"reason":"left the service"})"}})
                .ok());
  }
  Result<ledger::AppendResult> Note(const ledger::Actor& actor, const std::string& note_id,
                                    const std::string& family = "F1",
                                    const std::string& episode = "E1") {
    return Append(
        "family/" + family, actor,
        {{"caseNoteAdded", R"({"episodeId":")" + episode + R"(","noteId":")" + note_id +
                               R"(","category":"contact","text":"t","significant":false})"}});
  }
  Result<ledger::AppendResult> Work(const std::string& type, const std::string& extra = "",
                                    const std::string& family = "F1") {
    return Append("family/" + family, kP1, {{type, R"({"episodeId":"E1")" + extra + "}"}});
  }
  Result<ledger::AppendResult> Meeting(const std::string& id,
                                       const std::string& outcome = "continue",
                                       const std::string& family = "F1") {
    return Work("tafMeetingHeld",
                R"(,"meetingId":")" + id + R"(","kind":"initial","attendees":["A"],"outcome":")" +
                    outcome + R"(","nextReviewOn":"2026-06-12")",
                family);
  }
};

TEST_CASE("registered-practitioner: a trained, active practitioner records work") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Note(L::kP1, "N1"));
}

TEST_CASE(
    "registered-practitioner: a practitioner without the recording-system training is refused") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_REFUSED(w, w.Note({"P9", "practitioner", "", ""}, "N1"), "registered-practitioner");
}

TEST_CASE("registered-practitioner: a deactivated or unknown practitioner is refused") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_REFUSED(w, w.Note({"P8", "practitioner", "", ""}, "N1"), "registered-practitioner");
  REQUIRE_REFUSED(w, w.Note({"P77", "practitioner", "", ""}, "N1"), "registered-practitioner");
}

TEST_CASE("registered-practitioner: an untrained keyworker or TAF member is refused") {
  World w;
  REQUIRE_REFUSED(w, w.OpenFamily("F1", "E1", "P9"), "registered-practitioner");
  REQUIRE_APPENDED(w.OpenFamily("F1", "E1", "P1"));
  REQUIRE_REFUSED(w, w.Work("keyworkerAssigned", R"(,"practitionerId":"P9")"),
                  "registered-practitioner");
  REQUIRE_REFUSED(w, w.Work("tafMemberAdded", R"(,"practitionerId":"P8")"),
                  "registered-practitioner");
  REQUIRE_APPENDED(w.Work("tafMemberAdded", R"(,"practitionerId":"P2")"));
  REQUIRE_APPENDED(w.Work("keyworkerAssigned", R"(,"practitionerId":"P2")"));
}

TEST_CASE("registered-practitioner: training recorded later lets the practitioner record") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_REFUSED(w, w.Note({"P9", "practitioner", "", ""}, "N1"), "registered-practitioner");
  REQUIRE_APPENDED(w.Append(
      "practitioner/P9", L::kAdmin,
      {{"practitionerTrained", R"({"course":"recordingSystem","completedOn":"2026-05-02"})"}}));
  REQUIRE_APPENDED(w.Note({"P9", "practitioner", "", ""}, "N1"));
}

TEST_CASE("one-open-episode: a second episode is refused with the keyworker's contact") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  auto second = w.Append(
      "family/F1", L::kHelpdesk,
      {{"episodeOpened",
        R"({"episodeId":"E2","keyworkerId":"P2","registrationCompletedOn":"2026-05-20"})"}});
  REQUIRE_REFUSED(w, second, "one-open-episode");
  CHECK(
      second.status().details() ==
      R"({"episodeId":"E1","keyworker":{"id":"P1","name":"Name P1","agency":"school","email":"P1@example.org"}})");
  CHECK(second.status().message().find("P1@example.org") != std::string::npos);
}

TEST_CASE("one-open-episode: a new episode opens once the previous one is closed") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Work("episodeClosed", R"(,"reason":"movedOutOfArea")"));
  REQUIRE_APPENDED(w.Append(
      "family/F1", L::kHelpdesk,
      {{"episodeOpened",
        R"({"episodeId":"E2","keyworkerId":"P2","registrationCompletedOn":"2026-04-30"})"}}));
  // ...but never under a used id.
  REQUIRE_APPENDED(w.Append("family/F1", L::kP1,
                            {{"episodeClosed", R"({"episodeId":"E2","reason":"needsMet"})"}}));
  REQUIRE_REFUSED(
      w,
      w.Append(
          "family/F1", L::kHelpdesk,
          {{"episodeOpened",
            R"({"episodeId":"E1","keyworkerId":"P2","registrationCompletedOn":"2026-05-21"})"}}),
      "corrections-not-edits");
}

TEST_CASE("consent-before-assessment: assessment, meetings and plans need consent on the episode") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_REFUSED(w, w.Work("assessmentStarted"), "consent-before-assessment");
  REQUIRE_REFUSED(w, w.Meeting("M1"), "consent-before-assessment");
  REQUIRE_REFUSED(w, w.Work("contributionRequested", R"(,"requestId":"R1","agency":"health")"),
                  "consent-before-assessment");
  REQUIRE_REFUSED(
      w, w.Work("assessmentFinalised", R"(,"signedByFamily":true,"copyGivenToFamily":true)"),
      "consent-before-assessment");
  // Refusal is recorded, and case notes go on without consent.
  REQUIRE_APPENDED(w.Work("consentRefused", R"(,"refusedBy":"Parent")"));
  REQUIRE_APPENDED(w.Note(L::kP1, "N1"));
  REQUIRE_REFUSED(w, w.Work("assessmentStarted"), "consent-before-assessment");
}

TEST_CASE(
    "consent-before-assessment: with consent given, the assessment and TAF work are accepted") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  REQUIRE_APPENDED(w.Work("assessmentStarted"));
  REQUIRE_APPENDED(w.Meeting("M1"));
  REQUIRE_APPENDED(w.Work(
      "actionPlanUpdated",
      R"(,"meetingId":"M1","actions":[{"actionId":"A1","description":"d","owner":"P1","dueOn":"2026-06-01","status":"open"}])"));
  REQUIRE_APPENDED(w.Work("outcomeSharedWithParents", R"(,"meetingId":"M1")"));
}

TEST_CASE("consent-before-assessment: consent to information sharing alone is not enough") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(
      w.Work("consentGiven", R"(,"givenBy":"P","scope":"informationSharing","method":"verbal")"));
  REQUIRE_REFUSED(w, w.Work("assessmentStarted"), "consent-before-assessment");
}

TEST_CASE(
    "withdrawal-stops-work: after withdrawal only notes, signposting and the closure are "
    "accepted") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  REQUIRE_APPENDED(w.Work("assessmentStarted"));
  REQUIRE_APPENDED(w.Work("consentWithdrawn", R"(,"withdrawnBy":"Parent","reason":"moving on")"));
  REQUIRE_REFUSED(w, w.Meeting("M1"), "withdrawal-stops-work");
  REQUIRE_REFUSED(
      w, w.Work("assessmentFinalised", R"(,"signedByFamily":true,"copyGivenToFamily":true)"),
      "withdrawal-stops-work");
  REQUIRE_REFUSED(w, w.Work("tafMemberAdded", R"(,"practitionerId":"P2")"),
                  "withdrawal-stops-work");
  REQUIRE_REFUSED(w, w.Work("episodeClosed", R"(,"reason":"needsMet")"), "withdrawal-stops-work");
  REQUIRE_APPENDED(w.Note(L::kP1, "N1"));
  REQUIRE_APPENDED(w.Work("signposted", R"(,"services":["Families First Portal"])"));
  REQUIRE_APPENDED(
      w.Work("episodeClosed", R"(,"reason":"consentWithdrawn","detail":"family withdrew")"));
}

TEST_CASE("closure-needs-reason: reason other needs a detail") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_REFUSED(w, w.Work("episodeClosed", R"(,"reason":"other")"), "closure-needs-reason");
  REQUIRE_APPENDED(w.Work("episodeClosed", R"(,"reason":"other","detail":"family emigrated")"));
}

TEST_CASE("closure-needs-reason: a closure reason must match what was recorded") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_REFUSED(w, w.Work("episodeClosed", R"(,"reason":"consentWithdrawn")"),
                  "closure-needs-reason");
  REQUIRE_REFUSED(w, w.Work("episodeClosed", R"(,"reason":"steppedUp")"), "closure-needs-reason");
  REQUIRE_APPENDED(
      w.Append("family/F1", L::kTriage,
               {{"steppedUp", R"({"episodeId":"E1","to":"familySafeguarding","reason":"r"})"}}));
  REQUIRE_APPENDED(w.Work("episodeClosed", R"(,"reason":"steppedUp")"));
}

TEST_CASE("closure-needs-reason: a closed episode takes only case notes and corrections") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  auto closed = w.Work("episodeClosed", R"(,"reason":"needsMet")");
  REQUIRE_APPENDED(closed);
  REQUIRE_REFUSED(w, w.Meeting("M1"), "closure-needs-reason");
  REQUIRE_REFUSED(w, w.Work("episodeClosed", R"(,"reason":"needsMet")"), "closure-needs-reason");
  REQUIRE_REFUSED(w, w.Work("signposted", R"(,"services":["x"])"), "closure-needs-reason");
  REQUIRE_APPENDED(w.Note(L::kP1, "N-closure"));
  REQUIRE_APPENDED(w.Append(
      "family/F1", L::kP1,
      {{"recordCorrected",
        R"({"correctsSeq":)" + std::to_string(closed->events[0].seq) +
            R"(,"reason":"wrong reason","replacement":{"episodeId":"E1","reason":"singleAgencySufficient"}})"}}));
}

TEST_CASE(
    "known-references: events name an existing family, episode, meeting, request and concern") {
  World w;
  REQUIRE_REFUSED(w, w.Note(L::kP1, "N1", "F404"), "known-references");
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  REQUIRE_REFUSED(w, w.Note(L::kP1, "N1", "F1", "E9"), "known-references");
  REQUIRE_REFUSED(w, w.Work("outcomeSharedWithParents", R"(,"meetingId":"M9")"),
                  "known-references");
  REQUIRE_REFUSED(w, w.Work("contributionReceived", R"(,"requestId":"R9")"), "known-references");
  REQUIRE_REFUSED(w, w.Work("tafMemberRemoved", R"(,"practitionerId":"P2")"), "known-references");
  REQUIRE_REFUSED(w,
                  w.Append("family/F1", L::kTriage,
                           {{"triageDirectionGiven", R"({"concernId":"C9","direction":"d"})"}}),
                  "known-references");
  REQUIRE_REFUSED(
      w,
      w.Append("family/F1", L::kP1, {{"recordCorrected", R"({"correctsSeq":999,"reason":"r"})"}}),
      "known-references");
  // The same references, once they exist, are accepted.
  REQUIRE_APPENDED(w.Meeting("M1"));
  REQUIRE_APPENDED(w.Work("outcomeSharedWithParents", R"(,"meetingId":"M1")"));
  REQUIRE_APPENDED(w.Work("contributionRequested", R"(,"requestId":"R1","agency":"health")"));
  REQUIRE_APPENDED(w.Work("contributionReceived", R"(,"requestId":"R1")"));
  REQUIRE_APPENDED(w.Append(
      "family/F1", L::kHelpdesk,
      {{"concernReceived",
        R"({"concernId":"C1","source":"police","kind":"k","summary":"s","aboveThreshold":false})"}}));
  REQUIRE_APPENDED(w.Append("family/F1", L::kTriage,
                            {{"triageDirectionGiven", R"({"concernId":"C1","direction":"d"})"}}));
}

TEST_CASE("known-references: a correction names an event of its own stream") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  auto f2 = w.OpenFamily("F2");
  REQUIRE_APPENDED(f2);
  REQUIRE_REFUSED(
      w,
      w.Append("family/F1", L::kP1,
               {{"recordCorrected",
                 R"({"correctsSeq":)" + std::to_string(f2->events[0].seq) + R"(,"reason":"r"})"}}),
      "known-references");
}

TEST_CASE("known-references: a practitioner stream starts with the registration") {
  World w;
  REQUIRE_REFUSED(w,
                  w.Append("practitioner/P5", L::kAdmin,
                           {{"practitionerTrained",
                             R"({"course":"recordingSystem","completedOn":"2026-05-02"})"}}),
                  "known-references");
}

TEST_CASE("no-future-events: an event may not happen after it is recorded") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  w.clock().Set(At("2026-05-10T12:00:00Z"));
  REQUIRE_REFUSED(
      w,
      w.Append(
          "family/F1", L::kP1,
          {{"caseNoteAdded",
            R"({"episodeId":"E1","noteId":"N1","category":"contact","text":"t","significant":false})",
            "2026-05-12T12:00:00Z"}}),
      "no-future-events");
  // A few minutes of clock skew are allowed.
  REQUIRE_APPENDED(w.Append(
      "family/F1", L::kP1,
      {{"caseNoteAdded",
        R"({"episodeId":"E1","noteId":"N1","category":"contact","text":"t","significant":false})",
        "2026-05-10T12:04:00Z"}}));
}

TEST_CASE(
    "corrections-not-edits: a note is never re-recorded under its id, a correction is accepted") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  auto note = w.Note(L::kP1, "N1");
  REQUIRE_APPENDED(note);
  REQUIRE_REFUSED(w, w.Note(L::kP1, "N1"), "corrections-not-edits");
  REQUIRE_APPENDED(w.Append(
      "family/F1", L::kP1,
      {{"recordCorrected",
        R"({"correctsSeq":)" + std::to_string(note->events[0].seq) +
            R"(,"reason":"wrong text","replacement":{"episodeId":"E1","noteId":"N1","category":"contact","text":"right","significant":false}})"}}));
}

TEST_CASE("corrections-not-edits: a replacement must be valid data for the corrected kind") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  auto note = w.Note(L::kP1, "N1");
  REQUIRE_APPENDED(note);
  auto bad = w.Append("family/F1", L::kP1,
                      {{"recordCorrected",
                        R"({"correctsSeq":)" + std::to_string(note->events[0].seq) +
                            R"(,"reason":"r","replacement":{"episodeId":"E1","colour":"red"}})"}});
  REQUIRE_REFUSED(w, bad, "corrections-not-edits");
  CHECK(bad.status().message().find("colour") != std::string::npos);
}

TEST_CASE("corrections-not-edits: a family, practitioner, meeting or assessment is recorded once") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  REQUIRE_REFUSED(w,
                  w.Append("family/F1", L::kHelpdesk, {{"familyRegistered", R"({"members":[]})"}}),
                  "corrections-not-edits");
  REQUIRE_REFUSED(
      w,
      w.Append("practitioner/P1", L::kAdmin,
               {{"practitionerRegistered", R"({"name":"n","agency":"a","email":"e"})"}}),
      "corrections-not-edits");
  REQUIRE_APPENDED(w.Meeting("M1"));
  REQUIRE_REFUSED(w, w.Meeting("M1"), "corrections-not-edits");
  REQUIRE_APPENDED(
      w.Work("assessmentFinalised", R"(,"signedByFamily":true,"copyGivenToFamily":true)"));
  REQUIRE_REFUSED(
      w, w.Work("assessmentFinalised", R"(,"signedByFamily":true,"copyGivenToFamily":true)"),
      "corrections-not-edits");
}

TEST_CASE(
    "rules: each event of a request sees the ones before it, a refusal appends none of them") {
  World w;
  // Registering and opening in one request is fine.
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  // Consent then assessment in one request is fine; assessment then consent is not.
  REQUIRE_REFUSED(
      w,
      w.Append("family/F1", L::kP1,
               {{"assessmentStarted", R"({"episodeId":"E1"})"},
                {"consentGiven",
                 R"({"episodeId":"E1","givenBy":"P","scope":"assessment","method":"written"})"}}),
      "consent-before-assessment");
  REQUIRE_APPENDED(
      w.Append("family/F1", L::kP1,
               {{"consentGiven",
                 R"({"episodeId":"E1","givenBy":"P","scope":"assessment","method":"written"})"},
                {"assessmentStarted", R"({"episodeId":"E1"})"}}));
}

TEST_CASE("rules: an event kind on the wrong kind of stream is a 400 naming its type") {
  World w;
  auto r = w.Append(
      "practitioner/P1", L::kAdmin,
      {{"caseNoteAdded",
        R"({"episodeId":"E1","noteId":"N1","category":"contact","text":"t","significant":false})"}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().field() == "events[0].type");
}

TEST_CASE("rules: state survives a restart (the guard reloads streams from the store)") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  w.Reopen();
  REQUIRE_REFUSED(
      w,
      w.Append(
          "family/F1", L::kHelpdesk,
          {{"episodeOpened",
            R"({"episodeId":"E2","keyworkerId":"P2","registrationCompletedOn":"2026-05-20"})"}}),
      "one-open-episode");
  REQUIRE_REFUSED(w, w.Note({"P9", "practitioner", "", ""}, "N1"), "registered-practitioner");
  REQUIRE_APPENDED(w.Note(L::kP1, "N1"));
}

TEST_CASE("consent-order: a withdrawal needs consent given first, and a refusal comes before it") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_REFUSED(w, w.Work("consentWithdrawn", R"(,"withdrawnBy":"Parent","reason":"r")"),
                  "consent-order");
  REQUIRE_APPENDED(w.Consent("F1"));
  auto refused = w.Work("consentRefused", R"(,"refusedBy":"Parent")");
  REQUIRE_REFUSED(w, refused, "consent-order");
  CHECK(refused.status().message().find("consentWithdrawn") != std::string::npos);
  REQUIRE_APPENDED(w.Work("consentWithdrawn", R"(,"withdrawnBy":"Parent","reason":"r")"));
}

TEST_CASE(
    "stepped-up: after a step-up the FFA's work is refused, while case notes, the outcome "
    "shared and the closure (steppedUp) are still recorded") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  REQUIRE_APPENDED(w.Meeting("M1", "stepUp"));
  REQUIRE_APPENDED(
      w.Work("steppedUp", R"(,"to":"assessmentAndIntervention","reason":"r","meetingId":"M1")"));
  REQUIRE_REFUSED(w, w.Work("assessmentStarted"), "stepped-up");
  REQUIRE_REFUSED(w, w.Meeting("M2"), "stepped-up");
  REQUIRE_REFUSED(w, w.Work("actionPlanUpdated", R"(,"meetingId":"M1","actions":[])"),
                  "stepped-up");
  REQUIRE_APPENDED(w.Note(L::kP1, "N1"));
  REQUIRE_APPENDED(w.Work("outcomeSharedWithParents", R"(,"meetingId":"M1")"));
  REQUIRE_APPENDED(w.Work("episodeClosed", R"(,"reason":"steppedUp","meetingId":"M1")"));
}

TEST_CASE(
    "stepped-up: escalation to safeguarding stays possible after consent is withdrawn, and the "
    "episode then closes for steppedUp") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  REQUIRE_APPENDED(w.Work("consentWithdrawn", R"(,"withdrawnBy":"Parent","reason":"r")"));
  REQUIRE_APPENDED(w.Append("family/F1", L::kTriage,
                            {{"steppedUp", R"({"episodeId":"E1","to":"familySafeguarding",)"
                                           R"("reason":"police notification"})"}}));
  REQUIRE_APPENDED(w.Append("family/F1", L::kTriage,
                            {{"episodeClosed", R"({"episodeId":"E1","reason":"steppedUp"})"}}));
}

TEST_CASE(
    "concern-routing: a triage direction on a concern above the threshold is refused, and every "
    "direction on one below it is kept") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  auto concern = [&](const std::string& id, bool above) {
    return w.Append("family/F1", L::kHelpdesk,
                    {{"concernReceived", R"({"concernId":")" + id +
                                             R"(","source":"police","kind":"k","summary":"s",)"
                                             R"("aboveThreshold":)" +
                                             (above ? "true" : "false") + "}"}});
  };
  auto direct = [&](const std::string& id, const std::string& text) {
    return w.Append("family/F1", L::kTriage,
                    {{"triageDirectionGiven",
                      R"({"concernId":")" + id + R"(","direction":")" + text + R"("})"}});
  };
  REQUIRE_APPENDED(concern("C1", true));
  REQUIRE_REFUSED(w, direct("C1", "keyworker to follow up"), "concern-routing");
  REQUIRE_APPENDED(concern("C2", false));
  REQUIRE_APPENDED(direct("C2", "first"));
  REQUIRE_APPENDED(direct("C2", "second, after the strategy call"));
  auto events = projections::ReadFamily(w.store(), "F1", w.store().Size());
  REQUIRE(events.ok());
  auto f = projections::FoldFamily(std::move(events).value());
  const projections::Concern* c2 = f.FindConcern("C2");
  REQUIRE(c2 != nullptr);
  REQUIRE(c2->directions.size() == 2);
  CHECK(c2->directions[0].text == "first");
  CHECK(c2->direction == "second, after the strategy call");
}

TEST_CASE(
    "one-open-episode: a deactivated keyworker's contact is never given, and the refusal says the "
    "episode needs a keyworker and names the coordinator's route") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1", "E1", "P2"));
  REQUIRE_APPENDED(w.Append("practitioner/P2", L::kAdmin,
                            {{"practitionerDeactivated", R"({"reason":"left the service"})"}}));
  auto second = w.Append(
      "family/F1", L::kHelpdesk,
      {{"episodeOpened",
        R"({"episodeId":"E2","keyworkerId":"P1","registrationCompletedOn":"2026-04-30"})"}});
  REQUIRE_REFUSED(w, second, "one-open-episode");
  CHECK(second.status().message().find("P2@example.org") == std::string::npos);
  CHECK(second.status().message().find("needs a keyworker") != std::string::npos);
  CHECK(second.status().details().find("P2@example.org") == std::string::npos);
  CHECK(second.status().details().find("\"needsKeyworker\":true") != std::string::npos);
}

// ------------------------------------------------------------ the kinds of the second edition

projections::FamilyState StateOf(World& w, const std::string& family = "F1") {
  auto events = projections::ReadFamily(w.store(), family, w.store().Size());
  REQUIRE(events.ok());
  return projections::FoldFamily(std::move(events).value());
}

TEST_CASE(
    "analysis-when-hard-to-engage: an assessment finalised as hard to engage needs the "
    "keyworker's analysis of the difficulties") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  auto bare = w.Work("assessmentFinalised",
                     R"(,"signedByFamily":false,"copyGivenToFamily":false,"hardToEngage":true)");
  REQUIRE_REFUSED(w, bare, "analysis-when-hard-to-engage");
  CHECK(bare.status().message().find("keyworkerAnalysis") != std::string::npos);
  REQUIRE_REFUSED(
      w,
      w.Work("assessmentFinalised", R"(,"signedByFamily":false,"copyGivenToFamily":false,)"
                                    R"("hardToEngage":true,"keyworkerAnalysis":"  ")"),
      "analysis-when-hard-to-engage");
  REQUIRE_APPENDED(
      w.Work("assessmentFinalised",
             R"(,"signedByFamily":false,"copyGivenToFamily":false,"hardToEngage":true,)"
             R"("keyworkerAnalysis":"three visits missed; school view recorded")"));
  const projections::FamilyState f = StateOf(w);
  const projections::Episode* ep = f.FindEpisode("E1");
  REQUIRE(ep != nullptr);
  CHECK(ep->hard_to_engage);
}

TEST_CASE(
    "known-references: a memberId on consent given, refused or withdrawn must be a registered "
    "member of the family") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));  // members: C1
  REQUIRE_REFUSED(w, w.Work("consentRefused", R"(,"refusedBy":"Parent","memberId":"M404")"),
                  "known-references");
  REQUIRE_REFUSED(w,
                  w.Work("consentGiven", R"(,"givenBy":"Kid","scope":"assessment",)"
                                         R"("method":"written","memberId":"M404")"),
                  "known-references");
  REQUIRE_APPENDED(w.Work("consentGiven", R"(,"givenBy":"Kid","scope":"assessment",)"
                                          R"("method":"written","memberId":"C1")"));
  auto unknown =
      w.Work("consentWithdrawn", R"(,"withdrawnBy":"Parent","reason":"r","memberId":"P1")");
  REQUIRE_REFUSED(w, unknown, "known-references");
  CHECK(unknown.status().message().find("not a registered member") != std::string::npos);
  REQUIRE_APPENDED(
      w.Work("consentWithdrawn", R"(,"withdrawnBy":"Kid","reason":"r","memberId":"C1")"));
  const projections::FamilyState f = StateOf(w);
  const projections::Episode* ep = f.FindEpisode("E1");
  REQUIRE(ep != nullptr);
  CHECK(ep->consent.given_by_member_id == "C1");
  CHECK(ep->consent.withdrawn_by_member_id == "C1");
}

TEST_CASE(
    "known-references: the family signs the assessment only once it is finalised, and the "
    "signature clears finalisedNotSigned and finalisedCopyNotGiven") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  const std::string signed_ =
      R"(,"signedByFamily":true,"copyGivenToFamily":false,"signedBy":"Mum")";
  auto early = w.Work("assessmentSigned", signed_);
  REQUIRE_REFUSED(w, early, "known-references");
  CHECK(early.status().message().find("record assessmentFinalised first") != std::string::npos);
  REQUIRE_APPENDED(
      w.Work("assessmentFinalised", R"(,"signedByFamily":false,"copyGivenToFamily":false)"));
  auto calendar = projections::Calendar::Load(std::string(CASELEDGER_FIXTURES_DIR) +
                                              "/calendar/bank-holidays-england-wales.txt");
  REQUIRE(calendar.ok());
  const projections::Day on = *projections::ParseDay("2026-05-20");
  auto flags = [&] {
    auto episodes = projections::EvaluateTimescales(StateOf(w), *calendar, on);
    REQUIRE(episodes.size() == 1);
    return std::pair{episodes[0].finalised_not_signed, episodes[0].finalised_copy_not_given};
  };
  CHECK(flags() == std::pair{true, true});
  REQUIRE_APPENDED(w.Work("assessmentSigned", signed_));
  CHECK(flags() == std::pair{false, true});
  REQUIRE_APPENDED(
      w.Work("assessmentSigned", R"(,"signedByFamily":false,"copyGivenToFamily":true)"));
  CHECK(flags() == std::pair{false, false});  // a later false does not undo the signature
}

TEST_CASE(
    "known-references: a child-protection referral names a concern that was received, and is "
    "taken after a withdrawal or a closure") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  auto referral = [&](const ledger::Actor& by, const std::string& concern) {
    return w.Append("family/F1", by,
                    {{"childProtectionReferralMade",
                      R"({"episodeId":"E1",)" +
                          (concern.empty() ? "" : R"("concernId":")" + concern + R"(",)") +
                          R"("referredTo":"Children's Services, HSCB procedures","reason":"r"})"}});
  };
  REQUIRE_REFUSED(w, referral(L::kTriage, "C1"), "known-references");
  REQUIRE_APPENDED(w.Append(
      "family/F1", L::kHelpdesk,
      {{"concernReceived",
        R"({"concernId":"C1","source":"police","kind":"k","summary":"s","aboveThreshold":true})"}}));
  REQUIRE_APPENDED(referral(L::kTriage, "C1"));
  const projections::FamilyState f = StateOf(w);
  const projections::Concern* c1 = f.FindConcern("C1");
  REQUIRE(c1 != nullptr);
  CHECK(c1->referred_to == "Children's Services, HSCB procedures");
  REQUIRE_APPENDED(w.Work("episodeClosed", R"(,"reason":"singleAgencySufficient")"));
  REQUIRE_APPENDED(referral(L::kP1, ""));  // safeguarding first: the closure does not stop it
}

TEST_CASE(
    "withdrawal-stops-work: advice sought is accepted after a withdrawal, and refused on a "
    "closed episode") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  REQUIRE_APPENDED(w.Work("consentWithdrawn", R"(,"withdrawnBy":"Parent","reason":"r")"));
  const std::string advice =
      R"(,"from":"earlyHelpAdviceLine","summary":"needs may escalate","outcome":"signpost")";
  REQUIRE_APPENDED(w.Work("adviceSought", advice));
  REQUIRE_APPENDED(w.Work("episodeClosed", R"(,"reason":"consentWithdrawn")"));
  REQUIRE_REFUSED(w, w.Work("adviceSought", advice), "closure-needs-reason");
  // With no episode named, advice is the family's: taken.
  REQUIRE_APPENDED(
      w.Append("family/F1", L::kP1,
               {{"adviceSought", R"({"from":"lineManager","summary":"after the closure"})"}}));
}

TEST_CASE(
    "corrections-not-edits: a note on the family is accepted with no episode after consent was "
    "refused at the outset, and its id is not used twice") {
  World w;
  REQUIRE_APPENDED(w.Append(
      "family/F1", L::kHelpdesk,
      {{"familyRegistered", R"({"members":[{"memberId":"C1","role":"child","name":"Kid"}]})"}}));
  REQUIRE_APPENDED(w.Append("family/F1", L::kP1,
                            {{"consentRefused", R"({"refusedBy":"Mum","memberId":"C1"})"}}));
  auto note = [&](const std::string& id) {
    return w.Append(
        "family/F1", L::kP1,
        {{"familyNoteAdded",
          R"({"noteId":")" + id +
              R"(","category":"contact","text":"offered the FFA again","significant":true})"}});
  };
  REQUIRE_APPENDED(note("FN1"));
  REQUIRE_REFUSED(w, note("FN1"), "corrections-not-edits");
  projections::FamilyState f = StateOf(w);
  CHECK(f.episodes.empty());
  CHECK(f.family_note_ids == std::set<std::string>{"FN1"});
}

TEST_CASE("known-references: a helpdesk check names an episode of the family") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  auto check = [&](const std::string& episode) {
    return w.Append("family/F1", L::kHelpdesk,
                    {{"helpdeskCheckMade",
                      R"({"askedBy":"P2","identityVerified":true,"result":"openEpisodeFound",)"
                      R"("contactGiven":"P1@example.org","episodeId":")" +
                          episode + R"("})"}});
  };
  REQUIRE_REFUSED(w, check("E9"), "known-references");
  REQUIRE_APPENDED(check("E1"));
}

TEST_CASE(
    "family state: the contributions still awaited when the assessment was finalised are listed, "
    "and stay listed when they arrive later") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  REQUIRE_APPENDED(w.Consent("F1"));
  REQUIRE_APPENDED(w.Work("contributionRequested", R"(,"requestId":"R1","agency":"health")"));
  REQUIRE_APPENDED(w.Work("contributionRequested", R"(,"requestId":"R2","agency":"housing")"));
  REQUIRE_APPENDED(w.Work("contributionReceived", R"(,"requestId":"R1")"));
  REQUIRE_APPENDED(
      w.Work("assessmentFinalised", R"(,"signedByFamily":true,"copyGivenToFamily":true)"));
  REQUIRE_APPENDED(w.Work("contributionReceived", R"(,"requestId":"R2")"));  // too late for it
  projections::FamilyState f = StateOf(w);
  const projections::Episode* ep = f.FindEpisode("E1");
  REQUIRE(ep != nullptr);
  CHECK(ep->contributions_outstanding_at_finalisation == std::vector<std::string>{"R2"});
  CHECK(projections::FamilyStateJson(f, w.store().Size())
            .find(R"("contributionsOutstandingAtFinalisation":["R2"])") != std::string::npos);
}

TEST_CASE(
    "closure-needs-reason: a triage manager closes an episode only after its step-up (reason "
    "steppedUp), other closures being the keyworker's") {
  World w;
  REQUIRE_APPENDED(w.OpenFamily("F1"));
  auto r = w.Append("family/F1", L::kTriage,
                    {{"episodeClosed", R"({"episodeId":"E1","reason":"needsMet"})"}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kPermissionDenied);
  REQUIRE_APPENDED(w.Append("family/F1", L::kTriage,
                            {{"steppedUp", R"({"episodeId":"E1","to":"familySafeguarding",)"
                                           R"("reason":"r"})"}}));
  REQUIRE_APPENDED(w.Append("family/F1", L::kTriage,
                            {{"episodeClosed", R"({"episodeId":"E1","reason":"steppedUp"})"}}));
}

// ---------------------------------------------------------------- permission in the sequencer

// A refusal for who the actor is (projections/permission.h), asked by the rules against the
// state the batch is judged on: kPermissionDenied, nothing appended.
#define REQUIRE_NOT_PERMITTED(ledger_, result)                          \
  do {                                                                  \
    auto size_before_ = (ledger_).store().Size();                       \
    auto&& r_ = (result);                                               \
    INFO((r_.ok() ? std::string("appended") : r_.status().ToString())); \
    REQUIRE_FALSE(r_.ok());                                             \
    CHECK(r_.status().code() == caseledger::Code::kPermissionDenied);   \
    CHECK((ledger_).store().Size() == size_before_);                    \
  } while (0)

TEST_CASE(
    "permission in the sequencer: a practitioner taken off the team gets nothing more through, "
    "a TAF member never makes themselves keyworker or adds anyone, and a closed episode's team "
    "keeps its access 30 days") {
  DomainLedger w(projections::RulesOptions{.check_permission = true});
  // helpdesk1 registers the family; a practitioner of the same id is another person.
  for (const char* id : {"P1", "P2", "P3", "helpdesk1"}) w.Practitioner(id);
  const ledger::Actor p1{"P1", "practitioner", "school", ""};
  const ledger::Actor p2{"P2", "practitioner", "health", ""};
  const ledger::Actor p3{"P3", "practitioner", "housing", ""};
  const ledger::Actor coordinator{"CO1", "coordinator", "", ""};
  auto note = [&](const ledger::Actor& actor, const std::string& id) {
    return w.Append(
        "family/F1", actor,
        {{"caseNoteAdded", R"({"episodeId":"E1","noteId":")" + id +
                               R"(","category":"contact","text":"t","significant":false})"}});
  };
  auto team = [&](const ledger::Actor& actor, const std::string& type, const std::string& who) {
    return w.Append("family/F1", actor,
                    {{type, R"({"episodeId":"E1","practitionerId":")" + who + R"("})"}});
  };
  REQUIRE_APPENDED(w.OpenFamily("F1", "E1", "P1"));

  // The keyworker adds P2; P2 records; a coordinator removes P2: P2's next append is refused.
  REQUIRE_APPENDED(team(p1, "tafMemberAdded", "P2"));
  REQUIRE_APPENDED(note(p2, "N1"));
  REQUIRE_NOT_PERMITTED(w, team(p2, "keyworkerAssigned", "P2"));  // never themselves keyworker
  REQUIRE_NOT_PERMITTED(w, team(p2, "tafMemberAdded", "P3"));     // nor add anyone
  REQUIRE_APPENDED(team(coordinator, "tafMemberRemoved", "P2"));
  REQUIRE_NOT_PERMITTED(w, note(p2, "N2"));
  // A practitioner the family has never had, and one whose id is the registering actor's.
  REQUIRE_NOT_PERMITTED(w, note(p3, "N2"));
  REQUIRE_NOT_PERMITTED(w, note({"helpdesk1", "practitioner", "", ""}, "N2"));

  // Reassigned: the old keyworker is off the team, the new one on it.
  REQUIRE_APPENDED(team(coordinator, "keyworkerAssigned", "P3"));
  REQUIRE_NOT_PERMITTED(w, note(p1, "N2"));
  REQUIRE_APPENDED(note(p3, "N2"));

  // Closed: its team records for 30 days after the closure is recorded, then no longer.
  REQUIRE_APPENDED(
      w.Append("family/F1", p3, {{"episodeClosed", R"({"episodeId":"E1","reason":"needsMet"})"}}));
  w.clock().Advance(29LL * 24 * 3600 * 1'000'000);
  REQUIRE_APPENDED(note(p3, "N3"));
  w.clock().Advance(2LL * 24 * 3600 * 1'000'000);
  REQUIRE_NOT_PERMITTED(w, note(p3, "N4"));
}

}  // namespace
}  // namespace caseledger::testing
