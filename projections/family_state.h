// Family state and the practitioner registry: pure folds of one stream's events.
//
// FamilyState is what a family/<id> stream says now (or as of a seq, when the fold stops
// there): members, episodes with their status, consent, keyworker, TAF members, meetings,
// the action plan, documents and concerns. It is what the rules (rules.h) check an append
// against and what GET /v1/families/{id} shows. Practitioner is the same for a
// practitioner/<id> stream.
//
// Apply() is the one fold, used live (after each durable batch) and in a rebuild; it never
// fails: the rules decided before the event was written, so an event the state cannot place
// (e.g. one appended before a rule existed) is kept in `events` and otherwise ignored.
//
// Thread-safety: values; Apply mutates only its argument.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/domain_event.h"

namespace caseledger::projections {

namespace ev = ledger::ev;

// ------------------------------------------------------------------ practitioners

struct Practitioner {
  std::string id;
  bool registered = false;
  std::string name, agency, email;
  bool practice_standards = false;  // trained in the Families First practice standards
  bool recording_system = false;    // trained in the recording system
  bool active = false;              // registered and not deactivated
  std::string deactivation_reason;
  // registered-practitioner: active with both trainings recorded.
  bool MayRecord() const { return active && practice_standards && recording_system; }
};

void Apply(Practitioner& p, const ev::Event& event);

// ------------------------------------------------------------------ families

enum class EpisodeStatus {
  kOpen,
  kAssessmentInProgress,
  kAssessmentFinalised,
  kConsentWithdrawnClosing,
  kSteppedUp,
  kClosed,
};
std::string_view Name(EpisodeStatus status);  // "open", "assessmentInProgress", ...

struct Consent {
  bool given = false;  // to the assessment (scope assessment)
  bool information_sharing = false;
  std::string given_by;
  int64_t given_at = 0;
  bool refused = false;
  std::string refused_by, refusal_reason;
  int64_t refused_at = 0;
  bool withdrawn = false;
  std::string withdrawn_by, withdrawal_reason;
  int64_t withdrawn_at = 0;
  // The registered members (memberId) who gave, refused or withdrew it, when named.
  std::string given_by_member_id, refused_by_member_id, withdrawn_by_member_id;
};

struct Meeting {
  std::string id;
  ev::MeetingKind kind = ev::MeetingKind::kInitial;
  ev::MeetingOutcome outcome = ev::MeetingOutcome::kContinue;
  std::vector<std::string> attendees;
  std::string next_review_on;  // empty when none was set
  uint64_t seq = 0;
  int64_t held_at = 0;           // occurredAt
  int64_t recorded_at = 0;       // when the meeting itself was recorded
  int64_t plan_recorded_at = 0;  // recordedAt of the first action plan for it, 0 if none
  int64_t shared_at = 0;         // occurredAt of the first outcomeSharedWithParents, 0 if none
};

struct PlanAction {
  ev::Action action;
  std::string meeting_id;  // the meeting whose plan last set it
};

struct Contribution {
  std::string request_id, agency;
  int64_t requested_at = 0;
  int64_t received_at = 0;  // 0 while awaited
};

struct Document {
  std::string id, filename, media_type, sha256;
  uint64_t size = 0;
  int64_t uploaded_at = 0;
  uint64_t seq = 0;
};

struct Episode {
  std::string id;
  EpisodeStatus status = EpisodeStatus::kOpen;
  std::string keyworker_id;
  std::string registration_completed_on;
  uint64_t opened_seq = 0;
  Consent consent;
  std::set<std::string> taf_members;
  int64_t assessment_started_at = 0;
  bool finalised = false;
  int64_t finalised_at = 0;
  bool signed_by_family = false;
  bool copy_given_to_family = false;  // at finalisation, or by a later assessmentSigned
  std::string keyworker_analysis;
  bool hard_to_engage = false;
  // The requests whose contribution had not been received when the assessment was finalised.
  std::vector<std::string> contributions_outstanding_at_finalisation;
  std::vector<Contribution> contributions;
  std::vector<Meeting> meetings;  // in log order
  std::vector<PlanAction> actions;
  std::vector<int64_t> plan_updated_at;  // occurredAt of every actionPlanUpdated, in log order
  std::vector<Document> documents;
  std::set<std::string> note_ids;
  // occurredAt of the latest contact with the family: a TAF meeting held, an outcome shared
  // with the parents, or a case note of category contact or meeting; 0 when none.
  int64_t last_contact_at = 0;
  std::vector<std::string> signposted;
  bool stepped_up = false;
  ev::StepUpTo stepped_up_to = ev::StepUpTo::kAssessmentAndIntervention;
  std::string step_up_reason, step_up_meeting_id;
  int64_t stepped_up_at = 0;  // occurredAt
  int64_t stepped_up_recorded_at = 0;
  bool closed = false;
  ev::ClosureReason closure_reason = ev::ClosureReason::kOther;
  std::string closure_detail, closure_meeting_id;
  int64_t closed_at = 0;
  int64_t closed_recorded_at = 0;

