#include "projections/timescales.h"

#include <algorithm>
#include <string>

#include "ledger/json_codec.h"

namespace caseledger::projections {
namespace {

using ledger::JsonQuote;

constexpr int kDueSoonCalendarDays = 5;
constexpr int kTargetWorkingDays = 2;

// The state of a started timescale, due on `due`, dueSoon from `due_soon_from` on.
// `stopped_on`: the day the case stopped owing it (refusal, withdrawal, closure), if any.
Timescale Judge(const char* id, Day start, Day due, Day due_soon_from, std::optional<Day> met,
                std::optional<Day> stopped_on, Day on) {
  Timescale t;
  t.id = id;
  if (on < start) return t;  // notStarted
  t.started_on = start;
  t.due_on = due;
  if (met && *met <= on) {
    t.met_on = met;
    t.state = *met <= due ? TimescaleState::kMet : TimescaleState::kMetLate;
  } else if (stopped_on && *stopped_on <= on && *stopped_on <= due) {
    t.state = TimescaleState::kStopped;
  } else if (on > due) {
    t.state = TimescaleState::kBreached;
  } else {
    t.state = on >= due_soon_from ? TimescaleState::kDueSoon : TimescaleState::kOnTrack;
  }
  return t;
}

// A calendar-day timescale: started on `start` (notStarted without one), due on `due`,
// dueSoon in its last 5 days.
Timescale CalendarDays(const char* id, std::optional<Day> start, Day due, std::optional<Day> met,
                       std::optional<Day> stopped_on, Day on) {
  if (!start) {
    Timescale t;
    t.id = id;
    return t;
  }
  return Judge(id, *start, due, due + -kDueSoonCalendarDays, met, stopped_on, on);
}

// A working-day timescale from `start`: limit `days` working days; dueSoon from working day
// `due_soon_from` on (the target of 2 for the 3-day ones). Unknown, with no due day, when the
// days after `start` through the due day reach a year the calendar does not cover: outside its
// years no holiday is taken off, so the due day and every state judged from it could be wrong.
Timescale WorkingDays(const char* id, const Calendar& cal, Day start, int days, int due_soon_from,
                      std::optional<Day> met, std::optional<Day> stopped_on, Day on) {
  const Day due = cal.AddWorkingDays(start, days);
  Timescale t =
      Judge(id, start, due, cal.AddWorkingDays(start, due_soon_from), met, stopped_on, on);
  if (!t.started_on) return t;  // notStarted needs no calendar
  if (auto year = cal.UncoveredYear(start + 1, due)) {
    t.state = TimescaleState::kUnknown;
    t.due_on.reset();
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

MeetingTimescales ForMeeting(const Meeting& m, const Calendar& cal, std::optional<Day> closed,
                             Day on) {
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
                           closed, on);
  out.share =
      WorkingDays("share-within-5-wd", cal, out.held_on, 5, 4, DayOf(m.shared_at), closed, on);
  out.record.meeting_id = out.share.meeting_id = m.id;
  out.next_review_missing = needs_plan && m.next_review_on.empty();
  return out;
}

std::string DayJson(const std::optional<Day>& d) { return d ? JsonQuote(FormatDay(*d)) : "null"; }

std::string TimescaleJson(const Timescale& t) {
  std::string out = "{\"id\":" + JsonQuote(t.id) + ",\"state\":" + JsonQuote(Name(t.state)) +
                    ",\"startedOn\":" + DayJson(t.started_on) + ",\"dueOn\":" + DayJson(t.due_on) +
                    ",\"metOn\":" + DayJson(t.met_on);
  if (t.limit_on) out += ",\"limitOn\":" + DayJson(t.limit_on);
  if (!t.meeting_id.empty()) out += ",\"meetingId\":" + JsonQuote(t.meeting_id);
  if (!t.reason.empty()) out += ",\"reason\":" + JsonQuote(t.reason);
  return out + "}";
}

}  // namespace

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

EpisodeTimescales EvaluateEpisode(const Episode& ep, const Calendar& cal, Day on) {
  EpisodeTimescales out;
  out.episode_id = ep.id;
  out.status = ep.status;
  out.keyworker_id = ep.keyworker_id;
  std::optional<Day> registered;
  if (auto d = ParseDay(ep.registration_completed_on); d.ok()) registered = *d;
  std::optional<Day> closed = DayOf(ep.closed_at);
  // Once consent is refused (and not given) or withdrawn, or the episode closed, the FFA's own
  // timescales stop.
  std::optional<Day> stopped = closed;
  if (ep.consent.withdrawn) stopped = LondonDay(ep.consent.withdrawn_at);
  if (ep.consent.refused && !ep.consent.given) stopped = LondonDay(ep.consent.refused_at);

  Day reg = registered.value_or(Day{});
  // Meetings in the order they were held (a late record of an earlier meeting is common).
  std::vector<const Meeting*> meetings;
  for (const Meeting& m : ep.meetings) meetings.push_back(&m);
  std::stable_sort(meetings.begin(), meetings.end(),
                   [](const Meeting* a, const Meeting* b) { return a->held_at < b->held_at; });
  out.timescales.push_back(CalendarDays("assessment-3-weeks", registered, reg + 21,
                                        ep.finalised ? DayOf(ep.finalised_at) : std::nullopt,
                                        stopped, on));
  std::optional<Day> first_meeting =
      meetings.empty() ? std::nullopt : std::optional<Day>(LondonDay(meetings[0]->held_at));
  out.timescales.push_back(
      CalendarDays("initial-taf-6-weeks", registered, reg + 42, first_meeting, stopped, on));

  // review-6-12-weeks: from the latest meeting held by `on` that asked to go on.
  Timescale review = Named("review-6-12-weeks");
  for (size_t i = 0; i < meetings.size(); ++i) {
    const Meeting& m = *meetings[i];
    Day held = LondonDay(m.held_at);
    if (held > on) break;
    std::optional<Day> next;
    if (i + 1 < meetings.size() && LondonDay(meetings[i + 1]->held_at) <= on) {
      next = LondonDay(meetings[i + 1]->held_at);
    }
    if (next) {  // a later meeting exists: judge the interval, then go on to the latest
      review = CalendarDays("review-6-12-weeks", held, held + 84, next, std::nullopt, on);
      review.due_on = held + 42;
      review.limit_on = held + 84;
      review.meeting_id = m.id;
      continue;
    }
    if (m.outcome != ev::MeetingOutcome::kContinue || (stopped && *stopped <= on)) {
      if (review.state == TimescaleState::kNotStarted) {
        review.state = TimescaleState::kStopped;
        review.started_on = held;
        review.meeting_id = m.id;
      }
      break;
    }
    review = CalendarDays("review-6-12-weeks", held, held + 84, std::nullopt, std::nullopt, on);
    review.due_on = held + 42;
    review.limit_on = held + 84;
    review.meeting_id = m.id;
    if (review.state == TimescaleState::kOnTrack || review.state == TimescaleState::kDueSoon) {
      review.state = on >= held + 42 ? TimescaleState::kDueSoon : TimescaleState::kOnTrack;
    }
  }
  out.timescales.push_back(review);

  // record / share: every meeting held by `on`; the latest one reported.
  Timescale record = Named("record-within-3-wd"), share = Named("share-within-5-wd");
  for (const Meeting* meeting : meetings) {
    const Meeting& m = *meeting;
    if (LondonDay(m.held_at) > on) break;
    MeetingTimescales mt = ForMeeting(m, cal, stopped, on);
    record = mt.record;
    share = mt.share;
    if (mt.next_review_missing) out.meetings_without_next_review.push_back(m.id);
    out.meetings.push_back(std::move(mt));
  }
  out.timescales.push_back(record);
  out.timescales.push_back(share);

  // action-outcome-3-wd: the latest meeting (by `on`) that decided a step-up or closure.
  Timescale action = Named("action-outcome-3-wd");
  for (const Meeting* meeting : meetings) {
    const Meeting& m = *meeting;
    Day held = LondonDay(m.held_at);
    if (held > on || m.outcome == ev::MeetingOutcome::kContinue) continue;
    int64_t done_at = m.outcome == ev::MeetingOutcome::kStepUp ? ep.stepped_up_recorded_at
                                                               : ep.closed_recorded_at;
    action = WorkingDays("action-outcome-3-wd", cal, held, 3, kTargetWorkingDays, DayOf(done_at),
                         std::nullopt, on);
    action.meeting_id = m.id;
  }
  out.timescales.push_back(action);

  if (ep.finalised && DayOf(ep.finalised_at) <= on) {
    out.finalised_not_signed = !ep.signed_by_family;
    out.finalised_copy_not_given = !ep.copy_given_to_family;
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
    out += "]}}";
  }
  return out + "]}";
}

}  // namespace caseledger::projections
