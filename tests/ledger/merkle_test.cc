// The Merkle log against a naive recursive implementation of RFC 9162 written here, for
// every size 1..64, and against the published RFC 6962 vectors (fixtures/merkle/).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "ledger/merkle.h"

namespace caseledger::ledger {
namespace {

// ---------------------------------------------------------------- naive RFC 9162 2.1

std::vector<std::string> Leaves(size_t n) {
  std::vector<std::string> leaves;
  for (size_t i = 0; i < n; ++i) leaves.push_back("leaf-" + std::to_string(i * 7919));
  return leaves;
}

uint64_t K(uint64_t n) {  // largest power of two < n
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash Mth(const std::vector<std::string>& d, uint64_t b, uint64_t e) {
  if (e - b == 0) return Sha256("");
  if (e - b == 1) return LeafHash(d[b]);
  uint64_t k = K(e - b);
  return NodeHash(Mth(d, b, b + k), Mth(d, b + k, e));
}

std::vector<Hash> NaivePath(const std::vector<std::string>& d, uint64_t m, uint64_t b, uint64_t e) {
  if (e - b <= 1) return {};
  uint64_t k = K(e - b);
  std::vector<Hash> out;
  if (m < k) {
    out = NaivePath(d, m, b, b + k);
    out.push_back(Mth(d, b + k, e));
  } else {
    out = NaivePath(d, m - k, b + k, e);
    out.push_back(Mth(d, b, b + k));
  }
  return out;
}

std::vector<Hash> NaiveSubproof(const std::vector<std::string>& d, uint64_t m, uint64_t b,
                                uint64_t e, bool whole) {
  uint64_t n = e - b;
  if (m == n) return whole ? std::vector<Hash>{} : std::vector<Hash>{Mth(d, b, e)};
  uint64_t k = K(n);
  std::vector<Hash> out;
  if (m <= k) {
    out = NaiveSubproof(d, m, b, b + k, whole);
    out.push_back(Mth(d, b + k, e));
  } else {
    out = NaiveSubproof(d, m - k, b + k, e, false);
    out.push_back(Mth(d, b, b + k));
  }
  return out;
}

// Full subtrees from the naive tree, counting reads.
class NaiveNodes final : public NodeSource {
 public:
  explicit NaiveNodes(std::vector<std::string> leaves) : d_(std::move(leaves)) {}
  Result<Hash> Node(uint8_t level, uint64_t index) const override {
    ++reads;
    uint64_t b = index << level, e = b + (uint64_t{1} << level);
    if (e > d_.size()) return Status::NotFound("not complete");
    return Mth(d_, b, e);
  }
  mutable int reads = 0;

 private:
  std::vector<std::string> d_;
};

// Full subtrees as the store keeps them: produced by MerkleFrontier::Append.
class FrontierNodes final : public NodeSource {
 public:
  Result<Hash> Node(uint8_t level, uint64_t index) const override {
    auto it = nodes.find({level, index});
    if (it == nodes.end()) return Status::NotFound("not complete");
    return it->second;
  }
  // Appends a leaf to `frontier` and keeps every node it completes, as the store does.
  void Grow(MerkleFrontier& frontier, const std::string& leaf) {
    std::vector<MerkleFrontier::NewNode> added;
    frontier.Append(LeafHash(leaf), &added);
    for (auto& a : added) nodes[{a.level, a.index}] = a.hash;
  }
  std::map<std::pair<uint8_t, uint64_t>, Hash> nodes;
};

TEST_CASE("merkle: roots and proofs of every size 1..64 match the naive RFC 9162 definitions",
          "[ledger][merkle]") {
  const auto all = Leaves(64);
  MerkleFrontier frontier;
  FrontierNodes stored;
  for (uint64_t n = 1; n <= 64; ++n) {
    std::vector<std::string> d(all.begin(), all.begin() + n);
    stored.Grow(frontier, d.back());
    const Hash root = Mth(d, 0, n);
    INFO("size " << n);
    CHECK(frontier.Root() == root);
    CHECK(*RootAt(stored, n) == root);
    NaiveNodes naive(d);
    for (uint64_t m = 0; m < n; ++m) {
      auto path = InclusionProof(stored, m, n);
      REQUIRE(path.ok());
      CHECK(*path == NaivePath(d, m, 0, n));
      CHECK(VerifyInclusion(LeafHash(d[m]), m, n, *path, root));
      CHECK_FALSE(VerifyInclusion(LeafHash("not a leaf"), m, n, *path, root));
      if (!path->empty()) {
        auto bad = *path;
        bad[0][0] ^= 1;
        CHECK_FALSE(VerifyInclusion(LeafHash(d[m]), m, n, bad, root));
      }
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto proof = ConsistencyProof(stored, m, n);
      REQUIRE(proof.ok());
      CHECK(*proof == NaiveSubproof(d, m, 0, n, true));
      const Hash old_root = Mth(d, 0, m);
      CHECK(VerifyConsistency(m, n, old_root, root, *proof));
      if (m < n) {
        CHECK_FALSE(VerifyConsistency(m, n, LeafHash("forged"), root, *proof));
      }
    }
  }
}

TEST_CASE("merkle: a root, an inclusion and a consistency proof read O(log n) nodes",
          "[ledger][merkle]") {
  for (uint64_t n : {1000u, 4097u, 65535u}) {
    NaiveNodes nodes(Leaves(n));
    int log2 = 0;
    while ((uint64_t{1} << log2) < n) ++log2;
    nodes.reads = 0;
    REQUIRE(RootAt(nodes, n).ok());
    CHECK(nodes.reads <= log2 + 1);
    nodes.reads = 0;
    REQUIRE(InclusionProof(nodes, n / 3, n).ok());
    CHECK(nodes.reads <= 2 * log2 + 2);
    nodes.reads = 0;
    REQUIRE(ConsistencyProof(nodes, n / 3, n).ok());
    CHECK(nodes.reads <= 2 * log2 + 2);
  }
}

TEST_CASE("merkle: a frontier reloaded from stored nodes continues the same tree",
          "[ledger][merkle]") {
  const auto d = Leaves(37);
  MerkleFrontier a;
  FrontierNodes stored;
  std::vector<MerkleFrontier::NewNode> added;
  for (size_t i = 0; i < 20; ++i) {
    a.Append(LeafHash(d[i]), &added);
  }
  for (auto& x : added) stored.nodes[{x.level, x.index}] = x.hash;
  auto b = MerkleFrontier::Load(stored, 20);
  REQUIRE(b.ok());
  CHECK(b->Root() == a.Root());
  for (size_t i = 20; i < 37; ++i) {
    a.Append(LeafHash(d[i]), &added);
    b->Append(LeafHash(d[i]), &added);
  }
  CHECK(b->Root() == Mth(d, 0, 37));
  CHECK(a.Root() == b->Root());
}

TEST_CASE("merkle: proofs for sizes beyond the tree or leaves outside it are refused",
          "[ledger][merkle]") {
  NaiveNodes nodes(Leaves(5));
  CHECK(InclusionProof(nodes, 5, 5).status().code() == Code::kInvalidArgument);
  CHECK(ConsistencyProof(nodes, 0, 5).status().code() == Code::kInvalidArgument);
  CHECK(ConsistencyProof(nodes, 6, 5).status().code() == Code::kInvalidArgument);
  CHECK(RootAt(nodes, 6).status().code() == Code::kNotFound);
}

// ---------------------------------------------------------------- published vectors

std::string FromHex(const std::string& hex) {
  if (hex == "-") return "";
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

Hash H(const std::string& hex) {
  auto h = HashFromHex(hex);
  REQUIRE(h.ok());
  return *h;
}

std::vector<Hash> Hashes(const std::string& list) {
  std::vector<Hash> out;
  if (list == "-") return out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(H(item));
  return out;
}

TEST_CASE("merkle: the published RFC 6962 test vectors (transparency-dev/merkle) hold",
          "[ledger][merkle][vectors]") {
  std::ifstream in(std::string(CASELEDGER_FIXTURES_DIR) + "/merkle/rfc6962-vectors.txt");
  REQUIRE(in.good());
  std::vector<std::string> leaves;
  std::map<uint64_t, Hash> roots;
  struct Inclusion {
    uint64_t index, size;
    std::vector<Hash> path;
  };
  struct Consistency {
    uint64_t m, n;
    std::vector<Hash> proof;
  };
  std::vector<Inclusion> inclusions;
  std::vector<Consistency> consistencies;
  std::map<uint64_t, Hash> leaf_hashes;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    std::string kind;
    ss >> kind;
    if (kind == "leaf") {
      uint64_t i;
      std::string hex;
      ss >> i >> hex;
      REQUIRE(i == leaves.size());
      leaves.push_back(FromHex(hex));
    } else if (kind == "leafhash") {
      uint64_t i;
      std::string hex;
      ss >> i >> hex;
      leaf_hashes[i] = H(hex);
    } else if (kind == "root") {
      uint64_t n;
      std::string hex;
      ss >> n >> hex;
      roots[n] = H(hex);
    } else if (kind == "inclusion") {
      Inclusion v;
      std::string list;
      ss >> v.index >> v.size >> list;
      v.path = Hashes(list);
      inclusions.push_back(v);
    } else if (kind == "consistency") {
      Consistency v;
      std::string list;
      ss >> v.m >> v.n >> list;
      v.proof = Hashes(list);
      consistencies.push_back(v);
    } else {
      FAIL("unknown line kind in the vectors: " << line);
    }
  }
  REQUIRE(leaves.size() == 8);
  REQUIRE(roots.size() >= 8);
  REQUIRE_FALSE(inclusions.empty());
  REQUIRE_FALSE(consistencies.empty());

  for (auto& [i, h] : leaf_hashes) CHECK(LeafHash(leaves[i]) == h);
  CHECK(roots.at(0) == EmptyRoot());

  MerkleFrontier frontier;
  FrontierNodes stored;
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    stored.Grow(frontier, leaves[n - 1]);
    INFO("size " << n);
    CHECK(frontier.Root() == roots.at(n));
  }
  for (const auto& v : inclusions) {
    INFO("inclusion of leaf " << v.index << " in size " << v.size);
    CHECK(*InclusionProof(stored, v.index, v.size) == v.path);
    CHECK(VerifyInclusion(LeafHash(leaves[v.index]), v.index, v.size, v.path, roots.at(v.size)));
  }
  for (const auto& v : consistencies) {
    INFO("consistency from " << v.m << " to " << v.n);
    CHECK(*ConsistencyProof(stored, v.m, v.n) == v.proof);
    CHECK(VerifyConsistency(v.m, v.n, roots.at(v.m), roots.at(v.n), v.proof));
  }
}

}  // namespace
}  // namespace caseledger::ledger
