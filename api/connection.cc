// The server's per-connection loop and the stream it reads through, with the request
// deadline (internal/connection.h).
#include "api/internal/connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <type_traits>

namespace caseledger::api::internal {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often the wait between requests looks whether the server stopped.
constexpr milliseconds kStopCheck{100};
// After a 408: how long what the client still sends is read and dropped before the close, so
// that unread bytes do not make the close a reset that loses the answer on its way.
constexpr milliseconds kLinger{1000};

struct Limits {
  milliseconds keep_alive, request, read, write;
  size_t max_requests;
};

enum class Io { kDone, kWouldBlock, kClosed, kError };

int PollMs(Clock::time_point end) {
  const auto left = std::chrono::ceil<milliseconds>(end - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, INT_MAX));
}

// Waits for `events` on `sock` until `end`: true when ready (or hung up, which the next read
// sees), false on the time running out or an error.
bool PollUntil(socket_t sock, short events, Clock::time_point end) {
  while (true) {
    pollfd p{sock, events, 0};
    const int r = ::poll(&p, 1, PollMs(end));
    if (r > 0) return (p.revents & (POLLERR | POLLNVAL)) == 0;
    if (r == 0 || errno != EINTR) return false;
  }
}

void SocketAddress(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  auto* a = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? ::getpeername(sock, a, &len) : ::getsockname(sock, a, &len)) != 0) return;
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> service{};
  if (::getnameinfo(a, len, host.data(), host.size(), service.data(), service.size(),
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host.data();
    port = std::atoi(service.data());
  }
}

