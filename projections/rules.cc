#include "projections/rules.h"

#include <limits>
#include <map>
#include <type_traits>

#include "ledger/json_codec.h"
#include "ledger/time_format.h"
#include "projections/calendar.h"
#include "projections/event_kinds.h"
#include "projections/permission.h"

namespace caseledger::projections {
namespace {

using ledger::JsonQuote;

StreamKind StreamKindOf(std::string_view stream) {
  if (stream.starts_with("family/")) return StreamKind::kFamily;
  if (stream.starts_with("practitioner/")) return StreamKind::kPractitioner;
  return StreamKind::kAccess;
}

Status Refuse(const char* rule, std::string message, std::string details = {}) {
  return Status::RuleViolated(rule, std::move(message), std::move(details));
}

bool Blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

// What an event on an episode may need of it.
struct Need {
  bool consent = false;           // consent-before-assessment
  bool after_withdrawal = false;  // allowed once consent is withdrawn
  bool after_closure = false;     // allowed on a closed episode
  bool after_step_up = true;      // allowed once the episode is stepped up (stepped-up)
};
constexpr Need kAssessmentWork{true, false, false, false};
constexpr Need kEpisodeWork{false, false, false, true};
constexpr Need kNoteOrCorrection{false, true, true, true};

using PractitionerLookup = std::function<Result<const Practitioner*>(const std::string&)>;

// Judges one family event against the family as it stands (including the events before it
// in the same request). One overload per kind; the kinds of other streams never get here.
struct FamilyCheck {
  const FamilyState& f;
  const PractitionerLookup& practitioner;
  // Whether the family's document with this sha256 (hex) is stored; null: not checked.
  const std::function<Result<bool>(const std::string&)>* document_stored = nullptr;
  int64_t occurred_at = 0;  // the event's two clocks
  int64_t recorded_at = 0;
  // Whether keyworkers and TAF members named are checked against the practitioners as they
  // are now (false when history is judged again for a correction: they were checked then).
  bool check_leads = true;

  // no-future-events for a date in the data: not after the day the event is recorded.
  Status NotAfterRecorded(const std::string& date, std::string_view field) const {
    auto day = ParseDay(date, field);
    if (!day.ok()) return Status();  // the schema checked the form; an absent one is empty
    Day recorded = LondonDay(recorded_at);
    if (*day <= recorded) return Status();
    return Refuse("no-future-events", std::string(field) + " " + date +
                                          " is after the day it is recorded (" +
                                          FormatDay(recorded) +
                                          "): record it on or after that day, or correct the date");
  }
  // dates-in-order: what follows a meeting is not dated before the meeting.
  Status NotBeforeMeeting(const projections::Episode* ep, const std::string& meeting_id,
                          std::string_view what) const {
    const projections::Meeting* m = ep == nullptr ? nullptr : ep->FindMeeting(meeting_id);
    if (m == nullptr || LondonDay(occurred_at) >= LondonDay(m->held_at)) return Status();
    return Refuse("dates-in-order", std::string(what) + " on " + FormatDay(LondonDay(occurred_at)) +
                                        " is before meeting " + meeting_id + " it follows (held " +
                                        FormatDay(LondonDay(m->held_at)) +
                                        "): check occurredAt and the meetingId");
  }

  Status Episode(const std::string& id, std::string_view what, Need need,
                 const Episode** out = nullptr) const {
    const projections::Episode* ep = f.FindEpisode(id);
    if (ep == nullptr) {
      return Refuse("known-references",
                    "episode " + id + " does not exist in family " + f.family_id);
    }
    if (out != nullptr) *out = ep;
    if (ep->closed && !need.after_closure) {
      return Refuse("closure-needs-reason",
                    "episode " + id + " is closed (" + std::string(ev::Name(ep->closure_reason)) +
                        "): it takes only case notes and corrections, not " + std::string(what));
    }
    if (ep->consent.withdrawn && !need.after_withdrawal) {
      return Refuse("withdrawal-stops-work",
                    "consent to episode " + id +
                        " was withdrawn: only case notes, signposting, advice sought, a "
                        "child-protection referral and the closure (reason consentWithdrawn) "
                        "may be recorded, not " +
                        std::string(what));
    }
    if (ep->stepped_up && !need.after_step_up) {
      return Refuse("stepped-up",
                    "episode " + id + " was stepped up to " +
                        std::string(ev::Name(ep->stepped_up_to)) +
                        ": the FFA stops there, so not " + std::string(what) +
                        "; case notes, sharing a meeting's outcome and the closure (reason "
                        "steppedUp) may still be recorded");
    }
    if (need.consent && !ep->consent.given) {
      return Refuse("consent-before-assessment",
                    "no consent to the assessment has been given on episode " + id +
                        ": record consentGiven (scope assessment) before " + std::string(what));
    }
    return Status();
  }

