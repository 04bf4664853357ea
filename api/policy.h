// Policy: what each role may read and write (DOMAIN.md "Who reads and writes"). One place,
// used by every route, so that the pages and the API decide alike.
//
//   practitioner    reads and writes the families where they are (or were) keyworker or TAF
//                   member, or which they registered; may register a new family; records
//                   any family work except triage directions, step-ups and legal holds;
//                   passes on a concern (concernReceived) about any family
//   helpdesk        the open-episode check; registers families (familyRegistered,
//                   consentToCheckGiven, episodeOpened); reads no record
//   triage-manager  reads every family; records concerns, triage directions, step-ups and
//                   case notes
//   coordinator     reads every family (one ledger is one local authority: areas are not
//                   modelled yet); reassigns keyworkers and TAF members; case notes
//   auditor         reads everything, raw events, proofs and the access log; writes nothing
//   dashboard       aggregate figures and the feed without its data; no personal data
//   admin           registers practitioners and their training, issues tokens, records legal
//                   holds; reads no record
//
// familyErased is written by the erasure itself, never through the events route.
#pragma once

#include <string>
#include <vector>

#include "api/tokens.h"
#include "ledger/status.h"
#include "projections/family_state.h"

namespace caseledger::api {

// True when `p` may read the record of `family` (its state now, whatever "as of" is asked).
// For a practitioner, pass an empty state for a family that does not exist: it is refused like
// one they are not on (reads of a family check this before saying it does not exist).
bool MayReadFamily(const Principal& p, const projections::FamilyState& family);

// Whether `p` may append events of `types` to a family stream whose current state is `family`
// (registered=false for a new one; its family_id set all the same). kPermissionDenied saying
// why. A practitioner may append to a family that does not exist only to register it (the
// first event familyRegistered) or to pass on a concern: anything else is refused with the
// very error of a family they are not on, so that the answer does not tell whether it exists.
Status MayAppendToFamily(const Principal& p, const projections::FamilyState& family,
                         const std::vector<std::string>& types);

// Whether `p` may append to a practitioner stream.
Status MayAppendToPractitioner(const Principal& p);

}  // namespace caseledger::api
