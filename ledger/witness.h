// A witness (C2SP tlog-witness v1): an independent party that cosigns a log's checkpoint only
// if it is consistent with every checkpoint of that log it cosigned before, so that whoever
// holds the log's key cannot show one history to one auditor and another to the next.
//
// It shares the Merkle and note code of ledger/ and none of a ledger's data or keys: its own
// folder holds its key (`witness.key`, mode 0600, C2SP cosignature/v1, type 0x04) and, per
// log origin, the latest checkpoint it cosigned (`state/<sha256 of the origin>`, written to a
// temporary file, synced and renamed before it answers). One lock orders the check of the old
// size and the write of the new state, so concurrent submissions never roll a log back.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/signed_note.h"
#include "ledger/status.h"

namespace caseledger::ledger {

// A log the witness accepts: its origin (the checkpoint's first line) and a key of it.
struct WitnessedLog {
  std::string origin;
  NoteVerifier key;
};

// An HTTP answer, as tlog-witness says it.
struct WitnessAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class Witness {
 public:
  // Makes `dir` (mode 0700) with a new key named `name`: kInvalidArgument when it already
  // holds one (a witness's key is never replaced).
  static Result<NoteVerifier> Init(const std::string& dir, std::string_view name);
  // The witness of `dir` for `logs`. `now` gives the cosignatures' time (Unix seconds).
  static Result<std::unique_ptr<Witness>> Open(const std::string& dir,
                                               std::vector<WitnessedLog> logs,
                                               std::function<uint64_t()> now);

  // POST <prefix>/add-checkpoint: 200 and the cosignature line; 400 a malformed body or old >
  // size; 403 no valid signature by a trusted key; 404 an unknown origin; 409 old is not the
  // size last cosigned (body "<size>\n", text/x.tlog.size), or the same size with another root
  // (text/plain); 422 the consistency proof does not hold; 500 the state could not be saved.
  WitnessAnswer AddCheckpoint(std::string_view body);
  // The latest checkpoint of `origin` it cosigned, with the log's signatures and its own
  // (404 when it never cosigned one, or does not witness that origin).
  WitnessAnswer Latest(std::string_view origin);

  const NoteVerifier& key() const { return key_.verifier; }

 private:
  Witness() = default;
  WitnessAnswer Add(std::string_view body);

  std::string dir_;
  NoteSigner key_;
  std::vector<WitnessedLog> logs_;
  std::function<uint64_t()> now_;
  std::mutex mu_;  // the check of the old size and the write of the new state, as one
};

}  // namespace caseledger::ledger
