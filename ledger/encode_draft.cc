// EncodeDraft: a Body built straight into the draft message, for the events the ledger and its
// callers make in code. The fields are set in the schema's order, which is the order of the
// JSON a request would carry (EVENTS.md), and allocated as Cap'n Proto 0.9.2's JSON codec
// allocates them (a list's structs built apart, then moved in), so the words are those
// ParseEventJson makes of that JSON: tests/ledger/encode_draft_test.cc holds them equal for
// every kind. The checks are a request's: CheckBuilt on the built body, the event's time, and
// DraftOf's size limit. Part of "the codec" of STYLE.md item 4: Cap'n Proto's exceptions are
// caught here.
#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/orphan.h>
#include <kj/exception.h>

#include "ledger/domain_event.h"
#include "ledger/event.capnp.h"
#include "ledger/internal/codec.h"
#include "ledger/internal/json_text.h"
#include "ledger/internal/schema_check.h"
#include "ledger/time_format.h"

namespace caseledger::ledger::ev {
namespace {

namespace s = schema;

capnp::Text::Reader T(const std::string& text) { return {text.data(), text.size()}; }

void Clear(s::Sealed::Builder sealed, const std::string& text) { sealed.setClear(T(text)); }

template <typename To, typename From>
To As(From v) {
  return static_cast<To>(static_cast<uint16_t>(v));
}

// Sets element `i` of a list of structs as Cap'n Proto's JSON codec does: built apart (an
// orphan), then moved into the list, which leaves the orphan's words unused in the message.
template <typename T, typename Fn>
void SetElement(capnp::Orphanage orphanage, typename capnp::List<T>::Builder list, unsigned i,
                Fn&& fill) {
  capnp::Orphan<T> element = orphanage.newOrphan<T>();
  fill(element.get());
  list.adoptWithCaveats(i, kj::mv(element));
}

void SetSealedList(capnp::Orphanage orphanage, capnp::List<s::Sealed>::Builder list,
                   const std::vector<std::string>& texts) {
  for (unsigned i = 0; i < list.size(); ++i) {
    SetElement<s::Sealed>(orphanage, list, i, [&](s::Sealed::Builder b) { Clear(b, texts[i]); });
  }
}

// One call per kind: std::visit refuses to compile while a kind of Body has none. An optional
// field (event.capnp, $optional) is set only when not empty, as DecodeDraft reads an absent one.
struct Fill {
  s::Event::Builder e;
  capnp::Orphanage orphanage;      // of e's message
  const std::string& replacement;  // a recordCorrected's, as the codec keeps JSON text