// One connection's bytes, plain or TLS, over a non-blocking socket; reads bounded by the
// request's deadline. Owns the SSL object; the socket is closed by Close().
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(socket_t sock, const Limits& limits) : sock_(sock), limits_(limits) {}
  ~DeadlineStream() override {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }
  DeadlineStream(const DeadlineStream&) = delete;
  DeadlineStream& operator=(const DeadlineStream&) = delete;

  // The TLS handshake, within the request deadline of now. False when it failed or was late.
  bool Handshake(SSL_CTX* ctx) {
    ssl_ = SSL_new(ctx);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, sock_) != 1) return false;
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    deadline_ = Clock::now() + limits_.request;
    while (true) {
      ERR_clear_error();
      const int r = SSL_accept(ssl_);
      if (r == 1) return true;
      const short want = Want(SSL_get_error(ssl_, r));
      if (want == 0 || !Wait(want, want == POLLIN ? limits_.read : limits_.write, true)) {
        return false;
      }
    }
  }

  // Waits (at most the keep-alive timeout) for a request's first byte, then starts its
  // deadline. False when the client, the time or the server (`listening` closed) ends first.
  bool NextRequest(const std::atomic<socket_t>& listening) {
    const auto idle_end = Clock::now() + limits_.keep_alive;
    while (!Buffered()) {
      if (listening == INVALID_SOCKET || Clock::now() >= idle_end) return false;
      pollfd p{sock_, POLLIN, 0};
      const int r = ::poll(&p, 1, std::min(PollMs(idle_end), int(kStopCheck.count())));
      if (r < 0 && errno != EINTR) return false;
      if (r > 0) {
        if ((p.revents & (POLLERR | POLLNVAL)) != 0) return false;
        break;
      }
    }
    started_ = Clock::now();
    deadline_ = started_ + limits_.request;
    expired_ = false;
    received_ = len_ - off_;
    written_ = 0;
    return true;
  }

  bool expired() const { return expired_; }
  size_t received() const { return received_; }
  size_t written() const { return written_; }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

  // Ends the connection: a TLS close_notify when `graceful`; with `linger`, drops what the
  // client still sends for a moment before closing (after a 408).
  void Close(bool graceful, bool linger) {
    if (ssl_ != nullptr) {
      if (graceful) {
        ERR_clear_error();
        SSL_shutdown(ssl_);
      }
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    if (linger) {
      ::shutdown(sock_, SHUT_WR);
      const auto end = Clock::now() + kLinger;
      std::array<char, 4096> dropped;
      while (PollUntil(sock_, POLLIN, end)) {
        const ssize_t n = ::recv(sock_, dropped.data(), dropped.size(), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
      }
    }
    ::shutdown(sock_, SHUT_RDWR);
    ::close(sock_);
  }

  // ---- httplib::Stream

  bool is_readable() const override {
    if (Buffered()) return true;
    const auto end = std::min(Clock::now() + limits_.read, deadline_);
    return PollUntil(sock_, POLLIN, end);
  }

  bool is_writable() const override {
    pollfd p{sock_, POLLOUT, 0};
    return ::poll(&p, 1, int(limits_.write.count())) > 0 &&
           (p.revents & (POLLERR | POLLHUP | POLLNVAL)) == 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (off_ == len_) {
      // Large reads (a body) go straight to the caller; small ones (lines) through the buffer.
      if (size >= buffer_.size()) return ReadSome(ptr, size);
      const ssize_t n = ReadSome(buffer_.data(), buffer_.size());
      if (n <= 0) return n;
      off_ = 0;
      len_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, len_ - off_);
    std::memcpy(ptr, buffer_.data() + off_, n);
    off_ += n;
    return static_cast<ssize_t>(n);
  }

  // All of it or -1: the library does not write the rest of a short write.
  ssize_t write(const char* ptr, size_t size) override {
    size_t sent = 0;
    while (sent < size) {
      size_t n = 0;
      short want = 0;
      switch (SendOnce(ptr + sent, size - sent, &n, &want)) {
        case Io::kDone:
          sent += n;
          break;
        case Io::kWouldBlock:
          if (!Wait(want, limits_.write, false)) return -1;
          break;
        case Io::kClosed:
        case Io::kError:
          return -1;
      }
    }
    written_ += size;
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    SocketAddress(sock_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    SocketAddress(sock_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  bool Buffered() const { return off_ < len_ || (ssl_ != nullptr && SSL_has_pending(ssl_) == 1); }

  static short Want(int ssl_error) {
    if (ssl_error == SSL_ERROR_WANT_READ) return POLLIN;
    if (ssl_error == SSL_ERROR_WANT_WRITE) return POLLOUT;
    return 0;
  }

  // Waits for `events` at most `timeout` and, when `by_deadline`, not past the request's
  // deadline (then marks it expired). True when ready.
  bool Wait(short events, milliseconds timeout, bool by_deadline) {
    auto end = Clock::now() + timeout;
    if (by_deadline) end = std::min(end, deadline_);
    if (PollUntil(sock_, events, end)) return true;
    if (by_deadline && Clock::now() >= deadline_) expired_ = true;
    return false;
  }

  // At least one byte into `ptr`: their count, 0 at the end of the stream, -1 on a read
  // timeout, the deadline or an error. Bytes that keep coming do not extend the deadline.
  ssize_t ReadSome(char* ptr, size_t size) {
    while (true) {
      if (Clock::now() >= deadline_) {
        expired_ = true;
        return -1;
      }
      size_t n = 0;
      short want = 0;
      switch (RecvOnce(ptr, size, &n, &want)) {
        case Io::kDone:
          received_ += n;
          return static_cast<ssize_t>(n);
        case Io::kClosed:
          return 0;
        case Io::kError:
          return -1;
        case Io::kWouldBlock:
          if (!Wait(want, limits_.read, true)) return -1;
          break;
      }
    }
  }

  Io RecvOnce(char* ptr, size_t size, size_t* n, short* want) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int r = SSL_read(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT_MAX)));
      if (r > 0) {
        *n = static_cast<size_t>(r);
        return Io::kDone;
      }
      const int error = SSL_get_error(ssl_, r);
      if (error == SSL_ERROR_ZERO_RETURN) return Io::kClosed;
      *want = Want(error);
      return *want != 0 ? Io::kWouldBlock : Io::kError;
    }
    const ssize_t r = ::recv(sock_, ptr, size, 0);
    if (r > 0) {
      *n = static_cast<size_t>(r);
      return Io::kDone;
    }
    if (r == 0) return Io::kClosed;
    *want = POLLIN;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? Io::kWouldBlock : Io::kError;
  }

  Io SendOnce(const char* ptr, size_t size, size_t* n, short* want) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int r = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT_MAX)));
      if (r > 0) {
        *n = static_cast<size_t>(r);
        return Io::kDone;
      }
      *want = Want(SSL_get_error(ssl_, r));
      return *want != 0 ? Io::kWouldBlock : Io::kError;
    }
    const ssize_t r = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    if (r >= 0) {
      *n = static_cast<size_t>(r);
      return Io::kDone;
    }
    *want = POLLOUT;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? Io::kWouldBlock : Io::kError;
  }

  const socket_t sock_;
  const Limits limits_;
  SSL* ssl_ = nullptr;
  std::array<char, 4096> buffer_;
  size_t off_ = 0, len_ = 0;
  Clock::time_point started_{};
  Clock::time_point deadline_ = Clock::time_point::max();
  bool expired_ = false;
  size_t received_ = 0, written_ = 0;
};

