// Documents are records first (api/documents.h): bytes stored over HTTP are served only once
// a documentUploaded event of their family names them, and only as of a moment after that
// event; media types come from an allow-list and the one served is the event's; bytes never
// named in time are removed.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "ledger/json_codec.h"
#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

// A documentUploaded on F1's E1 naming `bytes`.
std::string Uploaded(TestServer& s, const std::string& document_id, const std::string& bytes,
                     const std::string& media_type = "application/pdf",
                     const std::string& filename = "letter.pdf") {
  return Event("documentUploaded",
               R"({"episodeId":"E1","documentId":")" + document_id + R"(","filename":")" +
                   filename + R"(","mediaType":")" + media_type + R"(","sha256":")" +
                   Sha256Hex(bytes) + R"(","size":)" + std::to_string(bytes.size()) + "}",
               s.Now());
}

Response Store(TestServer& s, const std::string& bytes, const std::string& type = "application/pdf",
               const std::string& family = "F1") {
  return s.Post("/v1/families/" + family + "/documents?filename=letter.pdf", "P1", bytes, type);
}

TEST_CASE(
    "documents: bytes stored but not named by a documentUploaded event are not served (404 "
    "saying so, no read logged), and are served once an event names them",
    "[api]") {
  TestServer s;
  s.Seed();
  const std::string pdf = "%PDF-1.4 a letter to the family";
  REQUIRE(Store(s, pdf).status == 201);

  for (const std::string reader : {"P1", "auditor", "triage-manager"}) {
    INFO(reader);
    Json e = Refused(s, 404, "notFound",
                     [&] { return s.Get("/v1/families/F1/documents/" + Sha256Hex(pdf), reader); });
    CHECK(e["message"].str().find("documentUploaded") != std::string::npos);
  }
  CHECK(s.Get("/v1/audit/access?familyId=F1", "auditor").json()["accesses"].size() == 0);

  REQUIRE(s.AppendFamily("F1", "P1", {Uploaded(s, "D1", pdf)}).status == 201);
  Response back = s.Get("/v1/families/F1/documents/" + Sha256Hex(pdf), "P1");
  CHECK(back.status == 200);
  CHECK(back.body == pdf);
}

TEST_CASE(
    "documents: a read as of a moment before the documentUploaded event is a 404 saying it was "
    "not yet recorded then, and as of after it the bytes are served",
    "[api]") {
  TestServer s;
  s.Seed();
  const std::string pdf = "%PDF-1.4 recorded later";
  REQUIRE(Store(s, pdf).status == 201);
  const uint64_t before = s.store().Size();
  const std::string before_time = s.Now();
  s.clock().Advance(kMinute);
  REQUIRE(s.AppendFamily("F1", "P1", {Uploaded(s, "D1", pdf)}).status == 201);
  const uint64_t named = s.store().Size();
  const std::string path = "/v1/families/F1/documents/" + Sha256Hex(pdf);

  Json e = Refused(s, 404, "notFound",
                   [&] { return s.Get(path + "?asOfSeq=" + std::to_string(before), "P1"); });
  CHECK(e["message"].str().find("not yet recorded") != std::string::npos);
  RequireError(s.Get(path + "?asOf=" + before_time, "auditor"), 404, "notFound");
  CHECK(s.Get(path + "?asOfSeq=" + std::to_string(named), "P1").status == 200);
  CHECK(s.Get(path, "P1").status == 200);
}

