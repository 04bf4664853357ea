// The harness of the HTTP API tests: the real server (api::Server) on a free loopback port,
// over a real ledger in a temporary folder (domain rules with documents_must_be_stored, a
// manual clock shared by the store and the server, a random master key so that family
// events are sealed, the bank holiday calendar, the overview and the access log), one token
// per role, an httplib client, a tiny JSON reader and a capturing log sink.
//
// Thread-safety: a TestServer is driven from the test's thread; the server answers on its
// own threads. Catch2 assertions belong on the test's thread only.
#pragma once

#include <httplib.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "api/server.h"
#include "api/tokens.h"
#include "ledger/merkle.h"
#include "ledger/sealing.h"
#include "ledger/time_format.h"
#include "projections/access_log.h"
#include "projections/calendar.h"
#include "projections/overview.h"
#include "projections/rules.h"
#include "tests/api/json_reader.h"
#include "tests/ledger/test_util.h"

namespace caseledger::testing {

// A query parameter's value, percent-encoded (all but RFC 3986's unreserved characters).
inline std::string QueryValue(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// ---------------------------------------------------------------- captured logs

// Everything spdlog's default logger writes while the tests run (the server's request lines
// among it), kept in memory instead of printed.
class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string Text() {
    std::lock_guard lock(mutex_);
    return text_;
  }
  void Clear() {
    std::lock_guard lock(mutex_);
    text_.clear();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    text_.append(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

// Installed as the default logger once, before any server starts (so no sink is ever added
// while a server thread logs).
inline CaptureSink& CapturedLogs() {
  static const std::shared_ptr<CaptureSink> sink = [] {
    auto s = std::make_shared<CaptureSink>();
    auto logger = std::make_shared<spdlog::logger>("api_tests", s);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
    return s;
  }();
  return *sink;
}

// ---------------------------------------------------------------- requests and events

// One answer, as the client saw it.
struct Response {
  int status = 0;
  std::string body;
  httplib::Headers headers;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  // The body as JSON; fails the test when it is not JSON.
  Json json() const {
    auto parsed = Json::Parse(body);
    INFO("body: " << body);
    REQUIRE(parsed.has_value());
    return *parsed;
  }
};

// A fresh eventId (a UUID) for every event of the test binary.
inline std::string NewEventId() {
  static std::atomic<uint64_t> next{0};
  return Uuid(++next, 0xa91);
}

// One event of an append body, with a fresh eventId unless given.
inline std::string Event(const std::string& type, const std::string& data,
                         const std::string& occurred_at, const std::string& event_id = "") {
  return R"({"eventId":")" + (event_id.empty() ? NewEventId() : event_id) + R"(","type":")" + type +
         R"(","occurredAt":")" + occurred_at + R"(","data":)" + data + "}";
}

// An append body; `expected` is a JSON number or "\"any\"".
inline std::string AppendBody(const std::vector<std::string>& events,
                              const std::string& expected = "\"any\"") {
  std::string out = R"({"expectedVersion":)" + expected + R"(,"events":[)";
  for (size_t i = 0; i < events.size(); ++i) out += (i ? "," : "") + events[i];
  return out + "]}";
}

inline int64_t Rfc3339(const std::string& text) {
  auto t = ledger::ParseRfc3339(text);
  REQUIRE(t.ok());
  return *t;
}

inline constexpr int64_t kSecond = 1'000'000;
inline constexpr int64_t kMinute = 60 * kSecond;
inline constexpr int64_t kHour = 60 * kMinute;
inline constexpr int64_t kDay = 24 * kHour;

// Personal data of the seeded family, which must never reach the logs.
inline constexpr const char* kChildName = "Alexandra Quill-Example";
inline constexpr const char* kParentName = "Jolene Quill-Example";
inline constexpr const char* kAddress = "17 Larkspur Close, Exampletown";

// ---------------------------------------------------------------- the server

class TestServer {
 public:
  // Token labels: "P1" and "P2" (practitioners), then one per other role by its name.
  static const std::vector<std::string>& Labels() {
    static const std::vector<std::string> labels = {
        "P1", "P2", "helpdesk", "triage-manager", "coordinator", "auditor", "dashboard", "admin"};
    return labels;
  }

