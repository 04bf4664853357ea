#include "projections/timescales.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "ledger/json_codec.h"

namespace caseledger::projections {
namespace {

using ledger::JsonQuote;

constexpr int kDueSoonCalendarDays = 5;
constexpr int kTargetWorkingDays = 2;
constexpr int kReviewDueDays = 42, kReviewLimitDays = 84;

// When, and why, a case stopped owing its timescales.
struct Stop {
  Day on;
  std::string why;
};
using MaybeStop = std::optional<Stop>;

// The earlier of two stops.
MaybeStop Earliest(MaybeStop a, MaybeStop b) {
  if (!a) return b;
  if (!b) return a;
  return b->on < a->on ? b : a;
}

// The state of a started timescale, due on `due`, breached after `limit` (the due day, or the
// review's 84th day), dueSoon from `due_soon_from` on. A stop on or before the limit stops it.
Timescale Judge(const char* id, Day start, Day due, Day limit, Day due_soon_from,
                std::optional<Day> met, const MaybeStop& stop, Day on) {
  Timescale t;
  t.id = id;
  if (on < start) return t;  // notStarted
  t.started_on = start;
  t.due_on = due;
  if (limit != due) t.limit_on = limit;
  if (met && *met <= on) {
    t.met_on = met;
    t.state = *met <= limit ? TimescaleState::kMet : TimescaleState::kMetLate;
    t.days_late = std::max(0, *met - limit);
  } else if (stop && stop->on <= on && stop->on <= limit) {
    t.state = TimescaleState::kStopped;
    t.reason = stop->why;
  } else if (on > limit) {
    t.state = TimescaleState::kBreached;
    t.days_late = on - limit;
  } else {
    t.state = on >= due_soon_from ? TimescaleState::kDueSoon : TimescaleState::kOnTrack;
  }
  return t;
}

// A calendar-day timescale due `days` after `start`, dueSoon in its last 5 days.
Timescale CalendarDays(const char* id, Day start, int days, std::optional<Day> met,
                       const MaybeStop& stop, Day on) {
  const Day due = start + days;
  return Judge(id, start, due, due, due + -kDueSoonCalendarDays, met, stop, on);
}

// A working-day timescale from `start`: limit `days` working days; dueSoon from working day
// `due_soon_from` on (the target of 2 for the 3-day ones). Unknown, with no due day, when the
// days after `start` through the due day reach a year the calendar does not cover: outside its
// years no holiday is taken off, so the due day and every state judged from it could be wrong.
Timescale WorkingDays(const char* id, const Calendar& cal, Day start, int days, int due_soon_from,
                      std::optional<Day> met, const MaybeStop& stop, Day on) {
  const Day due = cal.AddWorkingDays(start, days);
  Timescale t = Judge(id, start, due, due, cal.AddWorkingDays(start, due_soon_from), met, stop, on);
  if (!t.started_on) return t;  // notStarted needs no calendar
  if (auto year = cal.UncoveredYear(start + 1, due)) {
    t.state = TimescaleState::kUnknown;
    t.due_on.reset();
    t.days_late = 0;
    t.reason = "calendar does not cover " + std::to_string(*year);
  }
  return t;
}

Timescale Named(const char* id) {
  Timescale t;
  t.id = id;
  return t;
}

std::optional<Day> DayOf(int64_t micros) {
  if (micros == 0) return std::nullopt;
  return LondonDay(micros);
}

MaybeStop StopOn(int64_t micros, const char* why) {
  if (micros == 0) return std::nullopt;
  return Stop{LondonDay(micros), why};
}

MeetingTimescales ForMeeting(const MeetingFacts& m, const Calendar& cal, const MaybeStop& stop,
                             const MaybeStop& consent_stop, Day on) {
  MeetingTimescales out;
  out.meeting_id = m.id;
  out.held_on = LondonDay(m.held_at);
  // Recorded: the meeting itself and, when the family goes on, its action plan.
  bool needs_plan = m.outcome == ev::MeetingOutcome::kContinue;
  std::optional<Day> recorded = DayOf(m.recorded_at);
  if (needs_plan) {
    auto plan = DayOf(m.plan_recorded_at);
    recorded = plan ? std::optional<Day>(std::max(*plan, *recorded)) : std::nullopt;
  }
  out.record = WorkingDays("record-within-3-wd", cal, out.held_on, 3, kTargetWorkingDays, recorded,
                           stop, on);
  // The parents are owed the outcome even after a step-up or closure: only the end of consent
  // stops it.
  out.share = WorkingDays("share-within-5-wd", cal, out.held_on, 5, 4, DayOf(m.shared_at),
                          consent_stop, on);
  out.record.meeting_id = out.share.meeting_id = m.id;
  out.next_review_missing = needs_plan && m.next_review_on.empty();
  return out;
}

// Every interval of `id` in `intervals`, in order; the latest is the timescale's current state
// (Named(id) when there is none).
Timescale Latest(const char* id, const std::vector<Timescale>& intervals) {
  return intervals.empty() ? Named(id) : intervals.back();
}

std::string DayJson(const std::optional<Day>& d) { return d ? JsonQuote(FormatDay(*d)) : "null"; }

}  // namespace

std::string TimescaleJson(const Timescale& t) {
  std::string out = "{\"id\":" + JsonQuote(t.id) + ",\"state\":" + JsonQuote(Name(t.state)) +
                    ",\"startedOn\":" + DayJson(t.started_on) + ",\"dueOn\":" + DayJson(t.due_on) +
                    ",\"metOn\":" + DayJson(t.met_on);
  if (t.limit_on) out += ",\"limitOn\":" + DayJson(t.limit_on);
  if (!t.meeting_id.empty()) out += ",\"meetingId\":" + JsonQuote(t.meeting_id);
  if (t.days_late != 0) out += ",\"daysLate\":" + std::to_string(t.days_late);
  if (!t.reason.empty()) out += ",\"reason\":" + JsonQuote(t.reason);
  return out + "}";
}

std::string_view Name(TimescaleState state) {
  switch (state) {
    case TimescaleState::kNotStarted:
      return "notStarted";
    case TimescaleState::kOnTrack:
      return "onTrack";
    case TimescaleState::kDueSoon:
      return "dueSoon";
    case TimescaleState::kMet:
      return "met";
    case TimescaleState::kMetLate:
      return "metLate";
    case TimescaleState::kBreached:
      return "breached";
    case TimescaleState::kStopped:
      return "stopped";
    case TimescaleState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

// Over 60 lines: the nine timescales in turn, each a few lines over the same meetings and stops.
EpisodeTimescales EvaluateEpisode(const EpisodeFacts& ep, const Calendar& cal, Day on) {
  EpisodeTimescales out;
  out.episode_id = ep.id;
  out.status = ep.status;
  out.keyworker_id = ep.keyworker_id;
  std::optional<Day> registered;
  if (auto d = ParseDay(ep.registration_completed_on); d.ok()) registered = *d;
  // Once consent is refused (and not given) or withdrawn, the episode stepped up or closed, the
  // FFA's own timescales stop (the earliest of these says why).
  MaybeStop consent_stop;
  if (ep.consent_withdrawn) consent_stop = StopOn(ep.consent_withdrawn_at, "consent withdrawn");
  if (ep.consent_refused && !ep.consent_given) {
    consent_stop = Earliest(consent_stop, StopOn(ep.consent_refused_at, "consent refused"));
  }
  MaybeStop stop = Earliest(consent_stop, StopOn(ep.closed_at, "episode closed"));
  if (ep.stepped_up) stop = Earliest(StopOn(ep.stepped_up_at, "stepped up"), stop);

  // Meetings in the order they were held (a late record of an earlier meeting is common).
  std::vector<const MeetingFacts*> meetings;
  for (const MeetingFacts& m : ep.meetings) {
    if (LondonDay(m.held_at) <= on) meetings.push_back(&m);
  }
  std::stable_sort(
      meetings.begin(), meetings.end(),
      [](const MeetingFacts* a, const MeetingFacts* b) { return a->held_at < b->held_at; });
  std::vector<std::vector<Timescale>> intervals(std::size(kTimescaleIds));
  auto add = [&](size_t index, Timescale t) {
    if (t.state != TimescaleState::kNotStarted) intervals[index].push_back(std::move(t));
  };

  if (registered) {
    add(0, CalendarDays("assessment-3-weeks", *registered, 21,
                        ep.finalised ? DayOf(ep.finalised_at) : std::nullopt, stop, on));
    std::optional<Day> first_meeting;
    if (!meetings.empty()) first_meeting = LondonDay(meetings[0]->held_at);
    add(1, CalendarDays("initial-taf-6-weeks", *registered, 42, first_meeting, stop, on));
  }

  // review-6-12-weeks: from each meeting that asked to go on (or was followed by another) to
  // the next meeting; due at 42 days, breached after 84.
  for (size_t i = 0; i < meetings.size(); ++i) {
    const MeetingFacts& m = *meetings[i];
    const Day held = LondonDay(m.held_at);
    std::optional<Day> next;
    if (i + 1 < meetings.size()) next = LondonDay(meetings[i + 1]->held_at);
    if (!next && m.outcome != ev::MeetingOutcome::kContinue) {
      if (intervals[2].empty()) {  // no review ever ran: the meeting decided none is owed
        Timescale t = Named("review-6-12-weeks");
        t.state = TimescaleState::kStopped;
        t.started_on = held;
        t.meeting_id = m.id;
        t.reason = "meeting decided " + std::string(ev::Name(m.outcome));
        add(2, std::move(t));
      }
      break;
    }
    Timescale t = Judge("review-6-12-weeks", held, held + kReviewDueDays, held + kReviewLimitDays,
                        held + kReviewDueDays, next, next ? std::nullopt : stop, on);
    t.meeting_id = m.id;
    add(2, std::move(t));
  }

  // record / share: every meeting held by `on`.
  for (const MeetingFacts* m : meetings) {
    MeetingTimescales mt = ForMeeting(*m, cal, stop, consent_stop, on);
    add(3, mt.record);
    add(4, mt.share);
    if (mt.next_review_missing) out.meetings_without_next_review.push_back(m->id);
    out.meetings.push_back(std::move(mt));
  }

  // action-outcome-3-wd: every meeting that decided a step-up or closure.
  for (const MeetingFacts* m : meetings) {
    if (m->outcome == ev::MeetingOutcome::kContinue) continue;
    int64_t done_at = m->outcome == ev::MeetingOutcome::kStepUp ? ep.stepped_up_recorded_at
                                                                : ep.closed_recorded_at;
    Timescale t = WorkingDays("action-outcome-3-wd", cal, LondonDay(m->held_at), 3,
                              kTargetWorkingDays, DayOf(done_at), std::nullopt, on);
    t.meeting_id = m->id;
    add(5, std::move(t));
  }

  // actions-review-6-weeks: from each review of the actions (a meeting, a plan update) to the
  // next.
  std::vector<Day> reviews;
  for (const MeetingFacts* m : meetings) reviews.push_back(LondonDay(m->held_at));
  for (int64_t at : ep.plan_updated_at) {
    if (LondonDay(at) <= on) reviews.push_back(LondonDay(at));
  }
  std::sort(reviews.begin(), reviews.end());
  reviews.erase(std::unique(reviews.begin(), reviews.end()), reviews.end());
  for (size_t i = 0; i < reviews.size(); ++i) {
    std::optional<Day> next;
    if (i + 1 < reviews.size()) next = reviews[i + 1];
    add(6, CalendarDays("actions-review-6-weeks", reviews[i], 42, next, next ? std::nullopt : stop,
                        on));
  }

  // close-after-withdrawal: consent withdrawn -> the episode closed.
  if (ep.consent_withdrawn) {
    add(7, WorkingDays("close-after-withdrawal", cal, LondonDay(ep.consent_withdrawn_at), 3, 1,
                       DayOf(ep.closed_at), std::nullopt, on));
  }

  // next-review-held: each meeting that set a next review date -> a later meeting by then.
  for (size_t i = 0; i < meetings.size(); ++i) {
    const MeetingFacts& m = *meetings[i];
    auto next_review = ParseDay(m.next_review_on);
    if (!next_review.ok()) continue;
    const Day held = LondonDay(m.held_at);
    if (*next_review - held > kReviewLimitDays) out.next_review_beyond_12_weeks.push_back(m.id);
    std::optional<Day> next;
    for (size_t j = i + 1; j < meetings.size() && !next; ++j) {
      if (LondonDay(meetings[j]->held_at) > held) next = LondonDay(meetings[j]->held_at);
    }
    Timescale t = Judge("next-review-held", held, *next_review, *next_review,
                        *next_review + -kDueSoonCalendarDays, next, next ? std::nullopt : stop, on);
    t.meeting_id = m.id;
    add(8, std::move(t));
  }

  for (size_t i = 0; i < intervals.size(); ++i) {
    out.timescales.push_back(Latest(kTimescaleIds[i], intervals[i]));
    out.history.insert(out.history.end(), intervals[i].begin(), intervals[i].end());
  }
  if (ep.finalised && DayOf(ep.finalised_at) <= on) {
    out.finalised_not_signed = !ep.signed_by_family;
    out.finalised_copy_not_given = !ep.copy_given_to_family;
  }
  return out;
}

EpisodeTimescales EvaluateEpisode(const Episode& ep, const Calendar& cal, Day on) {
  EpisodeTimescales out = EvaluateEpisode(FactsOf(ep), cal, on);
  if (!ep.closed) {
    for (const PlanAction& a : ep.actions) {
      auto due = ParseDay(a.action.due_on);
      if (a.action.status == ev::ActionStatus::kOpen && due.ok() && *due < on) {
        out.overdue_actions.push_back({a.action.action_id, a.action.owner, a.meeting_id, *due});
      }
    }
  }
  return out;
}

std::vector<EpisodeTimescales> EvaluateTimescales(const FamilyState& family,
                                                  const Calendar& calendar, Day on) {
  std::vector<EpisodeTimescales> out;
  for (const Episode& ep : family.episodes) out.push_back(EvaluateEpisode(ep, calendar, on));
  return out;
}

std::string TimescalesJson(const std::string& family_id, Day on,
                           const std::vector<EpisodeTimescales>& episodes) {
  std::string out = "{\"familyId\":" + JsonQuote(family_id) +
                    ",\"on\":" + JsonQuote(FormatDay(on)) + ",\"episodes\":[";
  for (size_t i = 0; i < episodes.size(); ++i) {
    const auto& e = episodes[i];
    out += i ? ",{" : "{";
    out += "\"episodeId\":" + JsonQuote(e.episode_id) + ",\"status\":" + JsonQuote(Name(e.status)) +
           ",\"keyworkerId\":" + JsonQuote(e.keyworker_id) + ",\"timescales\":[";
    for (size_t j = 0; j < e.timescales.size(); ++j) {
      out += (j ? "," : "") + TimescaleJson(e.timescales[j]);
    }
    out += "],\"history\":[";
    for (size_t j = 0; j < e.history.size(); ++j)
      out += (j ? "," : "") + TimescaleJson(e.history[j]);
    out += "],\"meetings\":[";
    for (size_t j = 0; j < e.meetings.size(); ++j) {
      const auto& m = e.meetings[j];
      out += std::string(j ? "," : "") + "{\"meetingId\":" + JsonQuote(m.meeting_id) +
             ",\"heldOn\":" + JsonQuote(FormatDay(m.held_on)) +
             ",\"record\":" + TimescaleJson(m.record) + ",\"share\":" + TimescaleJson(m.share) +
             ",\"nextReviewMissing\":" + (m.next_review_missing ? "true" : "false") + "}";
    }
    out += "],\"flags\":{\"finalisedNotSigned\":" +
           std::string(e.finalised_not_signed ? "true" : "false") +
           ",\"finalisedCopyNotGiven\":" + (e.finalised_copy_not_given ? "true" : "false") +
           ",\"meetingsWithoutNextReview\":[";
    for (size_t j = 0; j < e.meetings_without_next_review.size(); ++j) {
      out += (j ? "," : "") + JsonQuote(e.meetings_without_next_review[j]);
    }
    out += "],\"nextReviewBeyond12Weeks\":[";
    for (size_t j = 0; j < e.next_review_beyond_12_weeks.size(); ++j) {
      out += (j ? "," : "") + JsonQuote(e.next_review_beyond_12_weeks[j]);
    }
    out += "],\"overdueActions\":[";
    for (size_t j = 0; j < e.overdue_actions.size(); ++j) {
      const OverdueAction& a = e.overdue_actions[j];
      out += std::string(j ? "," : "") + "{\"actionId\":" + JsonQuote(a.action_id) +
             ",\"owner\":" + JsonQuote(a.owner) + ",\"meetingId\":" + JsonQuote(a.meeting_id) +
             ",\"dueOn\":" + JsonQuote(FormatDay(a.due_on)) + "}";
    }
    out += "]}}";
  }
  return out + "]}";
}

}  // namespace caseledger::projections
