// The event as the rest of caseledger sees it: plain C++ values, no Cap'n Proto.
//
// EventDraft   an event a caller wants appended, parsed and checked against the schema
//              (json_codec.h makes them); cheap to move. Its fields are fixed when it is
//              made; only its stored form changes, when the store seals it (SetSealed).
// AppendRequest one or several drafts for one stream, appended atomically.
// RecordedEvent an event as stored: its place in the log, its envelope, and its stored bytes
//              (exactly what the Merkle leaf hash covers).
//
// Thread-safety: all are values; share const references freely.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"

namespace caseledger::ledger {

using Hash = std::array<uint8_t, 32>;

// Lowercase hex of any bytes; parsing accepts either case.
std::string ToHex(const uint8_t* data, size_t size);
inline std::string ToHex(const Hash& h) { return ToHex(h.data(), h.size()); }
Result<Hash> HashFromHex(std::string_view hex);

// The client's 16-byte event id, written as a UUID (8-4-4-4-12 hex digits).
struct EventId {
  std::array<uint8_t, 16> bytes{};

  // Fails with kInvalidArgument unless text is a UUID in its usual form.
  static Result<EventId> Parse(std::string_view text);
  // A random (version 4) UUID, for the events the ledger writes itself (access records,
  // erasures). kUnavailable if the system's random source fails.
  static Result<EventId> Random();
  std::string ToString() const;
  bool operator==(const EventId&) const = default;
  auto operator<=>(const EventId&) const = default;
};

// Who recorded an event. Set by the ledger's caller from credentials, never from a body.
struct Actor {
  std::string id;
  std::string role;
  std::string agency;
  std::string token_id;
};

// What the caller expects the stream's version to be before the append.
struct ExpectedVersion {
  static ExpectedVersion Any() { return {true, 0}; }
  static ExpectedVersion Exactly(uint32_t v) { return {false, v}; }  // 0: a new stream
  bool any = true;
  uint32_t version = 0;
};

// An event a caller wants appended: type, data, eventId and occurredAt, already checked
// against the schema. Holds its encoded form; the sequencer adds the envelope.
class EventDraft {
 public:
  EventDraft() = default;
  // `content` is SHA-256 of the canonical form of the draft message (see internal/codec.h).
  EventDraft(EventId id, std::string type, int64_t occurred_at, uint64_t corrects,
             std::vector<uint64_t> words, Hash content);

  const EventId& id() const { return id_; }
  const std::string& type() const { return type_; }
  int64_t occurred_at() const { return occurred_at_; }
  uint64_t corrects() const { return corrects_; }
  // The draft message (an Event with only the caller's fields set), word-aligned.
  const std::vector<uint64_t>& words() const { return words_; }
  // What makes two drafts "the same event" for idempotency.
  const Hash& content() const { return content_; }
  // The form that is stored and fingerprinted: the draft with its personal fields sealed
  // (Store::Append seals family events and access reads when it has a master key), or the
  // draft itself. The domain rules still read words(), the clear form.
  const std::vector<uint64_t>& stored_words() const {
    return sealed_words_.empty() ? words_ : sealed_words_;
  }
  const Hash& stored_content() const { return sealed_words_.empty() ? content_ : sealed_content_; }
  // The sealed form and its content hash, set by the store before the draft is staged.
  void SetSealed(std::vector<uint64_t> words, Hash content) {
    sealed_words_ = std::move(words);
    sealed_content_ = content;
  }

 private:
  EventId id_;
  std::string type_;
  int64_t occurred_at_ = 0;
  uint64_t corrects_ = 0;
  std::vector<uint64_t> words_;
  Hash content_{};
  std::vector<uint64_t> sealed_words_;
  Hash sealed_content_{};
};

struct AppendRequest {
  std::string stream;  // family/<id>, practitioner/<id> or access
  ExpectedVersion expected;
  Actor actor;
  std::vector<EventDraft> events;  // at least one; eventIds distinct
};

// Where one event landed.
struct AppendedEvent {
  uint64_t seq = 0;
  uint32_t version = 0;
  EventId event_id;
  int64_t recorded_at = 0;
  Hash leaf_hash{};
};

struct AppendResult {
  uint32_t version = 0;  // the stream's version after the request's last event
  bool retry = false;    // every eventId was appended before: nothing new was written
  std::vector<AppendedEvent> events;
};

// An event as stored.
struct RecordedEvent {
  uint64_t seq = 0;
  std::string stream;
  uint32_t version = 0;
  EventId event_id;
  std::string type;  // the union member's name, e.g. "caseNoteAdded"
  int64_t occurred_at = 0;
  int64_t recorded_at = 0;
  Actor actor;
  uint64_t corrects = 0;
  std::string bytes;  // the stored message, exactly as hashed
  Hash leaf_hash{};   // SHA-256(0x00 || bytes)
  // The message with its sealed fields opened (ledger/sealing.h), when it has any and the
  // store holds their key; empty otherwise. Readers decode message(); proofs use bytes.
  std::string opened;
  // Set when the event has sealed fields and its family's keys were destroyed by an erasure:
  // those fields read as "[erased]" rather than "[sealed]".
  bool erased = false;
  std::string_view message() const { return opened.empty() ? bytes : opened; }
};

// Checks a stream name: "family/<id>", "practitioner/<id>" or "access", where an id is 1-64
// characters of A-Z a-z 0-9 - _. Fails with kInvalidArgument naming field "stream".
Status ValidateStreamName(std::string_view stream);

// True when id is 1-64 characters of A-Z a-z 0-9 - _.
bool IsValidId(std::string_view id);

}  // namespace caseledger::ledger
