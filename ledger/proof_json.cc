#include "ledger/proof_json.h"

#include "ledger/json_codec.h"

namespace caseledger::ledger {
namespace {

std::string HashList(const std::vector<Hash>& hashes) {
  std::string out = "[";
  for (size_t i = 0; i < hashes.size(); ++i) {
    out += (i ? "," : "") + JsonQuote(ToHex(hashes[i]));
  }
  return out + "]";
}

}  // namespace

Result<std::string> InclusionProofJson(Store& store, uint64_t seq, uint64_t size) {
  const uint64_t current = store.Size();
  if (size == 0) size = current;
  if (size > current) {
    return Status::InvalidArgument("size must be at most the tree size " + std::to_string(current),
                                   "size");
  }
  if (seq == 0 || seq > size) {
    return Status::InvalidArgument(
        "seq must be between 1 and the tree size " + std::to_string(size), "seq");
  }
  CL_ASSIGN_OR_RETURN(RecordedEvent event, store.ReadSeq(seq));
  CL_ASSIGN_OR_RETURN(std::vector<Hash> proof, store.InclusionProof(seq - 1, size));
  CL_ASSIGN_OR_RETURN(Hash root, store.Root(size));
  if (!VerifyInclusion(event.leaf_hash, seq - 1, size, proof, root)) {
    return Status::DataLoss(
        "the stored tree does not prove event seq " + std::to_string(seq) + ": run verify", seq);
  }
  return "{\"size\":" + std::to_string(size) + ",\"leafIndex\":" + std::to_string(seq - 1) +
         ",\"leafHash\":" + JsonQuote(ToHex(event.leaf_hash)) +
         ",\"rootHash\":" + JsonQuote(ToHex(root)) + ",\"hashes\":" + HashList(proof) + "}";
}

Result<std::string> ConsistencyProofJson(Store& store, uint64_t from, uint64_t to) {
  const uint64_t current = store.Size();
  if (to == 0) to = current;
  if (to > current) {
    return Status::InvalidArgument("to must be at most the tree size " + std::to_string(current),
                                   "to");
  }
  if (from == 0 || from > to) {
    return Status::InvalidArgument("from must be between 1 and " + std::to_string(to), "from");
  }
  CL_ASSIGN_OR_RETURN(std::vector<Hash> proof, store.ConsistencyProof(from, to));
  CL_ASSIGN_OR_RETURN(Hash old_root, store.Root(from));
  CL_ASSIGN_OR_RETURN(Hash new_root, store.Root(to));
  return "{\"from\":" + std::to_string(from) + ",\"size\":" + std::to_string(to) +
         ",\"fromRootHash\":" + JsonQuote(ToHex(old_root)) +
         ",\"rootHash\":" + JsonQuote(ToHex(new_root)) + ",\"hashes\":" + HashList(proof) + "}";
}

}  // namespace caseledger::ledger
