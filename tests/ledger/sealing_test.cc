// Sealing personal fields: nothing personal is left in the sealed bytes; the same event seals
// the same way; the family's key opens it and nothing else does; keys wrap under the master.
#include <catch2/catch.hpp>

#include "ledger/json_codec.h"
#include "ledger/sealing.h"

namespace caseledger::ledger {
namespace {

constexpr std::string_view kRegistered =
    R"({"eventId":"4f6718d6-3854-527b-8e93-c130450a8720","type":"familyRegistered",
        "occurredAt":"2026-02-02T10:00:00Z",
        "data":{"members":[{"memberId":"C1","role":"child","name":"Alex Example",
                            "dateOfBirth":"2015-06-01"},
                           {"memberId":"M1","role":"parent","name":"Jo Example"}],
                "address":"1 Sample Street, Exampletown"}})";

std::string_view Chars(const std::vector<uint64_t>& words) {
  return {reinterpret_cast<const char*>(words.data()), words.size() * 8};
}

FamilyKey NewKey(uint32_t id = 1) {
  auto bytes = RandomKey();
  REQUIRE(bytes.ok());
  return {id, *bytes};
}

// The data of a message, as JSON (a RecordedEvent needs only its bytes for that).
std::string DataJson(std::string_view message) {
  RecordedEvent e;
  e.bytes = std::string(message);
  e.type = "familyRegistered";
  auto json = EventToJson(e);
  REQUIRE(json.ok());
  return *json;
}

std::vector<uint64_t> Draft() {
  auto draft = ParseEventJson(kRegistered);
  REQUIRE(draft.ok());
  return draft->words();
}

TEST_CASE("sealing: no personal field is left in clear in the sealed bytes", "[ledger][sealing]") {
  const FamilyKey key = NewKey();
  const auto clear = Draft();
  for (std::string_view personal : {"Alex Example", "Jo Example", "2015-06-01", "Sample Street"}) {
    CHECK(Chars(clear).find(personal) != std::string_view::npos);
  }
  auto sealed = SealFields(clear, "F1", key);
  REQUIRE(sealed.ok());
  for (std::string_view personal : {"Alex Example", "Jo Example", "2015-06-01", "Sample Street"}) {
    INFO(personal);
    CHECK(Chars(*sealed).find(personal) == std::string_view::npos);
  }
  // The facts that are not personal stay readable: the members' ids.
  CHECK(Chars(*sealed).find("C1") != std::string_view::npos);
  auto has = HasSealedFields(Chars(*sealed));
  REQUIRE(has.ok());
  CHECK(*has);
}

TEST_CASE("sealing: the same event seals to the same bytes, so a retry is still recognised",
          "[ledger][sealing]") {
  const FamilyKey key = NewKey();
  auto a = SealFields(Draft(), "F1", key);
  auto b = SealFields(Draft(), "F1", key);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  auto other_key = SealFields(Draft(), "F1", NewKey());
  REQUIRE(other_key.ok());
  CHECK(*other_key != *a);
}

TEST_CASE("sealing: the family's key opens every field back to the clear event",
          "[ledger][sealing]") {
  const FamilyKey key = NewKey(7);
  const auto clear = Draft();
  auto sealed = SealFields(clear, "F1", key);
  REQUIRE(sealed.ok());
  auto opened =
      OpenFields(Chars(*sealed), "F1", [&](uint32_t id) { return id == 7 ? &key : nullptr; });
  REQUIRE(opened.ok());
  CHECK(DataJson(*opened) == DataJson(Chars(clear)));
  CHECK_THAT(DataJson(*opened), Catch::Contains("Alex Example"));
  // A message with nothing sealed opens to "" (read it as it is).
  auto plain = OpenFields(Chars(clear), "F1", [](uint32_t) { return nullptr; });
  REQUIRE(plain.ok());
  CHECK(plain->empty());
}

