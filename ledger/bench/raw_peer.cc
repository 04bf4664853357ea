#include "ledger/bench/raw_peer.h"

#include <rocksdb/write_batch.h>

#include "ledger/internal/codec.h"
#include "ledger/internal/db.h"
#include "ledger/internal/keys.h"

namespace caseledger::ledger {

using internal::Cf;
using internal::Db;
using internal::DbOpenOptions;

struct RawPeer::Impl {
  std::unique_ptr<Db> db;
};

RawPeer::RawPeer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RawPeer::~RawPeer() = default;

Result<std::unique_ptr<RawPeer>> RawPeer::Create(const std::string& dir) {
  auto impl = std::make_unique<Impl>();
  CL_ASSIGN_OR_RETURN(impl->db, Db::Open(dir));
  return std::unique_ptr<RawPeer>(new RawPeer(std::move(impl)));
}

Result<std::vector<RawBatch>> RawPeer::Capture(
    const std::string& ledger_dir, const std::vector<std::pair<uint64_t, uint32_t>>& requests) {
  DbOpenOptions how;
  how.mode = DbOpenOptions::Mode::kReadOnly;
  CL_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(ledger_dir, how));
  std::string head;
  bool found = false;
  CL_RETURN_IF_ERROR(db->Get(Cf::kMeta, internal::kMetaHead, &head, &found));
  std::vector<RawBatch> out;
  out.reserve(requests.size());
  for (const auto& [first, count] : requests) {
    RawBatch batch;
    batch.events = count;
    auto put = [&](Cf cf, std::string key) -> Status {
      std::string value;
      bool present = false;
      CL_RETURN_IF_ERROR(db->Get(cf, key, &value, &present));
      if (!present) return Status::NotFound("the ledger has no such key");
      batch.puts.push_back({static_cast<int>(cf), std::move(key), std::move(value)});
      return Status();
    };
    for (uint64_t seq = first; seq < first + count; ++seq) {
      std::string bytes;
      bool present = false;
      CL_RETURN_IF_ERROR(db->Get(Cf::kEvents, internal::SeqKey(seq), &bytes, &present));
      if (!present) return Status::NotFound("the ledger has no event " + std::to_string(seq));
      CL_ASSIGN_OR_RETURN(RecordedEvent e, internal::DecodeStored(seq, bytes));
      batch.puts.push_back(
          {static_cast<int>(Cf::kEvents), internal::SeqKey(seq), std::move(bytes)});
      CL_RETURN_IF_ERROR(put(Cf::kStreams, internal::StreamKey(e.stream, e.version)));
      CL_RETURN_IF_ERROR(
          put(Cf::kEventIds, std::string(reinterpret_cast<const char*>(e.event_id.bytes.data()),
                                         e.event_id.bytes.size())));
      // The Merkle nodes this leaf completed: its own, and each full subtree it closed.
      uint64_t index = seq - 1;
      uint8_t level = 0;
      CL_RETURN_IF_ERROR(put(Cf::kMerkle, internal::MerkleKey(level, index)));
      while ((index & 1) == 1) {
        ++level;
        index >>= 1;
        CL_RETURN_IF_ERROR(put(Cf::kMerkle, internal::MerkleKey(level, index)));
      }
    }
    batch.puts.push_back({static_cast<int>(Cf::kMeta), std::string(internal::kMetaHead), head});
    out.push_back(std::move(batch));
  }
  return out;
}

Status RawPeer::Write(const RawBatch& batch) {
  rocksdb::WriteBatch wb;
  for (const auto& p : batch.puts) {
    wb.Put(impl_->db->cf(static_cast<Cf>(p.column_family)), p.key, p.value);
  }
  return impl_->db->Write(&wb, /*sync=*/true);
}

Result<RawScan> RawPeer::ScanEvents(const std::string& ledger_dir) {
  DbOpenOptions how;
  how.mode = DbOpenOptions::Mode::kReadOnly;
  CL_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(ledger_dir, how));
  RawScan scan;
  {
    std::unique_ptr<rocksdb::Iterator> it = db->NewIterator(Cf::kEvents);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::Slice v = it->value();
      ++scan.events;
      scan.bytes += v.size();
      for (size_t i = 0; i < v.size(); i += 64) scan.checksum += static_cast<uint8_t>(v[i]);
    }
    if (!it->status().ok()) return Db::FromRocks(it->status(), "scanning the events");
  }
  return scan;
}

}  // namespace caseledger::ledger