  // Listens on 127.0.0.1:`listen_port` (0: a free port the kernel chooses).
  explicit TestServer(api::ServerOptions options = {}, int listen_port = 0)
      : clock_(Rfc3339("2026-05-01T12:00:00Z")) {
    CapturedLogs();
    projections::RulesOptions rules;
    rules.documents_must_be_stored = true;
    rules.check_permission = true;
    rules_ = std::make_unique<projections::DomainRules>(rules);
    std::filesystem::create_directories(dir_ / "ledger");
    // Sealing as in production: family events sealed under family keys, so erasure works.
    auto master = ledger::RandomKey();
    REQUIRE(master.ok());
    master_key_ = *master;
    ledger::StoreOptions store_options;
    store_options.guard = rules_.get();
    store_options.master_key = master_key_;
    store_ = OpenWith(dir_ / "ledger", clock_, store_options);
    // One cache of families for the rules and the reads, as `caseledger serve` has.
    cache_ = std::make_unique<projections::FamilyCache>(*store_);
    rules_->Attach(store_.get(), cache_.get());

    auto calendar = projections::Calendar::Load(CASELEDGER_FIXTURES_DIR
                                                "/calendar/bank-holidays-england-wales.txt");
    INFO(calendar.status().ToString());
    REQUIRE(calendar.ok());
    calendar_ = std::make_unique<projections::Calendar>(std::move(calendar).value());
    overview_ = std::make_unique<projections::Overview>(*store_, *calendar_);
    Status opened = overview_->Open();
    INFO(opened.ToString());
    REQUIRE(opened.ok());
    access_ = std::make_unique<projections::AccessLog>(*store_);
    REQUIRE(access_->CatchUp().ok());

    tokens_ = std::make_unique<api::TokenStore>(TokenFile());
    const std::vector<std::pair<api::Role, std::string>> actors = {
        {api::Role::kPractitioner, "P1"},    {api::Role::kPractitioner, "P2"},
        {api::Role::kHelpdesk, "helpdesk1"}, {api::Role::kTriageManager, "TM1"},
        {api::Role::kCoordinator, "CO1"},    {api::Role::kAuditor, "AU1"},
        {api::Role::kDashboard, "DB1"},      {api::Role::kAdmin, "admin"}};
    for (size_t i = 0; i < actors.size(); ++i) {
      auto issued = tokens_->Create(actors[i].first, actors[i].second, clock_.NowMicros(), 0);
      REQUIRE(issued.ok());
      tokens_by_label_[Labels()[i]] = issued->token;
    }

    options.host = "127.0.0.1";
    options.port = listen_port;
    options.threads = std::min(options.threads, 16);
    options.keep_alive_seconds = 1;
    // One clock for the store and the server: a read's recordViewed takes its occurredAt
    // from the server's clock and no-future-events judges it against the store's, so a
    // system clock beside the manual one would have every read refused.
    auto signer = ledger::GenerateSigner("caseledger");
    REQUIRE(signer.ok());
    signer_ = *signer;
    server_ = std::make_unique<api::Server>(Context(), options);
    auto port = server_->Bind();
    INFO(port.status().ToString());
    REQUIRE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
    client_ = NewClient();
    // The socket listens since Bind: this answer proves the accept loop runs, so that Stop
    // (which acts only on a running server) will end Run.
    auto health = client_->Get("/healthz");
    if (!health || health->status != 200) {
      server_->Stop();
      thread_.join();
      FAIL("the server does not answer GET /healthz");
    }
  }

  ~TestServer() {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  // What the server was given: its store, projections, tokens and clock (for another server).
  api::ServerContext Context() {
    return api::ServerContext{store_.get(),  overview_.get(), calendar_.get(),
                              tokens_.get(), access_.get(),   &clock_,
                              &signer_,      cache_.get(),    {}};
  }
  ledger::Store& store() { return *store_; }
  ledger::ManualClock& clock() { return clock_; }
  api::TokenStore& tokens() { return *tokens_; }
  const ledger::NoteSigner& signer() const { return signer_; }
  std::string TokenFile() const { return dir_ / "tokens"; }
  std::string LedgerDir() const { return dir_ / "ledger"; }
  // The master key the ledger's family keys are sealed under (for a command line reading it).
  const ledger::Key256& master_key() const { return master_key_; }
  const std::string& Token(const std::string& label) const {
    auto it = tokens_by_label_.find(label);
    REQUIRE(it != tokens_by_label_.end());
    return it->second;
  }
  // A client of this server (one per thread; httplib clients are not shared).
  std::unique_ptr<httplib::Client> NewClient() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(10, 0);
    c->set_write_timeout(10, 0);
    return c;
  }

