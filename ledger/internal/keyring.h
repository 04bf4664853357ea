// KeyRing: the families' data keys, wrapped under the master key, in the meta column family
// (layout in keys.h), unwrapped once and cached. Erasure destroys a family's keys in RocksDB
// itself: deleted, every memtable flushed (so no write-ahead log still holds them) and the
// meta column family compacted to its bottom level (so no table file does).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ledger/internal/db.h"
#include "ledger/sealing.h"

namespace caseledger::ledger::internal {

class KeyRing {
 public:
  KeyRing(Db* db, const Key256& master) : db_(db), master_(master) {}

  // The family's key; made, stored and synced when it has none and `create` is set.
  // kFailedPrecondition naming the family when it was erased; kNotFound when it has no key
  // and `create` is not set.
  Result<FamilyKey> KeyFor(const std::string& family_id, bool create);
  // The key with that id, or nullopt (erased, or never made).
  Result<std::optional<FamilyKey>> Find(const std::string& family_id, uint32_t key_id);
  bool Erased(const std::string& family_id);
  // Destroys every key of the family and marks it erased, then flushes and compacts so that
  // the wrapped keys are gone from every file of the database. Idempotent.
  Status Erase(const std::string& family_id);

 private:
  Result<std::optional<FamilyKey>> Load(const std::string& family_id);
  Db* db_;
  Key256 master_;
  std::mutex mu_;
  std::unordered_map<std::string, FamilyKey> cache_;  // under mu_
};

}  // namespace caseledger::ledger::internal
