// The witness's HTTP face (C2SP tlog-witness): POST /add-checkpoint, answered by a
// ledger::Witness exactly as it says, and GET /checkpoint?origin=ORIGIN, the latest checkpoint it
// cosigned for that log (the monitoring read; `origin` may be left out when it witnesses one
// log). One server per address (SO_REUSEADDR only), bodies of at most 64 KiB, a log line per
// request.
//
// Thread-safety: Run serves on cpp-httplib's threads; Stop may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include "ledger/status.h"
#include "ledger/witness.h"

namespace caseledger::api {

class WitnessServer {
 public:
  // `witness` must outlive the server; `only_origin` answers GET /checkpoint without one.
  WitnessServer(ledger::Witness& witness, std::string only_origin);
  ~WitnessServer();
  // Binds host:port (0: any free port); answers the port, or kUnavailable naming the address.
  Result<int> Bind(const std::string& host, int port);
  void Run();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caseledger::api
