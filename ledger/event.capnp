# The event: one schema for every stored event of caseledger (EVENTS.md is the contract).
#
# Stored bytes: each event is one Cap'n Proto message of `Event`, written with
# messageToFlatArray (segment table included, so `capnp decode ledger/event.capnp Event`
# reads a value straight out of RocksDB). The Merkle leaf hash covers exactly those bytes.
#
# Evolution: Cap'n Proto's rules only. New fields and new event kinds take new ordinals;
# an ordinal is never reused or renumbered; a field is never retyped.
#
# Personal data: every field of a family's event that can hold personal text (names, dates of
# birth, addresses, free text, agencies and people named by the person recording) is a
# `Sealed`, stored as ciphertext under the family's own key (ledger/sealing.h); so is a read's
# purpose in the access log, under the key of the family read. The hash covers the stored
# form, so destroying the key later (erasure) leaves every proof valid. A Text field of a
# family's event is either on the allow-list of tests/ledger/sealing_lint_test.cc, with the
# check that keeps personal text out of it, or the test fails.
#
# Fields sealed after earlier builds had stored them as Text keep their old ordinal under a
# new name with `$supersededBy`: read only, never written, never accepted in a request. Reads
# show an earlier event's old value under the new field's (unchanged) JSON name.
#
# Validation annotations (read by ledger/json_codec.cc through the schema, not per type):
#   $optional  the field may be absent from a request; every other field is required.
#   $date      a Text holding a calendar date, YYYY-MM-DD (that day in Europe/London).
#   $id        a Text holding an id: 1-64 characters of A-Z a-z 0-9 - _.
#   $jsonText  a Sealed that takes any JSON value in a request and keeps its JSON text.
#   $sha256    a Text holding a SHA-256, 64 lowercase hex digits.
#   $mediaType a Text holding a media type without parameters, type/subtype (RFC 6838 names).
#   $accessView a Text naming what a read showed: a view of ledger/internal/schema_check.cc.
#   $supersededBy(name)  a Text (or List(Text)) written by earlier builds and read as the
#              Sealed field `name` of the same struct when that one is absent (see above).
@0x983ca4d7c76f2dc8;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::ledger::schema");


annotation optional @0xd651d761ef04b401 (field) :Void;
annotation date @0xfe579e0f5215ce91 (field) :Void;
annotation id @0x97ab6308cab4c581 (field) :Void;
annotation jsonText @0x806d16aaf602aa71 (field) :Void;
annotation sha256 @0xc999e0d8a5185886 (field) :Void;
annotation mediaType @0xefe73892ad20d5e1 (field) :Void;
annotation accessView @0xf81924a3f587f063 (field) :Void;
annotation supersededBy @0xe5484f8ae457d6e2 (field) :Text;

# A value that may carry personal data. In JSON it is a plain string. A draft holds it in
# clear; a store with a master key stores it sealed in a family's events and in the access
# log's reads of a family (ledger/sealing.h).
struct Sealed {
  union {
    clear @0 :Text;
    # The value in clear: in a draft, and as stored by a store without a master key or before
    # sealing existed.
    cipher @1 :SealedCipher;
    # The value encrypted under the family's key.
  }
}

struct SealedCipher {
  keyId @0 :UInt32;
  # Which of the family's keys sealed it (keys live in the meta column family).
  nonce @1 :Data;
  # The AEAD nonce.
  ciphertext @2 :Data;
  # Ciphertext followed by the authentication tag.
}

# Who recorded an event: set by the ledger from the caller's credentials, never by the body.
struct Actor {
  id @0 :Text;
  # The practitioner id (or the system actor's name) that recorded the event.
  role @1 :Text;
  # The role the actor held when recording (DOMAIN.md "Who reads and writes").
  agency @2 :Text;
  # The actor's agency, when known.
  tokenId @3 :Text;
  # Which access token was used (its id, never the secret).
}

# The envelope. Fields set by the caller: eventId, occurredAt, the body. Fields set by the
# ledger: seq, stream, version, recordedAt, actor, corrects.
struct Event {
  seq @0 :UInt64;
  # Position in the global log, from 1, no gaps. Merkle leaf index = seq - 1.
  stream @1 :Text;
  # The stream: family/<id>, practitioner/<id> or access.
  version @2 :UInt32;
  # Position in the stream, from 1, no gaps.
  eventId @3 :Data;
  # 16 bytes chosen by the client (a UUID); a retry with the same id appends nothing.
  occurredAt @4 :Int64;
  # When it happened in the world (the caller's claim): microseconds since 1970-01-01T00:00:00Z.
  recordedAt @5 :Int64;
  # When the ledger accepted it: microseconds since the epoch, never earlier than the
  # previous event's recordedAt.
  actor @6 :Actor;
  # Who recorded it.
  corrects @7 :UInt64;
  # For a recordCorrected event: the seq it corrects; otherwise 0.

