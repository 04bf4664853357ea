// Policy: what each role may read and write (DOMAIN.md "Who reads and writes"). One place,
// used by every route, so that the pages and the API decide alike. Who may record which kind
// is the table of event kinds (projections/event_kinds.h); the actor's relation to the family
// is projections/permission.h (the rules ask it again in the sequencer). In short:
//
//   practitioner    registered, trained and active (a deactivated one's tokens are refused);
//                   reads the families whose team they are on (keyworker or TAF member of the
//                   open episode, or of the latest for 30 days after its closure); records the
//                   kinds the table allows practitioners, on those families (team changes: as the
//                   keyworker only), and, while no episode is open, on a family the Helpdesk
//                   checked for them (identity verified); passes on a concern about any family
//   helpdesk        the open-episode check; registers families and opens episodes; passes on
//                   concerns (the customer service centre); reads no record
//   triage-manager  reads every family; records concerns, triage directions, step-ups, the
//                   closures that follow them, and case notes
//   coordinator     reads every family (one ledger is one local authority: areas are not
//                   modelled yet); reassigns keyworkers, adds and removes TAF members; notes
//   auditor         reads everything, raw events, proofs and the access log; writes nothing
//   dashboard       aggregate figures and the feed without its data; no personal data
//   admin           registers practitioners and their training, issues tokens, records legal
//                   holds; reads no record
//
// A correction (recordCorrected) may be recorded only by a role that may record the kind it
// corrects. familyErased is written by the erasure itself, recordViewed by a read: never
// through the events route.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/tokens.h"
#include "ledger/status.h"
#include "projections/family_state.h"
#include "projections/permission.h"

namespace caseledger::api {

// True when `p` may read the record of `family` at `now` (its state now, whatever "as of" is
// asked): projections::MayReadFamily. For a practitioner, pass an empty state for a family that
// does not exist: it is refused like one they are not on.
bool MayReadFamily(const Principal& p, const projections::FamilyState& family, int64_t now);

using projections::Recording;

// Whether `p` may append `events` to a family stream whose current state is `family`, at
// `now`: projections::MayAppendToFamily (permission.h), which the rules ask again in the
// sequencer. For a practitioner, a family that does not exist is refused with the very error
// of a family they are not on, so that the answer does not tell whether it exists.
Status MayAppendToFamily(const Principal& p, const projections::FamilyState& family,
                         const std::vector<Recording>& events, int64_t now);

// Whether `p` may append to a practitioner stream.
Status MayAppendToPractitioner(const Principal& p);

}  // namespace caseledger::api
