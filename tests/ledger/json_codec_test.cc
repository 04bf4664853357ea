// Requests are checked against the schema; each mistake is refused naming its field.
#include <catch2/catch.hpp>

#include "ledger/json_codec.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

const char* kGoodLine =
    R"({"stream":"family/F1","expectedVersion":0,"actor":{"id":"hd1","role":"helpdesk"},)"
    R"("events":[{"eventId":"2f1c6f1e-8d4b-4c55-9a0e-3b7f1c2d4e5f","type":"familyRegistered",)"
    R"("occurredAt":"2026-03-02T11:15:00+01:00","data":{"members":[{"memberId":"C1",)"
    R"("role":"child","name":"Alex","dateOfBirth":"2015-06-01"}],"address":"1 Road"}}]})";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

Status ParseLine(const std::string& json) {
  return ParseAppendJson(json, AppendJsonForm::kImportLine).status();
}

TEST_CASE("json: a well-formed import line parses into a request", "[ledger][json]") {
  auto r = ParseAppendJson(kGoodLine, AppendJsonForm::kImportLine);
  REQUIRE(r.ok());
  CHECK(r->stream == "family/F1");
  CHECK_FALSE(r->expected.any);
  CHECK(r->expected.version == 0);
  CHECK(r->actor.role == "helpdesk");
  REQUIRE(r->events.size() == 1);
  CHECK(r->events[0].type() == "familyRegistered");
  CHECK(r->events[0].occurred_at() == testing::kMarch2);  // 11:15+01:00 is 10:15Z
  CHECK(r->events[0].id().ToString() == "2f1c6f1e-8d4b-4c55-9a0e-3b7f1c2d4e5f");
  auto any =
      ParseAppendJson(Replace(kGoodLine, R"("expectedVersion":0)", R"("expectedVersion":"any")"),
                      AppendJsonForm::kImportLine);
  REQUIRE(any.ok());
  CHECK(any->expected.any);
}

TEST_CASE("json: each malformed request is refused naming the field", "[ledger][json]") {
  struct Case {
    const char* what;
    std::string json;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"unknown top-level field", Replace(kGoodLine, R"("stream")", R"("x":1,"stream")"), "x"},
      {"unknown type", Replace(kGoodLine, "familyRegistered", "familyAdopted"), "events[0].type"},
      {"unknown data field",
       Replace(kGoodLine, R"("address":"1 Road")", R"("address":"1 Road","pets":2)"),
       "events[0].data.pets"},
      {"unknown nested field",
       Replace(kGoodLine, R"("memberId":"C1",)", R"("memberId":"C1","x":1,)"),
       "events[0].data.members[0].x"},
      {"missing required field", Replace(kGoodLine, R"("name":"Alex",)", ""),
       "events[0].data.members[0].name"},
      {"wrong kind", Replace(kGoodLine, R"("name":"Alex")", R"("name":5)"),
       "events[0].data.members[0].name"},
      {"bad enum", Replace(kGoodLine, R"("role":"child")", R"("role":"uncle")"),
       "events[0].data.members[0].role"},
      {"bad date", Replace(kGoodLine, "2015-06-01", "2015-02-30"),
       "events[0].data.members[0].dateOfBirth"},
      {"bad id", Replace(kGoodLine, R"("memberId":"C1")", R"("memberId":"C 1")"),
       "events[0].data.members[0].memberId"},
      {"bad eventId", Replace(kGoodLine, "2f1c6f1e-8d4b", "2f1c6f1e8d4b-"), "events[0].eventId"},
      {"time without offset", Replace(kGoodLine, "11:15:00+01:00", "11:15:00"),
       "events[0].occurredAt"},
      {"recordedAt given by the caller",
       Replace(kGoodLine, R"("occurredAt")", R"("recordedAt":"2026-03-02T10:15:00Z","occurredAt")"),
       "events[0].recordedAt"},
      {"bad expectedVersion",
       Replace(kGoodLine, R"("expectedVersion":0)", R"("expectedVersion":-1)"), "expectedVersion"},
      {"bad stream", Replace(kGoodLine, "family/F1", "family/F!"), "stream"},
      {"null value", Replace(kGoodLine, R"("address":"1 Road")", R"("address":null)"),
       "events[0].data.address"},
      {"missing actor", Replace(kGoodLine, R"("actor":{"id":"hd1","role":"helpdesk"},)", ""),
       "actor"},
      {"no events",
       Replace(kGoodLine, kGoodLine + std::string(kGoodLine).find("[{\"eventId"), "[]}"), "events"},
  };
  for (const auto& c : cases) {
    INFO(c.what << ": " << c.json);
    Status s = ParseLine(c.json);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.field() == c.field);
  }
  CHECK(ParseLine("{not json").code() == Code::kInvalidArgument);
  CHECK(ParseLine("[1,2]").code() == Code::kInvalidArgument);
}

