// Slow and idle clients (api/internal/connection.h): a request must come whole within its
// deadline or is answered 408; clients that send slowly, or nothing, wait in the server's
// waiting room and hold none of the workers that answer the others.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <memory>
#include <regex>
#include <thread>

#include "tests/api/test_server.h"

namespace caseledger::testing {
namespace {

using namespace std::chrono_literals;

// A raw TCP client of the test server: sends bytes as given, keeps what comes back. Safe on
// any thread (it asserts nothing).
class RawClient {
 public:
  explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  // False when the server no longer takes bytes.
  bool Send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Takes what arrives within `wait` (returns at the first bytes); notes the end of the stream.
  void Receive(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (closed_ || ::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return;
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      closed_ = true;  // the end, or a reset
    } else {
      received_.append(buffer, static_cast<size_t>(n));
    }
  }
  // One whole answer (headers and a Content-Length body), waiting at most `wait`; removed
  // from what was received. Empty when none came whole.
  std::string Answer(std::chrono::milliseconds wait = 5000ms) {
    const auto end = std::chrono::steady_clock::now() + wait;
    while (true) {
      const size_t head_end = received_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::smatch m;
        const std::string head = received_.substr(0, head_end);
        size_t length = 0;
        if (std::regex_search(head, m, std::regex("Content-Length: ([0-9]+)", std::regex::icase))) {
          length = std::stoul(m[1]);
        }
        if (received_.size() >= head_end + 4 + length) {
          std::string answer = received_.substr(0, head_end + 4 + length);
          received_.erase(0, answer.size());
          return answer;
        }
      }
      if (closed_ || std::chrono::steady_clock::now() > end) return "";
      Receive(10ms);
    }
  }
  const std::string& received() const { return received_; }
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

// What a client sending a request slowly saw.
struct SlowRequest {
  std::string answer;     // everything received
  bool closed = false;    // the server closed the connection
  double seconds = 0;     // from the first byte to the close (or giving up)
  size_t slow_bytes = 0;  // of `slowly`, sent before the server stopped taking them
};

// Sends `at_once`, then `slowly` a byte every `gap`, reading meanwhile; stops sending when
// the server closes, and waits for the close at most `give_up` from the first byte.
SlowRequest SendSlowly(int port, const std::string& at_once, const std::string& slowly,
                       std::chrono::milliseconds gap, std::chrono::milliseconds give_up) {
  SlowRequest out;
  RawClient c(port);
  if (!c.connected()) return out;
  const auto start = std::chrono::steady_clock::now();
  auto late = [&] { return std::chrono::steady_clock::now() - start > give_up; };
  if (!at_once.empty() && !c.Send(at_once)) return out;
  for (char ch : slowly) {
    if (c.closed() || late() || !c.Send(std::string_view(&ch, 1))) break;
    ++out.slow_bytes;
    const auto next = std::chrono::steady_clock::now() + gap;
    while (!c.closed() && std::chrono::steady_clock::now() < next) c.Receive(10ms);
  }
  while (!c.closed() && !late()) c.Receive(10ms);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.answer = c.received();
  out.closed = c.closed();
  return out;
}

TEST_CASE(
    "slow clients: a request sent a byte every 100 ms is answered 408 with a JSON error and its "
    "connection closed once ServerOptions.request_read_seconds have passed since its first byte "
    "(a slow request line, slow headers, a slow body), and other clients are answered meanwhile",
    "[api]") {
  api::ServerOptions options;
  options.request_read_seconds = 1;
  TestServer s(options);
  s.Seed();
  const std::string body = AppendBody({TestServer::Note("N-slow", "slowly sent", s.Now(-kMinute))});
  struct Case {
    std::string name, at_once, slowly;
  };
  const std::vector<Case> cases = {
      {"request line", "",
       "GET /v1/families/F1/chronology?purpose=" + std::string(60, 'a') +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"},
      {"headers", "GET /healthz HTTP/1.1\r\n",
       "Host: 127.0.0.1\r\nX-Slow: " + std::string(60, 'b') + "\r\n\r\n"},
      {"body",
       "POST /v1/families/F1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
           s.Token("P1") + "\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n",
       body},
  };
  CapturedLogs().Clear();
  const uint64_t before = s.store().Size();
  std::vector<SlowRequest> slow(cases.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < cases.size(); ++i) {
    threads.emplace_back([&, i] {
      slow[i] = SendSlowly(s.port(), cases[i].at_once, cases[i].slowly, 100ms, 8000ms);
    });
  }
  // Meanwhile (the slow requests take a second at least), other clients are answered.
  std::this_thread::sleep_for(150ms);
  int answered = 0, appended = 0;
  const auto until = std::chrono::steady_clock::now() + 600ms;
  while (std::chrono::steady_clock::now() < until) {
    CHECK(s.Get("/healthz").status == 200);
    CHECK(s.Get("/v1/session", "auditor").status == 200);
    Response note = s.AppendFamily(
        "F1", "triage-manager",
        {TestServer::Note("N-fast-" + std::to_string(appended), "meanwhile", s.Now(-kMinute))});
    CHECK(note.status == 201);
    appended += note.status == 201 ? 1 : 0;
    answered += 3;
  }
  for (auto& t : threads) t.join();
  CHECK(answered >= 6);

  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("slow " << cases[i].name << ": " << slow[i].slow_bytes << " bytes sent slowly, closed "
                 << slow[i].closed << " after " << slow[i].seconds << " s, answer:\n"
                 << slow[i].answer);
    CHECK(slow[i].answer.rfind("HTTP/1.1 408 ", 0) == 0);
    CHECK(slow[i].answer.find("\"code\":\"requestTimeout\"") != std::string::npos);
    CHECK(slow[i].answer.find("Connection: close") != std::string::npos);
    CHECK(slow[i].answer.find("Content-Type: application/json") != std::string::npos);
    CHECK(slow[i].closed);
    // A second after the first byte (it is a deadline), with a generous margin.
    CHECK(slow[i].seconds >= 0.9);
    CHECK(slow[i].seconds < 4.0);
    CHECK(slow[i].slow_bytes < cases[i].slowly.size());
  }
  // The slow append appended nothing; each 408 has its log line.
  CHECK(s.store().Size() == before + static_cast<uint64_t>(appended));
  const std::string logs = CapturedLogs().Text();
  size_t timeouts = 0;
  for (size_t at = logs.find("status=408"); at != std::string::npos;
       at = logs.find("status=408", at + 1)) {
    ++timeouts;
  }
  CHECK(timeouts == cases.size());
}

TEST_CASE(
    "slow clients: a keep-alive connection outlives request_read_seconds (each request has its "
    "own deadline), pipelined requests are answered in order, and a keep-alive client's many "
    "requests (large bodies too) are all answered",
    "[api]") {
  api::ServerOptions options;
  options.request_read_seconds = 1;
  TestServer s(options);  // keep-alive 1 s
  s.Seed();
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  {
    RawClient c(s.port());
    REQUIRE(c.connected());
    // Three requests on one connection, 0.6 s apart: 1.2 s in all, over the 1 s deadline.
    for (int i = 0; i < 3; ++i) {
      INFO("request " << i);
      if (i > 0) std::this_thread::sleep_for(600ms);
      REQUIRE(c.Send(get));
      const std::string answer = c.Answer();
      CHECK(answer.rfind("HTTP/1.1 200 ", 0) == 0);
      CHECK(answer.find("\"status\":\"ok\"") != std::string::npos);
      CHECK_FALSE(c.closed());
    }
    // Two requests in one write: two answers, in order.
    REQUIRE(c.Send(get + "GET /v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                   s.Token("auditor") + "\r\n\r\n"));
    CHECK(c.Answer().find("\"status\":\"ok\"") != std::string::npos);
    CHECK(c.Answer().find("\"role\":\"auditor\"") != std::string::npos);
  }

  auto client = s.NewClient();
  client->set_keep_alive(true);
  const httplib::Headers p1 = TestServer::Auth(s.Token("P1"));
  int ok = 0;
  for (int i = 0; i < 40; ++i) {
    INFO("request " << i);
    // A note of 100 kB now and then, read in large pieces.
    const std::string text = i % 10 == 0 ? std::string(100'000, 'n') : "visit " + std::to_string(i);
    auto appended = client->Post(
        "/v1/families/F1/events", p1,
        AppendBody({TestServer::Note("N-ka-" + std::to_string(i), text, s.Now(-kMinute))}),
        "application/json");
    REQUIRE(appended);
    CHECK(appended->status == 201);
    auto read = client->Get("/v1/families/F1/chronology", p1);
    REQUIRE(read);
    CHECK(read->status == 200);
    ok += (appended->status == 201) + (read->status == 200);
  }
  CHECK(ok == 80);
  // The last chronology holds every note: 4 of 100 kB.
  auto last = client->Get("/v1/families/F1/chronology", p1);
  REQUIRE(last);
  CHECK(last->body.size() > 400'000);
}

TEST_CASE(
    "slow clients: 32 connections that send half a request or nothing hold none of the 2 workers, "
    "other clients are answered meanwhile, and each half request is answered 408 at its deadline",
    "[api]") {
  api::ServerOptions options;
  options.threads = 2;
  options.request_read_seconds = 5;
  TestServer s(options);
  s.Seed();
  std::vector<std::unique_ptr<RawClient>> halves, silent;
  for (int i = 0; i < 24; ++i) {
    halves.push_back(std::make_unique<RawClient>(s.port()));
    REQUIRE(halves.back()->connected());
    REQUIRE(halves.back()->Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  }
  for (int i = 0; i < 8; ++i) {
    silent.push_back(std::make_unique<RawClient>(s.port()));
    REQUIRE(silent.back()->connected());
  }
  // With a worker per connection, these would wait for the deadlines (the client gives up
  // after its read timeout): here the workers are free.
  for (int i = 0; i < 10; ++i) {
    INFO("request " << i);
    CHECK(s.Get("/healthz").status == 200);
    CHECK(s.Get("/v1/session", "auditor").status == 200);
  }
  // ...and were answered while every half request was still open and unanswered.
  for (auto& c : halves) {
    INFO("half request " << (&c - halves.data()));
    c->Receive(0ms);
    CHECK_FALSE(c->closed());
    CHECK(c->received().empty());
  }
  // The silent ones are closed after the keep-alive timeout (the test server's: 1 s), unanswered.
  for (auto& c : silent) {
    c->Receive(5000ms);
    CHECK(c->closed());
    CHECK(c->received().empty());
  }
  for (auto& c : halves) {
    const std::string answer = c->Answer(10000ms);
    CHECK(answer.rfind("HTTP/1.1 408 ", 0) == 0);
    CHECK(answer.find("\"code\":\"requestTimeout\"") != std::string::npos);
  }
}

}  // namespace
}  // namespace caseledger::testing
