#include "projections/retention.h"

#include <date/date.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ledger/json_codec.h"
#include "projections/views.h"

namespace caseledger::projections {
namespace {

using ledger::JsonQuote;

constexpr int kMaxYears = 150;

// ------------------------------------------------------------------ the rules file

Status LineError(std::string_view name, size_t line_no, const std::string& message) {
  return Status::InvalidArgument(
      std::string(name) + " line " + std::to_string(line_no) + ": " + message, "rules");
}

bool IsSpace(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

// The words of a line, split at spaces and tabs (a CRLF line's '\r' too).
std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

std::optional<RecordClass> ParseClass(std::string_view word) {
  for (RecordClass c : kRecordClasses) {
    if (Name(c) == word) return c;
  }
  return std::nullopt;
}

std::optional<RetentionRuleKind> ParseKind(std::string_view word) {
  for (auto k : {RetentionRuleKind::kYoungestChildAge, RetentionRuleKind::kYearsAfterClosure}) {
    if (Name(k) == word) return k;
  }
  return std::nullopt;
}

// A whole number from 1 to kMaxYears, or nullopt.
std::optional<int> ParseYears(std::string_view word) {
  if (word.empty() || word.size() > 3) return std::nullopt;
  int n = 0;
  for (char ch : word) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + (ch - '0');
  }
  if (n < 1 || n > kMaxYears) return std::nullopt;
  return n;
}

// ------------------------------------------------------------------ deciding

// The members as registered, or as a correction of the registration replaced them; nullopt
// when that correction cannot be read (its key is not at hand).
std::optional<std::vector<ev::Member>> CurrentMembers(const FamilyState& family) {
  for (const auto& [seq, correction] : family.corrections) {
    auto type = family.events.find(seq);
    if (type == family.events.end() || type->second != "familyRegistered" ||
        correction.replacement.empty()) {
      continue;
    }
    auto draft = ledger::ParseEventData("familyRegistered", correction.replacement);
    if (!draft.ok()) return std::nullopt;  // "[sealed]" or "[erased]"
    auto body = ev::DecodeDraft(*draft);
    if (!body.ok()) return std::nullopt;
    const auto* registered = std::get_if<ev::FamilyRegistered>(&*body);
    if (registered == nullptr) return std::nullopt;
    return registered->members;
  }
  return family.members;
}

struct End {
  std::optional<Day> day;
  RetentionStatus status_without_day = RetentionStatus::kUndetermined;
  std::string reason;
};

End YoungestChildAge(const FamilyState& family, int years) {
  auto members = CurrentMembers(family);
  if (!members) return {std::nullopt, RetentionStatus::kUndetermined, "registration unreadable"};
  std::optional<Day> youngest;
  for (const auto& m : *members) {
    if (m.role != ev::MemberRole::kChild) continue;
    // A child with no date of birth may be the youngest: erasing early cannot be undone.
    if (m.date_of_birth.empty()) {
      return {std::nullopt, RetentionStatus::kUndetermined, "a child has no date of birth"};
    }
    // "[sealed]" (no key) or "[erased]" is not a date: the youngest child cannot be known.
    auto born = ParseDay(m.date_of_birth);
    if (!born.ok()) {
      return {std::nullopt, RetentionStatus::kUndetermined, "date of birth unreadable"};
    }
    if (!youngest || *born > *youngest) youngest = *born;
  }
  if (!youngest) {
    return {std::nullopt, RetentionStatus::kUndetermined, "no child with a date of birth"};
  }
  return {Anniversary(*youngest, years), RetentionStatus::kUndetermined, ""};
}

End YearsAfterClosure(const FamilyState& family, int years) {
  if (family.OpenEpisode() != nullptr) {
    return {std::nullopt, RetentionStatus::kNotYet, "an episode is open"};
  }
  std::optional<int64_t> last_closed;
  for (const auto& ep : family.episodes) {
    if (ep.closed && (!last_closed || ep.closed_at > *last_closed)) last_closed = ep.closed_at;
  }
  if (!last_closed) {
    return {std::nullopt, RetentionStatus::kUndetermined, "no episode was closed"};
  }
  return {Anniversary(LondonDay(*last_closed), years), RetentionStatus::kUndetermined, ""};
}

std::string DayJson(const std::optional<Day>& day) {
  return day ? "\"" + FormatDay(*day) + "\"" : "null";
}

}  // namespace

std::string_view Name(RecordClass c) {
  switch (c) {
    case RecordClass::kEarlyHelp:
      return "earlyHelp";
    case RecordClass::kSteppedUp:
      return "steppedUp";
  }
  return "?";
}

std::string_view Name(RetentionRuleKind k) {
  switch (k) {
    case RetentionRuleKind::kYoungestChildAge:
      return "youngest-child-age";
    case RetentionRuleKind::kYearsAfterClosure:
      return "years-after-closure";
  }
  return "?";
}

std::string_view Name(RetentionStatus s) {
  switch (s) {
    case RetentionStatus::kDue:
      return "due";
    case RetentionStatus::kHeld:
      return "held";
    case RetentionStatus::kNotYet:
      return "notYet";
    case RetentionStatus::kUndetermined:
      return "undetermined";
    case RetentionStatus::kErased:
      return "erased";
  }
  return "?";
}

std::string RetentionRule::ToString() const {
  return std::string(Name(kind)) + " " + std::to_string(years);
}

Result<RetentionRules> RetentionRules::Parse(std::string_view text, std::string_view name) {
  RetentionRules rules;
  std::map<RecordClass, size_t> seen;  // class -> the line that named it
  size_t line_no = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_no;
    line = line.substr(0, line.find('#'));  // a comment, whole line or after the rule
    auto words = Words(line);
    if (words.empty()) continue;
    if (words.size() != 3) {
      return LineError(name, line_no,
                       "expected \"CLASS RULE N\" (e.g. \"earlyHelp "
                       "youngest-child-age 25\"), got " +
                           std::to_string(words.size()) + " words");
    }
    auto c = ParseClass(words[0]);
    if (!c) {
      return LineError(name, line_no,
                       "unknown class \"" + std::string(words[0]) + "\" (earlyHelp or steppedUp)");
    }
    auto kind = ParseKind(words[1]);
    if (!kind) {
      return LineError(name, line_no,
                       "unknown rule \"" + std::string(words[1]) +
                           "\" (youngest-child-age or years-after-closure)");
    }
    auto years = ParseYears(words[2]);
    if (!years) {
      return LineError(name, line_no,
                       "N must be a whole number of years from 1 to " + std::to_string(kMaxYears) +
                           ", not \"" + std::string(words[2]) + "\"");
    }
    if (auto it = seen.find(*c); it != seen.end()) {
      return LineError(name, line_no,
                       "class " + std::string(words[0]) + " already has a rule (line " +
                           std::to_string(it->second) + ")");
    }
    seen[*c] = line_no;
    rules.Set(*c, {*kind, *years});
  }
  return rules;
}