TEST_CASE("sealing: without the key (erased) the fields stay sealed and read as null",
          "[ledger][sealing]") {
  const FamilyKey key = NewKey();
  auto sealed = SealFields(Draft(), "F1", key);
  REQUIRE(sealed.ok());
  auto opened = OpenFields(Chars(*sealed), "F1", [](uint32_t) { return nullptr; });
  REQUIRE(opened.ok());
  CHECK(opened->empty());  // nothing to open: the stored bytes are read as they are
  const std::string json = DataJson(Chars(*sealed));
  CHECK_THAT(json, !Catch::Contains("Alex"));
  CHECK_THAT(json, Catch::Contains("\"name\":null"));
  CHECK_THAT(json, Catch::Contains("\"memberId\":\"C1\""));
}

TEST_CASE("sealing: an altered ciphertext, or one moved to another family, does not open",
          "[ledger][sealing]") {
  const FamilyKey key = NewKey();
  auto sealed = SealFields(Draft(), "F1", key);
  REQUIRE(sealed.ok());
  auto lookup = [&](uint32_t) { return &key; };
  CHECK(OpenFields(Chars(*sealed), "F2", lookup).status().code() == Code::kDataLoss);
  // Flip each byte in turn: every flip either fails to decode or fails to open; none opens
  // to something else.
  std::string bytes(Chars(*sealed));
  const std::string good = *OpenFields(bytes, "F1", lookup);
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] ^= 0x01;
    auto opened = OpenFields(flipped, "F1", lookup);
    if (!opened.ok()) {
      ++refused;
      continue;
    }
    // A flip outside every sealed field (an id, a pointer) may still open; whatever it opens
    // to, the sealed fields in it are the ones that were sealed.
    RecordedEvent e;
    e.bytes = *opened;
    e.type = "familyRegistered";
    auto json = EventToJson(e);
    if (json.ok() && json->find("\"name\":\"") != std::string::npos) {
      INFO("byte " << i << ": " << *json);
      CHECK((json->find("Alex Example") != std::string::npos ||
             json->find("Jo Example") != std::string::npos));
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("sealing: family keys wrap under the master key and open only with it, for that family",
          "[ledger][sealing]") {
  auto master = RandomKey();
  auto other_master = RandomKey();
  REQUIRE(master.ok());
  REQUIRE(other_master.ok());
  const FamilyKey key = NewKey(3);
  auto wrapped = WrapFamilyKey(*master, "F1", key);
  REQUIRE(wrapped.ok());
  CHECK(wrapped->size() == 60);
  CHECK(wrapped->find(std::string(reinterpret_cast<const char*>(key.bytes.data()), 32)) ==
        std::string::npos);
  auto unwrapped = UnwrapFamilyKey(*master, "F1", 3, *wrapped);
  REQUIRE(unwrapped.ok());
  CHECK(unwrapped->bytes == key.bytes);
  CHECK(unwrapped->id == 3);
  CHECK(UnwrapFamilyKey(*other_master, "F1", 3, *wrapped).status().code() == Code::kDataLoss);
  CHECK(UnwrapFamilyKey(*master, "F2", 3, *wrapped).status().code() == Code::kDataLoss);
  CHECK(UnwrapFamilyKey(*master, "F1", 4, *wrapped).status().code() == Code::kDataLoss);
}

TEST_CASE("sealing: document bytes seal under the family key, bound to their hash",
          "[ledger][sealing]") {
  const FamilyKey key = NewKey(2);
  const std::string doc = "%PDF-1.4 a referral letter about Alex Example";
  Hash sha{};
  sha[0] = 1;
  auto sealed = SealBlob(doc, "F1", sha, key);
  REQUIRE(sealed.ok());
  CHECK(sealed->find("Alex") == std::string::npos);
  CHECK(*BlobKeyId(*sealed) == 2);
  auto opened = OpenBlob(*sealed, "F1", sha, key);
  REQUIRE(opened.ok());
  CHECK(*opened == doc);
  Hash other = sha;
  other[0] = 2;
  CHECK(OpenBlob(*sealed, "F1", other, key).status().code() == Code::kDataLoss);
  CHECK(OpenBlob(*sealed, "F2", sha, key).status().code() == Code::kDataLoss);
}

}  // namespace
}  // namespace caseledger::ledger
