#include "ledger/merkle.h"

#include <openssl/evp.h>

#include <bit>
#include <stdexcept>

namespace caseledger::ledger {
namespace {

Hash Digest(std::initializer_list<std::string_view> parts) {
  Hash out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    throw std::runtime_error("OpenSSL SHA-256 is unavailable");
  }
  for (std::string_view p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

std::string_view View(const Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

// Largest power of two strictly smaller than n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// RFC 9162 2.1.3.1 PATH(m, D[begin:end)).
Status Path(const NodeSource& nodes, uint64_t m, uint64_t begin, uint64_t end,
            std::vector<Hash>* out) {
  if (end - begin <= 1) return Status();
  const uint64_t k = SplitPoint(end - begin);
  if (m < k) {
    CL_RETURN_IF_ERROR(Path(nodes, m, begin, begin + k, out));
    CL_ASSIGN_OR_RETURN(Hash right, SubtreeRoot(nodes, begin + k, end));
    out->push_back(right);
  } else {
    CL_RETURN_IF_ERROR(Path(nodes, m - k, begin + k, end, out));
    CL_ASSIGN_OR_RETURN(Hash left, SubtreeRoot(nodes, begin, begin + k));
    out->push_back(left);
  }
  return Status();
}

// RFC 9162 2.1.4.1 SUBPROOF(m, D[begin:end), b).
Status SubProof(const NodeSource& nodes, uint64_t m, uint64_t begin, uint64_t end, bool whole,
                std::vector<Hash>* out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) {
      CL_ASSIGN_OR_RETURN(Hash h, SubtreeRoot(nodes, begin, end));
      out->push_back(h);
    }
    return Status();
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    CL_RETURN_IF_ERROR(SubProof(nodes, m, begin, begin + k, whole, out));
    CL_ASSIGN_OR_RETURN(Hash right, SubtreeRoot(nodes, begin + k, end));
    out->push_back(right);
  } else {
    CL_RETURN_IF_ERROR(SubProof(nodes, m - k, begin + k, end, false, out));
    CL_ASSIGN_OR_RETURN(Hash left, SubtreeRoot(nodes, begin, begin + k));
    out->push_back(left);
  }
  return Status();
}

}  // namespace

Hash Sha256(std::string_view bytes) { return Digest({bytes}); }

Hash LeafHash(std::string_view leaf_bytes) {
  static const char kZero = 0x00;
  return Digest({std::string_view(&kZero, 1), leaf_bytes});
}

Hash NodeHash(const Hash& left, const Hash& right) {
  static const char kOne = 0x01;
  return Digest({std::string_view(&kOne, 1), View(left), View(right)});
}

Hash EmptyRoot() { return Digest({}); }

Result<Hash> SubtreeRoot(const NodeSource& nodes, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n == 0) return EmptyRoot();
  if (std::has_single_bit(n) && begin % n == 0) {
    const auto level = static_cast<uint8_t>(std::countr_zero(n));
    return nodes.Node(level, begin >> level);
  }
  const uint64_t k = SplitPoint(n);
  CL_ASSIGN_OR_RETURN(Hash left, SubtreeRoot(nodes, begin, begin + k));
  CL_ASSIGN_OR_RETURN(Hash right, SubtreeRoot(nodes, begin + k, end));
  return NodeHash(left, right);
}

Result<Hash> RootAt(const NodeSource& nodes, uint64_t size) { return SubtreeRoot(nodes, 0, size); }

Result<std::vector<Hash>> InclusionProof(const NodeSource& nodes, uint64_t index, uint64_t size) {
  if (index >= size) {
    return Status::InvalidArgument("leaf index " + std::to_string(index) +
                                   " is not in a tree of size " + std::to_string(size));
  }
  std::vector<Hash> path;
  CL_RETURN_IF_ERROR(Path(nodes, index, 0, size, &path));
  return path;
}

Result<std::vector<Hash>> ConsistencyProof(const NodeSource& nodes, uint64_t old_size,
                                           uint64_t new_size) {
  if (old_size == 0 || old_size > new_size) {
    return Status::InvalidArgument("a consistency proof needs 0 < from <= to, got from " +
                                   std::to_string(old_size) + " to " + std::to_string(new_size));
  }
  std::vector<Hash> proof;
  CL_RETURN_IF_ERROR(SubProof(nodes, old_size, 0, new_size, true, &proof));
  return proof;
}

bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                     const std::vector<Hash>& path, const Hash& root) {
  if (index >= size) return false;
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, const std::vector<Hash>& proof) {
  if (old_size == 0 || old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;
  std::vector<Hash> path = proof;
  if (std::has_single_bit(old_size)) path.insert(path.begin(), old_root);
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

Result<MerkleFrontier> MerkleFrontier::Load(const NodeSource& nodes, uint64_t size) {
  MerkleFrontier f;
  f.size_ = size;
  f.by_level_.resize(64);
  for (uint8_t level = 0; level < 64; ++level) {
    if ((size >> level & 1) == 0) continue;
    CL_ASSIGN_OR_RETURN(f.by_level_[level], nodes.Node(level, (size >> level) - 1));
  }
  return f;
}

void MerkleFrontier::Append(const Hash& leaf_hash, std::vector<NewNode>* out) {
  if (by_level_.size() < 64) by_level_.resize(64);
  uint64_t index = size_;
  Hash h = leaf_hash;
  uint8_t level = 0;
  out->push_back({0, index, h});
  while ((index & 1) == 1) {
    h = NodeHash(by_level_[level], h);
    ++level;
    index >>= 1;
    out->push_back({level, index, h});
  }
  by_level_[level] = h;
  ++size_;
}

Hash MerkleFrontier::Root() const {
  if (size_ == 0) return EmptyRoot();
  bool have = false;
  Hash root{};
  for (uint8_t level = 0; level < 64; ++level) {
    if ((size_ >> level & 1) == 0) continue;
    root = have ? NodeHash(by_level_[level], root) : by_level_[level];
    have = true;
  }
  return root;
}

}  // namespace caseledger::ledger