  Status MayLead(const std::string& id, std::string_view as) const {
    if (!check_leads) return Status();
    CL_ASSIGN_OR_RETURN(const Practitioner* p, practitioner(id));
    if (p == nullptr || !p->MayRecord()) {
      return Refuse("registered-practitioner",
                    "practitioner " + id + " cannot be " + std::string(as) + ": " +
                        (p == nullptr ? "not registered"
                         : !p->active ? "deactivated"
                                      : "both trainings (practice standards and recording "
                                        "system) must be recorded first"));
    }
    return Status();
  }

  Status Meeting(const projections::Episode* ep, const std::string& meeting_id) const {
    if (ep != nullptr && !meeting_id.empty() && ep->FindMeeting(meeting_id) == nullptr) {
      return Refuse("known-references",
                    "meeting " + meeting_id + " was not held in episode " + ep->id);
    }
    return Status();
  }

  // known-references: a member named by memberId is one of the family's registered members.
  Status Member(const std::string& member_id, std::string_view what) const {
    if (member_id.empty()) return Status();
    for (const auto& m : f.members) {
      if (m.member_id == member_id) return Status();
    }
    return Refuse("known-references", "memberId " + member_id + " of " + std::string(what) +
                                          " is not a registered member of family " + f.family_id +
                                          ": name a memberId of familyRegistered, or correct "
                                          "the registration first");
  }

