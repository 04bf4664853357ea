#include "projections/overview.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "ledger/json_codec.h"
#include "ledger/time_format.h"

namespace caseledger::projections {
namespace {

using ledger::FormatRfc3339;
using ledger::JsonQuote;

constexpr size_t kLiveFamiliesKept = 10000;  // full states kept between catch-ups
// 2: action plan updates, the step-up's day and the actions (ids, due days, status).
constexpr uint32_t kFactsFormat = 3;  // 3: no concern kind (sealed), the team (issue 19)

// ---------------------------------------------------------------- the saved form
// A family's facts: varints (u64), zigzag varints (i64), length-prefixed strings, in the
// order of Encode below, prefixed by kFactsFormat.

class Writer {
 public:
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Bool(bool b) { U64(b ? 1 : 0); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  uint64_t U64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  int64_t I64() {
    uint64_t z = U64();
    return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  }
  std::string Str() {
    uint64_t n = U64();
    if (!ok_ || n > in_.size() - pos_) return Fail(), std::string();
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool Bool() { return U64() != 0; }
  template <class E>
  E Enum(unsigned count) {
    uint64_t v = U64();
    if (v >= count) Fail();
    return static_cast<E>(v < count ? v : 0);
  }
  size_t Count() {
    uint64_t n = U64();
    if (n > in_.size() - pos_) return Fail(), 0;  // each item takes at least one byte
    return n;
  }
  bool AtEnd() const { return pos_ == in_.size(); }

 private:
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Keeps what the overview needs and drops every personal field.
FamilyState Facts(const FamilyState& f) {
  FamilyState out;
  out.family_id = f.family_id;
  out.registered = f.registered;
  out.version = f.version;
  out.last_seq = f.last_seq;
  out.checked_for = f.checked_for;
  for (const Episode& ep : f.episodes) {
    Episode e;
    e.id = ep.id;
    e.status = ep.status;
    e.keyworker_id = ep.keyworker_id;
    e.taf_members = ep.taf_members;  // practitioner ids: who may act on the family (Team)
    e.registration_completed_on = ep.registration_completed_on;
    e.opened_seq = ep.opened_seq;
    e.consent.given = ep.consent.given;
    e.consent.refused = ep.consent.refused;
    e.consent.refused_at = ep.consent.refused_at;
    e.consent.withdrawn = ep.consent.withdrawn;
    e.consent.withdrawn_at = ep.consent.withdrawn_at;
    e.finalised = ep.finalised;
    e.finalised_at = ep.finalised_at;
    e.signed_by_family = ep.signed_by_family;
    e.copy_given_to_family = ep.copy_given_to_family;
    for (const Meeting& m : ep.meetings) {
      Meeting k = m;
      k.attendees.clear();
      e.meetings.push_back(std::move(k));
    }
    e.plan_updated_at = ep.plan_updated_at;
    for (const PlanAction& a : ep.actions) {
      PlanAction k = a;
      k.action.description.clear();
      k.action.owner.clear();
      e.actions.push_back(std::move(k));
    }
    e.stepped_up = ep.stepped_up;
    e.stepped_up_to = ep.stepped_up_to;
    e.stepped_up_at = ep.stepped_up_at;
    e.stepped_up_recorded_at = ep.stepped_up_recorded_at;
    e.closed = ep.closed;
    e.closure_reason = ep.closure_reason;
    e.closed_at = ep.closed_at;
    e.closed_recorded_at = ep.closed_recorded_at;
    out.episodes.push_back(std::move(e));
  }
  for (const Concern& c : f.concerns) {
    Concern k = c;
    k.kind.clear();  // sealed: read from its event when shown (Inbox), never saved
    k.summary.clear();
    k.direction.clear();
    k.directions.clear();
    out.concerns.push_back(std::move(k));
  }
  return out;
}

std::string Encode(const FamilyState& f) {
  Writer w;
  w.U64(kFactsFormat);
  w.Str(f.family_id);
  w.Bool(f.registered);
  w.U64(f.version);
  w.U64(f.last_seq);
  w.U64(f.checked_for.size());
  for (const std::string& id : f.checked_for) w.Str(id);
  w.U64(f.episodes.size());
  for (const Episode& e : f.episodes) {
    w.Str(e.id);
    w.U64(static_cast<uint64_t>(e.status));
    w.Str(e.keyworker_id);
    w.U64(e.taf_members.size());
    for (const std::string& m : e.taf_members) w.Str(m);
    w.Str(e.registration_completed_on);
    w.U64(e.opened_seq);
    w.Bool(e.consent.given);
    w.Bool(e.consent.refused);
    w.I64(e.consent.refused_at);
    w.Bool(e.consent.withdrawn);
    w.I64(e.consent.withdrawn_at);
    w.Bool(e.finalised);
    w.I64(e.finalised_at);
    w.Bool(e.signed_by_family);
    w.Bool(e.copy_given_to_family);
    w.U64(e.meetings.size());
    for (const Meeting& m : e.meetings) {
      w.Str(m.id);
      w.U64(static_cast<uint64_t>(m.kind));
      w.U64(static_cast<uint64_t>(m.outcome));
      w.Str(m.next_review_on);
      w.U64(m.seq);
      w.I64(m.held_at);
      w.I64(m.recorded_at);
      w.I64(m.plan_recorded_at);
      w.I64(m.shared_at);
    }
    w.U64(e.plan_updated_at.size());
    for (int64_t at : e.plan_updated_at) w.I64(at);
    w.U64(e.actions.size());
    for (const PlanAction& a : e.actions) {
      w.Str(a.action.action_id);
      w.Str(a.action.due_on);
      w.U64(static_cast<uint64_t>(a.action.status));
      w.Str(a.meeting_id);
    }
    w.Bool(e.stepped_up);
    w.U64(static_cast<uint64_t>(e.stepped_up_to));
    w.I64(e.stepped_up_at);
    w.I64(e.stepped_up_recorded_at);
    w.Bool(e.closed);
    w.U64(static_cast<uint64_t>(e.closure_reason));
    w.I64(e.closed_at);
    w.I64(e.closed_recorded_at);
  }
  w.U64(f.concerns.size());
  for (const Concern& c : f.concerns) {
    w.Str(c.id);
    w.U64(static_cast<uint64_t>(c.source));
    w.Str(c.kind);
    w.Bool(c.above_threshold);
    w.Str(c.episode_id);
    w.U64(c.seq);
    w.I64(c.received_at);
    w.I64(c.recorded_at);
    w.Bool(c.directed);
    w.Str(c.directed_by);
    w.I64(c.directed_at);
  }
  return w.Take();
}

Result<FamilyState> Decode(std::string_view bytes) {
  Reader r(bytes);
  FamilyState f;
  if (r.U64() != kFactsFormat) return Status::Unavailable("saved in another format");
  f.family_id = r.Str();
  f.registered = r.Bool();
  f.version = static_cast<uint32_t>(r.U64());
  f.last_seq = r.U64();
  for (size_t n = r.Count(); n > 0 && r.ok(); --n) f.checked_for.insert(r.Str());
  for (size_t n = r.Count(); n > 0 && r.ok(); --n) {
    Episode e;
    e.id = r.Str();
    e.status = r.Enum<EpisodeStatus>(6);
    e.keyworker_id = r.Str();
    for (size_t m = r.Count(); m > 0 && r.ok(); --m) e.taf_members.insert(r.Str());
    e.registration_completed_on = r.Str();
    e.opened_seq = r.U64();
    e.consent.given = r.Bool();
    e.consent.refused = r.Bool();
    e.consent.refused_at = r.I64();
    e.consent.withdrawn = r.Bool();
    e.consent.withdrawn_at = r.I64();
    e.finalised = r.Bool();
    e.finalised_at = r.I64();
    e.signed_by_family = r.Bool();
    e.copy_given_to_family = r.Bool();
    for (size_t m = r.Count(); m > 0 && r.ok(); --m) {
      Meeting k;
      k.id = r.Str();
      k.kind = r.Enum<ev::MeetingKind>(3);
      k.outcome = r.Enum<ev::MeetingOutcome>(3);
      k.next_review_on = r.Str();
      k.seq = r.U64();
      k.held_at = r.I64();
      k.recorded_at = r.I64();
      k.plan_recorded_at = r.I64();
      k.shared_at = r.I64();
      e.meetings.push_back(std::move(k));
    }
    for (size_t n = r.Count(); n > 0 && r.ok(); --n) e.plan_updated_at.push_back(r.I64());
    for (size_t n = r.Count(); n > 0 && r.ok(); --n) {
      PlanAction a;
      a.action.action_id = r.Str();
      a.action.due_on = r.Str();
      a.action.status = r.Enum<ev::ActionStatus>(3);
      a.meeting_id = r.Str();
      e.actions.push_back(std::move(a));
    }
    e.stepped_up = r.Bool();
    e.stepped_up_to = r.Enum<ev::StepUpTo>(2);
    e.stepped_up_at = r.I64();
    e.stepped_up_recorded_at = r.I64();
    e.closed = r.Bool();
    e.closure_reason = r.Enum<ev::ClosureReason>(6);
    e.closed_at = r.I64();
    e.closed_recorded_at = r.I64();
    f.episodes.push_back(std::move(e));
  }
  for (size_t n = r.Count(); n > 0 && r.ok(); --n) {
    Concern c;
    c.id = r.Str();
    c.source = r.Enum<ev::ConcernSource>(6);
    c.kind = r.Str();
    c.above_threshold = r.Bool();
    c.episode_id = r.Str();
    c.seq = r.U64();
    c.received_at = r.I64();
    c.recorded_at = r.I64();
    c.directed = r.Bool();
    c.directed_by = r.Str();
    c.directed_at = r.I64();
    f.concerns.push_back(std::move(c));
  }
  if (!r.ok() || !r.AtEnd()) return Status::DataLoss("a saved overview entry is damaged");
  return f;
}

std::string ItemJson(const InboxItem& i) {
  return "{\"familyId\":" + JsonQuote(i.family_id) + ",\"concernId\":" + JsonQuote(i.concern_id) +
         ",\"episodeId\":" + (i.episode_id.empty() ? "null" : JsonQuote(i.episode_id)) +
         ",\"openEpisode\":" + (i.episode_id.empty() ? "false" : "true") +
         ",\"keyworkerId\":" + (i.keyworker_id.empty() ? "null" : JsonQuote(i.keyworker_id)) +
         ",\"source\":" + JsonQuote(ev::Name(i.source)) + ",\"kind\":" + JsonQuote(i.kind) +
         ",\"aboveThreshold\":" + (i.above_threshold ? "true" : "false") +
         ",\"directed\":" + (i.directed ? "true" : "false") + ",\"seq\":" + std::to_string(i.seq) +
         ",\"receivedAt\":" + JsonQuote(FormatRfc3339(i.received_at)) +
         ",\"recordedAt\":" + JsonQuote(FormatRfc3339(i.recorded_at)) + "}";
}

}  // namespace

Status Overview::Open(const std::function<void(uint64_t, uint64_t)>& progress) {
  bool older = false;  // saved by an earlier version, in another format: rebuilt
  {
    std::lock_guard lock(mu_);
    CL_ASSIGN_OR_RETURN(ledger::SavedProjection saved, store_.LoadProjection(kOverviewName));
    facts_.clear();
    live_.clear();
    dirty_.clear();
    for (const auto& [family, bytes] : saved.entries) {
      auto f = Decode(bytes);
      if (f.status().code() == Code::kUnavailable) {
        older = true;
        break;
      }
      CL_RETURN_IF_ERROR(f.status());
      facts_.emplace(family, std::move(f).value());
    }
    valid_at_ = saved_at_ = saved.valid_at;
  }
  if (older) {
    spdlog::info("overview: saved in an earlier format; rebuilding it from the first event");
    return Rebuild(progress);
  }
  return CatchUp(progress);
}

Status Overview::Rebuild(const std::function<void(uint64_t, uint64_t)>& progress) {
  {
    std::lock_guard lock(mu_);
    facts_.clear();
    live_.clear();
    dirty_.clear();
    valid_at_ = 0;
    saved_at_ = 0;
    if (!store_.read_only()) {
      CL_RETURN_IF_ERROR(store_.SaveProjection(kOverviewName, 0, {}, /*replace_all=*/true));
    }
  }
  CL_RETURN_IF_ERROR(CatchUp(progress));
  return Save();
}

Status Overview::CatchUp(const std::function<void(uint64_t, uint64_t)>& progress) {
  std::lock_guard lock(mu_);
  return FoldUpTo(store_.Size(), progress);
}

Status Overview::CatchUpTo(uint64_t end) {
  std::lock_guard lock(mu_);
  return FoldUpTo(std::min(end, store_.Size()), {});
}

namespace {

// The family's state from its stream up to `max_seq`, corrections applied.
Result<FamilyState> ReadFolded(ledger::Store& store, const std::string& family_id,
                               uint64_t max_seq) {
  std::vector<ev::Event> events;
  if (max_seq > 0) {
    CL_ASSIGN_OR_RETURN(auto recorded,
                        store.ReadStream("family/" + family_id, 1, SIZE_MAX, max_seq));
    events.reserve(recorded.size());
    for (const auto& r : recorded) {
      CL_ASSIGN_OR_RETURN(ev::Event e, ev::Decode(r));
      events.push_back(std::move(e));
    }
  }
  FamilyState state = FoldFamily(std::move(events));
  state.family_id = family_id;
  return state;
}

}  // namespace

Status Overview::FoldUpTo(uint64_t end, const std::function<void(uint64_t, uint64_t)>& progress) {
  const uint64_t start = valid_at_;
  constexpr size_t kChunk = 4096;
  while (valid_at_ < end) {
    CL_ASSIGN_OR_RETURN(auto chunk,
                        store_.ReadLog(valid_at_, std::min<uint64_t>(kChunk, end - valid_at_)));
    if (chunk.empty()) break;
    for (const auto& recorded : chunk) {
      std::string_view family_id = FamilyIdOf(recorded.stream);
      if (!family_id.empty()) {
        CL_ASSIGN_OR_RETURN(FamilyState * state, Family(std::string(family_id), recorded.seq));
        CL_ASSIGN_OR_RETURN(ev::Event e, ev::Decode(recorded));
        if (Apply(*state, e) == Applied::kRefoldNeeded) {  // a correction: fold it all again
          CL_ASSIGN_OR_RETURN(*state, ReadFolded(store_, state->family_id, recorded.seq));
        }
        facts_[state->family_id] = Facts(*state);
        dirty_[state->family_id] = true;
      }
      valid_at_ = recorded.seq;
    }
    if (progress) progress(valid_at_ - start, end - start);
  }
  if (live_.size() > kLiveFamiliesKept) live_.clear();  // reloaded from the store when met
  return Status();
}

Result<FamilyState*> Overview::Family(const std::string& family_id, uint64_t before_seq) {
  auto it = live_.find(family_id);
  if (it != live_.end()) return &it->second;
  CL_ASSIGN_OR_RETURN(FamilyState state,
                      ReadFolded(store_, family_id, before_seq > 0 ? before_seq - 1 : 0));
  return &live_.emplace(family_id, std::move(state)).first->second;
}

Status Overview::Save() {
  std::lock_guard lock(mu_);
  if (store_.read_only()) return Status();  // a replica's overview lives in memory
  if (valid_at_ == saved_at_ && dirty_.empty()) return Status();
  std::map<std::string, std::string> changed;
  for (const auto& [family, unused] : dirty_) changed[family] = Encode(facts_.at(family));
  CL_RETURN_IF_ERROR(store_.SaveProjection(kOverviewName, valid_at_, changed, false));
  dirty_.clear();
  saved_at_ = valid_at_;
  return Status();
}

Overview::Snapshot Overview::TakeSnapshot() const {
  std::lock_guard lock(mu_);
  return Snapshot{valid_at_, facts_};
}

void Overview::Restore(const Snapshot& snapshot) {
  std::lock_guard lock(mu_);
  facts_ = snapshot.facts;
  live_.clear();  // full states are read from the store as of the event that meets them
  dirty_.clear();
  valid_at_ = snapshot.valid_at;
}

uint64_t Overview::valid_at() const {
  std::lock_guard lock(mu_);
  return valid_at_;
}

std::vector<InboxItem> Overview::Concerns(bool above) const {
  std::vector<InboxItem> out;
  for (const auto& [family_id, f] : facts_) {
    for (const Concern& c : f.concerns) {
      if (c.above_threshold != above) continue;
      if (!above && c.directed) continue;  // with no open episode: routed, shown as such
      const Episode* ep = f.FindEpisode(c.episode_id);
      out.push_back({family_id, c.id, c.episode_id, ep ? ep->keyworker_id : "", c.source, c.kind,
                     c.above_threshold, c.directed, c.seq, c.received_at, c.recorded_at});
    }
  }
  std::sort(out.begin(), out.end(), [](const InboxItem& a, const InboxItem& b) {
    return a.received_at != b.received_at ? a.received_at < b.received_at : a.seq < b.seq;
  });
  return out;
}

std::vector<InboxItem> Overview::WithKinds(std::vector<InboxItem> items) const {
  for (InboxItem& item : items) {
    if (item.seq == 0) continue;
    auto read = store_.ReadLog(item.seq - 1, 1);
    if (!read.ok() || read->empty()) continue;
    auto event = ev::Decode(read->front());
    if (!event.ok()) continue;
    if (const auto* concern = std::get_if<ev::ConcernReceived>(&event->body)) {
      item.kind = concern->kind;
    }
  }
  return items;
}

FamilyState Overview::Team(const std::string& family_id) const {
  FamilyState out;
  out.family_id = family_id;
  std::lock_guard lock(mu_);
  auto it = facts_.find(family_id);
  if (it == facts_.end()) return out;
  const FamilyState& f = it->second;
  out.registered = f.registered;
  out.checked_for = f.checked_for;
  for (const Episode& ep : f.episodes) {
    Episode e;
    e.id = ep.id;
    e.keyworker_id = ep.keyworker_id;
    e.taf_members = ep.taf_members;
    e.closed = ep.closed;
    e.closed_recorded_at = ep.closed_recorded_at;
    out.episodes.push_back(std::move(e));
  }
  return out;
}

std::vector<InboxItem> Overview::Inbox() const {
  std::unique_lock lock(mu_);
  auto items = Concerns(false);
  lock.unlock();
  return WithKinds(std::move(items));
}

std::vector<InboxItem> Overview::Referrals() const {
  std::unique_lock lock(mu_);
  auto items = Concerns(true);
  lock.unlock();
  return WithKinds(std::move(items));
}

std::vector<OverdueItem> Overview::Overdue(Day on) const {
  std::lock_guard lock(mu_);
  std::vector<OverdueItem> out;
  for (const auto& [family_id, f] : facts_) {
    for (const Episode& ep : f.episodes) {
      if (ep.closed) continue;
      EpisodeTimescales ts = EvaluateEpisode(ep, calendar_, on);
      for (const Timescale& t : ts.history) {  // every open breach, of every interval
        if (t.state != TimescaleState::kBreached) continue;
        Day limit = t.limit_on.value_or(*t.due_on);
        out.push_back({family_id, ep.id, ep.keyworker_id, t.id, t.meeting_id, limit, on - limit});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const OverdueItem& a, const OverdueItem& b) {
    if (a.days_overdue != b.days_overdue) return a.days_overdue > b.days_overdue;
    if (a.family_id != b.family_id) return a.family_id < b.family_id;
    return a.timescale_id < b.timescale_id;
  });
  return out;
}

std::string Overview::CountsJson(Day on) const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::map<std::string, int>> counts;
  for (const char* id : kTimescaleIds) {
    for (TimescaleState s : kTimescaleStates) counts[id][std::string(Name(s))] = 0;
  }
  int open = 0, closed = 0, not_signed = 0, copy_not_given = 0, no_next_review = 0;
  for (const auto& [family_id, f] : facts_) {
    for (const Episode& ep : f.episodes) {
      auto registered = ParseDay(ep.registration_completed_on);
      if (registered.ok() && *registered > on) continue;  // not yet opened on that day
      (ep.closed && LondonDay(ep.closed_at) <= on ? closed : open)++;
      EpisodeTimescales ts = EvaluateEpisode(ep, calendar_, on);
      for (const Timescale& t : ts.timescales) ++counts[t.id][std::string(Name(t.state))];
      not_signed += ts.finalised_not_signed;
      copy_not_given += ts.finalised_copy_not_given;
      no_next_review += static_cast<int>(ts.meetings_without_next_review.size());
    }
  }
  std::string out = "{\"on\":" + JsonQuote(FormatDay(on)) +
                    ",\"asOfSeq\":" + std::to_string(valid_at_) +
                    ",\"families\":" + std::to_string(facts_.size()) +
                    ",\"episodes\":{\"open\":" + std::to_string(open) +
                    ",\"closed\":" + std::to_string(closed) + "},\"timescales\":{";
  bool first = true;
  for (const char* id : kTimescaleIds) {
    out += std::string(first ? "" : ",") + JsonQuote(id) + ":{";
    first = false;
    bool first_state = true;
    for (const auto& [state, n] : counts[id]) {
      out += std::string(first_state ? "" : ",") + JsonQuote(state) + ":" + std::to_string(n);
      first_state = false;
    }
    out += "}";
  }
  out += "},\"flags\":{\"finalisedNotSigned\":" + std::to_string(not_signed) +
         ",\"finalisedCopyNotGiven\":" + std::to_string(copy_not_given) +
         ",\"meetingsWithoutNextReview\":" + std::to_string(no_next_review) + "}}";
  return out;
}

std::string Overview::ComplianceJson(Day from, Day to, Day on, bool with_items) const {
  std::lock_guard lock(mu_);
  struct Tally {
    std::map<std::string, int> states;
    int due = 0;
    std::string items;
  };
  std::map<std::string, Tally> tallies;
  for (const char* id : kTimescaleIds) {
    for (TimescaleState st : kTimescaleStates) {
      if (st != TimescaleState::kNotStarted) tallies[id].states[std::string(Name(st))] = 0;
    }
  }
  for (const auto& [family_id, f] : facts_) {
    for (const Episode& ep : f.episodes) {
      for (const Timescale& t : EvaluateEpisode(ep, calendar_, on).history) {
        std::optional<Day> day = t.due_on ? t.due_on : t.started_on;
        if (!day || *day < from || *day > to) continue;
        Tally& tally = tallies[t.id];
        ++tally.due;
        ++tally.states[std::string(Name(t.state))];
        if (!with_items) continue;
        auto day_json = [](const std::optional<Day>& d) {
          return d ? JsonQuote(FormatDay(*d)) : std::string("null");
        };
        tally.items +=
            std::string(tally.items.empty() ? "" : ",") + "{\"familyId\":" + JsonQuote(family_id) +
            ",\"episodeId\":" + JsonQuote(ep.id) +
            ",\"meetingId\":" + (t.meeting_id.empty() ? "null" : JsonQuote(t.meeting_id)) +
            ",\"startedOn\":" + day_json(t.started_on) + ",\"dueOn\":" + day_json(t.due_on) +
            ",\"metOn\":" + day_json(t.met_on) + ",\"state\":" + JsonQuote(Name(t.state)) +
            ",\"daysLate\":" + std::to_string(t.days_late) +
            ",\"reason\":" + (t.reason.empty() ? "null" : JsonQuote(t.reason)) + "}";
      }
    }
  }
  std::string out = "{\"from\":" + JsonQuote(FormatDay(from)) +
                    ",\"to\":" + JsonQuote(FormatDay(to)) + ",\"on\":" + JsonQuote(FormatDay(on)) +
                    ",\"asOfSeq\":" + std::to_string(valid_at_) + ",\"timescales\":{";
  bool first = true;
  for (const char* id : kTimescaleIds) {
    const Tally& tally = tallies[id];
    out += std::string(first ? "" : ",") + JsonQuote(id) + ":{\"due\":" + std::to_string(tally.due);
    first = false;
    for (const auto& [state, n] : tally.states)
      out += "," + JsonQuote(state) + ":" + std::to_string(n);
    if (with_items) out += ",\"items\":[" + tally.items + "]";
    out += "}";
  }
  return out + "}}";
}

std::string Overview::Fingerprint() const {
  std::lock_guard lock(mu_);
  std::string out = std::to_string(valid_at_) + "\n";
  for (const auto& [family, f] : facts_) out += family + "\t" + Encode(f) + "\n";
  return out;
}

std::string InboxJson(const std::vector<InboxItem>& inbox, const std::vector<InboxItem>& referrals,
                      uint64_t as_of_seq) {
  std::string out = "{\"asOfSeq\":" + std::to_string(as_of_seq) + ",\"inbox\":[";
  for (size_t i = 0; i < inbox.size(); ++i) out += (i ? "," : "") + ItemJson(inbox[i]);
  out += "],\"childProtectionReferrals\":[";
  for (size_t i = 0; i < referrals.size(); ++i) out += (i ? "," : "") + ItemJson(referrals[i]);
  return out + "]}";
}

std::string OverdueJson(const std::vector<OverdueItem>& overdue, Day on, uint64_t as_of_seq) {
  std::string out = "{\"on\":" + JsonQuote(FormatDay(on)) +
                    ",\"asOfSeq\":" + std::to_string(as_of_seq) + ",\"overdue\":[";
  for (size_t i = 0; i < overdue.size(); ++i) {
    const auto& o = overdue[i];
    out += std::string(i ? "," : "") + "{\"familyId\":" + JsonQuote(o.family_id) +
           ",\"episodeId\":" + JsonQuote(o.episode_id) +
           ",\"keyworkerId\":" + JsonQuote(o.keyworker_id) +
           ",\"timescale\":" + JsonQuote(o.timescale_id) +
           ",\"meetingId\":" + (o.meeting_id.empty() ? "null" : JsonQuote(o.meeting_id)) +
           ",\"limitOn\":" + JsonQuote(FormatDay(o.due_on)) +
           ",\"daysOverdue\":" + std::to_string(o.days_overdue) + "}";
  }
  return out + "]}";
}

}  // namespace caseledger::projections
