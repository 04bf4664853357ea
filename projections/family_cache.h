// FamilyCache: the one bounded cache of hot read models, keyed by family.
//
// Each entry is a family's record at one version of its stream: its events (decoded, personal
// fields opened) and the state they fold to (FamilyModel), with the answers readers rendered
// from that version (Rendered: a chronology's entries as JSON, say). The rules, the API's reads
// and the step-up pack all take a family from here; nothing else keeps families in memory.
//
// Always current, by construction: every use asks the store for the stream's visible version
// (one index seek) and uses the entry only at that version; an entry behind is extended with
// the events after it (read from the store, folded onto the state), never trusted. So the
// cache needs no notice of appends and cannot serve what the log does not hold: what the
// sequencer made durable and visible is what the next use sees (durable first, then visible).
//
// Bounded in bytes (an estimate of what each entry holds: events, state, rendered answers),
// least recently used first out; a miss reads the stream again. One family larger than the
// bound is answered but not kept, and so is an erased family (familyErased in its stream).
// Drop forgets a family at once (an erasure: its clear text leaves memory with it).
//
// Thread-safety: every method may be called from any thread; loads and folds run outside the
// lock. Returned models are immutable and shared: hold the pointer as long as needed.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ledger/store.h"
#include "projections/family_state.h"

namespace caseledger::projections {

// A family's record at one version of its stream. Immutable once made.
struct FamilyModel {
  std::string family_id;
  uint32_t version = 0;   // events in the stream
  uint64_t last_seq = 0;  // the seq of the last of them
  // Its events, when `has_events`: a model made for the state alone (the rules' checks of an
  // append) holds none.
  bool has_events = true;
  std::vector<ev::Event> events;
  FamilyState state;  // FoldFamily of every event of the stream up to `version`
  size_t bytes = 0;   // an estimate of what it holds (the bound counts it)
  size_t state_bytes = 0, events_bytes = 0;
};

// An answer rendered from a model, and the other streams (a practitioner's, for the names in
// summaries) at the versions it was made from: kept while each is still at that version.
struct RenderedAnswer {
  std::string text;
  std::vector<std::pair<std::string, uint32_t>> depends;  // stream, version
};

struct FamilyCacheStats {
  uint64_t hits = 0;      // a current entry
  uint64_t extended = 0;  // an entry behind, extended with the events after it
  uint64_t misses = 0;    // read from the store
  uint64_t evicted = 0;
  uint64_t rendered_hits = 0, rendered_misses = 0;
  size_t bytes = 0, max_bytes = 0, families = 0;
};

class FamilyCache {
 public:
  static constexpr size_t kDefaultMaxBytes = 64u << 20;
  // `store` must outlive the cache.
  explicit FamilyCache(ledger::Store& store, size_t max_bytes = kDefaultMaxBytes);

  // What a use needs of a family: its state only (a check), or its events as well (a read).
  enum class Need { kState, kEvents };
  // The family with every event the log shows now. kInvalidArgument for an id that is not 1-64
  // of A-Z a-z 0-9 - _; kNotFound when it has no events; the store's error otherwise. With
  // Need::kState the model may hold no events (has_events false): an entry behind is then
  // extended without copying them.
  Result<std::shared_ptr<const FamilyModel>> Current(const std::string& family_id,
                                                     Need need = Need::kEvents);
  // The family with its events up to `max_seq` only (an "as of" read): the current model when
  // it holds nothing later, otherwise one made for the call and not kept. kNotFound when it had
  // no events by then.
  Result<std::shared_ptr<const FamilyModel>> AsOf(const std::string& family_id, uint64_t max_seq);

  // The answer `key` names, rendered from `model` by `make` once per key while the model is the
  // family's current one and its `depends` streams are unchanged; `make` again otherwise. A
  // model not (or no longer) cached gets `make`'s answer without keeping it.
  Result<std::shared_ptr<const std::string>> Rendered(
      const std::shared_ptr<const FamilyModel>& model, const std::string& key,
      const std::function<Result<RenderedAnswer>()>& make);

  // Forgets the family and everything rendered from it; a load under way is not kept either.
  void Drop(const std::string& family_id);

  FamilyCacheStats Stats() const;
  size_t max_bytes() const { return max_bytes_; }

 private:
  struct Answer {
    std::shared_ptr<const std::string> text;
    std::vector<std::pair<std::string, uint32_t>> depends;
  };
  struct Entry {
    std::shared_ptr<const FamilyModel> model;
    std::list<std::string>::iterator lru;
    std::map<std::string, Answer> answers;
    size_t answers_bytes = 0;
  };
  Result<std::shared_ptr<const FamilyModel>> Load(const std::string& family_id,
                                                  std::shared_ptr<const FamilyModel> behind,
                                                  uint64_t max_seq, uint64_t generation, Need need);
  // Keeps `model` (replacing an older one) unless a Drop came since `generation`.
  void Keep(const std::shared_ptr<const FamilyModel>& model, uint64_t generation);
  void EraseLocked(std::unordered_map<std::string, Entry>::iterator it);
  void EvictLocked();
  bool DependsHold(const std::vector<std::pair<std::string, uint32_t>>& depends);

  ledger::Store& store_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // by family id
  std::list<std::string> lru_;                      // most recently used first
  size_t bytes_ = 0;
  uint64_t generation_ = 0;  // bumped by Drop
  FamilyCacheStats stats_;
};

// The family as the store holds it up to `max_seq` (0: nothing), read and folded without any
// cache: kNotFound when it has no events by then.
Result<std::shared_ptr<const FamilyModel>> LoadFamilyModel(ledger::Store& store,
                                                           const std::string& family_id,
                                                           uint64_t max_seq);

}  // namespace caseledger::projections