  union {
    # -- practitioner/<id> streams --
    practitionerRegistered @8 :PractitionerRegistered;
    # A practitioner became a registered user (recorded by an admin).
    practitionerTrained @9 :PractitionerTrained;
    # A practitioner completed one of the two required trainings.
    practitionerDeactivated @10 :PractitionerDeactivated;
    # -- family/<id> streams --
    familyRegistered @11 :FamilyRegistered;
    # The Helpdesk set the family up from the registration form.
    consentToCheckGiven @12 :ConsentToCheckGiven;
    # The family agreed to the Helpdesk checking for an open FFA.
    episodeOpened @13 :EpisodeOpened;
    # An FFA began: open from the day registration was completed.
    consentGiven @14 :ConsentGiven;
    # Consent to the FFA (or to sharing information) was given.
    consentRefused @15 :ConsentRefused;
    # Consent was refused: the "consent denied" record.
    consentWithdrawn @16 :ConsentWithdrawn;
    # Consent was withdrawn: the FFA stops at once and the episode is to close.
    keyworkerAssigned @17 :KeyworkerAssigned;
    # A new keyworker leads the episode.
    tafMemberAdded @18 :TafMemberChange;
    # A practitioner joined the Team Around the Family.
    tafMemberRemoved @19 :TafMemberChange;
    # A practitioner left the Team Around the Family.
    assessmentStarted @20 :AssessmentStarted;
    # Work on the assessment began.
    contributionRequested @21 :ContributionRequested;
    # Another agency was asked to contribute to the assessment.
    contributionReceived @22 :ContributionReceived;
    # That agency's contribution arrived.
    assessmentFinalised @23 :AssessmentFinalised;
    # The assessment was finalised (due within 3 weeks of registration).
    caseNoteAdded @24 :CaseNoteAdded;
    # Any work with the family, recorded in the episode.
    documentUploaded @25 :DocumentUploaded;
    # A document was stored (its bytes are in the blobs column family).
    tafMeetingHeld @26 :TafMeetingHeld;
    # A TAF meeting (initial, review or closure) took place.
    actionPlanUpdated @27 :ActionPlanUpdated;
    # The family action plan after a meeting.
    outcomeSharedWithParents @28 :OutcomeSharedWithParents;
    # The meeting outcome and plan were given to the parents.
    concernReceived @29 :ConcernReceived;
    # Information of concern arrived from a professional or the public.
    triageDirectionGiven @30 :TriageDirectionGiven;
    # A Families First Triage manager gave direction on a concern.
    steppedUp @31 :SteppedUp;
    # The case moved up to statutory services.
    signposted @32 :Signposted;
    # The family was pointed to universal services.
    episodeClosed @33 :EpisodeClosed;
    # The episode ended, with its reason.
    recordCorrected @34 :RecordCorrected;
    # A correction: the corrected event stays, marked, with this reason.
    legalHoldApplied @35 :LegalHold;
    # Erasure is blocked for this family until released.
    legalHoldReleased @36 :LegalHold;
    # The legal hold was lifted.
    familyErased @37 :FamilyErased;
    # The family's personal data was erased (its key destroyed); written by the erasure itself.
    # -- the access stream --
    recordViewed @38 :RecordViewed;
    # Someone read a family's record (the access log).
    # -- family/<id> streams, added in the second edition --
    helpdeskCheckMade @39 :HelpdeskCheckMade;
    # The Helpdesk checked for an open FFA on a practitioner's request, and answered.
    assessmentSigned @40 :AssessmentSigned;
    # The family signed the finalised FFA and/or was given a copy, after it was finalised.
    childProtectionReferralMade @41 :ChildProtectionReferralMade;
    # A child-protection referral (HSCB procedures) went to children's social care.
    adviceSought @42 :AdviceSought;
    # The practitioner sought advice on how best to support the family.
    familyNoteAdded @43 :FamilyNoteAdded;
    # A note on the family outside any episode (e.g. consent refused at the outset).
  }
}

# ---------------------------------------------------------------- practitioners

struct PractitionerRegistered {
  name @0 :Text;
  # The practitioner's name (staff data, not a family's personal data).
  agency @1 :Text;
  # The agency they work for (school, health, police...).
  email @2 :Text;
  # Work contact, given by the Helpdesk when a family already has an open episode.
}