  Status operator()(const ev::FamilyRegistered&) const {
    return Refuse("corrections-not-edits", "family " + f.family_id +
                                               " is already registered; to fix its details, "
                                               "append a recordCorrected naming the seq");
  }
  Status operator()(const ev::ConsentToCheckGiven&) const { return Status(); }
  Status operator()(const ev::EpisodeOpened& b) const {
    if (const projections::Episode* open = f.OpenEpisode()) {
      CL_ASSIGN_OR_RETURN(const Practitioner* kw, practitioner(open->keyworker_id));
      std::string contact =
          kw == nullptr ? "contact its keyworker " + open->keyworker_id
          : !kw->active
              ? std::string("its keyworker has left the service, so ") + kNeedsKeyworkerRoute
              : "contact its keyworker " + kw->name + " (" + kw->email + ")";
      return Refuse(
          "one-open-episode",
          "family " + f.family_id + " already has an open episode, " + open->id + "; " + contact,
          "{\"episodeId\":" + JsonQuote(open->id) +
              ",\"keyworker\":" + PractitionerContactJson(open->keyworker_id, kw) + "}");
    }
    if (f.FindEpisode(b.episode_id) != nullptr) {
      return Refuse("corrections-not-edits",
                    "episode " + b.episode_id + " already exists: a new episode needs a new id");
    }
    CL_RETURN_IF_ERROR(NotAfterRecorded(b.registration_completed_on, "registrationCompletedOn"));
    return MayLead(b.keyworker_id, "keyworker");
  }
  Status operator()(const ev::ConsentGiven& b) const {
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "consentGiven", kEpisodeWork));
    return Member(b.member_id, "consentGiven");
  }
  Status operator()(const ev::ConsentRefused& b) const {
    CL_RETURN_IF_ERROR(Member(b.member_id, "consentRefused"));
    if (b.episode_id.empty()) return Status();  // refused at the outset
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "consentRefused", kEpisodeWork, &ep));
    if (ep->consent.given) {
      return Refuse("consent-order", "consent was given on episode " + b.episode_id +
                                         ": a refusal comes before consent; if the family no "
                                         "longer agrees, record consentWithdrawn");
    }
    return Status();
  }
  Status operator()(const ev::ConsentWithdrawn& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "a second withdrawal", kEpisodeWork, &ep));
    CL_RETURN_IF_ERROR(Member(b.member_id, "consentWithdrawn"));
    if (!ep->consent.given) {
      return Refuse("consent-order", "no consent was given on episode " + b.episode_id +
                                         " to withdraw: record consentRefused if the family "
                                         "declines the FFA");
    }
    return Status();
  }
  Status operator()(const ev::KeyworkerAssigned& b) const {
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "keyworkerAssigned", kEpisodeWork));
    return MayLead(b.practitioner_id, "keyworker");
  }
  Status operator()(const ev::TafMemberAdded& b) const {
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "tafMemberAdded", kEpisodeWork));
    return MayLead(b.practitioner_id, "a TAF member");
  }
  Status operator()(const ev::TafMemberRemoved& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "tafMemberRemoved", kEpisodeWork, &ep));
    if (ep->taf_members.count(b.practitioner_id) == 0) {
      return Refuse("known-references", "practitioner " + b.practitioner_id +
                                            " is not a TAF member of episode " + b.episode_id);
    }
    return Status();
  }
  Status operator()(const ev::AssessmentStarted& b) const {
    return Episode(b.episode_id, "assessmentStarted", kAssessmentWork);
  }
  Status operator()(const ev::ContributionRequested& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "contributionRequested", kAssessmentWork, &ep));
    for (const auto& c : ep->contributions) {
      if (c.request_id == b.request_id) {
        return Refuse("corrections-not-edits",
                      "contribution request " + b.request_id + " already exists");
      }
    }
    return Status();
  }
  Status operator()(const ev::ContributionReceived& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "contributionReceived", kAssessmentWork, &ep));
    for (const auto& c : ep->contributions) {
      if (c.request_id == b.request_id) return Status();
    }
    return Refuse("known-references", "no contribution request " + b.request_id +
                                          " was made in episode " + b.episode_id);
  }
  Status operator()(const ev::AssessmentFinalised& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "assessmentFinalised", kAssessmentWork, &ep));
    if (ep->finalised) {
      return Refuse("corrections-not-edits", "the assessment of episode " + b.episode_id +
                                                 " is already finalised; correct it instead");
    }
    if (b.hard_to_engage && Blank(b.keyworker_analysis)) {
      return Refuse("analysis-when-hard-to-engage",
                    "the family was hard to engage (hardToEngage): record in keyworkerAnalysis "
                    "what information could be gathered and the difficulties met in trying to "
                    "gain the rest");
    }
    return Status();
  }
  Status operator()(const ev::CaseNoteAdded& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "caseNoteAdded", kNoteOrCorrection, &ep));
    if (ep->note_ids.count(b.note_id) != 0) {
      return Refuse("corrections-not-edits",
                    "note " + b.note_id + " already exists in episode " + b.episode_id +
                        ": to change it, append a recordCorrected naming its seq");
    }
    return Status();
  }
  Status operator()(const ev::DocumentUploaded& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "documentUploaded", kEpisodeWork, &ep));
    for (const auto& d : ep->documents) {
      if (d.id == b.document_id) {
        return Refuse("corrections-not-edits", "document " + b.document_id + " already exists");
      }
    }
    if (document_stored != nullptr) {
      CL_ASSIGN_OR_RETURN(bool stored, (*document_stored)(b.sha256));
      if (!stored) {
        return Refuse("known-references", "no document with sha256 " + b.sha256 +
                                              " was stored for family " + f.family_id +
                                              ": POST its bytes to /v1/families/" + f.family_id +
                                              "/documents first");
      }
    }
    return Status();
  }
  Status operator()(const ev::TafMeetingHeld& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "tafMeetingHeld", kAssessmentWork, &ep));
    if (ep->FindMeeting(b.meeting_id) != nullptr) {
      return Refuse("corrections-not-edits", "meeting " + b.meeting_id + " is already recorded");
    }
    if (auto next = ParseDay(b.next_review_on, "nextReviewOn");
        next.ok() && *next <= LondonDay(occurred_at)) {
      return Refuse("dates-in-order", "nextReviewOn " + b.next_review_on +
                                          " is not after the meeting (" +
                                          FormatDay(LondonDay(occurred_at)) +
                                          "): the next review is set for a later day");
    }
    return Status();
  }
  Status operator()(const ev::ActionPlanUpdated& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "actionPlanUpdated", kAssessmentWork, &ep));
    if (b.meeting_id.empty()) return Status();
    return Meeting(ep, b.meeting_id);
  }
  Status operator()(const ev::OutcomeSharedWithParents& b) const {
    const projections::Episode* ep = nullptr;
    // The parents are owed the outcome within 5 working days even when the meeting closed the
    // episode (share-within-5-wd).
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "outcomeSharedWithParents", {true, false, true}, &ep));
    CL_RETURN_IF_ERROR(Meeting(ep, b.meeting_id));
    return NotBeforeMeeting(ep, b.meeting_id, "the outcome shared");
  }
  Status operator()(const ev::ConcernReceived& b) const {
    if (f.FindConcern(b.concern_id) != nullptr) {
      return Refuse("corrections-not-edits", "concern " + b.concern_id + " is already recorded");
    }
    return Status();
  }
  Status operator()(const ev::TriageDirectionGiven& b) const {
    const Concern* c = f.FindConcern(b.concern_id);
    if (c == nullptr) {
      return Refuse("known-references",
                    "no concern " + b.concern_id + " was received for family " + f.family_id);
    }
    if (c->above_threshold) {
      return Refuse("concern-routing",
                    "concern " + b.concern_id +
                        " is above the child-protection threshold: it is a child-protection "
                        "referral, outside the FFA and triage; step the episode up (steppedUp "
                        "to familySafeguarding) instead of giving a triage direction");
    }
    return Status();
  }
  Status operator()(const ev::SteppedUp& b) const {
    const projections::Episode* ep = nullptr;
    // Escalation to safeguarding stays possible after a withdrawal.
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "steppedUp", {false, true, false, true}, &ep));
    if (ep->stepped_up) {
      return Refuse("corrections-not-edits", "episode " + b.episode_id + " is already stepped up");
    }
    CL_RETURN_IF_ERROR(Meeting(ep, b.meeting_id));
    return NotBeforeMeeting(ep, b.meeting_id, "the step-up");
  }
  Status operator()(const ev::Signposted& b) const {
    if (b.episode_id.empty()) return Status();
    return Episode(b.episode_id, "signposted", {false, true, false, true});
  }
  Status operator()(const ev::EpisodeClosed& b) const {
    const projections::Episode* ep = f.FindEpisode(b.episode_id);
    if (ep != nullptr && ep->closed) {
      return Refuse("closure-needs-reason", "episode " + b.episode_id + " is already closed");
    }
    bool for_withdrawal = b.reason == ev::ClosureReason::kConsentWithdrawn;
    bool for_step_up = b.reason == ev::ClosureReason::kSteppedUp;
    CL_RETURN_IF_ERROR(Episode(b.episode_id,
                               "a closure for another reason than consentWithdrawn or steppedUp",
                               {false, for_withdrawal || for_step_up, false, true}, &ep));
    if (b.reason == ev::ClosureReason::kOther && b.detail.empty()) {
      return Refuse("closure-needs-reason", "closing for reason \"other\" needs a detail");
    }
    if (for_withdrawal && !ep->consent.withdrawn) {
      return Refuse("closure-needs-reason",
                    "closing for consentWithdrawn needs the withdrawal and its reason recorded "
                    "first (consentWithdrawn)");
    }
    if (b.reason == ev::ClosureReason::kSteppedUp && !ep->stepped_up) {
      return Refuse("closure-needs-reason",
                    "closing for steppedUp needs the step-up recorded first (steppedUp)");
    }
    CL_RETURN_IF_ERROR(Meeting(ep, b.meeting_id));
    return NotBeforeMeeting(ep, b.meeting_id, "the closure");
  }
  Status operator()(const ev::RecordCorrected& b) const {
    auto it = f.events.find(b.corrects_seq);
    if (it == f.events.end()) {
      return Refuse("known-references", "seq " + std::to_string(b.corrects_seq) +
                                            " is not an event of family " + f.family_id);
    }
    if (b.replacement.empty()) return Status();
    auto parsed = ledger::ParseEventData(it->second, b.replacement);
    if (!parsed.ok()) {
      return Refuse(
          "corrections-not-edits",
          "the replacement is not a valid " + it->second + ": " + parsed.status().message() +
              (parsed.status().field().empty() ? "" : " (" + parsed.status().field() + ")"));
    }
    return Status();
  }
  Status operator()(const ev::LegalHoldApplied&) const { return Status(); }
  Status operator()(const ev::LegalHoldReleased&) const {
    if (!f.legal_hold) {
      return Refuse("known-references", "family " + f.family_id + " has no legal hold to release");
    }
    return Status();
  }
  Status operator()(const ev::FamilyErased&) const {
    if (f.legal_hold) {
      return Refuse("legal-hold", "family " + f.family_id +
                                      " is under a legal hold: release it (legalHoldReleased) "
                                      "before erasing");
    }
    return Status();
  }
  Status operator()(const ev::HelpdeskCheckMade& b) const {
    if (b.episode_id.empty() || f.FindEpisode(b.episode_id) != nullptr) return Status();
    return Refuse("known-references",
                  "episode " + b.episode_id + " does not exist in family " + f.family_id);
  }
  Status operator()(const ev::AssessmentSigned& b) const {
    const projections::Episode* ep = nullptr;
    CL_RETURN_IF_ERROR(Episode(b.episode_id, "assessmentSigned", kEpisodeWork, &ep));
    if (!ep->finalised) {
      return Refuse("known-references", "the assessment of episode " + b.episode_id +
                                            " is not finalised: the family signs (or is given "
                                            "a copy of) the finalised FFA, so record "
                                            "assessmentFinalised first");
    }
    return Status();
  }
  Status operator()(const ev::ChildProtectionReferralMade& b) const {
    if (!b.concern_id.empty() && f.FindConcern(b.concern_id) == nullptr) {
      return Refuse("known-references", "no concern " + b.concern_id + " was received for family " +
                                            f.family_id +
                                            ": record concernReceived first, or leave concernId "
                                            "out");
    }
    if (b.episode_id.empty()) return Status();
    // Safeguarding comes first: a referral is taken whatever the episode's state.
    return Episode(b.episode_id, "childProtectionReferralMade", kNoteOrCorrection);
  }
  Status operator()(const ev::AdviceSought& b) const {
    if (b.episode_id.empty()) return Status();
    // The seeds: after a withdrawal the practitioner may seek advice and signpost.
    return Episode(b.episode_id, "adviceSought", {false, true, false, true});
  }
  Status operator()(const ev::FamilyNoteAdded& b) const {
    if (f.family_note_ids.count(b.note_id) != 0) {
      return Refuse("corrections-not-edits",
                    "note " + b.note_id + " already exists on family " + f.family_id +
                        ": to change it, append a recordCorrected naming its seq");
    }
    return Status();
  }
  template <class T>
  requires std::is_same_v<T, ev::PractitionerRegistered> ||
      std::is_same_v<T, ev::PractitionerTrained> ||
      std::is_same_v<T, ev::PractitionerDeactivated> || std::is_same_v<T, ev::RecordViewed>
          Status operator()(const T&) const {
    return Status::Internal("a non-family event reached the family rules");
  }
};

