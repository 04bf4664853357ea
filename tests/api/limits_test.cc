// Bounded work per caller (api/limits.h, projections/overview_checkpoints.h): a token bucket
// per token on the expensive routes, "as of" reports folded from the nearest checkpoint, the
// live feed's slots per role with a heartbeat that finds a client gone away; and a token
// file the server cannot use answers 503 without naming it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "projections/overview_checkpoints.h"
#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------- rate limit

TEST_CASE(
    "rate limit: expensive requests beyond a token's burst get 429 tooManyRequests with "
    "Retry-After, other tokens are not affected, and the bucket refills with time",
    "[api]") {
  api::ServerOptions options;
  options.expensive_burst = 3;
  options.expensive_per_minute = 6;  // one every 10 s
  TestServer s(options);
  s.Seed();
  // (A dashboard asks as of a day, not a seq: roles_test.cc.)
  const std::string report = "/v1/reports/timescales?asOf=2026-05-01T12:00:00Z";
  for (int i = 0; i < 3; ++i) CHECK(s.Get(report, "dashboard").status == 200);
  Response refused = s.Get(report, "dashboard");
  Json e = RequireError(refused, 429, "tooManyRequests");
  CHECK(refused.Header("Retry-After") == "10");
  CHECK(e["retryAfterSeconds"].num() == 10);
  CHECK(e["message"].str().find("Retry-After") != std::string::npos);
  // Each expensive route draws on the same bucket; cheap ones are not counted.
  RequireError(s.Get("/v1/triage/inbox?asOfSeq=3", "dashboard"), 403, "permissionDenied");
  CHECK(s.Get("/v1/reports/timescales", "dashboard").status == 200);
  CHECK(s.Get("/v1/ledger/checkpoint?asOfSeq=3", "dashboard").status == 200);

  // Another token, even of the same actor's role, has its own bucket.
  CHECK(s.Get(report, "triage-manager").status == 200);
  CHECK(s.Get("/v1/families/F1/chronology?format=csv", "triage-manager").status == 200);
  CHECK(s.Get("/v1/families/F1/export", "triage-manager").status == 200);
  RequireError(s.Get("/v1/families/F1/chronology?format=html", "triage-manager"), 429,
               "tooManyRequests");
  CHECK(s.Get("/v1/families/F1/chronology", "triage-manager").status == 200);  // JSON: cheap

  s.clock().Advance(10 * kSecond);
  CHECK(s.Get(report, "dashboard").status == 200);
  RequireError(s.Get(report, "dashboard"), 429, "tooManyRequests");
}

// ---------------------------------------------------------------- as of from checkpoints

TEST_CASE(
    "as of reports: folded from the nearest overview checkpoint below the seq asked (at most "
    "the interval's events once the stretch was folded), with the same answer as a fold from "
    "the first event",
    "[api]") {
  api::ServerOptions options;
  options.overview_checkpoint_interval = 16;
  TestServer s(options);
  s.Seed();
  for (int i = 0; i < 40; ++i) {
    REQUIRE(s.AppendFamily("F1", "P1",
                           {TestServer::Note("N" + std::to_string(i), "note", s.Now(-kMinute))})
                .status == 201);
  }
  REQUIRE(s.store().Size() > 40);
  auto calendar = projections::Calendar::Load(CASELEDGER_FIXTURES_DIR
                                              "/calendar/bank-holidays-england-wales.txt");
  REQUIRE(calendar.ok());
  projections::OverviewCheckpoints checkpoints(s.store(), *calendar, 16, 4);
  const projections::Day on = projections::LondonDay(s.clock().NowMicros());

  auto full = [&](uint64_t seq) {
    projections::Overview fresh(s.store(), *calendar);
    REQUIRE(fresh.CatchUpTo(seq).ok());
    return fresh.CountsJson(on) + fresh.Fingerprint();
  };
  auto as_of = [&](uint64_t seq) {
    auto o = checkpoints.AsOf(seq);
    REQUIRE(o.ok());
    CHECK((*o)->valid_at() == seq);
    return (*o)->CountsJson(on) + (*o)->Fingerprint();
  };
  CHECK(as_of(40) == full(40));
  CHECK(checkpoints.last_folded() == 40);  // nothing folded before: from the first event
  CHECK(checkpoints.kept() == 2);          // at 16 and 32
  CHECK(as_of(39) == full(39));
  CHECK(checkpoints.last_folded() == 7);  // from 32
  CHECK(as_of(20) == full(20));
  CHECK(checkpoints.last_folded() == 4);  // from 16
  CHECK(as_of(5) == full(5));
  CHECK(checkpoints.last_folded() == 5);

  // Memory stays bounded: past 4 checkpoints the interval doubles.
  const uint64_t size = s.store().Size();
  CHECK(as_of(size) == full(size));
  CHECK(checkpoints.kept() <= 4);
  CHECK(checkpoints.interval() >= 16);
  CHECK(as_of(size - 1) == full(size - 1));
  CHECK(checkpoints.last_folded() < checkpoints.interval());

  // Over HTTP, as of reports answer as a fold from the first event would.
  const std::string seq = std::to_string(size - 3);
  Response first = s.Get("/v1/reports/timescales?on=2026-05-01&asOfSeq=" + seq, "coordinator");
  Response again = s.Get("/v1/reports/timescales?on=2026-05-01&asOfSeq=" + seq, "coordinator");
  REQUIRE(first.status == 200);
  CHECK(first.body == again.body);
  projections::Overview fresh(s.store(), *calendar);
  REQUIRE(fresh.CatchUpTo(size - 3).ok());
  auto day = projections::ParseDay("2026-05-01");
  REQUIRE(day.ok());
  CHECK(first.body == fresh.CountsJson(*day));
}