enum Course {
  practiceStandards @0;
  # Families First practice standards.
  recordingSystem @1;
  # The recording system (the EHM's part, here the ledger).
}

struct PractitionerTrained {
  course @0 :Course;
  # Which of the two required trainings was completed.
  completedOn @1 :Text $date;
  # The day it was completed.
}

struct PractitionerDeactivated {
  reason @0 :Text;
  # Why the practitioner may no longer record work (left, suspended...).
}

# ---------------------------------------------------------------- families

enum MemberRole {
  child @0;
  parent @1;
  carer @2;
  other @3;
}

struct Member {
  memberId @0 :Text $id;
  # The member's id within the family.
  role @1 :MemberRole;
  # Their place in the family.
  name @2 :Sealed;
  # Their name (personal data).
  dateOfBirth @3 :Sealed $optional $date;
  # Their date of birth, YYYY-MM-DD (personal data).
}

struct FamilyRegistered {
  members @0 :List(Member);
  # The people in the family as registered by the Helpdesk.
  address @1 :Sealed $optional;
  # The family's address (personal data).
}

enum CheckMethod {
  verbal @0;
}

struct ConsentToCheckGiven {
  givenBy @0 :Sealed;
  # Who agreed to the Helpdesk check (personal data).
  method @1 :CheckMethod;
  # How it was given: consent to check is verbal.
}

struct EpisodeOpened {
  episodeId @0 :Text $id;
  # The new episode (one FFA).
  keyworkerId @1 :Text $id;
  # The practitioner who leads it.
  registrationCompletedOn @2 :Text $date;
  # The day the family registration was completed: every timescale starts here.
}

enum ConsentScope {
  assessment @0;
  informationSharing @1;
}

enum ConsentMethod {
  written @0;
  verbal @1;
}

struct ConsentGiven {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  givenBy @1 :Sealed;
  # The child, young person, parent or carer who consented (personal data).
  scope @2 :ConsentScope;
  # What the consent covers.
  method @3 :ConsentMethod;
  # Written or verbal.
  memberId @4 :Text $optional $id;
  # The registered family member (familyRegistered's memberId) who consented, when named.
}

struct ConsentRefused {
  episodeId @0 :Text $optional $id;
  # The episode, when one was opened; refusal at the outset may have none.
  refusedBy @1 :Sealed;
  # Who refused (personal data).
  reason @2 :Sealed $optional;
  # Why, in their words (personal data).
  memberId @3 :Text $optional $id;
  # The registered family member (familyRegistered's memberId) who refused, when named.
}

struct ConsentWithdrawn {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  withdrawnBy @1 :Sealed;
  # Who withdrew consent (personal data).
  reason @2 :Sealed;
  # The reason for withdrawal, recorded before closing (personal data).
  memberId @3 :Text $optional $id;
  # The registered family member (familyRegistered's memberId) who withdrew, when named.
}

struct KeyworkerAssigned {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  practitionerId @1 :Text $id;
  # The new keyworker.
}

struct TafMemberChange {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  practitionerId @1 :Text $id;
  # The practitioner joining or leaving the Team Around the Family.
}

struct AssessmentStarted {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
}

struct ContributionRequested {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  requestId @1 :Text $id;
  # Names this request so the contribution can answer it.
  agencyV1 @2 :Text $supersededBy("agency");
  # Earlier builds' `agency`, in clear: read only.
  agency @3 :Sealed;
  # The agency (or person) asked to contribute to the assessment (free text: sealed).
}

struct ContributionReceived {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  requestId @1 :Text $id;
  # The request it answers.
}

struct AssessmentFinalised {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  signedByFamily @1 :Bool;
  # The finalised FFA was signed by the family.
  copyGivenToFamily @2 :Bool;
  # A copy was given to the family.
  keyworkerAnalysis @3 :Sealed $optional;
  # The keyworker's analysis, e.g. the difficulties where the family is hard to engage.
  hardToEngage @4 :Bool $optional;
  # The family was difficult to engage or evasive: the keyworker's analysis must then record
  # the difficulties (absent: false).
}

enum NoteCategory {
  contact @0;
  meeting @1;
  practitionerUpdate @2;
  familyUpdate @3;
  significantEvent @4;
  progress @5;
  documentReceived @6;
  letterSent @7;
  supportRequest @8;
  other @9;
}

