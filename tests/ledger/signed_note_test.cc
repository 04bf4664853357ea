// Signed notes against the published examples: golang.org/x/mod/sumdb/note's documentation
// (PeterNeumann) and the C2SP signed-note specification (example.com/foo).
#include <catch2/catch.hpp>

#include "ledger/signed_note.h"

namespace caseledger::ledger {
namespace {

const char* kGoSigner =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const char* kGoVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const char* kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const char* kGoNote =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST_CASE("signed note: signing the Go reference text with its key gives the published note",
          "[signed-note]") {
  auto signer = ParseSignerKey(kGoSigner);
  REQUIRE(signer.ok());
  CHECK(signer->verifier.ToText() == kGoVerifier);
  CHECK(signer->ToText() == kGoSigner);
  auto note = SignNote(kGoText, *signer);
  REQUIRE(note.ok());
  CHECK(*note == kGoNote);
}

TEST_CASE("signed note: the published notes open with their verifier keys, and not when altered",
          "[signed-note]") {
  auto go = ParseVerifierKey(kGoVerifier);
  REQUIRE(go.ok());
  auto text = OpenNote(kGoNote, *go);
  REQUIRE(text.ok());
  CHECK(*text == kGoText);

  auto spec =
      ParseVerifierKey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  REQUIRE(spec.ok());
  const std::string spec_note =
      "This is an example message.\n\n\xe2\x80\x94 example.com/foo "
      "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
      "\n";
  auto spec_text = OpenNote(spec_note, *spec);
  REQUIRE(spec_text.ok());
  CHECK(*spec_text == "This is an example message.\n");

  std::string altered = kGoNote;
  altered[3] = 'X';
  CHECK(OpenNote(altered, *go).status().code() == Code::kDataLoss);
  CHECK(OpenNote(kGoNote, *spec).status().code() == Code::kDataLoss);  // another key
}

TEST_CASE("signed note: malformed keys are refused, including a hash that does not match",
          "[signed-note]") {
  CHECK_FALSE(
      ParseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
  CHECK_FALSE(
      ParseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
  CHECK_FALSE(ParseVerifierKey("PeterNeumann+c74f20a3").ok());
  CHECK_FALSE(ParseSignerKey(kGoVerifier).ok());
  CHECK_FALSE(SignNote("no final newline", *ParseSignerKey(kGoSigner)).ok());
}

TEST_CASE("signed note: a generated key signs notes its verifier opens", "[signed-note]") {
  auto signer = GenerateSigner("caseledger.example/log");
  REQUIRE(signer.ok());
  auto reparsed = ParseSignerKey(signer->ToText());
  REQUIRE(reparsed.ok());
  auto note = SignNote("caseledger.example/log\n3\nabc=\n", *reparsed);
  REQUIRE(note.ok());
  auto verifier = ParseVerifierKey(signer->verifier.ToText());
  REQUIRE(verifier.ok());
  CHECK(OpenNote(*note, *verifier).ok());
}

}  // namespace
}  // namespace caseledger::ledger
