// Permission: who may read and write a family's record, decided from the table of event kinds
// (event_kinds.h) and the actor's relation to the family as its state says (DOMAIN.md "Who
// reads and writes"). The API asks before anything else (so that a refusal tells nothing);
// the rules (rules.h) ask again in the sequencer against the state the batch is judged on,
// so that a practitioner removed from the team between a request's arrival and its batch
// gets nothing more through.
//
// A practitioner's relation to a family:
//   keyworker     the keyworker of the family's team episode
//   TAF member    a TAF member (added and not removed) of the team episode
//   checked for   the practitioner the Helpdesk checked the family for (helpdeskCheckMade,
//                 identity verified), while no episode is open
//   none          anyone else, a past keyworker or member included
// The team episode is the open episode or, with none open, the latest episode for
// kTeamAfterClosure after its closure was recorded (to record what follows a closure: the
// outcome shared with the parents, the closing notes). Earlier episodes' teams have no
// access: DOMAIN.md gives it to those "on the team", and a family's next episode has its own.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ledger/status.h"
#include "projections/event_kinds.h"
#include "projections/family_state.h"

namespace caseledger::projections {

// How long a closed episode's team keeps its access (reads and team writes).
inline constexpr int64_t kTeamAfterClosure = 30LL * 24 * 3600 * 1'000'000;

enum class Relation { kKeyworker, kTafMember, kCheckedFor, kNone };
std::string_view Name(Relation relation);  // "keyworker", "TAF member", "checked for", "none"

// `actor`'s relation to `family` at `now` (µs since the epoch).
Relation RelationOf(std::string_view actor, const FamilyState& family, int64_t now);

// "practitioner", "helpdesk", "triage-manager", "coordinator", "auditor", "dashboard", "admin".
std::string_view Name(Role role);
std::optional<Role> RoleNamed(std::string_view name);

// One event of a request, as the permission sees it: its kind and, for a correction, the seq
// it corrects.
struct Recording {
  std::string type;
  uint64_t corrects = 0;
};

// True when `role`/`actor` may read the record of `family` at `now`. Practitioners: keyworker
// or TAF member of the team episode (an empty state for a family that does not exist: refused
// like one they are not on).
bool MayReadFamily(Role role, std::string_view actor, const FamilyState& family, int64_t now);

// Whether `role`/`actor` may append `events` to a family stream whose current state is
// `family` (registered=false for a new one, its family_id set). kPermissionDenied saying why
// and who may; kInvalidArgument for a kind that is not a family's. For a practitioner, a family
// that does not exist is refused with the very error of a family they are not on.
Status MayAppendToFamily(Role role, std::string_view actor, const FamilyState& family,
                         std::span<const Recording> events, int64_t now);

// The refusal a practitioner gets for a family they may not act on, whether or not it exists
// (the same bytes for both).
Status NotOnTeam(std::string_view actor, std::string_view family_id);

}  // namespace caseledger::projections
