#include "projections/family_state.h"

#include <algorithm>
#include <type_traits>

#include "ledger/json_codec.h"

namespace caseledger::projections {
namespace {

template <class T, class... Ts>
inline constexpr bool kOneOf = (std::is_same_v<T, Ts> || ...);

// The practitioner fold: one overload per kind; the family and access kinds are listed as
// not ours, so a new kind is a compile error here until someone decides.
struct PractitionerFold {
  Practitioner& p;

  void operator()(const ev::PractitionerRegistered& b) {
    p.registered = true;
    p.active = true;
    p.name = b.name;
    p.agency = b.agency;
    p.email = b.email;
  }
  void operator()(const ev::PractitionerTrained& b) {
    (b.course == ev::Course::kPracticeStandards ? p.practice_standards : p.recording_system) = true;
  }
  void operator()(const ev::PractitionerDeactivated& b) {
    p.active = false;
    p.deactivation_reason = b.reason;
  }
  template <class T>
  requires kOneOf<T, ev::FamilyRegistered, ev::ConsentToCheckGiven, ev::EpisodeOpened,
                  ev::ConsentGiven, ev::ConsentRefused, ev::ConsentWithdrawn, ev::KeyworkerAssigned,
                  ev::TafMemberAdded, ev::TafMemberRemoved, ev::AssessmentStarted,
                  ev::ContributionRequested, ev::ContributionReceived, ev::AssessmentFinalised,
                  ev::CaseNoteAdded, ev::DocumentUploaded, ev::TafMeetingHeld,
                  ev::ActionPlanUpdated, ev::OutcomeSharedWithParents, ev::ConcernReceived,
                  ev::TriageDirectionGiven, ev::SteppedUp, ev::Signposted, ev::EpisodeClosed,
                  ev::RecordCorrected, ev::LegalHoldApplied, ev::LegalHoldReleased,
                  ev::FamilyErased, ev::RecordViewed, ev::HelpdeskCheckMade, ev::AssessmentSigned,
                  ev::ChildProtectionReferralMade, ev::AdviceSought, ev::FamilyNoteAdded>
  void operator()(const T&) {}
};

// The family fold.
struct FamilyFold {
  FamilyState& f;
  const ev::Event& e;

  Episode* Ep(const std::string& id) { return f.FindEpisode(id); }
  Meeting* MeetingOf(Episode* ep, const std::string& id) {
    if (ep == nullptr) return nullptr;
    for (auto& m : ep->meetings) {
      if (m.id == id) return &m;
    }
    return nullptr;
  }

