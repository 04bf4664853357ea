// The HTTP API end to end (EVENTS.md "HTTP"): the real server on a free loopback port over a
// real ledger (tests/api/test_server.h), driven with a real HTTP client. Every refusal is
// checked for its status, its JSON error {"error": {"code", "message", ...}} and for having
// appended nothing to the log.
//
// This file: the OpenAPI description, metrics, tokens, logs and the listening address.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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
      // Added by data protection (docs/api.md).
      "GET /v1/families/{id}/export",
      "POST /v1/families/{id}/erasure",
      // For the web pages (docs/api.md).
      "GET /v1/session",
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
      {"GET /v1/families/{id}/export", {"asOf", "asOfSeq", "purpose", "format"}},
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
    "request latency by route template, the projection lag and the storage's memory by part",
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
        "caseledger_memory_bytes{part=\"block_cache\"} ",
        "caseledger_memory_bytes{part=\"table_readers\"} ",
        "caseledger_memory_bytes{part=\"read_cache\"} ",
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
  // What was appended is in the memtables (nothing was flushed yet).
  std::smatch memtables;
  REQUIRE(std::regex_search(m.body, memtables,
                            std::regex("caseledger_memory_bytes\\{part=\"memtables\"\\} (\\d+)")));
  CHECK(std::stoll(memtables[1]) > 0);
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

// ---------------------------------------------------------------- listening

// A loopback port that nothing listens on now: the kernel's choice for port 0.
int FreePort() {
  const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(sock >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool bound = ::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                     ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(sock);
  REQUIRE(bound);
  return ntohs(addr.sin_port);
}

TEST_CASE(
    "listen: a second server on a port already served fails to bind (unavailable, naming the "
    "address and what to do), and the first still answers every new connection",
    "[api]") {
  const int port = FreePort();
  TestServer first({}, port);
  REQUIRE(first.port() == port);

  api::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  api::Server second(first.Context(), options);
  auto bound = second.Bind();
  REQUIRE_FALSE(bound.ok());
  CHECK(bound.status().code() == Code::kUnavailable);
  const std::string& message = bound.status().message();
  INFO(message);
  CHECK(message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(message.find("another caseledger, or another process") != std::string::npos);
  CHECK(message.find("--listen") != std::string::npos);

  // Had the second bound beside the first (SO_REUSEPORT), the kernel would queue a share of
  // these connections on a listener that never accepts.
  for (int i = 0; i < 16; ++i) {
    auto health = first.NewClient()->Get("/healthz");
    INFO("connection " << i << ": " << httplib::to_string(health.error()));
    REQUIRE(health);
    CHECK(health->status == 200);
  }
}

}  // namespace
}  // namespace caseledger::testing