TEST_CASE("json: an eventId repeated inside one request is refused", "[ledger][json]") {
  std::string event = std::string(kGoodLine).substr(std::string(kGoodLine).find("{\"eventId"));
  event = event.substr(0, event.size() - 2);  // drop "]}"
  std::string twice = Replace(kGoodLine, event, event + "," + event);
  Status s = ParseLine(twice);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.field() == "events[1].eventId");
}

TEST_CASE("json: an event over 1 MiB once encoded is refused naming its data", "[ledger][json]") {
  std::string services;
  for (int i = 0; i < 300000; ++i) services += std::string(i ? "," : "") + "\"\"";
  std::string body =
      R"({"expectedVersion":"any","events":[{"eventId":"2f1c6f1e-8d4b-4c55-9a0e-3b7f1c2d4e5f",)"
      R"("type":"signposted","occurredAt":"2026-03-02T10:15:00Z","data":{"services":[)" +
      services + "]}}]}";
  Status s = ParseAppendJson(body, AppendJsonForm::kHttpBody, "family/F1", Actor{}).status();
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.field() == "events[0].data");
}

TEST_CASE("json: a correction's replacement must be an object, actor fields must be text",
          "[ledger][json]") {
  const std::string body =
      R"({"expectedVersion":"any","events":[{"eventId":"2f1c6f1e-8d4b-4c55-9a0e-3b7f1c2d4e5f",)"
      R"("type":"recordCorrected","occurredAt":"2026-03-02T10:15:00Z","data":{"correctsSeq":4,)"
      R"("reason":"wrong date","replacement":5}}]})";
  Status s = ParseAppendJson(body, AppendJsonForm::kHttpBody, "family/F1", Actor{}).status();
  CHECK(s.field() == "events[0].data.replacement");
  Status agency =
      ParseLine(Replace(kGoodLine, R"("role":"helpdesk")", R"("role":"helpdesk","agency":7)"));
  CHECK(agency.code() == Code::kInvalidArgument);
  CHECK(agency.field() == "actor.agency");
  Status not_object = ParseLine(Replace(kGoodLine, R"("events":[)", R"("events":[7,)"));
  CHECK(not_object.field() == "events[0]");
}

TEST_CASE("json: an HTTP body takes stream and actor from the route and token", "[ledger][json]") {
  const std::string body =
      R"({"expectedVersion":"any","events":[{"eventId":"2f1c6f1e-8d4b-4c55-9a0e-3b7f1c2d4e5f",)"
      R"("type":"recordCorrected","occurredAt":"2026-03-02T10:15:00Z","data":{"correctsSeq":4,)"
      R"("reason":"wrong date","replacement":{"nextReviewOn":"2026-05-01","n":[1,true]}}}]})";
  Actor actor{"P1", "practitioner", "", "t1"};
  auto r = ParseAppendJson(body, AppendJsonForm::kHttpBody, "family/F1", actor);
  REQUIRE(r.ok());
  CHECK(r->stream == "family/F1");
  CHECK(r->actor.id == "P1");
  CHECK(r->events[0].corrects() == 4);
  CHECK(ParseAppendJson(body, AppendJsonForm::kHttpBody, "family/F 1", actor).status().field() ==
        "stream");
  CHECK(ParseAppendJson(
            Replace(body, R"("expectedVersion")", R"("stream":"family/F2","expectedVersion")"),
            AppendJsonForm::kHttpBody, "family/F1", actor)
            .status()
            .field() == "stream");
}

