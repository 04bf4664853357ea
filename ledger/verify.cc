// Store::Verify: the auditor's pass. Reads every event in seq order and trusts nothing
// stored but the bytes themselves: it re-hashes each event, rebuilds the tree and compares
// every stored node with the rebuilt one, checks the stream and eventId indexes point back at
// each event, and, given an older checkpoint, that the log at that size has the same root and
// that the stored tree proves consistency from it to now.
#include <spdlog/spdlog.h>

#include <array>
#include <cstring>
#include <memory>

#include "ledger/internal/codec.h"
#include "ledger/internal/keys.h"
#include "ledger/internal/store_impl.h"

namespace caseledger::ledger {
namespace {

using internal::Cf;

constexpr uint64_t kProgressEvery = 10000;

Status CheckIndexes(internal::Db* db, const RecordedEvent& e) {
  const std::string where = "event seq " + std::to_string(e.seq);
  std::string value;
  bool found = false;
  CL_RETURN_IF_ERROR(
      db->Get(Cf::kStreams, internal::StreamKey(e.stream, e.version), &value, &found));
  if (!found || value != internal::SeqKey(e.seq)) {
    return Status::DataLoss(where + ": the stream index entry of " + e.stream + " version " +
                                std::to_string(e.version) + " does not point at it",
                            e.seq);
  }
  std::string_view id(reinterpret_cast<const char*>(e.event_id.bytes.data()), 16);
  CL_RETURN_IF_ERROR(db->Get(Cf::kEventIds, id, &value, &found));
  if (!found || value.size() != 40 || internal::GetU64(value) != e.seq) {
    return Status::DataLoss(
        where + ": the eventId index entry of " + e.event_id.ToString() + " does not point at it",
        e.seq);
  }
  CL_ASSIGN_OR_RETURN(Hash fingerprint, internal::StoredFingerprint(e));
  if (std::memcmp(fingerprint.data(), value.data() + 8, fingerprint.size()) != 0) {
    return Status::DataLoss(where + ": the eventId index entry of " + e.event_id.ToString() +
                                " holds another event's fingerprint",
                            e.seq);
  }
  return Status();
}

// Every entry of the indexes and the tree belongs to an event of the log: the stream and
// eventId indexes hold exactly one entry per event (each event's own entry was checked to
// point at it), and no tree node covers a leaf past the head.
Status CheckNothingElse(internal::Db* db, uint64_t total) {
  for (Cf cf : {Cf::kStreams, Cf::kEventIds}) {
    uint64_t count = 0;
    auto it = db->NewIterator(cf);
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
    CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "counting an index"));
    if (count != total) {
      return Status::DataLoss(std::string(cf == Cf::kStreams ? "the stream" : "the eventId") +
                              " index has " + std::to_string(count) + " entries for " +
                              std::to_string(total) + " events");
    }
  }
  uint64_t nodes = 0, expected = 0;
  for (uint64_t n = total; n > 0; n >>= 1) expected += n;
  auto it = db->NewIterator(Cf::kMerkle);
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++nodes) {
    auto key = it->key().ToStringView();
    const uint8_t level = static_cast<uint8_t>(key[0]);
    if (key.size() != 9 || level > 63 || (internal::GetU64(key, 1) + 1) << level > total) {
      return Status::DataLoss("a tree node past the head of the log is stored", total + 1);
    }
  }
  CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "counting the tree"));
  if (nodes != expected) {
    return Status::DataLoss("the tree has " + std::to_string(nodes) + " nodes for " +
                            std::to_string(total) + " events, not " + std::to_string(expected));
  }
  return Status();
}

// The stored tree read in the order the rebuild asks for its nodes: at each level, index
// after index. One iterator per level walks that level's keys (level, then index: keys.h)
// instead of a point read per node, which was most of the pass's time.
class StoredTreeWalk {
 public:
  explicit StoredTreeWalk(internal::Db* db) : db_(db) {}

  Result<Hash> Node(uint8_t level, uint64_t index) {
    const std::string key = internal::MerkleKey(level, index);
    std::unique_ptr<rocksdb::Iterator>& it = by_level_[level];
    if (it == nullptr) it = db_->NewIterator(Cf::kMerkle);
    if (!it->Valid() || it->key() != rocksdb::Slice(key)) it->Seek(key);
    const bool found = it->Valid() && it->key() == rocksdb::Slice(key);
    if (!found) CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "reading the tree"));
    Result<Hash> h = TreeNodeValue(level, index, found ? it->value().ToStringView() : "", found);
    if (found) it->Next();  // the next node asked for at this level is the next index
    return h;
  }

 private:
  internal::Db* db_;
  std::array<std::unique_ptr<rocksdb::Iterator>, 64> by_level_;
};

}  // namespace

