// The HTTP API end to end (EVENTS.md "HTTP"): the real server on a free loopback port over a
// real ledger (tests/api/test_server.h), driven with a real HTTP client. Every refusal is
// checked for its status, its JSON error {"error": {"code", "message", ...}} and for having
// appended nothing to the log.
//
// This file: appends, retries, conflicts, rules and malformed input (slow clients:
// slow_clients_test.cc).
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "ledger/merkle.h"
#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------- appends

TEST_CASE(
    "append: 201 with the version and each event's seq, version, eventId, recordedAt and leafHash, "
    "and the same request again is a 200 with the same body, appending nothing",
    "[api]") {
  TestServer s;
  s.Seed();  // family F1: familyRegistered, consentToCheckGiven, episodeOpened (version 3)
  const std::string ids[] = {NewEventId(), NewEventId()};
  const std::string body =
      AppendBody({TestServer::Note("N1", "first visit", s.Now(-5 * kMinute), ids[0]),
                  TestServer::Note("N2", "second visit", s.Now(-4 * kMinute), ids[1])},
                 "3");
  const uint64_t size = s.store().Size();

  Response first = s.Post("/v1/families/F1/events", "P1", body);
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(first.Header("Content-Type").rfind("application/json", 0) == 0);
  Json j = first.json();
  CHECK(j["version"].num() == 5);
  REQUIRE(j["events"].size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const Json& e = j["events"][i];
    CHECK(e["seq"].num() == static_cast<int64_t>(size + 1 + i));
    CHECK(e["version"].num() == static_cast<int64_t>(4 + i));
    CHECK(e["eventId"].str() == ids[i]);
    CHECK(e["recordedAt"].str() == "2026-05-01T12:00:00Z");
    CHECK(IsLowerHex(e["leafHash"].str(), 64));
    auto stored = s.store().ReadSeq(size + 1 + i);
    REQUIRE(stored.ok());
    CHECK(ledger::ToHex(stored->leaf_hash) == e["leafHash"].str());
  }
  CHECK(s.store().Size() == size + 2);

  // A retry (the client never saw the answer), a minute later: the first answer again.
  s.clock().Advance(kMinute);
  for (int retry = 0; retry < 2; ++retry) {
    Response again = s.Post("/v1/families/F1/events", "P1", body);
    CHECK(again.status == 200);
    CHECK(again.body == first.body);
    CHECK(s.store().Size() == size + 2);
  }
  // An eventId reused for other content is not a retry: 409, nothing appended.
  Json reused = Refused(s, 409, "eventIdReused", [&] {
    return s.AppendFamily("F1", "P1",
                          {TestServer::Note("N3", "other text", s.Now(-4 * kMinute), ids[0])}, "5");
  });
  CHECK(reused["message"].str().find(ids[0]) != std::string::npos);
}

TEST_CASE(
    "append: a wrong expectedVersion is a 409 conflict with the stream's currentVersion, appending "
    "nothing",
    "[api]") {
  TestServer s;
  s.Seed();  // F1 is at version 3
  for (const std::string expected : {"2", "0", "7"}) {
    INFO("expectedVersion " << expected);
    Json e = Refused(s, 409, "conflict", [&] {
      return s.AppendFamily("F1", "P1", {TestServer::Note("N1", "visit", s.Now())}, expected);
    });
    CHECK(e["currentVersion"].num() == 3);
  }
  // The right version is taken.
  CHECK(s.AppendFamily("F1", "P1", {TestServer::Note("N1", "visit", s.Now())}, "3").status == 201);
}

