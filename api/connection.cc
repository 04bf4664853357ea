// The server's waiting room and workers, with the request deadline (internal/connection.h);
// the stream they read through is internal/deadline_stream.h.
#include "api/internal/connection.h"

#include "api/internal/deadline_stream.h"
#include "api/internal/httplib_seam.h"
#include "api/internal/security_headers.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace caseledger::api::internal {
namespace {

// After an answer, how long a worker waits for the connection's next request before handing it
// back to the room: a busy keep-alive client (a dashboard's fetches, a benchmark) then costs
// no handoff between threads per request, and a worker is held at most this long more.
constexpr milliseconds kNextRequestWait{2};
// After a 408: how long what the client still sends is read and dropped before the close, so
// that unread bytes do not make the close a reset that loses the answer on its way.
constexpr milliseconds kLinger{1000};

thread_local const DeadlineStream* t_stream = nullptr;

struct TimeoutAnswer {
  std::string response;  // the whole HTTP answer: status line, headers, JSON body
  std::function<void(double)> told;
};

// Blocks SIGPIPE on the calling thread: a (TLS) write to a closed connection gets EPIPE.
void BlockSigpipe() {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
}

// One client's connection, between the waiting room and the workers.
struct Connection {
  enum class State {
    kHandshake,  // TLS: until `until`
    kIdle,       // waiting for a request's first byte until `until` (the keep-alive timeout)
    kReading,    // a request began: until its deadline
    kLinger,     // after a 408: dropping what comes until `until`
  };
  Connection(socket_t sock, const Limits& l) : stream(sock, l), limits(l), left(l.max_requests) {}
  DeadlineStream stream;
  const Limits limits;
  size_t left;  // requests it may still carry
  State state = State::kIdle;
  Clock::time_point until;
  short want = POLLIN;
  bool answered = false;  // the last request was answered
  bool try_now = true;    // read before polling (bytes may be waiting, or inside OpenSSL)

  Clock::time_point Ends() const { return state == State::kReading ? stream.deadline() : until; }
};
using ConnectionPtr = std::unique_ptr<Connection>;

// The waiting room: one thread waits (poll) on every connection that has no whole request
// yet, reads what arrives, and hands a connection to the workers only once a request has come
// whole (its body too, up to kRoomBody), or its deadline passed. So a slow or idle client
// holds a socket and a buffer, not a worker: the workers only parse, answer and write.
class Room {
 public:
  // process(stream, last, closed): the library's handling of one request read from `stream`
  // (`last`: it must close the connection); true when it was answered.
  using Process = std::function<bool(httplib::Stream&, bool, bool&)>;

