// Erasure leaves no copy anywhere (issue 19): a family whose every free-text field carries a
// marker of its own is built over HTTP, read through every route (with a marked purpose),
// erased, and then every byte the server can serve about it, every file of the data folder and
// the server's log are searched for each marker. None may be found; before the erasure the
// same reads show them all, so the search is shown to work.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

const std::string kFamily = "F7";

// A marker per free-text field: unique, and found nowhere else in the test's data.
std::string Marker(const std::string& field) { return "Qz7" + field + "Mk"; }

const std::vector<std::string> kFields = {
    "childName",      "parentName",       "address",       "checkGivenBy",     "askedBy",
    "contactGiven",   "consentGivenBy",   "agency",        "noteText",         "noteSource",
    "familyNoteText", "familyNoteSource", "filename",      "documentBytes",    "attendee",
    "actionText",     "actionOwner",      "concernKind",   "concernSummary",   "direction",
    "referredTo",     "referralReason",   "adviceSummary", "adviceOutcome",    "services",
    "analysis",       "holdReason",       "releaseReason", "correctionReason", "replacementText",
    "purpose"};

std::string Q(const std::string& field) { return ledger::JsonQuote(Marker(field)); }

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The markers found in `text` (each with where it was).
void Scan(const std::string& where, const std::string& text, std::vector<std::string>& found) {
  for (const std::string& f : kFields) {
    if (text.find(Marker(f)) != std::string::npos) found.push_back(Marker(f) + " in " + where);
  }
}

// Appends one event to the family as `label`; the test stops on a refusal, naming it.
void Append(TestServer& s, const std::string& label, const std::string& type,
            const std::string& data, int64_t offset = -kMinute) {
  Response r = s.AppendFamily(kFamily, label, {Event(type, data, s.Now(offset))});
  INFO(type << " as " << label << ": " << r.body);
  REQUIRE(r.status == 201);
}

