// The HTTP API end to end (EVENTS.md "HTTP"): the real server on a free loopback port over a
// real ledger (tests/api/test_server.h), driven with a real HTTP client.
//
// This file: issue 18's "replay every fixture family over HTTP with each line's actor's own
// token: the fixtures must be recordable through the API, not only by import". Each scenario
// of fixtures/families/ (README.md there) goes into a fresh server right after
// 00-practitioners.jsonl, line by line, the clock set to each line's recordedAt, posted with a
// token of the line's actor (role and id; the recorded actor's `agency` is not sent: the token
// decides the actor). A line the fixture expects refused must be refused with that rule (or,
// for the few lines of kRefusedByRole, with a 403 for not being on the family's team) and
// append nothing; every other line must be appended.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ledger/json_codec.h"
#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

const std::string kFamilies = std::string(CASELEDGER_FIXTURES_DIR) + "/families/";

// The request body is built from the fixture line parsed with the tests' JSON reader
// (tests/api/json_reader.h) and written back by this small writer: strings through
// ledger::JsonQuote, numbers as their literal text, members in their order, so the events go
// out exactly as make_fixtures.py wrote them (no JSON writing library is linked here).
std::string WriteJson(const Json& v) {
  switch (v.kind()) {
    case Json::Kind::kNull:
      return "null";
    case Json::Kind::kBool:
      return v.boolean() ? "true" : "false";
    case Json::Kind::kNumber:
      return v.str();
    case Json::Kind::kString:
      return ledger::JsonQuote(v.str());
    case Json::Kind::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < v.items().size(); ++i) {
        out += (i ? "," : "") + WriteJson(v.items()[i]);
      }
      return out + "]";
    }
    case Json::Kind::kObject: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, value] : v.members()) {
        out += (first ? "" : ",") + ledger::JsonQuote(key) + ":" + WriteJson(value);
        first = false;
      }
      return out + "}";
    }
  }
  return "null";
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO("fixture file " << path);
  REQUIRE(in.good());
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The bytes of the fixtures' only document (01's F101/D1), as make_fixtures.py makes them. A
// documentUploaded names bytes stored before it (the test server's rules have
// documents_must_be_stored), so its actor first stores them through the documents route.
const std::string kFixturePdf =
    "%PDF-1.4\n% caseledger synthetic fixture F101/D1: not a real document\n"
    "1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

// Expected refusals the API makes before the rules are asked: the actor may not act on the
// family at all, so the rule the fixture names (which import, with no tokens, reaches) cannot
// be reached over HTTP. File and line (1-based) -> the status and the start of the message.
const std::map<std::pair<std::string, int>, std::pair<int, std::string>> kRefusedByRole = {
    // P9 (trained in practice standards only) is not on F110's team: a practitioner may
    // write only to families whose team they are on (projections/permission.h).
    {{"10-untrained-practitioner-refused.jsonl", 3},
     {403, "practitioner P9 is not the keyworker or a TAF member of family F110"}},
    // P8 was deactivated on 30 Jan: their token opens nothing (api/server.cc, Authenticate).
    {{"10-untrained-practitioner-refused.jsonl", 4},
     {401, "the token's practitioner P8 was deactivated"}},
};

