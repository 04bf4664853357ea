// The stored form of an event: Cap'n Proto `Event` messages (ledger/event.capnp).
//
// Building: a draft (the caller's fields) plus the envelope the sequencer assigns becomes the
// stored bytes. Reading: stored bytes become a RecordedEvent, read with ReaderOptions limits
// and fully traversed once, so a damaged value is reported as kDataLoss naming its seq.
// This is one of the three places that catch exceptions (kj::Exception from Cap'n Proto).
#pragma once

#include <capnp/message.h>

#include <string>
#include <string_view>
#include <vector>

#include "ledger/event.h"
#include "ledger/status.h"

namespace caseledger::ledger::internal {

// Limits for reading anything stored or received: nesting 64, and a traversal of at most
// kTraversalPerWord times the message's own size (at least kTraversalFloorWords, at most
// kTraversalLimitWords = 64 MiB). Cap'n Proto charges a list of zero-sized elements one word
// per element it claims, so the bound keeps a few hundred hostile bytes from claiming
// millions of elements that every walk (sealing, JSON, decoding) would then visit one by one.
// An honest read charges a message about twice (canonicalising a draft does: with a factor
// of 1 the 12,000-attendee event of tests/ledger/stored_bytes_test.cc is refused).
inline constexpr uint64_t kTraversalLimitWords = 8u << 20;
inline constexpr uint64_t kTraversalPerWord = 16;
inline constexpr uint64_t kTraversalFloorWords = 4096;
inline constexpr int kNestingLimit = 64;

// ReaderOptions with the limits above, for a message of `message_words` words.
capnp::ReaderOptions ReaderLimits(size_t message_words);
// Cap'n Proto reads from word-aligned memory: bytes (e.g. a RocksDB value) copied into it.
std::vector<uint64_t> AlignedWords(std::string_view bytes);
// A message as a flat array (segment table included), in words.
std::vector<uint64_t> FlatWords(capnp::MessageBuilder& message);
inline kj::ArrayPtr<const capnp::word> AsWords(const std::vector<uint64_t>& words) {
  return {reinterpret_cast<const capnp::word*>(words.data()), words.size()};
}

struct Envelope {
  uint64_t seq = 0;
  std::string_view stream;
  uint32_t version = 0;
  int64_t recorded_at = 0;
  const Actor* actor = nullptr;
};

// The stored bytes of `draft` placed at `envelope`.
std::string BuildStored(const EventDraft& draft, const Envelope& envelope);

// The draft made of `message`, an Event with only the caller's fields set (eventId, occurredAt
// and the body, already checked against the schema), of kind `type`: a recordCorrected's
// correctsSeq is copied to `corrects`. kInvalidArgument naming `data_path` when it is larger
// than kMaxEventBytes (json_codec.h) once encoded, or does not canonicalise. Shared by
// ParseEventJson and EncodeDraft, so both make the same draft of the same event.
Result<EventDraft> DraftOf(capnp::MallocMessageBuilder& message, const EventId& id,
                           std::string type, int64_t occurred_at, const std::string& data_path);

// SHA-256 of the canonical form of a draft message (EventDraft::content()).
Hash ContentHash(const std::vector<uint64_t>& draft_words);

// SHA-256 over the stream, 0x00 and the draft's content hash: two requests carry "the
// same event" exactly when their fingerprints are equal.
Hash Fingerprint(std::string_view stream, const Hash& content);

// The fingerprint of a stored event, recomputed from its bytes (the envelope the ledger
// added is cleared first): what its eventId index entry must hold. kDataLoss if the bytes
// do not decode.
Result<Hash> StoredFingerprint(const RecordedEvent& event);

// Decodes stored bytes. kDataLoss (naming `seq`) when they do not decode, hold an unknown
// event kind, or say a different seq than the key they were stored under.
Result<RecordedEvent> DecodeStored(uint64_t seq, std::string bytes);

}  // namespace caseledger::ledger::internal
