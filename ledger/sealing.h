// Sealing: the personal data of a family's events (every `Sealed` field of
// ledger/event.capnp) encrypted with AES-256-GCM under that family's own key, and family keys
// wrapped under a master key kept outside the database. Destroying a family's key (erasure)
// leaves its stored events, and so every Merkle proof, exactly as they were, and unreadable.
//
// Deterministic, with a synthetic nonce: nonce = HMAC-SHA256(key, aad || plaintext)[:12], so
// the same clear event seals to the same bytes and a retry is still recognised by its
// fingerprint. Two different plaintexts under one key get different nonces unless HMAC
// collides in 96 bits. The aad names the family, the event and the field's path, so a
// ciphertext moved to another family, event or field does not open.
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/event.h"
#include "ledger/status.h"

namespace caseledger::ledger {

using Key256 = std::array<uint8_t, 32>;

// One of a family's keys; `id` is what a sealed field names (SealedCipher.keyId).
struct FamilyKey {
  uint32_t id = 0;
  Key256 bytes{};
};

// 32 bytes from OpenSSL's CSPRNG.
Result<Key256> RandomKey();

// A family key wrapped under the master key: nonce (12) || ciphertext (32) || tag (16), bound
// to the family and the key id.
Result<std::string> WrapFamilyKey(const Key256& master, std::string_view family_id,
                                  const FamilyKey& key);
// kDataLoss when `wrapped` does not open under `master` for that family and id.
Result<FamilyKey> UnwrapFamilyKey(const Key256& master, std::string_view family_id, uint32_t key_id,
                                  std::string_view wrapped);

// `words`: an Event message (a draft or stored), flat with its segment table. Returns it with
// every clear Sealed field sealed under `key`, bound to `family_id` and the message's eventId.
// Sealed fields already sealed are kept. The result is canonical (as a draft must be).
Result<std::vector<uint64_t>> SealFields(const std::vector<uint64_t>& words,
                                         std::string_view family_id, const FamilyKey& key);

// Whose key seals an event's personal fields: the family of a `family/<id>` stream; for a
// recordViewed on the `access` stream, the family read (its familyId), so that erasing the
// family leaves no readable purpose; "" for any other event (nothing of a family in it).
// `message` is the event's message, flat with its segment table. kDataLoss if it does not
// decode.
Result<std::string> SealingFamily(std::string_view stream, std::string_view message);

// `words` with every clear Sealed field removed (an access event for a family whose key was
// destroyed keeps nothing it could no longer protect). Canonical, like SealFields' result.
Result<std::vector<uint64_t>> DropClearFields(const std::vector<uint64_t>& words);

// The key with that id, or nullptr when there is none (the family was erased).
using KeyLookup = std::function<const FamilyKey*(uint32_t key_id)>;

// The stored message with its sealed fields opened where `key_for` has their key, or the
// empty string when there is nothing to open (no sealed field, or none whose key is known:
// read the stored bytes as they are). Fields whose key is gone stay sealed (readers show
// them as erased). kDataLoss when a field does not open under its key: it was altered.
Result<std::string> OpenFields(std::string_view stored, std::string_view family_id,
                               const KeyLookup& key_for);

// Whether a message has any sealed (encrypted) field.
Result<bool> HasSealedFields(std::string_view stored);

// Document bytes, sealed as one value bound to the family and the document's SHA-256:
// key id (4, big-endian) || nonce (12) || ciphertext || tag (16).
Result<std::string> SealBlob(std::string_view bytes, std::string_view family_id, const Hash& sha256,
                             const FamilyKey& key);
// The key id a sealed blob names.
Result<uint32_t> BlobKeyId(std::string_view sealed);
Result<std::string> OpenBlob(std::string_view sealed, std::string_view family_id,
                             const Hash& sha256, const FamilyKey& key);

}  // namespace caseledger::ledger
