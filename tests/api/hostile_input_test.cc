// Hostile input over HTTP (issue 8): one table, a row per bad request. Each row is sent to
// the real server (tests/api/test_server.h) over a seeded ledger, and must be refused with its
// status and error code (and the field it names, where it names one), as the JSON error of
// EVENTS.md with a message; after every row the log is exactly as it was (same size, same
// root), so a refused write appended nothing and a refused read recorded no access.
//
// The same inputs through `caseledger import`: tests/tools/hostile_import_test.sh.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "ledger/json_codec.h"
#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

// One bad request and the refusal it must get.
struct Row {
  std::string name;
  std::string method = "POST";
  std::string path = "/v1/families/F1/events";
  httplib::Headers headers;                       // Authorization among them, or none
  std::string content_type = "application/json";  // POST only; "" sends none
  std::string body;
  int status = 400;
  std::string code = "invalidArgument";
  std::string field;  // checked when not empty
  std::string rule;   // checked when not empty

  Row&& Expect(int s, std::string c, std::string f = "") && {
    status = s;
    code = std::move(c);
    field = std::move(f);
    return std::move(*this);
  }
  Row&& At(std::string m, std::string p) && {
    method = std::move(m);
    path = std::move(p);
    return std::move(*this);
  }
  Row&& Type(std::string t) && {
    content_type = std::move(t);
    return std::move(*this);
  }
  Row&& Rule(std::string r) && {
    rule = std::move(r);
    return std::move(*this);
  }
};

// A POST of `body` to family F1's events with `headers` (a token, or none), refused with 400
// invalidArgument naming `field` unless Expect says otherwise.
Row Post(std::string name, std::string body, std::string field, httplib::Headers headers) {
  Row r;
  r.name = std::move(name);
  r.body = std::move(body);
  r.field = std::move(field);
  r.headers = std::move(headers);
  return r;
}

// A GET of `path` with `headers`, refused with 400 invalidArgument naming `field` unless
// Expect says otherwise.
Row Get(std::string name, std::string path, std::string field, httplib::Headers headers) {
  Row r;
  r.name = std::move(name);
  r.method = "GET";
  r.path = std::move(path);
  r.content_type.clear();
  r.field = std::move(field);
  r.headers = std::move(headers);
  return r;
}

Response Send(const TestServer& s, const Row& row) {
  auto client = s.NewClient();
  client->set_read_timeout(30, 0);
  client->set_write_timeout(30, 0);
  httplib::Result result = row.method == "GET" ? client->Get(row.path, row.headers)
                           : row.method == "PUT"
                               ? client->Put(row.path, row.headers, row.body, row.content_type)
                               : client->Post(row.path, row.headers, row.body, row.content_type);
  INFO(row.method << " " << row.path.substr(0, 200) << ": " << httplib::to_string(result.error()));
  REQUIRE(result);
  return Response{result->status, result->body, result->headers};
}

// `depth` arrays, one inside the other.
std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string NoteData(const std::string& text_json) {
  return R"({"episodeId":"E1","noteId":"N1","category":"contact","text":)" + text_json +
         R"(,"significant":false})";
}

// A body of one event `type` with `data`, occurred at `at`.
std::string One(const std::string& type, const std::string& data, const std::string& at) {
  return AppendBody({Event(type, data, at)});
}

// Tokens that must not be taken: revoked, expired, never issued, a known id with another
// secret.
struct OddTokens {
  std::string revoked, expired, unknown, wrong_secret;
};

