// Data protection over HTTP (docs/DATA-PROTECTION.md): erasure by an admin, and the subject
// access export. The real server over a real, sealing ledger (tests/api/test_server.h).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "ledger/merkle.h"
#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

const std::string kErasure = "/v1/families/F1/erasure";
const std::string kReason = R"({"reason":"retention ended","authorisedBy":"DPO1"})";

TEST_CASE(
    "erasure over HTTP: an admin erases a family, its reads show [erased] beside its "
    "non-personal facts, the log verifies, every earlier proof holds, and every bad request "
    "is refused with nothing appended",
    "[api][erasure]") {
  TestServer s;
  s.Seed();
  s.GiveConsent("F1");
  REQUIRE(
      s.AppendFamily("F1", "P1",
                     {TestServer::Note("N1", "Mum says Alexandra sleeps badly", s.Now(-kMinute))})
          .status == 201);
  s.RegisterFamily("F2");

  const ledger::Checkpoint before = s.store().CurrentCheckpoint();
  std::vector<std::vector<ledger::Hash>> proofs;
  for (uint64_t seq = 1; seq <= before.size; ++seq) {
    proofs.push_back(*s.store().InclusionProof(seq - 1, before.size));
  }

  // Malformed bodies: each a 400 naming the field, nothing appended.
  const std::vector<std::pair<std::string, std::string>> malformed = {
      {"{}", "reason"},
      {R"({"reason":"retention ended"})", "authorisedBy"},
      {R"({"reason":"retention ended","authorisedBy":"DPO1","colour":"red"})", "colour"},
      {R"({"reason":7,"authorisedBy":"DPO1"})", "reason"},
      {R"({"reason":"   ","authorisedBy":"DPO1"})", "reason"},
      {R"({"reason":"retention ended","authorisedBy":"not an id!"})", "authorisedBy"},
      {"reason=retention", "body"},
      {R"({"reason":"r","authorisedBy":"DPO1"},"occurredAt":"2000-01-01T00:00:00Z")", "body"},
  };
  for (const auto& [body, field] : malformed) {
    INFO(body);
    Json error =
        Refused(s, 400, "invalidArgument", [&] { return s.Post(kErasure, "admin", body); });
    CHECK(error["field"].str() == field);
  }
  // A family with no record; a role other than admin.
  Refused(s, 404, "notFound", [&] { return s.Post("/v1/families/F9/erasure", "admin", kReason); });
  for (const char* role : {"P1", "triage-manager", "auditor", "coordinator", "dashboard"}) {
    INFO(role);
    Refused(s, 403, "permissionDenied", [&] { return s.Post(kErasure, role, kReason); });
  }

  // A legal hold blocks it, with the rule named; released, the erasure goes ahead.
  REQUIRE(s.AppendFamily("F1", "admin",
                         {Event("legalHoldApplied", R"({"reason":"court order 123"})", s.Now())})
              .status == 201);
  Json held = Refused(s, 422, "ruleViolated", [&] { return s.Post(kErasure, "admin", kReason); });
  CHECK(held["rule"].str() == "legal-hold");
  REQUIRE(s.AppendFamily("F1", "admin",
                         {Event("legalHoldReleased", R"({"reason":"proceedings ended"})", s.Now())})
              .status == 201);

  Response erased = s.Post(kErasure, "admin", kReason);
  INFO(erased.body);
  REQUIRE(erased.status == 200);
  Json answer = erased.json();
  CHECK(answer["erased"].boolean());
  CHECK_FALSE(answer["alreadyRecorded"].boolean());
  const uint64_t erasure_seq = std::stoull(answer["seq"].str());
  CHECK(erasure_seq == s.store().Size());
  CHECK(s.store().FamilyErased("F1"));
  CHECK_FALSE(s.store().FamilyErased("F2"));
  // The event records who carried it out, who authorised it and why.
  Json events = s.Get("/v1/families/F1/events?fromVersion=1&limit=100", "auditor").json();
  Json last = events["events"].items().back();
  CHECK(last["type"].str() == "familyErased");
  CHECK(last["actor"]["id"].str() == "admin");
  CHECK(last["data"]["authorisedBy"].str() == "DPO1");
  CHECK(last["data"]["reason"].str() == "retention ended");

  // Asked again: the same erasure, nothing appended.
  const uint64_t size = s.store().Size();
  Response again = s.Post(kErasure, "admin", kReason);
  REQUIRE(again.status == 200);
  CHECK(again.json()["alreadyRecorded"].boolean());
  CHECK(std::stoull(again.json()["seq"].str()) == erasure_seq);
  CHECK(s.store().Size() == size);

  // Reads: erased, nothing personal, the non-personal facts still there.
  Response state = s.Get("/v1/families/F1", "triage-manager");
  REQUIRE(state.status == 200);
  CHECK(state.json()["erased"].boolean());
  CHECK_THAT(state.body, Catch::Contains("[erased]"));
  CHECK_THAT(state.body, Catch::Contains("\"E1\""));
  Response chronology = s.Get("/v1/families/F1/chronology", "triage-manager");
  REQUIRE(chronology.status == 200);
  CHECK_THAT(chronology.body, Catch::Contains("Personal data erased: retention ended"));
  CHECK_THAT(chronology.body, Catch::Contains("consentGiven"));
  for (const std::string& read : {state.body, chronology.body}) {
    for (const char* personal : {kChildName, kParentName, kAddress, "sleeps badly"}) {
      INFO(personal);
      CHECK(read.find(personal) == std::string::npos);
    }
  }
  // Another family is untouched.
  CHECK_THAT(s.Get("/v1/families/F2", "triage-manager").body, Catch::Contains(kChildName));
  // Nothing more is recorded for it.
  Json refused = Refused(s, 422, "ruleViolated", [&] {
    return s.AppendFamily("F1", "P1", {TestServer::Note("N2", "late", s.Now())});
  });
  CHECK(refused["rule"].str() == "family-erased");

  // The log verifies against the checkpoint from before; every proof taken then still holds.
  CHECK(s.store().Verify(before).ok());
  for (uint64_t seq = 1; seq <= before.size; ++seq) {
    auto e = s.store().ReadSeq(seq);
    REQUIRE(e.ok());
    CHECK(
        ledger::VerifyInclusion(e->leaf_hash, seq - 1, before.size, proofs[seq - 1], before.root));
  }
  // And nothing personal reached the logs.
  const std::string logs = CapturedLogs().Text();
  for (const char* personal : {kChildName, kParentName, kAddress, "sleeps badly"}) {
    CHECK(logs.find(personal) == std::string::npos);
  }
}

