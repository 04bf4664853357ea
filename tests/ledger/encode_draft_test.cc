// EncodeDraft makes, without JSON, the draft ParseEventJson makes of the same event: the same
// words for every kind (optional fields present and absent, text that needs escaping), and
// the same refusals naming the same fields.
#include <catch2/catch.hpp>

#include <set>
#include <variant>

#include "ledger/access_view.h"
#include "ledger/domain_event.h"
#include "ledger/json_codec.h"
#include "ledger/time_format.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

constexpr const char* kId = "2f1c6f1e-8d4b-4c55-9a0e-3b7f1c2d4e5f";
// Quotes, a backslash, line breaks, a tab, control characters, non-ASCII and an emoji.
const std::string kAwkward =
    "say \"hi\" \\ back\nline\r\ttab \x01\x1f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80 </script>";
const std::string kSha = std::string(64, 'a');

EventId TheId() {
  auto id = EventId::Parse(kId);
  REQUIRE(id.ok());
  return *id;
}

// The event object of kind `type` holding `data`, as a request carries it.
std::string EventJson(const std::string& type, const std::string& data, int64_t at) {
  return R"({"eventId":")" + std::string(kId) + R"(","type":")" + type + R"(","occurredAt":)" +
         JsonQuote(FormatRfc3339(at)) + R"(,"data":)" + data + "}";
}

void RequireSame(const ev::Body& body, const std::string& type, const std::string& data,
                 int64_t at = testing::kMarch2) {
  INFO(type << " " << data << " at " << at);
  auto parsed = ParseEventJson(EventJson(type, data, at));
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  auto encoded = ev::EncodeDraft(TheId(), at, body);
  INFO(encoded.status().ToString());
  REQUIRE(encoded.ok());
  CHECK(encoded->type() == parsed->type());
  CHECK(encoded->id() == parsed->id());
  CHECK(encoded->occurred_at() == parsed->occurred_at());
  CHECK(encoded->corrects() == parsed->corrects());
  CHECK(encoded->words() == parsed->words());
  CHECK(encoded->content() == parsed->content());
}

void RequireSameRefusal(const ev::Body& body, const std::string& type, const std::string& data,
                        int64_t at = testing::kMarch2) {
  INFO(type << " " << data);
  auto parsed = ParseEventJson(EventJson(type, data, at));
  REQUIRE_FALSE(parsed.ok());
  auto encoded = ev::EncodeDraft(TheId(), at, body);
  REQUIRE_FALSE(encoded.ok());
  INFO(parsed.status().ToString() << " / " << encoded.status().ToString());
  CHECK(parsed.status().code() == Code::kInvalidArgument);
  CHECK(encoded.status().code() == Code::kInvalidArgument);
  CHECK(encoded.status().field() == parsed.status().field());
}

TEST_CASE(
    "encode draft: a read's recordViewed is the draft its JSON parses to, word for word, for "
    "every view, with and without a purpose, and with text that needs escaping",
    "[ledger][encode]") {
  std::vector<std::string> views;
  for (int v = 0; v <= static_cast<int>(AccessView::kDocument); ++v) {
    views.push_back(AccessViewText(static_cast<AccessView>(v), kSha));
  }
  for (const std::string& view : views) {
    for (const std::string& purpose : {std::string(), std::string("review"), kAwkward}) {
      for (int64_t at : {testing::kMarch2, testing::kMarch2 + 250000, testing::kMarch2 + 7,
                         int64_t{0}, int64_t{-1}}) {
        std::string data =
            R"({"familyId":"F-1_x","view":)" + JsonQuote(view) +
            (purpose.empty() ? std::string() : R"(,"purpose":)" + JsonQuote(purpose)) + "}";
        RequireSame(ev::RecordViewed{"F-1_x", view, purpose}, "recordViewed", data, at);
      }
    }
  }
}

TEST_CASE(
    "encode draft: an erasure's familyErased is the draft its JSON parses to, word for word, "
    "with text that needs escaping",
    "[ledger][encode]") {
  for (const std::string& reason : {std::string("retention ended"), kAwkward, std::string()}) {
    RequireSame(ev::FamilyErased{reason, "DPO-1"}, "familyErased",
                R"({"reason":)" + JsonQuote(reason) + R"(,"authorisedBy":"DPO-1"})");
  }
}

