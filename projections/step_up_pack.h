// The step-up pack: what a triage or safeguarding manager needs on one page to decide whether
// a child's case steps up to statutory services (DOMAIN.md, "chronology"; issue 18 item 7).
//
// Built from the family's record as of any moment (corrections applied): the children, the
// episode (open, else the latest) with its consent, keyworker (active or not) and TAF members,
// the open actions with their owners (overdue ones marked), the concerns with every direction,
// every timescale missed (breached or met late, of every interval) and the significant
// chronology with its computed entries. A read of the pack is logged like any other read (the
// caller's duty).
//
// Thread-safety: a pure function over values.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "projections/calendar.h"
#include "projections/chronology.h"
#include "projections/family_state.h"

namespace caseledger::projections {

struct StepUpPackInput {
  const FamilyState* family = nullptr;                       // corrections applied (FoldFamily)
  const std::vector<ChronologyEntry>* chronology = nullptr;  // ChronologyWithComputed
  const Calendar* calendar = nullptr;
  Day on;  // timescales as on this day
  uint64_t as_of_seq = 0;
  std::string as_of_text;
  // A practitioner as recorded then (unregistered when unknown).
  std::function<Practitioner(const std::string& id)> practitioner;
};

// {"familyId", "asOfSeq", "asOf", "on", "children": [{"memberId", "name", "dateOfBirth"}],
// "episode": {"episodeId", "status", "registrationCompletedOn", "consent": {...},
// "keyworker": {"id", "name", "agency", "active"}, "tafMembers": [same], "assessment":
// {"started", "finalised", "finalisedAt", "signedByFamily", "copyGivenToFamily"}, "meetings":
// [{"meetingId", "kind", "outcome", "heldAt", "attendees", "nextReviewOn",
// "sharedWithParentsAt"}], "lastContactAt", "closed": {"reason", "detail", "meetingId", "at"} |
// null, "steppedUp"} | null,
// "openActions": [{"actionId", "description", "owner", "dueOn", "meetingId", "overdue"}],
// "concerns": [{"concernId", "source", "kind", "summary", "aboveThreshold", "receivedAt",
// "episodeId", "directionStatus", "directions": [{"direction", "by", "at"}]}],
// "timescaleMisses": [{"id", "episodeId", "meetingId", "startedOn", "dueOn", "metOn", "state",
// "daysLate"}], "flags": {...}, "timescales": [the episode's, each at its latest interval:
// TimescaleJson], "chronology": [significant entries, computed ones included]}.
std::string StepUpPackJson(const StepUpPackInput& in);

}  // namespace caseledger::projections