TEST_CASE(
    "subject access export: who read the record is listed only for the auditor, whose own "
    "reads show no purpose but for exports, and triage managers and coordinators see no reads "
    "at all",
    "[api][subject-access]") {
  TestServer s;
  s.Seed();
  REQUIRE(s.Get("/v1/families/F1/chronology?purpose=triage-review", "triage-manager").status ==
          200);
  REQUIRE(s.Get("/v1/families/F1/chronology?purpose=investigating%20TM1%20for%20misuse", "auditor")
              .status == 200);
  REQUIRE(s.Get("/v1/families/F1/export?purpose=SAR-2026-18", "auditor").status == 200);

  for (const char* role : {"triage-manager", "coordinator"}) {
    INFO(role);
    Response r = s.Get("/v1/families/F1/export", role);
    REQUIRE(r.status == 200);
    CHECK(r.json()["reads"].is_null());
    CHECK_THAT(r.json()["readsWithheld"].str(), Catch::Contains("the access log is the auditor's"));
    CHECK(r.body.find("investigating") == std::string::npos);
    CHECK(r.body.find("triage-review") == std::string::npos);
    CHECK(r.body.find("SAR-2026-18") == std::string::npos);
    Response html = s.Get("/v1/families/F1/export?format=html", role);
    CHECK_THAT(html.body, Catch::Contains("Who read this record is not in this export"));
    CHECK(html.body.find("investigating") == std::string::npos);
  }

  Response r = s.Get("/v1/families/F1/export?purpose=SAR-2026-18", "auditor");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("investigating") == std::string::npos);
  const Json exported = r.json();
  std::map<std::string, std::string> purposes;  // role/view -> purpose ("null" when withheld)
  for (const Json& read : exported["reads"].items()) {
    purposes[read["by"]["role"].str() + "/" + read["view"].str()] =
        read["purpose"].is_null() ? "null" : read["purpose"].str();
  }
  CHECK(purposes["triage-manager/chronology"] == "triage-review");
  CHECK(purposes["auditor/chronology"] == "null");
  CHECK(purposes["auditor/subjectAccessExport"] == "SAR-2026-18");
}

