// AES-256-GCM through OpenSSL's EVP interface; Cap'n Proto's dynamic API finds every Sealed
// field of a message by its type, whatever event kind holds it, so new kinds are covered
// without code here.
#include "ledger/sealing.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>
#include <utility>

#include "ledger/event.capnp.h"
#include "ledger/internal/codec.h"

namespace caseledger::ledger {
namespace {

using schema::Event;
using schema::Sealed;

constexpr size_t kNonce = 12;
constexpr size_t kTag = 16;
constexpr std::string_view kFieldContext = "caseledger sealed field v1";
constexpr std::string_view kKeyContext = "caseledger family key v1";
constexpr std::string_view kBlobContext = "caseledger document v1";

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// ciphertext || tag
Result<std::string> GcmSeal(const Key256& key, std::string_view nonce, std::string_view aad,
                            std::string_view plaintext) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  std::string out(plaintext.size() + kTag, '\0');
  int len = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), U(nonce)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), o, &len, U(plaintext), static_cast<int>(plaintext.size())) ==
          1 &&
      EVP_EncryptFinal_ex(ctx.get(), o + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, o + plaintext.size()) == 1;
  if (!ok) return Status::Unavailable("AES-256-GCM encryption failed");
  return out;
}

// kDataLoss when the tag does not match (altered, or another key, nonce or aad).
Result<std::string> GcmOpen(const Key256& key, std::string_view nonce, std::string_view aad,
                            std::string_view sealed) {
  if (nonce.size() != kNonce || sealed.size() < kTag) {
    return Status::DataLoss("a sealed value is truncated");
  }
  const size_t n = sealed.size() - kTag;
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  std::string out(n, '\0');
  int len = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(sealed.substr(n));
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), U(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), o, &len, U(sealed), static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), o + len, &len) == 1;
  if (!ok) return Status::DataLoss("a sealed value does not open under its key: it was altered");
  return out;
}

// The synthetic nonce: HMAC-SHA256(key, aad || 0x00 || plaintext), first 12 bytes.
std::string SyntheticNonce(const Key256& key, std::string_view aad, std::string_view plaintext) {
  std::string input(aad);
  input.push_back('\0');
  input.append(plaintext);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), U(input), input.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), kNonce);
}

std::string Aad(std::string_view context, std::string_view family_id, std::string_view rest) {
  std::string aad(context);
  aad.push_back('\0');
  aad.append(family_id);
  aad.push_back('\0');
  aad.append(rest);
  return aad;
}

// Calls `fn` for every Sealed reachable from `s` (a DynamicStruct Reader or Builder), with
// its path ("caseNoteAdded.text", "tafMeetingHeld.attendees[2]"). Only fields that are set are
// visited; a Reader walk copies nothing. `path` is one buffer, extended and cut back as the
// walk goes, so an element costs no allocation (how many elements a message may claim is
// bounded by internal::ReaderLimits).
template <typename Struct, typename Fn>
void Walk(Struct s, std::string& path, const Fn& fn);

template <typename Value, typename Fn>
void WalkValue(Value v, capnp::Type type, std::string& path, const Fn& fn) {
  if (type.isStruct()) {
    auto st = v.template as<capnp::DynamicStruct>();
    if (type.asStruct() == capnp::Schema::from<Sealed>()) {
      fn(st.template as<Sealed>(), std::as_const(path));
    } else {
      Walk(st, path, fn);
    }
  } else if (type.isList()) {
    capnp::Type element = type.asList().getElementType();
    if (!element.isStruct() && !element.isList()) return;
    auto list = v.template as<capnp::DynamicList>();
    const size_t base = path.size();
    for (uint i = 0; i < list.size(); ++i) {
      path.append("[").append(std::to_string(i)).append("]");
      WalkValue(list[i], element, path, fn);
      path.resize(base);
    }
  }
}

template <typename Struct, typename Fn>
void WalkField(Struct s, capnp::StructSchema::Field field, std::string& path, const Fn& fn) {
  capnp::Type type = field.getType();
  if (!type.isStruct() && !type.isList()) return;
  if (!s.has(field)) return;
  const size_t base = path.size();
  if (!path.empty()) path.push_back('.');
  path.append(field.getProto().getName().cStr());
  WalkValue(s.get(field), type, path, fn);
  path.resize(base);
}

template <typename Struct, typename Fn>
void Walk(Struct s, std::string& path, const Fn& fn) {
  for (auto field : s.getSchema().getNonUnionFields()) WalkField(s, field, path, fn);
  KJ_IF_MAYBE (active, s.which()) {
    WalkField(s, *active, path, fn);
  }
}

// Walks the whole of `root` from an empty path.
template <typename Struct, typename Fn>
void WalkAll(Struct root, const Fn& fn) {
  std::string path;
  Walk(root, path, fn);
}

