#include "api/policy.h"

#include <algorithm>

#include "projections/event_kinds.h"

namespace caseledger::api {
namespace {

using projections::ByPractitioner;
using projections::KindInfo;

bool OnTeam(const std::string& actor, const projections::FamilyState& family) {
  return std::any_of(family.episodes.begin(), family.episodes.end(), [&](const auto& ep) {
    return ep.keyworker_id == actor || ep.taf_members.count(actor) != 0;
  });
}

// The keyworker of the family's open episode (or, with none open, of its latest episode).
bool IsKeyworker(const std::string& actor, const projections::FamilyState& family) {
  const projections::Episode* ep = family.OpenEpisode();
  if (ep == nullptr && !family.episodes.empty()) ep = &family.episodes.back();
  return ep != nullptr && ep->keyworker_id == actor;
}

// "helpdesk, triage-manager or a practitioner on the family's team": who may record `kind`.
std::string WhoMay(const KindInfo& kind) {
  std::vector<std::string> who;
  for (Role r : projections::kAllRoles) {
    if (r != Role::kPractitioner && kind.roles.Has(r)) who.push_back(RoleName(r));
  }
  switch (kind.practitioners) {
    case ByPractitioner::kNone:
      break;
    case ByPractitioner::kTeam:
      who.push_back("a practitioner on the family's team (keyworker or TAF member)");
      break;
    case ByPractitioner::kKeyworker:
      who.push_back("the episode's keyworker");
      break;
    case ByPractitioner::kAnyFamily:
      who.push_back("any practitioner");
      break;
  }
  if (who.empty()) return "nobody, through a request";
  std::string out;
  for (size_t i = 0; i < who.size(); ++i) {
    out += i == 0 ? "" : i + 1 == who.size() ? " or " : ", ";
    out += who[i];
  }
  return out;
}

Status Refuse(const Principal& p, const KindInfo& kind, size_t i, std::string_view verb) {
  return Status::PermissionDenied(std::string("role ") + RoleName(p.role) + " may not " +
                                  std::string(verb) + " " + std::string(kind.type) + " (events[" +
                                  std::to_string(i) + "]): " + WhoMay(kind) + " may");
}

// A practitioner's reach over the family for a kind that practitioners may record.
bool Reaches(const Principal& p, const projections::FamilyState& family, ByPractitioner by) {
  switch (by) {
    case ByPractitioner::kNone:
      return false;
    case ByPractitioner::kTeam:
      // Before any episode opens, the practitioner the Helpdesk checked the family for (a
      // refusal at the outset, notes on the family) counts as its team.
      return OnTeam(p.actor_id, family) ||
             (family.OpenEpisode() == nullptr && family.checked_for.count(p.actor_id) != 0);
    case ByPractitioner::kKeyworker:
      return IsKeyworker(p.actor_id, family);
    case ByPractitioner::kAnyFamily:
      return true;
  }
  return false;
}

}  // namespace

bool MayReadFamily(const Principal& p, const projections::FamilyState& family) {
  switch (p.role) {
    case Role::kPractitioner:
      return OnTeam(p.actor_id, family);
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
                         const std::vector<Recording>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    const KindInfo* kind = projections::FindKind(events[i].type);
    if (kind == nullptr || kind->stream != projections::StreamKind::kFamily) {
      return Status::InvalidArgument(
          "a " + events[i].type + " event does not belong in a family's stream",
          "events[" + std::to_string(i) + "].type");
    }
    if (kind->by_ledger) {
      return Status::PermissionDenied(
          events[i].type + " is written by the ledger itself (" +
          (kind->type == "familyErased" ? "caseledger erase" : "a read of the record") +
          "), not appended");
    }
    if (!projections::MayRecord(p.role, *kind)) return Refuse(p, *kind, i, "record");
    if (events[i].corrects != 0) {
      // Only who may record a kind may correct it.
      auto it = family.events.find(events[i].corrects);
      const KindInfo* corrected =
          it == family.events.end() ? nullptr : projections::FindKind(it->second);
      if (corrected != nullptr && !projections::MayRecord(p.role, *corrected)) {
        return Refuse(p, *corrected, i, "correct");
      }
    }
    if (p.role == Role::kPractitioner && !Reaches(p, family, kind->practitioners)) {
      if (kind->practitioners == ByPractitioner::kKeyworker && OnTeam(p.actor_id, family)) {
        return Status::PermissionDenied("only the keyworker of family " + family.family_id +
                                        "'s episode may record " + events[i].type + " (events[" +
                                        std::to_string(i) + "]); a coordinator may too");
      }
      return Status::PermissionDenied("practitioner " + p.actor_id +
                                      " is not the keyworker or a TAF member of family " +
                                      family.family_id);
    }
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