TEST_CASE(
    "append: a DOMAIN.md rule refuses with 422 naming the rule (one-open-episode with the "
    "keyworker's contact, consent-before-assessment), and no event of the request is appended",
    "[api]") {
  TestServer s;
  s.Seed();

  const uint64_t before = s.store().Size();
  Json open = RequireError(
      s.AppendFamily(
          "F1", "helpdesk",
          {Event("episodeOpened",
                 R"({"episodeId":"E2","keyworkerId":"P2","registrationCompletedOn":"2026-05-01"})",
                 s.Now())}),
      422, "ruleViolated");
  CHECK(open["rule"].str() == "one-open-episode");
  // Nothing of the request appended; the keyworker's contact it shows is in the access log, as
  // the open-episode check records it.
  REQUIRE(s.store().Size() == before + 1);
  auto shown = s.store().ReadLog(before, 1);
  REQUIRE(shown.ok());
  CHECK(shown->at(0).type == "recordViewed");
  CHECK(shown->at(0).stream == projections::kAccessStream);
  CHECK(shown->at(0).actor.role == "helpdesk");
  CHECK(open["details"]["episodeId"].str() == "E1");
  CHECK(open["details"]["keyworker"]["id"].str() == "P1");
  CHECK(open["details"]["keyworker"]["name"].str() == "Name P1");
  CHECK(open["details"]["keyworker"]["email"].str() == "P1@example.org");

  const std::string started = Event("assessmentStarted", R"({"episodeId":"E1"})", s.Now());
  Json consent =
      Refused(s, 422, "ruleViolated", [&] { return s.AppendFamily("F1", "P1", {started}); });
  CHECK(consent["rule"].str() == "consent-before-assessment");

  // Atomic: a good note before the refused event is not appended either...
  const std::string note = TestServer::Note("N1", "visit", s.Now());
  Json both = Refused(s, 422, "ruleViolated", [&] {
    return s.AppendFamily("F1", "P1",
                          {note, Event("assessmentStarted", R"({"episodeId":"E1"})", s.Now())});
  });
  CHECK(both["rule"].str() == "consent-before-assessment");
  // ...so it can be appended alone now (its eventId was not spent).
  CHECK(s.AppendFamily("F1", "P1", {note}).status == 201);
  s.GiveConsent("F1");
  CHECK(s.AppendFamily("F1", "P1", {Event("assessmentStarted", R"({"episodeId":"E1"})", s.Now())})
            .status == 201);
}

TEST_CASE(
    "append: malformed bodies are a 400 invalidArgument whose field names the mistake (bad JSON, "
    "unknown or missing field, wrong kind, unknown type, wrong Content-Type)",
    "[api]") {
  TestServer s;
  s.Seed();
  const std::string at = s.Now();
  auto post = [&](const std::string& body, const std::string& type = "application/json") {
    return [&s, body, type] { return s.Post("/v1/families/F1/events", "P1", body, type); };
  };

  Refused(s, 400, "invalidArgument", post(R"({"expectedVersion": 3, "events": [)"));
  Refused(s, 400, "invalidArgument", post("not json at all"));

  struct Case {
    std::string why, body, field;
  };
  const std::string id = NewEventId();
  const std::vector<Case> cases = {
      {"an unknown field in data",
       AppendBody({Event("caseNoteAdded",
                         R"({"episodeId":"E1","noteId":"N1","category":"contact","text":"t",)"
                         R"("significant":false,"colour":"red"})",
                         at)}),
       "events[0].data.colour"},
      {"a missing required field",
       AppendBody({Event("caseNoteAdded",
                         R"({"episodeId":"E1","noteId":"N1","category":"contact",)"
                         R"("significant":false})",
                         at)}),
       "events[0].data.text"},
      {"a value of the wrong kind",
       AppendBody({Event("caseNoteAdded",
                         R"({"episodeId":"E1","noteId":"N1","category":"contact","text":"t",)"
                         R"("significant":"yes"})",
                         at)}),
       "events[0].data.significant"},
      {"an unknown type", AppendBody({Event("caseNoteDeleted", R"({"episodeId":"E1"})", at)}),
       "events[0].type"},
      {"an unknown field in the request",
       R"({"expectedVersion":"any","colour":"red","events":[)" + TestServer::Note("N1", "t", at) +
           "]}",
       "colour"},
      {"a missing eventId",
       R"({"expectedVersion":"any","events":[{"type":"assessmentStarted","occurredAt":")" + at +
           R"(","data":{"episodeId":"E1"}}]})",
       "events[0].eventId"},
      {"an empty events list", R"({"expectedVersion":"any","events":[]})", "events"},
  };
  for (const Case& c : cases) {
    INFO(c.why << ": " << c.body);
    Json e = Refused(s, 400, "invalidArgument", post(c.body));
    CHECK(e["field"].str() == c.field);
  }

  // An eventId repeated inside one request.
  Refused(
      s, 400, "invalidArgument",
      post(AppendBody({TestServer::Note("N1", "t", at, id), TestServer::Note("N2", "u", at, id)})));

  // A body that is not sent as JSON.
  Json type = Refused(s, 400, "invalidArgument",
                      post(AppendBody({TestServer::Note("N1", "t", at)}), "text/plain"));
  CHECK(type["field"].str() == "Content-Type");
  Json admin_type = Refused(s, 400, "invalidArgument", [&] {
    return s.Post("/v1/practitioners/P9/events", "admin", AppendBody({}, "0"), "text/plain");
  });
  CHECK(admin_type["field"].str() == "Content-Type");
}

