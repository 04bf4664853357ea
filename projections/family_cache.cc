#include "projections/family_cache.h"

#include <algorithm>

namespace caseledger::projections {
namespace {

// What an event costs in memory, estimated from its stored message: the decoded event (its
// strings about the message's size, besides the struct), and its share of the folded state.
size_t EventBytes(const ledger::RecordedEvent& r) {
  return sizeof(ev::Event) + r.stream.size() + r.type.size() + r.message().size();
}
size_t StateBytes(const ledger::RecordedEvent& r) { return r.message().size(); }

// Answers kept per family version: a few views and filters; more are rendered each time.
constexpr size_t kMaxAnswersPerFamily = 8;

std::string StreamOf(const std::string& family_id) { return "family/" + family_id; }

Status NoRecord(const std::string& family_id, bool at_that_time) {
  return Status::NotFound("family " + family_id + " has no record" +
                          (at_that_time ? " at that time" : ""));
}

// `model` cut to the events up to `max_seq`, folded again. kNotFound when none are left.
Result<std::shared_ptr<const FamilyModel>> Prefix(const FamilyModel& model, uint64_t max_seq) {
  auto out = std::make_shared<FamilyModel>();
  out->family_id = model.family_id;
  for (const ev::Event& e : model.events) {
    if (e.seq > max_seq) break;  // in version order, so in seq order
    out->events.push_back(e);
  }
  if (out->events.empty()) return NoRecord(model.family_id, true);
  out->version = out->events.back().version;
  out->last_seq = out->events.back().seq;
  out->state = FoldFamily(out->events);
  out->bytes = model.bytes;  // at most
  return std::shared_ptr<const FamilyModel>(std::move(out));
}

}  // namespace

FamilyCache::FamilyCache(ledger::Store& store, size_t max_bytes)
    : store_(store), max_bytes_(max_bytes) {
  stats_.max_bytes = max_bytes;
}

Result<std::shared_ptr<const FamilyModel>> FamilyCache::Current(const std::string& family_id,
                                                                Need need) {
  if (!ledger::IsValidId(family_id)) {
    return Status::InvalidArgument("a family id is 1-64 characters of A-Z a-z 0-9 - _", "familyId");
  }
  const uint64_t size = store_.Size();
  CL_ASSIGN_OR_RETURN(uint32_t version, store_.StreamVersionAt(StreamOf(family_id), size));
  if (version == 0) return NoRecord(family_id, false);
  std::shared_ptr<const FamilyModel> behind;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(family_id); it != entries_.end()) {
      // An entry ahead of `version` was made from events visible since: current too.
      const bool enough = need == Need::kState || it->second.model->has_events;
      if (it->second.model->version >= version && enough) {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        ++stats_.hits;
        return it->second.model;
      }
      behind = it->second.model;
    }
    generation = generation_;
  }
  return Load(family_id, std::move(behind), size, generation, need);
}

Result<std::shared_ptr<const FamilyModel>> FamilyCache::Load(
    const std::string& family_id, std::shared_ptr<const FamilyModel> behind, uint64_t max_seq,
    uint64_t generation, Need need) {
  // An entry without its events cannot give them: the family is read whole.
  if (behind != nullptr && need == Need::kEvents && !behind->has_events) behind = nullptr;
  auto model = std::make_shared<FamilyModel>();
  model->family_id = family_id;
  uint32_t from = 1;
  if (behind != nullptr) {
    // Extended for the state only, the events are let go (copying them is what would cost):
    // a reader wanting them reads the family whole again.
    model->has_events = behind->has_events && need == Need::kEvents;
    if (model->has_events) model->events = behind->events;
    model->state = behind->state;
    model->state_bytes = behind->state_bytes;
    model->events_bytes = model->has_events ? behind->events_bytes : 0;
    from = behind->version + 1;
  }
  CL_ASSIGN_OR_RETURN(auto recorded,
                      store_.ReadStream(StreamOf(family_id), from, SIZE_MAX, max_seq));
  if (recorded.empty() && behind == nullptr) {
    return NoRecord(family_id, max_seq < store_.Size());
  }
  bool refold = behind == nullptr;
  model->events.reserve(model->events.size() + recorded.size());
  for (const auto& r : recorded) {
    CL_ASSIGN_OR_RETURN(ev::Event e, ev::Decode(r));
    model->state_bytes += StateBytes(r);
    if (!refold && Apply(model->state, e) == Applied::kRefoldNeeded) refold = true;
    model->version = e.version;
    model->last_seq = e.seq;
    if (model->has_events) {
      model->events_bytes += EventBytes(r);
      model->events.push_back(std::move(e));
    }
  }
  if (behind != nullptr && recorded.empty()) {
    model->version = behind->version;
    model->last_seq = behind->last_seq;
  }
  if (refold) {
    if (!model->has_events) {
      // A correction replaced data: the state is folded again from every event.
      return Load(family_id, nullptr, max_seq, generation, Need::kEvents);
    }
    model->state = FoldFamily(model->events);
  }
  model->bytes = sizeof(FamilyModel) + family_id.size() + model->state_bytes + model->events_bytes;
  std::shared_ptr<const FamilyModel> out = std::move(model);
  {
    std::lock_guard lock(mu_);
    ++(behind != nullptr ? stats_.extended : stats_.misses);
  }
  Keep(out, generation);
  return out;
}

