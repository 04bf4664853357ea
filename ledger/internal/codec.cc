#include "ledger/internal/codec.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>

#include "ledger/event.capnp.h"
#include "ledger/json_codec.h"
#include "ledger/merkle.h"

namespace caseledger::ledger::internal {
namespace {

using schema::Event;

// The name of the union member that is set, or empty for an unknown (newer) kind.
std::string KindName(Event::Reader event) {
  KJ_IF_MAYBE (field, capnp::toDynamic(event).which()) {
    return field->getProto().getName().cStr();
  }
  return {};
}

}  // namespace

capnp::ReaderOptions ReaderLimits(size_t message_words) {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = std::clamp<uint64_t>(kTraversalPerWord * message_words,
                                                 kTraversalFloorWords, kTraversalLimitWords);
  o.nestingLimit = kNestingLimit;
  return o;
}

std::vector<uint64_t> AlignedWords(std::string_view bytes) {
  std::vector<uint64_t> words((bytes.size() + sizeof(uint64_t) - 1) / sizeof(uint64_t));
  if (!bytes.empty()) std::memcpy(words.data(), bytes.data(), bytes.size());  // no null memcpy
  return words;
}

std::vector<uint64_t> FlatWords(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> flat = capnp::messageToFlatArray(message);
  std::vector<uint64_t> words(flat.size());
  std::memcpy(words.data(), flat.begin(), flat.size() * sizeof(capnp::word));
  return words;
}

std::string BuildStored(const EventDraft& draft, const Envelope& envelope) {
  const std::vector<uint64_t>& words = draft.stored_words();
  capnp::FlatArrayMessageReader in(AsWords(words), ReaderLimits(words.size()));
  capnp::MallocMessageBuilder out;
  out.setRoot(in.getRoot<Event>());
  Event::Builder e = out.getRoot<Event>();
  e.setSeq(envelope.seq);
  e.setStream(envelope.stream.data());
  e.setVersion(envelope.version);
  e.setRecordedAt(envelope.recorded_at);
  auto actor = e.initActor();
  actor.setId(envelope.actor->id);
  actor.setRole(envelope.actor->role);
  actor.setAgency(envelope.actor->agency);
  actor.setTokenId(envelope.actor->token_id);
  kj::Array<capnp::word> flat = capnp::messageToFlatArray(out);
  kj::ArrayPtr<const char> bytes = flat.asChars();
  return std::string(bytes.begin(), bytes.size());
}

Result<EventDraft> DraftOf(capnp::MallocMessageBuilder& message, const EventId& id,
                           std::string type, int64_t occurred_at, const std::string& data_path) {
  Event::Builder event = message.getRoot<Event>();
  uint64_t corrects = 0;
  if (event.isRecordCorrected()) {
    corrects = event.getRecordCorrected().getCorrectsSeq();
    event.setCorrects(corrects);
  }
  std::vector<uint64_t> words = FlatWords(message);
  if (words.size() * sizeof(uint64_t) > kMaxEventBytes) {
    return Status::InvalidArgument(data_path + " is larger than " +
                                       std::to_string(kMaxEventBytes >> 20) +
                                       " MiB once encoded: store large content as a document",
                                   data_path);
  }
  try {
    Hash content = ContentHash(words);
    return EventDraft(id, std::move(type), occurred_at, corrects, std::move(words), content);
  } catch (const kj::Exception& ex) {
    return Status::InvalidArgument(data_path + ": " + ex.getDescription().cStr(), data_path);
  }
}

Hash ContentHash(const std::vector<uint64_t>& draft_words) {
  capnp::FlatArrayMessageReader in(AsWords(draft_words), ReaderLimits(draft_words.size()));
  kj::Array<capnp::word> canonical = capnp::canonicalize(in.getRoot<Event>());
  kj::ArrayPtr<const char> c = canonical.asChars();
  return Sha256(std::string_view(c.begin(), c.size()));
}

Hash Fingerprint(std::string_view stream, const Hash& content) {
  std::string buf(stream);
  buf.push_back('\0');
  buf.append(reinterpret_cast<const char*>(content.data()), content.size());
  return Sha256(buf);
}

Result<Hash> StoredFingerprint(const RecordedEvent& event) {
  std::vector<uint64_t> words = AlignedWords(event.bytes);
  try {
    capnp::FlatArrayMessageReader in(AsWords(words), ReaderLimits(words.size()));
    capnp::MallocMessageBuilder draft;
    draft.setRoot(in.getRoot<Event>());
    Event::Builder e = draft.getRoot<Event>();
    e.setSeq(0);
    e.disownStream();
    e.setVersion(0);
    e.setRecordedAt(0);
    e.disownActor();
    return Fingerprint(event.stream, ContentHash(FlatWords(draft)));
  } catch (const kj::Exception& ex) {
    return Status::DataLoss("stored event seq " + std::to_string(event.seq) +
                                " does not decode: " + ex.getDescription().cStr(),
                            event.seq);
  }
}

Result<RecordedEvent> DecodeStored(uint64_t seq, std::string bytes) {
  const std::string where = "stored event seq " + std::to_string(seq);
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.empty()) {
    return Status::DataLoss(where + " is not a whole number of words", seq);
  }
  std::vector<uint64_t> words = AlignedWords(bytes);
  RecordedEvent out;
  try {
    capnp::FlatArrayMessageReader reader(AsWords(words), ReaderLimits(words.size()));
    Event::Reader e = reader.getRoot<Event>();
    (void)e.totalSize();  // traverses every pointer once: damage shows here, not later
    out.type = KindName(e);
    if (out.type.empty()) {
      return Status::DataLoss(where + " holds an event kind this version does not know (" +
                                  std::to_string(static_cast<int>(e.which())) + ")",
                              seq);
    }
    if (e.getSeq() != seq) {
      return Status::DataLoss(where + " says it is seq " + std::to_string(e.getSeq()), seq);
    }
    out.seq = seq;
    out.stream = e.getStream().cStr();
    out.version = e.getVersion();
    auto id = e.getEventId();
    if (id.size() != out.event_id.bytes.size()) {
      return Status::DataLoss(where + " has an eventId of " + std::to_string(id.size()) + " bytes",
                              seq);
    }
    std::memcpy(out.event_id.bytes.data(), id.begin(), id.size());
    out.occurred_at = e.getOccurredAt();
    out.recorded_at = e.getRecordedAt();
    auto actor = e.getActor();
    out.actor = {actor.getId().cStr(), actor.getRole().cStr(), actor.getAgency().cStr(),
                 actor.getTokenId().cStr()};
    out.corrects = e.getCorrects();
  } catch (const kj::Exception& ex) {
    return Status::DataLoss(where + " does not decode: " + std::string(ex.getDescription().cStr()),
                            seq);
  }
  out.leaf_hash = LeafHash(bytes);
  out.bytes = std::move(bytes);
  return out;
}

}  // namespace caseledger::ledger::internal