Status Store::Verify(const std::optional<Checkpoint>& checkpoint,
                     const std::function<void(uint64_t, uint64_t)>& progress) {
  const Checkpoint now = impl_->Published();
  const uint64_t total = now.size;
  if (checkpoint) {
    if (checkpoint->origin != now.origin) {
      return Status::InvalidArgument("the checkpoint is for log \"" + checkpoint->origin +
                                     "\", this log is \"" + now.origin + "\"");
    }
    if (checkpoint->size > total) {
      return Status::DataLoss("the checkpoint has " + std::to_string(checkpoint->size) +
                                  " events but the log has only " + std::to_string(total) +
                                  ": events were removed",
                              total + 1);
    }
  }

  MerkleFrontier rebuilt;
  StoredTreeWalk stored_tree(impl_->db.get());
  std::vector<MerkleFrontier::NewNode> nodes;
  int64_t previous_recorded = INT64_MIN;
  uint64_t expected = 1;
  auto it = impl_->db->NewIterator(Cf::kEvents);
  for (it->SeekToFirst(); it->Valid() && expected <= total; it->Next(), ++expected) {
    const uint64_t seq = internal::GetU64(it->key().ToStringView());
    if (seq != expected) {
      return Status::DataLoss("event seq " + std::to_string(expected) + " is missing", expected);
    }
    CL_ASSIGN_OR_RETURN(RecordedEvent e, internal::DecodeStored(seq, it->value().ToString()));
    if (e.recorded_at < previous_recorded) {
      return Status::DataLoss(
          "event seq " + std::to_string(seq) + " was recorded before the event preceding it", seq);
    }
    previous_recorded = e.recorded_at;
    CL_RETURN_IF_ERROR(CheckIndexes(impl_->db.get(), e));

    nodes.clear();
    rebuilt.Append(e.leaf_hash, &nodes);
    for (const auto& n : nodes) {
      CL_ASSIGN_OR_RETURN(Hash stored, stored_tree.Node(n.level, n.index));
      if (stored != n.hash) {
        const uint64_t first = (n.index << n.level) + 1;
        if (n.level == 0) {
          return Status::DataLoss("event seq " + std::to_string(seq) +
                                      " does not hash to its stored leaf: the event or its "
                                      "leaf was altered",
                                  seq);
        }
        return Status::DataLoss(
            "tree node (level " + std::to_string(n.level) + ", index " + std::to_string(n.index) +
                ") does not match the events it covers, from seq " + std::to_string(first),
            first);
      }
    }
    if (checkpoint && rebuilt.size() == checkpoint->size && rebuilt.Root() != checkpoint->root) {
      return Status::DataLoss("the log at size " + std::to_string(checkpoint->size) +
                              " does not have the checkpoint's root: an event up to it was "
                              "changed");
    }
    if (progress && seq % kProgressEvery == 0) progress(seq, total);
  }
  CL_RETURN_IF_ERROR(internal::Db::FromRocks(it->status(), "reading the log"));
  if (expected <= total) {
    return Status::DataLoss("event seq " + std::to_string(expected) + " is missing", expected);
  }
  if (total > 0 && previous_recorded != impl_->last_recorded_at) {
    return Status::DataLoss("the log head's recordedAt differs from the last event's", total);
  }
  CL_RETURN_IF_ERROR(CheckNothingElse(impl_->db.get(), total));
  if (rebuilt.Root() != now.root) {
    return Status::DataLoss("the root rebuilt from the events differs from the published root",
                            total);
  }
  if (checkpoint && checkpoint->size == 0 && checkpoint->root != EmptyRoot()) {
    return Status::DataLoss("the checkpoint of the empty log has a root other than the empty one");
  }
  if (checkpoint && checkpoint->size > 0) {
    CL_ASSIGN_OR_RETURN(auto proof, ConsistencyProof(checkpoint->size, total));
    if (!VerifyConsistency(checkpoint->size, total, checkpoint->root, now.root, proof)) {
      return Status::DataLoss("the stored tree does not prove consistency with the checkpoint");
    }
  }
  if (progress) progress(total, total);
  return Status();
}

}  // namespace caseledger::ledger
