// Retention: how long each family's record is kept, and which records are due for erasure
// (docs/DATA-PROTECTION.md, "Retention").
//
// Every family falls in one record class: steppedUp when any of its episodes was stepped up
// to children's social care, earlyHelp otherwise. Each class has one rule:
//   youngest-child-age N   kept until the Nth birthday of the youngest member with role
//                          child and a date of birth (born on 29 February: 1 March in a
//                          non-leap year);
//   years-after-closure N  kept N years after the last episode closed (London day of its
//                          occurredAt); not while an episode is open, nor before any closed.
// Both classes default to youngest-child-age 25.
//
// Deciding is pure: DecideRetention reads a FamilyState and names no person. A date of birth
// that cannot be read (its key not at hand reads as "[sealed]") is never taken for a date:
// the decision is then undetermined. A correction of the registration (recordCorrected with
// a replacement) counts: its members replace the registered ones.
//
// Thread-safety: values; RetentionRules is immutable once parsed. DecideAllRetention reads the
// store (thread-safe) and returns values the caller owns.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/store.h"
#include "projections/calendar.h"
#include "projections/family_state.h"

namespace caseledger::projections {

enum class RecordClass { kEarlyHelp, kSteppedUp };
inline constexpr std::array<RecordClass, 2> kRecordClasses{RecordClass::kEarlyHelp,
                                                           RecordClass::kSteppedUp};
std::string_view Name(RecordClass c);  // "earlyHelp", "steppedUp"

enum class RetentionRuleKind { kYoungestChildAge, kYearsAfterClosure };
std::string_view Name(RetentionRuleKind k);  // "youngest-child-age", "years-after-closure"

struct RetentionRule {
  RetentionRuleKind kind = RetentionRuleKind::kYoungestChildAge;
  int years = 25;                // 1..150
  std::string ToString() const;  // "youngest-child-age 25"
  bool operator==(const RetentionRule&) const = default;
};

// The rule of each record class.
//
// File format: one rule per line, "CLASS RULE N" separated by spaces or tabs, e.g.
//   steppedUp years-after-closure 75
// '#' starts a comment line; blank lines are ignored; a class the file does not name keeps
// its default. ToText() prints the rules in force in this format.
class RetentionRules {
 public:
  RetentionRules() = default;  // the defaults: every class youngest-child-age 25

  // kInvalidArgument (field "rules") whose message starts "<name> line <n>:" for an unknown
  // class or rule, an N that is not a whole number from 1 to 150, a line that is not three
  // words, or a class named twice.
  static Result<RetentionRules> Parse(std::string_view text, std::string_view name);
  // Parse of the file at `path`; kNotFound when it cannot be read.
  static Result<RetentionRules> Load(const std::string& path);

  const RetentionRule& For(RecordClass c) const { return rules_[static_cast<size_t>(c)]; }
  void Set(RecordClass c, RetentionRule rule) { rules_[static_cast<size_t>(c)] = rule; }

  // A comment naming the format, then one "CLASS RULE N" line per class; Parse reads it back.
  std::string ToText() const;

 private:
  std::array<RetentionRule, 2> rules_{};
};

enum class RetentionStatus {
  kDue,           // the retention period ended on or before the day asked about; no hold
  kHeld,          // it ended, but the family is under a legal hold
  kNotYet,        // it ends later (or, after closure, an episode is still open)
  kUndetermined,  // its end cannot be worked out (see `reason`)
  kErased,        // the family was erased already
};
std::string_view Name(RetentionStatus s);  // "due", "held", "notYet", "undetermined", "erased"

struct RetentionDecision {
  std::string family_id;
  RecordClass record_class = RecordClass::kEarlyHelp;
  RetentionRule rule;
  std::optional<Day> ends_on;  // the day the retention period ends, when it can be known
  RetentionStatus status = RetentionStatus::kUndetermined;
  std::string reason;  // why there is no end day (no personal data); empty otherwise
};

// The class of a family: kSteppedUp when any episode was stepped up.
RecordClass ClassOf(const FamilyState& family);

// The day the Nth birthday of someone born on `born` falls: 1 March in a non-leap year for
// 29 February.
Day Anniversary(Day born, int years);

// Decides one family as on `on` (a London day). Never fails: what cannot be worked out is
// kUndetermined with a reason.
RetentionDecision DecideRetention(const FamilyState& family, const RetentionRules& rules, Day on);

// Decides every family of the store in one pass over the log (in pages, every event decoded
// and folded), sorted by family id. `progress` is called after each page with (events done,
// events in the log). kDataLoss when a stored event does not decode.
Result<std::vector<RetentionDecision>> DecideAllRetention(
    ledger::Store& store, const RetentionRules& rules, Day on,
    const std::function<void(uint64_t done, uint64_t total)>& progress = {});

struct RetentionCounts {
  uint64_t due = 0, held = 0, not_yet = 0, undetermined = 0, erased = 0;
};
RetentionCounts CountRetention(const std::vector<RetentionDecision>& decisions);

// {"on", "rules": [{"class", "rule", "years"}], "families": [{"familyId", "class", "rule",
// "endsOn" (null when unknown), "status", ["reason"]}], "counts": {"due", "held", "notYet",
// "undetermined", "erased"}}. `all`: every family; otherwise the due ones only (the counts
// are always of every family).
std::string RetentionJson(Day on, const RetentionRules& rules,
                          const std::vector<RetentionDecision>& decisions, bool all);

}  // namespace caseledger::projections
