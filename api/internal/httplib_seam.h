// The one place that reaches past cpp-httplib's public API: its protected and private members,
// its detail:: namespace and what its listening loop does. Written for cpp-httplib 0.11.4;
// api/CMakeLists.txt refuses to configure against another version until this file has been
// checked against it. Private to api/.
//
// What is relied on, as 0.11.4's Server does it:
//   - listen_after_bind() calls new_task_queue() once, on its own thread, before it accepts;
//     on that thread it hands each accepted socket to the queue's enqueue() as a task calling
//     the private virtual process_and_close_socket(sock); once stop() has closed the listening
//     socket it calls the queue's shutdown(), then deletes the queue, then returns;
//   - the protected process_request(stream, close_connection, connection_closed, setup) reads
//     one request from the stream, routes it (pre-routing handler, handler, error and
//     exception handlers, logger) and writes the answer: true when a request was answered;
//   - the protected keep_alive_timeout_sec_, read_timeout_sec_ / _usec_, write_timeout_sec_ /
//     _usec_ and keep_alive_max_count_ hold what the public setters were given;
//   - after a failed bind, errno is that of the last failed bind() or listen(): the library
//     then only closes the socket and frees the address list;
//   - detail::parse_query_text(text, params) decodes a query as the library fills req.params.
//
// httplib::Stream, which internal/deadline_stream.h implements, is public: the compiler checks
// those overrides.
#pragma once

#include <httplib.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <string>
#include <utility>

namespace caseledger::api::internal {

// A Base (httplib::Server or httplib::SSLServer) whose accepted connections are the
// subclass's: the library still listens and accepts, and parses, routes and answers each
// request it is given (ServeRequest); how connections are read and waited on is the subclass's.
//
// Thread-safety: Started, Accept and Stopped are called on the thread in listen_after_bind();
// ServeRequest may be called on any thread.
template <class Base>
class OwnConnections : public Base {
 public:
  template <class... Args>
  explicit OwnConnections(Args&&... args) : Base(std::forward<Args>(args)...) {
    this->new_task_queue = [this] {
      Started();
      return new Queue(*this);
    };
  }

 protected:
  // What the public setters were given.
  struct Settings {
    std::chrono::milliseconds keep_alive, read, write;
    size_t max_requests;  // on one keep-alive connection
  };
  Settings settings() const {
    auto ms = [](time_t sec, time_t usec) {
      return std::chrono::milliseconds(sec * 1000 + usec / 1000);
    };
    return Settings{
        ms(this->keep_alive_timeout_sec_, 0), ms(this->read_timeout_sec_, this->read_timeout_usec_),
        ms(this->write_timeout_sec_, this->write_timeout_usec_), this->keep_alive_max_count_};
  }

  // Listening starts: before the first Accept.
  virtual void Started() = 0;
  // A connection accepted: `sock` is the callee's to close. Keep it short: the next accept
  // waits for it.
  virtual void Accept(socket_t sock) = 0;
  // Listening ended (stop()): no Accept follows.
  virtual void Stopped() = 0;

  // Reads one request from `stream`, routes it and writes the answer (`last`: with
  // Connection: close). `closed` is set when the connection must close. True when answered.
  bool ServeRequest(httplib::Stream& stream, bool last, bool& closed) {
    return this->process_request(stream, last, closed, nullptr);
  }

 private:
  // The listening loop's queue: each task (process_and_close_socket) runs at once, on the
  // accepting thread.
  class Queue final : public httplib::TaskQueue {
   public:
    explicit Queue(OwnConnections& server) : server_(server) {}
    void enqueue(std::function<void()> fn) override { fn(); }
    void shutdown() override { server_.Stopped(); }

   private:
    OwnConnections& server_;
  };

  bool process_and_close_socket(socket_t sock) final {
    Accept(sock);
    return true;
  }
};

// Binds `server` to host:port (port 0: any free port) and listens. Returns the port; -1 when it
// cannot, with `*error` the errno of the last failed bind() or listen() (when the host did not
// resolve, whatever getaddrinfo left).
inline int BindAndListen(httplib::Server& server, const std::string& host, int port, int* error) {
  errno = 0;
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) *error = errno;
  return bound;
}

// The parameters of a request target's query (the text after '?'), decoded as the library
// decodes them into req.params.
inline void ParseQuery(const std::string& text, httplib::Params& params) {
  httplib::detail::parse_query_text(text, params);
}

}  // namespace caseledger::api::internal
