// The command line's usage: an example for every command, and refusals as exit codes.
#include "tools/cli_usage.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace caseledger::tools {
namespace {

// Levenshtein distance, for suggesting the command a person meant.
size_t Distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A word on the command line that names no command where one was expected, and the nearest
// command to it: ("chronolgy", "chronology"); empty when there is none.
std::pair<std::string, std::string> Misspelled(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;  // the deepest command given
  for (auto given = at->get_subcommands(); !given.empty(); given = at->get_subcommands()) {
    at = given.front();
  }
  const auto commands = at->get_subcommands([](CLI::App*) { return true; });
  if (commands.empty()) return {};
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') continue;
    std::string nearest;
    size_t best = std::string::npos;
    bool known = false;
    for (const CLI::App* c : commands) {
      if (c->get_name() == word) known = true;
      const size_t d = Distance(word, c->get_name());
      if (d < best) best = d, nearest = c->get_name();
    }
    if (!known && best <= std::max<size_t>(2, word.size() / 3)) return {word, nearest};
  }
  return {};
}

// An example for every command's --help (its footer); a command missing here shows none, and
// tests/tools/cli_test.sh fails.
const std::map<std::string, std::string>& Examples() {
  static const std::map<std::string, std::string> examples = {
      {"serve",
       "caseledger --data /var/lib/caseledger serve --listen 127.0.0.1:8080\n"
       "  caseledger serve --demo   (the demo data, tokens in <data>/demo-tokens.env)"},
      {"token", "caseledger token create --role triage-manager --actor TM1"},
      {"token create", "caseledger token create --role practitioner --actor P1 --expires-days 30"},
      {"token revoke", "caseledger token revoke --id 2916cbb25c22aeb8"},
      {"token list", "caseledger token list"},
      {"import", "caseledger import histories.jsonl"},
      {"state", "caseledger state --family F1 --as-of 2026-03-02T10:00:00Z"},
      {"chronology", "caseledger chronology --family F1 --category concern,triage --format csv"},
      {"step-up-pack", "caseledger step-up-pack --family F1"},
      {"timescales", "caseledger timescales --family F1 --on 2026-03-04"},
      {"history", "caseledger history --family F1"},
      {"verify",
       "caseledger verify --checkpoint cp.txt --key verifier.key\n"
       "  caseledger verify --export ledger.export --key verifier.key"},
      {"export", "caseledger export --to ledger.export"},
      {"erase", "caseledger erase --family F1 --reason \"retention ended\" --authorised-by DPO1"},
      {"export-family", "caseledger export-family --family F1 --format html --to F1.html"},
      {"backup", "caseledger backup --to /srv/backup/caseledger"},
      {"restore", "caseledger --data /var/lib/caseledger restore --from /srv/backup/caseledger"},
      {"checkpoint", "caseledger checkpoint > cp.txt"},
      {"key", "caseledger key public > verifier.key"},
      {"key public", "caseledger key public > verifier.key"},
      {"key generate",
       "caseledger --master-key /etc/caseledger/master.key --signing-key "
       "/etc/caseledger/checkpoint.key key generate"},
      {"report", "caseledger report counts --from 2026-01-01 --to 2026-03-31"},
      {"gen", "caseledger gen --families 1000 --seed 1 > histories.jsonl"},
      {"replay", "caseledger replay"},
      {"prove", "caseledger prove inclusion --seq 5"},
      {"prove inclusion", "caseledger prove inclusion --seq 5 --size 1000"},
      {"prove consistency", "caseledger prove consistency --from 3 --to 1000"},
      {"retention", "caseledger retention due --on 2027-01-01"},
      {"retention due", "caseledger retention due --on 2027-01-01 --format json"},
      {"retention rules", "caseledger retention rules --rules retention.rules"},
      {"witness", "caseledger witness init --dir /var/lib/witness --name witness.example/w1"},
      {"witness init", "caseledger witness init --dir /var/lib/witness --name witness.example/w1"},
      {"witness serve",
       "caseledger witness serve --dir /var/lib/witness --listen 0.0.0.0:8090 "
       "--log caseledger+267be0cd+AccEu..."},
  };
  return examples;
}

// Each command's footer: its example.
}  // namespace

void AddExamples(CLI::App& app, const std::string& prefix) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    const std::string name = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    if (auto it = Examples().find(name); it != Examples().end()) {
      sub->footer("\nExample:\n  " + it->second);
    }
    AddExamples(*sub, name);
  }
}

// CLI11's refusals as the README's exit codes: 0 for --help, 2 for any usage error (CLI11's own
// codes are 100 and up), with the nearest command suggested for a misspelled one.
int UsageError(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
  const auto [word, nearest] = Misspelled(app, argc, argv);
  if (!word.empty()) {
    std::cerr << "caseledger: there is no command \"" << word << "\": did you mean \"" << nearest
              << "\"? (caseledger --help lists the commands)\n";
    return 2;
  }
  app.exit(e);
  return 2;
}

}  // namespace caseledger::tools
