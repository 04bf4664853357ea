// The HTTP server's connections, served with a deadline for each request. Private to api/.
//
// cpp-httplib 0.11 bounds each wait for bytes (the read timeout), never a whole request: a
// client sending a byte a second holds a worker thread for as long as it likes (slowloris).
// The server made here replaces the library's per-connection loop (process_and_close_socket,
// a virtual of httplib::Server and httplib::SSLServer) with its own, which keeps the
// library's parsing and routing (process_request) but reads through a stream of its own:
//
//   - between requests it waits at most the keep-alive timeout for the next request's first
//     byte, as the library does (and stops waiting when the server stops);
//   - from that first byte, the request line, headers and body must all be received within
//     `request_deadline`; each wait for bytes is also bounded by the read timeout. When the
//     deadline passes, the request is answered 408 with a JSON error and the connection is
//     closed: the error handler answers it when RequestDeadlinePassed() (the library reports
//     the unfinished read as a 400), or, when the request line never came whole, the loop
//     writes `timeout_body` itself and calls `on_timeout`. A handler's time and the writing
//     of the answer do not count: nothing is read after the body;
//   - a TLS handshake must end within `request_deadline` of the accept;
//   - each wait to send is bounded by the write timeout, and a write sends all or fails.
//
// The accepted socket is made non-blocking and every wait is a poll(), so the deadline holds
// for TLS as well (OpenSSL reads the same socket). SIGPIPE is blocked on the threads that
// serve connections (a TLS write to a closed connection would raise it): writes get EPIPE.
//
// Thread-safety: each connection is served on one pool thread, as by the library.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace caseledger::api::internal {

// An HTTPS server when `tls_cert` and `tls_key` are given, else HTTP; configured further by
// the caller as any httplib::Server (timeouts, keep-alive, handlers). `on_timeout(seconds)`
// is told of each 408 written without a request line (for the log and the metrics), seconds
// counted from the request's first byte.
std::unique_ptr<httplib::Server> NewDeadlineServer(const std::string& tls_cert,
                                                   const std::string& tls_key,
                                                   std::chrono::milliseconds request_deadline,
                                                   std::string timeout_body,
                                                   std::function<void(double)> on_timeout);

// True on a thread serving a request whose deadline has passed.
bool RequestDeadlinePassed();

}  // namespace caseledger::api::internal
