// Server: caseledger over HTTP (cpp-httplib). Routes and answers are EVENTS.md's.
//
// Today: GET /healthz. Handlers stay thin: parse, call the library, map the status through
// one table (HttpStatus). Thread-safety: Run blocks serving on a thread pool; Stop may be
// called from any thread. The Store is borrowed and must outlive the Server.
#pragma once

#include <memory>
#include <string>

#include "ledger/status.h"
#include "ledger/store.h"

namespace caseledger::api {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback by default
  int port = 8080;
  size_t max_body_bytes = 16u << 20;
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
};

// The HTTP status for a library status (EVENTS.md "answer" tables).
int HttpStatus(const Status& status);

class Server {
 public:
  Server(ledger::Store& store, ServerOptions options);
  ~Server();

  // Binds; kUnavailable when the address cannot be bound. Returns the bound port.
  Result<int> Bind();
  // Serves until Stop(). Call after Bind().
  void Run();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caseledger::api
