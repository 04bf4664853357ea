#include "api/policy.h"

#include <algorithm>
#include <set>

namespace caseledger::api {
namespace {

bool Involved(const std::string& actor, const projections::FamilyState& family) {
  if (family.registered_by == actor) return true;
  return std::any_of(family.episodes.begin(), family.episodes.end(), [&](const auto& ep) {
    return ep.keyworker_id == actor || ep.taf_members.count(actor) != 0;
  });
}

// The family event kinds a role may record; practitioners: every kind but those excluded.
const std::set<std::string>& Writable(Role role) {
  static const std::set<std::string> kNone;
  static const std::set<std::string> kHelpdesk = {"familyRegistered", "consentToCheckGiven",
                                                  "episodeOpened"};
  static const std::set<std::string> kTriage = {"concernReceived", "triageDirectionGiven",
                                                "steppedUp", "caseNoteAdded"};
  static const std::set<std::string> kCoordinator = {"keyworkerAssigned", "tafMemberAdded",
                                                     "tafMemberRemoved", "caseNoteAdded"};
  static const std::set<std::string> kAdmin = {"legalHoldApplied", "legalHoldReleased"};
  switch (role) {
    case Role::kHelpdesk:
      return kHelpdesk;
    case Role::kTriageManager:
      return kTriage;
    case Role::kCoordinator:
      return kCoordinator;
    case Role::kAdmin:
      return kAdmin;
    default:
      return kNone;
  }
}

const std::set<std::string> kNotForPractitioners = {
    "triageDirectionGiven", "steppedUp", "legalHoldApplied", "legalHoldReleased", "familyErased"};

}  // namespace

bool MayReadFamily(const Principal& p, const projections::FamilyState& family) {
  switch (p.role) {
    case Role::kPractitioner:
      return Involved(p.actor_id, family);
    case Role::kTriageManager:
    case Role::kCoordinator:
    case Role::kAuditor:
      return true;
    case Role::kHelpdesk:
    case Role::kDashboard:
    case Role::kAdmin:
      return false;
  }
  return false;
}

Status MayAppendToFamily(const Principal& p, const projections::FamilyState& family,
                         const std::vector<std::string>& types) {
  const std::string who = std::string("role ") + RoleName(p.role);
  for (size_t i = 0; i < types.size(); ++i) {
    const std::string& type = types[i];
    if (type == "familyErased") {
      return Status::PermissionDenied(
          "familyErased is written by the erasure itself (caseledger erase), not appended");
    }
    bool allowed = p.role == Role::kPractitioner ? kNotForPractitioners.count(type) == 0
                                                 : Writable(p.role).count(type) != 0;
    if (!allowed) {
      return Status::PermissionDenied(who + " may not record " + type + " (events[" +
                                      std::to_string(i) + "])");
    }
  }
  // Concerns come from outside the family's team: any practitioner may pass one on.
  const bool only_concerns = std::all_of(
      types.begin(), types.end(), [](const std::string& t) { return t == "concernReceived"; });
  // A family that does not exist is refused as one the practitioner is not on (the same
  // answer), so that answers do not tell which family ids exist; registering it is the
  // exception.
  const bool registering =
      !family.registered && !types.empty() && types.front() == "familyRegistered";
  if (p.role == Role::kPractitioner && !only_concerns && !registering &&
      !Involved(p.actor_id, family)) {
    return Status::PermissionDenied("practitioner " + p.actor_id +
                                    " is not the keyworker or a TAF member of family " +
                                    family.family_id + ", and did not register it");
  }
  return Status();
}

Status MayAppendToPractitioner(const Principal& p) {
  if (p.role == Role::kAdmin) return Status();
  return Status::PermissionDenied(std::string("role ") + RoleName(p.role) +
                                  " may not write practitioner records: an admin registers "
                                  "practitioners and their training");
}

}  // namespace caseledger::api