TEST_CASE("json: an event reads back with the envelope of EVENTS.md and its data unchanged",
          "[ledger][json]") {
  testing::TempDir dir;
  ManualClock clock(testing::kMarch2 + 250'000);
  auto store = testing::OpenStore(dir.str(), clock);
  auto request = ParseAppendJson(kGoodLine, AppendJsonForm::kImportLine);
  REQUIRE(request.ok());
  REQUIRE(store->Append(std::move(request).value()).ok());
  auto e = store->ReadSeq(1);
  REQUIRE(e.ok());
  auto json = EventToJson(*e, true);
  REQUIRE(json.ok());
  const std::string expected_prefix =
      R"({"seq":1,"stream":"family/F1","version":1,"eventId":"2f1c6f1e-8d4b-4c55-9a0e-3b7f1c2d4e5f",)"
      R"("type":"familyRegistered","occurredAt":"2026-03-02T10:15:00Z",)"
      R"("recordedAt":"2026-03-02T10:15:00.250Z","actor":{"id":"hd1","role":"helpdesk"},)"
      R"("data":{"members":[{"memberId":"C1","role":"child","name":"Alex","dateOfBirth":"2015-06-01"}],)"
      R"("address":"1 Road"},"leafHash":")";
  CHECK(json->substr(0, expected_prefix.size()) == expected_prefix);
  CHECK_THAT(*json, Catch::Contains(R"("raw":")"));
}

TEST_CASE("json: errors render as EVENTS.md error objects", "[ledger][json]") {
  CHECK(StatusToJson(Status::InvalidArgument("bad \"x\"", "data.x")) ==
        R"({"error":{"code":"invalidArgument","message":"bad \"x\"","field":"data.x"}})");
  CHECK(StatusToJson(Status::Conflict("moved on", 4)) ==
        R"({"error":{"code":"conflict","message":"moved on","currentVersion":4}})");
  CHECK(StatusToJson(Status::RuleViolated("one-open-episode", "no")) ==
        R"({"error":{"code":"ruleViolated","message":"no","rule":"one-open-episode"}})");
}

TEST_CASE("json: an event's data alone is checked against its kind, naming the field",
          "[ledger][json]") {
  auto ok =
      ParseEventData("caseNoteAdded", R"({"episodeId":"E1","noteId":"N1","category":"contact",)"
                                      R"("text":"t","significant":false})");
  REQUIRE(ok.ok());
  CHECK(ok->type() == "caseNoteAdded");
  auto bad = ParseEventData("caseNoteAdded", R"({"episodeId":"E1","colour":"red"})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == caseledger::Code::kInvalidArgument);
  CHECK(bad.status().field() == "data.colour");
}

TEST_CASE("json: an event's data is one object, and nothing after it adds to the event",
          "[ledger][json]") {
  // Spliced into an event, this would otherwise backdate it or change its kind.
  for (const char* data :
       {R"({"reason":"r","authorisedBy":"A"},"occurredAt":"2000-01-01T00:00:00Z")",
        R"({"reason":"r","authorisedBy":"A"}, "type":"legalHoldApplied")", R"("just a string")",
        R"([1,2])", R"({"reason":"r")"}) {
    INFO(data);
    auto parsed = ParseEventData("familyErased", data);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == caseledger::Code::kInvalidArgument);
    CHECK(parsed.status().field() == "data");
  }
}

}  // namespace
}  // namespace caseledger::ledger