TEST_CASE(
    "documents: a Content-Type off the allow-list is refused with 415 unsupportedMediaType "
    "naming the allowed types, and nothing is stored",
    "[api]") {
  TestServer s;
  s.Seed();
  for (const std::string type : {"text/html", "application/javascript", "image/svg+xml",
                                 "application/octet-stream", "application/x-msdownload"}) {
    INFO(type);
    const std::string bytes = "<script>alert(1)</script> " + type;
    Json e = Refused(s, 415, "unsupportedMediaType", [&] { return Store(s, bytes, type); });
    REQUIRE(e["allowed"].is_array());
    CHECK(e["allowed"].size() >= 19);
    CHECK(e["message"].str().find("application/pdf") != std::string::npos);
    CHECK(e["field"].str() == "Content-Type");
    bool stored = true;
    REQUIRE(s.store().HasBlob("F1", ledger::Sha256(bytes)).ok());
    stored = *s.store().HasBlob("F1", ledger::Sha256(bytes));
    CHECK_FALSE(stored);
  }
  // Parameters and case do not matter.
  CHECK(Store(s, "plain words", "Text/Plain; charset=utf-8").status == 201);
  CHECK(Store(s, "%PDF-1.4 x",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            .status == 201);
  CHECK(Store(s, "From: a@example.org\r\n\r\nhello", "message/rfc822").status == 201);
}

TEST_CASE(
    "documents: served as an attachment with nosniff and a sandbox Content-Security-Policy, "
    "with the media type the documentUploaded event recorded (an unlisted one as "
    "application/octet-stream), never the one sent at upload",
    "[api]") {
  TestServer s;
  s.Seed();
  const std::string text = "<html><script>alert(1)</script></html>";
  const std::string png = "\x89PNG not really";
  REQUIRE(Store(s, text, "text/plain").status == 201);
  REQUIRE(Store(s, png, "image/jpeg").status == 201);
  // Over HTTP a documentUploaded records a media type of the allow-list only...
  Json refused = Refused(s, 400, "invalidArgument", [&] {
    return s.AppendFamily("F1", "P1", {Uploaded(s, "D1", text, "text/html", "page.html")});
  });
  CHECK(refused["field"].str() == "events[0].data.mediaType");
  CHECK_THAT(refused["message"].str(), Catch::Contains("application/pdf"));
  // ...but a ledger may hold another (imported, or from an earlier build): appended here
  // straight to the store, as import does.
  auto request = ledger::ParseAppendJson(
      AppendBody({Uploaded(s, "D1", text, "text/html", "page.html")}, "\"any\""),
      ledger::AppendJsonForm::kHttpBody, "family/F1", {"P1", "practitioner", "", ""});
  REQUIRE(request.ok());
  REQUIRE(s.store().Append(std::move(request).value()).ok());
  REQUIRE(s.AppendFamily("F1", "P1", {Uploaded(s, "D2", png, "image/png", "scan.png")}).status ==
          201);

  Response html = s.Get("/v1/families/F1/documents/" + Sha256Hex(text), "P1");
  REQUIRE(html.status == 200);
  CHECK(html.Header("Content-Type") == "application/octet-stream");
  CHECK(html.Header("Content-Disposition") == "attachment; filename=\"page.html\"");
  CHECK(html.Header("X-Content-Type-Options") == "nosniff");
  CHECK(html.Header("Content-Security-Policy") == "sandbox; default-src 'none'");

  Response image = s.Get("/v1/families/F1/documents/" + Sha256Hex(png), "triage-manager");
  REQUIRE(image.status == 200);
  CHECK(image.Header("Content-Type") == "image/png");
  CHECK(image.Header("Content-Disposition").rfind("attachment;", 0) == 0);
  CHECK(image.Header("Content-Security-Policy") == "sandbox; default-src 'none'");
  CHECK(image.body == png);
}

TEST_CASE(
    "documents: bytes no documentUploaded names within unrecorded_document_seconds are removed "
    "at the next upload, and named ones are kept",
    "[api]") {
  api::ServerOptions options;
  options.unrecorded_document_seconds = 3600;
  TestServer s(options);
  s.Seed();
  const std::string named = "%PDF-1.4 named in time", orphan = "%PDF-1.4 never named";
  REQUIRE(Store(s, named).status == 201);
  REQUIRE(Store(s, orphan).status == 201);
  REQUIRE(s.AppendFamily("F1", "P1", {Uploaded(s, "D1", named)}).status == 201);

  auto has = [&](const std::string& bytes) {
    auto stored = s.store().HasBlob("F1", ledger::Sha256(bytes));
    REQUIRE(stored.ok());
    return *stored;
  };
  // Within the time, both stay.
  s.clock().Advance(30 * kMinute);
  REQUIRE(Store(s, "%PDF-1.4 another").status == 201);
  CHECK(has(orphan));
  CHECK(has(named));

  s.clock().Advance(31 * kMinute);
  REQUIRE(Store(s, "%PDF-1.4 one more").status == 201);
  CHECK_FALSE(has(orphan));
  CHECK(has(named));
  CHECK(has("%PDF-1.4 another"));  // stored 31 minutes ago: still waiting
  CHECK(s.Get("/v1/families/F1/documents/" + Sha256Hex(named), "P1").status == 200);
  // Its event can no longer name the removed bytes.
  Json e = Refused(s, 422, "ruleViolated",
                   [&] { return s.AppendFamily("F1", "P1", {Uploaded(s, "D2", orphan)}); });
  CHECK(e["rule"].str() == "known-references");
}

TEST_CASE(
    "documents: while the server runs, bytes never recorded are removed by the periodic sweep "
    "with no further upload",
    "[api]") {
  api::ServerOptions options;
  options.unrecorded_document_seconds = 3600;
  options.document_sweep_seconds = 1;
  TestServer s(options);
  s.Seed();
  const std::string orphan = "%PDF-1.4 stored, never recorded, no upload after it";
  REQUIRE(Store(s, orphan).status == 201);
  auto has = [&] {
    auto stored = s.store().HasBlob("F1", ledger::Sha256(orphan));
    REQUIRE(stored.ok());
    return *stored;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(has());  // a sweep has run, but within the hour it waits
  s.clock().Advance(61 * kMinute);
  CHECK(Eventually([&] { return !has(); }, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace caseledger::testing
