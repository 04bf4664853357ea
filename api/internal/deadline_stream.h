// DeadlineStream: one connection's bytes, plain or TLS, over a non-blocking socket, as the
// httplib::Stream the library parses a request from; with the steps the waiting room takes
// (the handshake, reads that never wait, whether a request has come whole) and the reads a
// worker takes, bounded by the request's deadline. Private to api/connection.cc, which
// describes the whole (internal/connection.h).
//
// Thread-safety: one thread at a time (the room or a worker), handed over under a mutex.
#pragma once

#include <httplib.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <string>
#include <string_view>

namespace caseledger::api::internal {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What the waiting room keeps of a request before a worker takes it: a whole head and a body
// of at most kRoomBody bytes (most appends); a longer body is read by the worker.
constexpr size_t kRoomBody = 64u << 10;
constexpr size_t kRoomMax = 2 * kRoomBody;
// One read's size.
constexpr size_t kChunk = 4096;

struct Limits {
  milliseconds keep_alive, request, read, write;
  size_t max_requests;
};

enum class Io { kDone, kWouldBlock, kClosed, kError };

inline int PollMs(Clock::time_point end) {
  const auto left = std::chrono::ceil<milliseconds>(end - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, INT_MAX));
}

// Waits for `events` on `sock` until `end`: true when ready (or hung up, which the next read
// sees), false on the time running out or an error.
inline bool PollUntil(socket_t sock, short events, Clock::time_point end) {
  while (true) {
    pollfd p{sock, events, 0};
    const int r = ::poll(&p, 1, PollMs(end));
    if (r > 0) return (p.revents & (POLLERR | POLLNVAL)) == 0;
    if (r == 0 || errno != EINTR) return false;
  }
}

inline void SocketAddress(socket_t sock, bool peer, std::string& ip, int& port) {
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

  // ---- Steps of the waiting room: none of them blocks.

  // Starts a TLS session on the socket. False when OpenSSL cannot.
  bool StartTls(SSL_CTX* ctx) {
    ssl_ = SSL_new(ctx);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, sock_) != 1) return false;
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return true;
  }
  // One step of the TLS handshake: kDone when it is over, kWouldBlock with the events it
  // waits for in `want`, else kError.
  Io HandshakeStep(short* want) {
    ERR_clear_error();
    const int r = SSL_accept(ssl_);
    if (r == 1) return Io::kDone;
    *want = Want(SSL_get_error(ssl_, r));
    return *want != 0 ? Io::kWouldBlock : Io::kError;
  }
  // Reads what the client has sent, without waiting, until it would block or the room holds
  // kRoomMax bytes: kWouldBlock (with `want`) when it would, kDone when the room is full,
  // kClosed or kError when the connection ended.
  Io Fill(short* want) {
    if (off_ == buf_.size()) {
      buf_.clear();
      off_ = 0;
    }
    while (buf_.size() - off_ < kRoomMax) {
      const size_t at = buf_.size();
      buf_.resize(at + kChunk);
      size_t n = 0;
      const Io r = RecvOnce(buf_.data() + at, kChunk, &n, want);
      buf_.resize(at + n);
      received_ += n;
      if (r != Io::kDone) return r;
    }
    return Io::kDone;
  }
  // Whether a worker can take the request: its head has come whole, and its body too when
  // the head gives a Content-Length of at most kRoomBody; or the room is full. (The library
  // ends the head at an empty line; a line without its CR is skipped, so "\n\r\n" ends it.)
  bool RequestReady() const {
    const std::string_view b = std::string_view(buf_).substr(off_);
    if (b.size() >= kRoomMax) return true;
    const size_t end = b.find("\n\r\n");
    if (end == std::string_view::npos) return false;
    const size_t length = ContentLength(b.substr(0, end + 1));
    return length > kRoomBody || b.size() >= end + 3 + length;
  }
  // Starts the next request's deadline from now, with what is buffered as its first bytes.
  void StartRequest() {
    started_ = Clock::now();
    deadline_ = started_ + limits_.request;
    expired_ = false;
    received_ = buf_.size() - off_;
    written_ = 0;
  }
  bool HasBuffered() const { return Buffered(); }
  Clock::time_point deadline() const { return deadline_; }
  void Expire() { expired_ = true; }
  // After a 408: the TLS session ends, the sending side closes, and what the client still
  // sends is dropped (Drop) for a moment before the close, so that unread bytes do not make
  // the close a reset that loses the answer on its way.
  void StartLinger() {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    ::shutdown(sock_, SHUT_WR);
  }
  // Drops what has arrived: false at the end of the stream or on an error.
  bool Drop() {
    std::array<char, kChunk> dropped;
    while (true) {
      const ssize_t n = ::recv(sock_, dropped.data(), dropped.size(), 0);
      if (n > 0) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    }
  }

  bool expired() const { return expired_; }
  size_t received() const { return received_; }
  size_t written() const { return written_; }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

  // Ends the connection: a TLS close_notify when `graceful` (sent if the socket takes it
  // now), then the close.
  void Close(bool graceful) {
    if (ssl_ != nullptr) {
      if (graceful) {
        ERR_clear_error();
        SSL_shutdown(ssl_);
      }
      SSL_free(ssl_);
      ssl_ = nullptr;
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
    if (off_ == buf_.size()) {
      buf_.clear();
      off_ = 0;
      // Large reads (a body) go straight to the caller; small ones (lines) through the buffer.
      if (size >= kChunk) return ReadSome(ptr, size);
      buf_.resize(kChunk);
      const ssize_t n = ReadSome(buf_.data(), kChunk);
      buf_.resize(n > 0 ? static_cast<size_t>(n) : 0);
      if (n <= 0) return n;
    }
    const size_t n = std::min(size, buf_.size() - off_);
    std::memcpy(ptr, buf_.data() + off_, n);
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
  bool Buffered() const {
    return off_ < buf_.size() || (ssl_ != nullptr && SSL_has_pending(ssl_) == 1);
  }

  // The Content-Length a request head gives; 0 when it gives none (or none that reads).
  static size_t ContentLength(std::string_view head) {
    constexpr std::string_view kName = "\ncontent-length:";
    for (size_t at = head.find('\n'); at != std::string_view::npos; at = head.find('\n', at + 1)) {
      if (head.size() - at < kName.size()) return 0;
      bool same = true;
      for (size_t i = 0; i < kName.size() && same; ++i) {
        same = std::tolower(static_cast<unsigned char>(head[at + i])) == kName[i];
      }
      if (!same) continue;
      size_t i = at + kName.size(), length = 0;
      while (i < head.size() && (head[i] == ' ' || head[i] == '\t')) ++i;
      for (; i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i) {
        if (length > kRoomMax) return length;  // more than the room keeps: that is enough
        length = length * 10 + static_cast<size_t>(head[i] - '0');
      }
      return length;
    }
    return 0;
  }

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
  std::string buf_;  // read, not yet taken from off_ on
  size_t off_ = 0;
  Clock::time_point started_{};
  Clock::time_point deadline_ = Clock::time_point::max();
  bool expired_ = false;
  size_t received_ = 0, written_ = 0;
};

}  // namespace caseledger::api::internal