  // The store's clock as RFC 3339, moved by `offset` microseconds.
  std::string Now(int64_t offset = 0) { return ledger::FormatRfc3339(clock_.NowMicros() + offset); }

  // GET with `Authorization: Bearer <token of label>` (none when `label` is empty).
  Response Get(const std::string& path, const std::string& label = "") {
    return GetWith(path, label.empty() ? httplib::Headers{} : Auth(Token(label)));
  }
  Response GetWith(const std::string& path, const httplib::Headers& headers) {
    return Done(client_->Get(path, headers), "GET " + path);
  }
  Response Post(const std::string& path, const std::string& label, const std::string& body,
                const std::string& content_type = "application/json") {
    return PostWith(path, label.empty() ? httplib::Headers{} : Auth(Token(label)), body,
                    content_type);
  }
  Response PostWith(const std::string& path, const httplib::Headers& headers,
                    const std::string& body, const std::string& content_type) {
    return Done(client_->Post(path, headers, body, content_type), "POST " + path);
  }
  static httplib::Headers Auth(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  // Appends `events` to family/{family} as `label`.
  Response AppendFamily(const std::string& family, const std::string& label,
                        const std::vector<std::string>& events,
                        const std::string& expected = "\"any\"") {
    return Post("/v1/families/" + family + "/events", label, AppendBody(events, expected));
  }

  // The admin registers practitioner `id`, trained in both courses.
  void RegisterPractitioner(const std::string& id) {
    const std::string at = Now(-kHour);
    Response r =
        Post("/v1/practitioners/" + id + "/events", "admin",
             AppendBody({Event("practitionerRegistered",
                               R"({"name":"Name )" + id + R"(","agency":"school","email":")" + id +
                                   R"(@example.org"})",
                               at),
                         Event("practitionerTrained",
                               R"({"course":"practiceStandards","completedOn":"2026-01-06"})", at),
                         Event("practitionerTrained",
                               R"({"course":"recordingSystem","completedOn":"2026-01-07"})", at)},
                        "0"));
    INFO(r.body);
    REQUIRE(r.status == 201);
  }

  // The helpdesk registers `family` (a child and a parent, named) and opens episode E1 with
  // keyworker `keyworker`.
  void RegisterFamily(const std::string& family, const std::string& keyworker = "P1") {
    const std::string at = Now(-30 * kMinute);
    Response r = AppendFamily(
        family, "helpdesk",
        {Event("familyRegistered",
               std::string(R"({"members":[{"memberId":"C1","role":"child","name":")") + kChildName +
                   R"(","dateOfBirth":"2015-06-01"},{"memberId":"M1","role":"parent",)"
                   R"("name":")" +
                   kParentName + R"("}],"address":")" + kAddress + R"("})",
               at),
         Event("consentToCheckGiven",
               std::string(R"({"givenBy":")") + kParentName + R"(","method":"verbal"})", at),
         Event("episodeOpened",
               R"({"episodeId":"E1","keyworkerId":")" + keyworker +
                   R"(","registrationCompletedOn":"2026-05-01"})",
               at)},
        "0");
    INFO(r.body);
    REQUIRE(r.status == 201);
  }

  // P1 records written consent to the assessment of E1.
  void GiveConsent(const std::string& family) {
    Response r = AppendFamily(family, "P1",
                              {Event("consentGiven",
                                     std::string(R"({"episodeId":"E1","givenBy":")") + kParentName +
                                         R"(","scope":"assessment","method":"written"})",
                                     Now(-10 * kMinute))});
    INFO(r.body);
    REQUIRE(r.status == 201);
  }

  // The usual start: practitioners P1 and P2; family F1 with E1 open, keyworker P1.
  void Seed() {
    RegisterPractitioner("P1");
    RegisterPractitioner("P2");
    RegisterFamily("F1");
  }

  // A case note on E1 of `family` (a fresh note id).
  static std::string Note(const std::string& note_id, const std::string& text,
                          const std::string& occurred_at, const std::string& event_id = "") {
    return Event("caseNoteAdded",
                 R"({"episodeId":"E1","noteId":")" + note_id + R"(","category":"contact","text":)" +
                     ledger::JsonQuote(text) + R"(,"significant":false})",
                 occurred_at, event_id);
  }

 private:
  static Response Done(const httplib::Result& result, const std::string& what) {
    INFO(what << ": " << httplib::to_string(result.error()));
    REQUIRE(result);
    return Response{result->status, result->body, result->headers};
  }

  TempDir dir_;
  ledger::ManualClock clock_;
  ledger::Key256 master_key_{};
  // Declared before the store, so that the store closes first.
  std::unique_ptr<projections::DomainRules> rules_;
  std::unique_ptr<projections::FamilyCache> cache_;
  std::unique_ptr<ledger::Store> store_;
  std::unique_ptr<projections::Calendar> calendar_;
  std::unique_ptr<projections::Overview> overview_;
  std::unique_ptr<projections::AccessLog> access_;
  std::unique_ptr<api::TokenStore> tokens_;
  ledger::NoteSigner signer_;
  std::map<std::string, std::string> tokens_by_label_;
  std::unique_ptr<api::Server> server_;
  int port_ = 0;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

