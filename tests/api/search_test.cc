// Finding a family over HTTP (issue 21 item 8): by its id in any case, a member's name or date
// of birth; only the families the reader may read; each family listed recorded in the access
// log as a search with the query; names as corrected, and gone once erased.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

// The helpdesk registers `family` with a child `child` born `born` and a parent `parent`, and
// opens E1 with keyworker `keyworker`.
void Register(TestServer& s, const std::string& family, const std::string& child,
              const std::string& born, const std::string& parent, const std::string& keyworker) {
  const std::string at = s.Now(-30 * kMinute);
  Response r = s.AppendFamily(
      family, "helpdesk",
      {Event("familyRegistered",
             R"({"members":[{"memberId":"C1","role":"child","name":)" + ledger::JsonQuote(child) +
                 R"(,"dateOfBirth":")" + born + R"("},{"memberId":"M1","role":"parent","name":)" +
                 ledger::JsonQuote(parent) + R"(}],"address":"2 Lane"})",
             at),
       Event("episodeOpened",
             R"({"episodeId":"E1","keyworkerId":")" + keyworker +
                 R"(","registrationCompletedOn":"2026-05-01"})",
             at)},
      "0");
  INFO(r.body);
  REQUIRE(r.status == 201);
}

// The family ids a search finds, in order.
std::vector<std::string> Found(TestServer& s, const std::string& q,
                               const std::string& label = "triage-manager") {
  Response r = s.Get("/v1/families?q=" + q, label);
  INFO(q << ": " << r.body);
  REQUIRE(r.status == 200);
  std::vector<std::string> ids;
  const Json body = r.json();
  for (const Json& f : body["families"].items()) ids.push_back(f["familyId"].str());
  return ids;
}

// The access records of `family` whose view is "search": their purposes.
std::vector<std::string> Searches(TestServer& s, const std::string& family) {
  const Json log = s.Get("/v1/audit/access?familyId=" + family, "auditor").json();
  std::vector<std::string> out;
  for (const Json& a : log["accesses"].items()) {
    if (a["view"].str() == "search") out.push_back(a["purpose"].str());
  }
  return out;
}

using Ids = std::vector<std::string>;

TEST_CASE(
    "search: a family is found by its id in any case, by the start of each word of a "
    "member's name, by a date of birth in either form, the id first",
    "[api][search]") {
  TestServer s;
  s.RegisterPractitioner("P1");
  s.RegisterPractitioner("P2");
  Register(s, "F1", "Alex Example", "2015-06-01", "Jo Example", "P1");
  Register(s, "F2", "Sam O'Neil-Park", "2019-11-30", "Robin Park", "P2");
  Register(s, "AL", "Jamie Stone", "2012-01-02", "Alison Stone", "P2");

  CHECK(Found(s, "f1") == Ids{"F1"});
  CHECK(Found(s, "F1") == Ids{"F1"});
  CHECK(Found(s, "jo%20exa") == Ids{"F1"});
  CHECK(Found(s, "EXAMPLE") == Ids{"F1"});
  CHECK(Found(s, "o'neil") == Ids{"F2"});
  CHECK(Found(s, "park") == Ids{"F2"});
  CHECK(Found(s, "2019-11-30") == Ids{"F2"});
  CHECK(Found(s, "30/11/2019") == Ids{"F2"});
  CHECK(Found(s, "1/6/2015") == Ids{"F1"});
  // "al": family AL by its id first, then Alex's and Alison's families by name.
  CHECK(Found(s, "al") == Ids{"AL", "F1"});
  // Every word must match one name: Jo and Stone are in different families.
  CHECK(Found(s, "jo%20stone").empty());
  CHECK(Found(s, "nobody").empty());

  // The members come with the match, the matching one first.
  const Json f2 = s.Get("/v1/families?q=robin", "triage-manager").json();
  REQUIRE(f2["families"].size() == 1);
  CHECK(f2["families"][0]["matched"].str() == "name");
  CHECK(f2["families"][0]["openEpisodeId"].str() == "E1");
  CHECK(f2["families"][0]["members"][0]["name"].str() == "Robin Park");
  CHECK(f2["families"][0]["members"][1]["dateOfBirth"].str() == "2019-11-30");
}