struct CaseNoteAdded {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  noteId @1 :Text $id;
  # Names the note, so a correction can refer to it.
  category @2 :NoteCategory;
  # What kind of work the note records (the chronology's category).
  text @3 :Sealed;
  # The note itself (personal data).
  significant @4 :Bool;
  # Marked significant: shown in the significant-only chronology.
  sourceAgencyV1 @5 :Text $supersededBy("sourceAgency");
  # Earlier builds' `sourceAgency`, in clear: read only.
  sourceAgency @6 :Sealed $optional;
  # The agency the information came from (free text: sealed).
}

struct DocumentUploaded {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  documentId @1 :Text $id;
  # Names the document within the episode.
  filename @2 :Sealed;
  # The document's file name (may name people: personal data).
  mediaType @3 :Text $mediaType;
  # Its media type, e.g. application/pdf.
  sha256 @4 :Text $sha256;
  # SHA-256 of the stored content, lowercase hex: the key in the blobs column family.
  size @5 :UInt64;
  # Its size in bytes.
}

enum MeetingKind {
  initial @0;
  review @1;
  closure @2;
}

enum MeetingOutcome {
  continue @0;
  stepUp @1;
  close @2;
}

struct TafMeetingHeld {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  meetingId @1 :Text $id;
  # The TAF meeting it concerns.
  kind @2 :MeetingKind;
  # Initial, review or closure meeting.
  attendees @3 :List(Sealed);
  # Who attended (personal data).
  outcome @4 :MeetingOutcome;
  # What the meeting decided.
  nextReviewOn @5 :Text $optional $date;
  # The next review date set at the meeting (its absence is flagged).
}

enum ActionStatus {
  open @0;
  done @1;
  dropped @2;
}

struct Action {
  actionId @0 :Text $id;
  # Names the action across plan updates.
  description @1 :Sealed;
  # What is to be done (personal data).
  ownerV1 @2 :Text $supersededBy("owner");
  # Earlier builds' `owner`, in clear: read only.
  owner @5 :Sealed;
  # Who owns the action (a practitioner id, an agency or a family member: sealed).
  dueOn @3 :Text $date;
  # When it is due.
  status @4 :ActionStatus;
  # Where the action stands.
}

struct ActionPlanUpdated {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  meetingId @1 :Text $id;
  # The meeting whose plan this records.
  actions @2 :List(Action);
  # The whole plan as it now stands.
}

struct OutcomeSharedWithParents {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  meetingId @1 :Text $id;
  # The meeting whose outcome and plan were given to the parents.
}

enum ConcernSource {
  police @0;
  school @1;
  health @2;
  professional @3;
  public @4;
  other @5;
}

struct ConcernReceived {
  concernId @0 :Text $id;
  # Names the concern, so a triage direction can refer to it.
  source @1 :ConcernSource;
  # Who raised the concern.
  kindV1 @2 :Text $supersededBy("kind");
  # Earlier builds' `kind`, in clear: read only.
  kind @5 :Sealed;
  # What sort of concern, e.g. domesticAbuseNotification (free text: sealed).
  summary @3 :Sealed;
  # What was reported (personal data).
  aboveThreshold @4 :Bool;
  # Above the child-protection threshold: a referral outside the FFA.
}

struct TriageDirectionGiven {
  concernId @0 :Text $id;
  # Names the concern, so a triage direction can refer to it.
  direction @1 :Sealed;
  # The triage manager's direction (free text: personal data).
}

enum StepUpTo {
  assessmentAndIntervention @0;
  familySafeguarding @1;
}

struct SteppedUp {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  to @1 :StepUpTo;
  # The statutory service the case moves to.
  reason @2 :Sealed;
  # Why (personal data).
  meetingId @3 :Text $optional $id;
  # The TAF meeting that decided it, if any.
}

struct Signposted {
  episodeId @0 :Text $optional $id;
  # The episode (one FFA) it concerns.
  servicesV1 @1 :List(Text) $supersededBy("services");
  # Earlier builds' `services`, in clear: read only.
  services @2 :List(Sealed);
  # The universal services the family was pointed to (free text: sealed).
}

enum ClosureReason {
  needsMet @0;
  consentWithdrawn @1;
  steppedUp @2;
  movedOutOfArea @3;
  singleAgencySufficient @4;
  other @5;
}

struct EpisodeClosed {
  episodeId @0 :Text $id;
  # The episode (one FFA) it concerns.
  reason @1 :ClosureReason;
  # Why the episode closed (closure-needs-reason).
  detail @2 :Sealed $optional;
  # More about the reason (personal data).
  meetingId @3 :Text $optional $id;
  # The TAF meeting that decided the closure, if any.
}

struct RecordCorrected {
  correctsSeq @0 :UInt64;
  # The seq of the event this corrects (it stays in the log, shown as corrected).
  reason @1 :Sealed;
  # Why the correction was needed (personal data).
  replacement @2 :Sealed $optional $jsonText;
  # The corrected data object, as JSON text (personal data).
}