  void operator()(const ev::FamilyRegistered& b) {
    f.registered = true;
    f.registered_by = e.actor.id;
    f.members = b.members;
    f.address = b.address;
  }
  void operator()(const ev::ConsentToCheckGiven&) { f.consent_to_check = true; }
  void operator()(const ev::EpisodeOpened& b) {
    Episode ep;
    ep.id = b.episode_id;
    ep.keyworker_id = b.keyworker_id;
    ep.registration_completed_on = b.registration_completed_on;
    ep.opened_seq = e.seq;
    f.episodes.push_back(std::move(ep));
  }
  void operator()(const ev::ConsentGiven& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    if (b.scope == ev::ConsentScope::kAssessment) {
      ep->consent.given = true;
      ep->consent.given_by = b.given_by;
      ep->consent.given_at = e.occurred_at;
      ep->consent.given_by_member_id = b.member_id;
    } else {
      ep->consent.information_sharing = true;
    }
  }
  void operator()(const ev::ConsentRefused& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;  // refused at the outset, before any episode: a record only
    ep->consent.refused = true;
    ep->consent.refused_by = b.refused_by;
    ep->consent.refusal_reason = b.reason;
    ep->consent.refused_at = e.occurred_at;
    ep->consent.refused_by_member_id = b.member_id;
  }
  void operator()(const ev::ConsentWithdrawn& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    ep->consent.withdrawn = true;
    ep->consent.withdrawn_by = b.withdrawn_by;
    ep->consent.withdrawal_reason = b.reason;
    ep->consent.withdrawn_at = e.occurred_at;
    ep->consent.withdrawn_by_member_id = b.member_id;
    if (!ep->closed) ep->status = EpisodeStatus::kConsentWithdrawnClosing;
  }
  void operator()(const ev::KeyworkerAssigned& b) {
    if (Episode* ep = Ep(b.episode_id)) ep->keyworker_id = b.practitioner_id;
  }
  void operator()(const ev::TafMemberAdded& b) {
    if (Episode* ep = Ep(b.episode_id)) ep->taf_members.insert(b.practitioner_id);
  }
  void operator()(const ev::TafMemberRemoved& b) {
    if (Episode* ep = Ep(b.episode_id)) ep->taf_members.erase(b.practitioner_id);
  }
  void operator()(const ev::AssessmentStarted& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    if (ep->assessment_started_at == 0) ep->assessment_started_at = e.occurred_at;
    if (ep->status == EpisodeStatus::kOpen) ep->status = EpisodeStatus::kAssessmentInProgress;
  }
  void operator()(const ev::ContributionRequested& b) {
    if (Episode* ep = Ep(b.episode_id)) {
      ep->contributions.push_back({b.request_id, b.agency, e.occurred_at, 0});
    }
  }
  void operator()(const ev::ContributionReceived& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    for (auto& c : ep->contributions) {
      if (c.request_id == b.request_id && c.received_at == 0) c.received_at = e.occurred_at;
    }
  }
  void operator()(const ev::AssessmentFinalised& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    ep->finalised = true;
    ep->finalised_at = e.occurred_at;
    ep->signed_by_family = b.signed_by_family;
    ep->copy_given_to_family = b.copy_given_to_family;
    ep->keyworker_analysis = b.keyworker_analysis;
    ep->hard_to_engage = b.hard_to_engage;
    ep->contributions_outstanding_at_finalisation.clear();
    for (const auto& c : ep->contributions) {
      if (c.received_at == 0) ep->contributions_outstanding_at_finalisation.push_back(c.request_id);
    }
    if (ep->status == EpisodeStatus::kOpen || ep->status == EpisodeStatus::kAssessmentInProgress) {
      ep->status = EpisodeStatus::kAssessmentFinalised;
    }
  }
  void operator()(const ev::CaseNoteAdded& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    ep->note_ids.insert(b.note_id);
    if (b.category == ev::NoteCategory::kContact || b.category == ev::NoteCategory::kMeeting) {
      Contacted(*ep);
    }
  }
  // A contact with the family, at the event's occurredAt.
  void Contacted(Episode& ep) { ep.last_contact_at = std::max(ep.last_contact_at, e.occurred_at); }
  void operator()(const ev::DocumentUploaded& b) {
    if (Episode* ep = Ep(b.episode_id)) {
      ep->documents.push_back(
          {b.document_id, b.filename, b.media_type, b.sha256, b.size, e.occurred_at, e.seq});
    }
  }
  void operator()(const ev::TafMeetingHeld& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    Meeting m;
    m.id = b.meeting_id;
    m.kind = b.kind;
    m.outcome = b.outcome;
    m.attendees = b.attendees;
    m.next_review_on = b.next_review_on;
    m.seq = e.seq;
    m.held_at = e.occurred_at;
    m.recorded_at = e.recorded_at;
    ep->meetings.push_back(std::move(m));
    Contacted(*ep);
  }
  void operator()(const ev::ActionPlanUpdated& b) {
    Episode* ep = Ep(b.episode_id);
    if (Meeting* m = MeetingOf(ep, b.meeting_id); m != nullptr && m->plan_recorded_at == 0) {
      m->plan_recorded_at = e.recorded_at;
    }
    if (ep == nullptr) return;
    ep->plan_updated_at.push_back(e.occurred_at);
    for (const auto& a : b.actions) {
      auto it = std::find_if(ep->actions.begin(), ep->actions.end(), [&](const PlanAction& p) {
        return p.action.action_id == a.action_id;
      });
      if (it == ep->actions.end()) {
        ep->actions.push_back({a, b.meeting_id});
      } else {
        *it = {a, b.meeting_id};
      }
    }
  }
  void operator()(const ev::OutcomeSharedWithParents& b) {
    Episode* ep = Ep(b.episode_id);
    Meeting* m = MeetingOf(ep, b.meeting_id);
    if (m != nullptr && m->shared_at == 0) m->shared_at = e.occurred_at;
    if (ep != nullptr) Contacted(*ep);
  }
  void operator()(const ev::ConcernReceived& b) {
    Concern c;
    c.id = b.concern_id;
    c.source = b.source;
    c.kind = b.kind;
    c.summary = b.summary;
    c.above_threshold = b.above_threshold;
    if (const Episode* open = f.OpenEpisode()) c.episode_id = open->id;
    c.seq = e.seq;
    c.received_at = e.occurred_at;
    c.recorded_at = e.recorded_at;
    f.concerns.push_back(std::move(c));
  }
  void operator()(const ev::TriageDirectionGiven& b) {
    for (auto& c : f.concerns) {
      if (c.id != b.concern_id) continue;
      c.directed = true;
      c.direction = b.direction;
      c.directed_by = e.actor.id;
      c.directed_at = e.occurred_at;
      c.directions.push_back({b.direction, e.actor.id, e.occurred_at, e.seq});
    }
  }
  void operator()(const ev::SteppedUp& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    ep->stepped_up = true;
    ep->stepped_up_to = b.to;
    ep->step_up_reason = b.reason;
    ep->step_up_meeting_id = b.meeting_id;
    ep->stepped_up_at = e.occurred_at;
    ep->stepped_up_recorded_at = e.recorded_at;
    if (!ep->closed) ep->status = EpisodeStatus::kSteppedUp;
  }
  void operator()(const ev::Signposted& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    ep->signposted.insert(ep->signposted.end(), b.services.begin(), b.services.end());
  }
  void operator()(const ev::EpisodeClosed& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    ep->closed = true;
    ep->status = EpisodeStatus::kClosed;
    ep->closure_reason = b.reason;
    ep->closure_detail = b.detail;
    ep->closure_meeting_id = b.meeting_id;
    ep->closed_at = e.occurred_at;
    ep->closed_recorded_at = e.recorded_at;
  }
  void operator()(const ev::RecordCorrected& b) {
    f.corrections[b.corrects_seq] = {e.seq, b.reason, b.replacement, e.actor.id, e.recorded_at};
  }
  void operator()(const ev::LegalHoldApplied&) { f.legal_hold = true; }
  void operator()(const ev::LegalHoldReleased&) { f.legal_hold = false; }
  void operator()(const ev::FamilyErased&) { f.erased = true; }
  // The Helpdesk's answer and advice sought are in the chronology only: no state follows.
  void operator()(const ev::HelpdeskCheckMade& b) {
    if (b.identity_verified) f.checked_for.insert(b.asked_by);
  }
  void operator()(const ev::AssessmentSigned& b) {
    Episode* ep = Ep(b.episode_id);
    if (ep == nullptr) return;
    if (b.signed_by_family) ep->signed_by_family = true;
    if (b.copy_given_to_family) ep->copy_given_to_family = true;
  }
  void operator()(const ev::ChildProtectionReferralMade& b) {
    for (auto& c : f.concerns) {
      if (c.id != b.concern_id) continue;
      c.referred_to = b.referred_to;
      c.referred_at = e.occurred_at;
    }
  }
  void operator()(const ev::AdviceSought&) {}
  void operator()(const ev::FamilyNoteAdded& b) { f.family_note_ids.insert(b.note_id); }
  template <class T>
  requires kOneOf<T, ev::PractitionerRegistered, ev::PractitionerTrained,
                  ev::PractitionerDeactivated, ev::RecordViewed>
  void operator()(const T&) {}
};

}  // namespace

void Apply(Practitioner& p, const ev::Event& event) {
  if (p.id.empty()) {
    std::string_view s = event.stream;
    if (s.starts_with("practitioner/")) p.id = std::string(s.substr(13));
  }
  std::visit(PractitionerFold{p}, event.body);
}

std::string_view Name(EpisodeStatus status) {
  switch (status) {
    case EpisodeStatus::kOpen:
      return "open";
    case EpisodeStatus::kAssessmentInProgress:
      return "assessmentInProgress";
    case EpisodeStatus::kAssessmentFinalised:
      return "assessmentFinalised";
    case EpisodeStatus::kConsentWithdrawnClosing:
      return "consentWithdrawnClosing";
    case EpisodeStatus::kSteppedUp:
      return "steppedUp";
    case EpisodeStatus::kClosed:
      return "closed";
  }
  return "unknown";
}

const Meeting* Episode::FindMeeting(std::string_view meeting_id) const {
  for (const auto& m : meetings) {
    if (m.id == meeting_id) return &m;
  }
  return nullptr;
}

const Episode* FamilyState::FindEpisode(std::string_view id) const {
  for (const auto& ep : episodes) {
    if (ep.id == id) return &ep;
  }
  return nullptr;
}

Episode* FamilyState::FindEpisode(std::string_view id) {
  for (auto& ep : episodes) {
    if (ep.id == id) return &ep;
  }
  return nullptr;
}

const Episode* FamilyState::OpenEpisode() const {
  for (const auto& ep : episodes) {
    if (ep.open()) return &ep;
  }
  return nullptr;
}

const Concern* FamilyState::FindConcern(std::string_view id) const {
  for (const auto& c : concerns) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::string_view FamilyIdOf(std::string_view stream) {
  constexpr std::string_view kPrefix = "family/";
  return stream.starts_with(kPrefix) ? stream.substr(kPrefix.size()) : std::string_view();
}

std::string PractitionerContactJson(const std::string& id, const Practitioner* p) {
  std::string out = "{\"id\":" + ledger::JsonQuote(id);
  if (p != nullptr && !p->active) {  // left the service: no contact to give
    return out + ",\"active\":false,\"needsKeyworker\":true,\"route\":" +
           ledger::JsonQuote(kNeedsKeyworkerRoute) + "}";
  }
  if (p != nullptr) {
    out += ",\"name\":" + ledger::JsonQuote(p->name) +
           ",\"agency\":" + ledger::JsonQuote(p->agency) +
           ",\"email\":" + ledger::JsonQuote(p->email);
  }
  return out + "}";
}

Applied Apply(FamilyState& family, const ev::Event& event) {
  if (family.family_id.empty()) family.family_id = std::string(FamilyIdOf(event.stream));
  family.version = event.version;
  family.last_seq = event.seq;
  family.events[event.seq] = event.type;
  std::visit(FamilyFold{family, event}, event.body);
  const auto* correction = std::get_if<ev::RecordCorrected>(&event.body);
  return correction != nullptr && !correction->replacement.empty() ? Applied::kRefoldNeeded
                                                                   : Applied::kFolded;
}

std::vector<ev::Event> WithCorrections(std::vector<ev::Event> events) {
  // From the last event back: every correction of an event comes after it, so by the time an
  // event is met its own data is final, and a correction's target is still ahead. A
  // correction counts as recorded when the last link of its chain was: of an event's
  // corrections, the one so recorded last wins.
  struct Replacement {
    const std::string* text;
    uint64_t recorded;  // the seq of the chain's last link
  };
  std::map<uint64_t, Replacement> replacement_of;  // corrected seq -> its replacement
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    ev::Event& e = *it;
    uint64_t recorded = e.seq;
    if (auto found = replacement_of.find(e.seq); found != replacement_of.end()) {
      auto draft = ledger::ParseEventData(e.type, *found->second.text);
      auto body = draft.ok() ? ev::DecodeDraft(*draft) : Result<ev::Body>(draft.status());
      if (body.ok()) {  // else sealed and its key not at hand, or erased: as first recorded
        e.body = std::move(body).value();
        if (const auto* c = std::get_if<ev::RecordCorrected>(&e.body)) e.corrects = c->corrects_seq;
        recorded = found->second.recorded;
      }
    }
    const auto* c = std::get_if<ev::RecordCorrected>(&e.body);
    if (c == nullptr || c->replacement.empty() || c->corrects_seq >= e.seq) continue;
    auto [slot, added] = replacement_of.try_emplace(c->corrects_seq, Replacement{});
    if (added || slot->second.recorded < recorded) slot->second = {&c->replacement, recorded};
  }
  return events;
}

bool ChangesData(const std::vector<ev::Event>& events) {
  return std::any_of(events.begin(), events.end(), [](const ev::Event& e) {
    const auto* c = std::get_if<ev::RecordCorrected>(&e.body);
    return c != nullptr && !c->replacement.empty();
  });
}

FamilyState FoldFamily(const std::vector<ev::Event>& events) {
  FamilyState state;
  if (!ChangesData(events)) {  // the common case: no copy
    for (const auto& e : events) (void)Apply(state, e);
    return state;
  }
  for (const auto& e : WithCorrections(events)) (void)Apply(state, e);
  return state;
}

}  // namespace caseledger::projections
