// The Merkle log of RFC 9162 (Certificate Transparency v2), section 2.1:
//   leaf hash = SHA-256(0x00 || leaf bytes), node hash = SHA-256(0x01 || left || right),
//   a tree of n leaves splits at k, the largest power of two smaller than n.
//
// Full subtrees are addressed by (level, index): the subtree of 2^level leaves starting at
// leaf index << level. A NodeSource answers the hash of any full subtree; the store keeps
// them in RocksDB, tests compute them. With that, the root of any size, an inclusion proof and
// a consistency proof each read O(log n) nodes.
//
// Thread-safety: the functions are pure; a NodeSource's own contract applies.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ledger/event.h"
#include "ledger/status.h"

namespace caseledger::ledger {

Hash Sha256(std::string_view bytes);
Hash LeafHash(std::string_view leaf_bytes);
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256 of nothing: the root of the empty tree.
Hash EmptyRoot();

class NodeSource {
 public:
  virtual ~NodeSource() = default;
  // The hash of the full subtree (level, index). kNotFound if it is not (yet) complete;
  // kDataLoss if it is damaged.
  virtual Result<Hash> Node(uint8_t level, uint64_t index) const = 0;
};

// MTH(D[begin:end)), for a range whose begin is a multiple of the largest power of two not
// above end - begin (every range RFC 9162's recursion visits is).
Result<Hash> SubtreeRoot(const NodeSource& nodes, uint64_t begin, uint64_t end);

// The root of the first `size` leaves.
Result<Hash> RootAt(const NodeSource& nodes, uint64_t size);

// The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1).
// kInvalidArgument unless index < size.
Result<std::vector<Hash>> InclusionProof(const NodeSource& nodes, uint64_t index, uint64_t size);

// The consistency proof from `old_size` to `new_size` (RFC 9162 2.1.4.1).
// kInvalidArgument unless 0 < old_size <= new_size... an empty proof when they are equal.
Result<std::vector<Hash>> ConsistencyProof(const NodeSource& nodes, uint64_t old_size,
                                           uint64_t new_size);

// RFC 9162 2.1.3.2: true when the path proves leaf_hash is leaf `index` of the tree `root`.
bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                     const std::vector<Hash>& path, const Hash& root);

// RFC 9162 2.1.4.2: true when the proof shows the tree old_root (old_size) is a prefix of
// new_root (new_size).
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, const std::vector<Hash>& proof);

// The right edge of a growing tree: the hashes of the full subtrees whose sizes are the bits
// of size(). Appending a leaf yields the full subtrees it completes, to be stored.
class MerkleFrontier {
 public:
  struct NewNode {
    uint8_t level;
    uint64_t index;
    Hash hash;
  };

  MerkleFrontier() = default;
  // Rebuilds the frontier of a tree of `size` leaves from its stored nodes: O(log n) reads.
  static Result<MerkleFrontier> Load(const NodeSource& nodes, uint64_t size);

  uint64_t size() const { return size_; }
  // Appends one leaf; adds to `out` the leaf node and every subtree it completes.
  void Append(const Hash& leaf_hash, std::vector<NewNode>* out);
  // The root of the current tree (EmptyRoot() when empty).
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> by_level_;  // by_level_[l] is valid when bit l of size_ is set
};

}  // namespace caseledger::ledger