// Builds the family: every free-text field of every kind it uses holds its marker. Returns
// the document's SHA-256.
std::string BuildFamily(TestServer& s) {
  const std::string at = s.Now(-2 * kHour);
  Response registered = s.AppendFamily(
      kFamily, "helpdesk",
      {Event("familyRegistered",
             R"({"members":[{"memberId":"C1","role":"child","name":)" + Q("childName") +
                 R"(,"dateOfBirth":"2015-06-01"},{"memberId":"M1","role":"parent","name":)" +
                 Q("parentName") + R"(}],"address":)" + Q("address") + "}",
             at),
       Event("consentToCheckGiven", R"({"givenBy":)" + Q("checkGivenBy") + R"(,"method":"verbal"})",
             at),
       Event("episodeOpened",
             R"({"episodeId":"E1","keyworkerId":"P1","registrationCompletedOn":"2026-05-01"})",
             at)},
      "0");
  INFO(registered.body);
  REQUIRE(registered.status == 201);
  Append(s, "helpdesk", "helpdeskCheckMade",
         R"({"askedBy":)" + Q("askedBy") +
             R"(,"identityVerified":true,"result":"openEpisodeFound","contactGiven":)" +
             Q("contactGiven") + R"(,"episodeId":"E1"})");
  Append(s, "P1", "consentGiven",
         R"({"episodeId":"E1","givenBy":)" + Q("consentGivenBy") +
             R"(,"scope":"assessment","method":"written","memberId":"M1"})");
  Append(s, "P1", "assessmentStarted", R"({"episodeId":"E1"})");
  Append(s, "P1", "contributionRequested",
         R"({"episodeId":"E1","requestId":"R1","agency":)" + Q("agency") + "}");
  Append(s, "P1", "caseNoteAdded",
         R"({"episodeId":"E1","noteId":"N1","category":"contact","text":)" + Q("noteText") +
             R"(,"significant":true,"sourceAgency":)" + Q("noteSource") + "}");
  Append(s, "P1", "familyNoteAdded",
         R"({"noteId":"FN1","category":"familyUpdate","text":)" + Q("familyNoteText") +
             R"(,"significant":false,"sourceAgency":)" + Q("familyNoteSource") + "}");

  // A document: its bytes and its file name.
  const std::string bytes = "%PDF-1.4 " + Marker("documentBytes") + " letter";
  Response stored = s.Post("/v1/families/" + kFamily + "/documents?filename=" + Marker("filename"),
                           "P1", bytes, "application/pdf");
  INFO(stored.body);
  REQUIRE(stored.status == 201);
  const std::string sha = stored.json()["sha256"].str();
  Append(s, "P1", "documentUploaded",
         R"({"episodeId":"E1","documentId":"D1","filename":)" + Q("filename") +
             R"(,"mediaType":"application/pdf","sha256":")" + sha + R"(","size":)" +
             std::to_string(bytes.size()) + "}");

  Append(s, "P1", "assessmentFinalised",
         R"({"episodeId":"E1","signedByFamily":true,"copyGivenToFamily":true,)"
         R"("keyworkerAnalysis":)" +
             Q("analysis") + "}");
  Append(s, "P1", "tafMeetingHeld",
         R"({"episodeId":"E1","meetingId":"M1","kind":"initial","attendees":[)" + Q("attendee") +
             R"(],"outcome":"continue","nextReviewOn":"2026-06-01"})");
  Append(s, "P1", "actionPlanUpdated",
         R"({"episodeId":"E1","meetingId":"M1","actions":[{"actionId":"A1","description":)" +
             Q("actionText") + R"(,"owner":)" + Q("actionOwner") +
             R"(,"dueOn":"2026-05-20","status":"open"}]})");
  Append(s, "P1", "signposted", R"({"episodeId":"E1","services":[)" + Q("services") + "]}");
  Append(s, "helpdesk", "concernReceived",
         R"({"concernId":"K1","source":"police","kind":)" + Q("concernKind") + R"(,"summary":)" +
             Q("concernSummary") + R"(,"aboveThreshold":false})");
  Append(s, "triage-manager", "triageDirectionGiven",
         R"({"concernId":"K1","direction":)" + Q("direction") + "}");
  Append(s, "triage-manager", "childProtectionReferralMade",
         R"({"concernId":"K1","episodeId":"E1","referredTo":)" + Q("referredTo") + R"(,"reason":)" +
             Q("referralReason") + "}");
  Append(s, "P1", "adviceSought",
         R"({"episodeId":"E1","from":"lineManager","summary":)" + Q("adviceSummary") +
             R"(,"outcome":)" + Q("adviceOutcome") + "}");
  Append(s, "admin", "legalHoldApplied", R"({"reason":)" + Q("holdReason") + "}", 0);
  Append(s, "admin", "legalHoldReleased", R"({"reason":)" + Q("releaseReason") + "}", 0);
  // A correction of the case note (seq of the note: found in the events).
  Json events = s.Get("/v1/families/" + kFamily + "/events?limit=100", "auditor").json();
  std::string note_seq;
  for (const Json& e : events["events"].items()) {
    if (e["type"].str() == "caseNoteAdded") note_seq = e["seq"].str();
  }
  REQUIRE_FALSE(note_seq.empty());
  Append(s, "P1", "recordCorrected",
         R"({"correctsSeq":)" + note_seq + R"(,"reason":)" + Q("correctionReason") +
             R"(,"replacement":{"episodeId":"E1","noteId":"N1","category":"contact","text":)" +
             Q("replacementText") + R"(,"significant":true}})");
  return sha;
}

