#include "ledger/signed_note.h"

#include <kj/encoding.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "ledger/merkle.h"

namespace caseledger::ledger {
namespace {

constexpr uint8_t kAlgEd25519 = 0x01;
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";
constexpr std::string_view kSignaturePrefix = "\xe2\x80\x94 ";  // "— "

std::string Base64(const uint8_t* data, size_t size) {
  kj::String s = kj::encodeBase64(kj::arrayPtr(data, size));
  return std::string(s.cStr(), s.size());
}

Result<std::vector<uint8_t>> FromBase64(std::string_view text, std::string_view field) {
  auto decoded = kj::decodeBase64(kj::arrayPtr(text.data(), text.size()));
  if (decoded.hadErrors || text.empty()) {
    return Status::InvalidArgument("not valid base64", std::string(field));
  }
  return std::vector<uint8_t>(decoded.begin(), decoded.end());
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == '+' || c == 0x7f) return false;
  }
  return true;
}

uint32_t KeyHash(std::string_view name, const std::array<uint8_t, 32>& public_key) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(static_cast<char>(kAlgEd25519));
  input.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  Hash h = Sha256(input);
  return static_cast<uint32_t>(h[0]) << 24 | static_cast<uint32_t>(h[1]) << 16 |
         static_cast<uint32_t>(h[2]) << 8 | h[3];
}

std::string HashHex(uint32_t hash) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", hash);
  return buf;
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Result<std::array<uint8_t, 32>> PublicKeyOf(const std::array<uint8_t, 32>& seed) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  std::array<uint8_t, 32> out{};
  size_t len = out.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), out.data(), &len) != 1 || len != 32) {
    return Status::Internal("OpenSSL could not derive an Ed25519 public key");
  }
  return out;
}

// "<prefix>name+hash+base64(0x01||key)" -> name, hash, key.
Status ParseKeyText(std::string_view text, std::string* name, uint32_t* hash,
                    std::array<uint8_t, 32>* key) {
  // Names have no "+", and base64 may: cut at the first two.
  const size_t plus1 = text.find('+');
  const size_t plus2 =
      plus1 == std::string_view::npos ? std::string_view::npos : text.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) {
    return Status::InvalidArgument("a key is name+hash+base64", "key");
  }
  *name = std::string(text.substr(0, plus1));
  std::string_view hash_text = text.substr(plus1 + 1, plus2 - plus1 - 1);
  if (!ValidName(*name) || hash_text.size() != 8 ||
      hash_text.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return Status::InvalidArgument("a key's name or hash is malformed", "key");
  }
  *hash = static_cast<uint32_t>(std::stoul(std::string(hash_text), nullptr, 16));
  CL_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, FromBase64(text.substr(plus2 + 1), "key"));
  if (bytes.size() != 33 || bytes[0] != kAlgEd25519) {
    return Status::InvalidArgument("only Ed25519 keys (0x01 and 32 bytes) are supported", "key");
  }
  std::copy(bytes.begin() + 1, bytes.end(), key->begin());
  return Status();
}

}  // namespace

std::string NoteVerifier::ToText() const {
  std::array<uint8_t, 33> bytes{};
  bytes[0] = kAlgEd25519;
  std::copy(public_key.begin(), public_key.end(), bytes.begin() + 1);
  return name + "+" + HashHex(key_hash) + "+" + Base64(bytes.data(), bytes.size());
}

std::string NoteSigner::ToText() const {
  std::array<uint8_t, 33> bytes{};
  bytes[0] = kAlgEd25519;
  std::copy(seed.begin(), seed.end(), bytes.begin() + 1);
  return std::string(kPrivatePrefix) + verifier.name + "+" + HashHex(verifier.key_hash) + "+" +
         Base64(bytes.data(), bytes.size());
}

Result<NoteVerifier> ParseVerifierKey(std::string_view text) {
  NoteVerifier v;
  CL_RETURN_IF_ERROR(ParseKeyText(text, &v.name, &v.key_hash, &v.public_key));
  if (KeyHash(v.name, v.public_key) != v.key_hash) {
    return Status::InvalidArgument("the key hash does not match the key", "key");
  }
  return v;
}