// Reads `stored` and hands `read` its root Event, with damage reported as kDataLoss.
template <typename Read>
Status ReadStored(std::string_view stored, Read&& read) {
  std::vector<uint64_t> words = internal::AlignedWords(stored);
  try {
    capnp::FlatArrayMessageReader reader(internal::AsWords(words),
                                         internal::ReaderLimits(words.size()));
    read(reader.getRoot<Event>());
    return Status();
  } catch (const kj::Exception& e) {
    return Status::DataLoss(std::string("a message does not decode: ") + e.getDescription().cStr());
  }
}

// Copies `stored` into a builder, lets `edit` change it, and returns it copied once more, so
// that nothing `edit` replaced (a clear text) is left behind in the bytes.
template <typename Edit>
Result<std::vector<uint64_t>> Rewrite(std::string_view stored, Edit&& edit) {
  std::vector<uint64_t> words = internal::AlignedWords(stored);
  try {
    capnp::FlatArrayMessageReader reader(internal::AsWords(words),
                                         internal::ReaderLimits(words.size()));
    capnp::MallocMessageBuilder builder;
    builder.setRoot(reader.getRoot<Event>());
    CL_RETURN_IF_ERROR(edit(builder.getRoot<Event>()));
    capnp::MallocMessageBuilder clean;
    clean.setRoot(builder.getRoot<Event>().asReader());
    return internal::FlatWords(clean);
  } catch (const kj::Exception& e) {
    return Status::DataLoss(std::string("a message does not decode: ") + e.getDescription().cStr());
  }
}

// Removes every clear Sealed field of `s` and the structs within it; a clear element of a list
// cannot be removed alone, so its text is emptied.
void DropClear(capnp::DynamicStruct::Builder s) {
  auto visit = [](capnp::DynamicStruct::Builder st, capnp::StructSchema::Field f) {
    capnp::Type t = f.getType();
    if (!st.has(f) || (!t.isStruct() && !t.isList())) return;
    if (t.isStruct() && t.asStruct() == capnp::Schema::from<Sealed>()) {
      if (st.get(f).as<Sealed>().isClear()) st.clear(f);
    } else if (t.isStruct()) {
      DropClear(st.get(f).as<capnp::DynamicStruct>());
    } else if (t.asList().getElementType().isStruct()) {
      const bool sealed = t.asList().getElementType().asStruct() == capnp::Schema::from<Sealed>();
      auto list = st.get(f).as<capnp::DynamicList>();
      for (uint i = 0; i < list.size(); ++i) {
        if (!sealed) {
          DropClear(list[i].as<capnp::DynamicStruct>());
        } else if (list[i].as<Sealed>().isClear()) {
          list[i].as<Sealed>().setClear("");
        }
      }
    }
  };
  for (auto f : s.getSchema().getNonUnionFields()) visit(s, f);
  KJ_IF_MAYBE (active, s.which()) {
    visit(s, *active);
  }
}

std::string_view EventIdOf(Event::Builder e) {
  auto id = e.getEventId();
  return {reinterpret_cast<const char*>(id.begin()), id.size()};
}

std::string_view AsChars(const std::vector<uint64_t>& words) {
  return {reinterpret_cast<const char*>(words.data()), words.size() * 8};
}

}  // namespace

Result<Key256> RandomKey() {
  Key256 k;
  if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1) {
    return Status::Unavailable("the system's random number generator failed");
  }
  return k;
}

Result<std::string> WrapFamilyKey(const Key256& master, std::string_view family_id,
                                  const FamilyKey& key) {
  std::string nonce(kNonce, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonce) != 1) {
    return Status::Unavailable("the system's random number generator failed");
  }
  const std::string aad = Aad(kKeyContext, family_id, std::to_string(key.id));
  CL_ASSIGN_OR_RETURN(std::string sealed,
                      GcmSeal(master, nonce, aad,
                              {reinterpret_cast<const char*>(key.bytes.data()), key.bytes.size()}));
  return nonce + sealed;
}

Result<FamilyKey> UnwrapFamilyKey(const Key256& master, std::string_view family_id, uint32_t key_id,
                                  std::string_view wrapped) {
  if (wrapped.size() != kNonce + 32 + kTag) {
    return Status::DataLoss("the key of family " + std::string(family_id) + " is damaged");
  }
  const std::string aad = Aad(kKeyContext, family_id, std::to_string(key_id));
  auto clear = GcmOpen(master, wrapped.substr(0, kNonce), aad, wrapped.substr(kNonce));
  if (!clear.ok()) {
    return Status::DataLoss("the key of family " + std::string(family_id) +
                            " does not open under the master key (another master key, or "
                            "the key was altered)");
  }
  FamilyKey out;
  out.id = key_id;
  std::memcpy(out.bytes.data(), clear->data(), out.bytes.size());
  return out;
}