// The rows: every kind of hostile input of issue 8 against the append route, then bad
// tokens, then bad reads. `at` is a time in the past.
std::vector<Row> Rows(TestServer& s, const std::string& at, const OddTokens& odd) {
  const auto p1 = TestServer::Auth(s.Token("P1"));
  const auto admin = TestServer::Auth(s.Token("admin"));
  const auto auditor = TestServer::Auth(s.Token("auditor"));
  const std::string note = TestServer::Note("N1", "a visit", at);
  const std::string good = AppendBody({note});
  const std::string event_id = NewEventId();
  auto with_expected = [&](const std::string& expected) { return AppendBody({note}, expected); };
  auto with_time = [&](const std::string& time) {
    return AppendBody({TestServer::Note("N1", "a visit", time)});
  };
  auto with_text = [&](const std::string& raw_text) {
    return One("caseNoteAdded", NoteData(raw_text), at);
  };
  const std::string taf_data_head =
      R"({"episodeId":"E1","meetingId":"M1","kind":"initial","outcome":"continue",)";

  std::vector<Row> rows;
  auto add = [&](Row r) { rows.push_back(std::move(r)); };

  // ---- malformed JSON
  add(Post("malformed JSON: a truncated body", R"({"expectedVersion":3,"events":[)", "", p1));
  add(Post("malformed JSON: not JSON at all", "not json at all", "", p1));
  add(Post("malformed JSON: an empty body", "", "", p1));
  add(Post("malformed JSON: a trailing comma",
           R"({"expectedVersion":"any","events":[)" + note + ",]}", "", p1));
  add(Post("malformed JSON: single quotes", R"({'expectedVersion':'any','events':[]})", "", p1));
  add(Post("malformed JSON: a comment",
           R"({/* note */"expectedVersion":"any","events":[)" + note + "]}", "", p1));
  add(Post("malformed JSON: garbage after the object", good + " x", "", p1));
  add(Post("malformed JSON: two objects", good + good, "", p1));
  add(Post("malformed JSON: NaN for expectedVersion",
           R"({"expectedVersion":NaN,"events":[)" + note + "]}", "", p1));
  add(Post("malformed JSON: an unterminated string",
           R"({"expectedVersion":"any","events":[{"eventId":"abc)", "", p1));
  add(Post("malformed JSON: the top level is an array", "[" + good + "]", "", p1));
  add(Post("malformed JSON: the top level is null", "null", "", p1));
  add(Post("malformed JSON: the top level is a string", R"("events")", "", p1));
  add(Post("malformed JSON: expectedVersion given twice",
           R"({"expectedVersion":"any","expectedVersion":3,"events":[)" + note + "]}",
           "expectedVersion", p1));

  // ---- wrong types
  add(Post("wrong type: expectedVersion as a string of digits", with_expected(R"("3")"),
           "expectedVersion", p1));
  add(Post("wrong type: expectedVersion true", with_expected("true"), "expectedVersion", p1));
  add(Post("wrong type: expectedVersion null", with_expected("null"), "expectedVersion", p1));
  add(Post("wrong type: expectedVersion 3.5", with_expected("3.5"), "expectedVersion", p1));
  add(Post("wrong type: events is an object", R"({"expectedVersion":"any","events":{}})", "events",
           p1));
  add(Post("wrong type: events is a string", R"({"expectedVersion":"any","events":"x"})", "events",
           p1));
  add(Post("wrong type: an event is a string", R"({"expectedVersion":"any","events":["x"]})",
           "events[0]", p1));
  add(Post("wrong type: eventId is a number",
           AppendBody({R"({"eventId":42,"type":"assessmentStarted","occurredAt":")" + at +
                       R"(","data":{"episodeId":"E1"}})"}),
           "events[0].eventId", p1));
  add(Post("wrong type: type is a number",
           AppendBody({R"({"eventId":")" + NewEventId() + R"(","type":7,"occurredAt":")" + at +
                       R"(","data":{"episodeId":"E1"}})"}),
           "events[0].type", p1));
  add(Post("wrong type: occurredAt is a number",
           AppendBody({R"({"eventId":")" + NewEventId() +
                       R"(","type":"assessmentStarted","occurredAt":1772446500,)"
                       R"("data":{"episodeId":"E1"}})"}),
           "events[0].occurredAt", p1));
  add(Post("wrong type: data is an array", One("caseNoteAdded", "[]", at), "events[0].data", p1));
  add(Post("wrong type: a note's text is a number", with_text("12"), "events[0].data.text", p1));
  add(Post("wrong type: significant is a string",
           One("caseNoteAdded",
               R"({"episodeId":"E1","noteId":"N1","category":"contact","text":"t",)"
               R"("significant":"yes"})",
               at),
           "events[0].data.significant", p1));
  add(Post("wrong type: a category that is not one of the list",
           One("caseNoteAdded",
               R"({"episodeId":"E1","noteId":"N1","category":"gossip","text":"t",)"
               R"("significant":false})",
               at),
           "events[0].data.category", p1));
  add(Post("wrong type: episodeId is null",
           One("caseNoteAdded",
               R"({"episodeId":null,"noteId":"N1","category":"contact","text":"t",)"
               R"("significant":false})",
               at),
           "events[0].data.episodeId", p1));
  add(Post("wrong type: attendees holds a number",
           One("tafMeetingHeld", taf_data_head + R"("attendees":["Jo",7]})", at),
           "events[0].data.attendees[1]", p1));

  // ---- unknown fields
  add(Post("unknown field: colour in the request",
           R"({"expectedVersion":"any","colour":"red","events":[)" + note + "]}", "colour", p1));
  add(Post(
      "unknown field: an actor in the request (the token says who)",
      R"({"expectedVersion":"any","actor":{"id":"admin","role":"admin"},"events":[)" + note + "]}",
      "actor", p1));
  add(Post("unknown field: a stream in the request (the path says which)",
           R"({"expectedVersion":"any","stream":"family/F2","events":[)" + note + "]}", "stream",
           p1));
  add(Post("unknown field: recordedAt in an event (the ledger sets it)",
           AppendBody({R"({"eventId":")" + NewEventId() +
                       R"(","type":"assessmentStarted","recordedAt":")" + at +
                       R"(","occurredAt":")" + at + R"(","data":{"episodeId":"E1"}})"}),
           "events[0].recordedAt", p1));
  add(Post("unknown field: colour in the data",
           One("caseNoteAdded",
               R"({"episodeId":"E1","noteId":"N1","category":"contact","text":"t",)"
               R"("significant":false,"colour":"red"})",
               at),
           "events[0].data.colour", p1));
  add(Post("unknown field: in a family member",
           One("familyRegistered",
               R"({"members":[{"memberId":"C1","role":"child","name":"A","nhsNumber":"1"}]})", at),
           "events[0].data.members[0].nhsNumber", p1));
  add(Post("unknown field: an unknown event type",
           One("caseNoteDeleted", R"({"episodeId":"E1"})", at), "events[0].type", p1));

  // ---- missing fields
  add(Post("missing field: expectedVersion", R"({"events":[)" + note + "]}", "expectedVersion",
           p1));
  add(Post("missing field: events", R"({"expectedVersion":"any"})", "events", p1));
  add(Post("missing field: an empty events list", R"({"expectedVersion":"any","events":[]})",
           "events", p1));
  add(Post("missing field: an empty object", "{}", "expectedVersion", p1));
  add(Post("missing field: eventId",
           AppendBody({R"({"type":"assessmentStarted","occurredAt":")" + at +
                       R"(","data":{"episodeId":"E1"}})"}),
           "events[0].eventId", p1));
  add(Post("missing field: type",
           AppendBody({R"({"eventId":")" + NewEventId() + R"(","occurredAt":")" + at +
                       R"(","data":{"episodeId":"E1"}})"}),
           "events[0].type", p1));
  add(Post("missing field: occurredAt",
           AppendBody({R"({"eventId":")" + NewEventId() +
                       R"(","type":"assessmentStarted","data":{"episodeId":"E1"}})"}),
           "events[0].occurredAt", p1));
  add(Post("missing field: data",
           AppendBody({R"({"eventId":")" + NewEventId() +
                       R"(","type":"assessmentStarted","occurredAt":")" + at + R"("})"}),
           "events[0].data", p1));
  add(Post("missing field: a note's text",
           One("caseNoteAdded",
               R"({"episodeId":"E1","noteId":"N1","category":"contact","significant":false})", at),
           "events[0].data.text", p1));

  // ---- huge numbers and negative versions
  add(Post("huge number: expectedVersion 1e400", with_expected("1e400"), "expectedVersion", p1));
  add(Post("huge number: expectedVersion 18446744073709551616",
           with_expected("18446744073709551616"), "expectedVersion", p1));
  add(Post("huge number: expectedVersion 4294967296", with_expected("4294967296"),
           "expectedVersion", p1));
  add(Post("negative version: expectedVersion -1", with_expected("-1"), "expectedVersion", p1));
  add(Post("huge number: correctsSeq 1e400",
           One("recordCorrected", R"({"correctsSeq":1e400,"reason":"typo"})", at),
           "events[0].data.correctsSeq", p1));
  add(Post("negative number: correctsSeq -1",
           One("recordCorrected", R"({"correctsSeq":-1,"reason":"typo"})", at),
           "events[0].data.correctsSeq", p1));
  add(Post("fraction: correctsSeq 1.5",
           One("recordCorrected", R"({"correctsSeq":1.5,"reason":"typo"})", at),
           "events[0].data.correctsSeq", p1));
  add(Post("huge number: a document size of 18446744073709551616",
           One("documentUploaded",
               R"({"episodeId":"E1","documentId":"D1","filename":"a.pdf",)"
               R"("mediaType":"application/pdf","sha256":")" +
                   std::string(64, 'a') + R"(","size":18446744073709551616})",
               at),
           "events[0].data.size", p1));

  // ---- invalid UTF-8 and control characters
  // Found by this table: the JSON codec took any bytes in a string, so a note of invalid UTF-8
  // was appended (201), and "\ud800" was read as U+3800 (ledger/json_codec.cc, CheckText and
  // WithoutUnicodeEscapes, now refuse both naming the field).
  add(Post("invalid UTF-8: a 0xff byte in a note's text",
           with_text("\"a\xff"
                     "b\""),
           "events[0].data.text", p1));
  add(Post("invalid UTF-8: a truncated sequence at the end of a string", with_text("\"ab\xc3\""),
           "events[0].data.text", p1));
  add(Post("invalid UTF-8: an overlong slash",
           with_text("\"a\xc0\xaf"
                     "b\""),
           "events[0].data.text", p1));
  add(Post("invalid UTF-8: an encoded surrogate",
           with_text("\"a\xed\xa0\x80"
                     "b\""),
           "events[0].data.text", p1));
  add(Post("invalid UTF-8: a lone surrogate escape", with_text(R"("a\ud800b")"),
           "events[0].data.text", p1));
  add(Post("invalid UTF-8: in a field name",
           One("caseNoteAdded",
               R"({"episodeId":"E1","noteId":"N1","category":"contact","text":"t",)"
               "\"significant\":false,\"col\xff\":1}",
               at),
           "events[0].data", p1));
  add(Post("control character: NUL in the family id of the path", "", "familyId", p1)
          .At("POST", "/v1/families/F%001/events"));
  add(Post("control character: a newline in the family id of the path", good, "familyId", p1)
          .At("POST", "/v1/families/F%0A1/events"));
  add(Post("control character: DEL in the family id of the path", good, "familyId", p1)
          .At("POST", "/v1/families/F%7F1/events"));
  add(Post("control character: a tab in an episodeId",
           One("caseNoteAdded",
               R"({"episodeId":"E\t1","noteId":"N1","category":"contact","text":"t",)"
               R"("significant":false})",
               at),
           "events[0].data.episodeId", p1));
  add(Post("control character: NUL in a noteId",
           One("caseNoteAdded",
               R"({"episodeId":"E1","noteId":"N\u00001","category":"contact","text":"t",)"
               R"("significant":false})",
               at),
           "events[0].data.noteId", p1));
  // Found by this table: the type was looked up only up to the NUL, so this was taken for an
  // assessmentStarted (and refused only by a rule, 422).
  add(Post("control character: NUL inside the type",
           AppendBody({R"({"eventId":")" + NewEventId() +
                       R"(","type":"assessmentStarted\u0000x","occurredAt":")" + at +
                       R"(","data":{"episodeId":"E1"}})"}),
           "events[0].type", p1));
  add(Post("control character: NUL inside an eventId",
           AppendBody({R"({"eventId":"00000000-0000-4000-8000-00000000000\u0000",)"
                       R"("type":"assessmentStarted","occurredAt":")" +
                       at + R"(","data":{"episodeId":"E1"}})"}),
           "events[0].eventId", p1));
  add(Post("control character: an escaped NUL in a note's text", with_text(R"("a\u0000b")"),
           "events[0].data.text", p1));
  add(Post("control character: a raw NUL byte inside a string",
           with_text(std::string("\"a\0b\"", 5)), "", p1));
  // Found by this table: taken before (JSON allows no raw control character in a string).
  add(Post("control character: a raw, unescaped one inside a string",
           with_text("\"a\x01"
                     "b\""),
           "", p1));

  // ---- very deep nesting
  add(Post("deep nesting: arrays 10000 deep as the body", Nested(10000), "", p1));
  add(Post(
      "deep nesting: objects 10000 deep as the body",
      [] {
        std::string b;
        for (int i = 0; i < 10000; ++i) b += "{\"a\":";
        return b + "1" + std::string(10000, '}');
      }(),
      "", p1));
  add(Post("deep nesting: arrays 10000 deep as a note's text", with_text(Nested(10000)), "", p1));
  add(Post("deep nesting: a correction's replacement 10000 deep",
           One("recordCorrected",
               R"({"correctsSeq":5,"reason":"r","replacement":{"a":)" + Nested(10000) + "}}", at),
           "", p1));

  // ---- very long strings and oversized bodies
  add(Post("long string: a note's text of 2 MB (over the event size limit)",
           with_text(ledger::JsonQuote(std::string(2u << 20, 'x'))), "events[0].data", p1));
  add(Post("oversized: a body of 20 MB", with_text(ledger::JsonQuote(std::string(20u << 20, 'x'))),
           "", p1)
          .Expect(413, "tooLarge"));
  add(Post(
      "oversized: 10001 events in one request",
      [] {
        std::string b = R"({"expectedVersion":"any","events":[)";
        for (size_t i = 0; i <= ledger::kMaxEventsPerRequest; ++i) b += i ? ",{}" : "{}";
        return b + "]}";
      }(),
      "events", p1));
  add(Post("long string: an eventId of 10000 characters",
           AppendBody({TestServer::Note("N1", "t", at, std::string(10000, 'a'))}),
           "events[0].eventId", p1));
  add(Post("long string: a type of 1 MB", One(std::string(1u << 20, 'a'), "{}", at),
           "events[0].type", p1));
  add(Post("long string: an episodeId of 65 characters",
           One("assessmentStarted", R"({"episodeId":")" + std::string(65, 'E') + "\"}", at),
           "events[0].data.episodeId", p1));
  // Found by this table: refused, but the name was echoed whole in the message (1 MB).
  add(Post(
      "long string: a field name of 1 MB",
      One("assessmentStarted", R"({"episodeId":"E1",")" + std::string(1u << 20, 'k') + "\":1}", at),
      "", p1));

  // ---- bad ids
  add(Post("bad id: ../etc in the path (no route)", good, "", p1)
          .At("POST", "/v1/families/../etc/events")
          .Expect(404, "notFound"));
  add(Post("bad id: %2e%2e in the path", good, "familyId", p1)
          .At("POST", "/v1/families/%2e%2e/events"));
  add(Post("bad id: ..%2Fetc in the path (no route)", good, "", p1)
          .At("POST", "/v1/families/..%2Fetc/events")
          .Expect(404, "notFound"));
  add(Post("bad id: empty in the path (no route)", good, "", p1)
          .At("POST", "/v1/families//events")
          .Expect(404, "notFound"));
  add(Post("bad id: 65 characters in the path", good, "familyId", p1)
          .At("POST", "/v1/families/" + std::string(65, 'F') + "/events"));
  add(Post("bad id: a dot in the path", good, "familyId", p1)
          .At("POST", "/v1/families/F1.json/events"));
  add(Post("bad id: a non-ASCII letter in the path", good, "familyId", p1)
          .At("POST", "/v1/families/F%C3%A91/events"));
  add(Post("bad id: %2e%2e as a practitioner id", AppendBody({}, "0"), "practitionerId", admin)
          .At("POST", "/v1/practitioners/%2e%2e/events"));
  add(Post("bad id: an eventId that is not a UUID",
           AppendBody({TestServer::Note("N1", "t", at, "not-a-uuid")}), "events[0].eventId", p1));
  add(Post("bad id: an empty eventId",
           AppendBody({R"({"eventId":"","type":"assessmentStarted","occurredAt":")" + at +
                       R"(","data":{"episodeId":"E1"}})"}),
           "events[0].eventId", p1));
  add(Post("bad id: an empty noteId",
           One("caseNoteAdded",
               R"({"episodeId":"E1","noteId":"","category":"contact","text":"t",)"
               R"("significant":false})",
               at),
           "events[0].data.noteId", p1));
  add(Post("bad id: path traversal as an episodeId",
           One("assessmentStarted", R"({"episodeId":"../../etc/passwd"})", at),
           "events[0].data.episodeId", p1));

  // ---- invalid dates and time zones, and the future
  for (const auto& [why, time] : std::vector<std::pair<std::string, std::string>>{
           {"30 February", "2026-02-30T10:00:00Z"},
           {"no time zone", "2026-03-02T10:00:00"},
           {"hour 25", "2026-03-02T25:00:00Z"},
           // Found by this table: +14:30 and -12:30 were taken (RFC 3339 allows up to 23:59;
           // no time zone is beyond -12:00 or +14:00).
           {"an offset of +14:30", "2026-03-02T10:00:00+14:30"},
           {"an offset of +24:00", "2026-03-02T10:00:00+24:00"},
           {"an offset of -12:30", "2026-03-02T10:00:00-12:30"},
           {"the year 10000", "10000-03-02T10:00:00Z"},
           {"a date without a time", "2026-03-02"},
           {"a leap second", "2026-03-02T10:00:60Z"},
           {"month 13", "2026-13-02T10:00:00Z"},
           {"a space before the Z", "2026-03-02T10:00:00 Z"},
           {"ten digits of fraction", "2026-03-02T10:00:00.1234567890Z"},
           {"a time zone name", "2026-03-02T10:00:00 Europe/London"},
           {"a Unix time in a string", "1772446500"},
       }) {
    add(Post("bad date: occurredAt with " + why, with_time(time), "events[0].occurredAt", p1));
  }
  add(Post("bad date: nextReviewOn of 30 February",
           One("tafMeetingHeld",
               taf_data_head + R"("attendees":["Jo"],"nextReviewOn":"2026-02-30"})", at),
           "events[0].data.nextReviewOn", p1));
  add(Post("bad date: nextReviewOn with a time",
           One("tafMeetingHeld",
               taf_data_head + R"("attendees":["Jo"],"nextReviewOn":"2026-03-02T10:00:00Z"})", at),
           "events[0].data.nextReviewOn", p1));
  add(Post("future date: occurredAt tomorrow", with_time(s.Now(kDay)), "", p1)
          .Expect(422, "ruleViolated")
          .Rule("no-future-events"));
  add(Post("future date: occurredAt in 9999", with_time("9999-12-31T23:59:59Z"), "", p1)
          .Expect(422, "ruleViolated")
          .Rule("no-future-events"));

  // ---- duplicates
  add(Post("duplicate: one eventId twice in the request",
           AppendBody({TestServer::Note("N1", "t", at, event_id),
                       TestServer::Note("N2", "u", at, event_id)}),
           "events[1].eventId", p1));
  add(Post("duplicate: one eventId as the first and third of three",
           AppendBody({TestServer::Note("N1", "t", at, event_id), TestServer::Note("N2", "u", at),
                       TestServer::Note("N3", "v", at, event_id)}),
           "events[2].eventId", p1));
  add(Post("duplicate: a field twice in the data",
           One("caseNoteAdded",
               R"({"episodeId":"E1","noteId":"N1","category":"contact","text":"t",)"
               R"("text":"u","significant":false})",
               at),
           "events[0].data.text", p1));
  add(Post("duplicate: type twice in an event",
           AppendBody({R"({"eventId":")" + NewEventId() +
                       R"(","type":"assessmentStarted","type":"caseNoteAdded","occurredAt":")" +
                       at + R"(","data":{"episodeId":"E1"}})"}),
           "events[0].type", p1));

  // ---- content types
  add(Post("content type: text/plain", good, "Content-Type", p1).Type("text/plain"));
  add(Post("content type: application/xml", good, "Content-Type", p1).Type("application/xml"));
  add(Post("content type: multipart/form-data",
           "--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n" + good +
               "\r\n--XyZ--\r\n",
           "Content-Type", p1)
          .Type("multipart/form-data; boundary=XyZ"));
  add(Post("content type: a form", "expectedVersion=any&events=x", "Content-Type", p1)
          .Type("application/x-www-form-urlencoded"));
  add(Post("content type: none", good, "Content-Type", p1).Type(""));

  // ---- tokens and roles
  auto bearer = [](const std::string& token) { return TestServer::Auth(token); };
  add(Post("token: none", good, "", {}).Expect(401, "unauthenticated"));
  add(Post("token: malformed", good, "", bearer("abc")).Expect(401, "unauthenticated"));
  add(Post("token: unknown", good, "", bearer(odd.unknown)).Expect(401, "unauthenticated"));
  add(Post("token: a known id with another secret", good, "", bearer(odd.wrong_secret))
          .Expect(401, "unauthenticated"));
  add(Post("token: revoked", good, "", bearer(odd.revoked)).Expect(401, "unauthenticated"));
  add(Post("token: expired", good, "", bearer(odd.expired)).Expect(401, "unauthenticated"));
  add(Post("token: the Basic scheme", good, "", {{"Authorization", "Basic UDE6c2VjcmV0"}})
          .Expect(401, "unauthenticated"));
  add(Post("token: a valid token under another scheme", good, "",
           {{"Authorization", "Token " + s.Token("P1")}})
          .Expect(401, "unauthenticated"));
  add(Post("token: Bearer and nothing else", good, "", {{"Authorization", "Bearer "}})
          .Expect(401, "unauthenticated"));
  add(Post("token: a valid token with trailing text", good, "", bearer(s.Token("P1") + " x"))
          .Expect(401, "unauthenticated"));
  add(Post("token: in the query instead of the header", good, "", {})
          .At("POST", "/v1/families/F1/events?access_token=" + s.Token("P1"))
          .Expect(401, "unauthenticated"));
  add(Post("role: the dashboard may not write", good, "", TestServer::Auth(s.Token("dashboard")))
          .Expect(403, "permissionDenied"));
  add(Post("role: a practitioner outside the family's team", good, "",
           TestServer::Auth(s.Token("P2")))
          .Expect(403, "permissionDenied"));

  // ---- the request line
  add(Post("query: an unknown parameter on an append", good, "colour", p1)
          .At("POST", "/v1/families/F1/events?colour=red"));
  add(Post("method: PUT on the events of a family", good, "method", p1)
          .At("PUT", "/v1/families/F1/events")
          .Expect(405, "invalidArgument", "method"));

  // ---- reads: refused, and so not recorded in the access log
  add(Get("read: asOfSeq=-1", "/v1/families/F1?asOfSeq=-1", "asOfSeq", p1));
  add(Get("read: asOfSeq of 24 digits", "/v1/families/F1?asOfSeq=999999999999999999999999",
          "asOfSeq", p1));
  add(Get("read: asOf on 30 February", "/v1/families/F1?asOf=2026-02-30T10:00:00Z", "asOf", p1));
  add(Get("read: asOf without a time zone", "/v1/families/F1?asOf=2026-03-02T10:00:00", "asOf",
          p1));
  add(Get("read: asOf and asOfSeq both", "/v1/families/F1?asOf=2026-03-02T10:00:00Z&asOfSeq=3",
          "asOfSeq", p1));
  add(Get("read: asOfSeq given twice", "/v1/families/F1?asOfSeq=1&asOfSeq=2", "asOfSeq", p1));
  add(Get("read: limit=0", "/v1/families/F1/events?limit=0", "limit", p1));
  add(Get("read: limit=1000000", "/v1/families/F1/events?limit=1000000", "limit", p1));
  add(Get("read: fromVersion=abc", "/v1/families/F1/events?fromVersion=abc", "fromVersion", p1));
  add(Get("read: fromVersion=-1", "/v1/families/F1/events?fromVersion=-1", "fromVersion", p1));
  add(Get("read: raw=yes", "/v1/families/F1/events?raw=yes", "raw", auditor));
  add(Get("read: a purpose of 201 characters", "/v1/families/F1?purpose=" + std::string(201, 'p'),
          "purpose", p1));
  // Refused when the read is recorded, before anything is shown, so the field named is the
  // access event's (data.purpose): ReadFamilyFor (api/handlers.cc) checks only its length.
  add(Get("read: a purpose that is not UTF-8", "/v1/families/F1?purpose=a%FFb", "data.purpose",
          p1));
  add(Get("read: a purpose with a NUL", "/v1/families/F1/chronology?purpose=a%00b", "data.purpose",
          p1));
  add(Get("read: chronology format=pdf", "/v1/families/F1/chronology?format=pdf", "format", p1));
  add(Get("read: chronology from 30 February", "/v1/families/F1/chronology?from=2026-02-30", "from",
          p1));
  add(Get("read: timescales on=2026-02-30", "/v1/families/F1/timescales?on=2026-02-30", "on", p1));
  add(Get("read: an unknown parameter", "/v1/families/F1?colour=red", "colour", p1));
  add(Get("read: %2e%2e as the family id", "/v1/families/%2e%2e", "familyId", p1));
  add(Get("read: NUL in the family id", "/v1/families/F%001/chronology", "familyId", p1));
  add(Get("read: a family id of 65 characters", "/v1/families/" + std::string(65, 'F'), "familyId",
          p1));
  add(Get("read: the helpdesk check of ..%2Fetc", "/v1/helpdesk/open-episode?familyId=..%2Fetc",
          "familyId", p1));
  add(Get("read: the feed with limit=1000000", "/v1/events?limit=1000000", "limit", auditor));
  add(Get("read: the feed after=-1", "/v1/events?after=-1", "after", auditor));
  add(Get("read: an inclusion proof of seq=-1", "/v1/ledger/proofs/inclusion?seq=-1", "seq",
          auditor));
  add(Get("read: the access log of ../etc", "/v1/audit/access?familyId=../etc", "familyId",
          auditor));
  // A practitioner would get the 403 of a family they are not on (roles_test.cc).
  add(Get("read: a family that does not exist", "/v1/families/F404", "", auditor)
          .Expect(404, "notFound"));
  add(Get("read: without a token", "/v1/families/F1", "", {}).Expect(401, "unauthenticated"));
  add(Get("read: with an expired token", "/v1/families/F1", "", bearer(odd.expired))
          .Expect(401, "unauthenticated"));
  add(Get("read: with a revoked token", "/v1/families/F1/chronology", "", bearer(odd.revoked))
          .Expect(401, "unauthenticated"));
  add(Get("read: by the dashboard", "/v1/families/F1", "", TestServer::Auth(s.Token("dashboard")))
          .Expect(403, "permissionDenied"));
  add(Get("read: by a practitioner outside the family's team", "/v1/families/F1/chronology", "",
          TestServer::Auth(s.Token("P2")))
          .Expect(403, "permissionDenied"));
  return rows;
}