// Found by these tests: cpp-httplib parses an application/x-www-form-urlencoded body into
// req.params, which Dispatch (api/server.cc, "Every query parameter must be one the route
// takes") then judges as query parameters. A JSON body sent with that type is refused as an
// "unknown query parameter" named after the body's text (echoed back, up to 64 characters)
// instead of naming Content-Type; a document sent with that type may supply its own
// ?filename= from its bytes.
TEST_CASE(
    "append and documents: a body sent as application/x-www-form-urlencoded is refused for its "
    "Content-Type, and its content is never taken for query parameters",
    "[api]") {
  TestServer s;
  s.Seed();
  const std::string body = AppendBody({TestServer::Note("N1", "t", s.Now())});
  Json e = Refused(s, 400, "invalidArgument", [&] {
    return s.Post("/v1/families/F1/events", "P1", body, "application/x-www-form-urlencoded");
  });
  CHECK(e["field"].str() == "Content-Type");
  CHECK(e["message"].str().find("query parameter") == std::string::npos);

  // A document whose bytes read as "filename=..." and no ?filename= in the query: the
  // filename is required in the query, so this is a 400 naming it, and nothing is stored.
  Response doc = s.Post("/v1/families/F1/documents", "P1", "filename=from-the-body.pdf",
                        "application/x-www-form-urlencoded");
  INFO(doc.body);
  CHECK(doc.status == 400);
  CHECK(doc.json()["error"]["field"].str() == "filename");
  CHECK(
      s.Get("/v1/families/F1/documents/" + Sha256Hex("filename=from-the-body.pdf"), "P1").status ==
      404);
  // With ?filename= given, the body's own "filename=" is not a repeated query parameter: the
  // answer is about the media type (not on the documents' allow-list), not a 400.
  Response both = s.Post("/v1/families/F1/documents?filename=a.pdf", "P1", "filename=b.pdf",
                         "application/x-www-form-urlencoded");
  INFO(both.body);
  CHECK(both.status == 415);
}