// The provisional event the rules fold while judging a request (its seq is not known yet).
ev::Event Provisional(const ledger::AppendRequest& request, size_t i, int64_t recorded_at,
                      uint32_t version, ev::Body body) {
  ev::Event e;
  e.seq = std::numeric_limits<uint64_t>::max() - i;
  e.stream = request.stream;
  e.version = version;
  e.event_id = request.events[i].id();
  e.type = request.events[i].type();
  e.occurred_at = request.events[i].occurred_at();
  e.recorded_at = recorded_at;
  e.actor = request.actor;
  e.corrects = request.events[i].corrects();
  e.body = std::move(body);
  return e;
}

// Every event of a family stream (corrections applied) judged again against the state the
// events before it leave, as when it was appended: the first refusal of each seq. Keyworkers
// and TAF members are checked against the practitioners as they are now only at `lead_seq`
// (the corrected event; 0: nowhere): the others were checked when recorded.
std::map<uint64_t, Status> Rejudge(const std::vector<ev::Event>& events,
                                   const PractitionerLookup& lookup, uint64_t lead_seq) {
  std::map<uint64_t, Status> refused;
  FamilyState f;
  for (const ev::Event& e : events) {
    if (f.family_id.empty()) f.family_id = std::string(FamilyIdOf(e.stream));
    bool registering = std::holds_alternative<ev::FamilyRegistered>(e.body);
    if (f.registered || !registering) {
      Status s = std::visit(
          FamilyCheck{f, lookup, nullptr, e.occurred_at, e.recorded_at, e.seq == lead_seq}, e.body);
      if (!s.ok()) refused.emplace(e.seq, std::move(s));
    }
    (void)Apply(f, e);  // the events are already corrected
  }
  return refused;
}

}  // namespace