  Room(size_t threads, Process process, const TimeoutAnswer& timeout)
      : process_(std::move(process)), timeout_(timeout) {
    if (::pipe(wake_) != 0) wake_[0] = wake_[1] = -1;
    for (int fd : wake_) {
      if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    }
    poller_ = std::thread([this] { Wait(); });
    for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) {
      workers_.emplace_back([this] { Work(); });
    }
  }
  ~Room() {
    Stop();
    for (int fd : wake_) {
      if (fd >= 0) ::close(fd);
    }
  }
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  // A new connection (on the accepting thread).
  void Admit(socket_t sock, SSL_CTX* tls, const Limits& limits) {
    ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL, 0) | O_NONBLOCK);
    auto c = std::make_unique<Connection>(sock, limits);
    if (tls != nullptr) {
      if (!c->stream.StartTls(tls)) {
        c->stream.Close(false);
        return;
      }
      c->state = Connection::State::kHandshake;
      c->until = Clock::now() + limits.request;
    } else {
      c->until = Clock::now() + limits.keep_alive;
    }
    ToRoom(std::move(c));
  }

  // Closes every waiting connection, lets the workers finish the requests they hold, and
  // joins the threads.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    WakeRoom();
    if (poller_.joinable()) poller_.join();
    // The room is closed: the workers finish what it handed them, and end.
    {
      std::lock_guard lock(mu_);
      workers_stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    std::lock_guard lock(mu_);
    for (auto& c : arriving_) c->stream.Close(false);
    arriving_.clear();
  }

 private:
  void WakeRoom() {
    const char b = 1;
    if (wake_[1] >= 0) (void)!::write(wake_[1], &b, 1);
  }

  void ToRoom(ConnectionPtr c) {
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        c->try_now = true;
        arriving_.push_back(std::move(c));
      }
    }
    if (c != nullptr) {
      c->stream.Close(c->answered);  // stopping
      return;
    }
    WakeRoom();
  }

  void ToWorkers(ConnectionPtr c) {
    {
      std::lock_guard lock(mu_);
      ready_.push_back(std::move(c));
    }
    work_cv_.notify_one();
  }

  // Reads what `c` has, and moves it on when it can: true when it left the room (to a worker,
  // or closed).
  bool Step(ConnectionPtr& c) {
    using State = Connection::State;
    auto close = [&](bool graceful) {
      c->stream.Close(graceful);
      c.reset();
      return true;
    };
    if (c->state == State::kLinger) return c->stream.Drop() ? false : close(false);
    if (c->state == State::kHandshake) {
      switch (c->stream.HandshakeStep(&c->want)) {
        case Io::kDone:
          c->state = State::kIdle;
          c->until = Clock::now() + c->limits.keep_alive;
          break;
        case Io::kWouldBlock:
          return false;
        default:
          return close(false);
      }
    }
    const Io r = c->stream.Fill(&c->want);
    if (r == Io::kClosed || r == Io::kError) return close(c->answered && r == Io::kClosed);
    if (c->state == State::kIdle && c->stream.HasBuffered()) {
      c->state = State::kReading;
      c->stream.StartRequest();
    }
    if (c->state == State::kReading && c->stream.RequestReady()) {
      ToWorkers(std::move(c));
      return true;
    }
    return false;
  }

  // The room's thread.
  void Wait() {
    using State = Connection::State;
    BlockSigpipe();
    std::vector<ConnectionPtr> waiting;
    std::vector<pollfd> fds;
    while (true) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) break;
        for (auto& c : arriving_) waiting.push_back(std::move(c));
        arriving_.clear();
      }
      // Those with bytes at hand first; then the times that ran out.
      const auto now = Clock::now();
      for (auto& c : waiting) {
        if (c->try_now) {
          c->try_now = false;
          Step(c);
        }
        if (c == nullptr || now < c->Ends()) continue;
        if (c->state == State::kReading) {
          c->stream.Expire();  // a worker answers 408
          ToWorkers(std::move(c));
        } else {
          c->stream.Close(c->state == State::kIdle && c->answered);
          c.reset();
        }
      }
      std::erase(waiting, nullptr);
      auto end = Clock::now() + std::chrono::seconds(1);
      fds.assign(1, pollfd{wake_[0], POLLIN, 0});
      for (const auto& c : waiting) {
        end = std::min(end, c->Ends());
        fds.push_back(pollfd{c->stream.socket(), c->want, 0});
      }
      const int n = ::poll(fds.data(), fds.size(), PollMs(end));
      if (n < 0 && errno != EINTR) std::this_thread::sleep_for(milliseconds(10));
      if (n <= 0) continue;
      if (fds[0].revents != 0) {
        char drained[64];
        while (::read(wake_[0], drained, sizeof(drained)) > 0) {
        }
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents != 0) Step(waiting[i - 1]);
      }
      std::erase(waiting, nullptr);
    }
    for (auto& c : waiting) c->stream.Close(false);
  }

  // A worker: serves the requests of a connection while they are whole, then hands it back.
  void Work() {
    BlockSigpipe();
    while (true) {
      ConnectionPtr c;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [&] { return workers_stop_ || !ready_.empty(); });
        if (ready_.empty()) return;  // stopping, nothing left
        c = std::move(ready_.front());
        ready_.pop_front();
      }
      t_stream = &c->stream;
      Serve(c);
      t_stream = nullptr;
      if (c != nullptr) ToRoom(std::move(c));
    }
  }

  // Serves `c`'s requests; leaves `c` set when it goes back to the room.
  void Serve(ConnectionPtr& c) {
    DeadlineStream& stream = c->stream;
    while (true) {
      if (!stream.expired()) {
        bool closed = false;
        c->answered = process_(stream, c->left == 1, closed);
        --c->left;
        if (!stream.expired()) {
          bool stopping;
          {
            std::lock_guard lock(mu_);
            stopping = stopping_;
          }
          if (!c->answered || closed || c->left == 0 || stopping) {
            stream.Close(c->answered);
            c.reset();
            return;
          }
          c->want = POLLIN;
          if (!stream.HasBuffered() &&
              PollUntil(stream.socket(), POLLIN, Clock::now() + kNextRequestWait)) {
            const Io r = stream.Fill(&c->want);
            if (r == Io::kClosed || r == Io::kError) {
              stream.Close(c->answered && r == Io::kClosed);
              c.reset();
              return;
            }
          }
          if (stream.HasBuffered()) {
            stream.StartRequest();
            if (stream.RequestReady()) continue;  // pipelined or prompt, and whole
            c->state = Connection::State::kReading;
          } else {
            c->state = Connection::State::kIdle;
            c->until = Clock::now() + c->limits.keep_alive;
          }
          return;
        }
      }
      // The deadline passed, in the room or while the library read: when the library wrote
      // nothing (no request line came whole), the 408 is written here.
      if (stream.written() == 0 && stream.received() > 0 &&
          stream.write(timeout_.response.data(), timeout_.response.size()) > 0 && timeout_.told) {
        timeout_.told(stream.seconds());
      }
      stream.StartLinger();
      c->state = Connection::State::kLinger;
      c->until = Clock::now() + kLinger;
      c->want = POLLIN;
      return;
    }
  }

  const Process process_;
  const TimeoutAnswer& timeout_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  bool stopping_ = false;                // under mu_: the room closes
  bool workers_stop_ = false;            // under mu_: then the workers end
  std::vector<ConnectionPtr> arriving_;  // under mu_: for the room
  std::deque<ConnectionPtr> ready_;      // under mu_: for the workers
  int wake_[2] = {-1, -1};               // a pipe that wakes the room
  std::thread poller_;
  std::vector<std::thread> workers_;
};

