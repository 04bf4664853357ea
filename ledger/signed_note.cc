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
constexpr uint8_t kAlgCosignatureV1 = 0x04;  // C2SP tlog-cosignature, Ed25519
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

uint32_t KeyHash(std::string_view name, const std::array<uint8_t, 32>& public_key,
                 uint8_t type = kAlgEd25519) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(static_cast<char>(type));
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

// "<prefix>name+hash+base64(type||key)" -> name, hash, key, for a key of type `type`.
Status ParseKeyText(std::string_view text, std::string* name, uint32_t* hash,
                    std::array<uint8_t, 32>* key, uint8_t type = kAlgEd25519) {
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
  if (bytes.size() != 33 || bytes[0] != type) {
    return Status::InvalidArgument(
        type == kAlgEd25519
            ? "only Ed25519 keys (0x01 and 32 bytes) are supported"
            : "a cosigner's key is an Ed25519 cosignature/v1 key (0x04 and 32 bytes)",
        "key");
  }
  std::copy(bytes.begin() + 1, bytes.end(), key->begin());
  return Status();
}

}  // namespace

std::string NoteVerifier::ToText() const {
  std::array<uint8_t, 33> bytes{};
  bytes[0] = type;
  std::copy(public_key.begin(), public_key.end(), bytes.begin() + 1);
  return name + "+" + HashHex(key_hash) + "+" + Base64(bytes.data(), bytes.size());
}

std::string NoteSigner::ToText() const {
  std::array<uint8_t, 33> bytes{};
  bytes[0] = verifier.type;
  std::copy(seed.begin(), seed.end(), bytes.begin() + 1);
  return std::string(kPrivatePrefix) + verifier.name + "+" + HashHex(verifier.key_hash) + "+" +
         Base64(bytes.data(), bytes.size());
}

namespace {

// A verifier key's text of type `type` (a note signer's or a cosigner's).
Result<NoteVerifier> ParsePublicKey(std::string_view text, uint8_t type) {
  NoteVerifier v;
  v.type = type;
  CL_RETURN_IF_ERROR(ParseKeyText(text, &v.name, &v.key_hash, &v.public_key, type));
  if (KeyHash(v.name, v.public_key, type) != v.key_hash) {
    return Status::InvalidArgument("the key hash does not match the key", "key");
  }
  return v;
}

// A private key's text of type `type` (a note signer's or a cosigner's).
Result<NoteSigner> ParsePrivateKey(std::string_view text, uint8_t type) {
  if (!text.starts_with(kPrivatePrefix)) {
    return Status::InvalidArgument("a signer key starts with PRIVATE+KEY+", "key");
  }
  NoteSigner s;
  s.verifier.type = type;
  CL_RETURN_IF_ERROR(ParseKeyText(text.substr(kPrivatePrefix.size()), &s.verifier.name,
                                  &s.verifier.key_hash, &s.seed, type));
  CL_ASSIGN_OR_RETURN(s.verifier.public_key, PublicKeyOf(s.seed));
  if (KeyHash(s.verifier.name, s.verifier.public_key, type) != s.verifier.key_hash) {
    return Status::InvalidArgument("the key hash does not match the key", "key");
  }
  return s;
}

}  // namespace

Result<NoteVerifier> ParseVerifierKey(std::string_view text) {
  return ParsePublicKey(text, kAlgEd25519);
}

Result<NoteSigner> ParseSignerKey(std::string_view text) {
  return ParsePrivateKey(text, kAlgEd25519);
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

// ---------------------------------------------------------------- cosignatures

Result<NoteVerifier> ParseCosignerKey(std::string_view text) {
  return ParsePublicKey(text, kAlgCosignatureV1);
}

Result<NoteSigner> ParseCosignerPrivateKey(std::string_view text) {
  return ParsePrivateKey(text, kAlgCosignatureV1);
}

Result<NoteSigner> GenerateCosigner(std::string_view name) {
  CL_ASSIGN_OR_RETURN(NoteSigner s, GenerateSigner(name));
  s.verifier.type = kAlgCosignatureV1;
  s.verifier.key_hash = KeyHash(name, s.verifier.public_key, kAlgCosignatureV1);
  return s;
}

namespace {

std::string CosignedMessage(std::string_view body, uint64_t time) {
  return "cosignature/v1\ntime " + std::to_string(time) + "\n" + std::string(body);
}

}  // namespace

Result<std::string> Cosign(std::string_view body, const NoteSigner& cosigner, uint64_t time) {
  if (cosigner.verifier.type != kAlgCosignatureV1) {
    return Status::InvalidArgument("a cosignature needs a cosigner's key (type 0x04)", "key");
  }
  if (body.empty() || body.back() != '\n' || time > (uint64_t{1} << 63) - 1) {
    return Status::InvalidArgument("a checkpoint's text ends with a newline", "text");
  }
  const std::string message = CosignedMessage(body, time);
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, cosigner.seed.data(),
                                        cosigner.seed.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  std::array<uint8_t, 4 + 8 + 64> sig{};
  for (int i = 0; i < 4; ++i)
    sig[i] = static_cast<uint8_t>(cosigner.verifier.key_hash >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) sig[4 + i] = static_cast<uint8_t>(time >> (56 - 8 * i));
  size_t len = 64;
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data() + 12, &len,
                     reinterpret_cast<const uint8_t*>(message.data()), message.size()) != 1 ||
      len != 64) {
    return Status::Internal("OpenSSL could not make an Ed25519 cosignature");
  }
  return std::string(kSignaturePrefix) + cosigner.verifier.name + " " +
         Base64(sig.data(), sig.size()) + "\n";
}

Result<uint64_t> VerifyCosignature(std::string_view body, std::string_view note,
                                   const NoteVerifier& cosigner) {
  // Every signature line of `note` (after its text, or all of it) by this cosigner's name and
  // key id.
  const std::string all = "\n" + std::string(note);
  note = all;
  size_t at = note.find(std::string("\n") + std::string(kSignaturePrefix));
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, cosigner.public_key.data(),
                                       cosigner.public_key.size()));
  if (!key) return Status::Internal("OpenSSL could not load an Ed25519 key");
  const std::string prefix = std::string(kSignaturePrefix) + cosigner.name + " ";
  while (at != std::string_view::npos) {
    const size_t start = at + 1;
    const size_t end = note.find('\n', start);
    std::string_view line = note.substr(start, end == std::string_view::npos ? end : end - start);
    at = end == std::string_view::npos
             ? end
             : note.find(std::string("\n") + std::string(kSignaturePrefix), end);
    if (!line.starts_with(prefix)) continue;
    auto bytes = FromBase64(line.substr(prefix.size()), "signature");
    if (!bytes.ok() || bytes->size() != 4 + 8 + 64) continue;
    const auto& b = *bytes;
    const uint32_t id = static_cast<uint32_t>(b[0]) << 24 | static_cast<uint32_t>(b[1]) << 16 |
                        static_cast<uint32_t>(b[2]) << 8 | b[3];
    if (id != cosigner.key_hash) continue;
    uint64_t time = 0;
    for (int i = 0; i < 8; ++i) time = time << 8 | b[4 + i];
    const std::string message = CosignedMessage(body, time);
    MdCtx ctx(EVP_MD_CTX_new());
    if (ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), b.data() + 12, 64,
                         reinterpret_cast<const uint8_t*>(message.data()), message.size()) == 1) {
      return time;
    }
  }
  return Status::DataLoss("no valid cosignature by " + cosigner.ToText());
}

}  // namespace caseledger::ledger