  void operator()(const PractitionerRegistered& v) {
    auto d = e.initPractitionerRegistered();
    d.setName(T(v.name));
    d.setAgency(T(v.agency));
    d.setEmail(T(v.email));
  }
  void operator()(const PractitionerTrained& v) {
    auto d = e.initPractitionerTrained();
    d.setCourse(As<s::Course>(v.course));
    d.setCompletedOn(T(v.completed_on));
  }
  void operator()(const PractitionerDeactivated& v) {
    e.initPractitionerDeactivated().setReason(T(v.reason));
  }
  void operator()(const FamilyRegistered& v) {
    auto d = e.initFamilyRegistered();
    auto members = d.initMembers(static_cast<unsigned>(v.members.size()));
    for (unsigned i = 0; i < members.size(); ++i) {
      const Member& m = v.members[i];
      SetElement<s::Member>(orphanage, members, i, [&](s::Member::Builder b) {
        b.setMemberId(T(m.member_id));
        b.setRole(As<s::MemberRole>(m.role));
        Clear(b.initName(), m.name);
        if (!m.date_of_birth.empty()) Clear(b.initDateOfBirth(), m.date_of_birth);
      });
    }
    if (!v.address.empty()) Clear(d.initAddress(), v.address);
  }
  void operator()(const ConsentToCheckGiven& v) {
    auto d = e.initConsentToCheckGiven();
    Clear(d.initGivenBy(), v.given_by);
    d.setMethod(s::CheckMethod::VERBAL);  // the only method
  }
  void operator()(const EpisodeOpened& v) {
    auto d = e.initEpisodeOpened();
    d.setEpisodeId(T(v.episode_id));
    d.setKeyworkerId(T(v.keyworker_id));
    d.setRegistrationCompletedOn(T(v.registration_completed_on));
  }
  void operator()(const ConsentGiven& v) {
    auto d = e.initConsentGiven();
    d.setEpisodeId(T(v.episode_id));
    Clear(d.initGivenBy(), v.given_by);
    d.setScope(As<s::ConsentScope>(v.scope));
    d.setMethod(As<s::ConsentMethod>(v.method));
    if (!v.member_id.empty()) d.setMemberId(T(v.member_id));
  }
  void operator()(const ConsentRefused& v) {
    auto d = e.initConsentRefused();
    if (!v.episode_id.empty()) d.setEpisodeId(T(v.episode_id));
    Clear(d.initRefusedBy(), v.refused_by);
    if (!v.reason.empty()) Clear(d.initReason(), v.reason);
    if (!v.member_id.empty()) d.setMemberId(T(v.member_id));
  }
  void operator()(const ConsentWithdrawn& v) {
    auto d = e.initConsentWithdrawn();
    d.setEpisodeId(T(v.episode_id));
    Clear(d.initWithdrawnBy(), v.withdrawn_by);
    Clear(d.initReason(), v.reason);
    if (!v.member_id.empty()) d.setMemberId(T(v.member_id));
  }
  void operator()(const KeyworkerAssigned& v) {
    auto d = e.initKeyworkerAssigned();
    d.setEpisodeId(T(v.episode_id));
    d.setPractitionerId(T(v.practitioner_id));
  }
  void operator()(const TafMemberAdded& v) {
    auto d = e.initTafMemberAdded();
    d.setEpisodeId(T(v.episode_id));
    d.setPractitionerId(T(v.practitioner_id));
  }
  void operator()(const TafMemberRemoved& v) {
    auto d = e.initTafMemberRemoved();
    d.setEpisodeId(T(v.episode_id));
    d.setPractitionerId(T(v.practitioner_id));
  }
  void operator()(const AssessmentStarted& v) {
    e.initAssessmentStarted().setEpisodeId(T(v.episode_id));
  }
  void operator()(const ContributionRequested& v) {
    auto d = e.initContributionRequested();
    d.setEpisodeId(T(v.episode_id));
    d.setRequestId(T(v.request_id));
    Clear(d.initAgency(), v.agency);
  }
  void operator()(const ContributionReceived& v) {
    auto d = e.initContributionReceived();
    d.setEpisodeId(T(v.episode_id));
    d.setRequestId(T(v.request_id));
  }
  void operator()(const AssessmentFinalised& v) {
    auto d = e.initAssessmentFinalised();
    d.setEpisodeId(T(v.episode_id));
    d.setSignedByFamily(v.signed_by_family);
    d.setCopyGivenToFamily(v.copy_given_to_family);
    if (!v.keyworker_analysis.empty()) Clear(d.initKeyworkerAnalysis(), v.keyworker_analysis);
    d.setHardToEngage(v.hard_to_engage);  // false is the default: absent and false are one
  }
  void operator()(const CaseNoteAdded& v) {
    auto d = e.initCaseNoteAdded();
    d.setEpisodeId(T(v.episode_id));
    d.setNoteId(T(v.note_id));
    d.setCategory(As<s::NoteCategory>(v.category));
    Clear(d.initText(), v.text);
    d.setSignificant(v.significant);
    if (!v.source_agency.empty()) Clear(d.initSourceAgency(), v.source_agency);
  }
  void operator()(const DocumentUploaded& v) {
    auto d = e.initDocumentUploaded();
    d.setEpisodeId(T(v.episode_id));
    d.setDocumentId(T(v.document_id));
    Clear(d.initFilename(), v.filename);
    d.setMediaType(T(v.media_type));
    d.setSha256(T(v.sha256));
    d.setSize(v.size);
  }
  void operator()(const TafMeetingHeld& v) {
    auto d = e.initTafMeetingHeld();
    d.setEpisodeId(T(v.episode_id));
    d.setMeetingId(T(v.meeting_id));
    d.setKind(As<s::MeetingKind>(v.kind));
    auto attendees = d.initAttendees(static_cast<unsigned>(v.attendees.size()));
    SetSealedList(orphanage, attendees, v.attendees);
    d.setOutcome(As<s::MeetingOutcome>(v.outcome));
    if (!v.next_review_on.empty()) d.setNextReviewOn(T(v.next_review_on));
  }
  void operator()(const ActionPlanUpdated& v) {
    auto d = e.initActionPlanUpdated();
    d.setEpisodeId(T(v.episode_id));
    d.setMeetingId(T(v.meeting_id));
    auto actions = d.initActions(static_cast<unsigned>(v.actions.size()));
    for (unsigned i = 0; i < actions.size(); ++i) {
      const Action& a = v.actions[i];
      SetElement<s::Action>(orphanage, actions, i, [&](s::Action::Builder b) {
        b.setActionId(T(a.action_id));
        Clear(b.initDescription(), a.description);
        Clear(b.initOwner(), a.owner);
        b.setDueOn(T(a.due_on));
        b.setStatus(As<s::ActionStatus>(a.status));
      });
    }
  }
  void operator()(const OutcomeSharedWithParents& v) {
    auto d = e.initOutcomeSharedWithParents();
    d.setEpisodeId(T(v.episode_id));
    d.setMeetingId(T(v.meeting_id));
  }
  void operator()(const ConcernReceived& v) {
    auto d = e.initConcernReceived();
    d.setConcernId(T(v.concern_id));
    d.setSource(As<s::ConcernSource>(v.source));
    Clear(d.initKind(), v.kind);
    Clear(d.initSummary(), v.summary);
    d.setAboveThreshold(v.above_threshold);
  }
  void operator()(const TriageDirectionGiven& v) {
    auto d = e.initTriageDirectionGiven();
    d.setConcernId(T(v.concern_id));
    Clear(d.initDirection(), v.direction);
  }
  void operator()(const SteppedUp& v) {
    auto d = e.initSteppedUp();
    d.setEpisodeId(T(v.episode_id));
    d.setTo(As<s::StepUpTo>(v.to));
    Clear(d.initReason(), v.reason);
    if (!v.meeting_id.empty()) d.setMeetingId(T(v.meeting_id));
  }
  void operator()(const Signposted& v) {
    auto d = e.initSignposted();
    if (!v.episode_id.empty()) d.setEpisodeId(T(v.episode_id));
    auto services = d.initServices(static_cast<unsigned>(v.services.size()));
    SetSealedList(orphanage, services, v.services);
  }
  void operator()(const EpisodeClosed& v) {
    auto d = e.initEpisodeClosed();
    d.setEpisodeId(T(v.episode_id));
    d.setReason(As<s::ClosureReason>(v.reason));
    if (!v.detail.empty()) Clear(d.initDetail(), v.detail);
    if (!v.meeting_id.empty()) d.setMeetingId(T(v.meeting_id));
  }
  void operator()(const RecordCorrected& v) {
    auto d = e.initRecordCorrected();
    d.setCorrectsSeq(v.corrects_seq);
    Clear(d.initReason(), v.reason);
    if (!replacement.empty()) Clear(d.initReplacement(), replacement);
  }
  void operator()(const LegalHoldApplied& v) {
    Clear(e.initLegalHoldApplied().initReason(), v.reason);
  }
  void operator()(const LegalHoldReleased& v) {
    Clear(e.initLegalHoldReleased().initReason(), v.reason);
  }
  void operator()(const FamilyErased& v) {
    auto d = e.initFamilyErased();
    d.setReason(T(v.reason));
    d.setAuthorisedBy(T(v.authorised_by));
  }
  void operator()(const RecordViewed& v) {
    auto d = e.initRecordViewed();
    d.setFamilyId(T(v.family_id));
    d.setView(T(v.view));
    if (!v.purpose.empty()) Clear(d.initPurpose(), v.purpose);
  }
  void operator()(const HelpdeskCheckMade& v) {
    auto d = e.initHelpdeskCheckMade();
    Clear(d.initAskedBy(), v.asked_by);
    d.setIdentityVerified(v.identity_verified);
    d.setResult(As<s::HelpdeskCheckResult>(v.result));
    if (!v.contact_given.empty()) Clear(d.initContactGiven(), v.contact_given);
    if (!v.episode_id.empty()) d.setEpisodeId(T(v.episode_id));
  }
  void operator()(const AssessmentSigned& v) {
    auto d = e.initAssessmentSigned();
    d.setEpisodeId(T(v.episode_id));
    d.setSignedByFamily(v.signed_by_family);
    d.setCopyGivenToFamily(v.copy_given_to_family);
    if (!v.signed_by.empty()) Clear(d.initSignedBy(), v.signed_by);
  }
  void operator()(const ChildProtectionReferralMade& v) {
    auto d = e.initChildProtectionReferralMade();
    if (!v.concern_id.empty()) d.setConcernId(T(v.concern_id));
    if (!v.episode_id.empty()) d.setEpisodeId(T(v.episode_id));
    Clear(d.initReferredTo(), v.referred_to);
    Clear(d.initReason(), v.reason);
  }
  void operator()(const AdviceSought& v) {
    auto d = e.initAdviceSought();
    if (!v.episode_id.empty()) d.setEpisodeId(T(v.episode_id));
    d.setFrom(As<s::AdviceSource>(v.from));
    Clear(d.initSummary(), v.summary);
    if (!v.outcome.empty()) Clear(d.initOutcome(), v.outcome);
  }
  void operator()(const FamilyNoteAdded& v) {
    auto d = e.initFamilyNoteAdded();
    d.setNoteId(T(v.note_id));
    d.setCategory(As<s::NoteCategory>(v.category));
    Clear(d.initText(), v.text);
    d.setSignificant(v.significant);
    if (!v.source_agency.empty()) Clear(d.initSourceAgency(), v.source_agency);
  }
};

}  // namespace

Result<EventDraft> EncodeDraft(const EventId& id, int64_t occurred_at, const Body& body) {
  // The times a request can say: RFC 3339 writes years 0000 to 9999.
  auto written = ParseRfc3339(FormatRfc3339(occurred_at));
  if (!written.ok() || *written != occurred_at) {
    return Status::InvalidArgument("occurredAt must be a time in the years 0000 to 9999",
                                   "occurredAt");
  }
  std::string replacement;
  if (const auto* c = std::get_if<RecordCorrected>(&body); c && !c->replacement.empty()) {
    CL_ASSIGN_OR_RETURN(replacement, internal::JsonObjectText(c->replacement, "data.replacement"));
  }
  capnp::MallocMessageBuilder message;
  std::string type;
  try {
    auto event = message.initRoot<s::Event>();
    event.setEventId(capnp::Data::Reader(id.bytes.data(), id.bytes.size()));
    event.setOccurredAt(occurred_at);
    std::visit(Fill{event, message.getOrphanage(), replacement}, body);
    auto dynamic = capnp::toDynamic(event.asReader());
    KJ_IF_MAYBE (kind, dynamic.which()) {
      type = kind->getProto().getName().cStr();
      CL_RETURN_IF_ERROR(
          internal::CheckBuilt(dynamic.get(*kind).as<capnp::DynamicStruct>(), "data"));
    }
  } catch (const kj::Exception& ex) {
    return Status::InvalidArgument(std::string("data: ") + ex.getDescription().cStr(), "data");
  }
  return internal::DraftOf(message, id, std::move(type), occurred_at, "data");
}

}  // namespace caseledger::ledger::ev
