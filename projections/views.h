// Views: the family reads of EVENTS.md built from the store, as the record stood at any
// moment. Shared by the command line and the HTTP API.
//
// "As of" a recorded time T is "as of" the seq of the last event recorded at or before T
// (Store::SeqAsOf); the fold then stops at that seq, so an entry recorded after T, however
// far back it is dated, is not in the view.
//
// Thread-safety: each function reads the store (thread-safe) and returns values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/store.h"
#include "projections/calendar.h"
#include "projections/chronology.h"
#include "projections/family_state.h"
#include "projections/timescales.h"

namespace caseledger::projections {

// When to read as of: a recorded time (RFC 3339, microseconds) or a seq; both 0: now.
struct AsOf {
  int64_t recorded_at = 0;
  uint64_t seq = 0;
  bool now() const { return recorded_at == 0 && seq == 0; }
};

// The largest seq the view may include: Size() for now. kInvalidArgument for a seq beyond
// the log. A time before the first event gives 0 (an empty view).
Result<uint64_t> ResolveAsOf(ledger::Store& store, const AsOf& as_of);

// A family's events, decoded, up to `max_seq`. kNotFound when the family has none by then;
// kInvalidArgument for an id that is not 1-64 of A-Z a-z 0-9 - _.
Result<std::vector<ev::Event>> ReadFamily(ledger::Store& store, const std::string& family_id,
                                          uint64_t max_seq);

// A practitioner as recorded up to `max_seq` (unregistered when the stream is empty).
Result<Practitioner> ReadPractitioner(ledger::Store& store, const std::string& id,
                                      uint64_t max_seq = 0);

// Practitioner names for summaries, read from the store (up to `max_seq`) and remembered.
PractitionerNames StoreNames(ledger::Store& store, uint64_t max_seq);

// GET /v1/families/{id}: {"familyId", "version", "asOfSeq", "members", "address",
// "consentToCheck", "episodes": [...], "concerns": [...], "legalHold", "erased"}.
std::string FamilyStateJson(const FamilyState& family, uint64_t as_of_seq);
// The same with what follows "asOfSeq" already written by FamilyStateRestJson (a kept answer).
std::string FamilyStateJson(const FamilyState& family, uint64_t as_of_seq, std::string_view rest);
std::string FamilyStateRestJson(const FamilyState& family);

// Re-indents compact JSON with two spaces (for golden files and people); the text is not
// otherwise checked.
std::string PrettyJson(std::string_view json);

}  // namespace caseledger::projections