Result<NoteSigner> ParseSignerKey(std::string_view text) {
  if (!text.starts_with(kPrivatePrefix)) {
    return Status::InvalidArgument("a signer key starts with PRIVATE+KEY+", "key");
  }
  NoteSigner s;
  CL_RETURN_IF_ERROR(ParseKeyText(text.substr(kPrivatePrefix.size()), &s.verifier.name,
                                  &s.verifier.key_hash, &s.seed));
  CL_ASSIGN_OR_RETURN(s.verifier.public_key, PublicKeyOf(s.seed));
  if (KeyHash(s.verifier.name, s.verifier.public_key) != s.verifier.key_hash) {
    return Status::InvalidArgument("the key hash does not match the key", "key");
  }
  return s;
}

Result<NoteSigner> GenerateSigner(std::string_view name) {
  if (!ValidName(name)) {
    return Status::InvalidArgument("a key name has no spaces or +", "name");
  }
  NoteSigner s;
  if (RAND_bytes(s.seed.data(), static_cast<int>(s.seed.size())) != 1) {
    return Status::Unavailable("the system's random source failed");
  }
  s.verifier.name = std::string(name);
  CL_ASSIGN_OR_RETURN(s.verifier.public_key, PublicKeyOf(s.seed));
  s.verifier.key_hash = KeyHash(name, s.verifier.public_key);
  return s;
}

Result<std::string> SignNote(std::string_view text, const NoteSigner& signer) {
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidArgument("a note's text ends with a newline", "text");
  }
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, signer.seed.data(),
                                        signer.seed.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  std::array<uint8_t, 4 + 64> sig{};
  size_t len = 64;
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data() + 4, &len,
                     reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 1 ||
      len != 64) {
    return Status::Internal("OpenSSL could not sign the note");
  }
  const uint32_t h = signer.verifier.key_hash;
  sig[0] = static_cast<uint8_t>(h >> 24);
  sig[1] = static_cast<uint8_t>(h >> 16);
  sig[2] = static_cast<uint8_t>(h >> 8);
  sig[3] = static_cast<uint8_t>(h);
  return std::string(text) + "\n" + std::string(kSignaturePrefix) + signer.verifier.name + " " +
         Base64(sig.data(), sig.size()) + "\n";
}

Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier) {
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos || note.back() != '\n') {
    return Status::InvalidArgument("a signed note is text, a blank line, then signatures", "note");
  }
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, verifier.public_key.data(),
                                       verifier.public_key.size()));
  if (!key) return Status::Internal("OpenSSL could not load the verifier key");
  bool any = false;
  while (!sigs.empty()) {
    const size_t end = sigs.find('\n');
    std::string_view line = sigs.substr(0, end);
    sigs.remove_prefix(end + 1);
    if (!line.starts_with(kSignaturePrefix)) {
      return Status::InvalidArgument("a signature line starts with \"— \"", "note");
    }
    line.remove_prefix(kSignaturePrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return Status::InvalidArgument("a signature line is: — name base64", "note");
    }
    if (line.substr(0, space) != verifier.name) continue;
    CL_ASSIGN_OR_RETURN(std::vector<uint8_t> sig, FromBase64(line.substr(space + 1), "note"));
    if (sig.size() != 4 + 64) continue;
    const uint32_t h = static_cast<uint32_t>(sig[0]) << 24 | static_cast<uint32_t>(sig[1]) << 16 |
                       static_cast<uint32_t>(sig[2]) << 8 | sig[3];
    if (h != verifier.key_hash) continue;
    MdCtx ctx(EVP_MD_CTX_new());
    if (ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), sig.data() + 4, 64,
                         reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1) {
      any = true;
    }
  }
  if (!any) {
    return Status::DataLoss("the note carries no valid signature by " + verifier.ToText());
  }
  return std::string(text);
}

}  // namespace caseledger::ledger
