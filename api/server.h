// Server: caseledger over HTTP (cpp-httplib). Routes, bodies, status codes and errors are
// EVENTS.md's; the route table in routes.cc is the one description of them, from which
// /v1/openapi.json is generated.
//
// Every route but /healthz, /metrics and /v1/openapi.json needs `Authorization: Bearer
// <token>` (tokens.h) of a role the route allows (policy.h). Handlers stay thin: parse, call
// the library, map the status through one table (HttpStatus). Every read of a family's
// record is first appended to the access log (a recordViewed event, durable before the
// answer is sent). One log line per request: method, route template, status, duration,
// actor id and role; never a path, a query or a body, so no personal data reaches the logs.
//
// Thread-safety: Run blocks, serving until Stop: its thread accepts connections, one thread
// waits on every connection that has no whole request yet, and `threads` workers answer whole
// requests (api/internal/connection.h). Stop may be called from any thread.
// Everything in ServerContext is borrowed and must outlive the Server.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "api/application.h"
#include "api/tokens.h"
#include "ledger/clock.h"
#include "ledger/signed_note.h"
#include "ledger/status.h"
#include "ledger/store.h"
#include "projections/access_log.h"
#include "projections/calendar.h"
#include "projections/family_cache.h"
#include "projections/overview.h"

namespace caseledger::api {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback by default
  int port = 8080;                 // 0: any free port (Bind returns it)
  size_t max_body_bytes = 16u << 20;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  int keep_alive_seconds = 5;  // idle wait for the next request on a connection
  // Requests one keep-alive connection may carry before the server closes it (cpp-httplib's
  // default is 5: a busy client then reconnects every fifth request, and under load the new
  // connections queue behind the backlog, costing 1 s retransmits at the tail).
  size_t keep_alive_max_requests = 10000;
  // A request's line, headers and body must arrive within this time of its first byte, or
  // it is answered 408 and the connection closed (a slow client holds a thread no longer).
  int request_read_seconds = 30;
  // The protective marking the web pages print at the top of every printed page and in the
  // printed record's header (GET /v1/session gives it): IsValidMarking.
  std::string marking = "OFFICIAL-SENSITIVE";
  // The roles whose every read of a family must say why (purpose=); the session tells the
  // pages, which then ask.
  std::vector<Role> purpose_required;
  int threads = 64;           // requests served at once (idle and slow connections wait apart,
                              // api/internal/connection.h)
  int max_live_streams = 16;  // open /v1/events/live connections; more get 503
  // ...and at most this many for one role (0: half of max_live_streams, at least 1).
  int max_live_streams_per_role = 0;
  // A live stream with nothing to send writes ": ping" this often, so that a client gone
  // away is found (the write fails) and its slot freed within about twice this.
  int live_heartbeat_seconds = 3;
  // Expensive requests (api/limits.h: reports as of a moment, exports, chronology
  // downloads) per token: `expensive_burst` at once, then `expensive_per_minute`; beyond,
  // 429 with Retry-After.
  int expensive_burst = 20;
  double expensive_per_minute = 20;
  // "As of" reports fold from a checkpoint of the overview kept every this many events
  // (projections/overview_checkpoints.h).
  uint64_t overview_checkpoint_interval = 1024;
  // Document bytes that no documentUploaded event names within this time are removed
  // (api/documents.h).
  int64_t unrecorded_document_seconds = 24 * 3600;
  // How often, while the server runs, such bytes are looked for (besides at start and on each
  // upload).
  int64_t document_sweep_seconds = 600;
  std::string tls_cert, tls_key;  // both set: HTTPS only
};

// The parts the server works with (application.h): borrowed, they must outlive the Server.
using ServerContext = AppContext;

// Whether `marking` may be the pages' protective marking: 1-60 characters of A-Z a-z 0-9,
// space and - / ( ) : (no quote, so it goes into the pages' print style as it is).
bool IsValidMarking(std::string_view marking);

// The HTTP status for a library status (EVENTS.md "answer" tables).
int HttpStatus(const Status& status);

class Server {
 public:
  Server(ServerContext context, ServerOptions options);
  ~Server();

  // Binds and listens, alone on the address: returns the bound port. kUnavailable when the
  // address cannot be bound, naming it and what to do; among others when a server, a
  // caseledger or not, already listens on it. kInvalidArgument when the TLS files do not load.
  Result<int> Bind();
  // Serves until Stop(). Call after Bind().
  void Run();
  void Stop();
  // Reads every family into the search's directory now (the first search would otherwise, and
  // wait for it): from a thread of its own, while serving. Answers the families read.
  Result<size_t> PrepareSearch();

  // The OpenAPI 3.0 description of every route (GET /v1/openapi.json).
  std::string OpenApiJson() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caseledger::api
