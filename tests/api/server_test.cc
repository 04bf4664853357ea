// The HTTP API end to end (EVENTS.md "HTTP"): the real server on a free loopback port over a
// real ledger (tests/api/test_server.h), driven with a real HTTP client. Every refusal is
// checked for its status, its JSON error {"error": {"code", "message", ...}} and for having
// appended nothing to the log.
#include <sys/stat.h>
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

// `request` must be refused with `status` and the JSON error `code`, and append nothing;
// returns the "error" object.
Json Refused(TestServer& s, int status, const std::string& code,
             const std::function<Response()>& request) {
  const uint64_t before = s.store().Size();
  Response r = request();
  Json error = RequireError(r, status, code);
  CHECK(s.store().Size() == before);
  return error;
}

bool IsLowerHex(const std::string& s, size_t size) {
  return s.size() == size && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string Sha256Hex(const std::string& bytes) { return ledger::ToHex(ledger::Sha256(bytes)); }

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

  Json open = Refused(s, 422, "ruleViolated", [&] {
    return s.AppendFamily(
        "F1", "helpdesk",
        {Event("episodeOpened",
               R"({"episodeId":"E2","keyworkerId":"P2","registrationCompletedOn":"2026-05-01"})",
               s.Now())});
  });
  CHECK(open["rule"].str() == "one-open-episode");
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
  // With ?filename= given, the body's own "filename=" is not a repeated query parameter.
  Response both = s.Post("/v1/families/F1/documents?filename=a.pdf", "P1", "filename=b.pdf",
                         "application/x-www-form-urlencoded");
  INFO(both.body);
  CHECK(both.status == 201);
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

// ---------------------------------------------------------------- reads as of

TEST_CASE(
    "reads as of: each family read with asOf (recorded time) or asOfSeq leaves out an event "
    "recorded later however far back it is dated, which the current read has, and both together "
    "are a 400",
    "[api]") {
  TestServer s;
  s.Seed();
  s.GiveConsent("F1");

  // T1: a note, recorded at 13:00.
  s.clock().Advance(kHour);
  const std::string t1 = s.Now();
  Response note =
      s.AppendFamily("F1", "P1", {TestServer::Note("N1", "visit", s.Now(-10 * kMinute))});
  REQUIRE(note.status == 201);
  const int64_t seq1 = note.json()["events"][0]["seq"].num();

  // T2, a day later: the assessment finalised, dated before the note (a late entry).
  s.clock().Advance(kDay);
  const std::string late_id = NewEventId();
  Response late =
      s.AppendFamily("F1", "P1",
                     {Event("assessmentFinalised",
                            R"({"episodeId":"E1","signedByFamily":true,"copyGivenToFamily":true})",
                            "2026-05-01T12:30:00Z", late_id)});
  REQUIRE(late.status == 201);
  const int64_t seq2 = late.json()["events"][0]["seq"].num();

  // T1 as recorded, the same instant with an offset ("+" sent as %2B), and T1's seq.
  const std::vector<std::string> as_ofs = {"asOf=" + t1, "asOf=2026-05-01T14:00:00%2B01:00",
                                           "asOfSeq=" + std::to_string(seq1)};
  for (const std::string& as_of : as_ofs) {
    INFO(as_of);
    auto read = [&](const std::string& view, const std::string& query) {
      Response r = s.Get("/v1/families/F1" + view + (query.empty() ? "" : "?" + query), "P1");
      INFO(view << "?" << query << ": " << r.body);
      REQUIRE(r.status == 200);
      return r.json();
    };

    Json then = read("", as_of), now = read("", "");
    CHECK(then["asOfSeq"].num() == seq1);
    CHECK(then["version"].num() == 5);
    CHECK_FALSE(then["episodes"][0]["assessment"]["finalised"].boolean());
    CHECK(now["version"].num() == 6);
    CHECK(now["episodes"][0]["assessment"]["finalised"].boolean());

    auto seqs = [](const Json& list) {
      std::vector<int64_t> out;
      for (const Json& e : list.items()) out.push_back(e["seq"].num());
      return out;
    };
    Json chron_then = read("/chronology", as_of), chron_now = read("/chronology", "");
    std::vector<int64_t> then_seqs = seqs(chron_then["entries"]),
                         now_seqs = seqs(chron_now["entries"]);
    CHECK(std::count(then_seqs.begin(), then_seqs.end(), seq1) == 1);
    CHECK(std::count(then_seqs.begin(), then_seqs.end(), seq2) == 0);
    // The chronology is in the order things happened: the late entry sits before the note.
    auto at1 = std::find(now_seqs.begin(), now_seqs.end(), seq1);
    auto at2 = std::find(now_seqs.begin(), now_seqs.end(), seq2);
    REQUIRE(at1 != now_seqs.end());
    REQUIRE(at2 != now_seqs.end());
    CHECK(at2 < at1);

    Json events_then = read("/events", as_of), events_now = read("/events", "");
    std::vector<std::string> then_ids, now_ids;
    for (const Json& e : events_then["events"].items()) then_ids.push_back(e["eventId"].str());
    for (const Json& e : events_now["events"].items()) now_ids.push_back(e["eventId"].str());
    CHECK(then_ids.size() == 5);
    CHECK(std::count(then_ids.begin(), then_ids.end(), late_id) == 0);
    CHECK(now_ids.size() == 6);
    CHECK(now_ids.back() == late_id);

    auto assessment = [](const Json& timescales) {
      for (const Json& t : timescales["episodes"][0]["timescales"].items()) {
        if (t["id"].str() == "assessment-3-weeks") return t["state"].str();
      }
      return std::string("absent");
    };
    CHECK(assessment(read("/timescales", as_of)) == "onTrack");
    CHECK(assessment(read("/timescales", "")) == "met");
  }

  // Before the family existed: nothing to show.
  RequireError(s.Get("/v1/families/F1?asOf=2026-04-01T00:00:00Z", "P1"), 404, "notFound");

  for (const std::string view : {"", "/chronology", "/events", "/timescales"}) {
    INFO("view " << view);
    Json both = Refused(s, 400, "invalidArgument", [&] {
      return s.Get("/v1/families/F1" + view + "?asOf=" + t1 + "&asOfSeq=" + std::to_string(seq1),
                   "P1");
    });
    CHECK(both["field"].str() == "asOfSeq");
  }
}

// ---------------------------------------------------------------- who may do what

// A request of the role matrix: what one route is asked, with `auth` as the credentials.
using Call = std::function<Response(const httplib::Headers& auth)>;

TEST_CASE(
    "roles: every route of the route table answers each role as its roles list and api/policy.h "
    "say, no token is a 401 with WWW-Authenticate, a bad token a 401, and a refusal appends "
    "nothing",
    "[api]") {
  TestServer s;
  s.Seed();
  s.GiveConsent("F1");
  // A stored and recorded document of F1, for the document route.
  const std::string pdf = "%PDF-1.4 letter";
  Response stored =
      s.Post("/v1/families/F1/documents?filename=letter.pdf", "P1", pdf, "application/pdf");
  REQUIRE(stored.status == 201);
  const std::string sha = stored.json()["sha256"].str();
  REQUIRE(s.AppendFamily("F1", "P1",
                         {Event("documentUploaded",
                                R"({"episodeId":"E1","documentId":"D1","filename":"letter.pdf",)"
                                R"("mediaType":"application/pdf","sha256":")" +
                                    sha + R"(","size":)" + std::to_string(pdf.size()) + "}",
                                s.Now())})
              .status == 201);

  int n = 0;  // fresh ids for every write
  auto get = [&](const std::string& path) {
    return Call([&s, path](const httplib::Headers& auth) { return s.GetWith(path, auth); });
  };
  const std::map<std::string, Call> calls = {
      {"GET /healthz", get("/healthz")},
      {"GET /metrics", get("/metrics")},
      {"GET /v1/openapi.json", get("/v1/openapi.json")},
      // A case note on F1: a practitioner involved, triage managers and coordinators may
      // record one; helpdesk and admin may use the route but not for case notes (policy.h).
      {"POST /v1/families/{id}/events",
       [&](const httplib::Headers& auth) {
         ++n;
         return s.PostWith(
             "/v1/families/F1/events", auth,
             AppendBody({TestServer::Note("NM" + std::to_string(n), "matrix", s.Now())}),
             "application/json");
       }},
      {"POST /v1/practitioners/{id}/events",
       [&](const httplib::Headers& auth) {
         ++n;
         const std::string id = "PX" + std::to_string(n);
         return s.PostWith(
             "/v1/practitioners/" + id + "/events", auth,
             AppendBody({Event("practitionerRegistered",
                               R"({"name":"X","agency":"health","email":"x@e.org"})", s.Now())},
                        "0"),
             "application/json");
       }},
      {"POST /v1/families/{id}/documents",
       [&](const httplib::Headers& auth) {
         return s.PostWith("/v1/families/F1/documents?filename=letter.pdf", auth, pdf,
                           "application/pdf");
       }},
      {"GET /v1/families/{id}/documents/{sha256}", get("/v1/families/F1/documents/" + sha)},
      {"GET /v1/families/{id}", get("/v1/families/F1")},
      {"GET /v1/families/{id}/chronology", get("/v1/families/F1/chronology")},
      {"GET /v1/families/{id}/events", get("/v1/families/F1/events")},
      {"GET /v1/families/{id}/timescales", get("/v1/families/F1/timescales")},
      {"GET /v1/helpdesk/open-episode", get("/v1/helpdesk/open-episode?familyId=F1")},
      {"GET /v1/triage/inbox", get("/v1/triage/inbox")},
      {"GET /v1/reports/timescales", get("/v1/reports/timescales")},
      {"GET /v1/reports/overdue", get("/v1/reports/overdue")},
      {"GET /v1/events", get("/v1/events")},
      {"GET /v1/events/live",
       [&](const httplib::Headers& auth) {
         // From the first event, so that a frame comes at once; hang up after it.
         return Stream(s, "/v1/events/live?after=0", auth, [](const std::string& body) {
           return body.find("\n\n") != std::string::npos;
         });
       }},
      {"GET /v1/ledger/checkpoint", get("/v1/ledger/checkpoint")},
      {"GET /v1/ledger/proofs/inclusion", get("/v1/ledger/proofs/inclusion?seq=1")},
      {"GET /v1/ledger/proofs/consistency", get("/v1/ledger/proofs/consistency?from=1")},
      {"GET /v1/audit/access", get("/v1/audit/access?familyId=F1")},
  };

  // The expected status of each route for each caller. P1 is F1's keyworker; P2 is a
  // practitioner with no part in F1 (policy.h: practitioners read and write only families
  // they work on). "open" routes need no token.
  constexpr int ok = 200, made = 201, no = 403;
  struct Row {
    std::string route;
    std::vector<int> status;  // in the order of TestServer::Labels()
  };
  // clang-format off
  const std::vector<Row> table = {
    //  route                                           P1    P2    help  triage coord audit dash  admin
      {"GET /healthz",                                 {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /metrics",                                 {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /v1/openapi.json",                         {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"POST /v1/families/{id}/events",                {made, no,   no,   made,  made, no,   no,   no}},
      {"POST /v1/practitioners/{id}/events",           {no,   no,   no,   no,    no,   no,   no,   made}},
      {"POST /v1/families/{id}/documents",             {made, no,   no,   made,  made, no,   no,   no}},
      {"GET /v1/families/{id}/documents/{sha256}",     {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families/{id}",                        {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families/{id}/chronology",             {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families/{id}/events",                 {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families/{id}/timescales",             {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/helpdesk/open-episode",                {ok,   ok,   ok,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/triage/inbox",                         {no,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/reports/timescales",                   {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /v1/reports/overdue",                      {no,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/events",                               {no,   no,   no,   no,    no,   ok,   ok,   no}},
      {"GET /v1/events/live",                          {no,   no,   no,   no,    no,   ok,   ok,   no}},
      {"GET /v1/ledger/checkpoint",                    {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /v1/ledger/proofs/inclusion",              {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /v1/ledger/proofs/consistency",            {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /v1/audit/access",                         {no,   no,   no,   no,    no,   ok,   no,   no}},
  };
  // clang-format on
  const std::set<std::string> open = {"GET /healthz", "GET /metrics", "GET /v1/openapi.json"};

  // The table covers the route table exactly (as /v1/openapi.json lists it).
  Json api = s.Get("/v1/openapi.json").json();
  std::set<std::string> listed, tabled;
  for (const auto& [path, methods] : api["paths"].members()) {
    for (const auto& [method, op] : methods.members()) {
      std::string m = method;
      for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      listed.insert(m + " " + path);
    }
  }
  for (const Row& row : table) {
    tabled.insert(row.route);
    REQUIRE(calls.count(row.route) == 1);
    REQUIRE(row.status.size() == TestServer::Labels().size());
  }
  CHECK(listed == tabled);

  const std::string unknown_token = "cl_0123456789abcdef_" + std::string(64, 'a');
  for (const Row& row : table) {
    INFO("route " << row.route);
    const Call& call = calls.at(row.route);
    for (size_t i = 0; i < row.status.size(); ++i) {
      const std::string& label = TestServer::Labels()[i];
      INFO("as " << label);
      const uint64_t before = s.store().Size();
      Response r = call(TestServer::Auth(s.Token(label)));
      INFO("answer " << r.status << ": " << r.body.substr(0, 300));
      CHECK(r.status == row.status[i]);
      if (row.status[i] == no) {
        RequireError(r, 403, "permissionDenied");
        CHECK(s.store().Size() == before);
      }
    }
    // No token, a malformed one, an unknown one, another scheme.
    const std::vector<httplib::Headers> bad = {
        {},
        TestServer::Auth("not-a-token"),
        TestServer::Auth(unknown_token),
        {{"Authorization", "Basic " + s.Token("auditor")}},
        {{"Authorization", s.Token("auditor")}},
    };
    for (size_t b = 0; b < bad.size(); ++b) {
      INFO("bad credentials #" << b);
      const uint64_t before = s.store().Size();
      Response r = call(bad[b]);
      if (open.count(row.route) != 0) {
        CHECK(r.status == 200);
        continue;
      }
      RequireError(r, 401, "unauthenticated");
      CHECK(r.Header("WWW-Authenticate").rfind("Bearer", 0) == 0);
      CHECK(r.body.find(s.Token("auditor")) == std::string::npos);
      CHECK(s.store().Size() == before);
    }
  }

  // The dashboard gets the feed without the events' data or actor; the auditor with them.
  Json redacted = s.Get("/v1/events?limit=1000", "dashboard").json();
  CHECK(redacted["redacted"].boolean());
  REQUIRE(redacted["events"].size() > 0);
  for (const Json& e : redacted["events"].items()) {
    CHECK_FALSE(e.Has("data"));
    CHECK_FALSE(e.Has("actor"));
    CHECK(e.Has("seq"));
    CHECK(e.Has("type"));
  }
  CHECK(s.Get("/v1/events?limit=1000", "dashboard").body.find(kChildName) == std::string::npos);
  Json full = s.Get("/v1/events?limit=1000", "auditor").json();
  CHECK(full.Has("redacted"));
  CHECK_FALSE(full["redacted"].boolean());
  CHECK(full["events"][0].Has("data"));
  // raw=true is for the auditor alone.
  RequireError(s.Get("/v1/events?raw=true", "dashboard"), 403, "permissionDenied");
  CHECK(s.Get("/v1/events?raw=true", "auditor").status == 200);
}

// ---------------------------------------------------------------- the access log

TEST_CASE(
    "access log: each read of a family is a recordViewed event in the same log, listed by "
    "/v1/audit/access in order with the reader and the view, a refused read is not, and the access "
    "events are in the feed with inclusion proofs",
    "[api]") {
  TestServer s;
  s.Seed();
  const uint64_t before = s.store().Size();

  for (const std::string view : {"", "/chronology", "/timescales"}) {
    s.clock().Advance(kSecond);
    CHECK(s.Get("/v1/families/F1" + view, "P1").status == 200);
  }
  RequireError(s.Get("/v1/families/F1", "P2"), 403, "permissionDenied");
  CHECK(s.store().Size() == before + 3);  // one access event per answered read

  Response listed = s.Get("/v1/audit/access?familyId=F1", "auditor");
  INFO(listed.body);
  REQUIRE(listed.status == 200);
  Json access = listed.json();
  CHECK(access["familyId"].str() == "F1");
  REQUIRE(access["accesses"].size() == 3);
  const std::vector<std::string> views = {"state", "chronology", "timescales"};
  std::vector<int64_t> seqs;
  for (size_t i = 0; i < 3; ++i) {
    const Json& a = access["accesses"][i];
    CHECK(a["actor"]["id"].str() == "P1");
    CHECK(a["actor"]["role"].str() == "practitioner");
    CHECK(a["view"].str() == views[i]);
    CHECK(a["recordedAt"].str() == ledger::FormatRfc3339(Rfc3339("2026-05-01T12:00:00Z") +
                                                         static_cast<int64_t>(i + 1) * kSecond));
    seqs.push_back(a["seq"].num());
    if (i > 0) CHECK(seqs[i] > seqs[i - 1]);
  }
  CHECK(listed.body.find("\"P2\"") == std::string::npos);

  // The same events in the log, as the auditor's feed shows them.
  Json feed = s.Get("/v1/events?after=" + std::to_string(before) + "&limit=10", "auditor").json();
  std::vector<int64_t> access_seqs;
  for (const Json& e : feed["events"].items()) {
    if (e["stream"].str() != "access") continue;
    CHECK(e["type"].str() == "recordViewed");
    CHECK(e["data"]["familyId"].str() == "F1");
    access_seqs.push_back(e["seq"].num());
  }
  REQUIRE(access_seqs.size() >= 3);
  CHECK(std::vector<int64_t>(access_seqs.begin(), access_seqs.begin() + 3) == seqs);

  // ...each proven to be in the tree of the current checkpoint.
  const int64_t seq = seqs[1];
  Json proof = s.Get("/v1/ledger/proofs/inclusion?seq=" + std::to_string(seq), "auditor").json();
  CHECK(proof["leafIndex"].num() == seq - 1);
  CHECK(proof["size"].num() == static_cast<int64_t>(s.store().Size()));
  std::vector<ledger::Hash> path;
  for (const Json& h : proof["hashes"].items()) {
    REQUIRE(IsLowerHex(h.str(), 64));
    path.push_back(*ledger::HashFromHex(h.str()));
  }
  auto leaf = s.store().ReadSeq(static_cast<uint64_t>(seq));
  REQUIRE(leaf.ok());
  const ledger::Checkpoint cp = s.store().CurrentCheckpoint();
  CHECK(ledger::VerifyInclusion(leaf->leaf_hash, static_cast<uint64_t>(seq - 1), cp.size, path,
                                cp.root));
}

// ---------------------------------------------------------------- the live feed

TEST_CASE(
    "live feed: an event appended while /v1/events/live is open arrives as an SSE frame (id: seq, "
    "event: type) within seconds, Last-Event-ID: N resumes after N, and dashboards get frames "
    "without data",
    "[api]") {
  TestServer s;
  s.Seed();
  const std::string text = "live note";

  Response live;
  const httplib::Headers auditor = TestServer::Auth(s.Token("auditor"));
  std::jthread reader([&] {
    live = Stream(
        s, "/v1/events/live", auditor,
        [](const std::string& body) {
          return body.find("event: caseNoteAdded\n") != std::string::npos &&
                 body.find("\n\n", body.find("event: caseNoteAdded\n")) != std::string::npos;
        },
        8s);
  });
  // Once the server counts the stream, it reads from the log's size at that moment.
  const bool opened = Eventually([&] {
    return s.Get("/metrics").body.find("caseledger_live_streams 1\n") != std::string::npos;
  });
  const auto appended_at = std::chrono::steady_clock::now();
  Response note = s.AppendFamily("F1", "P1", {TestServer::Note("N1", text, s.Now())});
  reader.join();
  const auto waited = std::chrono::steady_clock::now() - appended_at;
  REQUIRE(opened);
  REQUIRE(note.status == 201);
  const uint64_t seq = static_cast<uint64_t>(note.json()["events"][0]["seq"].num());

  INFO(live.body);
  CHECK(live.status == 200);
  CHECK(live.Header("Content-Type").rfind("text/event-stream", 0) == 0);
  CHECK(waited < 5s);
  std::vector<SseFrame> frames = SseFrames(live.body);
  REQUIRE_FALSE(frames.empty());
  CHECK(frames.front().id == seq);
  CHECK(frames.front().event == "caseNoteAdded");
  Json data = Json::Parse(frames.front().data).value_or(Json());
  CHECK(data["seq"].num() == static_cast<int64_t>(seq));
  CHECK(data["data"]["text"].str() == text);
  CHECK(live.body.find("id: " + std::to_string(seq) + "\nevent: caseNoteAdded\ndata: {") !=
        std::string::npos);

  // Resuming: everything after N, in order, at once.
  const uint64_t after = seq - 2;
  auto upto = [seq](const std::string& body) {
    for (const SseFrame& f : SseFrames(body)) {
      if (f.id >= seq) return true;
    }
    return false;
  };
  httplib::Headers resume = TestServer::Auth(s.Token("auditor"));
  resume.emplace("Last-Event-ID", std::to_string(after));
  Response resumed = Stream(s, "/v1/events/live", resume, upto);
  CHECK(resumed.status == 200);
  frames = SseFrames(resumed.body);
  REQUIRE(frames.size() >= 2);
  for (size_t i = 0; i < frames.size(); ++i) CHECK(frames[i].id == after + 1 + i);

  httplib::Headers dashboard = TestServer::Auth(s.Token("dashboard"));
  dashboard.emplace("Last-Event-ID", std::to_string(after));
  Response redacted = Stream(s, "/v1/events/live", dashboard, upto);
  CHECK(redacted.status == 200);
  frames = SseFrames(redacted.body);
  REQUIRE_FALSE(frames.empty());
  for (const SseFrame& f : frames) {
    Json e = Json::Parse(f.data).value_or(Json());
    CHECK(e["seq"].num() == static_cast<int64_t>(f.id));
    CHECK_FALSE(e.Has("data"));
    CHECK_FALSE(e.Has("actor"));
  }
  CHECK(redacted.body.find(text) == std::string::npos);

  RequireError(s.GetWith("/v1/events/live", {{"Last-Event-ID", "1"}}), 401, "unauthenticated");
}

TEST_CASE(
    "live feed: a stream beyond ServerOptions.max_live_streams is a 503 unavailable with a JSON "
    "error",
    "[api]") {
  api::ServerOptions options;
  options.max_live_streams = 1;
  TestServer s(options);
  s.Seed();
  const httplib::Headers dashboard = TestServer::Auth(s.Token("dashboard"));
  auto frame = [](const std::string& body) { return body.find("\n\n") != std::string::npos; };

  Response held;
  std::jthread first([&] { held = Stream(s, "/v1/events/live", dashboard, frame, 8s); });
  const bool opened = Eventually([&] {
    return s.Get("/metrics").body.find("caseledger_live_streams 1\n") != std::string::npos;
  });
  Response second = Stream(s, "/v1/events/live", dashboard, frame);
  // An event ends the first stream (its client hangs up after one frame).
  CHECK(s.AppendFamily("F1", "P1", {TestServer::Note("N1", "t", s.Now())}).status == 201);
  first.join();
  REQUIRE(opened);
  CHECK(held.status == 200);
  RequireError(second, 503, "unavailable");
}

// ---------------------------------------------------------------- documents

TEST_CASE(
    "documents: the bytes are stored (201 sha256 and size), recorded by a documentUploaded that "
    "names them, read back the same by a reader of the family, and an unstored sha256 is refused "
    "by known-references",
    "[api]") {
  TestServer s;
  s.Seed();
  std::string pdf = "%PDF-1.4\n";
  for (int i = 0; i < 512; ++i) pdf.push_back(static_cast<char>(i % 256));  // every byte

  const uint64_t before = s.store().Size();
  Response stored =
      s.Post("/v1/families/F1/documents?filename=letter.pdf", "P1", pdf, "application/pdf");
  INFO(stored.body);
  REQUIRE(stored.status == 201);
  Json j = stored.json();
  CHECK(j["sha256"].str() == Sha256Hex(pdf));
  CHECK(j["size"].num() == static_cast<int64_t>(pdf.size()));
  CHECK(s.store().Size() == before);  // bytes only: the event records them

  auto uploaded = [&](const std::string& id, const std::string& sha) {
    return Event("documentUploaded",
                 R"({"episodeId":"E1","documentId":")" + id +
                     R"(","filename":"letter.pdf","mediaType":"application/pdf","sha256":")" + sha +
                     R"(","size":)" + std::to_string(pdf.size()) + "}",
                 s.Now());
  };
  CHECK(s.AppendFamily("F1", "P1", {uploaded("D1", Sha256Hex(pdf))}).status == 201);
  Json unknown = Refused(s, 422, "ruleViolated", [&] {
    return s.AppendFamily("F1", "P1", {uploaded("D2", std::string(64, 'a'))});
  });
  CHECK(unknown["rule"].str() == "known-references");

  for (const std::string reader : {"P1", "auditor", "triage-manager"}) {
    INFO(reader);
    Response back = s.Get("/v1/families/F1/documents/" + Sha256Hex(pdf), reader);
    CHECK(back.status == 200);
    CHECK(back.body == pdf);
    CHECK(back.Header("Content-Type") == "application/pdf");
    CHECK(back.Header("Content-Disposition").find("letter.pdf") != std::string::npos);
  }
  RequireError(s.Get("/v1/families/F1/documents/" + Sha256Hex(pdf), "P2"), 403, "permissionDenied");
  // The reads are logged like any read.
  Json access = s.Get("/v1/audit/access?familyId=F1", "auditor").json();
  REQUIRE(access["accesses"].size() == 3);
  CHECK(access["accesses"][0]["view"].str().find("document") == 0);

  // Refusals of the upload itself.
  CHECK(Refused(s, 400, "invalidArgument",
                [&] {
                  return s.Post("/v1/families/F1/documents", "P1", pdf, "application/pdf");
                })["field"]
            .str() == "filename");
  CHECK(Refused(s, 400, "invalidArgument",
                [&] {
                  return s.Post("/v1/families/F1/documents?filename=../x.pdf", "P1", pdf,
                                "application/pdf");
                })["field"]
            .str() == "filename");
  CHECK(Refused(s, 400, "invalidArgument",
                [&] {
                  return s.Post("/v1/families/F1/documents?filename=x.pdf", "P1", pdf, "pdf");
                })["field"]
            .str() == "Content-Type");
  Refused(s, 404, "notFound", [&] {
    return s.Post("/v1/families/F9/documents?filename=x.pdf", "P1", pdf, "application/pdf");
  });
  RequireError(s.Get("/v1/families/F1/documents/" + std::string(64, 'b'), "P1"), 404, "notFound");
}

// Found by these tests: EVENTS.md says a document's bytes are stored "encrypted with the
// family's personal data"; Store::PutBlob (ledger/store.cc) keeps them as sent, so they can be
// read from the data folder (nothing in ledger/ encrypts yet).
TEST_CASE(
    "reads as of: the triage inbox, the reports and the checkpoint answer as the log stood at "
    "asOf / asOfSeq (a concern recorded later is not in the inbox as of before it)",
    "[api]") {
  TestServer s;
  s.Seed();
  const uint64_t before = s.store().Size();
  const std::string t_before = s.Now();
  s.clock().Advance(kHour);
  Response concern = s.AppendFamily(
      "F1", "triage-manager",
      {Event("concernReceived",
             R"({"concernId":"C1","source":"police","kind":"domesticAbuseNotification",)"
             R"("summary":"called to the home","aboveThreshold":false})",
             s.Now(-kMinute))});
  REQUIRE(concern.status == 201);

  auto inbox = [&](const std::string& query) {
    Response r = s.Get("/v1/triage/inbox" + query, "triage-manager");
    INFO(query << ": " << r.body);
    REQUIRE(r.status == 200);
    return r.json();
  };
  CHECK(inbox("")["inbox"].size() == 1);
  CHECK(inbox("?asOfSeq=" + std::to_string(before))["inbox"].size() == 0);
  CHECK(inbox("?asOf=" + t_before)["inbox"].size() == 0);
  CHECK(inbox("?asOfSeq=" + std::to_string(before))["asOfSeq"].num() ==
        static_cast<int64_t>(before));

  Response counts = s.Get("/v1/reports/timescales?asOfSeq=1", "dashboard");
  INFO(counts.body);
  REQUIRE(counts.status == 200);
  CHECK(counts.json()["families"].num() == 0);

  // The checkpoint as of a seq is the tree of that size: its root is the consistency proof's.
  Response cp = s.Get("/v1/ledger/checkpoint?asOfSeq=" + std::to_string(before), "auditor");
  REQUIRE(cp.status == 200);
  Response proof = s.Get("/v1/ledger/proofs/consistency?from=" + std::to_string(before), "auditor");
  REQUIRE(proof.status == 200);
  auto root = ledger::HashFromHex(proof.json()["fromRootHash"].str());
  REQUIRE(root.ok());
  auto parsed = ledger::Checkpoint::Parse(cp.body);
  REQUIRE(parsed.ok());
  CHECK(parsed->size == before);
  CHECK(parsed->root == *root);
  RequireError(s.Get("/v1/triage/inbox?asOf=yesterday", "triage-manager"), 400, "invalidArgument");
}

TEST_CASE(
    "ledger: /v1/ledger/checkpoint is the note (origin, size, base64 root) of the log /healthz "
    "describes, and the inclusion and consistency proofs verify against it",
    "[api]") {
  TestServer s;
  s.Seed();
  Json health = s.Get("/healthz").json();
  Response text = s.Get("/v1/ledger/checkpoint", "dashboard");
  INFO(text.body);
  REQUIRE(text.status == 200);
  CHECK(text.Header("Content-Type").rfind("text/plain", 0) == 0);
  auto cp = ledger::Checkpoint::Parse(text.body);
  REQUIRE(cp.ok());
  CHECK(cp->origin == "caseledger");
  CHECK(static_cast<int64_t>(cp->size) == health["size"].num());
  CHECK(ledger::ToHex(cp->root) == health["root"].str());
  REQUIRE(cp->size == 9);  // P1 and P2 (three events each), F1 (three)

  auto hashes = [](const Json& list) {
    std::vector<ledger::Hash> out;
    for (const Json& h : list.items()) {
      auto hash = ledger::HashFromHex(h.str());
      REQUIRE(hash.ok());
      out.push_back(*hash);
    }
    return out;
  };
  Json consistency = s.Get("/v1/ledger/proofs/consistency?from=3&to=9", "dashboard").json();
  auto old_root = s.store().Root(3);
  REQUIRE(old_root.ok());
  CHECK(consistency["fromRootHash"].str() == ledger::ToHex(*old_root));
  CHECK(consistency["rootHash"].str() == ledger::ToHex(cp->root));
  CHECK(ledger::VerifyConsistency(3, 9, *old_root, cp->root, hashes(consistency["hashes"])));

  Json inclusion = s.Get("/v1/ledger/proofs/inclusion?seq=5&size=9", "dashboard").json();
  auto leaf = s.store().ReadSeq(5);
  REQUIRE(leaf.ok());
  CHECK(inclusion["leafIndex"].num() == 4);
  CHECK(inclusion["leafHash"].str() == ledger::ToHex(leaf->leaf_hash));
  CHECK(ledger::VerifyInclusion(leaf->leaf_hash, 4, 9, hashes(inclusion["hashes"]), cp->root));
  // Proofs are not reads of a family's record: nothing was appended.
  CHECK(s.store().Size() == 9);
  CHECK(Refused(s, 400, "invalidArgument",
                [&] {
                  return s.Get("/v1/ledger/proofs/inclusion?seq=5&size=99", "dashboard");
                })["field"]
            .str() == "size");
}

// Found by these tests: EVENTS.md answers a malformed request with a 400 whose "field" names
// the mistake, and the inclusion proof does (seq, size: ledger/proof_json.cc
// InclusionProofJson checks its range), but ConsistencyProofJson passes the sizes straight to
// Store::ConsistencyProof / Root, whose InvalidArgument carries no field.
TEST_CASE("ledger: a consistency proof asked for sizes out of range is a 400 naming the parameter",
          "[api]") {
  TestServer s;
  s.Seed();  // 9 events
  CHECK(Refused(
            s, 400, "invalidArgument",
            [&] { return s.Get("/v1/ledger/proofs/consistency?from=3&to=99", "auditor"); })["field"]
            .str() == "to");
  CHECK(Refused(s, 400, "invalidArgument",
                [&] { return s.Get("/v1/ledger/proofs/consistency?from=99", "auditor"); })["field"]
            .str() == "from");
  CHECK(Refused(
            s, 400, "invalidArgument",
            [&] { return s.Get("/v1/ledger/proofs/consistency?from=5&to=3", "auditor"); })["field"]
            .str() == "from");
}

// ---------------------------------------------------------------- description and metrics

TEST_CASE(
    "openapi: /v1/openapi.json lists every route of EVENTS.md's HTTP section, and every route it "
    "lists is served (no 'no route' 404)",
    "[api]") {
  TestServer s;
  s.Seed();
  Response stored =
      s.Post("/v1/families/F1/documents?filename=a.pdf", "P1", "%PDF-1.4 a", "application/pdf");
  REQUIRE(stored.status == 201);
  const std::string sha = stored.json()["sha256"].str();

  Response r = s.Get("/v1/openapi.json");
  REQUIRE(r.status == 200);
  Json api = r.json();
  CHECK(api["openapi"].str().rfind("3.", 0) == 0);

  struct Operation {
    std::string method, path;
    Json op;
  };
  std::vector<Operation> operations;
  std::set<std::string> listed;
  for (const auto& [path, methods] : api["paths"].members()) {
    for (const auto& [method, op] : methods.members()) {
      std::string m = method;
      for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      operations.push_back({m, path, op});
      listed.insert(m + " " + path);
    }
  }

  // EVENTS.md, "HTTP": every route it names.
  const std::vector<std::string> contract = {
      "POST /v1/families/{id}/events",
      "POST /v1/practitioners/{id}/events",
      "POST /v1/families/{id}/documents",
      "GET /v1/families/{id}/documents/{sha256}",
      "GET /v1/families/{id}",
      "GET /v1/families/{id}/chronology",
      "GET /v1/families/{id}/events",
      "GET /v1/families/{id}/timescales",
      "GET /v1/helpdesk/open-episode",
      "GET /v1/triage/inbox",
      "GET /v1/reports/timescales",
      "GET /v1/reports/overdue",
      "GET /v1/events",
      "GET /v1/ledger/checkpoint",
      "GET /v1/ledger/proofs/inclusion",
      "GET /v1/ledger/proofs/consistency",
      "GET /v1/audit/access",
      "GET /healthz",
      "GET /metrics",
      "GET /v1/openapi.json",
  };
  for (const std::string& route : contract) {
    INFO(route);
    CHECK(listed.count(route) == 1);
  }
  // ...with the query parameters EVENTS.md gives them.
  const std::map<std::string, std::vector<std::string>> params = {
      {"GET /v1/families/{id}", {"asOf", "asOfSeq"}},
      {"GET /v1/families/{id}/chronology",
       {"asOf", "asOfSeq", "episode", "from", "to", "category", "significant", "format"}},
      {"GET /v1/families/{id}/events", {"asOf", "asOfSeq", "fromVersion", "limit", "raw"}},
      {"GET /v1/families/{id}/timescales", {"asOf", "asOfSeq", "on"}},
      {"GET /v1/helpdesk/open-episode", {"familyId"}},
      {"GET /v1/events", {"after", "limit", "raw"}},
      {"GET /v1/ledger/proofs/inclusion", {"seq", "size"}},
      {"GET /v1/ledger/proofs/consistency", {"from", "to"}},
      {"GET /v1/audit/access", {"familyId"}},
      {"POST /v1/families/{id}/documents", {"filename"}},
  };

  for (const Operation& o : operations) {
    const std::string route = o.method + " " + o.path;
    INFO(route);
    std::set<std::string> names;
    std::string query;
    for (const Json& p : o.op["parameters"].items()) {
      names.insert(p["name"].str());
      if (p["in"].str() != "query" || !p["required"].boolean()) continue;
      const std::string& name = p["name"].str();
      const std::string value = name == "familyId" ? "F1" : name == "filename" ? "a.pdf" : "1";
      query += (query.empty() ? "?" : "&") + name + "=" + value;
    }
    if (params.count(route) != 0) {
      for (const std::string& name : params.at(route)) {
        INFO("parameter " << name);
        CHECK(names.count(name) == 1);
      }
    }
    CHECK(o.op["responses"].Has("200"));
    // The path with its parameters filled in.
    std::string path = o.path;
    auto fill = [&path](const std::string& name, const std::string& value) {
      const size_t at = path.find("{" + name + "}");
      if (at != std::string::npos) path.replace(at, name.size() + 2, value);
    };
    fill("id", o.path.rfind("/v1/practitioners", 0) == 0 ? "P1" : "F1");
    fill("sha256", sha);
    path += query;
    // As an auditor where allowed, else an admin, else the first role allowed.
    std::set<std::string> roles;
    for (const Json& role : o.op["x-roles"].items()) roles.insert(role.str());
    std::string label = roles.empty()                 ? ""
                        : roles.count("auditor")      ? "auditor"
                        : roles.count("admin")        ? "admin"
                        : roles.count("practitioner") ? "P1"
                                                      : *roles.begin();
    Response answer;
    if (o.path == "/v1/events/live") {
      answer = Stream(
          s, path + (query.empty() ? "?" : "&") + "after=0", TestServer::Auth(s.Token(label)),
          [](const std::string& body) { return body.find("\n\n") != std::string::npos; });
    } else if (o.method == "GET") {
      answer = s.Get(path, label);
    } else if (o.path.ends_with("/documents")) {
      answer = s.Post(path, label, "%PDF-1.4 b", "application/pdf");
    } else {
      answer = s.Post(path, label, "{}");
    }
    INFO("as " << label << ": " << answer.status << " " << answer.body.substr(0, 200));
    CHECK(answer.status != 0);
    CHECK_FALSE((answer.status == 404 && answer.body.find("no route") != std::string::npos));
    CHECK(answer.status < 500);
  }
}

TEST_CASE(
    "metrics: /metrics is Prometheus text with the append counts, the durable write latency, the "
    "request latency by route template and the projection lag",
    "[api]") {
  TestServer s;
  s.Seed();
  CHECK(s.Get("/v1/families/F1", "P1").status == 200);
  CHECK(s.Get("/v1/families/F1", "P2").status == 403);

  Response m;
  // A request is counted after its answer is sent: wait for the last one.
  const bool seen = Eventually([&] {
    m = s.Get("/metrics");
    return m.body.find(
               "caseledger_http_requests_total{route=\"GET /v1/families/{id}\",status=\"403\"} "
               "1") != std::string::npos;
  });
  INFO(m.body);
  CHECK(seen);
  CHECK(m.status == 200);
  CHECK(m.Header("Content-Type").rfind("text/plain", 0) == 0);
  for (const std::string name :
       {"caseledger_append_requests_total{outcome=\"appended\"} ",
        "caseledger_durable_write_seconds_bucket{le=", "caseledger_durable_write_seconds_count",
        "caseledger_http_request_seconds_bucket{route=\"GET /v1/families/{id}\",le=",
        "caseledger_http_requests_total{route=\"GET /v1/families/{id}\",status=\"403\"} 1",
        "caseledger_projection_lag_events{projection=\"overview\"} ",
        "caseledger_projection_lag_events{projection=\"access\"} ",
        "# TYPE caseledger_http_request_seconds histogram"}) {
    INFO(name);
    CHECK(m.body.find(name) != std::string::npos);
  }
  // Counts: the seeding appended three requests (P1, P2, F1) and the read one access event.
  std::smatch appended;
  REQUIRE(std::regex_search(
      m.body, appended,
      std::regex("caseledger_append_requests_total\\{outcome=\"appended\"\\} (\\d+)")));
  CHECK(std::stoi(appended[1]) >= 4);
  // Labels are templates: no family id, no query.
  CHECK(m.body.find("/v1/families/F1") == std::string::npos);
  // Every line is a comment or a sample: name{labels} value.
  const std::string label = R"([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")";
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{)" + label + "(?:," + label +
                          R"()*\})? (?:[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN)$)");
  std::istringstream lines(m.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    INFO(line);
    CHECK(std::regex_match(line, sample));
  }
}

// ---------------------------------------------------------------- tokens and logs

TEST_CASE(
    "tokens: an expired or revoked token is a 401, and the token file is mode 0600 and holds no "
    "token secret",
    "[api]") {
  TestServer s;
  s.Seed();
  const int64_t now = s.clock().NowMicros();

  auto expiring = s.tokens().Create(api::Role::kAuditor, "AU2", now, now + kMinute);
  REQUIRE(expiring.ok());
  CHECK(s.GetWith("/v1/triage/inbox", TestServer::Auth(expiring->token)).status == 200);
  s.clock().Advance(2 * kMinute);
  Json expired = Refused(s, 401, "unauthenticated", [&] {
    return s.GetWith("/v1/triage/inbox", TestServer::Auth(expiring->token));
  });
  CHECK(expired["message"].str().find("expired") != std::string::npos);

  auto revoked = s.tokens().Create(api::Role::kPractitioner, "P1", s.clock().NowMicros(), 0);
  REQUIRE(revoked.ok());
  CHECK(s.GetWith("/v1/families/F1", TestServer::Auth(revoked->token)).status == 200);
  REQUIRE(s.tokens().Revoke(revoked->principal.token_id, s.clock().NowMicros()).ok());
  Json gone = Refused(s, 401, "unauthenticated", [&] {
    return s.GetWith("/v1/families/F1", TestServer::Auth(revoked->token));
  });
  CHECK(gone["message"].str().find("revoked") != std::string::npos);
  Refused(s, 401, "unauthenticated", [&] {
    return s.PostWith("/v1/families/F1/events", TestServer::Auth(revoked->token),
                      AppendBody({TestServer::Note("N1", "t", s.Now())}), "application/json");
  });
  // The other tokens still work.
  CHECK(s.Get("/v1/families/F1", "P1").status == 200);

  struct stat st {};
  REQUIRE(::stat(s.TokenFile().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::ifstream in(s.TokenFile());
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE_FALSE(file.empty());
  std::vector<std::string> issued = {expiring->token, revoked->token};
  for (const std::string& label : TestServer::Labels()) issued.push_back(s.Token(label));
  for (const std::string& token : issued) {
    const std::string secret = token.substr(token.rfind('_') + 1);
    REQUIRE(secret.size() == 64);
    CHECK(file.find(token) == std::string::npos);
    CHECK(file.find(secret) == std::string::npos);
  }
}

TEST_CASE(
    "logs: one line per request with route= and status=, and no personal data, note text, token, "
    "path id or query string",
    "[api]") {
  CapturedLogs().Clear();        // no server runs between tests: nothing else is logging now
  TestServer s;                  // GET /healthz
  s.Seed();                      // P1, P2, F1: three appends
  s.RegisterFamily("FamLogZ9");  // names, address: personal data
  const std::string note_text = "Confided-detail-that-must-stay-in-the-record";

  int requests = 5;
  auto count = [&](const Response&) { ++requests; };
  count(s.AppendFamily("FamLogZ9", "P1", {TestServer::Note("N1", note_text, s.Now())}));
  count(s.Get("/v1/families/FamLogZ9?purpose=SecretPurposeQ7", "P1"));
  count(s.Get("/v1/families/FamLogZ9/chronology?format=csv", "P1"));
  count(s.Get("/v1/families/FamLogZ9", "P2"));
  count(s.Get("/v1/helpdesk/open-episode?familyId=FamLogZ9", "helpdesk"));
  count(s.GetWith("/v1/families/FamLogZ9",
                  TestServer::Auth("cl_0123456789abcdef_" + std::string(64, 'f'))));
  count(s.Post("/v1/families/FamLogZ9/events", "P1", "{\"broken\": \"" + note_text));

  auto lines = [] {
    std::string text = CapturedLogs().Text();
    size_t n = 0;
    for (size_t at = text.find("http method="); at != std::string::npos;
         at = text.find("http method=", at + 1))
      ++n;
    return n;
  };
  // The request line is written after the answer is sent.
  CHECK(Eventually([&] { return lines() >= static_cast<size_t>(requests); }));
  const std::string logs = CapturedLogs().Text();
  INFO(logs);
  CHECK(lines() == static_cast<size_t>(requests));
  CHECK(logs.find("route=\"/v1/families/{id}\" status=200") != std::string::npos);
  CHECK(logs.find("route=\"/v1/families/{id}\" status=403") != std::string::npos);
  CHECK(logs.find("actor=P1 role=practitioner") != std::string::npos);
  CHECK(logs.find("route=\"/v1/families/{id}/events\" status=201") != std::string::npos);
  CHECK(logs.find("status=401") != std::string::npos);
  for (const std::string& secret :
       {std::string(kChildName), std::string(kParentName), std::string(kAddress), note_text,
        std::string("SecretPurposeQ7"), std::string("purpose="), std::string("format=csv"),
        std::string("FamLogZ9"), std::string("familyId="), std::string(64, 'f')}) {
    INFO("must not be logged: " << secret);
    CHECK(logs.find(secret) == std::string::npos);
  }
  for (const std::string& label : TestServer::Labels()) {
    const std::string& token = s.Token(label);
    CHECK(logs.find(token.substr(token.rfind('_') + 1)) == std::string::npos);
  }
}

}  // namespace
}  // namespace caseledger::testing
