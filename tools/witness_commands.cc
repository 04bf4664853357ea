// caseledger witness init | serve: a witness (C2SP tlog-witness) for caseledger logs, or any
// log of C2SP checkpoints signed with Ed25519 (ledger/witness.h, api/witness_server.h).
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "api/witness_server.h"
#include "ledger/witness.h"
#include "tools/commands.h"
#include "tools/common.h"

namespace caseledger::tools {

int WitnessInit(const WitnessOptions& options) {
  auto key = ledger::Witness::Init(options.dir, options.name);
  if (!key.ok()) return Fail(key.status());
  std::cout << "witness key: " << options.dir << "/witness.key (mode 0600; keep a copy offline)\n"
            << "verifier key: " << key->ToText() << "\n"
            << "Give the verifier key to the logs' operators (caseledger serve --witness) and to "
               "the auditors (their policy).\n";
  return 0;
}

int WitnessServe(const WitnessOptions& options) {
  std::vector<ledger::WitnessedLog> logs;
  for (const std::string& arg : options.logs) {
    // ORIGIN=VKEY, or VKEY alone when the origin is the key's name.
    const size_t eq = arg.find('=');
    const std::string vkey = eq == std::string::npos ? arg : arg.substr(eq + 1);
    auto key = ledger::ParseVerifierKey(vkey);
    if (!key.ok()) {
      return Fail(Status::InvalidArgument("--log " + arg + ": " + key.status().message(), "log"));
    }
    logs.push_back({eq == std::string::npos ? key->name : arg.substr(0, eq), *key});
  }
  if (logs.empty()) {
    return Fail(Status::InvalidArgument(
        "give the logs to witness: --log ORIGIN=VKEY (caseledger key public prints a ledger's)",
        "log"));
  }
  auto witness = ledger::Witness::Open(options.dir, logs, [] {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  });
  if (!witness.ok()) return Fail(witness.status());
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  try {
    if (colon != std::string::npos) port = std::stoi(options.listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0) return Fail(Status::InvalidArgument("--listen must be host:port", "listen"));
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  api::WitnessServer server(**witness, logs.size() == 1 ? logs.front().origin : "");
  auto bound = server.Bind(options.listen.substr(0, colon), port);
  if (!bound.ok()) return Fail(bound.status());
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("received signal {}: stopping", sig);
    server.Stop();
  });
  spdlog::info(
      "witness {} serving http://{}:{} for {} log(s); POST /add-checkpoint, GET "
      "/checkpoint",
      (*witness)->key().ToText(), options.listen.substr(0, colon), *bound, logs.size());
  server.Run();
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace caseledger::tools
