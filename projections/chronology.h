// The chronology: what happened to a family and what was done, in the order it happened,
// as triage and safeguarding managers read it (DOMAIN.md).
//
// BuildChronology is a pure fold of one family stream's events (all of them, or those up to
// an "as of" seq: a backdated entry recorded later is then simply not there). Entries are
// ordered by occurredAt, then seq. Each says when it happened, when and by whom it was
// recorded, the episode, a category, a one-line summary, the source agency and whether it is
// significant, and carries two marks:
//   late       recorded more than 3 working days after it happened (the calendar decides);
//   corrected  a later recordCorrected names it: the entry stays as recorded, with the
//              correction's reason, author, time and (when given) the corrected summary.
//
// Categories and significance come from the table of event kinds (event_kinds.h): a case
// note's own category (contact, meeting, ...) and its own mark; for other kinds one of
// registration, consent, team, assessment, document, meeting, actionPlan, concern, triage,
// stepUp, signposting, closure, correction, legalHold, erasure, each always or never
// significant (consent and team changes are).
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/domain_event.h"
#include "projections/calendar.h"

namespace caseledger::projections {

namespace ev = ledger::ev;

// A recorded entry is late when recorded more than this many working days after it happened.
inline constexpr int kLateAfterWorkingDays = 3;

struct ChronologyEntry {
  uint64_t seq = 0;
  std::string type;
  int64_t occurred_at = 0;
  int64_t recorded_at = 0;
  std::string recorded_by;    // the actor's id
  std::string recorded_role;  // the actor's role
  std::string episode_id;     // empty when it concerns the family as a whole
  std::string category;
  std::string summary;
  std::string source_agency;
  bool significant = false;
  bool late = false;
  int late_working_days = 0;  // working days between happening and recording, when late
  uint64_t corrects = 0;      // for a correction: the seq it corrects
  // Set when a later correction names this entry.
  bool corrected = false;
  uint64_t correction_seq = 0;
  std::string correction_reason, correction_by, corrected_summary;
  int64_t correction_recorded_at = 0;
};

// Names practitioners in summaries ("Sam Okafor (school)"); may return empty for unknown ids.
using PractitionerNames = std::function<std::string(const std::string& id)>;

// The chronology of one family from its stream's events (in log order).
std::vector<ChronologyEntry> BuildChronology(const std::vector<ev::Event>& events,
                                             const Calendar& calendar,
                                             const PractitionerNames& names = {});

struct ChronologyFilter {
  std::string episode;               // only this episode's entries (and the family's own)
  std::optional<Day> from, to;       // London days of occurredAt, inclusive
  std::set<std::string> categories;  // only these; empty: all
  bool significant_only = false;
};

std::vector<ChronologyEntry> FilterChronology(const std::vector<ChronologyEntry>& entries,
                                              const ChronologyFilter& filter);

// The heading of an exported chronology.
struct ChronologyHeading {
  std::string family_id;
  uint64_t as_of_seq = 0;  // the last seq the chronology includes
  std::string as_of_text;  // e.g. "as recorded at 2026-03-03T10:00:00Z", or "current"
};

// {"familyId", "asOfSeq", "entries": [{"seq", "occurredAt", "recordedAt", "recordedBy",
// "episodeId", "category", "summary", "sourceAgency", "significant", "late", ...}]}.
std::string ChronologyJson(const ChronologyHeading& heading,
                           const std::vector<ChronologyEntry>& entries);
// One entry of ChronologyJson: {"seq", "type", "occurredAt", ...}.
std::string ChronologyEntryJson(const ChronologyEntry& entry);
// RFC 4180 CSV with a header row, CRLF line ends and a UTF-8 byte-order mark, so spreadsheets
// open it cleanly; a cell that a spreadsheet would take for a formula (=, +, -, @) is
// prefixed with an apostrophe.
std::string ChronologyCsv(const std::vector<ChronologyEntry>& entries);
// Text escaped for HTML (& < > " '), for every page the ledger writes.
std::string HtmlEscape(std::string_view text);
// A self-contained printable HTML page; every text is escaped.
std::string ChronologyHtml(const ChronologyHeading& heading,
                           const std::vector<ChronologyEntry>& entries);

// One line for an event body, e.g. "Review TAF meeting held: continue; next review
// 2026-05-01". Empty for kinds that never appear in a family chronology.
std::string Summarise(const ev::Body& body, const PractitionerNames& names = {});

}  // namespace caseledger::projections