struct LegalHold {
  reasonV1 @0 :Text $supersededBy("reason");
  # Earlier builds' `reason`, in clear: read only.
  reason @1 :Sealed;
  # Why the hold was applied or released (recorded by an admin; free text: sealed).
}

struct FamilyErased {
  reason @0 :Text;
  # Why the family's personal data was erased. Deliberately in clear, for ever (it says why the
  # data went, and is written just before the family's key is destroyed): put no personal data
  # in it (docs/DATA-PROTECTION.md).
  authorisedBy @1 :Text $id;
  # Who authorised the erasure.
}

# ---------------------------------------------------------------- access

struct RecordViewed {
  familyId @0 :Text $id;
  # Whose record was read.
  view @1 :Text $accessView;
  # What was read (state, chronology, events, a document...).
  purposeV1 @2 :Text $supersededBy("purpose");
  # Earlier builds' `purpose`, in clear: read only.
  purpose @3 :Sealed $optional;
  # Why, when the reader said (free text: sealed under the key of the family read).
}


# ---------------------------------------------------------------- families, second edition

enum HelpdeskCheckResult {
  openEpisodeFound @0;
  # The family has an open FFA: the practitioner is given its keyworker's contact.
  noOpenEpisode @1;
  # No open FFA: the practitioner may initiate one (the registration form).
}

struct HelpdeskCheckMade {
  askedByV1 @0 :Text $supersededBy("askedBy");
  # Earlier builds' `askedBy`, in clear: read only.
  askedBy @5 :Sealed;
  # Who asked for the check: the practitioner's id or name (free text: sealed).
  identityVerified @1 :Bool;
  # The Helpdesk verified that the caller is the practitioner they say (e.g. by calling back
  # through their agency's main number).
  result @2 :HelpdeskCheckResult;
  # What the Helpdesk answered.
  contactGivenV1 @3 :Text $supersededBy("contactGiven");
  # Earlier builds' `contactGiven`, in clear: read only.
  contactGiven @6 :Sealed $optional;
  # The keyworker contact given to the caller, when an open episode was found (free text:
  # sealed).
  episodeId @4 :Text $optional $id;
  # The open episode found, when there is one.
}

struct AssessmentSigned {
  episodeId @0 :Text $id;
  # The episode whose finalised assessment (FFA) this concerns.
  signedByFamily @1 :Bool;
  # The family signed the finalised FFA.
  copyGivenToFamily @2 :Bool;
  # A copy of the finalised FFA was given to the family.
  signedBy @3 :Sealed $optional;
  # The family member who signed (personal data).
}

struct ChildProtectionReferralMade {
  concernId @0 :Text $optional $id;
  # The concern that led to the referral, when it came from one.
  episodeId @1 :Text $optional $id;
  # The episode (one FFA) it concerns, when there is one.
  referredToV1 @2 :Text $supersededBy("referredTo");
  # Earlier builds' `referredTo`, in clear: read only.
  referredTo @4 :Sealed;
  # Where the referral went, e.g. children's social care or the HSCB referral line (free
  # text: sealed).
  reason @3 :Sealed;
  # Why the child is thought to be harmed or at risk of harm (personal data).
}

enum AdviceSource {
  lineManager @0;
  # The practitioner's own line manager.
  seniorCoordinator @1;
  # The local Senior Coordinator.
  familiesFirstCoordinator @2;
  # The local Families First Coordinator.
  earlyHelpAdviceLine @3;
  # The Early Help Advice Line for Professionals.
  other @4;
}

struct AdviceSought {
  episodeId @0 :Text $optional $id;
  # The episode (one FFA) it concerns, when there is one (refusal at the outset has none).
  from @1 :AdviceSource;
  # Whom the advice was sought from.
  summary @2 :Sealed;
  # What advice was sought, and why (personal data).
  outcome @3 :Sealed $optional;
  # The advice given and what is to be done (personal data).
}

struct FamilyNoteAdded {
  noteId @0 :Text $id;
  # Names the note within the family, so a correction can refer to it.
  category @1 :NoteCategory;
  # What kind of work the note records (the chronology's category).
  text @2 :Sealed;
  # The note itself (personal data).
  significant @3 :Bool;
  # Marked significant: shown in the significant-only chronology.
  sourceAgencyV1 @4 :Text $supersededBy("sourceAgency");
  # Earlier builds' `sourceAgency`, in clear: read only.
  sourceAgency @5 :Sealed $optional;
  # The agency the information came from (free text: sealed).
}