// Every kind, its fields in the schema's order: with its optional fields, then without.
const std::vector<std::pair<std::string, std::string>>& EveryKind() {
  static const std::vector<std::pair<std::string, std::string>> kinds = {
      {"practitionerRegistered", R"({"name":"Sam","agency":"School","email":"s@example.org"})"},
      {"practitionerTrained", R"({"course":"recordingSystem","completedOn":"2026-01-15"})"},
      {"practitionerDeactivated", R"({"reason":"left the service"})"},
      {"practitionerDeactivated", R"({"reason":""})"},
      {"familyRegistered",
       R"({"members":[{"memberId":"C1","role":"child","name":"Alex","dateOfBirth":"2015-06-01"},)"
       R"({"memberId":"P1","role":"carer","name":)" +
           JsonQuote(kAwkward) + R"(}],"address":"1 Road"})"},
      {"familyRegistered", R"({"members":[]})"},
      {"consentToCheckGiven", R"({"givenBy":"Kim","method":"verbal"})"},
      {"episodeOpened",
       R"({"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-05-01"})"},
      {"consentGiven",
       R"({"episodeId":"E1","givenBy":"Kim","scope":"informationSharing","method":"written",)"
       R"("memberId":"P1"})"},
      {"consentGiven",
       R"({"episodeId":"E1","givenBy":"Kim","scope":"assessment","method":"verbal"})"},
      {"consentRefused",
       R"({"episodeId":"E1","refusedBy":"Kim","reason":"not now","memberId":"P1"})"},
      {"consentRefused", R"({"refusedBy":"Kim"})"},
      {"consentWithdrawn",
       R"({"episodeId":"E1","withdrawnBy":"Kim","reason":"moving","memberId":"P1"})"},
      {"consentWithdrawn", R"({"episodeId":"E1","withdrawnBy":"Kim","reason":"moving"})"},
      {"keyworkerAssigned", R"({"episodeId":"E1","practitionerId":"P2"})"},
      {"tafMemberAdded", R"({"episodeId":"E1","practitionerId":"P3"})"},
      {"tafMemberRemoved", R"({"episodeId":"E1","practitionerId":"P3"})"},
      {"assessmentStarted", R"({"episodeId":"E1"})"},
      {"contributionRequested", R"({"episodeId":"E1","requestId":"R1","agency":"Health"})"},
      {"contributionReceived", R"({"episodeId":"E1","requestId":"R1"})"},
      {"assessmentFinalised",
       R"({"episodeId":"E1","signedByFamily":true,"copyGivenToFamily":false,)"
       R"("keyworkerAnalysis":"Hard to reach","hardToEngage":true})"},
      {"assessmentFinalised",
       R"({"episodeId":"E1","signedByFamily":false,"copyGivenToFamily":true})"},
      {"caseNoteAdded", R"({"episodeId":"E1","noteId":"N1","category":"significantEvent","text":)" +
                            JsonQuote(kAwkward) +
                            R"(,"significant":true,"sourceAgency":"School"})"},
      {"caseNoteAdded",
       R"({"episodeId":"E1","noteId":"N1","category":"other","text":"t","significant":false})"},
      {"documentUploaded", R"({"episodeId":"E1","documentId":"D1","filename":"plan.pdf",)"
                           R"("mediaType":"application/pdf","sha256":")" +
                               kSha + R"(","size":12345})"},
      {"tafMeetingHeld",
       R"({"episodeId":"E1","meetingId":"M1","kind":"review","attendees":["Kim","Sam"],)"
       R"("outcome":"continue","nextReviewOn":"2026-07-01"})"},
      {"tafMeetingHeld",
       R"({"episodeId":"E1","meetingId":"M1","kind":"closure","attendees":[],"outcome":"close"})"},
      {"actionPlanUpdated",
       R"({"episodeId":"E1","meetingId":"M1","actions":[{"actionId":"A1","description":"Book",)"
       R"("owner":"Kim","dueOn":"2026-06-01","status":"open"},{"actionId":"A2",)"
       R"("description":"Call","owner":"P1","dueOn":"2026-06-02","status":"dropped"}]})"},
      {"actionPlanUpdated", R"({"episodeId":"E1","meetingId":"M1","actions":[]})"},
      {"outcomeSharedWithParents", R"({"episodeId":"E1","meetingId":"M1"})"},
      {"concernReceived",
       R"({"concernId":"C1","source":"police","kind":"domesticAbuseNotification",)"
       R"("summary":"Call out","aboveThreshold":true})"},
      {"triageDirectionGiven", R"({"concernId":"C1","direction":"Keyworker to visit"})"},
      {"steppedUp",
       R"({"episodeId":"E1","to":"familySafeguarding","reason":"Escalating","meetingId":"M2"})"},
      {"steppedUp", R"({"episodeId":"E1","to":"assessmentAndIntervention","reason":"r"})"},
      {"signposted", R"({"episodeId":"E1","services":["Food bank","Library"]})"},
      {"signposted", R"({"services":[]})"},
      {"episodeClosed",
       R"({"episodeId":"E1","reason":"needsMet","detail":"All done","meetingId":"M3"})"},
      {"episodeClosed", R"({"episodeId":"E1","reason":"other"})"},
      {"recordCorrected",
       R"({"correctsSeq":5,"reason":"typo","replacement":{"episodeId":"E1","text":"fixed",)"
       R"("n":[1,2.5,true,null],"o":{}}})"},
      {"recordCorrected", R"({"correctsSeq":5,"reason":"noted only"})"},
      {"legalHoldApplied", R"({"reason":"Court order"})"},
      {"legalHoldReleased", R"({"reason":"Order lifted"})"},
      {"familyErased", R"({"reason":"Retention ended","authorisedBy":"DPO1"})"},
      {"recordViewed", R"({"familyId":"F1","view":"chronology","purpose":"Review"})"},
      {"recordViewed", R"({"familyId":"F1","view":"state"})"},
      {"helpdeskCheckMade",
       R"({"askedBy":"P3","identityVerified":true,"result":"openEpisodeFound",)"
       R"("contactGiven":"s@example.org","episodeId":"E1"})"},
      {"helpdeskCheckMade",
       R"({"askedBy":"P3","identityVerified":false,"result":"noOpenEpisode"})"},
      {"assessmentSigned",
       R"({"episodeId":"E1","signedByFamily":true,"copyGivenToFamily":true,"signedBy":"Kim"})"},
      {"assessmentSigned", R"({"episodeId":"E1","signedByFamily":false,"copyGivenToFamily":true})"},
      {"childProtectionReferralMade",
       R"({"concernId":"C1","episodeId":"E1","referredTo":"Social care","reason":"Risk"})"},
      {"childProtectionReferralMade", R"({"referredTo":"Social care","reason":"Risk"})"},
      {"adviceSought",
       R"({"episodeId":"E1","from":"seniorCoordinator","summary":"How","outcome":"Visit"})"},
      {"adviceSought", R"({"from":"other","summary":"How"})"},
      {"familyNoteAdded",
       R"({"noteId":"FN1","category":"other","text":"Refused","significant":false,)"
       R"("sourceAgency":"Helpdesk"})"},
      {"familyNoteAdded",
       R"({"noteId":"FN1","category":"contact","text":"Rang","significant":true})"},
  };
  return kinds;
}

