#include "projections/step_up_pack.h"

#include "ledger/json_codec.h"
#include "ledger/time_format.h"
#include "projections/timescales.h"

namespace caseledger::projections {
namespace {

using ledger::JsonQuote;

std::string Opt(const std::string& s) { return s.empty() ? "null" : JsonQuote(s); }
std::string Time(int64_t t) { return t == 0 ? "null" : JsonQuote(FormatLondon(t)); }
std::string Bool(bool b) { return b ? "true" : "false"; }
std::string DayJson(const std::optional<Day>& d) { return d ? JsonQuote(FormatDay(*d)) : "null"; }

std::string PersonJson(const std::string& id, const Practitioner& p) {
  if (!p.registered) return "{\"id\":" + JsonQuote(id) + ",\"active\":false}";
  return "{\"id\":" + JsonQuote(id) + ",\"name\":" + JsonQuote(p.name) +
         ",\"agency\":" + JsonQuote(p.agency) + ",\"active\":" + Bool(p.active) + "}";
}

const Episode* EpisodeOfInterest(const FamilyState& f) {
  if (const Episode* open = f.OpenEpisode()) return open;
  return f.episodes.empty() ? nullptr : &f.episodes.back();
}

std::string EpisodeJson(const Episode& ep, const StepUpPackInput& in) {
  const Consent& c = ep.consent;
  std::string out =
      "{\"episodeId\":" + JsonQuote(ep.id) + ",\"status\":" + JsonQuote(Name(ep.status)) +
      ",\"registrationCompletedOn\":" + JsonQuote(ep.registration_completed_on) +
      ",\"consent\":{\"given\":" + Bool(c.given) + ",\"givenBy\":" + Opt(c.given_by) +
      ",\"givenAt\":" + Time(c.given_at) + ",\"refused\":" + Bool(c.refused) +
      ",\"refusedBy\":" + Opt(c.refused_by) + ",\"withdrawn\":" + Bool(c.withdrawn) +
      ",\"withdrawnBy\":" + Opt(c.withdrawn_by) +
      ",\"withdrawalReason\":" + Opt(c.withdrawal_reason) +
      ",\"withdrawnAt\":" + Time(c.withdrawn_at) + "}" +
      ",\"keyworker\":" + PersonJson(ep.keyworker_id, in.practitioner(ep.keyworker_id)) +
      ",\"tafMembers\":[";
  bool first = true;
  for (const std::string& id : ep.taf_members) {
    out += (first ? "" : ",") + PersonJson(id, in.practitioner(id));
    first = false;
  }
  out += "],\"assessment\":{\"started\":" + Bool(ep.assessment_started_at != 0) +
         ",\"finalised\":" + Bool(ep.finalised) + ",\"finalisedAt\":" + Time(ep.finalised_at) +
         ",\"signedByFamily\":" + Bool(ep.signed_by_family) +
         ",\"copyGivenToFamily\":" + Bool(ep.copy_given_to_family) + "},\"meetings\":[";
  for (size_t i = 0; i < ep.meetings.size(); ++i) {
    const Meeting& m = ep.meetings[i];
    out += std::string(i ? "," : "") + "{\"meetingId\":" + JsonQuote(m.id) +
           ",\"kind\":" + JsonQuote(ev::Name(m.kind)) +
           ",\"outcome\":" + JsonQuote(ev::Name(m.outcome)) + ",\"heldAt\":" + Time(m.held_at) +
           ",\"attendees\":[";
    for (size_t a = 0; a < m.attendees.size(); ++a) {
      out += (a ? "," : "") + JsonQuote(m.attendees[a]);
    }
    out += "],\"nextReviewOn\":" + Opt(m.next_review_on) +
           ",\"sharedWithParentsAt\":" + Time(m.shared_at) + "}";
  }
  out += "],\"lastContactAt\":" + Time(ep.last_contact_at) + ",\"closed\":";
  out += ep.closed ? "{\"reason\":" + JsonQuote(ev::Name(ep.closure_reason)) +
                         ",\"detail\":" + Opt(ep.closure_detail) +
                         ",\"meetingId\":" + Opt(ep.closure_meeting_id) +
                         ",\"at\":" + Time(ep.closed_at) + "}"
                   : "null";
  out += ",\"steppedUp\":";
  out += ep.stepped_up ? "{\"to\":" + JsonQuote(ev::Name(ep.stepped_up_to)) +
                             ",\"reason\":" + JsonQuote(ep.step_up_reason) +
                             ",\"meetingId\":" + Opt(ep.step_up_meeting_id) +
                             ",\"at\":" + Time(ep.stepped_up_at) + "}"
                       : "null";
  return out + "}";
}

}  // namespace

std::string StepUpPackJson(const StepUpPackInput& in) {
  const FamilyState& f = *in.family;
  std::string out = "{\"familyId\":" + JsonQuote(f.family_id) +
                    ",\"asOfSeq\":" + std::to_string(in.as_of_seq) +
                    ",\"asOf\":" + JsonQuote(in.as_of_text) +
                    ",\"on\":" + JsonQuote(FormatDay(in.on)) + ",\"children\":[";
  bool first = true;
  for (const ev::Member& m : f.members) {
    if (m.role != ev::MemberRole::kChild) continue;
    out += std::string(first ? "" : ",") + "{\"memberId\":" + JsonQuote(m.member_id) +
           ",\"name\":" + JsonQuote(m.name) + ",\"dateOfBirth\":" + Opt(m.date_of_birth) + "}";
    first = false;
  }
  const Episode* ep = EpisodeOfInterest(f);
  out += "],\"episode\":" + (ep ? EpisodeJson(*ep, in) : std::string("null"));

  out += ",\"openActions\":[";
  std::optional<EpisodeTimescales> ts;
  if (ep != nullptr) ts = EvaluateEpisode(*ep, *in.calendar, in.on);
  first = true;
  for (const PlanAction& a : ep ? ep->actions : std::vector<PlanAction>{}) {
    if (a.action.status != ev::ActionStatus::kOpen) continue;
    auto due = ParseDay(a.action.due_on);
    out += std::string(first ? "" : ",") + "{\"actionId\":" + JsonQuote(a.action.action_id) +
           ",\"description\":" + JsonQuote(a.action.description) +
           ",\"owner\":" + JsonQuote(a.action.owner) + ",\"dueOn\":" + Opt(a.action.due_on) +
           ",\"meetingId\":" + Opt(a.meeting_id) +
           ",\"overdue\":" + Bool(due.ok() && *due < in.on) + "}";
    first = false;
  }

  out += "],\"concerns\":[";
  first = true;
  for (const Concern& c : f.concerns) {
    std::string status = c.above_threshold      ? "child-protection referral (above the threshold)"
                         : c.directions.empty() ? "awaiting a triage direction"
                                                : "directed";
    out += std::string(first ? "" : ",") + "{\"concernId\":" + JsonQuote(c.id) +
           ",\"source\":" + JsonQuote(ev::Name(c.source)) + ",\"kind\":" + JsonQuote(c.kind) +
           ",\"summary\":" + JsonQuote(c.summary) +
           ",\"aboveThreshold\":" + Bool(c.above_threshold) +
           ",\"receivedAt\":" + Time(c.received_at) + ",\"episodeId\":" + Opt(c.episode_id) +
           ",\"directionStatus\":" + JsonQuote(status) + ",\"directions\":[";
    for (size_t i = 0; i < c.directions.size(); ++i) {
      const Direction& d = c.directions[i];
      out += std::string(i ? "," : "") + "{\"direction\":" + JsonQuote(d.text) +
             ",\"by\":" + JsonQuote(d.by) + ",\"at\":" + Time(d.at) + "}";
    }
    out += "]}";
    first = false;
  }

  // Every miss of every episode, not only the one of interest.
  out += "],\"timescaleMisses\":[";
  first = true;
  for (const Episode& e : f.episodes) {
    for (const Timescale& t : EvaluateEpisode(e, *in.calendar, in.on).history) {
      if (t.state != TimescaleState::kBreached && t.state != TimescaleState::kMetLate) continue;
      out += std::string(first ? "" : ",") + "{\"id\":" + JsonQuote(t.id) +
             ",\"episodeId\":" + JsonQuote(e.id) + ",\"meetingId\":" + Opt(t.meeting_id) +
             ",\"startedOn\":" + DayJson(t.started_on) + ",\"dueOn\":" + DayJson(t.due_on) +
             ",\"metOn\":" + DayJson(t.met_on) + ",\"state\":" + JsonQuote(Name(t.state)) +
             ",\"daysLate\":" + std::to_string(t.days_late) + "}";
      first = false;
    }
  }
  out += "],\"flags\":{";
  if (ts) {
    out += "\"finalisedNotSigned\":" + Bool(ts->finalised_not_signed) +
           ",\"finalisedCopyNotGiven\":" + Bool(ts->finalised_copy_not_given) +
           ",\"meetingsWithoutNextReview\":" +
           std::to_string(ts->meetings_without_next_review.size()) +
           ",\"overdueActions\":" + std::to_string(ts->overdue_actions.size());
  }
  // The episode of interest's timescales, each at its latest interval.
  out += "},\"timescales\":[";
  for (size_t i = 0; ts && i < ts->timescales.size(); ++i) {
    out += (i ? "," : "") + TimescaleJson(ts->timescales[i]);
  }
  out += "],\"chronology\":[";
  first = true;
  for (const ChronologyEntry& e : *in.chronology) {
    if (!e.significant) continue;
    out += (first ? "" : ",") + ChronologyEntryJson(e);
    first = false;
  }
  return out + "]}";
}

}  // namespace caseledger::projections
