#include "ledger/internal/keyring.h"

#include <spdlog/spdlog.h>

#include "ledger/internal/keys.h"

namespace caseledger::ledger::internal {

constexpr uint32_t kFirstKeyId = 1;

Result<std::optional<FamilyKey>> KeyRing::Load(const std::string& family_id) {
  std::string wrapped;
  bool found = false;
  CL_RETURN_IF_ERROR(db_->Get(Cf::kMeta, FamilyKeyKey(family_id, kFirstKeyId), &wrapped, &found));
  if (!found) return std::optional<FamilyKey>();
  CL_ASSIGN_OR_RETURN(FamilyKey key, UnwrapFamilyKey(master_, family_id, kFirstKeyId, wrapped));
  return std::optional<FamilyKey>(key);
}

bool KeyRing::Erased(const std::string& family_id) {
  std::string value;
  bool found = false;
  Status s = db_->Get(Cf::kMeta, ErasedKey(family_id), &value, &found);
  return s.ok() && found;
}

Result<FamilyKey> KeyRing::KeyFor(const std::string& family_id, bool create) {
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(family_id); it != cache_.end()) return it->second;
  if (Erased(family_id)) {
    return Status::RuleViolated(
        "family-erased",
        "family " + family_id + " was erased: nothing more can be recorded for it");
  }
  CL_ASSIGN_OR_RETURN(auto loaded, Load(family_id));
  if (!loaded) {
    if (!create) return Status::NotFound("family " + family_id + " has no key");
    CL_ASSIGN_OR_RETURN(Key256 bytes, RandomKey());
    FamilyKey key{kFirstKeyId, bytes};
    CL_ASSIGN_OR_RETURN(std::string wrapped, WrapFamilyKey(master_, family_id, key));
    Db::Hold hold = db_->Use();  // while its column family handle is used
    CL_RETURN_IF_ERROR(hold.status());
    rocksdb::WriteBatch batch;
    batch.Put(db_->cf(Cf::kMeta), FamilyKeyKey(family_id, key.id), wrapped);
    CL_RETURN_IF_ERROR(db_->Write(&batch, /*sync=*/true));
    loaded = key;
  }
  cache_[family_id] = *loaded;
  return *loaded;
}

Result<std::optional<FamilyKey>> KeyRing::Find(const std::string& family_id, uint32_t key_id) {
  auto key = KeyFor(family_id, false);
  if (!key.ok()) {
    if (key.status().code() == Code::kNotFound ||
        key.status().code() == Code::kFailedPrecondition) {
      return std::optional<FamilyKey>();
    }
    return key.status();
  }
  if (key->id != key_id) return std::optional<FamilyKey>();
  return std::optional<FamilyKey>(*key);
}

Status KeyRing::Erase(const std::string& family_id) {
  Db::Hold hold = db_->Use();  // while the database and its handles are used directly
  CL_RETURN_IF_ERROR(hold.status());
  {
    // Under the lock only while the key goes: KeyFor then finds it erased, not cached. The
    // flush and compaction below take long and must not hold up other families' reads.
    std::lock_guard lock(mu_);
    cache_.erase(family_id);
    rocksdb::WriteBatch batch;
    batch.Delete(db_->cf(Cf::kMeta), FamilyKeyKey(family_id, kFirstKeyId));
    batch.Put(db_->cf(Cf::kMeta), ErasedKey(family_id), "1");
    // The family's documents go with its key.
    const std::string from = BlobKey(family_id, "");
    std::string to = from;
    to.back() = '\x01';  // family_id, 0x01: just past every blob of the family
    batch.DeleteRange(db_->cf(Cf::kBlobs), from, to);
    CL_RETURN_IF_ERROR(db_->Write(&batch, /*sync=*/true));
  }
  // Physically: flush every column family (so that no write-ahead log still holds the key),
  // then rewrite the meta and blobs column families to the bottom level without it.
  rocksdb::DB* raw = db_->raw();
  rocksdb::FlushOptions flush;
  flush.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  for (Cf cf : {Cf::kDefault, Cf::kEvents, Cf::kStreams, Cf::kEventIds, Cf::kMerkle,
                Cf::kProjections, Cf::kBlobs, Cf::kMeta}) {
    all.push_back(db_->cf(cf));
  }
  CL_RETURN_IF_ERROR(Db::FromRocks(raw->Flush(flush, all), "flushing after an erasure"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (Cf cf : {Cf::kMeta, Cf::kBlobs}) {
    CL_RETURN_IF_ERROR(Db::FromRocks(raw->CompactRange(compact, db_->cf(cf), nullptr, nullptr),
                                     "compacting after an erasure"));
  }
  spdlog::info("erasure: the key of one family was destroyed and compacted away");
  return Status();
}

}  // namespace caseledger::ledger::internal