Result<std::vector<uint64_t>> SealFields(const std::vector<uint64_t>& words,
                                         std::string_view family_id, const FamilyKey& key) {
  return Rewrite(AsChars(words), [&](Event::Builder e) -> Status {
    const std::string event_id(EventIdOf(e));
    Status failed;
    WalkAll(capnp::toDynamic(e), [&](Sealed::Builder s, const std::string& path) {
      if (!failed.ok() || !s.isClear()) return;
      const std::string clear(s.getClear().cStr(), s.getClear().size());
      const std::string aad = Aad(kFieldContext, family_id, event_id + path);
      const std::string nonce = SyntheticNonce(key.bytes, aad, clear);
      auto sealed = GcmSeal(key.bytes, nonce, aad, clear);
      if (!sealed.ok()) {
        failed = sealed.status();
        return;
      }
      auto cipher = s.initCipher();
      cipher.setKeyId(key.id);
      cipher.setNonce(kj::arrayPtr(reinterpret_cast<const kj::byte*>(nonce.data()), nonce.size()));
      cipher.setCiphertext(
          kj::arrayPtr(reinterpret_cast<const kj::byte*>(sealed->data()), sealed->size()));
    });
    return failed;
  });
}

Result<std::string> SealingFamily(std::string_view stream, std::string_view message) {
  constexpr std::string_view kFamilyPrefix = "family/";
  if (stream.starts_with(kFamilyPrefix)) return std::string(stream.substr(kFamilyPrefix.size()));
  std::string family;
  if (stream == "access") {
    CL_RETURN_IF_ERROR(ReadStored(message, [&](Event::Reader e) {
      if (e.isRecordViewed()) {
        auto id = e.getRecordViewed().getFamilyId();
        family.assign(id.begin(), id.size());
      }
    }));
  }
  return family;
}

Result<std::vector<uint64_t>> DropClearFields(const std::vector<uint64_t>& words) {
  return Rewrite(AsChars(words), [&](Event::Builder e) -> Status {
    DropClear(capnp::toDynamic(e));
    return Status();
  });
}

Result<std::string> OpenFields(std::string_view stored, std::string_view family_id,
                               const KeyLookup& key_for) {
  // First, without copying: is any field sealed under a key we have? Most reads of a family
  // with no sealed field, or of an erased one, stop here.
  bool openable = false;
  CL_RETURN_IF_ERROR(ReadStored(stored, [&](Event::Reader e) {
    WalkAll(capnp::toDynamic(e), [&](Sealed::Reader s, const std::string&) {
      openable = openable || (s.isCipher() && key_for(s.getCipher().getKeyId()) != nullptr);
    });
  }));
  if (!openable) return std::string();
  CL_ASSIGN_OR_RETURN(
      auto words, Rewrite(stored, [&](Event::Builder e) -> Status {
        const std::string event_id(EventIdOf(e));
        Status failed;
        WalkAll(capnp::toDynamic(e), [&](Sealed::Builder s, const std::string& path) {
          if (!failed.ok() || !s.isCipher()) return;
          auto c = s.getCipher();
          const FamilyKey* key = key_for(c.getKeyId());
          if (key == nullptr) return;  // erased: it stays sealed
          auto nonce = c.getNonce();
          auto text = c.getCiphertext();
          auto clear =
              GcmOpen(key->bytes, {reinterpret_cast<const char*>(nonce.begin()), nonce.size()},
                      Aad(kFieldContext, family_id, event_id + path),
                      {reinterpret_cast<const char*>(text.begin()), text.size()});
          if (!clear.ok()) {
            failed = Status::DataLoss("the sealed field " + path + " " + clear.status().message());
            return;
          }
          s.setClear(*clear);
        });
        return failed;
      }));
  return std::string(AsChars(words));
}

Result<bool> HasSealedFields(std::string_view stored) {
  bool any = false;
  CL_RETURN_IF_ERROR(ReadStored(stored, [&](Event::Reader e) {
    WalkAll(capnp::toDynamic(e),
            [&](Sealed::Reader s, const std::string&) { any = any || s.isCipher(); });
  }));
  return any;
}

Result<std::string> SealBlob(std::string_view bytes, std::string_view family_id, const Hash& sha256,
                             const FamilyKey& key) {
  const std::string aad = Aad(kBlobContext, family_id, ToHex(sha256));
  const std::string nonce = SyntheticNonce(key.bytes, aad, bytes);
  CL_ASSIGN_OR_RETURN(std::string sealed, GcmSeal(key.bytes, nonce, aad, bytes));
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(key.id >> shift));
  return out + nonce + sealed;
}

Result<uint32_t> BlobKeyId(std::string_view sealed) {
  if (sealed.size() < 4 + kNonce + kTag) return Status::DataLoss("a stored document is truncated");
  uint32_t id = 0;
  for (size_t i = 0; i < 4; ++i) id = id << 8 | static_cast<uint8_t>(sealed[i]);
  return id;
}

Result<std::string> OpenBlob(std::string_view sealed, std::string_view family_id,
                             const Hash& sha256, const FamilyKey& key) {
  CL_ASSIGN_OR_RETURN(uint32_t id, BlobKeyId(sealed));
  if (id != key.id) return Status::InvalidArgument("the document is sealed under another key");
  return GcmOpen(key.bytes, sealed.substr(4, kNonce), Aad(kBlobContext, family_id, ToHex(sha256)),
                 sealed.substr(4 + kNonce));
}

}  // namespace caseledger::ledger