TEST_CASE(
    "hostile input: every bad request of the table (malformed JSON, wrong types, unknown and "
    "missing fields, huge numbers, invalid UTF-8, control characters, deep nesting, long strings, "
    "oversized bodies, bad ids, bad dates, duplicates, content types, tokens, bad reads) is "
    "refused with its 4xx and a JSON error naming the problem, and the log is unchanged",
    "[api][hostile]") {
  TestServer s;
  s.Seed();  // F1 with E1 open, keyworker P1

  // The odd tokens: one revoked, one expired (its expiry a minute away, then the clock moved
  // past it), one well formed but never issued, one a known id with another secret.
  OddTokens odd;
  const int64_t now = s.clock().NowMicros();
  auto revoked = s.tokens().Create(api::Role::kPractitioner, "P1", now, 0);
  REQUIRE(revoked.ok());
  REQUIRE(s.tokens().Revoke(revoked->principal.token_id, now).ok());
  odd.revoked = revoked->token;
  auto expired = s.tokens().Create(api::Role::kPractitioner, "P1", now, now + kMinute);
  REQUIRE(expired.ok());
  odd.expired = expired->token;
  s.clock().Advance(2 * kMinute);
  odd.unknown = "cl_0123456789abcdef_" + std::string(64, 'a');
  odd.wrong_secret = s.Token("P1");
  odd.wrong_secret.back() = odd.wrong_secret.back() == '0' ? '1' : '0';

  const std::vector<Row> rows = Rows(s, s.Now(-5 * kMinute), odd);
  REQUIRE(rows.size() >= 50);

  // The log as it stands before the table; every row must leave it so. (Each row is also
  // compared with the log just before it, so that a row that appends is the only one named.)
  const ledger::Checkpoint start = s.store().CurrentCheckpoint();
  REQUIRE(start.size > 0);
  for (const Row& row : rows) {
    INFO("row: " << row.name);
    const ledger::Checkpoint before = s.store().CurrentCheckpoint();
    Response r = Send(s, row);
    INFO("answer " << r.status << ": " << r.body.substr(0, 300));
    CHECK(r.status == row.status);
    CHECK(r.Header("Content-Type").rfind("application/json", 0) == 0);
    auto parsed = Json::Parse(r.body);
    CHECK(parsed.has_value());
    if (parsed) {
      const Json& error = (*parsed)["error"];
      CHECK(error.is_object());
      CHECK(error["code"].str() == row.code);
      CHECK(error["message"].is_string());
      CHECK_FALSE(error["message"].str().empty());
      CHECK(error["message"].str().size() <= 1000);
      if (!row.field.empty()) CHECK(error["field"].str() == row.field);
      if (!row.rule.empty()) CHECK(error["rule"].str() == row.rule);
    }
    const ledger::Checkpoint after = s.store().CurrentCheckpoint();
    CHECK(after.size == before.size);
    CHECK(after.root == before.root);
  }
  const ledger::Checkpoint end = s.store().CurrentCheckpoint();
  CHECK(end.size == start.size);
  CHECK(end.root == start.root);
  auto root = s.store().Root(start.size);
  REQUIRE(root.ok());
  CHECK(*root == start.root);

  // Still serving, and the refusals were for the input: a good note and a read go through.
  CHECK(s.Get("/healthz").status == 200);
  // Free text keeps what people write: accents, emoji, line breaks and tabs.
  Response good = s.AppendFamily(
      "F1", "P1",
      {TestServer::Note("N1", "Zo\xc3\xab visited \xf0\x9f\x99\x82\nsecond line\tend",
                        s.Now(-kMinute))});
  INFO(good.body);
  CHECK(good.status == 201);
  CHECK(s.Get("/v1/families/F1", "P1").status == 200);
}

