// The HTTP API end to end (EVENTS.md "HTTP"): the real server on a free loopback port over a
// real ledger (tests/api/test_server.h), driven with a real HTTP client. Every refusal is
// checked for its status, its JSON error {"error": {"code", "message", ...}} and for having
// appended nothing to the log.
//
// This file: every route x every role.
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
      {"GET /v1/families", get("/v1/families?q=f1")},
      {"GET /v1/families/{id}", get("/v1/families/F1")},
      {"GET /v1/families/{id}/chronology", get("/v1/families/F1/chronology")},
      {"GET /v1/families/{id}/events", get("/v1/families/F1/events")},
      {"GET /v1/families/{id}/timescales", get("/v1/families/F1/timescales")},
      {"GET /v1/families/{id}/step-up-pack", get("/v1/families/F1/step-up-pack")},
      {"GET /v1/helpdesk/open-episode", get("/v1/helpdesk/open-episode?familyId=F1")},
      {"GET /v1/triage/inbox", get("/v1/triage/inbox")},
      {"GET /v1/triage/queue", get("/v1/triage/queue")},
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
      {"GET /v1/families/{id}/export", get("/v1/families/F1/export")},
      {"GET /v1/session", get("/v1/session")},
      {"POST /v1/families/{id}/erasure",
       [&](const httplib::Headers& auth) {
         return s.PostWith("/v1/families/F1/erasure", auth,
                           R"({"reason":"retention ended","authorisedBy":"DPO1"})",
                           "application/json");
       }},
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
      {"POST /v1/families/{id}/documents",             {made, no,   no,   no,    no,   no,   no,   no}},
      {"GET /v1/families/{id}/documents/{sha256}",     {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families",                             {ok,   ok,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families/{id}",                        {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families/{id}/chronology",             {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families/{id}/events",                 {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families/{id}/timescales",             {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/families/{id}/step-up-pack",           {ok,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/helpdesk/open-episode",                {ok,   ok,   ok,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/triage/inbox",                         {no,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/triage/queue",                         {no,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/reports/timescales",                   {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /v1/reports/overdue",                      {no,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/events",                               {no,   no,   no,   no,    no,   ok,   ok,   no}},
      {"GET /v1/events/live",                          {no,   no,   no,   no,    no,   ok,   ok,   no}},
      {"GET /v1/ledger/checkpoint",                    {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /v1/ledger/proofs/inclusion",              {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /v1/ledger/proofs/consistency",            {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      {"GET /v1/audit/access",                         {no,   no,   no,   no,    no,   ok,   no,   no}},
      {"GET /v1/families/{id}/export",                 {no,   no,   no,   ok,    ok,   ok,   no,   no}},
      {"GET /v1/session",                              {ok,   ok,   ok,   ok,    ok,   ok,   ok,   ok}},
      // Last: the admin's erasure of F1 is the matrix's final call.
      {"POST /v1/families/{id}/erasure",               {no,   no,   no,   no,    no,   no,   no,   ok}},
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

// ---------------------------------------------------------------- no enumeration of families

TEST_CASE(
    "practitioner: a family that does not exist is refused with the same 403 as one they are not "
    "on (reads, documents, appends), so the answers do not tell which family ids exist, and "
    "other roles get the 404",
    "[api]") {
  TestServer s;
  s.Seed();                      // F1: keyworker P1
  s.RegisterFamily("F2", "P2");  // F2: keyworker P2, P1 has no part in it
  // F3 does not exist (the same length as F2, so that the two answers can be compared).
  const std::string pdf = "%PDF-1.4 a letter";
  Response stored =
      s.Post("/v1/families/F2/documents?filename=letter.pdf", "P2", pdf, "application/pdf");
  REQUIRE(stored.status == 201);
  const std::string sha = stored.json()["sha256"].str();

  // Each request P1 may not make of F2, by the family it names.
  using Request = std::function<Response(const std::string& family)>;
  const std::vector<std::pair<std::string, Request>> requests = {
      {"state", [&](const std::string& f) { return s.Get("/v1/families/" + f, "P1"); }},
      {"chronology",
       [&](const std::string& f) { return s.Get("/v1/families/" + f + "/chronology", "P1"); }},
      {"chronology as of",
       [&](const std::string& f) {
         return s.Get("/v1/families/" + f + "/chronology?asOfSeq=1&purpose=check", "P1");
       }},
      {"events",
       [&](const std::string& f) { return s.Get("/v1/families/" + f + "/events", "P1"); }},
      {"timescales",
       [&](const std::string& f) { return s.Get("/v1/families/" + f + "/timescales", "P1"); }},
      {"document read",
       [&](const std::string& f) {
         return s.Get("/v1/families/" + f + "/documents/" + sha, "P1");
       }},
      {"document upload",
       [&](const std::string& f) {
         return s.Post("/v1/families/" + f + "/documents?filename=x.pdf", "P1", pdf,
                       "application/pdf");
       }},
      {"case note",
       [&](const std::string& f) {
         return s.AppendFamily(f, "P1", {TestServer::Note("N1", "a visit", s.Now(-kMinute))});
       }},
      {"consent and a note, at a version",
       [&](const std::string& f) {
         return s.AppendFamily(f, "P1",
                               {Event("consentGiven",
                                      R"({"episodeId":"E1","givenBy":"X","scope":"assessment",)"
                                      R"("method":"written"})",
                                      s.Now(-kMinute)),
                                TestServer::Note("N2", "a visit", s.Now(-kMinute))},
                               "3");
       }},
  };
  for (const auto& [what, request] : requests) {
    INFO(what);
    Refused(s, 403, "permissionDenied", [&] { return request("F2"); });
    Response none = request("F3");
    RequireError(none, 403, "permissionDenied");
    // The same error, but for the family id it names.
    std::string expected = request("F2").body;
    for (size_t at = expected.find("F2"); at != std::string::npos; at = expected.find("F2", at)) {
      expected.replace(at, 2, "F3");
    }
    CHECK(none.body == expected);
  }
  // Nothing was appended by any of it (not even a recordViewed) and F3 still does not exist.
  RequireError(s.Get("/v1/families/F3", "auditor"), 404, "notFound");

  // Roles that may read every family are told it does not exist.
  for (const char* label : {"triage-manager", "coordinator", "auditor"}) {
    INFO(label);
    for (const std::string& view : std::vector<std::string>{"", "/chronology", "/events",
                                                            "/timescales", "/documents/" + sha}) {
      INFO(view);
      Refused(s, 404, "notFound", [&] { return s.Get("/v1/families/F3" + view, label); });
    }
  }
  // Only who may record documentUploaded may store a document's bytes, whatever the family.
  for (const char* label : {"triage-manager", "coordinator"}) {
    INFO(label);
    Refused(s, 403, "permissionDenied", [&] {
      return s.Post("/v1/families/F3/documents?filename=x.pdf", label, pdf, "application/pdf");
    });
  }
  // A practitioner may not register a family (the helpdesk does, from their form).
  const std::string family = R"({"members":[{"memberId":"C1","role":"child","name":"A Child",)"
                             R"("dateOfBirth":"2016-02-01"}],"address":"1 Road"})";
  Refused(s, 403, "permissionDenied", [&] {
    return s.AppendFamily("F3", "P1", {Event("familyRegistered", family, s.Now(-kMinute))}, "0");
  });
  Response registered =
      s.AppendFamily("F3", "helpdesk", {Event("familyRegistered", family, s.Now(-kMinute))}, "0");
  INFO(registered.body);
  CHECK(registered.status == 201);
  CHECK(s.Get("/v1/families/F3", "triage-manager").status == 200);
}

// ---------------------------------------------------------------- answers that do not tell

// `body` with every family id of `ids` replaced by "F?": the rest must be byte for byte equal.
std::string WithoutIds(std::string body, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    for (size_t at = body.find(id); at != std::string::npos; at = body.find(id, at)) {
      body.replace(at, id.size(), "F?");
    }
  }
  return body;
}

TEST_CASE(
    "answers that do not tell: a practitioner on no family gets the same answer for a family "
    "that exists, one that does not and one erased, and passes a concern on without learning "
    "its version, its existence or its concern ids",
    "[api][roles]") {
  TestServer s;
  s.Seed();  // P1 keyworker of F1; P2 on no family
  s.RegisterFamily("F3");
  REQUIRE(s.AppendFamily("F1", "triage-manager",
                         {Event("concernReceived",
                                R"({"concernId":"C1","source":"police","kind":"domesticAbuse",)"
                                R"("summary":"A call-out","aboveThreshold":false})",
                                s.Now(-kMinute))})
              .status == 201);
  REQUIRE(s.Post("/v1/families/F3/erasure", "admin",
                 R"({"reason":"retention ended","authorisedBy":"DPO1"})")
              .status == 200);
  const std::vector<std::string> families = {"F1", "F9", "F3"};  // exists, never did, erased

  auto same_for_all = [&](int status, const std::string& code,
                          const std::function<Response(const std::string&)>& ask) {
    std::set<std::string> answers;
    for (const auto& f : families) {
      INFO(f);
      Json error = Refused(s, status, code, [&] { return ask(f); });
      answers.insert(WithoutIds(ask(f).body, families));
    }
    INFO(*answers.begin());
    CHECK(answers.size() == 1);
  };
  const std::string note = TestServer::Note("N9", "probe", s.Now());
  // Work on a family: the same 403, before version, rule, erasure or duplicate checks.
  same_for_all(403, "permissionDenied",
               [&](const std::string& f) { return s.AppendFamily(f, "P2", {note}, "7"); });
  same_for_all(403, "permissionDenied",
               [&](const std::string& f) { return s.AppendFamily(f, "P2", {note}); });
  same_for_all(403, "permissionDenied", [&](const std::string& f) {
    return s.AppendFamily(
        f, "P2", {Event("recordCorrected", R"({"correctsSeq":3,"reason":"probe"})", s.Now())});
  });
  // Reads: the same 403.
  for (const char* view : {"", "/chronology", "/timescales", "/events"}) {
    INFO(view);
    same_for_all(403, "permissionDenied",
                 [&](const std::string& f) { return s.Get("/v1/families/" + f + view, "P2"); });
  }
  // A concern passed on: no numeric expectedVersion (the same 400 for every family)...
  const std::string concern = Event("concernReceived",
                                    R"({"concernId":"C1","source":"school","kind":"neglect",)"
                                    R"("summary":"Came in hungry","aboveThreshold":false})",
                                    s.Now());
  same_for_all(400, "invalidArgument",
               [&](const std::string& f) { return s.AppendFamily(f, "P2", {concern}, "3"); });
  // ...and every refusal the same 403: no such family, erased, the concern id already held.
  same_for_all(403, "permissionDenied",
               [&](const std::string& f) { return s.AppendFamily(f, "P2", {concern}); });
  // Recorded, it says nothing of the family's version.
  Response passed = s.AppendFamily(
      "F1", "P2",
      {Event("concernReceived",
             R"({"concernId":"C2","source":"school","kind":"neglect","summary":"Came in hungry",)"
             R"("aboveThreshold":false})",
             s.Now())});
  REQUIRE(passed.status == 201);
  CHECK(passed.json()["version"].is_null());
  CHECK(passed.json()["events"][0]["version"].is_null());
}

TEST_CASE(
    "access follows the person: a deactivated practitioner's token opens nothing from the "
    "deactivation on, and a token of an unregistered practitioner id opens nothing",
    "[api][roles]") {
  TestServer s;
  s.Seed();
  REQUIRE(s.Get("/v1/families/F1", "P1").status == 200);
  REQUIRE(s.Post("/v1/practitioners/P1/events", "admin",
                 AppendBody({Event("practitionerDeactivated", R"({"reason":"left the service"})",
                                   s.Now())},
                            "\"any\""))
              .status == 201);
  for (const std::string path : {"/v1/families/F1", "/v1/families/F1/chronology", "/v1/session"}) {
    INFO(path);
    Json error = Refused(s, 401, "unauthenticated", [&] { return s.Get(path, "P1"); });
    CHECK_THAT(error["message"].str(), Catch::Contains("was deactivated (left the service)"));
  }
  Refused(s, 401, "unauthenticated", [&] {
    return s.AppendFamily("F1", "P1", {TestServer::Note("N1", "after leaving", s.Now())});
  });
  // An id that is no practitioner's (here a helpdesk user's): nothing, whatever it registered.
  auto token = s.tokens().Create(api::Role::kPractitioner, "helpdesk1", s.clock().NowMicros(), 0);
  REQUIRE(token.ok());
  Json error = Refused(s, 401, "unauthenticated", [&] {
    return s.GetWith("/v1/families/F1", TestServer::Auth(token->token));
  });
  CHECK_THAT(error["message"].str(), Catch::Contains("is not registered"));
}

TEST_CASE(
    "dashboard figures go no finer than a day: asOfSeq is refused and asOf is taken at the start "
    "of its London day",
    "[api][roles]") {
  TestServer s;
  s.Seed();  // every event recorded at 2026-05-01T12:00:00Z
  const std::string later = "/v1/reports/timescales?asOf=2026-05-01T13:00:00Z";
  Json error = Refused(s, 400, "invalidArgument",
                       [&] { return s.Get("/v1/reports/timescales?asOfSeq=5", "dashboard"); });
  CHECK(error["field"].str() == "asOfSeq");
  // The triage manager sees the log at 13:00; the dashboard as it stood at 00:00 that day.
  Response tm = s.Get(later, "triage-manager");
  REQUIRE(tm.status == 200);
  CHECK(tm.json()["asOfSeq"].str() == std::to_string(s.store().Size()));
  Response dash = s.Get(later, "dashboard");
  INFO(dash.body);
  CHECK(dash.body == s.Get("/v1/reports/timescales?asOf=2026-04-30T23:00:00Z", "dashboard").body);
  CHECK(dash.body != tm.body);
}

}  // namespace
}  // namespace caseledger::testing