// Every read the server answers about the family, as the roles that may make it.
std::vector<std::pair<std::string, std::string>> Reads(const std::string& sha,
                                                       const std::string& purpose) {
  const std::string f = "/v1/families/" + kFamily;
  const std::string p = purpose.empty() ? "" : "purpose=" + purpose;
  auto with = [&](const std::string& path) {
    if (p.empty()) return path;
    return path + (path.find('?') == std::string::npos ? "?" : "&") + p;
  };
  return {
      {with(f), "triage-manager"},
      {with(f + "/chronology"), "triage-manager"},
      {with(f + "/chronology?format=csv"), "triage-manager"},
      {with(f + "/chronology?format=html"), "triage-manager"},
      {with(f + "/step-up-pack"), "triage-manager"},
      {with(f + "/timescales"), "triage-manager"},
      {with(f + "/events?limit=1000"), "auditor"},
      {with(f + "/events?limit=1000&raw=true"), "auditor"},
      {with(f + "/export"), "auditor"},
      {with(f + "/export?format=html"), "auditor"},
      {with(f + "/documents/" + sha), "P1"},
      {"/v1/helpdesk/open-episode?familyId=" + kFamily, "helpdesk"},
      {"/v1/events?limit=1000", "auditor"},
      {"/v1/events?limit=1000&raw=true", "auditor"},
      {"/v1/audit/access?familyId=" + kFamily + "&limit=1000", "auditor"},
      {"/v1/triage/inbox", "triage-manager"},
      {"/v1/reports/timescales", "triage-manager"},
      {"/v1/reports/overdue", "triage-manager"},
      {"/v1/events?limit=1000", "dashboard"},
      {"/metrics", ""},
  };
}

TEST_CASE(
    "erasure leaves nothing: after a family is erased no marker of its free text is in any "
    "answer, any file of the data folder or the server's log",
    "[api][erasure]") {
  TestServer s;
  s.RegisterPractitioner("P1");
  s.RegisterPractitioner("P2");
  CapturedLogs().Clear();
  const std::string sha = BuildFamily(s);

  // Read through every route, each with a marked purpose; between them the reads show every
  // marker but the purpose (which the access log shows, below).
  std::string before;
  for (const auto& [path, label] : Reads(sha, Marker("purpose"))) {
    Response r = s.Get(path, label);
    INFO(path << " as " << label << ": " << r.body.substr(0, 300));
    CHECK(r.status == 200);
    before += r.body;
  }
  before += s.Get("/v1/audit/access?familyId=" + kFamily + "&limit=1000", "auditor").body;
  for (const std::string& f : kFields) {
    INFO("the reads before erasure show " << Marker(f));
    CHECK(before.find(Marker(f)) != std::string::npos);
  }

  // Every file of the data folder. The write-ahead logs and tables hold every value RocksDB
  // was given (an overwritten or deleted one until a compaction drops it), so no compaction
  // is run, and the folder is searched twice: before the erasure (the plaintext must never
  // have been stored: sealed from the start) and after it.
  std::vector<std::string> found;
  auto scan_files = [&](const std::string& when) {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(std::filesystem::path(s.LedgerDir()))) {
      if (entry.is_regular_file()) {
        Scan(when + " " + entry.path().filename().string(), ReadAll(entry.path()), found);
      }
    }
    Scan(when + " tokens", ReadAll(s.TokenFile()), found);
  };
  scan_files("before erasure:");

  Response erased = s.Post("/v1/families/" + kFamily + "/erasure", "admin",
                           R"({"reason":"retention ended","authorisedBy":"DPO1"})");
  INFO(erased.body);
  REQUIRE(erased.status == 200);

  // Every answer about the family, read again after erasure (the reads recorded now carry
  // a marked purpose too: a read of an erased family keeps none).
  for (const auto& [path, label] : Reads(sha, Marker("purpose"))) {
    Response r = s.Get(path, label);
    Scan("GET " + path + " as " + (label.empty() ? "nobody" : label) + " (" +
             std::to_string(r.status) + ")",
         r.body, found);
  }
  Json access = s.Get("/v1/audit/access?familyId=" + kFamily + "&limit=1000", "auditor").json();
  CHECK(access["accesses"].items().size() > 20);
  for (const Json& a : access["accesses"].items()) {
    if (a["purpose"].is_string()) CHECK(a["purpose"].str() == "[erased]");
  }
  scan_files("after erasure:");
  Scan("the server's log", CapturedLogs().Text(), found);

  for (const auto& f : found) UNSCOPED_INFO(f);
  CHECK(found.empty());
}

}  // namespace
}  // namespace caseledger::testing