// Replays 00 then `file` into a fresh server; checks each line's answer and, at the end, that
// the family's version over HTTP counts the events of its accepted lines.
void ReplayOverHttp(const std::string& file) {
  TestServer s;
  std::map<std::pair<std::string, std::string>, std::string> tokens;  // (role, id) -> token
  std::string family;                                                 // the scenario's family id
  int64_t family_events = 0;    // events of its accepted lines
  uint64_t access_records = 0;  // appended by refusals that show what a read shows
  bool after_practitioners = false;

  for (const std::string& name : {std::string("00-practitioners.jsonl"), file}) {
    if (name == file) {
      // 08's correctsSeq counts 00's events and nothing else before the scenario.
      REQUIRE(s.store().Size() == 24);
      after_practitioners = true;
    }
    const std::vector<std::string> lines = ReadLines(kFamilies + name);
    REQUIRE_FALSE(lines.empty());
    for (size_t i = 0; i < lines.size(); ++i) {
      const int number = static_cast<int>(i) + 1;
      INFO(name << " line " << number);
      auto parsed = Json::Parse(lines[i]);
      REQUIRE(parsed.has_value());
      const Json& line = *parsed;

      // The line's recorded time.
      s.clock().Set(Rfc3339(line["recordedAt"].str()));

      // Its actor's own token, created once.
      const std::string role_name = line["actor"]["role"].str();
      const std::string actor_id = line["actor"]["id"].str();
      INFO("actor " << actor_id << " (" << role_name << ")");
      auto& token = tokens[{role_name, actor_id}];
      if (token.empty()) {
        auto role = api::ParseRole(role_name);
        REQUIRE(role.ok());
        auto issued = s.tokens().Create(*role, actor_id, s.clock().NowMicros(), 0);
        INFO(issued.status().ToString());
        REQUIRE(issued.ok());
        token = issued->token;
      }

      // Its route.
      const std::string stream = line["stream"].str();
      const size_t slash = stream.find('/');
      REQUIRE(slash != std::string::npos);
      const std::string kind = stream.substr(0, slash), id = stream.substr(slash + 1);
      std::string path;
      if (kind == "family") {
        path = "/v1/families/" + id + "/events";
        if (after_practitioners) {
          if (family.empty()) family = id;
          CHECK(id == family);
        }
      } else {
        REQUIRE(kind == "practitioner");
        path = "/v1/practitioners/" + id + "/events";
      }

      // A document's bytes before the event that names them.
      const std::string expect_refusal = line["expectRefusal"].str();
      for (const Json& event : line["events"].items()) {
        if (event["type"].str() != "documentUploaded") continue;
        const Json& data = event["data"];
        REQUIRE(data["sha256"].str() == Sha256Hex(kFixturePdf));
        Response stored = s.PostWith(
            "/v1/families/" + id + "/documents?filename=" + QueryValue(data["filename"].str()),
            TestServer::Auth(token), kFixturePdf, data["mediaType"].str());
        INFO("document: " << stored.status << " " << stored.body);
        REQUIRE(stored.status == 201);
      }

      const std::string body = R"({"expectedVersion":)" + WriteJson(line["expectedVersion"]) +
                               R"(,"events":)" + WriteJson(line["events"]) + "}";
      const uint64_t before = s.store().Size();
      Response r = s.PostWith(path, TestServer::Auth(token), body, "application/json");
      INFO("answer " << r.status << ": " << r.body);
      if (expect_refusal.empty()) {
        REQUIRE(r.status == 201);
        CHECK(s.store().Size() == before + line["events"].size());
        if (after_practitioners) family_events += static_cast<int64_t>(line["events"].size());
      } else if (auto by_role = kRefusedByRole.find({name, number});
                 by_role != kRefusedByRole.end()) {
        // Refused for who the actor is, nothing else.
        const auto& [status, message] = by_role->second;
        Json error =
            RequireError(r, status, status == 401 ? "unauthenticated" : "permissionDenied");
        CHECK(error["message"].str().rfind(message, 0) == 0);
        CHECK(s.store().Size() == before);
      } else {
        REQUIRE(r.status == 422);
        CHECK(r.json()["error"]["rule"].str() == expect_refusal);
        if (expect_refusal == "one-open-episode") {
          // The refusal shows the open episode's keyworker contact: recorded in the access log
          // as the open-episode check records it, and nothing else appended.
          REQUIRE(s.store().Size() == before + 1);
          auto last = s.store().ReadLog(before, 1);
          REQUIRE(last.ok());
          CHECK(last->at(0).type == "recordViewed");
          CHECK(last->at(0).stream == projections::kAccessStream);
          access_records += 1;
        } else {
          CHECK(s.store().Size() == before);
        }
      }
    }
  }

  // The family's state over HTTP against what import gives: its version counts the events of
  // the accepted lines, and it and the log's size are those of import's golden state
  // (tests/projections/fixtures_test.cc).
  REQUIRE_FALSE(family.empty());
  const std::string golden_path =
      kFamilies + "golden/" + file.substr(0, file.size() - 6) + ".state.json";
  auto golden = Json::Parse(ReadText(golden_path));
  INFO("golden " << golden_path);
  REQUIRE(golden.has_value());
  CHECK(s.store().Size() == static_cast<uint64_t>((*golden)["asOfSeq"].num()) + access_records);
  Response state = s.Get("/v1/families/" + family, "auditor");
  INFO("answer " << state.status << ": " << state.body);
  REQUIRE(state.status == 200);
  CHECK(state.json()["familyId"].str() == family);
  CHECK(state.json()["version"].num() == family_events);
  CHECK(state.json()["version"].num() == (*golden)["version"].num());
}

TEST_CASE(
    "fixtures over HTTP: every fixture family is recordable through the API with each line's "
    "actor's own token, and each expected refusal is the rule it names",
    "[api]") {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kFamilies)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".jsonl" && name != "00-practitioners.jsonl") {
      files.push_back(name);
    }
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == 16);
  for (const std::string& file : files) {
    DYNAMIC_SECTION(file) { ReplayOverHttp(file); }
  }
}

}  // namespace
}  // namespace caseledger::testing