// Found by the table: Cap'n Proto 0.9.2's JSON reader took the hex digits a-f of a \u escape
// as 0-5, so "Zo\u00eb" was stored as "ZoI" and an escaped emoji as two CJK characters
// (ledger/json_codec.cc now decodes the escapes itself).
TEST_CASE(
    "hostile input: text sent as JSON escapes (an accent, an emoji as a surrogate pair, a quote, "
    "a tab) is stored as the characters they stand for",
    "[api][hostile]") {
  TestServer s;
  s.Seed();
  const std::string body = AppendBody({Event(
      "caseNoteAdded",
      NoteData(R"("Zo\u00EB and Zo\u00eb \ud83d\ude42 \u0022q\u0022 \u005c a\u0009b \u00ff")"),
      s.Now(-kMinute))});
  Response r = s.Post("/v1/families/F1/events", "P1", body);
  INFO(r.body);
  REQUIRE(r.status == 201);
  const uint64_t seq = static_cast<uint64_t>(r.json()["events"][0]["seq"].num());
  Response read = s.Get("/v1/families/F1/events?fromVersion=4", "P1");
  INFO(read.body);
  REQUIRE(read.status == 200);
  const Json page = read.json();
  const Json& event = page["events"][0];
  CHECK(static_cast<uint64_t>(event["seq"].num()) == seq);
  CHECK(event["data"]["text"].str() ==
        "Zo\xc3\xab and Zo\xc3\xab \xf0\x9f\x99\x82 \"q\" \\ a\tb \xc3\xbf");
}

