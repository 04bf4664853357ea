// Retention on the command line (docs/DATA-PROTECTION.md, "Retention"): `retention due`
// decides every family in one pass over the log and lists those whose retention period has
// ended and that carry no legal hold; `retention rules` prints the rules in force. Read-only:
// it may run beside a server. It prints ids, classes, rules, derived days and statuses only,
// never a name or a date of birth.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "projections/retention.h"
#include "projections/views.h"
#include "tools/commands.h"
#include "tools/common.h"

namespace caseledger::tools {
namespace {

using projections::RetentionDecision;
using projections::RetentionRules;
using projections::RetentionStatus;

Result<RetentionRules> LoadRules(const RetentionOptions& options) {
  if (options.rules_file.empty()) return RetentionRules();
  auto rules = RetentionRules::Load(options.rules_file);
  if (!rules.ok()) return rules.status().Annotate("--rules");
  return rules;
}

// One tab-separated line: familyId, class, rule, endsOn ("-" when unknown) and, for --all,
// the status and why there is no end day.
void PrintLine(const RetentionDecision& d, bool all) {
  std::cout << d.family_id << '\t' << projections::Name(d.record_class) << '\t' << d.rule.ToString()
            << '\t' << (d.ends_on ? projections::FormatDay(*d.ends_on) : "-");
  if (all) {
    std::cout << '\t' << projections::Name(d.status);
    if (!d.reason.empty()) std::cout << " (" << d.reason << ")";
  }
  std::cout << '\n';
}

}  // namespace

int Retention(const Common& common, const RetentionOptions& options) {
  auto rules = LoadRules(options);
  if (!rules.ok()) return Fail(rules.status());
  if (options.action == "rules") {
    std::cout << rules->ToText();
    return 0;
  }
  if (options.format != "text" && options.format != "json") {
    return Fail(Status::InvalidArgument("--format must be text or json", "format"));
  }
  ledger::SystemClock clock;
  auto on = options.on.empty() ? Result<projections::Day>(projections::LondonDay(clock.NowMicros()))
                               : projections::ParseDay(options.on, "on");
  if (!on.ok()) return Fail(on.status());
  auto opened = OpenLedger(common, clock, true);
  if (!opened.ok()) return Fail(opened.status());

  auto last = std::chrono::steady_clock::now();
  bool shown = false;
  auto decisions = projections::DecideAllRetention(
      *opened->store, *rules, *on, [&](uint64_t done, uint64_t total) {
        auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::milliseconds(500)) return;
        last = now;
        shown = true;
        std::cerr << "retention: " << done << " / " << total << " events\r" << std::flush;
      });
  if (shown) std::cerr << "\n";
  if (!decisions.ok()) return Fail(decisions.status());

  if (options.format == "json") {
    std::cout << projections::PrettyJson(
        projections::RetentionJson(*on, *rules, *decisions, options.all));
  } else {
    for (const auto& d : *decisions) {
      if (options.all || d.status == RetentionStatus::kDue) PrintLine(d, options.all);
    }
  }
  auto c = projections::CountRetention(*decisions);
  std::cerr << "retention on " << projections::FormatDay(*on) << ": " << c.due << " due, " << c.held
            << " held, " << c.not_yet << " not yet, " << c.undetermined << " undetermined, "
            << c.erased << " erased\n";
  if (c.undetermined > 0 && !std::filesystem::exists(common.MasterKeyFile())) {
    std::cerr << "retention: no master key at " << common.MasterKeyFile()
              << ": dates of birth read as [sealed], so those families are undetermined "
                 "(give --master-key)\n";
  }
  return 0;
}

}  // namespace caseledger::tools