Result<RetentionRules> RetentionRules::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read the retention rules file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

std::string RetentionRules::ToText() const {
  std::string out =
      "# caseledger retention rules: one \"CLASS RULE N\" per line (docs/DATA-PROTECTION.md).\n"
      "# Classes: earlyHelp, steppedUp. Rules: youngest-child-age N, years-after-closure N.\n";
  for (RecordClass c : kRecordClasses) {
    out += std::string(Name(c)) + " " + For(c).ToString() + "\n";
  }
  return out;
}

RecordClass ClassOf(const FamilyState& family) {
  for (const auto& ep : family.episodes) {
    if (ep.stepped_up) return RecordClass::kSteppedUp;
  }
  return RecordClass::kEarlyHelp;
}

Day Anniversary(Day born, int years) {
  date::year_month_day ymd{date::sys_days(date::days(born.days))};
  date::year_month_day then = ymd + date::years(years);
  if (!then.ok()) then = then.year() / date::March / 1;  // 29 February, not a leap year
  return Day{static_cast<int32_t>(date::sys_days(then).time_since_epoch().count())};
}

RetentionDecision DecideRetention(const FamilyState& family, const RetentionRules& rules, Day on) {
  RetentionDecision d;
  d.family_id = family.family_id;
  d.record_class = ClassOf(family);
  d.rule = rules.For(d.record_class);
  End end;
  if (!family.registered) {
    end = {std::nullopt, RetentionStatus::kUndetermined, "not registered"};
  } else if (d.rule.kind == RetentionRuleKind::kYoungestChildAge) {
    end = YoungestChildAge(family, d.rule.years);
  } else {
    end = YearsAfterClosure(family, d.rule.years);
  }
  d.ends_on = end.day;
  d.reason = end.reason;
  if (family.erased) {
    d.status = RetentionStatus::kErased;
  } else if (!end.day) {
    d.status = end.status_without_day;
  } else if (*end.day > on) {
    d.status = RetentionStatus::kNotYet;
  } else {
    d.status = family.legal_hold ? RetentionStatus::kHeld : RetentionStatus::kDue;
  }
  return d;
}

