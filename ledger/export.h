// Export: the whole log as one file that an auditor keeps and checks years later with no
// database, no server and nothing from whoever runs them but the verifier key.
//
// The file is a POSIX tar archive (`tar tvf` lists it) of five members, in this order:
//   README.txt   what the members are and how to read them with stock tools
//   event.capnp  the schema the events were written with (ledger/event.capnp)
//   checkpoint   the signed checkpoint (C2SP tlog-checkpoint) of the log at the export's size
//   leaves       the Merkle leaf hashes, 32 bytes per event, in seq order
//   events       every stored event, exactly the bytes that were hashed, in seq order: a plain
//                Cap'n Proto message stream
//                  tar -xOf FILE events | capnp decode event.capnp Event
//
// Trust: only the verifier key and the checkpoints it signed. Everything else in the file is
// checked against them: each event is re-hashed and the tree rebuilt, so the file proves
// itself. The leaves member only locates damage: once its own tree gives a signed root, an
// event whose hash differs from its leaf is named exactly; without it, a changed event could
// only be placed before the first checkpoint whose root fails.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ledger/signed_note.h"
#include "ledger/status.h"
#include "ledger/store.h"

namespace caseledger::ledger {

using ExportProgress = std::function<void(uint64_t done, uint64_t total)>;

struct ExportSummary {
  Checkpoint checkpoint;  // of the exported log (its size and root)
  std::string signed_checkpoint;
  uint64_t bytes = 0;  // of the file
};

// Writes the log as it stands (its size when the call starts; appends may go on) to `path`,
// through a temporary file renamed into place and synced, so `path` is either the old file or
// the whole new one. The leaves are re-hashed from the stored events: if their root is not the
// stored tree's, the log is damaged and nothing is written (kDataLoss: run verify).
Result<ExportSummary> WriteExport(Store& store, const NoteSigner& signer, const std::string& path,
                                  const ExportProgress& progress = {});

struct ExportVerification {
  Checkpoint checkpoint;                // the export's, rebuilt from its events
  std::vector<uint64_t> checked_sizes;  // the signed checkpoints it matched, by size
};

// Verifies the export at `path` alone. Trusted: `verifier`, the export's own checkpoint when
// `verifier` signed it, and `checkpoint_notes` (signed notes kept by the auditor, each of which
// must be signed by `verifier` and be of the same log). Checks, stopping at the first failure:
// the archive and its members are whole; every checkpoint is consistent with the others (one
// history, only grown); each event decodes with the schema, is at its seq, after the previous
// one in time, at the next version of its stream, with an eventId not used before; each
// event's hash is its leaf; the tree rebuilt from the events has every signed root at its
// size. kDataLoss naming the first bad seq (Status::seq()) when an event is missing, damaged,
// out of place or altered; kDataLoss without a seq when a checkpoint is inconsistent with the
// export; kInvalidArgument when a checkpoint is not signed by `verifier` or malformed.
Result<ExportVerification> VerifyExport(const std::string& path, const NoteVerifier& verifier,
                                        const std::vector<std::string>& checkpoint_notes,
                                        const ExportProgress& progress = {});

}  // namespace caseledger::ledger