void DomainRules::Attach(ledger::Store* store, FamilyCache* cache) {
  store_ = store;
  if (cache == nullptr && store != nullptr) {
    own_cache_ = std::make_unique<FamilyCache>(*store);
    cache = own_cache_.get();
  }
  cache_ = cache;
}

Status DomainRules::Check(const ledger::AppendRequest& request, int64_t recorded_at) {
  StreamKind stream_kind = StreamKindOf(request.stream);
  std::vector<ev::Body> bodies;
  bodies.reserve(request.events.size());
  for (size_t i = 0; i < request.events.size(); ++i) {
    const auto& draft = request.events[i];
    if (draft.occurred_at() > recorded_at + options_.allowed_skew_micros) {
      return Refuse("no-future-events", "events[" + std::to_string(i) + "] happened at " +
                                            ledger::FormatRfc3339(draft.occurred_at()) +
                                            ", later than it is recorded (" +
                                            ledger::FormatRfc3339(recorded_at) + ")");
    }
    CL_ASSIGN_OR_RETURN(ev::Body body, ev::DecodeDraft(draft));
    if (KindOf(body).stream != stream_kind) {
      return Status::InvalidArgument(
          "a " + draft.type() + " event does not belong in stream " + request.stream,
          "events[" + std::to_string(i) + "].type");
    }
    bodies.push_back(std::move(body));
  }
  switch (stream_kind) {
    case StreamKind::kFamily:
      return CheckFamily(request, std::move(bodies), recorded_at);
    case StreamKind::kPractitioner:
      return CheckPractitioner(request, std::move(bodies));
    case StreamKind::kAccess:
      return Status();
  }
  return Status();
}

