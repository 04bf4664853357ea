#include "ledger/domain_event.h"

#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "ledger/event.capnp.h"
#include "ledger/internal/codec.h"

namespace caseledger::ledger::ev {
namespace {

namespace s = schema;

// The JSON spelling of enumerant `value` of the Cap'n Proto enum E (static schema data).
template <typename E>
std::string_view EnumName(unsigned value) {
  auto enumerants = capnp::Schema::from<E>().getEnumerants();
  if (value >= enumerants.size()) return "unknown";
  auto name = enumerants[value].getProto().getName();
  return std::string_view(name.begin(), name.size());
}

template <typename To, typename From>
To As(From v) {
  return static_cast<To>(static_cast<unsigned>(v));
}

std::string Text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

// A sealed field's text; `unreadable` when it is still ciphertext (its key is not here).
std::string OpenOr(s::Sealed::Reader sealed, std::string_view unreadable) {
  if (sealed.which() == s::Sealed::CLEAR) return Text(sealed.getClear());
  return std::string(unreadable);
}

// One conversion per kind. Long but flat: a switch over the schema's union, one case each.
Result<Body> BodyOf(s::Event::Reader e, std::string_view unreadable) {
  auto open = [unreadable](s::Sealed::Reader sealed) { return OpenOr(sealed, unreadable); };
  // A field sealed after earlier builds had stored it in clear (event.capnp, $supersededBy):
  // the Sealed field when set, else the earlier build's text ("" when neither is).
  auto sealed_or_v1 = [&](bool has, s::Sealed::Reader sealed, capnp::Text::Reader v1) {
    return has ? open(sealed) : Text(v1);
  };
  switch (e.which()) {
    case s::Event::PRACTITIONER_REGISTERED: {
      auto d = e.getPractitionerRegistered();
      return Body{
          PractitionerRegistered{Text(d.getName()), Text(d.getAgency()), Text(d.getEmail())}};
    }
    case s::Event::PRACTITIONER_TRAINED: {
      auto d = e.getPractitionerTrained();
      return Body{PractitionerTrained{As<Course>(d.getCourse()), Text(d.getCompletedOn())}};
    }
    case s::Event::PRACTITIONER_DEACTIVATED:
      return Body{PractitionerDeactivated{Text(e.getPractitionerDeactivated().getReason())}};
    case s::Event::FAMILY_REGISTERED: {
      auto d = e.getFamilyRegistered();
      FamilyRegistered out;
      for (auto m : d.getMembers()) {
        out.members.push_back({Text(m.getMemberId()), As<MemberRole>(m.getRole()),
                               open(m.getName()),
                               m.hasDateOfBirth() ? open(m.getDateOfBirth()) : std::string()});
      }
      if (d.hasAddress()) out.address = open(d.getAddress());
      return Body{std::move(out)};
    }
    case s::Event::CONSENT_TO_CHECK_GIVEN:
      return Body{ConsentToCheckGiven{open(e.getConsentToCheckGiven().getGivenBy())}};
    case s::Event::EPISODE_OPENED: {
      auto d = e.getEpisodeOpened();
      return Body{EpisodeOpened{Text(d.getEpisodeId()), Text(d.getKeyworkerId()),
                                Text(d.getRegistrationCompletedOn())}};
    }
    case s::Event::CONSENT_GIVEN: {
      auto d = e.getConsentGiven();
      return Body{ConsentGiven{Text(d.getEpisodeId()), open(d.getGivenBy()),
                               As<ConsentScope>(d.getScope()), As<ConsentMethod>(d.getMethod()),
                               Text(d.getMemberId())}};
    }
    case s::Event::CONSENT_REFUSED: {
      auto d = e.getConsentRefused();
      return Body{ConsentRefused{Text(d.getEpisodeId()), open(d.getRefusedBy()),
                                 d.hasReason() ? open(d.getReason()) : std::string(),
                                 Text(d.getMemberId())}};
    }
    case s::Event::CONSENT_WITHDRAWN: {
      auto d = e.getConsentWithdrawn();
      return Body{ConsentWithdrawn{Text(d.getEpisodeId()), open(d.getWithdrawnBy()),
                                   open(d.getReason()), Text(d.getMemberId())}};
    }
    case s::Event::KEYWORKER_ASSIGNED: {
      auto d = e.getKeyworkerAssigned();
      return Body{KeyworkerAssigned{Text(d.getEpisodeId()), Text(d.getPractitionerId())}};
    }
    case s::Event::TAF_MEMBER_ADDED: {
      auto d = e.getTafMemberAdded();
      return Body{TafMemberAdded{Text(d.getEpisodeId()), Text(d.getPractitionerId())}};
    }
    case s::Event::TAF_MEMBER_REMOVED: {
      auto d = e.getTafMemberRemoved();
      return Body{TafMemberRemoved{Text(d.getEpisodeId()), Text(d.getPractitionerId())}};
    }
    case s::Event::ASSESSMENT_STARTED:
      return Body{AssessmentStarted{Text(e.getAssessmentStarted().getEpisodeId())}};
    case s::Event::CONTRIBUTION_REQUESTED: {
      auto d = e.getContributionRequested();
      return Body{
          ContributionRequested{Text(d.getEpisodeId()), Text(d.getRequestId()),
                                sealed_or_v1(d.hasAgency(), d.getAgency(), d.getAgencyV1())}};
    }
    case s::Event::CONTRIBUTION_RECEIVED: {
      auto d = e.getContributionReceived();
      return Body{ContributionReceived{Text(d.getEpisodeId()), Text(d.getRequestId())}};
    }
    case s::Event::ASSESSMENT_FINALISED: {
      auto d = e.getAssessmentFinalised();
      return Body{AssessmentFinalised{
          Text(d.getEpisodeId()), d.getSignedByFamily(), d.getCopyGivenToFamily(),
          d.hasKeyworkerAnalysis() ? open(d.getKeyworkerAnalysis()) : std::string(),
          d.getHardToEngage()}};
    }
    case s::Event::CASE_NOTE_ADDED: {
      auto d = e.getCaseNoteAdded();
      return Body{CaseNoteAdded{
          Text(d.getEpisodeId()), Text(d.getNoteId()), As<NoteCategory>(d.getCategory()),
          open(d.getText()), d.getSignificant(),
          sealed_or_v1(d.hasSourceAgency(), d.getSourceAgency(), d.getSourceAgencyV1())}};
    }
    case s::Event::DOCUMENT_UPLOADED: {
      auto d = e.getDocumentUploaded();
      return Body{DocumentUploaded{Text(d.getEpisodeId()), Text(d.getDocumentId()),
                                   open(d.getFilename()), Text(d.getMediaType()),
                                   Text(d.getSha256()), d.getSize()}};
    }
    case s::Event::TAF_MEETING_HELD: {
      auto d = e.getTafMeetingHeld();
      TafMeetingHeld out{Text(d.getEpisodeId()),
                         Text(d.getMeetingId()),
                         As<MeetingKind>(d.getKind()),
                         {},
                         As<MeetingOutcome>(d.getOutcome()),
                         Text(d.getNextReviewOn())};
      for (auto a : d.getAttendees()) out.attendees.push_back(open(a));
      return Body{std::move(out)};
    }
    case s::Event::ACTION_PLAN_UPDATED: {
      auto d = e.getActionPlanUpdated();
      ActionPlanUpdated out{Text(d.getEpisodeId()), Text(d.getMeetingId()), {}};
      for (auto a : d.getActions()) {
        out.actions.push_back({Text(a.getActionId()), open(a.getDescription()),
                               sealed_or_v1(a.hasOwner(), a.getOwner(), a.getOwnerV1()),
                               Text(a.getDueOn()), As<ActionStatus>(a.getStatus())});
      }
      return Body{std::move(out)};
    }
    case s::Event::OUTCOME_SHARED_WITH_PARENTS: {
      auto d = e.getOutcomeSharedWithParents();
      return Body{OutcomeSharedWithParents{Text(d.getEpisodeId()), Text(d.getMeetingId())}};
    }
    case s::Event::CONCERN_RECEIVED: {
      auto d = e.getConcernReceived();
      return Body{ConcernReceived{Text(d.getConcernId()), As<ConcernSource>(d.getSource()),
                                  sealed_or_v1(d.hasKind(), d.getKind(), d.getKindV1()),
                                  open(d.getSummary()), d.getAboveThreshold()}};
    }
    case s::Event::TRIAGE_DIRECTION_GIVEN: {
      auto d = e.getTriageDirectionGiven();
      return Body{TriageDirectionGiven{Text(d.getConcernId()), open(d.getDirection())}};
    }
    case s::Event::STEPPED_UP: {
      auto d = e.getSteppedUp();
      return Body{SteppedUp{Text(d.getEpisodeId()), As<StepUpTo>(d.getTo()), open(d.getReason()),
                            Text(d.getMeetingId())}};
    }
    case s::Event::SIGNPOSTED: {
      auto d = e.getSignposted();
      Signposted out{Text(d.getEpisodeId()), {}};
      if (d.hasServices()) {
        for (auto service : d.getServices()) out.services.push_back(open(service));
      } else {
        for (auto service : d.getServicesV1()) out.services.push_back(Text(service));
      }
      return Body{std::move(out)};
    }
    case s::Event::EPISODE_CLOSED: {
      auto d = e.getEpisodeClosed();
      return Body{EpisodeClosed{Text(d.getEpisodeId()), As<ClosureReason>(d.getReason()),
                                d.hasDetail() ? open(d.getDetail()) : std::string(),
                                Text(d.getMeetingId())}};
    }
    case s::Event::RECORD_CORRECTED: {
      auto d = e.getRecordCorrected();
      return Body{RecordCorrected{d.getCorrectsSeq(), open(d.getReason()),
                                  d.hasReplacement() ? open(d.getReplacement()) : std::string()}};
    }
    case s::Event::LEGAL_HOLD_APPLIED: {
      auto d = e.getLegalHoldApplied();
      return Body{LegalHoldApplied{sealed_or_v1(d.hasReason(), d.getReason(), d.getReasonV1())}};
    }
    case s::Event::LEGAL_HOLD_RELEASED: {
      auto d = e.getLegalHoldReleased();
      return Body{LegalHoldReleased{sealed_or_v1(d.hasReason(), d.getReason(), d.getReasonV1())}};
    }
    case s::Event::FAMILY_ERASED: {
      auto d = e.getFamilyErased();
      return Body{FamilyErased{Text(d.getReason()), Text(d.getAuthorisedBy())}};
    }
    case s::Event::RECORD_VIEWED: {
      auto d = e.getRecordViewed();
      return Body{RecordViewed{Text(d.getFamilyId()), Text(d.getView()),
                               sealed_or_v1(d.hasPurpose(), d.getPurpose(), d.getPurposeV1())}};
    }
    case s::Event::HELPDESK_CHECK_MADE: {
      auto d = e.getHelpdeskCheckMade();
      return Body{HelpdeskCheckMade{
          sealed_or_v1(d.hasAskedBy(), d.getAskedBy(), d.getAskedByV1()), d.getIdentityVerified(),
          As<HelpdeskCheckResult>(d.getResult()),
          sealed_or_v1(d.hasContactGiven(), d.getContactGiven(), d.getContactGivenV1()),
          Text(d.getEpisodeId())}};
    }
    case s::Event::ASSESSMENT_SIGNED: {
      auto d = e.getAssessmentSigned();
      return Body{AssessmentSigned{Text(d.getEpisodeId()), d.getSignedByFamily(),
                                   d.getCopyGivenToFamily(),
                                   d.hasSignedBy() ? open(d.getSignedBy()) : std::string()}};
    }
    case s::Event::CHILD_PROTECTION_REFERRAL_MADE: {
      auto d = e.getChildProtectionReferralMade();
      return Body{ChildProtectionReferralMade{
          Text(d.getConcernId()), Text(d.getEpisodeId()),
          sealed_or_v1(d.hasReferredTo(), d.getReferredTo(), d.getReferredToV1()),
          open(d.getReason())}};
    }
    case s::Event::ADVICE_SOUGHT: {
      auto d = e.getAdviceSought();
      return Body{AdviceSought{Text(d.getEpisodeId()), As<AdviceSource>(d.getFrom()),
                               open(d.getSummary()),
                               d.hasOutcome() ? open(d.getOutcome()) : std::string()}};
    }
    case s::Event::FAMILY_NOTE_ADDED: {
      auto d = e.getFamilyNoteAdded();
      return Body{FamilyNoteAdded{
          Text(d.getNoteId()), As<NoteCategory>(d.getCategory()), open(d.getText()),
          d.getSignificant(),
          sealed_or_v1(d.hasSourceAgency(), d.getSourceAgency(), d.getSourceAgencyV1())}};
    }
  }
  return Status::InvalidArgument("an event kind this version does not know (" +
                                 std::to_string(static_cast<int>(e.which())) + ")");
}

}  // namespace

std::string_view Name(Course v) { return EnumName<s::Course>(static_cast<unsigned>(v)); }
std::string_view Name(MemberRole v) { return EnumName<s::MemberRole>(static_cast<unsigned>(v)); }
std::string_view Name(ConsentScope v) {
  return EnumName<s::ConsentScope>(static_cast<unsigned>(v));
}
std::string_view Name(ConsentMethod v) {
  return EnumName<s::ConsentMethod>(static_cast<unsigned>(v));
}
std::string_view Name(NoteCategory v) {
  return EnumName<s::NoteCategory>(static_cast<unsigned>(v));
}
std::string_view Name(MeetingKind v) { return EnumName<s::MeetingKind>(static_cast<unsigned>(v)); }
std::string_view Name(MeetingOutcome v) {
  return EnumName<s::MeetingOutcome>(static_cast<unsigned>(v));
}
std::string_view Name(ActionStatus v) {
  return EnumName<s::ActionStatus>(static_cast<unsigned>(v));
}
std::string_view Name(ConcernSource v) {
  return EnumName<s::ConcernSource>(static_cast<unsigned>(v));
}
std::string_view Name(StepUpTo v) { return EnumName<s::StepUpTo>(static_cast<unsigned>(v)); }
std::string_view Name(ClosureReason v) {
  return EnumName<s::ClosureReason>(static_cast<unsigned>(v));
}
std::string_view Name(HelpdeskCheckResult v) {
  return EnumName<s::HelpdeskCheckResult>(static_cast<unsigned>(v));
}
std::string_view Name(AdviceSource v) {
  return EnumName<s::AdviceSource>(static_cast<unsigned>(v));
}

Result<NoteCategory> ParseNoteCategory(std::string_view name) {
  auto enumerants = capnp::Schema::from<s::NoteCategory>().getEnumerants();
  for (unsigned i = 0; i < enumerants.size(); ++i) {
    if (name == EnumName<s::NoteCategory>(i)) return static_cast<NoteCategory>(i);
  }
  return Status::InvalidArgument("unknown category \"" + std::string(name) + "\"", "category");
}

Result<Event> Decode(const RecordedEvent& recorded) {
  Event out;
  out.seq = recorded.seq;
  out.stream = recorded.stream;
  out.version = recorded.version;
  out.event_id = recorded.event_id;
  out.type = recorded.type;
  out.occurred_at = recorded.occurred_at;
  out.recorded_at = recorded.recorded_at;
  out.actor = recorded.actor;
  out.corrects = recorded.corrects;
  out.leaf_hash = recorded.leaf_hash;
  std::vector<uint64_t> words = internal::AlignedWords(recorded.message());
  try {
    capnp::FlatArrayMessageReader reader(internal::AsWords(words),
                                         internal::ReaderLimits(words.size()));
    auto body = BodyOf(reader.getRoot<s::Event>(),
                       recorded.erased ? kErasedPlaceholder : kSealedPlaceholder);
    if (!body.ok()) {
      return Status::DataLoss(
          "stored event seq " + std::to_string(recorded.seq) + ": " + body.status().message(),
          recorded.seq);
    }
    out.body = std::move(body).value();
  } catch (const kj::Exception& ex) {
    return Status::DataLoss("stored event seq " + std::to_string(recorded.seq) +
                                " does not decode: " + ex.getDescription().cStr(),
                            recorded.seq);
  }
  return out;
}

Result<Body> DecodeDraft(const EventDraft& draft) {
  try {
    const std::vector<uint64_t>& words = draft.words();
    capnp::FlatArrayMessageReader reader(internal::AsWords(words),
                                         internal::ReaderLimits(words.size()));
    return BodyOf(reader.getRoot<s::Event>(), kSealedPlaceholder);
  } catch (const kj::Exception& ex) {
    return Status::InvalidArgument(std::string("the event does not decode: ") +
                                   ex.getDescription().cStr());
  }
}

}  // namespace caseledger::ledger::ev