  bool open() const { return !closed; }
  const Meeting* FindMeeting(std::string_view meeting_id) const;
};

struct Direction {
  std::string text, by;
  int64_t at = 0;  // occurredAt
  uint64_t seq = 0;
};

struct Concern {
  std::string id;
  ev::ConcernSource source = ev::ConcernSource::kOther;
  std::string kind, summary;
  bool above_threshold = false;
  std::string episode_id;  // the episode open when it was received, or empty
  uint64_t seq = 0;
  int64_t received_at = 0;  // occurredAt
  int64_t recorded_at = 0;
  bool directed = false;
  std::string direction, directed_by;  // the latest direction
  int64_t directed_at = 0;
  std::vector<Direction> directions;  // every direction given, in log order
  std::string referred_to;            // the latest child-protection referral naming it
  int64_t referred_at = 0;            // its occurredAt, 0 if none
};

struct Correction {
  uint64_t seq = 0;  // the recordCorrected event
  std::string reason, replacement, by;
  int64_t recorded_at = 0;
};

struct FamilyState {
  std::string family_id;
  bool registered = false;
  std::string registered_by;  // the actor id that recorded familyRegistered
  uint32_t version = 0;       // events folded
  uint64_t last_seq = 0;      // seq of the last event folded
  std::vector<ev::Member> members;
  std::string address;
  bool consent_to_check = false;
  std::vector<Episode> episodes;          // in the order opened
  std::vector<Concern> concerns;          // in the order received
  std::set<std::string> family_note_ids;  // notes on the family outside any episode
  // Who asked the Helpdesk to check the family, their identity verified (helpdeskCheckMade):
  // the practitioner working with the family before any episode opens.
  std::set<std::string> checked_for;
  bool legal_hold = false;
  bool erased = false;
  std::map<uint64_t, std::string> events;      // seq -> type, every event of the stream
  std::map<uint64_t, Correction> corrections;  // corrected seq -> its latest correction

  const Episode* FindEpisode(std::string_view id) const;
  Episode* FindEpisode(std::string_view id);
  const Episode* OpenEpisode() const;  // the open episode, if any
  const Concern* FindConcern(std::string_view id) const;
};

// What to do when an open episode's keyworker has left the service.
inline constexpr const char* kNeedsKeyworkerRoute =
    "the episode needs a keyworker: ask the Families First Coordinator (role coordinator) to "
    "assign one (keyworkerAssigned)";

// {"id", "name", "agency", "email"} of a practitioner (only "id" when `p` is null): the
// contact given for an open episode's keyworker. A deactivated practitioner's contact is never
// given: {"id", "active": false, "needsKeyworker": true, "route"} instead.
std::string PractitionerContactJson(const std::string& id, const Practitioner* p);

// The family id of a "family/<id>" stream, or empty.
std::string_view FamilyIdOf(std::string_view stream);

// What Apply did with an event.
enum class Applied {
  kFolded,
  // The event is a recordCorrected that replaces an earlier event's data: the correction is
  // noted in `corrections`, but the state still holds what the corrected event first said.
  // Fold the stream again from its first event (FoldFamily) to have the corrected state.
  kRefoldNeeded,
};

// Folds one event into the state. The caller decides what a correction means for it: every
// read model refolds (kRefoldNeeded); a view of the record as written (the chronology) does not.
[[nodiscard]] Applied Apply(FamilyState& family, const ev::Event& event);

// ------------------------------------------------------------------ corrections
//
// corrections-not-edits: a recordCorrected with a `replacement` replaces the data of the event
// it corrects in every read model, as if the replacement had been recorded in its place: the
// corrected event keeps its seq, both its clocks (occurredAt, recordedAt) and its actor. A
// correction of a correction replaces that correction's own data ({correctsSeq, reason,
// replacement}), so a chain resolves to what its last link says (it may even redirect a
// correction to another seq). Of several corrections of one event, the one recorded last wins,
// a chain counting as recorded when its last link was; one without a replacement only notes
// a reason. A replacement that cannot be read (sealed and its key not at hand, or erased)
// leaves the event as first recorded.

// The events of one family stream (in seq order, all or up to an "as of" seq), each with the
// data its corrections give it. Corrections recorded after the last event given do not count,
// so an "as of" view applies only the corrections recorded by then.
std::vector<ev::Event> WithCorrections(std::vector<ev::Event> events);

// Whether any of `events` is a correction that replaces data.
bool ChangesData(const std::vector<ev::Event>& events);

// The state of a family stream: WithCorrections (a copy, only when ChangesData), then Apply
// of each event.
FamilyState FoldFamily(const std::vector<ev::Event>& events);

}  // namespace caseledger::projections