// The library's server (Base: httplib::Server or httplib::SSLServer) with the room in place of
// its per-connection loop and thread pool: made when listening starts, handed each accepted
// connection, stopped when listening ends (internal/httplib_seam.h).
template <class Base>
class DeadlineServer final : public OwnConnections<Base> {
 public:
  template <class... Args>
  DeadlineServer(size_t threads, milliseconds request_deadline, TimeoutAnswer timeout,
                 Args&&... args)
      : OwnConnections<Base>(std::forward<Args>(args)...),
        threads_(threads),
        request_deadline_(request_deadline),
        timeout_(std::move(timeout)) {}

 private:
  void Started() override {
    room_ = std::make_unique<Room>(
        threads_,
        [this](httplib::Stream& s, bool last, bool& closed) {
          return this->ServeRequest(s, last, closed);
        },
        timeout_);
  }

  void Accept(socket_t sock) override {
    if (room_ == nullptr) {
      ::close(sock);
      return;
    }
    SSL_CTX* tls = nullptr;
    if constexpr (std::is_base_of_v<httplib::SSLServer, Base>) tls = this->ssl_context();
    const auto s = this->settings();
    room_->Admit(sock, tls,
                 Limits{s.keep_alive, request_deadline_, s.read, s.write,
                        std::max<size_t>(1, s.max_requests)});
  }

  void Stopped() override { room_.reset(); }  // ~Room stops it

  const size_t threads_;
  const milliseconds request_deadline_;
  const TimeoutAnswer timeout_;
  std::unique_ptr<Room> room_;  // while listening; on the listening thread only
};

}  // namespace

std::unique_ptr<httplib::Server> NewDeadlineServer(const std::string& tls_cert,
                                                   const std::string& tls_key, size_t threads,
                                                   milliseconds request_deadline,
                                                   std::string timeout_body,
                                                   std::function<void(double)> on_timeout) {
  TimeoutAnswer timeout;
  timeout.response =
      "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(timeout_body.size()) + "\r\n";
  for (const auto& [name, value] : SecurityHeaders()) {
    timeout.response += name + ": " + value + "\r\n";
  }
  timeout.response += "\r\n" + timeout_body;
  timeout.told = std::move(on_timeout);
  request_deadline = std::max(request_deadline, milliseconds(1));
  if (tls_cert.empty()) {
    return std::make_unique<DeadlineServer<httplib::Server>>(threads, request_deadline,
                                                             std::move(timeout));
  }
  return std::make_unique<DeadlineServer<httplib::SSLServer>>(
      threads, request_deadline, std::move(timeout), tls_cert.c_str(), tls_key.c_str());
}

bool RequestDeadlinePassed() { return t_stream != nullptr && t_stream->expired(); }

}  // namespace caseledger::api::internal