TEST_CASE(
    "encode draft: every kind of event is the draft its JSON parses to, word for word, with "
    "its optional fields and without",
    "[ledger][encode]") {
  std::set<size_t> kinds_seen;
  for (const auto& [type, data] : EveryKind()) {
    INFO(type << " " << data);
    auto parsed = ParseEventJson(EventJson(type, data, testing::kMarch2));
    INFO(parsed.status().ToString());
    REQUIRE(parsed.ok());
    auto body = ev::DecodeDraft(*parsed);
    REQUIRE(body.ok());
    kinds_seen.insert(body->index());
    RequireSame(*body, type, data);
  }
  CHECK(kinds_seen.size() == std::variant_size_v<ev::Body>);
}

TEST_CASE(
    "encode draft: a correction's replacement is kept as the codec writes its JSON, however it "
    "was spaced",
    "[ledger][encode]") {
  const std::string replacement = R"({ "text" : "fixed",  "n" : [ 1 , 2 ] })";
  RequireSame(ev::RecordCorrected{7, "typo", replacement}, "recordCorrected",
              R"({"correctsSeq":7,"reason":"typo","replacement":)" + replacement + "}");
  auto draft = ev::EncodeDraft(TheId(), testing::kMarch2, ev::RecordCorrected{7, "typo", "{"});
  REQUIRE_FALSE(draft.ok());
  CHECK(draft.status().field() == "data.replacement");
}