TEST_CASE(
    "search: a practitioner finds only the families they work on, each family listed is "
    "recorded as a search with the query, and a search that lists none records nothing",
    "[api][search][access]") {
  TestServer s;
  s.RegisterPractitioner("P1");
  s.RegisterPractitioner("P2");
  Register(s, "F1", "Alex Example", "2015-06-01", "Jo Example", "P1");
  Register(s, "F2", "Alex Other", "2016-01-01", "Kim Other", "P2");

  CHECK(Found(s, "alex", "triage-manager") == Ids{"F1", "F2"});
  CHECK(Found(s, "alex", "P1") == Ids{"F1"});
  CHECK(Found(s, "alex", "P2") == Ids{"F2"});
  CHECK(Found(s, "f2", "P1").empty());

  CHECK(Searches(s, "F1") ==
        std::vector<std::string>{R"(search for "alex")", R"(search for "alex")"});
  CHECK(Searches(s, "F2") ==
        std::vector<std::string>{R"(search for "alex")", R"(search for "alex")"});
  // The query as looked for, whole: spaces around it do not push it out of the record.
  REQUIRE(s.Get("/v1/families?q=%20%20%20kim%20%20", "coordinator").status == 200);
  CHECK(Searches(s, "F2").back() == R"(search for "kim")");
  // A query and a purpose too long to be kept together are refused, not cut.
  Refused(s, 400, "invalidArgument", [&] {
    return s.Get("/v1/families?q=kim&purpose=" + std::string(190, 'p'), "coordinator");
  });
  Refused(s, 400, "invalidArgument",
          [&] { return s.Get("/v1/families?q=" + std::string(150, '+') + "kim", "coordinator"); });
  // With the reader's purpose beside the query.
  REQUIRE(s.Get("/v1/families?q=kim&purpose=police%20call%20back", "coordinator").status == 200);
  CHECK(Searches(s, "F2").back() == R"(search for "kim": police call back)");
  // Nothing listed, nothing recorded.
  const uint64_t before = s.store().Size();
  CHECK(Found(s, "zebedee").empty());
  CHECK(s.store().Size() == before);
}

