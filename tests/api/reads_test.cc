// The HTTP API end to end (EVENTS.md "HTTP"): the real server on a free loopback port over a
// real ledger (tests/api/test_server.h), driven with a real HTTP client. Every refusal is
// checked for its status, its JSON error {"error": {"code", "message", ...}} and for having
// appended nothing to the log.
//
// This file: reads as of, the access log, the live feed, documents, checkpoint and proofs.
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

// ---------------------------------------------------------------- reads kept in the cache

TEST_CASE(
    "reads: a chronology and a state kept with their family's version are the ones made afresh, "
    "after an append to it or to another family, on a later day and after practitioners change",
    "[api]") {
  TestServer s;
  s.Seed();
  s.RegisterFamily("F2");
  // The chronology read now (kept in the cache) and one made afresh (as of the same seq: never
  // kept); the same entries, each with the log's size at the read.
  auto check = [&](const std::string& why) {
    INFO(why);
    Response now = s.Get("/v1/families/F1/chronology", "triage-manager");
    REQUIRE(now.status == 200);
    const std::string size = std::to_string(s.store().Size());
    Response fresh = s.Get("/v1/families/F1/chronology?asOfSeq=" + size, "triage-manager");
    REQUIRE(fresh.status == 200);
    CHECK(now.json()["asOfSeq"].num() + 1 == fresh.json()["asOfSeq"].num());  // its own read
    auto entries = [](const std::string& body) { return body.substr(body.find("\"entries\":")); };
    CHECK(entries(now.body) == entries(fresh.body));
    // The family's state likewise: kept after its asOfSeq, the same as one made afresh.
    Response state = s.Get("/v1/families/F1", "triage-manager");
    REQUIRE(state.status == 200);
    Response state_fresh =
        s.Get("/v1/families/F1?asOfSeq=" + std::to_string(s.store().Size()), "triage-manager");
    REQUIRE(state_fresh.status == 200);
    auto rest = [](const std::string& body) { return body.substr(body.find(",\"registered\":")); };
    CHECK(rest(state.body) == rest(state_fresh.body));
    return now;
  };
  Response first = check("first read");
  Response again = check("read again (kept)");
  CHECK(again.body != first.body);  // the heading's asOfSeq moved on: the reads were logged
  REQUIRE(s.AppendFamily("F1", "P1", {TestServer::Note("N1", "visit", s.Now(-kMinute))}).status ==
          201);
  Response noted = check("after a note");
  CHECK(noted.body.find("\"caseNoteAdded\"") != std::string::npos);
  REQUIRE(s.AppendFamily("F2", "P1", {TestServer::Note("N2", "visit", s.Now(-kMinute))}).status ==
          201);
  check("after another family's note");
  s.clock().Advance(40 * kDay);  // timescales run out: computed entries appear
  Response later = check("40 days later");
  CHECK(later.body.find("\"computed\":true") != std::string::npos);
  s.RegisterPractitioner("helpdesk1");  // the id that registered the family, now a name
  check("after a practitioner registered under an id the record names");
  REQUIRE(s.Post("/v1/practitioners/P2/events", "admin",
                 AppendBody(
                     {Event("practitionerDeactivated", R"({"reason":"left"})", s.Now(-kMinute))}))
              .status == 201);
  check("after a practitioner deactivated");
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
  // Only who may record documentUploaded (a practitioner on the team) stores the bytes.
  Refused(s, 403, "permissionDenied", [&] {
    return s.Post("/v1/families/F1/documents?filename=x.pdf", "triage-manager", pdf,
                  "application/pdf");
  });
  // A practitioner is not told that F9 does not exist (roles_test.cc).
  Refused(s, 403, "permissionDenied", [&] {
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

  // (A dashboard asks as of a day, not a seq: roles_test.cc.)
  Response counts = s.Get("/v1/reports/timescales?asOfSeq=1", "coordinator");
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
  // It is a signed note that the server's verifier key opens.
  CHECK(ledger::OpenNote(cp.body, s.signer().verifier).ok());
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

}  // namespace
}  // namespace caseledger::testing

namespace caseledger::testing {
namespace {

TEST_CASE(
    "reports: compliance over a period needs both from and to, in order, and the list of intervals "
    "goes only to the roles that read every family",
    "[api]") {
  TestServer s;
  s.Seed();
  const std::string base = "/v1/reports/timescales";
  CHECK(Refused(s, 400, "invalidArgument",
                [&] { return s.Get(base + "?from=2026-04-01", "triage-manager"); })["field"]
            .str() == "to");
  CHECK(Refused(s, 400, "invalidArgument",
                [&] {
                  return s.Get(base + "?from=2026-04-01&to=2026-03-01", "triage-manager");
                })["field"]
            .str() == "to");
  CHECK(Refused(s, 400, "invalidArgument",
                [&] { return s.Get(base + "?from=April&to=2026-03-01", "dashboard"); })["field"]
            .str() == "from");
  const std::string period = base + "?from=2026-01-01&to=2026-12-31";
  Response tm = s.Get(period, "triage-manager");
  REQUIRE(tm.status == 200);
  Json json = tm.json();
  CHECK(json["period"]["from"].str() == "2026-01-01");
  CHECK(json["period"]["timescales"]["assessment-3-weeks"]["due"].num() >= 1);
  CHECK(json["period"]["timescales"]["assessment-3-weeks"]["items"].size() >= 1);
  Response dash = s.Get(period, "dashboard");
  REQUIRE(dash.status == 200);
  CHECK(dash.json()["period"]["timescales"]["assessment-3-weeks"]["due"].num() >= 1);
  CHECK(dash.body.find("\"items\"") == std::string::npos);
  CHECK(dash.body.find("F1") == std::string::npos);
}

}  // namespace
}  // namespace caseledger::testing

namespace caseledger::testing {
namespace {

TEST_CASE(
    "step-up pack: consent, keyworker (shown inactive once deactivated, with no contact), "
    "timescale misses and the significant chronology with computed entries, as of any moment, "
    "logged like any read and refused to roles that may not read the family",
    "[api]") {
  TestServer s;
  s.Seed();  // registered 2026-05-01, the clock at 2026-05-01T12:00Z
  s.GiveConsent("F1");
  const uint64_t before = s.store().Size();
  s.clock().Set(Rfc3339("2026-06-01T12:00:00Z"));  // the assessment: 10 days overdue
  REQUIRE(s.Post("/v1/practitioners/P1/events", "admin",
                 AppendBody(
                     {Event("practitionerDeactivated", R"({"reason":"left"})", s.Now(-kMinute))}))
              .status == 201);

  Response r = s.Get("/v1/families/F1/step-up-pack", "triage-manager");
  INFO(r.body);
  REQUIRE(r.status == 200);
  Json pack = r.json();
  CHECK(pack["children"][0]["name"].str() == kChildName);
  CHECK(pack["episode"]["consent"]["given"].boolean());
  CHECK(pack["episode"]["keyworker"]["id"].str() == "P1");
  CHECK_FALSE(pack["episode"]["keyworker"]["active"].boolean());
  CHECK(r.body.find("P1@") == std::string::npos);  // no email in the pack
  bool assessment_missed = false;
  for (size_t i = 0; i < pack["timescaleMisses"].size(); ++i) {
    const Json& m = pack["timescaleMisses"][i];
    if (m["id"].str() == "assessment-3-weeks") {
      assessment_missed = true;
      CHECK(m["state"].str() == "breached");
      CHECK(m["daysLate"].num() == 10);
    }
  }
  CHECK(assessment_missed);
  bool computed = false, consent = false;
  for (size_t i = 0; i < pack["chronology"].size(); ++i) {
    const Json& e = pack["chronology"][i];
    computed = computed || (e["computed"].boolean() && e["type"].str() == "timescaleMissed");
    consent = consent || e["type"].str() == "consentGiven";
    CHECK(e["occurredAtLocal"].str().find("+01:00") != std::string::npos);  // BST in May
  }
  CHECK(computed);
  CHECK(consent);

  // As of before the deactivation: the keyworker was active then, and nothing was missed yet.
  Json then =
      s.Get("/v1/families/F1/step-up-pack?asOfSeq=" + std::to_string(before), "triage-manager")
          .json();
  CHECK(then["episode"]["keyworker"]["active"].boolean());
  CHECK(then["on"].str() == "2026-05-01");
  CHECK(then["timescaleMisses"].size() == 0);

  // Logged like any read; refused to roles that read no record.
  Json access = s.Get("/v1/audit/access?familyId=F1", "auditor").json();
  bool logged = false;
  for (size_t i = 0; i < access["accesses"].size(); ++i) {
    logged = logged || access["accesses"][i]["view"].str() == "stepUpPack";
  }
  CHECK(logged);
  for (const char* label : {"dashboard", "helpdesk", "admin", "P2"}) {
    INFO(label);
    RequireError(s.Get("/v1/families/F1/step-up-pack", label), 403, "permissionDenied");
  }
}

}  // namespace
}  // namespace caseledger::testing
