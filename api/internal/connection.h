// The HTTP server's connections, served with a deadline for each request. Private to api/.
//
// cpp-httplib 0.11 bounds each wait for bytes (the read timeout), never a whole request: a
// client sending a byte a second holds a worker thread for as long as it likes (slowloris),
// and every keep-alive connection holds one while it is idle. The server made here keeps the
// library's listening thread, which accepts, and its parsing and routing of a request, but
// replaces its per-connection loop and thread pool with a waiting room and workers of its own
// (through internal/httplib_seam.h, the one place that reaches into the library):
//
//   - the waiting room, one thread, polls every connection that has no whole request yet: it
//     does the TLS handshake, reads what arrives, and hands the connection to a worker only
//     once a request's head has come whole, with its body when the head gives a
//     Content-Length of at most 64 KiB. Idle and slow clients hold a socket and a buffer
//     (at most 128 KiB), never a worker; a worker's waits are for a large body or a slow
//     reader of the answer;
//   - between requests a connection waits at most the keep-alive timeout for the next
//     request's first byte; a stop closes the waiting connections;
//   - from that first byte, the request line, headers and body must all be received within
//     `request_deadline`; each wait for bytes is also bounded by the read timeout. When the
//     deadline passes, the request is answered 408 with a JSON error and the connection is
//     closed: the error handler answers it when RequestDeadlinePassed() (the library reports
//     the unfinished read of a large body as a 400), or, when the request never came whole
//     into the room, the worker writes `timeout_body` itself and calls `on_timeout`. After a
//     408 the room drops what the client still sends for a second before the close, so that
//     unread bytes do not make the close a reset that loses the answer. A handler's time and
//     the writing of the answer do not count: nothing is read after the body;
//   - a TLS handshake must end within `request_deadline` of the accept;
//   - each wait to send is bounded by the write timeout, and a write sends all or fails.
//
// Sockets are non-blocking and every wait is a poll(), so the deadline holds for TLS as well
// (OpenSSL reads the same socket). SIGPIPE is blocked on the room's and the workers' threads
// (a TLS write to a closed connection would raise it): writes get EPIPE.
//
// Thread-safety: a connection is in the room or with one worker at a time, handed over under
// a mutex.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace caseledger::api::internal {

// An HTTPS server when `tls_cert` and `tls_key` are given, else HTTP, answering with
// `threads` workers; configured further by the caller as any httplib::Server (timeouts,
// keep-alive, handlers; not new_task_queue, which is the waiting room's). `on_timeout(seconds)`
// is told of each 408 written without a request line (for the log and the metrics), seconds
// counted from the request's first byte.
std::unique_ptr<httplib::Server> NewDeadlineServer(const std::string& tls_cert,
                                                   const std::string& tls_key, size_t threads,
                                                   std::chrono::milliseconds request_deadline,
                                                   std::string timeout_body,
                                                   std::function<void(double)> on_timeout);

// True on a thread serving a request whose deadline has passed.
bool RequestDeadlinePassed();

}  // namespace caseledger::api::internal