// ---------------------------------------------------------------- live feed slots

// A raw connection holding a live stream open: sends the request and reads the answer's
// head; the socket is closed by Close or on destruction.
class RawStream {
 public:
  RawStream(int port, const std::string& token) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    const std::string request =
        "GET /v1/events/live HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer " +
        token + "\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) < 0) return;
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    while (head_.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      head_.append(buf, static_cast<size_t>(n));
    }
  }
  ~RawStream() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool ok() const { return head_.rfind("HTTP/1.1 200", 0) == 0; }
  const std::string& head() const { return head_; }

 private:
  int fd_ = -1;
  std::string head_;
};

bool LiveStreams(TestServer& s, int n) {
  return Eventually(
      [&] {
        return s.Get("/metrics").body.find("caseledger_live_streams " + std::to_string(n) + "\n") !=
               std::string::npos;
      },
      10s);
}

TEST_CASE(
    "live feed: one role holds at most its share of max_live_streams, the next of that role "
    "gets 503 saying why, and another role still gets a stream",
    "[api]") {
  api::ServerOptions options;
  options.max_live_streams = 4;  // two per role
  options.live_heartbeat_seconds = 1;
  TestServer s(options);
  s.Seed();
  RawStream a(s.port(), s.Token("dashboard")), b(s.port(), s.Token("dashboard"));
  INFO(a.head() << b.head());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(LiveStreams(s, 2));
  Response third = s.GetWith("/v1/events/live", TestServer::Auth(s.Token("dashboard")));
  Json e = RequireError(third, 503, "unavailable");
  CHECK(e["message"].str().find("role dashboard") != std::string::npos);
  CHECK(e["message"].str().find("at most 2 of the 4") != std::string::npos);

  RawStream auditor(s.port(), s.Token("auditor"));
  INFO(auditor.head());
  CHECK(auditor.ok());
  CHECK(LiveStreams(s, 3));
}

TEST_CASE(
    "live feed: a stream with nothing to send writes a ': ping' comment every heartbeat, so a "
    "client whose socket was closed is found and its slot freed within seconds",
    "[api][slow]") {
  api::ServerOptions options;
  options.max_live_streams = 2;  // one per role
  options.live_heartbeat_seconds = 1;
  TestServer s(options);
  s.Seed();
  Response pinged = Stream(
      s, "/v1/events/live", TestServer::Auth(s.Token("auditor")),
      [](const std::string& body) { return body.find(": ping\n\n") != std::string::npos; }, 5s);
  CHECK(pinged.status == 200);
  CHECK(pinged.body.find(": ping\n\n") != std::string::npos);
  REQUIRE(LiveStreams(s, 0));

  RawStream held(s.port(), s.Token("dashboard"));
  REQUIRE(held.ok());
  REQUIRE(LiveStreams(s, 1));
  RequireError(s.GetWith("/v1/events/live", TestServer::Auth(s.Token("dashboard"))), 503,
               "unavailable");
  const auto closed_at = std::chrono::steady_clock::now();
  held.Close();
  CHECK(LiveStreams(s, 0));
  CHECK(std::chrono::steady_clock::now() - closed_at < 8s);
  RawStream again(s.port(), s.Token("dashboard"));
  CHECK(again.ok());
}

// ---------------------------------------------------------------- the token file

TEST_CASE(
    "tokens: a token file the server cannot use (damaged) answers 503 to every authenticated "
    "request without naming its path, which goes to the server's log only",
    "[api]") {
  TestServer s;
  s.Seed();
  std::string original;
  {
    std::ifstream in(s.TokenFile());
    std::stringstream all;
    all << in.rdbuf();
    original = all.str();
  }
  auto write = [&](const std::string& text) {
    std::ofstream out(s.TokenFile(), std::ios::trunc);
    out << text;
  };
  write(original + "not a token line\n");
  CapturedLogs().Clear();
  for (const std::string label : {"triage-manager", "auditor", "dashboard", "P1"}) {
    INFO(label);
    Response r = s.Get("/v1/reports/timescales", label);
    RequireError(r, 503, "unavailable");
    CHECK(r.body.find(s.TokenFile()) == std::string::npos);
    CHECK(r.body.find("/tokens") == std::string::npos);
  }
  CHECK(CapturedLogs().Text().find(s.TokenFile()) != std::string::npos);
  // Open routes still answer; a request without a token is still a 401.
  CHECK(s.Get("/healthz").status == 200);
  RequireError(s.Get("/v1/reports/timescales"), 401, "unauthenticated");
  write(original);
  CHECK(s.Get("/v1/reports/timescales", "dashboard").status == 200);
}

}  // namespace
}  // namespace caseledger::testing
