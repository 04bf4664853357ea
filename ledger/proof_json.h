// The proofs of EVENTS.md as JSON, checked before they are given: shared by `caseledger prove`
// and GET /v1/ledger/proofs/*. Hashes are lowercase hex.
#pragma once

#include <cstdint>
#include <string>

#include "ledger/store.h"

namespace caseledger::ledger {

// {"size", "leafIndex", "leafHash", "rootHash", "hashes"}: event `seq` (leaf seq - 1) is in the
// tree of `size` leaves (0: the current size). kInvalidArgument (field "seq" / "size") when
// out of range; kDataLoss when the stored tree does not prove it (run verify).
Result<std::string> InclusionProofJson(Store& store, uint64_t seq, uint64_t size);

// {"from", "size", "fromRootHash", "rootHash", "hashes"}: the tree of `from` leaves is a prefix
// of the tree of `to` leaves (0: the current size). kInvalidArgument naming "from" or "to"
// when they are not 1 <= from <= to <= the current size.
Result<std::string> ConsistencyProofJson(Store& store, uint64_t from, uint64_t to);

}  // namespace caseledger::ledger