Status DomainRules::CheckFamily(const ledger::AppendRequest& request, std::vector<ev::Body> bodies,
                                int64_t recorded_at) {
  CL_ASSIGN_OR_RETURN(const FamilyState* current, Family(request.stream));
  FamilyState f = *current;  // judged event by event, each applied before the next
  if (f.family_id.empty()) f.family_id = std::string(FamilyIdOf(request.stream));
  PractitionerLookup lookup = [this](const std::string& id) { return FindPractitioner(id); };
  std::function<Result<bool>(const std::string&)> document_stored =
      [this, &f](const std::string& sha256_hex) -> Result<bool> {
    auto hash = ledger::HashFromHex(sha256_hex);
    if (!hash.ok()) return false;
    return store_->HasBlob(f.family_id, *hash);
  };

  if (request.actor.role == "practitioner") {
    CL_ASSIGN_OR_RETURN(const Practitioner* p, FindPractitioner(request.actor.id));
    if (p == nullptr || !p->MayRecord()) {
      return Refuse("registered-practitioner",
                    "practitioner " + request.actor.id + " may not record FFA work: " +
                        (p == nullptr ? "not a registered practitioner"
                         : !p->active ? "deactivated (" + p->deactivation_reason + ")"
                                      : "both trainings (practice standards and recording "
                                        "system) must be recorded first"));
    }
  }
  if (options_.check_permission && request.actor.role == Name(Role::kPractitioner)) {
    // The API asked when the request arrived; ask again against the state this batch is judged
    // on, so that a practitioner taken off the team meanwhile gets nothing more through. Only
    // a practitioner's rights depend on the family's state (permission.h).
    std::vector<Recording> recordings;
    recordings.reserve(request.events.size());
    for (const auto& draft : request.events) recordings.push_back({draft.type(), draft.corrects()});
    CL_RETURN_IF_ERROR(
        MayAppendToFamily(Role::kPractitioner, request.actor.id, f, recordings, recorded_at));
  }
  std::vector<ev::Event> provisional;  // this request's events before the one judged
  for (size_t i = 0; i < bodies.size(); ++i) {
    ev::Body& body = bodies[i];
    bool registering = std::holds_alternative<ev::FamilyRegistered>(body);
    if (!f.registered && !registering) {
      return Refuse("known-references",
                    "family " + f.family_id + " is not registered: familyRegistered comes first");
    }
    if (f.erased) {
      return Refuse("family-erased",
                    "family " + f.family_id + " was erased: nothing more can be recorded for it")
          .Annotate("events[" + std::to_string(i) + "]");
    }
    const std::string at = "events[" + std::to_string(i) + "]";
    // DOMAIN.md: the triage manager records step-ups "and the closures that follow them".
    if (const auto* closed = std::get_if<ev::EpisodeClosed>(&body);
        closed != nullptr && request.actor.role == "triage-manager" &&
        closed->reason != ev::ClosureReason::kSteppedUp) {
      return Status::PermissionDenied(
                 "a triage manager closes an episode only after its step-up (reason steppedUp); "
                 "the keyworker records the other closures")
          .Annotate(at);
    }
    if (f.registered || !registering) {
      Status s = std::visit(
          FamilyCheck{f, lookup, options_.documents_must_be_stored ? &document_stored : nullptr,
                      request.events[i].occurred_at(), recorded_at},
          body);
      if (!s.ok()) return s.Annotate(at);
    }
    if (std::holds_alternative<ev::RecordCorrected>(body)) {
      checked_corrections_.insert_or_assign(request.events[i].id(), body);
    }
    provisional.push_back(Provisional(request, i, recorded_at, f.version + 1, std::move(body)));
    if (Apply(f, provisional.back()) == Applied::kRefoldNeeded) {
      CL_ASSIGN_OR_RETURN(std::vector<ev::Event> events, StreamEvents(request.stream));
      events.insert(events.end(), provisional.begin(), provisional.end());
      CL_RETURN_IF_ERROR(JudgeCorrection(events, lookup).Annotate(at));
      f = FoldFamily(std::move(events));
    }
  }
  return Status();
}