TEST_CASE(
    "paths and queries: a bad id in the path, an unknown or repeated query parameter and a bad "
    "parameter value are a 400 naming it, with nothing appended (not even an access event), and an "
    "unknown route is a JSON 404",
    "[api]") {
  TestServer s;
  s.Seed();
  const std::string long_id(70, 'a');
  const std::string note = AppendBody({TestServer::Note("N1", "t", s.Now())});

  for (const std::string& bad : {long_id, std::string("a.b"), std::string("F1%20x")}) {
    INFO("family id " << bad);
    CHECK(Refused(s, 400, "invalidArgument",
                  [&] { return s.Post("/v1/families/" + bad + "/events", "P1", note); })["field"]
              .str() == "familyId");
    for (const std::string view : {"", "/chronology", "/events", "/timescales"}) {
      INFO("view " << view);
      CHECK(Refused(s, 400, "invalidArgument",
                    [&] { return s.Get("/v1/families/" + bad + view, "auditor"); })["field"]
                .str() == "familyId");
    }
  }
  CHECK(Refused(s, 400, "invalidArgument",
                [&] { return s.Post("/v1/practitioners/a.b/events", "admin", note); })["field"]
            .str() == "practitionerId");

  struct Case {
    std::string label, path, field;
  };
  const std::vector<Case> cases = {
      {"P1", "/v1/families/F1?colour=red", "colour"},
      {"P1", "/v1/families/F1/chronology?colour=red", "colour"},
      {"P1", "/v1/families/F1/events?colour=red", "colour"},
      {"P1", "/v1/families/F1/timescales?colour=red", "colour"},
      {"auditor", "/v1/events?colour=red", "colour"},
      {"auditor", "/v1/reports/overdue?colour=red", "colour"},
      {"P1", "/v1/families/F1?asOfSeq=1&asOfSeq=2", "asOfSeq"},
      {"P1", "/v1/families/F1?asOf=yesterday", "asOf"},
      {"P1", "/v1/families/F1?asOfSeq=999999", "asOfSeq"},
      {"P1", "/v1/families/F1/chronology?format=pdf", "format"},
      {"P1", "/v1/families/F1/chronology?category=gossip", "category"},
      {"P1", "/v1/families/F1/chronology?from=2026-13-01", "from"},
      {"P1", "/v1/families/F1/events?limit=0", "limit"},
      {"P1", "/v1/families/F1/timescales?on=tomorrow", "on"},
      {"helpdesk", "/v1/helpdesk/open-episode", "familyId"},
      {"helpdesk", "/v1/helpdesk/open-episode?familyId=a.b", "familyId"},
      {"auditor", "/v1/events?after=x", "after"},
      {"auditor", "/v1/ledger/proofs/inclusion", "seq"},
      {"auditor", "/v1/ledger/proofs/inclusion?seq=99999", "seq"},
      {"auditor", "/v1/audit/access", "familyId"},
  };
  for (const Case& c : cases) {
    INFO(c.label << " GET " << c.path);
    CHECK(
        Refused(s, 400, "invalidArgument", [&] { return s.Get(c.path, c.label); })["field"].str() ==
        c.field);
  }

  Json none = Refused(s, 404, "notFound", [&] { return s.Get("/v1/nothing-here", "auditor"); });
  CHECK(none["message"].str().find("no route") != std::string::npos);
  // A known path with a method it does not take: 405 naming the methods it does.
  Response wrong = s.Post("/v1/families/F1", "P1", note);
  RequireError(wrong, 405, "invalidArgument");
  CHECK(wrong.Header("Allow") == "GET");
  CHECK(s.store().Size() == 9);
}

TEST_CASE(
    "append: a body over ServerOptions.max_body_bytes is a 413 with a JSON error, and nothing is "
    "appended or stored",
    "[api]") {
  api::ServerOptions options;
  options.max_body_bytes = 4096;
  TestServer s(options);
  s.Seed();
  const std::string big = AppendBody({TestServer::Note("N1", std::string(8000, 'x'), s.Now())});
  REQUIRE(big.size() > 4096);
  Refused(s, 413, "tooLarge", [&] { return s.Post("/v1/families/F1/events", "P1", big); });
  Refused(s, 413, "tooLarge", [&] {
    return s.Post("/v1/families/F1/documents?filename=big.pdf", "P1", std::string(8000, 'y'),
                  "application/pdf");
  });
  RequireError(s.Get("/v1/families/F1/documents/" + Sha256Hex(std::string(8000, 'y')), "P1"), 404,
               "notFound");
  // A body under the limit still goes through.
  CHECK(s.AppendFamily("F1", "P1", {TestServer::Note("N1", "short", s.Now())}).status == 201);
}

}  // namespace
}  // namespace caseledger::testing