thread_local const DeadlineStream* t_stream = nullptr;

struct TimeoutAnswer {
  std::string response;  // the whole HTTP answer: status line, headers, JSON body
  std::function<void(double)> told;
};

// Serves `sock` until the client or the server ends the connection, then closes it. True
// when the last request was answered.
template <class Process>
bool ServeConnection(socket_t sock, SSL_CTX* tls, const std::atomic<socket_t>& listening,
                     const Limits& limits, const TimeoutAnswer& timeout, Process process) {
  static thread_local const bool sigpipe_blocked = [] {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    return pthread_sigmask(SIG_BLOCK, &pipe, nullptr) == 0;
  }();
  (void)sigpipe_blocked;
  ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL, 0) | O_NONBLOCK);
  DeadlineStream stream(sock, limits);
  bool answered = false, timed_out = false;
  if (tls == nullptr || stream.Handshake(tls)) {
    t_stream = &stream;
    for (size_t left = limits.max_requests; left > 0; --left) {
      if (!stream.NextRequest(listening)) break;
      bool closed = false;
      answered = process(stream, left == 1, closed);
      if (stream.expired()) {
        timed_out = true;
        // The request line never came whole: the library answered nothing.
        if (stream.written() == 0 && stream.received() > 0 &&
            stream.write(timeout.response.data(), timeout.response.size()) > 0 && timeout.told) {
          timeout.told(stream.seconds());
        }
        break;
      }
      if (!answered || closed) break;
    }
    t_stream = nullptr;
  }
  stream.Close(answered || timed_out, timed_out);
  return answered;
}

template <class Base>
class DeadlineServer final : public Base {
 public:
  template <class... Args>
  DeadlineServer(milliseconds request_deadline, TimeoutAnswer timeout, Args&&... args)
      : Base(std::forward<Args>(args)...),
        request_deadline_(request_deadline),
        timeout_(std::move(timeout)) {}

 private:
  bool process_and_close_socket(socket_t sock) override {
    SSL_CTX* tls = nullptr;
    if constexpr (std::is_base_of_v<httplib::SSLServer, Base>) tls = this->ssl_context();
    auto ms = [](time_t sec, time_t usec) { return milliseconds(sec * 1000 + usec / 1000); };
    const Limits limits{ms(this->keep_alive_timeout_sec_, 0), request_deadline_,
                        ms(this->read_timeout_sec_, this->read_timeout_usec_),
                        ms(this->write_timeout_sec_, this->write_timeout_usec_),
                        std::max<size_t>(1, this->keep_alive_max_count_)};
    return ServeConnection(sock, tls, this->svr_sock_, limits, timeout_,
                           [this](httplib::Stream& s, bool close, bool& closed) {
                             return this->process_request(s, close, closed, nullptr);
                           });
  }

  const milliseconds request_deadline_;
  const TimeoutAnswer timeout_;
};

}  // namespace

std::unique_ptr<httplib::Server> NewDeadlineServer(const std::string& tls_cert,
                                                   const std::string& tls_key,
                                                   milliseconds request_deadline,
                                                   std::string timeout_body,
                                                   std::function<void(double)> on_timeout) {
  TimeoutAnswer timeout;
  timeout.response =
      "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(timeout_body.size()) +
      "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
      "Referrer-Policy: no-referrer\r\n\r\n" +
      timeout_body;
  timeout.told = std::move(on_timeout);
  request_deadline = std::max(request_deadline, milliseconds(1));
  if (tls_cert.empty()) {
    return std::make_unique<DeadlineServer<httplib::Server>>(request_deadline, std::move(timeout));
  }
  return std::make_unique<DeadlineServer<httplib::SSLServer>>(request_deadline, std::move(timeout),
                                                              tls_cert.c_str(), tls_key.c_str());
}

bool RequestDeadlinePassed() { return t_stream != nullptr && t_stream->expired(); }

}  // namespace caseledger::api::internal