TEST_CASE(
    "subject access export: the complete record of a family in order, personal fields opened, "
    "third parties' entries marked for review before disclosure, the export itself in the "
    "access log, and printable HTML",
    "[api][subject-access]") {
  TestServer s;
  s.Seed();
  s.GiveConsent("F1");
  const std::string at = s.Now(-5 * kMinute);
  REQUIRE(s.AppendFamily(
               "F1", "P1",
               {TestServer::Note("N1", "Home visit: the children were well", at),
                Event("caseNoteAdded",
                      R"({"episodeId":"E1","noteId":"N2","category":"practitionerUpdate",)"
                      R"("text":"Health visitor reports missed appointments","significant":false,)"
                      R"("sourceAgency":"health"})",
                      at),
                Event("contributionRequested",
                      R"({"episodeId":"E1","requestId":"R1","agency":"school"})", at),
                Event("contributionReceived", R"({"episodeId":"E1","requestId":"R1"})", at)})
              .status == 201);
  REQUIRE(s.AppendFamily("F1", "triage-manager",
                         {Event("concernReceived",
                                R"({"concernId":"C1","source":"public","kind":"neighbour",)"
                                R"("summary":"A neighbour heard shouting late at night",)"
                                R"("aboveThreshold":false})",
                                s.Now(-2 * kMinute))})
              .status == 201);
  // A backdated entry, recorded last but happened first.
  REQUIRE(s.AppendFamily("F1", "P1",
                         {TestServer::Note("N0", "Phone call before the visit", s.Now(-kHour))})
              .status == 201);
  s.RegisterFamily("F2");  // not in F1's export

  auto stream = s.store().ReadStream("family/F1", 1, 1000);
  REQUIRE(stream.ok());
  std::set<std::string> stream_seqs;
  for (const auto& e : *stream) stream_seqs.insert(std::to_string(e.seq));

  Response r = s.Get("/v1/families/F1/export?purpose=SAR-2026-17", "auditor");
  INFO(r.body.substr(0, 400));
  REQUIRE(r.status == 200);
  Json x = r.json();
  CHECK(x["familyId"].str() == "F1");
  // Complete: exactly the family's events, each once.
  CHECK(std::stoull(x["events"].str()) == stream->size());
  std::set<std::string> seqs;
  int64_t previous = 0;
  std::map<std::string, Json> by_type;
  for (const Json& entry : x["entries"].items()) {
    seqs.insert(entry["seq"].str());
    // In the order things happened.
    const int64_t occurred = Rfc3339(entry["occurredAt"].str());
    CHECK(occurred >= previous);
    previous = occurred;
    CHECK(entry["event"]["seq"].str() == entry["seq"].str());
    by_type[entry["type"].str() + (entry["type"].str() == "caseNoteAdded"
                                       ? "/" + entry["event"]["data"]["noteId"].str()
                                       : "")] = entry;
  }
  CHECK(seqs == stream_seqs);
  // The backdated note, recorded last, is listed before the visit it preceded.
  size_t n0 = 0, n1 = 0;
  for (size_t i = 0; i < x["entries"].size(); ++i) {
    const std::string note = x["entries"][i]["event"]["data"]["noteId"].str();
    if (note == "N0") n0 = i;
    if (note == "N1") n1 = i;
  }
  CHECK(n0 < n1);
  CHECK(by_type.at("caseNoteAdded/N0")["seq"].num() > by_type.at("caseNoteAdded/N1")["seq"].num());
  // Personal fields opened: it is the family's own record.
  CHECK_THAT(r.body, Catch::Contains(kChildName));
  CHECK_THAT(r.body, Catch::Contains("Home visit: the children were well"));
  // Third parties marked; the family's own and the authority's own entries not.
  CHECK(by_type.at("concernReceived")["reviewBeforeDisclosure"].boolean());
  CHECK(by_type.at("concernReceived")["thirdParty"].str() == "public");
  CHECK(by_type.at("caseNoteAdded/N2")["reviewBeforeDisclosure"].boolean());
  CHECK(by_type.at("caseNoteAdded/N2")["thirdParty"].str() == "health");
  CHECK(by_type.at("contributionReceived")["thirdParty"].str() == "school");
  CHECK_FALSE(by_type.at("caseNoteAdded/N1")["reviewBeforeDisclosure"].boolean());
  CHECK(by_type.at("caseNoteAdded/N1")["thirdParty"].is_null());
  CHECK_FALSE(by_type.at("familyRegistered")["reviewBeforeDisclosure"].boolean());
  CHECK(x["entriesToReview"].str() == "3");
  CHECK(r.body.find("F2") == std::string::npos);
  // The export is in the access log, with its purpose: the next export lists it.
  Json next = s.Get("/v1/families/F1/export", "auditor").json();
  bool logged = false;
  for (const Json& read : next["reads"].items()) {
    logged |= read["view"].str() == "subjectAccessExport" && read["purpose"].str() == "SAR-2026-17";
  }
  CHECK(logged);

  // As of an earlier seq: only what was recorded by then.
  const uint64_t early = stream->at(2).seq;
  Json then = s.Get("/v1/families/F1/export?asOfSeq=" + std::to_string(early), "auditor").json();
  CHECK(then["events"].str() == "3");

  // Printable HTML: the same entries, the marks, escaped, no scripts allowed.
  Response html = s.Get("/v1/families/F1/export?format=html", "coordinator");
  REQUIRE(html.status == 200);
  CHECK(html.Header("Content-Type").rfind("text/html", 0) == 0);
  CHECK_THAT(html.Header("Content-Security-Policy"), Catch::Contains("default-src 'none'"));
  CHECK_THAT(html.body, Catch::Contains("3 entries are marked for review before disclosure"));
  CHECK_THAT(html.body, Catch::Contains("A neighbour heard shouting late at night"));
  CHECK_THAT(html.body, Catch::Contains(kChildName));

  Json bad = Refused(s, 400, "invalidArgument",
                     [&] { return s.Get("/v1/families/F1/export?format=pdf", "auditor"); });
  CHECK(bad["field"].str() == "format");
  for (const char* role : {"P1", "helpdesk", "dashboard", "admin"}) {
    INFO(role);
    Refused(s, 403, "permissionDenied", [&] { return s.Get("/v1/families/F1/export", role); });
  }
  Refused(s, 404, "notFound", [&] { return s.Get("/v1/families/F9/export", "auditor"); });
}

}  // namespace
}  // namespace caseledger::testing
