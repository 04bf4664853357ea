#include "projections/chronology.h"

#include <algorithm>
#include <map>
#include <type_traits>

#include "ledger/json_codec.h"
#include "ledger/time_format.h"
#include "projections/event_kinds.h"
#include "projections/family_state.h"
#include "projections/timescales.h"

namespace caseledger::projections {
namespace {

using ledger::FormatRfc3339;
using ledger::JsonQuote;

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

std::string Join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::string Who(const std::string& id, const PractitionerNames& names) {
  std::string name = names ? names(id) : std::string();
  return name.empty() ? id : name;
}

std::string Capitalised(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string OutcomeWords(ev::MeetingOutcome o) {
  switch (o) {
    case ev::MeetingOutcome::kContinue:
      return "continue";
    case ev::MeetingOutcome::kStepUp:
      return "step up";
    case ev::MeetingOutcome::kClose:
      return "close";
  }
  return "unknown";
}

std::string StepUpWords(ev::StepUpTo to) {
  return to == ev::StepUpTo::kAssessmentAndIntervention ? "Assessment and Intervention (A&I)"
                                                        : "Family Safeguarding";
}

std::string ClosureWords(ev::ClosureReason r) {
  switch (r) {
    case ev::ClosureReason::kNeedsMet:
      return "needs met";
    case ev::ClosureReason::kConsentWithdrawn:
      return "consent withdrawn";
    case ev::ClosureReason::kSteppedUp:
      return "stepped up";
    case ev::ClosureReason::kMovedOutOfArea:
      return "moved out of area";
    case ev::ClosureReason::kSingleAgencySufficient:
      return "single agency support sufficient";
    case ev::ClosureReason::kOther:
      return "other";
  }
  return "unknown";
}

std::string AdviceWords(ev::AdviceSource s) {
  switch (s) {
    case ev::AdviceSource::kLineManager:
      return "the line manager";
    case ev::AdviceSource::kSeniorCoordinator:
      return "the Senior Coordinator";
    case ev::AdviceSource::kFamiliesFirstCoordinator:
      return "the Families First Coordinator";
    case ev::AdviceSource::kEarlyHelpAdviceLine:
      return "the Early Help Advice Line";
    case ev::AdviceSource::kOther:
      return "another source";
  }
  return "another source";
}

std::string NoteCategoryWords(ev::NoteCategory c) {
  switch (c) {
    case ev::NoteCategory::kContact:
      return "Contact";
    case ev::NoteCategory::kMeeting:
      return "Meeting";
    case ev::NoteCategory::kPractitionerUpdate:
      return "Practitioner update";
    case ev::NoteCategory::kFamilyUpdate:
      return "Family update";
    case ev::NoteCategory::kSignificantEvent:
      return "Significant event";
    case ev::NoteCategory::kProgress:
      return "Progress";
    case ev::NoteCategory::kDocumentReceived:
      return "Document received";
    case ev::NoteCategory::kLetterSent:
      return "Letter sent";
    case ev::NoteCategory::kSupportRequest:
      return "Support request";
    case ev::NoteCategory::kOther:
      return "Note";
  }
  return "Note";
}

// Summaries: one overload per kind.
struct Summary {
  const PractitionerNames& names;

  std::string operator()(const ev::FamilyRegistered& b) const {
    size_t children = std::count_if(b.members.begin(), b.members.end(), [](const ev::Member& m) {
      return m.role == ev::MemberRole::kChild;
    });
    return "Family registered: " + std::to_string(b.members.size()) + " member" +
           (b.members.size() == 1 ? "" : "s") + " (" + std::to_string(children) + " child" +
           (children == 1 ? "" : "ren") + ")";
  }
  std::string operator()(const ev::ConsentToCheckGiven& b) const {
    return "Verbal consent to check for an open FFA given by " + b.given_by;
  }
  std::string operator()(const ev::EpisodeOpened& b) const {
    return "Episode " + b.episode_id + " opened; keyworker " + Who(b.keyworker_id, names) +
           "; registration completed " + b.registration_completed_on;
  }
  std::string operator()(const ev::ConsentGiven& b) const {
    return std::string(b.scope == ev::ConsentScope::kAssessment
                           ? "Consent to the assessment"
                           : "Consent to information sharing") +
           " given by " + b.given_by + " (" + std::string(ev::Name(b.method)) + ")";
  }
  std::string operator()(const ev::ConsentRefused& b) const {
    return "Consent refused by " + b.refused_by + (b.reason.empty() ? "" : ": " + b.reason);
  }
  std::string operator()(const ev::ConsentWithdrawn& b) const {
    return "Consent withdrawn by " + b.withdrawn_by + ": " + b.reason;
  }
  std::string operator()(const ev::KeyworkerAssigned& b) const {
    return "Keyworker now " + Who(b.practitioner_id, names);
  }
  std::string operator()(const ev::TafMemberAdded& b) const {
    return Who(b.practitioner_id, names) + " joined the Team Around the Family";
  }
  std::string operator()(const ev::TafMemberRemoved& b) const {
    return Who(b.practitioner_id, names) + " left the Team Around the Family";
  }
  std::string operator()(const ev::AssessmentStarted&) const { return "Assessment started"; }
  std::string operator()(const ev::ContributionRequested& b) const {
    return "Contribution to the assessment requested from " + b.agency + " (" + b.request_id + ")";
  }
  std::string operator()(const ev::ContributionReceived& b) const {
    return "Contribution to the assessment received (" + b.request_id + ")";
  }
  std::string operator()(const ev::AssessmentFinalised& b) const {
    std::string out = "Assessment finalised; signed by the family: ";
    out += b.signed_by_family ? "yes" : "no";
    out += "; copy given to the family: ";
    out += b.copy_given_to_family ? "yes" : "no";
    if (!b.keyworker_analysis.empty()) out += "; keyworker's analysis: " + b.keyworker_analysis;
    return out;
  }
  std::string operator()(const ev::CaseNoteAdded& b) const {
    return NoteCategoryWords(b.category) + ": " + b.text;
  }
  std::string operator()(const ev::DocumentUploaded& b) const {
    return "Document uploaded: " + b.filename + " (" + b.media_type + ", " +
           std::to_string(b.size) + " bytes)";
  }
  std::string operator()(const ev::TafMeetingHeld& b) const {
    std::string out =
        Capitalised(ev::Name(b.kind)) + " TAF meeting held: " + OutcomeWords(b.outcome);
    out += b.next_review_on.empty() ? "; no next review date set"
                                    : "; next review " + b.next_review_on;
    if (!b.attendees.empty()) out += "; attended by " + Join(b.attendees);
    return out;
  }
  std::string operator()(const ev::ActionPlanUpdated& b) const {
    size_t open = std::count_if(b.actions.begin(), b.actions.end(), [](const ev::Action& a) {
      return a.status == ev::ActionStatus::kOpen;
    });
    std::vector<std::string> each;
    for (const ev::Action& a : b.actions) {
      each.push_back(a.action_id + " " + a.description + " (owner " + a.owner + ", due " +
                     a.due_on + ", " + std::string(ev::Name(a.status)) + ")");
    }
    return "Action plan updated after meeting " + b.meeting_id + ": " +
           std::to_string(b.actions.size()) + " action" + (b.actions.size() == 1 ? "" : "s") +
           " (" + std::to_string(open) + " open)" + (each.empty() ? "" : ": " + Join(each, "; "));
  }
  std::string operator()(const ev::OutcomeSharedWithParents& b) const {
    return "Outcome and plan of meeting " + b.meeting_id + " given to the parents";
  }
  std::string operator()(const ev::ConcernReceived& b) const {
    return "Concern from " + std::string(ev::Name(b.source)) + " (" + b.kind + "), " +
           (b.above_threshold ? "above the child-protection threshold" : "below the threshold") +
           ": " + b.summary;
  }
  std::string operator()(const ev::TriageDirectionGiven& b) const {
    return "Triage direction on concern " + b.concern_id + ": " + b.direction;
  }
  std::string operator()(const ev::SteppedUp& b) const {
    return "Stepped up to " + StepUpWords(b.to) +
           (b.meeting_id.empty() ? "" : " (decided at meeting " + b.meeting_id + ")") + ": " +
           b.reason;
  }
  std::string operator()(const ev::Signposted& b) const {
    return "Signposted to " + Join(b.services);
  }
  std::string operator()(const ev::EpisodeClosed& b) const {
    return "Episode " + b.episode_id + " closed: " + ClosureWords(b.reason) +
           (b.detail.empty() ? "" : "; " + b.detail);
  }
  std::string operator()(const ev::RecordCorrected& b) const {
    return "Correction of entry seq " + std::to_string(b.corrects_seq) + ": " + b.reason;
  }
  std::string operator()(const ev::LegalHoldApplied& b) const {
    return "Legal hold applied: " + b.reason;
  }
  std::string operator()(const ev::LegalHoldReleased& b) const {
    return "Legal hold released: " + b.reason;
  }
  std::string operator()(const ev::FamilyErased& b) const {
    return "Personal data erased: " + b.reason;
  }
  std::string operator()(const ev::HelpdeskCheckMade& b) const {
    std::string out = "Helpdesk check for an open FFA, asked by " + Who(b.asked_by, names) +
                      (b.identity_verified ? " (identity verified)" : " (identity not verified)");
    if (b.result == ev::HelpdeskCheckResult::kNoOpenEpisode) return out + ": no open episode";
    out += ": open episode found";
    if (!b.episode_id.empty()) out += " (" + b.episode_id + ")";
    if (!b.contact_given.empty()) out += "; keyworker contact given: " + b.contact_given;
    return out;
  }
  std::string operator()(const ev::AssessmentSigned& b) const {
    std::vector<std::string> done;
    if (b.signed_by_family) {
      done.push_back("signed by the family" +
                     (b.signed_by.empty() ? "" : " (" + b.signed_by + ")"));
    }
    if (b.copy_given_to_family) done.push_back("a copy given to the family");
    return "Finalised assessment: " +
           (done.empty() ? "neither signed nor a copy given" : Join(done, "; "));
  }
  std::string operator()(const ev::ChildProtectionReferralMade& b) const {
    return "Child-protection referral to " + b.referred_to +
           (b.concern_id.empty() ? "" : " (concern " + b.concern_id + ")") + ": " + b.reason;
  }
  std::string operator()(const ev::AdviceSought& b) const {
    return "Advice sought from " + AdviceWords(b.from) + ": " + b.summary +
           (b.outcome.empty() ? "" : "; outcome: " + b.outcome);
  }
  std::string operator()(const ev::FamilyNoteAdded& b) const {
    return NoteCategoryWords(b.category) + " (on the family, no episode): " + b.text;
  }
  template <class T>
  requires std::is_same_v<T, ev::PractitionerRegistered> ||
      std::is_same_v<T, ev::PractitionerTrained> ||
      std::is_same_v<T, ev::PractitionerDeactivated> || std::is_same_v<T, ev::RecordViewed>
          std::string operator()(const T&) const {
    return {};
  }
};

// A note's own category and significant mark (a case note, or a note on the family).
struct NoteMark {
  ev::NoteCategory category;
  bool significant;
};
std::optional<NoteMark> NoteMarkOf(const ev::Body& body) {
  if (const auto* n = std::get_if<ev::CaseNoteAdded>(&body)) {
    return NoteMark{n->category, n->significant};
  }
  if (const auto* n = std::get_if<ev::FamilyNoteAdded>(&body)) {
    return NoteMark{n->category, n->significant};
  }
  return std::nullopt;
}

// Episode and source of an entry, by kind (the table of event kinds, event_kinds.h, gives its
// category and significance).
struct Facts {
  std::string episode_id, source_agency;
};

Facts FactsOf(const ev::Body& body, const FamilyState& before) {
  return std::visit(ev::Overloaded{
                        [](const ev::FamilyRegistered&) {
                          return Facts{"", ""};
                        },
                        [](const ev::ConsentToCheckGiven&) {
                          return Facts{"", ""};
                        },
                        [](const ev::EpisodeOpened& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::ConsentGiven& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::ConsentRefused& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::ConsentWithdrawn& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::KeyworkerAssigned& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::TafMemberAdded& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::TafMemberRemoved& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::AssessmentStarted& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::ContributionRequested& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::ContributionReceived& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::AssessmentFinalised& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::CaseNoteAdded& b) {
                          return Facts{b.episode_id, b.source_agency};
                        },
                        [](const ev::DocumentUploaded& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::TafMeetingHeld& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::ActionPlanUpdated& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::OutcomeSharedWithParents& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [&](const ev::ConcernReceived& b) {
                          const Episode* open = before.OpenEpisode();
                          return Facts{open ? open->id : "", std::string(ev::Name(b.source))};
                        },
                        [&](const ev::TriageDirectionGiven& b) {
                          const Concern* c = before.FindConcern(b.concern_id);
                          return Facts{c ? c->episode_id : "", ""};
                        },
                        [](const ev::SteppedUp& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::Signposted& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::EpisodeClosed& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::RecordCorrected&) {
                          return Facts{"", ""};
                        },
                        [](const ev::LegalHoldApplied&) {
                          return Facts{"", ""};
                        },
                        [](const ev::LegalHoldReleased&) {
                          return Facts{"", ""};
                        },
                        [](const ev::FamilyErased&) {
                          return Facts{"", ""};
                        },
                        [](const ev::HelpdeskCheckMade& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::AssessmentSigned& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [&](const ev::ChildProtectionReferralMade& b) {
                          const Concern* c = before.FindConcern(b.concern_id);
                          return Facts{!b.episode_id.empty() ? b.episode_id
                                       : c != nullptr        ? c->episode_id
                                                             : "",
                                       ""};
                        },
                        [](const ev::AdviceSought& b) {
                          return Facts{b.episode_id, ""};
                        },
                        [](const ev::FamilyNoteAdded& b) {
                          return Facts{"", b.source_agency};
                        },
                        [](const ev::PractitionerRegistered&) { return Facts{}; },
                        [](const ev::PractitionerTrained&) { return Facts{}; },
                        [](const ev::PractitionerDeactivated&) { return Facts{}; },
                        [](const ev::RecordViewed&) { return Facts{}; },
                    },
                    body);
}

// What an entry records as decided or done, in words; empty for most kinds.
std::string Decision(const ev::Body& body) {
  if (const auto* m = std::get_if<ev::TafMeetingHeld>(&body)) {
    return "Decided: " + OutcomeWords(m->outcome) +
           (m->next_review_on.empty() ? "" : "; next review by " + m->next_review_on);
  }
  if (const auto* d = std::get_if<ev::TriageDirectionGiven>(&body))
    return "Direction: " + d->direction;
  if (const auto* u = std::get_if<ev::SteppedUp>(&body))
    return "Stepped up to " + StepUpWords(u->to);
  if (const auto* c = std::get_if<ev::EpisodeClosed>(&body)) {
    return "Episode closed: " + ClosureWords(c->reason);
  }
  if (std::holds_alternative<ev::ConsentWithdrawn>(body)) {
    return "The FFA stops: the episode is to be closed (reason consentWithdrawn)";
  }
  if (const auto* s = std::get_if<ev::Signposted>(&body))
    return "Signposted to " + Join(s->services);
  return {};
}

std::string DirectionStatus(const Concern& c) {
  if (c.above_threshold) return "child-protection referral (above the threshold): not triage's";
  if (c.directions.empty()) return "awaiting a triage direction";
  return "directed (" + std::to_string(c.directions.size()) +
         (c.directions.size() == 1 ? " direction" : " directions") + "), latest by " +
         c.directed_by;
}

void SortChronology(std::vector<ChronologyEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.occurred_at != b.occurred_at ? a.occurred_at < b.occurred_at : a.seq < b.seq;
  });
}

}  // namespace

std::string Summarise(const ev::Body& body, const PractitionerNames& names) {
  return std::visit(Summary{names}, body);
}

std::vector<ChronologyEntry> BuildChronology(const std::vector<ev::Event>& events,
                                             const Calendar& calendar,
                                             const PractitionerNames& names) {
  return BuildChronologyAndState(events, calendar, names, nullptr);
}

std::vector<ChronologyEntry> BuildChronologyAndState(const std::vector<ev::Event>& events,
                                                     const Calendar& calendar,
                                                     const PractitionerNames& names,
                                                     FamilyState* now_out) {
  std::vector<ChronologyEntry> entries;
  std::map<uint64_t, size_t> by_seq;
  std::map<uint64_t, uint64_t> root_of;  // a correction's seq -> the entry its chain corrects
  FamilyState state;
  for (const ev::Event& e : events) {
    Facts facts = FactsOf(e.body, state);
    ChronologyEntry entry;
    entry.seq = e.seq;
    entry.type = e.type;
    entry.occurred_at = e.occurred_at;
    entry.recorded_at = e.recorded_at;
    entry.recorded_by = e.actor.id;
    entry.recorded_role = e.actor.role;
    entry.episode_id = facts.episode_id;
    const KindInfo& kind = KindOf(e.body);
    const std::optional<NoteMark> note = NoteMarkOf(e.body);
    entry.category = note ? std::string(ev::Name(note->category)) : std::string(kind.category);
    entry.summary = OneLine(Summarise(e.body, names));
    entry.source_agency = facts.source_agency.empty() ? e.actor.agency : facts.source_agency;
    entry.significant = kind.significance == Significance::kAlways ||
                        (kind.significance == Significance::kAsMarked && note && note->significant);
    const Day happened = LondonDay(e.occurred_at), recorded = LondonDay(e.recorded_at);
    int lag = calendar.WorkingDaysBetween(happened, recorded);
    // Outside the calendar's years no holiday is taken off, so such a count is not trusted:
    // an entry is marked late only when the calendar covers the days counted.
    entry.late = lag > kLateAfterWorkingDays && !calendar.UncoveredYear(happened + 1, recorded);
    entry.late_working_days = entry.late ? lag : 0;
    if (const auto* c = std::get_if<ev::RecordCorrected>(&e.body)) {
      entry.corrects = c->corrects_seq;
      // A correction of a correction belongs to the chain of the entry first corrected.
      uint64_t root = c->corrects_seq;
      if (auto r = root_of.find(root); r != root_of.end()) root = r->second;
      root_of[e.seq] = root;
      if (auto it = by_seq.find(root); it != by_seq.end()) {
        ChronologyEntry& target = entries[it->second];
        entry.episode_id = target.episode_id;
        target.corrected = true;
        target.correction_seq = e.seq;
        target.correction_reason = c->reason;
        target.correction_by = e.actor.id;
        target.correction_recorded_at = e.recorded_at;
        target.corrections.push_back({e.seq, c->reason, e.actor.id, e.recorded_at});
      }
    }
    if (const auto* c = std::get_if<ev::ConcernReceived>(&e.body)) entry.concern_id = c->concern_id;
    if (const auto* d = std::get_if<ev::TriageDirectionGiven>(&e.body)) {
      entry.concern_id = d->concern_id;
    }
    entry.decision = Decision(e.body);
    (void)Apply(state, e);                // each entry as written; its corrections are marked on it
    if (entry.summary.empty()) continue;  // not a family event
    by_seq[e.seq] = entries.size();
    entries.push_back(std::move(entry));
  }
  // What the corrected record says now: each corrected entry's summary, the children, each
  // concern's direction status. Without a correction that replaces data, the record as
  // written is that record.
  FamilyState refolded;
  const bool corrected = ChangesData(events);
  if (corrected) {
    for (const ev::Event& e : WithCorrections(events)) {
      (void)Apply(refolded, e);
      auto it = by_seq.find(e.seq);
      if (it == by_seq.end() || !entries[it->second].corrected) continue;
      std::string summary = OneLine(Summarise(e.body, names));
      if (summary != entries[it->second].summary) entries[it->second].corrected_summary = summary;
    }
  }
  const FamilyState& now = corrected ? refolded : state;
  if (now_out != nullptr) *now_out = now;
  std::vector<std::string> children;
  for (const ev::Member& m : now.members) {
    if (m.role == ev::MemberRole::kChild) children.push_back(m.name);
  }
  for (ChronologyEntry& entry : entries) {
    entry.children = children;
    if (const Concern* c = entry.concern_id.empty() ? nullptr : now.FindConcern(entry.concern_id)) {
      entry.direction_status = DirectionStatus(*c);
    }
  }
  SortChronology(entries);
  return entries;
}

std::vector<ChronologyEntry> ComputedEntries(const FamilyState& family, const Calendar& calendar,
                                             Day on) {
  std::vector<ChronologyEntry> out;
  std::vector<std::string> children;
  for (const ev::Member& m : family.members) {
    if (m.role == ev::MemberRole::kChild) children.push_back(m.name);
  }
  auto computed = [&](std::string episode, int64_t at, std::string type, std::string summary) {
    ChronologyEntry e;
    e.computed = true;
    e.type = std::move(type);
    e.occurred_at = e.recorded_at = at;
    e.episode_id = std::move(episode);
    e.category = std::string(kComputedCategory);
    e.summary = std::move(summary);
    e.significant = true;
    e.children = children;
    out.push_back(std::move(e));
  };
  for (const Episode& ep : family.episodes) {
    EpisodeTimescales ts = EvaluateEpisode(ep, calendar, on);
    for (const Timescale& t : ts.history) {
      if (t.state != TimescaleState::kBreached && t.state != TimescaleState::kMetLate) continue;
      const Day limit = t.limit_on.value_or(*t.due_on);
      std::string what = "Timescale missed: " + t.id +
                         (t.meeting_id.empty() ? "" : " (meeting " + t.meeting_id + ")") +
                         ", due " + FormatDay(*t.due_on);
      what +=
          t.state == TimescaleState::kBreached
              ? "; still not met, " + std::to_string(t.days_late) + " days past it on " +
                    FormatDay(on)
              : "; met late by " + std::to_string(t.days_late) + " days on " + FormatDay(*t.met_on);
      computed(ep.id, LondonMidnight(limit + 1), "timescaleMissed", what);
    }
    for (const OverdueAction& a : ts.overdue_actions) {
      computed(ep.id, LondonMidnight(a.due_on + 1), "actionOverdue",
               "Action " + a.action_id + " (owner " + a.owner + ", plan of meeting " +
                   a.meeting_id + ") still open past its due day " + FormatDay(a.due_on));
    }
  }
  for (const Concern& c : family.concerns) {
    if (c.above_threshold || c.directed || LondonDay(c.received_at) > on) continue;
    computed(c.episode_id, c.received_at, "concernAwaitingDirection",
             "Concern " + c.id + " awaiting a triage direction since " +
                 FormatDay(LondonDay(c.received_at)) +
                 (c.episode_id.empty() ? " (no open episode when it came)" : ""));
    out.back().concern_id = c.id;
    out.back().direction_status = DirectionStatus(c);
  }
  return out;
}

std::vector<ChronologyEntry> ChronologyWithComputed(const std::vector<ev::Event>& events,
                                                    const Calendar& calendar,
                                                    const PractitionerNames& names, Day on) {
  FamilyState now;
  std::vector<ChronologyEntry> entries = BuildChronologyAndState(events, calendar, names, &now);
  for (auto& e : ComputedEntries(now, calendar, on)) entries.push_back(std::move(e));
  SortChronology(entries);
  return entries;
}

const std::vector<std::string>& ChronologyCategories() {
  static const std::vector<std::string> categories = [] {
    std::vector<std::string> out;
    auto add = [&](std::string_view c) {
      if (!c.empty() && std::find(out.begin(), out.end(), c) == out.end()) out.emplace_back(c);
    };
    for (const KindInfo& kind : AllKinds()) add(kind.category);
    // The note categories in the schema's order: Name gives "unknown" past the last, which
    // does not parse back.
    for (int i = 0;; ++i) {
      const auto category = static_cast<ev::NoteCategory>(i);
      auto parsed = ev::ParseNoteCategory(ev::Name(category));
      if (!parsed.ok() || *parsed != category) break;
      add(ev::Name(category));
    }
    add(kComputedCategory);
    return out;
  }();
  return categories;
}

std::vector<ChronologyEntry> FilterChronology(const std::vector<ChronologyEntry>& entries,
                                              const ChronologyFilter& filter) {
  std::vector<ChronologyEntry> out;
  for (const auto& e : entries) {
    if (!filter.episode.empty() && !e.episode_id.empty() && e.episode_id != filter.episode) {
      continue;
    }
    Day day = LondonDay(e.occurred_at);
    if (filter.from && day < *filter.from) continue;
    if (filter.to && day > *filter.to) continue;
    if (!filter.categories.empty() && filter.categories.count(e.category) == 0) continue;
    if (filter.significant_only && !e.significant) continue;
    out.push_back(e);
  }
  return out;
}

}  // namespace caseledger::projections