Result<std::shared_ptr<const FamilyModel>> FamilyCache::AsOf(const std::string& family_id,
                                                             uint64_t max_seq) {
  if (max_seq == 0) {
    if (!ledger::IsValidId(family_id)) return Current(family_id);  // its error
    return NoRecord(family_id, true);
  }
  auto current = Current(family_id);
  if (!current.ok()) {
    if (current.status().code() == Code::kNotFound && max_seq < store_.Size()) {
      return NoRecord(family_id, true);
    }
    return current.status();
  }
  if ((*current)->last_seq <= max_seq) return current;
  return Prefix(**current, max_seq);
}

void FamilyCache::Keep(const std::shared_ptr<const FamilyModel>& model, uint64_t generation) {
  std::lock_guard lock(mu_);
  if (generation != generation_) return;  // dropped (an erasure) while it loaded
  auto it = entries_.find(model->family_id);
  // An erased family is never kept, and its older entry goes: what was read of it before its
  // keys went (the events the new model extends) must not outlive the read. A model larger
  // than the bound is answered, not kept.
  if (model->state.erased || model->bytes > max_bytes_) {
    if (it != entries_.end() && it->second.model->version < model->version) EraseLocked(it);
    return;
  }
  if (it != entries_.end()) {
    // Kept unless older, or as old and without the events the one kept has.
    const FamilyModel& kept = *it->second.model;
    if (kept.version > model->version ||
        (kept.version == model->version && (kept.has_events || !model->has_events))) {
      return;
    }
    bytes_ -= it->second.model->bytes + it->second.answers_bytes;
    it->second.model = model;
    it->second.answers.clear();
    it->second.answers_bytes = 0;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  } else {
    lru_.push_front(model->family_id);
    entries_.emplace(model->family_id, Entry{model, lru_.begin(), {}, 0});
  }
  bytes_ += model->bytes;
  EvictLocked();
}

void FamilyCache::EraseLocked(std::unordered_map<std::string, Entry>::iterator it) {
  bytes_ -= it->second.model->bytes + it->second.answers_bytes;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void FamilyCache::EvictLocked() {
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    EraseLocked(entries_.find(lru_.back()));
    ++stats_.evicted;
  }
}

bool FamilyCache::DependsHold(const std::vector<std::pair<std::string, uint32_t>>& depends) {
  for (const auto& [stream, version] : depends) {
    auto now = store_.StreamVersion(stream);
    if (!now.ok() || *now != version) return false;
  }
  return true;
}

Result<std::shared_ptr<const std::string>> FamilyCache::Rendered(
    const std::shared_ptr<const FamilyModel>& model, const std::string& key,
    const std::function<Result<RenderedAnswer>()>& make) {
  std::shared_ptr<const std::string> kept;
  std::vector<std::pair<std::string, uint32_t>> depends;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(model->family_id);
    if (it != entries_.end() && it->second.model == model) {
      if (auto a = it->second.answers.find(key); a != it->second.answers.end()) {
        kept = a->second.text;
        depends = a->second.depends;
      }
    }
  }
  if (kept != nullptr && DependsHold(depends)) {
    std::lock_guard lock(mu_);
    ++stats_.rendered_hits;
    return kept;
  }
  CL_ASSIGN_OR_RETURN(RenderedAnswer made, make());
  auto text = std::make_shared<const std::string>(std::move(made.text));
  std::lock_guard lock(mu_);
  ++stats_.rendered_misses;
  auto it = entries_.find(model->family_id);
  if (it == entries_.end() || it->second.model != model) return text;
  Entry& entry = it->second;
  if (auto old = entry.answers.find(key); old != entry.answers.end()) {
    entry.answers_bytes -= old->second.text->size();
    bytes_ -= old->second.text->size();
    entry.answers.erase(old);
  }
  if (entry.answers.size() >= kMaxAnswersPerFamily) {
    auto first = entry.answers.begin();
    entry.answers_bytes -= first->second.text->size();
    bytes_ -= first->second.text->size();
    entry.answers.erase(first);
  }
  entry.answers.emplace(key, Answer{text, std::move(made.depends)});
  entry.answers_bytes += text->size();
  bytes_ += text->size();
  EvictLocked();
  return text;
}

void FamilyCache::Drop(const std::string& family_id) {
  std::lock_guard lock(mu_);
  ++generation_;
  if (auto it = entries_.find(family_id); it != entries_.end()) EraseLocked(it);
}

FamilyCacheStats FamilyCache::Stats() const {
  std::lock_guard lock(mu_);
  FamilyCacheStats out = stats_;
  out.bytes = bytes_;
  out.families = entries_.size();
  return out;
}

Result<std::shared_ptr<const FamilyModel>> LoadFamilyModel(ledger::Store& store,
                                                           const std::string& family_id,
                                                           uint64_t max_seq) {
  FamilyCache once(store, 0);  // keeps nothing
  return once.AsOf(family_id, max_seq);
}

}  // namespace caseledger::projections
