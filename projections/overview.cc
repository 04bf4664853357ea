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
      if (auto format = FactsFormat(bytes); format && *format != kFactsFormat) {
        older = true;
        break;
      }
      auto f = DecodeFacts(bytes);
      if (!f.ok()) {
        return Status::DataLoss("the saved overview of family " + family + ": " +
                                f.status().message());
      }
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
        facts_[state->family_id] = FactsOf(*state);
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
  for (const auto& [family, unused] : dirty_) changed[family] = EncodeFacts(facts_.at(family));
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
    for (const ConcernFacts& c : f.concerns) {
      if (c.above_threshold != above) continue;
      if (!above && c.directed) continue;  // with no open episode: routed, shown as such
      const EpisodeFacts* ep = f.FindEpisode(c.episode_id);
      out.push_back({family_id, c.id, c.episode_id, ep ? ep->keyworker_id : "", c.source, "",
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
  const FamilyFacts& f = it->second;
  out.registered = f.registered;
  out.checked_for = f.checked_for;
  for (const EpisodeFacts& ep : f.episodes) {
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

QueueAnswer Overview::Queue(Day on) const {
  std::lock_guard lock(mu_);
  return TriageQueue(facts_, calendar_, on);
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
    for (const EpisodeFacts& ep : f.episodes) {
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
    for (const EpisodeFacts& ep : f.episodes) {
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
    for (const EpisodeFacts& ep : f.episodes) {
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

std::vector<std::string> Overview::FamilyIds() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  ids.reserve(facts_.size());
  for (const auto& [id, unused] : facts_) ids.push_back(id);
  return ids;
}

std::string Overview::Fingerprint() const {
  std::lock_guard lock(mu_);
  std::string out = std::to_string(valid_at_) + "\n";
  for (const auto& [family, f] : facts_) out += family + "\t" + EncodeFacts(f) + "\n";
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