Status DomainRules::JudgeCorrection(const std::vector<ev::Event>& events,
                                    const PractitionerLookup& lookup) {
  // What the history says without the correction (the last event) and with it: a refusal the
  // correction brings, at any seq, refuses the correction.
  const auto& correction = std::get<ev::RecordCorrected>(events.back().body);
  std::vector<ev::Event> without(events.begin(), events.end() - 1);
  auto before = Rejudge(WithCorrections(std::move(without)), lookup, 0);
  auto after = Rejudge(WithCorrections(events), lookup, correction.corrects_seq);
  for (const auto& [seq, status] : after) {
    if (before.count(seq) != 0) continue;
    std::string type;
    for (const auto& e : events) {
      if (e.seq == seq) type = e.type;
    }
    return Status::RuleViolated(status.rule(),
                                "the correction would make the history break " + status.rule() +
                                    " at seq " + std::to_string(seq) + " (" + type +
                                    "): " + status.message(),
                                status.details());
  }
  return Status();
}

Result<std::vector<ev::Event>> DomainRules::StreamEvents(const std::string& stream) {
  std::vector<ev::Event> out;
  if (cache_ != nullptr) {
    CL_ASSIGN_OR_RETURN(std::shared_ptr<const FamilyModel> committed,
                        CommittedModel(stream, FamilyCache::Need::kEvents));
    out = committed->events;
  }
  if (auto it = staged_events_.find(stream); it != staged_events_.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

Status DomainRules::CheckPractitioner(const ledger::AppendRequest& request,
                                      std::vector<ev::Body> bodies) {
  std::string id = request.stream.substr(std::string_view("practitioner/").size());
  CL_ASSIGN_OR_RETURN(const Practitioner* current, FindPractitioner(id));
  Practitioner p = current != nullptr ? *current : Practitioner{};
  for (size_t i = 0; i < bodies.size(); ++i) {
    ev::Body& body = bodies[i];
    bool registering = std::holds_alternative<ev::PractitionerRegistered>(body);
    if (registering && p.registered) {
      return Refuse("corrections-not-edits", "practitioner " + id + " is already registered");
    }
    if (!registering && !p.registered) {
      return Refuse("known-references", "practitioner " + id +
                                            " is not registered: practitionerRegistered comes "
                                            "first");
    }
    Apply(p, Provisional(request, i, 0, 0, std::move(body)));
  }
  return Status();
}

Result<const FamilyState*> DomainRules::Family(const std::string& stream) {
  if (auto it = staged_families_.find(stream); it != staged_families_.end()) return &it->second;
  if (auto it = recent_.find(stream); it != recent_.end()) {
    recent_lru_.splice(recent_lru_.begin(), recent_lru_, it->second.lru);
    return &it->second.state;
  }
  CL_ASSIGN_OR_RETURN(std::shared_ptr<const FamilyModel> committed,
                      CommittedModel(stream, FamilyCache::Need::kState));
  return &committed->state;
}

Result<std::shared_ptr<const FamilyModel>> DomainRules::CommittedModel(const std::string& stream,
                                                                       FamilyCache::Need need) {
  if (auto it = held_.find(stream); it != held_.end()) {
    if (need == FamilyCache::Need::kState || it->second->has_events) return it->second;
  }
  std::shared_ptr<const FamilyModel> model;
  if (cache_ != nullptr) {
    auto current = cache_->Current(std::string(FamilyIdOf(stream)), need);
    if (current.ok()) {
      model = std::move(current).value();
    } else if (current.status().code() != Code::kNotFound) {
      return current.status();
    }
  }
  if (model == nullptr) model = std::make_shared<const FamilyModel>();  // no events yet
  // The same committed state either way: the batch holds the one with most in it, and keeps
  // every one it handed out (a state pointer from Family() stays valid to the batch's end).
  held_[stream] = model;
  pinned_.push_back(model);
  return model;
}

Result<const Practitioner*> DomainRules::FindPractitioner(const std::string& id) {
  if (!ledger::IsValidId(id)) return static_cast<const Practitioner*>(nullptr);
  if (auto it = staged_practitioners_.find(id); it != staged_practitioners_.end()) {
    return &it->second;
  }
  auto it = practitioners_.find(id);
  if (it == practitioners_.end()) {
    Practitioner p;
    p.id = id;
    if (store_ != nullptr) {
      CL_ASSIGN_OR_RETURN(auto events, store_->ReadStream("practitioner/" + id, 1, SIZE_MAX));
      for (const auto& recorded : events) {
        CL_ASSIGN_OR_RETURN(ev::Event e, ev::Decode(recorded));
        Apply(p, e);
      }
    }
    it = practitioners_.emplace(id, std::move(p)).first;
  }
  if (!it->second.registered) return static_cast<const Practitioner*>(nullptr);
  return &it->second;
}

void DomainRules::Staged(const std::vector<ledger::RecordedEvent>& events) {
  for (const auto& recorded : events) {
    auto decoded = ev::Decode(recorded);
    if (!decoded.ok()) throw std::runtime_error(decoded.status().ToString());  // a bug
    const ev::Event& e = *decoded;
    switch (StreamKindOf(e.stream)) {
      case StreamKind::kFamily: {
        auto it = staged_families_.find(e.stream);
        if (it == staged_families_.end()) {
          auto current = Family(e.stream);
          if (!current.ok()) throw std::runtime_error(current.status().ToString());
          it = staged_families_.emplace(e.stream, **current).first;
        }
        ev::Event clear = *decoded;
        if (std::holds_alternative<ev::RecordCorrected>(clear.body)) {
          // Stored sealed: the replacement as the request gave it, judged by Check.
          auto found = checked_corrections_.find(clear.event_id);
          if (found != checked_corrections_.end()) {
            clear.body = found->second;
          } else {
            reread_.insert(clear.stream);  // not judged here (a recovered batch): not kept
          }
        }
        staged_events_[clear.stream].push_back(clear);
        if (Apply(it->second, clear) == Applied::kRefoldNeeded) {
          auto events = StreamEvents(clear.stream);
          if (!events.ok()) throw std::runtime_error(events.status().ToString());
          it->second = FoldFamily(std::move(events).value());
        }
        break;
      }
      case StreamKind::kPractitioner: {
        std::string id = e.stream.substr(std::string_view("practitioner/").size());
        auto it = staged_practitioners_.find(id);
        if (it == staged_practitioners_.end()) {
          auto current = FindPractitioner(id);
          if (!current.ok()) throw std::runtime_error(current.status().ToString());
          Practitioner base = *current != nullptr ? **current : Practitioner{};
          base.id = id;
          it = staged_practitioners_.emplace(id, std::move(base)).first;
        }
        Apply(it->second, e);
        break;
      }
      case StreamKind::kAccess:
        break;
    }
  }
}

void DomainRules::Committed() {
  // What this batch left of each family it wrote is kept for the next batches (the few most
  // recent: kRecentFamilies); any other is taken from the cache when next met. An erased
  // family, or one whose correction was not judged here, is not kept.
  for (auto& [stream, state] : staged_families_) {
    auto it = recent_.find(stream);
    if (state.erased || reread_.count(stream) != 0) {
      if (it != recent_.end()) {
        recent_lru_.erase(it->second.lru);
        recent_.erase(it);
      }
      continue;
    }
    if (it == recent_.end()) {
      recent_lru_.push_front(stream);
      it = recent_.emplace(stream, Recent{{}, recent_lru_.begin()}).first;
    } else {
      recent_lru_.splice(recent_lru_.begin(), recent_lru_, it->second.lru);
    }
    it->second.state = std::move(state);
  }
  while (recent_.size() > kRecentFamilies) {
    recent_.erase(recent_lru_.back());
    recent_lru_.pop_back();
  }
  for (auto& [id, p] : staged_practitioners_) practitioners_[id] = std::move(p);
  Abandoned();
}

void DomainRules::Abandoned() {
  staged_families_.clear();
  staged_practitioners_.clear();
  staged_events_.clear();
  checked_corrections_.clear();
  held_.clear();
  pinned_.clear();
  reread_.clear();
}

}  // namespace caseledger::projections
