// The byte layout of every RocksDB key and value caseledger writes. Written once, here.
// Integers in keys are big-endian so that byte order is log order.
//
// column family  key                                      value
// -------------  ---------------------------------------  ------------------------------------
// default        (unused; RocksDB requires it)
// events         seq: u64 BE                              the Event message, flat array with
//                                                         segment table, exactly as hashed
// streams        stream bytes, 0x00, version: u32 BE      seq: u64 BE
// event_ids      eventId: 16 bytes                        seq: u64 BE, fingerprint: 32 bytes
//                                                         (SHA-256 of stream, 0x00 and the
//                                                         draft's content hash: codec.h)
// merkle         level: u8, index: u64 BE                 hash of the full subtree: 32 bytes
// projections    name, 0x00                               the seq it is valid at: u64 BE
//                name, 0x00, key                          one entry of a saved read model
//                                                         (its own encoding, projections/)
// blobs          familyId, 0x00, SHA-256 of content: 32   document bytes (Store::PutBlob)
// meta           "head"                                   size: u64 BE, last recordedAt: i64 BE
//                "format"                                 u32 BE storage format version (1)
//                "origin"                                 the checkpoint origin line, text
//                "familykey", 0x00, familyId, 0x00,        a family's data key wrapped under the
//                  keyId: u32 BE                          master key (ledger/sealing.h), 60 bytes
//                "erased", 0x00, familyId                 "1": the family's keys were destroyed
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace caseledger::ledger::internal {

inline constexpr uint32_t kFormatVersion = 1;
inline constexpr std::string_view kMetaHead = "head";
inline constexpr std::string_view kMetaFormat = "format";
inline constexpr std::string_view kMetaOrigin = "origin";

inline void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
inline void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
inline uint64_t GetU64(std::string_view in, size_t pos = 0) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(in[pos + i]);
  return v;
}
inline uint32_t GetU32(std::string_view in, size_t pos = 0) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(in[pos + i]);
  return v;
}

inline std::string SeqKey(uint64_t seq) {
  std::string k;
  PutU64(&k, seq);
  return k;
}

// The prefix every key of a stream's versions starts with: stream bytes, 0x00.
inline std::string StreamPrefix(std::string_view stream) {
  std::string k(stream);
  k.push_back('\0');
  return k;
}

// The key of one version of a stream.
inline std::string StreamKey(std::string_view stream, uint32_t version) {
  std::string k = StreamPrefix(stream);
  PutU32(&k, version);
  return k;
}

inline std::string ProjectionKey(std::string_view name, std::string_view key) {
  std::string k(name);
  k.push_back('\0');
  k.append(key);
  return k;
}

// `sha256`: the 32 raw bytes of the hash.
inline std::string BlobKey(std::string_view family_id, std::string_view sha256) {
  std::string k(family_id);
  k.push_back('\0');
  k.append(sha256);
  return k;
}

inline std::string FamilyKeyKey(std::string_view family_id, uint32_t key_id) {
  std::string k("familykey");
  k.push_back('\0');
  k.append(family_id);
  k.push_back('\0');
  PutU32(&k, key_id);
  return k;
}

inline std::string ErasedKey(std::string_view family_id) {
  std::string k("erased");
  k.push_back('\0');
  k.append(family_id);
  return k;
}

inline std::string MerkleKey(uint8_t level, uint64_t index) {
  std::string k(1, static_cast<char>(level));
  PutU64(&k, index);
  return k;
}

}  // namespace caseledger::ledger::internal
