// Overview: the cross-family read models: the triage inbox, the child protection referrals,
// the overdue list and the timescale counts for dashboards.
//
// It folds the whole log in seq order. For each family it keeps what these views need and no
// personal data, its FamilyFacts (overview_facts.h): each episode's timescale facts and team,
// and each concern's references; a concern's kind (sealed) is read from its event when shown.
// These are saved in the store's projections column family under "overview", with the seq they
// are valid at, so start-up loads them and folds only the events after that seq; saved in
// another form (kFactsFormat), they are rebuilt from the first event.
//
// The same fold runs live (CatchUp after appends) and in a rebuild (Rebuild), event by event:
// a family met for the first time is read from the store as of the seq before the event, then
// the event is applied. Views answer as of the last CatchUp.
//
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/store.h"
#include "projections/calendar.h"
#include "projections/family_state.h"
#include "projections/overview_facts.h"
#include "projections/timescales.h"
#include "projections/triage_queue.h"

namespace caseledger::projections {

inline constexpr const char* kOverviewName = "overview";

struct InboxItem {
  std::string family_id, concern_id, episode_id, keyworker_id;
  ev::ConcernSource source = ev::ConcernSource::kOther;
  std::string kind;
  bool above_threshold = false;
  bool directed = false;
  uint64_t seq = 0;
  int64_t received_at = 0, recorded_at = 0;
};

struct OverdueItem {
  std::string family_id, episode_id, keyworker_id, timescale_id, meeting_id;
  Day due_on;
  int days_overdue = 0;
};

class Overview {
 public:
  // `store` and `calendar` must outlive the Overview.
  Overview(ledger::Store& store, const Calendar& calendar) : store_(store), calendar_(calendar) {}

  // Loads the saved state (if any) and folds the events after it; a saved state in another
  // form than kFactsFormat is rebuilt (Rebuild). `progress` is called now and then with
  // (events folded, events to fold). kDataLoss when a saved entry in the current form is
  // damaged; otherwise the store's errors.
  Status Open(const std::function<void(uint64_t, uint64_t)>& progress = {});
  // Drops everything and folds the whole log from the first event (caseledger replay).
  Status Rebuild(const std::function<void(uint64_t, uint64_t)>& progress = {});
  // Folds the events appended since; cheap when there are none.
  Status CatchUp(const std::function<void(uint64_t, uint64_t)>& progress = {});
  // Folds the events up to seq `end` only: on a fresh Overview (never saved), the views as
  // they stood at that seq, for "as of" questions.
  Status CatchUpTo(uint64_t end);
  // Writes what changed since the last save, with the seq it is valid at. On a read-only
  // store (a replica, which loads what its primary saved and folds the rest in memory)
  // nothing is written and Rebuild saves nothing either.
  Status Save();
  uint64_t valid_at() const;

  // The family's team as of the last fold: each episode's id, keyworker, TAF members and
  // closure, and whom the Helpdesk checked it for; an unregistered state (family_id set) for a
  // family it does not know. The same small work for every family id, so that the API can
  // refuse a practitioner without reading the family (permission.h).
  FamilyState Team(const std::string& family_id) const;
  // Concerns below the threshold awaiting a triage direction, oldest first; those received
  // while no episode was open too, with no episode ("openEpisode": false in the JSON), so that
  // they are routed, not lost.
  std::vector<InboxItem> Inbox() const;
  // Concerns above the child-protection threshold, oldest first.
  std::vector<InboxItem> Referrals() const;
  // The triage queue as on `on` (triage_queue.h); the concerns' kinds and summaries are
  // left for the caller to read from the families' records.
  QueueAnswer Queue(Day on) const;
  // Breached timescales of open episodes as on `on`, longest overdue first.
  std::vector<OverdueItem> Overdue(Day on) const;
  // {"on", "asOfSeq", "families", "episodes": {"open", "closed"}, "timescales": {id: {state:
  // count}}, "flags": {...}}: counts only, no personal data.
  std::string CountsJson(Day on) const;
  // Compliance over a period: every interval of every timescale (of every episode, open or
  // closed) whose due day falls in from..to (both included; an unknown one by its start),
  // judged as on `on`: {"from", "to", "on", "asOfSeq", "timescales": {id: {"due", "met",
  // "metLate", "breached", "stopped", "onTrack", "dueSoon", "unknown", "items": [{"familyId",
  // "episodeId", "meetingId", "startedOn", "dueOn", "metOn", "state", "daysLate",
  // "reason"}]}}}. `with_items` false leaves out the lists (counts only: no family ids).
  std::string ComplianceJson(Day from, Day to, Day on, bool with_items) const;

  // The id of every family folded, in order.
  std::vector<std::string> FamilyIds() const;

  // The whole state, canonical, for comparing a rebuild with the live fold in tests.
  std::string Fingerprint() const;

  // What the views are made of, as of valid_at (no personal data): a copy to start an "as
  // of" fold from (overview_checkpoints.h).
  struct Snapshot {
    uint64_t valid_at = 0;
    std::map<std::string, FamilyFacts> facts;
  };
  Snapshot TakeSnapshot() const;
  // On a fresh Overview (never saved): continue from `snapshot` instead of the first event;
  // CatchUpTo then folds only the events after it.
  void Restore(const Snapshot& snapshot);

 private:
  Status FoldUpTo(uint64_t end, const std::function<void(uint64_t, uint64_t)>& progress);
  Result<FamilyState*> Family(const std::string& family_id, uint64_t before_seq);
  std::vector<InboxItem> Concerns(bool above) const;
  // `items` with each concern's kind read from its event (sealed: the overview keeps none, so
  // an erased family's kinds are gone with its key).
  std::vector<InboxItem> WithKinds(std::vector<InboxItem> items) const;

  ledger::Store& store_;
  const Calendar& calendar_;
  mutable std::mutex mu_;
  uint64_t valid_at_ = 0;
  uint64_t saved_at_ = 0;
  // Saved: by family id, what the views need of it.
  std::map<std::string, FamilyFacts> facts_;
  // Full states of the families folded since start-up (not saved).
  std::unordered_map<std::string, FamilyState> live_;
  std::map<std::string, bool> dirty_;  // families changed since the last save
};

// JSON of the views, for the API and the command line.
std::string InboxJson(const std::vector<InboxItem>& inbox, const std::vector<InboxItem>& referrals,
                      uint64_t as_of_seq);
std::string OverdueJson(const std::vector<OverdueItem>& overdue, Day on, uint64_t as_of_seq);

}  // namespace caseledger::projections
