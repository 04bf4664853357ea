// The triage queue over HTTP (issue 21 item 2): one row per family, the one that most needs
// attention first, with the concern as the record says it (corrections applied), the last
// contact, and a read recorded for each family whose concerns it shows.
#include <catch2/catch.hpp>

#include <string>

#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

constexpr int64_t kDay = 24 * kHour;

void Ok(const Response& r) {
  INFO(r.body);
  REQUIRE(r.status == 201);
}

Json Queue(TestServer& s, const std::string& query = "",
           const std::string& label = "triage-manager") {
  Response r = s.Get("/v1/triage/queue" + query, label);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json();
}

// The views of `family` in the access log, as the auditor lists them.
std::vector<std::string> Views(TestServer& s, const std::string& family) {
  Response r = s.Get("/v1/audit/access?familyId=" + family, "auditor");
  INFO(r.body);
  REQUIRE(r.status == 200);
  std::vector<std::string> out;
  const Json accesses = r.json();
  for (const Json& a : accesses["accesses"].items()) out.push_back(a["view"].str());
  return out;
}

TEST_CASE(
    "triage queue: a family with a concern awaiting a direction comes first with its days "
    "waiting and the summary as corrected, a contact note is its last contact, a direction "
    "takes it down the queue",
    "[api][triage]") {
  TestServer s;
  s.Seed();  // F1: E1 open, keyworker P1, no consent
  s.RegisterFamily("F2");
  s.GiveConsent("F2");
  Ok(s.AppendFamily("F2", "P1", {TestServer::Note("N1", "home visit", s.Now(-kHour))}));
  Ok(s.AppendFamily(
      "F1", "triage-manager",
      {Event("concernReceived",
             R"({"concernId":"K1","source":"police","kind":"domesticAbuseNotification",)"
             R"("summary":"called to the hmoe","aboveThreshold":false})",
             s.Now(-kMinute))}));
  // The concern's seq, for its correction.
  std::string concern_seq;
  const Json events = s.Get("/v1/families/F1/events", "auditor").json();
  for (const Json& e : events["events"].items()) {
    if (e["type"].str() == "concernReceived") concern_seq = e["seq"].str();
  }
  REQUIRE_FALSE(concern_seq.empty());
  Ok(s.AppendFamily(
      "F1", "triage-manager",
      {Event("recordCorrected",
             R"({"correctsSeq":)" + concern_seq +
                 R"(,"reason":"typo","replacement":{"concernId":"K1","source":"police",)"
                 R"("kind":"domesticAbuseNotification","summary":"called to the home",)"
                 R"("aboveThreshold":false}})",
             s.Now())}));
  s.clock().Advance(3 * kDay);

  Json q = Queue(s);
  CHECK(q["families"].num() == 2);
  CHECK(q["awaitingDirection"].num() == 1);
  REQUIRE(q["queue"].size() == 2);
  const Json& first = q["queue"][0];
  CHECK(first["familyId"].str() == "F1");
  CHECK(first["rank"].num() == 1);
  CHECK(first["tier"].num() == 1);
  REQUIRE(first["awaiting"].size() == 1);
  CHECK(first["awaiting"][0]["concernId"].str() == "K1");
  CHECK(first["awaiting"][0]["kind"].str() == "domesticAbuseNotification");
  CHECK(first["awaiting"][0]["summary"].str() == "called to the home");
  CHECK(first["awaiting"][0]["daysWaiting"].num() == 3);
  CHECK(first["consent"].str() == "notYetGiven");
  CHECK(first["why"][0].str() == "1 concern awaiting a direction, the oldest for 3 days");
  CHECK(first["lastContactOn"].is_null());
  const Json& second = q["queue"][1];
  CHECK(second["familyId"].str() == "F2");
  CHECK(second["consent"].str() == "given");
  CHECK(second["lastContactOn"].str() == "2026-05-01");
  CHECK(second["awaiting"].size() == 0);
  // A read of F1's record (its concern shown; "events" is the auditor's read above), none of
  // F2's (ids and timescales only).
  CHECK(Views(s, "F1") == std::vector<std::string>{"events", "triageInbox"});
  CHECK(Views(s, "F2").empty());

  // As of before the concern: F1 had nothing awaiting, and the day judged is that moment's.
  Json then = Queue(s, "?asOfSeq=" + std::to_string(std::stoull(concern_seq) - 1));
  CHECK(then["awaitingDirection"].num() == 0);
  CHECK(then["on"].str() == "2026-05-01");

  Ok(s.AppendFamily(
      "F1", "triage-manager",
      {Event("triageDirectionGiven",
             R"({"concernId":"K1","direction":"keyworker to visit within 2 days"})", s.Now())}));
  Json after = Queue(s);
  CHECK(after["awaitingDirection"].num() == 0);
  CHECK(after["queue"][0]["familyId"].str() == "F1");  // no contact recorded: first of tier 3
  CHECK(after["queue"][0]["tier"].num() == 3);
}

TEST_CASE(
    "triage queue: the roles that oversee may read it, a practitioner, the helpdesk and a "
    "dashboard are refused, a bad day is refused naming it",
    "[api][triage]") {
  TestServer s;
  s.Seed();
  for (const char* role : {"triage-manager", "coordinator", "auditor"}) {
    Response r = s.Get("/v1/triage/queue", role);
    INFO(role << ": " << r.body);
    CHECK(r.status == 200);
  }
  for (const char* role : {"P1", "helpdesk", "dashboard"}) {
    Response r = s.Get("/v1/triage/queue", role);
    INFO(role << ": " << r.body);
    CHECK(r.status == 403);
  }
  Response bad = s.Get("/v1/triage/queue?on=2026-13-01", "triage-manager");
  INFO(bad.body);
  CHECK(bad.status == 400);
  CHECK(bad.json()["error"]["field"].str() == "on");
  CHECK(Queue(s, "?on=2026-05-10")["on"].str() == "2026-05-10");
}

TEST_CASE(
    "access log: the reads one page view makes of a family (the same page id) are recorded "
    "once, another page or the same id a minute later again, and a bad page id is refused",
    "[api][access]") {
  TestServer s;
  s.Seed();
  const auto read = [&](const std::string& path, const std::string& page) {
    Response r = s.Get(
        "/v1/families/F1" + path + "?purpose=family%20page" + (page.empty() ? "" : "&page=" + page),
        "triage-manager");
    INFO(path << " " << r.body);
    REQUIRE(r.status == 200);
  };
  const std::string page = "9b2f0c1e-6a7d-4c1b-9f3e-2d5a8c7b6e41";
  read("", page);
  read("/step-up-pack", page);
  read("/chronology", page);
  CHECK(Views(s, "F1") == std::vector<std::string>{"state"});
  read("/step-up-pack", "another-page");
  CHECK(Views(s, "F1") == std::vector<std::string>{"state", "stepUpPack"});
  s.clock().Advance(61 * 1000 * 1000);
  read("", page);
  read("/timescales", "");
  read("/timescales", "");
  CHECK(Views(s, "F1") ==
        std::vector<std::string>{"state", "stepUpPack", "state", "timescales", "timescales"});
  for (const char* bad : {"a%20b", "x%2Fy", "%C3%A9"}) {
    Response r = s.Get(std::string("/v1/families/F1?page=") + bad, "triage-manager");
    INFO(bad << ": " << r.body);
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["field"].str() == "page");
  }
  Response long_page = s.Get("/v1/families/F1?page=" + std::string(65, 'a'), "triage-manager");
  CHECK(long_page.status == 400);
  CHECK(Views(s, "F1").size() == 5);
}

}  // namespace
}  // namespace caseledger::testing
