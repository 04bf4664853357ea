// Signed notes (C2SP signed-note, as golang.org/x/mod/sumdb/note): the format of signed
// checkpoints (C2SP tlog-checkpoint). Ed25519 only.
//
//   note      = text (non-empty, ends with "\n") + "\n" + one or more signature lines
//   signature = "— " (U+2014, space) + key name + " " + base64(key hash (4 bytes) || sig) + "\n"
//   key hash  = the first 4 bytes of SHA-256(key name + "\n" + 0x01 + public key)
//   verifier key text = name + "+" + 8 hex digits of the key hash + "+" + base64(0x01 || public
//   key) signer key text   = "PRIVATE+KEY+" + name + "+" + hash + "+" + base64(0x01 || seed)
//
// Thread-safety: values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace caseledger::ledger {

struct NoteVerifier {
  uint8_t type = 0x01;  // 0x01: a note signer (Ed25519); 0x04: a cosigner (cosignature/v1)
  std::string name;
  uint32_t key_hash = 0;
  std::array<uint8_t, 32> public_key{};
  std::string ToText() const;  // name+hash+base64(0x01||key)
};

struct NoteSigner {
  NoteVerifier verifier;
  std::array<uint8_t, 32> seed{};  // the Ed25519 private key
  std::string ToText() const;      // PRIVATE+KEY+name+hash+base64(0x01||seed)
};

// kInvalidArgument (field "key") on any malformed key, including a hash that does not match.
Result<NoteVerifier> ParseVerifierKey(std::string_view text);
Result<NoteSigner> ParseSignerKey(std::string_view text);
// A new key named `name` (1-? printable characters without space or "+").
Result<NoteSigner> GenerateSigner(std::string_view name);

// The note: `text` (must end with "\n") signed by `signer`.
Result<std::string> SignNote(std::string_view text, const NoteSigner& signer);
// The text of `note` when one of its signatures is `verifier`'s and valid; kInvalidArgument
// (malformed note) or kDataLoss (no valid signature by this key) otherwise.
Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier);

// Cosignatures (C2SP tlog-cosignature, the Ed25519 cosignature/v1): a witness's key is of
// type 0x04, its key id SHA-256(name || "\n" || 0x04 || public key)[:4]; the signed message is
// "cosignature/v1\ntime <unix seconds>\n" and the checkpoint's text; the line is
// "— <name> base64(key id || 8-byte big-endian time || signature)\n".
Result<NoteVerifier> ParseCosignerKey(std::string_view text);
Result<NoteSigner> ParseCosignerPrivateKey(std::string_view text);
Result<NoteSigner> GenerateCosigner(std::string_view name);
// The cosignature line (ending in a newline) of checkpoint text `body`, made at `time`.
Result<std::string> Cosign(std::string_view body, const NoteSigner& cosigner, uint64_t time);
// The time of a valid cosignature of `body` by `cosigner` among the signature lines of `note`
// (the checkpoint, or only its signature lines); kDataLoss when there is none.
Result<uint64_t> VerifyCosignature(std::string_view body, std::string_view note,
                                   const NoteVerifier& cosigner);

}  // namespace caseledger::ledger
