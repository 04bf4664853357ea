// Who may record what (DOMAIN.md "Who reads and writes", updated): every role x every event
// kind, against a table written here independently of projections/event_kinds.cc. The test
// fails for a kind of the schema that this table does not decide, so a new kind cannot slip
// in with its rights unread.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "api/policy.h"
#include "projections/event_kinds.h"

namespace caseledger::testing {
namespace {

using api::Role;
using projections::AllKinds;

// Who may record each kind through a request. Practitioners: "team" (keyworker or TAF member
// of the family), "keyworker" (the open episode's keyworker only), "any" (about any family),
// "" (never). Others: the roles by name. "ledger": written by the ledger itself.
struct Expected {
  std::string practitioner;
  std::set<std::string> roles;
};
const std::map<std::string, Expected>& Table() {
  static const std::map<std::string, Expected> table = {
      {"practitionerRegistered", {"", {"admin"}}},
      {"practitionerTrained", {"", {"admin"}}},
      {"practitionerDeactivated", {"", {"admin"}}},
      {"familyRegistered", {"", {"helpdesk"}}},
      {"consentToCheckGiven", {"team", {"helpdesk"}}},
      {"episodeOpened", {"", {"helpdesk"}}},
      {"consentGiven", {"team", {}}},
      {"consentRefused", {"team", {}}},
      {"consentWithdrawn", {"team", {}}},
      // Coordinators reassign keyworkers; practitioners do not (not even the keyworker).
      {"keyworkerAssigned", {"", {"coordinator"}}},
      {"tafMemberAdded", {"keyworker", {"coordinator"}}},
      {"tafMemberRemoved", {"keyworker", {"coordinator"}}},
      {"assessmentStarted", {"team", {}}},
      {"contributionRequested", {"team", {}}},
      {"contributionReceived", {"team", {}}},
      {"assessmentFinalised", {"team", {}}},
      {"caseNoteAdded", {"team", {"triage-manager", "coordinator"}}},
      {"documentUploaded", {"team", {}}},
      {"tafMeetingHeld", {"team", {}}},
      {"actionPlanUpdated", {"team", {}}},
      {"outcomeSharedWithParents", {"team", {}}},
      // The customer service centre (helpdesk role) passes concerns on, as any practitioner.
      {"concernReceived", {"any", {"helpdesk", "triage-manager"}}},
      {"triageDirectionGiven", {"", {"triage-manager"}}},
      // The keyworker records what their TAF decided; triage managers step up and close after.
      {"steppedUp", {"team", {"triage-manager"}}},
      {"signposted", {"team", {}}},
      {"episodeClosed", {"team", {"triage-manager"}}},
      {"recordCorrected", {"team", {"helpdesk", "triage-manager", "coordinator"}}},
      {"legalHoldApplied", {"", {"admin"}}},
      {"legalHoldReleased", {"", {"admin"}}},
      {"familyErased", {"", {"ledger"}}},
      {"recordViewed", {"", {"ledger"}}},
      // Added in the second edition.
      {"helpdeskCheckMade", {"", {"helpdesk"}}},
      {"assessmentSigned", {"team", {}}},
      {"childProtectionReferralMade", {"team", {"triage-manager"}}},
      {"adviceSought", {"team", {"triage-manager", "coordinator"}}},
      // A note on the family outside any episode (e.g. consent refused at the outset).
      {"familyNoteAdded", {"team", {"helpdesk", "triage-manager", "coordinator"}}},
  };
  return table;
}

// F1 with episode E1: keyworker P1, TAF member P2.
projections::FamilyState Family() {
  projections::FamilyState f;
  f.family_id = "F1";
  f.registered = true;
  projections::Episode ep;
  ep.id = "E1";
  ep.keyworker_id = "P1";
  ep.taf_members = {"P2"};
  f.episodes.push_back(ep);
  return f;
}

api::Principal As(Role role, std::string actor) { return {"t", role, std::move(actor), 0}; }

// 2026-06-01T12:00:00Z: when the policy is asked (a closed episode's team keeps its access for
// 30 days after the closure is recorded).
constexpr int64_t kNow = 1'780'315'200'000'000LL;

TEST_CASE("policy: every role x every event kind is decided as DOMAIN.md's table says",
          "[policy]") {
  const projections::FamilyState family = Family();
  for (const auto& kind : AllKinds()) {
    const std::string type(kind.type);
    INFO(type);
    auto it = Table().find(type);
    if (it == Table().end()) FAIL("kind " << type << " is missing from this test's table");
    const Expected& want = it->second;
    for (Role role : projections::kAllRoles) {
      INFO(api::RoleName(role));
      if (role == Role::kPractitioner) {
        CHECK(projections::MayRecord(role, kind) == !want.practitioner.empty());
      } else {
        CHECK(projections::MayRecord(role, kind) == want.roles.count(api::RoleName(role)) > 0);
      }
      if (kind.stream != projections::StreamKind::kFamily) continue;
      // Through the policy, on F1: practitioners by their place on the team.
      const bool allowed = want.roles.count(api::RoleName(role)) > 0;
      if (role != Role::kPractitioner) {
        CHECK(api::MayAppendToFamily(As(role, "X1"), family, {{type}}, kNow).ok() == allowed);
        continue;
      }
      const bool keyworker = !want.practitioner.empty();
      const bool member = want.practitioner == "team" || want.practitioner == "any";
      CHECK(api::MayAppendToFamily(As(role, "P1"), family, {{type}}, kNow).ok() == keyworker);
      CHECK(api::MayAppendToFamily(As(role, "P2"), family, {{type}}, kNow).ok() == member);
      CHECK(api::MayAppendToFamily(As(role, "P3"), family, {{type}}, kNow).ok() ==
            (want.practitioner == "any"));
    }
  }
  CHECK(Table().size() == AllKinds().size());
}

TEST_CASE("policy: a correction is recorded only by a role that may record the kind it corrects",
          "[policy]") {
  projections::FamilyState family = Family();
  family.events = {{1, "familyRegistered"},
                   {2, "episodeOpened"},
                   {3, "caseNoteAdded"},
                   {4, "triageDirectionGiven"}};
  auto correcting = [&](Role role, const std::string& actor, uint64_t seq) {
    return api::MayAppendToFamily(As(role, actor), family, {{"recordCorrected", seq}}, kNow);
  };
  CHECK(correcting(Role::kHelpdesk, "helpdesk1", 1).ok());  // its registration
  CHECK(correcting(Role::kPractitioner, "P1", 3).ok());     // the keyworker's note
  CHECK(correcting(Role::kTriageManager, "TM1", 4).ok());   // its direction
  Status s = correcting(Role::kPractitioner, "P1", 4);      // not a practitioner's
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(s.message().find("may not correct triageDirectionGiven") != std::string::npos);
  CHECK(correcting(Role::kHelpdesk, "helpdesk1", 3).code() == Code::kPermissionDenied);
  CHECK(correcting(Role::kPractitioner, "P1", 1).code() == Code::kPermissionDenied);
}

TEST_CASE(
    "policy: the helpdesk records its check for an open FFA, and a practitioner, even the "
    "keyworker, does not",
    "[policy]") {
  CHECK(api::MayAppendToFamily(As(Role::kHelpdesk, "helpdesk1"), Family(), {{"helpdeskCheckMade"}},
                               kNow)
            .ok());
  Status s = api::MayAppendToFamily(As(Role::kPractitioner, "P1"), Family(),
                                    {{"helpdeskCheckMade"}}, kNow);
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(s.message() ==
        "role practitioner may not record helpdeskCheckMade (events[0]): helpdesk may");
}

TEST_CASE("policy: a refusal says who may record the kind", "[policy]") {
  Status s = api::MayAppendToFamily(As(Role::kPractitioner, "P1"), Family(),
                                    {{"caseNoteAdded"}, {"keyworkerAssigned"}}, kNow);
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(s.message() ==
        "role practitioner may not record keyworkerAssigned (events[1]): "
        "coordinator may");
  s = api::MayAppendToFamily(As(Role::kPractitioner, "P2"), Family(), {{"tafMemberAdded"}}, kNow);
  CHECK(s.message().find("only the keyworker") != std::string::npos);
  s = api::MayAppendToFamily(As(Role::kAdmin, "admin"), Family(), {{"familyErased"}}, kNow);
  CHECK(s.message().find("caseledger erase") != std::string::npos);
  s = api::MayAppendToFamily(As(Role::kAdmin, "admin"), Family(), {{"practitionerTrained"}}, kNow);
  CHECK(s.code() == Code::kInvalidArgument);
}

TEST_CASE(
    "policy: before any episode opens, the practitioner the Helpdesk checked the family for may "
    "record its consent refused at the outset and notes on the family, and no longer once an "
    "episode opens with another keyworker",
    "[policy]") {
  projections::FamilyState family;
  family.family_id = "F2";
  family.registered = true;
  family.checked_for = {"P3"};
  const auto p3 = As(Role::kPractitioner, "P3");
  CHECK(api::MayAppendToFamily(p3, family, {{"consentRefused"}, {"familyNoteAdded"}}, kNow).ok());
  CHECK(api::MayAppendToFamily(As(Role::kPractitioner, "P4"), family, {{"familyNoteAdded"}}, kNow)
            .code() == Code::kPermissionDenied);
  CHECK(api::MayAppendToFamily(p3, family, {{"keyworkerAssigned"}}, kNow).code() ==
        Code::kPermissionDenied);
  projections::Episode ep;
  ep.id = "E1";
  ep.keyworker_id = "P1";
  family.episodes.push_back(ep);
  CHECK(api::MayAppendToFamily(p3, family, {{"familyNoteAdded"}}, kNow).code() ==
        Code::kPermissionDenied);
}

TEST_CASE(
    "policy: a practitioner's rights follow their relation to the family, kind by kind: "
    "keyworker, TAF member, checked for, none, the id that registered it, a removed member, and "
    "a closed episode's team 30 days after the closure",
    "[policy]") {
  constexpr int64_t kDay = 24LL * 3600 * 1'000'000;
  projections::FamilyState open = Family();  // E1 open: keyworker P1, TAF member P2
  open.registered_by = "P4";                 // P4 registered it (as another role)
  projections::FamilyState checked;          // no episode; the Helpdesk checked it for P5
  checked.family_id = "F2";
  checked.registered = true;
  checked.checked_for = {"P5"};
  auto closed_days_ago = [&](int days) {
    projections::FamilyState f = Family();
    f.episodes.back().closed = true;
    f.episodes.back().closed_recorded_at = kNow - days * kDay;
    return f;
  };
  const projections::FamilyState closed_29 = closed_days_ago(29);
  const projections::FamilyState closed_31 = closed_days_ago(31);
  for (const auto& kind : AllKinds()) {
    if (kind.stream != projections::StreamKind::kFamily) continue;
    const std::string type(kind.type);
    INFO(type);
    const std::string& by = Table().at(type).practitioner;
    const bool team = by == "team" || by == "any";
    auto may = [&](const std::string& actor, const projections::FamilyState& f) {
      return api::MayAppendToFamily(As(Role::kPractitioner, actor), f, {{type}}, kNow).ok();
    };
    CHECK(may("P1", open) == !by.empty());       // keyworker
    CHECK(may("P2", open) == team);              // TAF member
    CHECK(may("P3", open) == (by == "any"));     // none
    CHECK(may("P4", open) == (by == "any"));     // registered it, not on the team
    CHECK(may("P5", checked) == team);           // checked for, no episode open
    CHECK(may("P1", closed_29) == !by.empty());  // closed 29 days ago: still the team
    CHECK(may("P2", closed_29) == team);
    CHECK(may("P1", closed_31) == (by == "any"));  // 31 days: no longer
    CHECK(may("P2", closed_31) == (by == "any"));
  }
  // Reads: the team only, and as long as it is the team.
  auto reads = [&](const std::string& actor, const projections::FamilyState& f) {
    return api::MayReadFamily(As(Role::kPractitioner, actor), f, kNow);
  };
  CHECK(reads("P1", open));
  CHECK(reads("P2", open));
  CHECK_FALSE(reads("P3", open));
  CHECK_FALSE(reads("P4", open));
  CHECK_FALSE(reads("P5", checked));
  CHECK(reads("P2", closed_29));
  CHECK_FALSE(reads("P1", closed_31));
  projections::FamilyState removed = open;  // P2 removed from the TAF
  removed.episodes.back().taf_members.clear();
  CHECK_FALSE(reads("P2", removed));
  CHECK_FALSE(
      api::MayAppendToFamily(As(Role::kPractitioner, "P2"), removed, {{"caseNoteAdded"}}, kNow)
          .ok());
}

}  // namespace
}  // namespace caseledger::testing
