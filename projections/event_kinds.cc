#include "projections/event_kinds.h"

#include <array>
#include <utility>
#include <variant>

namespace caseledger::projections {
namespace {

using enum Role;
constexpr StreamKind kFamilyStream = StreamKind::kFamily;
constexpr StreamKind kPractitionerStream = StreamKind::kPractitioner;
constexpr StreamKind kAccessStream = StreamKind::kAccess;
using enum ByPractitioner;
using enum ThirdParty;
using enum Significance;

// One row per kind. There is no primary definition: a kind of ev::Body without its row is a
// compile error where the table is built below ("incomplete type Row<...>").
template <class T>
struct Row;

#define CASELEDGER_ROW(Kind, ...)                 \
  template <>                                     \
  struct Row<ev::Kind> {                          \
    static constexpr KindInfo kInfo{__VA_ARGS__}; \
  }

// clang-format off
//              kind                      type                        stream         roles (besides practitioners)         practitioners  by ledger  third party    category        significance
CASELEDGER_ROW(PractitionerRegistered,   "practitionerRegistered",   kPractitionerStream, {kAdmin},                             kNone,           false,     kNo,           "",             kNever);
CASELEDGER_ROW(PractitionerTrained,      "practitionerTrained",      kPractitionerStream, {kAdmin},                             kNone,           false,     kNo,           "",             kNever);
CASELEDGER_ROW(PractitionerDeactivated,  "practitionerDeactivated",  kPractitionerStream, {kAdmin},                             kNone,           false,     kNo,           "",             kNever);
CASELEDGER_ROW(FamilyRegistered,         "familyRegistered",         kFamilyStream,       {kHelpdesk},                          kNone,           false,     kNo,           "registration", kNever);
CASELEDGER_ROW(ConsentToCheckGiven,      "consentToCheckGiven",      kFamilyStream,       {kHelpdesk},                          kTeam,         false,     kNo,           "registration", kNever);
CASELEDGER_ROW(EpisodeOpened,            "episodeOpened",            kFamilyStream,       {kHelpdesk},                          kNone,           false,     kNo,           "registration", kAlways);
CASELEDGER_ROW(ConsentGiven,             "consentGiven",             kFamilyStream,       {},                                   kTeam,         false,     kNo,           "consent",      kAlways);
CASELEDGER_ROW(ConsentRefused,           "consentRefused",           kFamilyStream,       {},                                   kTeam,         false,     kNo,           "consent",      kAlways);
CASELEDGER_ROW(ConsentWithdrawn,         "consentWithdrawn",         kFamilyStream,       {},                                   kTeam,         false,     kNo,           "consent",      kAlways);
CASELEDGER_ROW(KeyworkerAssigned,        "keyworkerAssigned",        kFamilyStream,       {kCoordinator},                       kNone,           false,     kNo,           "team",         kAlways);
CASELEDGER_ROW(TafMemberAdded,           "tafMemberAdded",           kFamilyStream,       {kCoordinator},                       kKeyworker,    false,     kNo,           "team",         kAlways);
CASELEDGER_ROW(TafMemberRemoved,         "tafMemberRemoved",         kFamilyStream,       {kCoordinator},                       kKeyworker,    false,     kNo,           "team",         kAlways);
CASELEDGER_ROW(AssessmentStarted,        "assessmentStarted",        kFamilyStream,       {},                                   kTeam,         false,     kNo,           "assessment",   kNever);
CASELEDGER_ROW(ContributionRequested,    "contributionRequested",    kFamilyStream,       {},                                   kTeam,         false,     kNo,           "assessment",   kNever);
CASELEDGER_ROW(ContributionReceived,     "contributionReceived",     kFamilyStream,       {},                                   kTeam,         false,     kYes,          "assessment",   kNever);
CASELEDGER_ROW(AssessmentFinalised,      "assessmentFinalised",      kFamilyStream,       {},                                   kTeam,         false,     kNo,           "assessment",   kAlways);
CASELEDGER_ROW(CaseNoteAdded,            "caseNoteAdded",            kFamilyStream,       {kTriageManager, kCoordinator},       kTeam,         false,     kWhenSupplied, "",             kAsMarked);
CASELEDGER_ROW(DocumentUploaded,         "documentUploaded",         kFamilyStream,       {},                                   kTeam,         false,     kYes,          "document",     kNever);
CASELEDGER_ROW(TafMeetingHeld,           "tafMeetingHeld",           kFamilyStream,       {},                                   kTeam,         false,     kNo,           "meeting",      kAlways);
CASELEDGER_ROW(ActionPlanUpdated,        "actionPlanUpdated",        kFamilyStream,       {},                                   kTeam,         false,     kNo,           "actionPlan",   kNever);
CASELEDGER_ROW(OutcomeSharedWithParents, "outcomeSharedWithParents", kFamilyStream,       {},                                   kTeam,         false,     kNo,           "actionPlan",   kNever);
CASELEDGER_ROW(ConcernReceived,          "concernReceived",          kFamilyStream,       {kHelpdesk, kTriageManager},          kAnyFamily,    false,     kYes,          "concern",      kAlways);
CASELEDGER_ROW(TriageDirectionGiven,     "triageDirectionGiven",     kFamilyStream,       {kTriageManager},                     kNone,           false,     kNo,           "triage",       kAlways);
CASELEDGER_ROW(SteppedUp,                "steppedUp",                kFamilyStream,       {kTriageManager},                     kTeam,         false,     kNo,           "stepUp",       kAlways);
CASELEDGER_ROW(Signposted,               "signposted",               kFamilyStream,       {},                                   kTeam,         false,     kNo,           "signposting",  kNever);
CASELEDGER_ROW(EpisodeClosed,            "episodeClosed",            kFamilyStream,       {kTriageManager},                     kTeam,         false,     kNo,           "closure",      kAlways);
CASELEDGER_ROW(RecordCorrected,          "recordCorrected",          kFamilyStream,       {kHelpdesk, kTriageManager, kCoordinator}, kTeam,    false,     kNo,           "correction",   kNever);
CASELEDGER_ROW(LegalHoldApplied,         "legalHoldApplied",         kFamilyStream,       {kAdmin},                             kNone,           false,     kNo,           "legalHold",    kNever);
CASELEDGER_ROW(LegalHoldReleased,        "legalHoldReleased",        kFamilyStream,       {kAdmin},                             kNone,           false,     kNo,           "legalHold",    kNever);
CASELEDGER_ROW(FamilyErased,             "familyErased",             kFamilyStream,       {},                                   kNone,           true,      kNo,           "erasure",      kNever);
CASELEDGER_ROW(RecordViewed,             "recordViewed",             kAccessStream,       {},                                   kNone,           true,      kNo,           "",             kNever);
// Added in the second edition (DOMAIN.md "What happens, in order", read in docs/domain.md).
CASELEDGER_ROW(HelpdeskCheckMade,        "helpdeskCheckMade",        kFamilyStream,       {kHelpdesk},                          kNone,           false,     kNo,           "registration", kNever);
CASELEDGER_ROW(AssessmentSigned,         "assessmentSigned",         kFamilyStream,       {},                                   kTeam,         false,     kNo,           "assessment",   kNever);
CASELEDGER_ROW(ChildProtectionReferralMade, "childProtectionReferralMade", kFamilyStream, {kTriageManager},                     kTeam,         false,     kNo,           "referral",     kAlways);
CASELEDGER_ROW(AdviceSought,             "adviceSought",             kFamilyStream,       {kTriageManager, kCoordinator},       kTeam,         false,     kNo,           "advice",       kNever);
CASELEDGER_ROW(FamilyNoteAdded,          "familyNoteAdded",          kFamilyStream,       {kHelpdesk, kTriageManager, kCoordinator}, kTeam,    false,     kWhenSupplied, "",             kAsMarked);
// clang-format on
#undef CASELEDGER_ROW

template <size_t... I>
constexpr std::array<KindInfo, sizeof...(I)> MakeTable(std::index_sequence<I...>) {
  return {Row<std::variant_alternative_t<I, ev::Body>>::kInfo...};
}
constexpr auto kKinds = MakeTable(std::make_index_sequence<std::variant_size_v<ev::Body>>());

constexpr bool Consistent() {
  for (size_t i = 0; i < kKinds.size(); ++i) {
    const KindInfo& k = kKinds[i];
    for (size_t j = 0; j < i; ++j) {
      if (kKinds[j].type == k.type) return false;  // each name once
    }
    // A kind written by the ledger is recorded by nobody else; any other by someone.
    bool recorded = !k.roles.empty() || k.practitioners != kNone;
    if (k.by_ledger == recorded) return false;
    // Only family kinds are in the chronology, and each has a category (or is a case note).
    if ((k.stream == kFamilyStream) != (!k.category.empty() || k.significance == kAsMarked)) {
      return false;
    }
    // Nobody but an admin writes a practitioner's record; auditors and dashboards write nothing.
    if (k.stream == kPractitionerStream && (k.practitioners != kNone || k.roles.Has(kHelpdesk))) {
      return false;
    }
    if (k.roles.Has(kAuditor) || k.roles.Has(kDashboard)) return false;
  }
  return true;
}
static_assert(Consistent(), "the table of event kinds contradicts itself");

}  // namespace

std::span<const KindInfo> AllKinds() { return kKinds; }

const KindInfo& KindOf(const ev::Body& body) { return kKinds[body.index()]; }

const KindInfo* FindKind(std::string_view type) {
  for (const KindInfo& k : kKinds) {
    if (k.type == type) return &k;
  }
  return nullptr;
}

bool MayRecord(Role role, const KindInfo& kind) {
  if (kind.by_ledger) return false;
  if (role == Role::kPractitioner) return kind.practitioners != ByPractitioner::kNone;
  return kind.roles.Has(role);
}

}  // namespace caseledger::projections