TEST_CASE(
    "search: a corrected name is found as corrected and no longer as first recorded, and an "
    "erased family's members are found no more",
    "[api][search][erasure]") {
  TestServer s;
  s.RegisterPractitioner("P1");
  Register(s, "F1", "Alex Exmaple", "2015-06-01", "Jo Example", "P1");
  CHECK(Found(s, "exmaple") == Ids{"F1"});  // the first search reads every family

  const Json events = s.Get("/v1/families/F1/events", "auditor").json();
  const std::string seq = events["events"][0]["seq"].str();
  Response r = s.AppendFamily(
      "F1", "helpdesk",
      {Event("recordCorrected",
             R"({"correctsSeq":)" + seq +
                 R"(,"reason":"typo in the surname","replacement":{"members":[{"memberId":"C1",)"
                 R"("role":"child","name":"Alex Example","dateOfBirth":"2015-06-01"},)"
                 R"({"memberId":"M1","role":"parent","name":"Jo Example"}],"address":"2 Lane"}})",
             s.Now())});
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(Found(s, "exmaple").empty());
  CHECK(Found(s, "alex%20example") == Ids{"F1"});

  r = s.Post("/v1/families/F1/erasure", "admin",
             R"({"reason":"retention ended","authorisedBy":"DPO1"})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(Found(s, "alex").empty());
  CHECK(Found(s, "2015-06-01").empty());
  // The id still finds the family: what remains of it (erased, no members).
  const Json erased = s.Get("/v1/families?q=f1", "triage-manager").json();
  REQUIRE(erased["families"].size() == 1);
  CHECK(erased["families"][0]["erased"].boolean());
  CHECK(erased["families"][0]["members"].size() == 0);
}

TEST_CASE(
    "search: a query too short, too long or missing, a purpose too long, and a role that "
    "does not read families are refused with nothing appended",
    "[api][search]") {
  TestServer s;
  s.Seed();
  for (const std::string& q :
       std::vector<std::string>{"/v1/families?q=a", "/v1/families?q=%20%20", "/v1/families",
                                "/v1/families?q=" + std::string(101, 'a'),
                                "/v1/families?q=alex&purpose=" + std::string(201, 'p')}) {
    INFO(q);
    Json error = Refused(s, 400, "invalidArgument", [&] { return s.Get(q, "triage-manager"); });
    CHECK((error["field"].str() == "q" || error["field"].str() == "purpose"));
  }
  for (const char* role : {"helpdesk", "dashboard", "admin"}) {
    INFO(role);
    Refused(s, 403, "permissionDenied", [&] { return s.Get("/v1/families?q=f1", role); });
  }
}

TEST_CASE(
    "printed marking: the session gives the server's protective marking (OFFICIAL-SENSITIVE "
    "unless serve --marking says another), and a marking that could break the print style is "
    "refused",
    "[api][session]") {
  {
    TestServer s;
    const Json session = s.Get("/v1/session", "coordinator").json();
    CHECK(session["marking"].str() == "OFFICIAL-SENSITIVE");
  }
  {
    api::ServerOptions options;
    options.marking = "OFFICIAL: FAMILY RECORD (EARLY HELP)";
    TestServer s(options);
    const Json session = s.Get("/v1/session", "auditor").json();
    CHECK(session["marking"].str() == "OFFICIAL: FAMILY RECORD (EARLY HELP)");
  }
  CHECK(api::IsValidMarking("OFFICIAL"));
  for (const std::string& bad :
       std::vector<std::string>{"", "OFFICIAL\" } body { color: red", "a\\b", "x;y",
                                std::string(61, 'A'), std::string("caf\xc3\xa9")}) {
    INFO(bad);
    CHECK_FALSE(api::IsValidMarking(bad));
  }
}

TEST_CASE(
    "purpose required: a role the server names must say why it reads a family (400 naming "
    "purpose, nothing recorded), the session tells it so, and its reason is kept with the read",
    "[api][access]") {
  api::ServerOptions options;
  options.purpose_required = {api::Role::kAuditor};
  TestServer s(options);
  s.Seed();
  const Json auditor = s.Get("/v1/session", "auditor").json();
  CHECK(auditor["purposeRequired"].boolean());
  const Json manager = s.Get("/v1/session", "triage-manager").json();
  CHECK_FALSE(manager["purposeRequired"].boolean());
  for (const std::string& path :
       std::vector<std::string>{"/v1/families/F1", "/v1/families/F1/chronology?purpose=%20",
                                "/v1/families/F1/events", "/v1/families/F1/timescales",
                                "/v1/families/F1/step-up-pack", "/v1/families/F1/export"}) {
    INFO(path);
    Json error = Refused(s, 400, "invalidArgument", [&] { return s.Get(path, "auditor"); });
    CHECK(error["field"].str() == "purpose");
  }
  // A search and the queue are reads too: refused without a reason, taken with one.
  for (const std::string& path :
       std::vector<std::string>{"/v1/families?q=f1", "/v1/triage/queue"}) {
    INFO(path);
    Json error = Refused(s, 400, "invalidArgument", [&] { return s.Get(path, "auditor"); });
    CHECK(error["field"].str() == "purpose");
  }
  CHECK(s.Get("/v1/families?q=f1&purpose=sample", "auditor").status == 200);
  CHECK(s.Get("/v1/triage/queue?purpose=sample", "auditor").status == 200);
  // Other roles as before; the auditor with a reason is recorded with it.
  CHECK(s.Get("/v1/families/F1", "triage-manager").status == 200);
  CHECK(s.Get("/v1/families/F1?purpose=audit%20of%20case%20recording", "auditor").status == 200);
  const Json log = s.Get("/v1/audit/access?familyId=F1", "auditor").json();
  const auto& accesses = log["accesses"];
  REQUIRE(accesses.size() >= 3);
  CHECK(accesses[accesses.size() - 1]["purpose"].str() == "audit of case recording");
  bool searched = false;
  for (const Json& a : accesses.items()) {
    searched = searched ||
               (a["view"].str() == "search" && a["purpose"].str() == R"(search for "f1": sample)");
  }
  CHECK(searched);
}

}  // namespace
}  // namespace caseledger::testing
