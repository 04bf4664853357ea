// Timescales: the compliance view of DOMAIN.md, per episode, evaluated "as on" a day.
//
// The nine timescales by id, each with a state, the day its clock started, the day it is due
// and the day it was met:
//   assessment-3-weeks   registration completed -> assessment finalised, 21 calendar days
//   initial-taf-6-weeks  registration completed -> first TAF meeting held, 42 calendar days
//   review-6-12-weeks    previous TAF meeting -> next meeting held; due at 42 days, breached
//                        after 84
//   record-within-3-wd   TAF meeting held -> its record and (for outcome continue) its action
//                        plan recorded, by recordedAt; 3 working days (target 2)
//   share-within-5-wd    TAF meeting held -> outcome and plan given to the parents, 5 wd
//   action-outcome-3-wd  meeting that decided step-up or closure -> step-up or closure
//                        recorded, by recordedAt; 3 working days (target 2)
//   actions-review-6-weeks  previous review of actions (a TAF meeting held or an action plan
//                        updated, by occurredAt) -> the next one, 42 calendar days
//   close-after-withdrawal  consent withdrawn -> episode closed, 3 working days (dueSoon from
//                        the first: the target is the same day)
//   next-review-held     a meeting that set nextReviewOn -> a later TAF meeting held on or
//                        before that day
// Every interval of every timescale is kept in `history` (per episode, per meeting): a
// review gap of 101 days stays metLate by 17 after the next meeting is held, a share never
// made stays breached after later meetings are shared.
// The per-meeting timescales report the latest meeting (in the order held) that started one;
// every meeting's own record/share states are listed in `meetings`.
//
// States: notStarted (its clock has not started), onTrack, dueSoon (within the warning
// window: the last 5 calendar days; from the 2-working-day target on for the 3-working-day
// ones; from working day 4 for sharing; from day 42 for reviews), met, metLate,
// breached (still not met past the limit), stopped (consent was refused or withdrawn, the
// episode stepped up or closed, or the meeting decided to step up or close, before it was due:
// nothing more is owed; `reason` says which), and unknown.
//
// Unknown: a working-day timescale whose days, from the day after its clock started through
// its due day, reach a year the calendar does not cover. Its due day (and so its dueSoon day
// and every state) could then be wrong, so it has no due day and a reason, "calendar does not
// cover YEAR" (the earliest such year). The met day needs no cover: it is only compared with
// the due day. A met or stopped day inside the covered years does not help either: the state
// is unknown as soon as the due day needs an uncovered year. The calendar-day timescales
// never are unknown.
//
// Days are Europe/London dates; a met day is the London day of the event's occurredAt (or
// recordedAt where the timescale is about recording). Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "projections/calendar.h"
#include "projections/family_state.h"
#include "projections/overview_facts.h"

namespace caseledger::projections {

enum class TimescaleState {
  kNotStarted,
  kOnTrack,
  kDueSoon,
  kMet,
  kMetLate,
  kBreached,
  kStopped,
  kUnknown,
};
std::string_view Name(TimescaleState state);  // "notStarted", "onTrack", ...

// Every state, in declaration order (the counts list each one, even at 0).
inline constexpr TimescaleState kTimescaleStates[] = {
    TimescaleState::kNotStarted, TimescaleState::kOnTrack, TimescaleState::kDueSoon,
    TimescaleState::kMet,        TimescaleState::kMetLate, TimescaleState::kBreached,
    TimescaleState::kStopped,    TimescaleState::kUnknown,
};
static_assert(std::size(kTimescaleStates) == static_cast<size_t>(TimescaleState::kUnknown) + 1,
              "a new TimescaleState goes into kTimescaleStates (kUnknown stays last)");

inline constexpr const char* kTimescaleIds[] = {
    "assessment-3-weeks",     "initial-taf-6-weeks",    "review-6-12-weeks",
    "record-within-3-wd",     "share-within-5-wd",      "action-outcome-3-wd",
    "actions-review-6-weeks", "close-after-withdrawal", "next-review-held",
};

// One interval of one timescale: a clock that started, and what became of it as on a day.
struct Timescale {
  std::string id;
  TimescaleState state = TimescaleState::kNotStarted;
  std::optional<Day> started_on, due_on, limit_on, met_on;  // limit_on: review's 84 days
  std::string meeting_id;  // the meeting that started it, for per-meeting timescales
  // metLate: days after the limit (the due day, or limitOn) it was met; breached: days past
  // it as on the day. 0 otherwise.
  int days_late = 0;
  // unknown: why ("calendar does not cover 2028"); stopped: why ("consent withdrawn",
  // "consent refused", "stepped up", "episode closed", "meeting decided stepUp"); else empty.
  std::string reason;
};

struct MeetingTimescales {
  std::string meeting_id;
  Day held_on;
  Timescale record, share;
  bool next_review_missing = false;  // outcome continue and no next review date set
};

// An action of the plan that is open past its due day.
struct OverdueAction {
  std::string action_id, owner, meeting_id;
  Day due_on;
};

struct EpisodeTimescales {
  std::string episode_id;
  EpisodeStatus status = EpisodeStatus::kOpen;
  std::string keyworker_id;
  std::vector<Timescale> timescales;  // each id's latest interval, in kTimescaleIds order
  // Every interval of every timescale that started by the day, in kTimescaleIds order, then by
  // start: a breach stays here after later meetings, for reports over any period.
  std::vector<Timescale> history;
  std::vector<MeetingTimescales> meetings;
  bool finalised_not_signed = false;      // finalised FFA not signed by the family
  bool finalised_copy_not_given = false;  // ...or no copy given to them
  std::vector<std::string> meetings_without_next_review;
  // Meetings whose nextReviewOn is more than 84 days (12 weeks) after them.
  std::vector<std::string> next_review_beyond_12_weeks;
  std::vector<OverdueAction> overdue_actions;  // open actions past their due day
};

// Every episode of `family` as on `on`.
std::vector<EpisodeTimescales> EvaluateTimescales(const FamilyState& family,
                                                  const Calendar& calendar, Day on);
// `episode` as on `on`: its timescales, judged from its facts alone (FactsOf), and its overdue
// actions.
EpisodeTimescales EvaluateEpisode(const Episode& episode, const Calendar& calendar, Day on);
// The same from an episode's facts (what the overview keeps), but for overdue_actions, left
// empty: the facts keep no action plan.
EpisodeTimescales EvaluateEpisode(const EpisodeFacts& episode, const Calendar& calendar, Day on);

// One interval: {"id", "state", "startedOn", "dueOn", "metOn", "limitOn", "meetingId",
// "daysLate", "reason"}.
std::string TimescaleJson(const Timescale& t);

// {"familyId", "on", "episodes": [{"episodeId", "status", "keyworkerId", "timescales": [{"id",
// "state", "startedOn", "dueOn", "metOn", "limitOn", "meetingId", "daysLate", "reason"}],
// "history": [the same, every interval], "meetings": [...], "flags": {"finalisedNotSigned",
// "finalisedCopyNotGiven", "meetingsWithoutNextReview", "nextReviewBeyond12Weeks",
// "overdueActions": [{"actionId", "owner", "meetingId", "dueOn"}]}}]}.
std::string TimescalesJson(const std::string& family_id, Day on,
                           const std::vector<EpisodeTimescales>& episodes);

}  // namespace caseledger::projections
