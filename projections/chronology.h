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
// referral, advice, stepUp, signposting, closure, correction, legalHold, erasure, each always
// or never significant (consent and team changes are); a family note, like a case note, its
// own. Computed entries (missed timescales, unfinished states) are category computed.
// ChronologyCategories() lists them all.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/domain_event.h"
#include "projections/calendar.h"
#include "projections/family_state.h"

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
  // Set when a later correction names this entry (or corrects one of its corrections): the
  // latest link, and the summary the entry now reads (its data as corrected).
  bool corrected = false;
  uint64_t correction_seq = 0;
  std::string correction_reason, correction_by, corrected_summary;
  int64_t correction_recorded_at = 0;
  struct Correction {
    uint64_t seq = 0;
    std::string reason, by;
    int64_t recorded_at = 0;
  };
  std::vector<Correction> corrections;  // the whole chain, in the order recorded
  std::vector<std::string> children;    // the names of the family's children
  std::string decision;                 // what was decided or done, where the entry says
  std::string concern_id;               // for a concern or a direction on one
  std::string direction_status;         // the concern's direction status, now
  // A computed entry (a missed timescale, an unfinished state): derived from the record as on
  // a day, never stored; seq 0.
  bool computed = false;
};

// Names practitioners in summaries ("Sam Okafor (school)"); may return empty for unknown ids.
using PractitionerNames = std::function<std::string(const std::string& id)>;

// The chronology of one family from its stream's events (in log order).
std::vector<ChronologyEntry> BuildChronology(const std::vector<ev::Event>& events,
                                             const Calendar& calendar,
                                             const PractitionerNames& names = {});

// BuildChronology, and the family's state with its corrections applied (`now`, when not null).
std::vector<ChronologyEntry> BuildChronologyAndState(const std::vector<ev::Event>& events,
                                                     const Calendar& calendar,
                                                     const PractitionerNames& names,
                                                     FamilyState* now);

// The computed entries of a family as on `on` (its state with corrections applied): every
// timescale interval missed (breached, or met late) and every unfinished state (open actions
// past their due day, concerns awaiting a triage direction), each marked computed, dated the
// day it became one (the day after the limit; for a concern, when it was received).
std::vector<ChronologyEntry> ComputedEntries(const FamilyState& family, const Calendar& calendar,
                                             Day on);

// BuildChronology with the computed entries as on `on`, in one order.
std::vector<ChronologyEntry> ChronologyWithComputed(const std::vector<ev::Event>& events,
                                                    const Calendar& calendar,
                                                    const PractitionerNames& names, Day on);

// The category of every computed entry.
inline constexpr std::string_view kComputedCategory = "computed";

// Every category an entry can have, each once: the categories of the table of event kinds
// (event_kinds.h) in its order, then a note's own categories (ev::NoteCategory, in the
// schema's order), then kComputedCategory. Read from the table and the schema, so a new kind
// or note category is here without being added. Built once; the reference is valid forever.
const std::vector<std::string>& ChronologyCategories();

struct ChronologyFilter {
  std::string episode;               // only this episode's entries (and the family's own)
  std::optional<Day> from, to;       // London days of occurredAt, inclusive
  std::set<std::string> categories;  // only entries of these (ChronologyCategories); empty: all
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
// The same, with the entries already written by ChronologyEntriesJson (a kept answer).
std::string ChronologyJson(const ChronologyHeading& heading, std::string_view entries_json);
// The entries of ChronologyJson: [{...}, ...].
std::string ChronologyEntriesJson(const std::vector<ChronologyEntry>& entries);
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