// ---------------------------------------------------------------- checks

// The error shape of EVENTS.md: {"error": {"code": code, "message": "...", ...}}; returns
// the "error" object.
inline Json RequireError(const Response& r, int status, const std::string& code) {
  INFO("answer " << r.status << ": " << r.body);
  REQUIRE(r.status == status);
  CHECK(r.Header("Content-Type").rfind("application/json", 0) == 0);
  Json body = r.json();
  REQUIRE(body["error"].is_object());
  CHECK(body["error"]["code"].str() == code);
  CHECK(body["error"]["message"].is_string());
  CHECK_FALSE(body["error"]["message"].str().empty());
  return body["error"];
}

// GET of a stream (text/event-stream): collects the body until `enough(body)` says so, the
// answer is not a 200 (then its whole body), or `timeout`; then hangs up. Safe on any thread
// (it asserts nothing); status 0 when no answer came.
inline Response Stream(const TestServer& s, const std::string& path,
                       const httplib::Headers& headers,
                       const std::function<bool(const std::string&)>& enough,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto client = s.NewClient();
  client->set_read_timeout(timeout.count() / 1000, (timeout.count() % 1000) * 1000);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Response out;
  auto result = client->Get(
      path, headers,
      [&](const httplib::Response& res) {
        out.status = res.status;
        out.headers = res.headers;
        return true;
      },
      [&](const char* data, size_t n) {
        out.body.append(data, n);
        if (out.status != 200) return true;
        return !enough(out.body) && std::chrono::steady_clock::now() < deadline;
      });
  (void)result;  // Canceled when the receiver hung up: the answer is in `out`.
  return out;
}

// One Server-Sent Events frame.
struct SseFrame {
  uint64_t id = 0;
  std::string event, data;
};

// The complete frames of an event stream (comments and a trailing partial frame skipped).
inline std::vector<SseFrame> SseFrames(const std::string& body) {
  std::vector<SseFrame> out;
  size_t start = 0;
  for (size_t end = body.find("\n\n"); end != std::string::npos;
       start = end + 2, end = body.find("\n\n", start)) {
    SseFrame frame;
    bool any = false;
    size_t line_start = start;
    while (line_start < end) {
      size_t line_end = std::min(body.find('\n', line_start), end);
      const std::string line = body.substr(line_start, line_end - line_start);
      if (line.rfind("id: ", 0) == 0) {
        frame.id = std::stoull(line.substr(4));
        any = true;
      } else if (line.rfind("event: ", 0) == 0) {
        frame.event = line.substr(7);
        any = true;
      } else if (line.rfind("data: ", 0) == 0) {
        frame.data = line.substr(6);
        any = true;
      }
      line_start = line_end + 1;
    }
    if (any) out.push_back(std::move(frame));
  }
  return out;
}

// Waits (up to `timeout`) until `ready()`; false when it never was.
inline bool Eventually(const std::function<bool()>& ready,
                       std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// ---------------------------------------------------------------- checks shared by the tests

// returns the "error" object.
inline Json Refused(TestServer& s, int status, const std::string& code,
                    const std::function<Response()>& request) {
  const uint64_t before = s.store().Size();
  Response r = request();
  Json error = RequireError(r, status, code);
  CHECK(s.store().Size() == before);
  return error;
}

inline bool IsLowerHex(const std::string& s, size_t size) {
  return s.size() == size && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

inline std::string Sha256Hex(const std::string& bytes) {
  return ledger::ToHex(ledger::Sha256(bytes));
}

}  // namespace caseledger::testing
