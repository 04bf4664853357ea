// Store: the saved read models (projections column family) and the document bytes (blobs),
// both outside the Merkle log. The log itself is in store.cc; the key layouts in
// internal/keys.h.
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "ledger/internal/keys.h"
#include "ledger/internal/store_impl.h"
#include "ledger/store.h"

namespace caseledger::ledger {

using internal::Cf;
// ------------------------------------------------------------------ saved projections

Status Store::SaveProjection(const std::string& name, uint64_t valid_at,
                             const std::map<std::string, std::string>& changed, bool replace_all) {
  if (impl_->ReadOnly()) return impl_->ReadOnlyError("projections are saved");
  const std::string prefix = internal::ProjectionKey(name, "");
  internal::Db::Hold hold = impl_->db->Use();  // while its column family handle is used
  CL_RETURN_IF_ERROR(hold.status());
  rocksdb::WriteBatch batch;
  auto* cf = impl_->db->cf(Cf::kProjections);
  if (replace_all) {
    std::string end = name;
    end.push_back('\x01');  // just past every key "name 0x00 ..."
    batch.DeleteRange(cf, prefix, end);
  }
  for (const auto& [key, value] : changed) {
    if (value.empty()) {
      batch.Delete(cf, internal::ProjectionKey(name, key));
    } else {
      batch.Put(cf, internal::ProjectionKey(name, key), value);
    }
  }
  batch.Put(cf, prefix, internal::SeqKey(valid_at));
  return impl_->db->Write(&batch, /*sync=*/false);
}

Result<SavedProjection> Store::LoadProjection(const std::string& name) {
  SavedProjection out;
  const std::string prefix = internal::ProjectionKey(name, "");
  auto it = impl_->db->NewIterator(Cf::kProjections);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.size() == prefix.size()) {
      if (it->value().size() != 8) {
        return Status::DataLoss("the saved projection " + name + " has a damaged seq");
      }
      out.valid_at = internal::GetU64(std::string_view(it->value().data(), 8));
    } else {
      out.entries.emplace(std::string(key.substr(prefix.size())), it->value().ToString());
    }
  }
  CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "reading a saved projection"));
  if (out.valid_at > Size()) {
    return Status::DataLoss("the saved projection " + name + " is valid at seq " +
                            std::to_string(out.valid_at) + ", past the log's end");
  }
  return out;
}

Result<uint64_t> Store::ProjectionValidAt(const std::string& name) {
  std::string value;
  bool found = false;
  CL_RETURN_IF_ERROR(
      impl_->db->Get(Cf::kProjections, internal::ProjectionKey(name, ""), &value, &found));
  if (!found) return uint64_t{0};
  if (value.size() != 8 || internal::GetU64(value) > Size()) {
    return Status::DataLoss("the saved projection " + name + " has a damaged seq");
  }
  return internal::GetU64(value);
}

Result<std::vector<std::pair<std::string, std::string>>> Store::ScanProjection(
    const std::string& name, std::string_view prefix, std::string_view after_key, size_t limit) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string base = internal::ProjectionKey(name, "");
  const std::string from = internal::ProjectionKey(name, prefix);
  const std::string after = internal::ProjectionKey(name, after_key);
  auto it = impl_->db->NewIterator(Cf::kProjections);
  it->Seek(after_key.empty() || after < from ? from : after);
  for (; it->Valid() && it->key().starts_with(from) && out.size() < limit; it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (key.size() == base.size()) continue;  // the valid_at entry
    if (!after_key.empty() && key == after) continue;
    out.emplace_back(std::string(key.substr(base.size())), it->value().ToString());
  }
  CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "reading a saved projection"));
  return out;
}

namespace {
std::string_view HashBytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}
}  // namespace

Status Store::PutBlob(const std::string& family_id, const Hash& sha256, std::string_view bytes) {
  if (!IsValidId(family_id)) return Status::InvalidArgument("bad family id", "familyId");
  if (impl_->ReadOnly()) return impl_->ReadOnlyError("documents are stored");
  std::string sealed;
  if (impl_->keys) {
    CL_ASSIGN_OR_RETURN(FamilyKey key, impl_->keys->KeyFor(family_id, /*create=*/true));
    CL_ASSIGN_OR_RETURN(sealed, SealBlob(bytes, family_id, sha256, key));
    bytes = sealed;
  }
  internal::Db::Hold hold = impl_->db->Use();  // while its column family handle is used
  CL_RETURN_IF_ERROR(hold.status());
  rocksdb::WriteBatch batch;
  batch.Put(impl_->db->cf(Cf::kBlobs), internal::BlobKey(family_id, HashBytes(sha256)),
            rocksdb::Slice(bytes.data(), bytes.size()));
  return impl_->db->Write(&batch, /*sync=*/true);
}

Result<std::string> Store::GetBlob(const std::string& family_id, const Hash& sha256) {
  std::string value;
  bool found = false;
  CL_RETURN_IF_ERROR(
      impl_->db->Get(Cf::kBlobs, internal::BlobKey(family_id, HashBytes(sha256)), &value, &found));
  if (!found) return Status::NotFound("family " + family_id + " has no document " + ToHex(sha256));
  if (!impl_->keys) return value;
  CL_ASSIGN_OR_RETURN(uint32_t key_id, BlobKeyId(value));
  CL_ASSIGN_OR_RETURN(auto key, impl_->keys->Find(family_id, key_id));
  if (!key) return Status::NotFound("family " + family_id + "'s documents were erased");
  auto opened = OpenBlob(value, family_id, sha256, *key);
  if (!opened.ok())
    return Status::DataLoss("document " + ToHex(sha256) + " of family " + family_id + ": " +
                            opened.status().message());
  return std::move(*opened);
}

Result<bool> Store::HasBlob(const std::string& family_id, const Hash& sha256) {
  auto got = GetBlob(family_id, sha256);
  if (got.ok()) return true;
  if (got.status().code() == Code::kNotFound) return false;
  return got.status();
}

Status Store::DeleteBlob(const std::string& family_id, const Hash& sha256) {
  if (impl_->ReadOnly()) return impl_->ReadOnlyError("documents are removed");
  internal::Db::Hold hold = impl_->db->Use();  // while its column family handle is used
  CL_RETURN_IF_ERROR(hold.status());
  rocksdb::WriteBatch batch;
  batch.Delete(impl_->db->cf(Cf::kBlobs), internal::BlobKey(family_id, HashBytes(sha256)));
  return impl_->db->Write(&batch, /*sync=*/true);
}

Result<std::vector<std::pair<std::string, Hash>>> Store::ListBlobs() {
  std::vector<std::pair<std::string, Hash>> out;
  auto it = impl_->db->NewIterator(Cf::kBlobs);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    const size_t zero = key.find('\0');
    if (zero == std::string_view::npos || key.size() - zero - 1 != Hash{}.size()) {
      return Status::DataLoss("a stored document has a damaged key");
    }
    Hash sha{};
    std::copy(key.begin() + zero + 1, key.end(), sha.begin());
    out.emplace_back(std::string(key.substr(0, zero)), sha);
  }
  CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "listing the stored documents"));
  return out;
}

}  // namespace caseledger::ledger