TEST_CASE(
    "malformed JSON bodies are refused naming the line and column where they go wrong and what "
    "was expected there, with nothing appended",
    "[api][hostile]") {
  TestServer s;
  s.Seed();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"expectedVersion":"any","events":[{"eventId":"x",)",
       "line 1, column 51: the text ends inside an object"},
      {"{\"expectedVersion\":\"any\",\n \"events\":[{\"eventId\" \"x\"}]}",
       "line 2, column 23: ':' after the field name expected"},
      {R"({"expectedVersion":"any"} x)", "line 1, column 27: more after the JSON value"},
      {R"({"expectedVersion":tru})", "line 1, column 20: a value expected"},
      {R"({"expectedVersion":"any","events":[1,2)", "line 1, column 39: the text ends where"},
      {"{\"expectedVersion\":\"\\q\"}", "line 1, column 21: an unknown escape in a string"},
      {"{\"a\":\"caf\xc3\xa9\" \"b\"}", "line 1, column 13: ',' or '}' after a field expected"},
  };
  for (const auto& [body, where] : cases) {
    INFO(body);
    Json error = Refused(s, 400, "invalidArgument",
                         [&] { return s.Post("/v1/families/F1/events", "P1", body); });
    CHECK_THAT(error["message"].str(), Catch::Contains("not valid JSON at " + where));
  }
}

}  // namespace
}  // namespace caseledger::testing
