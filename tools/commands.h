// The subcommands of `caseledger` (EVENTS.md, "Command line"). Each takes its parsed options,
// calls the library, prints, and returns the process exit code:
//   0 done; 1 refused or failed (the reason on stderr); 3 the data is damaged (verify).
// Results go to stdout, logs and progress to stderr.
#pragma once

#include <cstdint>
#include <string>

namespace caseledger::tools {

struct Common {
  std::string data_dir = "./var/caseledger";
};

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  bool demo = false;
  std::string fixtures_dir;
};
int Serve(const Common& common, const ServeOptions& options);

int Import(const Common& common, const std::string& file);

struct HistoryOptions {
  std::string family;
  std::string stream;
  std::string as_of;
  bool raw = false;
};
int History(const Common& common, const HistoryOptions& options);

int Verify(const Common& common, const std::string& checkpoint_file);

int PrintCheckpoint(const Common& common);

int ProveInclusion(const Common& common, uint64_t seq, uint64_t size);
int ProveConsistency(const Common& common, uint64_t from, uint64_t to);

}  // namespace caseledger::tools