TEST_CASE("encode draft: what a request is refused, EncodeDraft refuses too, naming the same field",
          "[ledger][encode]") {
  RequireSameRefusal(ev::RecordViewed{"F 1", "state", ""}, "recordViewed",
                     R"({"familyId":"F 1","view":"state"})");
  RequireSameRefusal(ev::RecordViewed{std::string(65, 'F'), "state", ""}, "recordViewed",
                     R"({"familyId":")" + std::string(65, 'F') + R"(","view":"state"})");
  RequireSameRefusal(ev::RecordViewed{"F1", "gossip about Kim", ""}, "recordViewed",
                     R"({"familyId":"F1","view":"gossip about Kim"})");
  RequireSameRefusal(ev::RecordViewed{"F1", "document ABC", ""}, "recordViewed",
                     R"({"familyId":"F1","view":"document ABC"})");
  RequireSameRefusal(ev::RecordViewed{"F1", "state", std::string("a\0b", 3)}, "recordViewed",
                     R"({"familyId":"F1","view":"state","purpose":"a\u0000b"})");
  RequireSameRefusal(ev::RecordViewed{"F1", "state", "caf\xc3"}, "recordViewed",
                     "{\"familyId\":\"F1\",\"view\":\"state\",\"purpose\":\"caf\xc3\"}");
  RequireSameRefusal(ev::FamilyErased{"why", ""}, "familyErased",
                     R"({"reason":"why","authorisedBy":""})");
  RequireSameRefusal(ev::FamilyErased{std::string("a\0b", 3), "DPO1"}, "familyErased",
                     R"({"reason":"a\u0000b","authorisedBy":"DPO1"})");
  RequireSameRefusal(
      ev::FamilyRegistered{{{"C1", ev::MemberRole::kChild, "Alex", "2015-02-30"}}, ""},
      "familyRegistered",
      R"({"members":[{"memberId":"C1","role":"child","name":"Alex","dateOfBirth":"2015-02-30"}]})");
  RequireSameRefusal(
      ev::DocumentUploaded{"E1", "D1", "f", "application/pdf", "ABC", 1}, "documentUploaded",
      R"({"episodeId":"E1","documentId":"D1","filename":"f","mediaType":"application/pdf",)"
      R"("sha256":"ABC","size":1})");
  RequireSameRefusal(
      ev::DocumentUploaded{"E1", "D1", "f", "pdf; name=Kim", kSha, 1}, "documentUploaded",
      R"({"episodeId":"E1","documentId":"D1","filename":"f","mediaType":"pdf; name=Kim",)"
      R"("sha256":")" +
          kSha + R"(","size":1})");
  RequireSameRefusal(
      ev::DocumentUploaded{"E1", "D1", "f", "application/pdf", kSha, 9007199254740992ull},
      "documentUploaded",
      R"({"episodeId":"E1","documentId":"D1","filename":"f","mediaType":"application/pdf",)"
      R"("sha256":")" +
          kSha + R"(","size":9007199254740992})");
  RequireSameRefusal(ev::PractitionerTrained{static_cast<ev::Course>(7), "2026-01-15"},
                     "practitionerTrained", R"({"course":"swimming","completedOn":"2026-01-15"})");
  RequireSameRefusal(ev::RecordCorrected{5, "r", "[1]"}, "recordCorrected",
                     R"({"correctsSeq":5,"reason":"r","replacement":[1]})");
  const std::string huge(kMaxEventBytes, 'x');
  RequireSameRefusal(ev::CaseNoteAdded{"E1", "N1", ev::NoteCategory::kContact, huge, false, ""},
                     "caseNoteAdded",
                     R"({"episodeId":"E1","noteId":"N1","category":"contact","text":")" + huge +
                         R"(","significant":false})");
  // Year 10000 and year -1: RFC 3339 has four digits for the year.
  for (int64_t at : {int64_t{253402300800} * 1000000, int64_t{-62198755200} * 1000000}) {
    RequireSameRefusal(ev::RecordViewed{"F1", "state", ""}, "recordViewed",
                       R"({"familyId":"F1","view":"state"})", at);
  }
}

}  // namespace
}  // namespace caseledger::ledger
