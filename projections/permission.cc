#include "projections/permission.h"

#include <array>
#include <utility>
#include <vector>

namespace caseledger::projections {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 7> kRoleNames = {{
    {Role::kPractitioner, "practitioner"},
    {Role::kHelpdesk, "helpdesk"},
    {Role::kTriageManager, "triage-manager"},
    {Role::kCoordinator, "coordinator"},
    {Role::kAuditor, "auditor"},
    {Role::kDashboard, "dashboard"},
    {Role::kAdmin, "admin"},
}};
static_assert(kRoleNames.size() == std::size(kAllRoles), "every role has a name");

// The episode whose team has access at `now`: the open one, else the latest if its closure
// was recorded less than kTeamAfterClosure ago.
const Episode* TeamEpisode(const FamilyState& family, int64_t now) {
  if (const Episode* open = family.OpenEpisode()) return open;
  if (family.episodes.empty()) return nullptr;
  const Episode& latest = family.episodes.back();
  return now - latest.closed_recorded_at < kTeamAfterClosure ? &latest : nullptr;
}

// "helpdesk, triage-manager or a practitioner on the family's team": who may record `kind`.
std::string WhoMay(const KindInfo& kind) {
  std::vector<std::string> who;
  for (Role r : kAllRoles) {
    if (r != Role::kPractitioner && kind.roles.Has(r)) who.emplace_back(Name(r));
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

Status Refuse(Role role, const KindInfo& kind, size_t i, std::string_view verb) {
  return Status::PermissionDenied("role " + std::string(Name(role)) + " may not " +
                                  std::string(verb) + " " + std::string(kind.type) + " (events[" +
                                  std::to_string(i) + "]): " + WhoMay(kind) + " may");
}

// A practitioner's reach over the family for a kind that practitioners may record.
bool Reaches(Relation relation, ByPractitioner by) {
  switch (by) {
    case ByPractitioner::kNone:
      return false;
    case ByPractitioner::kTeam:
      return relation != Relation::kNone;
    case ByPractitioner::kKeyworker:
      return relation == Relation::kKeyworker;
    case ByPractitioner::kAnyFamily:
      return true;
  }
  return false;
}

}  // namespace

std::string_view Name(Relation relation) {
  switch (relation) {
    case Relation::kKeyworker:
      return "keyworker";
    case Relation::kTafMember:
      return "TAF member";
    case Relation::kCheckedFor:
      return "checked for";
    case Relation::kNone:
      return "none";
  }
  return "none";
}

Relation RelationOf(std::string_view actor, const FamilyState& family, int64_t now) {
  if (actor.empty()) return Relation::kNone;
  if (const Episode* ep = TeamEpisode(family, now)) {
    if (ep->keyworker_id == actor) return Relation::kKeyworker;
    if (ep->taf_members.count(std::string(actor)) != 0) return Relation::kTafMember;
  }
  if (family.OpenEpisode() == nullptr && family.checked_for.count(std::string(actor)) != 0) {
    return Relation::kCheckedFor;
  }
  return Relation::kNone;
}

std::string_view Name(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "unknown";
}

std::optional<Role> RoleNamed(std::string_view name) {
  for (const auto& [r, n] : kRoleNames) {
    if (n == name) return r;
  }
  return std::nullopt;
}

bool MayReadFamily(Role role, std::string_view actor, const FamilyState& family, int64_t now) {
  switch (role) {
    case Role::kPractitioner: {
      const Relation r = RelationOf(actor, family, now);
      return r == Relation::kKeyworker || r == Relation::kTafMember;
    }
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

Status NotOnTeam(std::string_view actor, std::string_view family_id) {
  return Status::PermissionDenied(
      "practitioner " + std::string(actor) + " is not the keyworker or a TAF member of family " +
      std::string(family_id) + ": only the team of its current episode may act on it");
}

Status MayAppendToFamily(Role role, std::string_view actor, const FamilyState& family,
                         std::span<const Recording> events, int64_t now) {
  const Relation relation =
      role == Role::kPractitioner ? RelationOf(actor, family, now) : Relation::kNone;
  for (size_t i = 0; i < events.size(); ++i) {
    const KindInfo* kind = FindKind(events[i].type);
    if (kind == nullptr || kind->stream != StreamKind::kFamily) {
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
    if (!MayRecord(role, *kind)) return Refuse(role, *kind, i, "record");
    if (role == Role::kPractitioner && !Reaches(relation, kind->practitioners)) {
      if (kind->practitioners == ByPractitioner::kKeyworker && relation != Relation::kNone) {
        return Status::PermissionDenied("only the keyworker of family " + family.family_id +
                                        "'s episode may record " + events[i].type + " (events[" +
                                        std::to_string(i) + "]); a coordinator may too");
      }
      return NotOnTeam(actor, family.family_id);
    }
    if (events[i].corrects != 0) {
      // Only who may record a kind may correct it.
      auto it = family.events.find(events[i].corrects);
      const KindInfo* corrected = it == family.events.end() ? nullptr : FindKind(it->second);
      if (corrected != nullptr && !MayRecord(role, *corrected)) {
        return Refuse(role, *corrected, i, "correct");
      }
    }
  }
  return Status();
}

}  // namespace caseledger::projections