Result<std::vector<RetentionDecision>> DecideAllRetention(
    ledger::Store& store, const RetentionRules& rules, Day on,
    const std::function<void(uint64_t, uint64_t)>& progress) {
  constexpr size_t kPage = 4096;
  const uint64_t total = store.Size();  // events appended meanwhile are left for the next run
  std::map<std::string, FamilyState, std::less<>> families;
  std::set<std::string> refold;  // families with a correction that replaces data
  uint64_t done = 0;
  while (done < total) {
    CL_ASSIGN_OR_RETURN(auto page, store.ReadLog(done, std::min<uint64_t>(kPage, total - done)));
    if (page.empty()) break;
    for (const auto& recorded : page) {
      std::string_view family_id = FamilyIdOf(recorded.stream);
      if (!family_id.empty()) {
        CL_ASSIGN_OR_RETURN(ev::Event e, ev::Decode(recorded));
        auto it = families.find(family_id);
        if (it == families.end())
          it = families.emplace(std::string(family_id), FamilyState{}).first;
        if (Apply(it->second, e) == Applied::kRefoldNeeded) refold.emplace(family_id);
      }
      done = recorded.seq;
    }
    if (progress) progress(done, total);
  }
  for (const std::string& id : refold) {  // corrected: folded again from their streams
    CL_ASSIGN_OR_RETURN(auto events, ReadFamily(store, id, total));
    families[id] = FoldFamily(std::move(events));
  }
  std::vector<RetentionDecision> out;
  out.reserve(families.size());
  for (const auto& [id, family] : families) out.push_back(DecideRetention(family, rules, on));
  return out;  // the map is ordered: sorted by family id
}

RetentionCounts CountRetention(const std::vector<RetentionDecision>& decisions) {
  RetentionCounts c;
  for (const auto& d : decisions) {
    switch (d.status) {
      case RetentionStatus::kDue:
        ++c.due;
        break;
      case RetentionStatus::kHeld:
        ++c.held;
        break;
      case RetentionStatus::kNotYet:
        ++c.not_yet;
        break;
      case RetentionStatus::kUndetermined:
        ++c.undetermined;
        break;
      case RetentionStatus::kErased:
        ++c.erased;
        break;
    }
  }
  return c;
}

std::string RetentionJson(Day on, const RetentionRules& rules,
                          const std::vector<RetentionDecision>& decisions, bool all) {
  std::string out = "{\"on\":\"" + FormatDay(on) + "\",\"rules\":[";
  for (RecordClass c : kRecordClasses) {
    if (c != kRecordClasses.front()) out += ",";
    out += "{\"class\":\"" + std::string(Name(c)) + "\",\"rule\":\"" +
           std::string(Name(rules.For(c).kind)) +
           "\",\"years\":" + std::to_string(rules.For(c).years) + "}";
  }
  out += "],\"families\":[";
  bool first = true;
  for (const auto& d : decisions) {
    if (!all && d.status != RetentionStatus::kDue) continue;
    if (!first) out += ",";
    first = false;
    out += "{\"familyId\":" + JsonQuote(d.family_id) + ",\"class\":\"" +
           std::string(Name(d.record_class)) + "\",\"rule\":\"" + d.rule.ToString() +
           "\",\"endsOn\":" + DayJson(d.ends_on) + ",\"status\":\"" + std::string(Name(d.status)) +
           "\"";
    if (!d.reason.empty()) out += ",\"reason\":" + JsonQuote(d.reason);
    out += "}";
  }
  RetentionCounts c = CountRetention(decisions);
  out += "],\"counts\":{\"due\":" + std::to_string(c.due) + ",\"held\":" + std::to_string(c.held) +
         ",\"notYet\":" + std::to_string(c.not_yet) +
         ",\"undetermined\":" + std::to_string(c.undetermined) +
         ",\"erased\":" + std::to_string(c.erased) + "}}";
  return out;
}

}  // namespace caseledger::projections
