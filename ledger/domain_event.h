// The domain events as plain C++ values: what projections/ folds and the rules check.
//
// One struct per event kind of ledger/event.capnp (EVENTS.md), with the same field names in
// snake_case, and `Body`, a std::variant over all of them. Projections visit a Body with one
// overload per kind and no catch-all, so adding a kind to the schema makes the compiler name
// every fold that must learn it. Decoding (Decode, DecodeDraft) and EncodeDraft are the only
// places that touch Cap'n Proto.
//
// Dates (`..._on`) are "YYYY-MM-DD" (a day in Europe/London); times are microseconds since
// the epoch, UTC. An optional field that was absent is empty. Personal data (a `Sealed` in
// the schema) is decoded to its text; a sealed value whose key is not at hand reads as
// kSealedPlaceholder, or kErasedPlaceholder when the family was erased (its keys destroyed).
//
// Thread-safety: values; the functions are safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ledger/event.h"
#include "ledger/status.h"

namespace caseledger::ledger::ev {

inline constexpr std::string_view kSealedPlaceholder = "[sealed]";
inline constexpr std::string_view kErasedPlaceholder = "[erased]";

// Enumerations keep the schema's ordinals; Name() gives the JSON spelling.
enum class Course { kPracticeStandards, kRecordingSystem };
enum class MemberRole { kChild, kParent, kCarer, kOther };
enum class ConsentScope { kAssessment, kInformationSharing };
enum class ConsentMethod { kWritten, kVerbal };
enum class NoteCategory {
  kContact,
  kMeeting,
  kPractitionerUpdate,
  kFamilyUpdate,
  kSignificantEvent,
  kProgress,
  kDocumentReceived,
  kLetterSent,
  kSupportRequest,
  kOther,
};
enum class MeetingKind { kInitial, kReview, kClosure };
enum class MeetingOutcome { kContinue, kStepUp, kClose };
enum class ActionStatus { kOpen, kDone, kDropped };
enum class ConcernSource { kPolice, kSchool, kHealth, kProfessional, kPublic, kOther };
enum class StepUpTo { kAssessmentAndIntervention, kFamilySafeguarding };
enum class ClosureReason {
  kNeedsMet,
  kConsentWithdrawn,
  kSteppedUp,
  kMovedOutOfArea,
  kSingleAgencySufficient,
  kOther,
};
enum class HelpdeskCheckResult { kOpenEpisodeFound, kNoOpenEpisode };
enum class AdviceSource {
  kLineManager,
  kSeniorCoordinator,
  kFamiliesFirstCoordinator,
  kEarlyHelpAdviceLine,
  kOther,
};

std::string_view Name(Course v);
std::string_view Name(MemberRole v);
std::string_view Name(ConsentScope v);
std::string_view Name(ConsentMethod v);
std::string_view Name(NoteCategory v);
std::string_view Name(MeetingKind v);
std::string_view Name(MeetingOutcome v);
std::string_view Name(ActionStatus v);
std::string_view Name(ConcernSource v);
std::string_view Name(StepUpTo v);
std::string_view Name(ClosureReason v);
std::string_view Name(HelpdeskCheckResult v);
std::string_view Name(AdviceSource v);
// The category named `name` (JSON spelling); kInvalidArgument otherwise.
Result<NoteCategory> ParseNoteCategory(std::string_view name);

// practitioner/<id> streams
struct PractitionerRegistered {
  std::string name, agency, email;
};
struct PractitionerTrained {
  Course course;
  std::string completed_on;
};
struct PractitionerDeactivated {
  std::string reason;
};

// family/<id> streams
struct Member {
  std::string member_id;
  MemberRole role;
  std::string name;
  std::string date_of_birth;
};
struct FamilyRegistered {
  std::vector<Member> members;
  std::string address;
};
struct ConsentToCheckGiven {
  std::string given_by;
};
struct EpisodeOpened {
  std::string episode_id, keyworker_id, registration_completed_on;
};
struct ConsentGiven {
  std::string episode_id, given_by;
  ConsentScope scope;
  ConsentMethod method;
  std::string member_id;
};
struct ConsentRefused {
  std::string episode_id, refused_by, reason, member_id;
};
struct ConsentWithdrawn {
  std::string episode_id, withdrawn_by, reason, member_id;
};
struct KeyworkerAssigned {
  std::string episode_id, practitioner_id;
};
struct TafMemberAdded {
  std::string episode_id, practitioner_id;
};
struct TafMemberRemoved {
  std::string episode_id, practitioner_id;
};
struct AssessmentStarted {
  std::string episode_id;
};
struct ContributionRequested {
  std::string episode_id, request_id, agency;
};
struct ContributionReceived {
  std::string episode_id, request_id;
};
struct AssessmentFinalised {
  std::string episode_id;
  bool signed_by_family;
  bool copy_given_to_family;
  std::string keyworker_analysis;
  bool hard_to_engage = false;
};
struct CaseNoteAdded {
  std::string episode_id, note_id;
  NoteCategory category;
  std::string text;
  bool significant;
  std::string source_agency;
};
struct DocumentUploaded {
  std::string episode_id, document_id, filename, media_type, sha256;
  uint64_t size;
};
struct TafMeetingHeld {
  std::string episode_id, meeting_id;
  MeetingKind kind;
  std::vector<std::string> attendees;
  MeetingOutcome outcome;
  std::string next_review_on;
};
struct Action {
  std::string action_id, description, owner, due_on;
  ActionStatus status;
};
struct ActionPlanUpdated {
  std::string episode_id, meeting_id;
  std::vector<Action> actions;
};
struct OutcomeSharedWithParents {
  std::string episode_id, meeting_id;
};
struct ConcernReceived {
  std::string concern_id;
  ConcernSource source;
  std::string kind, summary;
  bool above_threshold;
};
struct TriageDirectionGiven {
  std::string concern_id, direction;
};
struct SteppedUp {
  std::string episode_id;
  StepUpTo to;
  std::string reason, meeting_id;
};
struct Signposted {
  std::string episode_id;
  std::vector<std::string> services;
};
struct EpisodeClosed {
  std::string episode_id;
  ClosureReason reason;
  std::string detail, meeting_id;
};
struct RecordCorrected {
  uint64_t corrects_seq;
  std::string reason;
  std::string replacement;  // JSON text of the corrected data object, or empty
};
struct LegalHoldApplied {
  std::string reason;
};
struct LegalHoldReleased {
  std::string reason;
};
struct FamilyErased {
  std::string reason, authorised_by;
};

// the access stream
struct RecordViewed {
  std::string family_id, view, purpose;
};

// family/<id> streams, added in the second edition
struct HelpdeskCheckMade {
  std::string asked_by;
  bool identity_verified;
  HelpdeskCheckResult result;
  std::string contact_given, episode_id;
};
struct AssessmentSigned {
  std::string episode_id;
  bool signed_by_family;
  bool copy_given_to_family;
  std::string signed_by;
};
struct ChildProtectionReferralMade {
  std::string concern_id, episode_id, referred_to, reason;
};
struct AdviceSought {
  std::string episode_id;
  AdviceSource from;
  std::string summary, outcome;
};
struct FamilyNoteAdded {
  std::string note_id;
  NoteCategory category;
  std::string text;
  bool significant;
  std::string source_agency;
};

// In the schema's union order.
using Body =
    std::variant<PractitionerRegistered, PractitionerTrained, PractitionerDeactivated,
                 FamilyRegistered, ConsentToCheckGiven, EpisodeOpened, ConsentGiven, ConsentRefused,
                 ConsentWithdrawn, KeyworkerAssigned, TafMemberAdded, TafMemberRemoved,
                 AssessmentStarted, ContributionRequested, ContributionReceived,
                 AssessmentFinalised, CaseNoteAdded, DocumentUploaded, TafMeetingHeld,
                 ActionPlanUpdated, OutcomeSharedWithParents, ConcernReceived, TriageDirectionGiven,
                 SteppedUp, Signposted, EpisodeClosed, RecordCorrected, LegalHoldApplied,
                 LegalHoldReleased, FamilyErased, RecordViewed, HelpdeskCheckMade, AssessmentSigned,
                 ChildProtectionReferralMade, AdviceSought, FamilyNoteAdded>;

// A recorded event, decoded: the envelope of RecordedEvent (without the stored bytes) and
// its body.
struct Event {
  uint64_t seq = 0;
  std::string stream;
  uint32_t version = 0;
  EventId event_id;
  std::string type;
  int64_t occurred_at = 0;
  int64_t recorded_at = 0;
  Actor actor;
  uint64_t corrects = 0;
  Hash leaf_hash{};
  Body body;
};

// Decodes a stored event. kDataLoss (naming its seq) if the bytes do not decode.
Result<Event> Decode(const RecordedEvent& recorded);
// The body of a draft (an event not yet appended). kInvalidArgument if it does not decode.
Result<Body> DecodeDraft(const EventDraft& draft);

// The draft of an event made in code (an access record, an erasure), without JSON: the same
// draft, word for word, as ParseEventJson makes of the equivalent event object, whose "data"
// holds the fields in the schema's order and leaves out an empty optional field (as
// DecodeDraft reads an absent one). Checked as a request is: ids, dates and the closed forms
// of clear text, text UTF-8 without NUL, enumerants, integers a JSON number holds, the size
// limit, and occurredAt in the years 0000-9999; a RecordCorrected's replacement must be a JSON
// object's text. kInvalidArgument naming the field as ParseEventJson would ("occurredAt",
// "data.familyId", "data.members[0].name", "data") on the first that is not.
Result<EventDraft> EncodeDraft(const EventId& id, int64_t occurred_at, const Body& body);

// Overload set for std::visit: Overloaded{[](const A&) {...}, [](const B&) {...}}.
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace caseledger::ledger::ev
