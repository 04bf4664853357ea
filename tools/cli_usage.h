// The command line's usage (tools/main.cc): an example at the end of every command's --help,
// and CLI11's refusals as the README's exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace caseledger::tools {

// Each command's and subcommand's footer: its example (one table, cli_usage.cc).
void AddExamples(CLI::App& app, const std::string& prefix = "");
// 0 for --help; 2 for any usage error (CLI11's own codes are 100 and up), naming the nearest
// command to a misspelled one.
int UsageError(CLI::App& app, const CLI::ParseError& e, int argc, char** argv);

}  // namespace caseledger::tools
