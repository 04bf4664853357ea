// DomainRules: the rules of DOMAIN.md, checked by the sequencer before anything is written.
//
// A refused request changes nothing; the caller gets kFailedPrecondition (HTTP 422) whose
// rule() is the DOMAIN.md rule id and whose message says what to do instead:
//
//   registered-practitioner    an actor with role "practitioner", and every keyworker or TAF
//                              member named, is a registered, active practitioner with both
//                              trainings recorded.
//   one-open-episode           episodeOpened while another episode is open; details() holds
//                              {"episodeId", "keyworker": {"id", "name", "agency", "email"}}.
//   consent-before-assessment  assessment, contribution, TAF meeting, action plan and
//                              outcome-sharing events need consent (scope assessment) given
//                              on the episode.
//   withdrawal-stops-work      after consentWithdrawn only caseNoteAdded, signposted,
//                              recordCorrected and episodeClosed with reason consentWithdrawn.
//   closure-needs-reason       episodeClosed with reason "other" needs a detail; reason
//                              consentWithdrawn needs the withdrawal recorded, steppedUp the
//                              step-up; a closed episode takes only case notes and corrections.
//   known-references           the family is registered; the episode, meeting, contribution
//                              request, concern, TAF member and corrected seq exist (the
//                              corrected event in the same stream); a practitioner stream
//                              starts with practitionerRegistered; with
//                              documents_must_be_stored, a documentUploaded names a sha256
//                              stored for the family (Store::PutBlob).
//   no-future-events           occurredAt is not later than recordedAt plus the allowed skew.
//   corrections-not-edits      nothing is recorded twice: a family, practitioner, episode,
//                              meeting, note, document, contribution request or concern id is
//                              never reused, an assessment is finalised once and an episode
//                              stepped up once; a correction's replacement is valid data for
//                              the kind it corrects.
//
// An event kind on the wrong kind of stream (a caseNoteAdded on practitioner/P1) is
// kInvalidArgument naming the event's type.
//
// Each event of a request is judged against the state left by the events before it, so a
// request may register a family and open its episode at once.
//
// State: a family's committed state comes from the bounded cache of read models
// (family_cache.h), current with the log at each batch, except for the families the guard's own
// last batches wrote: what they left is kept, for at most kRecentFamilies families (reading
// back what was just written cost about 45% of the appends' rate). Besides, the guard keeps
// what the batch in hand staged, and the practitioners (a few hundred, not growing with the
// log).
// Thread-safety: the AppendGuard calls come from the sequencer thread only; do not call them
// yourself.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/store.h"
#include "projections/family_cache.h"
#include "projections/family_state.h"

namespace caseledger::projections {

struct RulesOptions {
  // no-future-events: how far occurredAt may be ahead of the ledger's clock.
  int64_t allowed_skew_micros = 5 * 60 * 1'000'000LL;
  // known-references for documents: the bytes a documentUploaded names must have been stored
  // first. On for the HTTP API (which stores them); off for import, which carries no bytes.
  bool documents_must_be_stored = false;
  // Who may record what (permission.h), asked again here against the state the batch is
  // judged on, for a practitioner (the only role whose rights depend on the family's state):
  // refused with kPermissionDenied, after registered-practitioner and before every other rule.
  // On for the HTTP API, whose callers are principals; off for import, whose lines carry the
  // actor the source recorded, and for the rules' own tests.
  bool check_permission = false;
};

class DomainRules final : public ledger::AppendGuard {
 public:
  explicit DomainRules(RulesOptions options = {}) : options_(options) {}
  // Where the streams are read from; call once, before the first append. Families are taken
  // through `cache` (shared with the readers), or through a cache of the rules' own of the
  // default bound.
  void Attach(ledger::Store* store, FamilyCache* cache = nullptr);

  Status Check(const ledger::AppendRequest& request, int64_t recorded_at) override;
  void Staged(const std::vector<ledger::RecordedEvent>& events) override;
  void Committed() override;
  void Abandoned() override;

 private:
  Result<const FamilyState*> Family(const std::string& stream);
  // The family's committed model, held for the batch (an empty one for a new family).
  Result<std::shared_ptr<const FamilyModel>> CommittedModel(const std::string& stream,
                                                            FamilyCache::Need need);
  Result<const Practitioner*> FindPractitioner(const std::string& id);
  // `bodies` are the request's events, decoded (one per event).
  Status CheckFamily(const ledger::AppendRequest& request, std::vector<ev::Body> bodies,
                     int64_t recorded_at);
  Status CheckPractitioner(const ledger::AppendRequest& request, std::vector<ev::Body> bodies);
  // A stream's events as the guard knows them: committed (read from the store, opened) and
  // staged in this batch.
  Result<std::vector<ev::Event>> StreamEvents(const std::string& stream);
  // `events` end with a recordCorrected that replaces data: refused, naming the rule, when
  // the history it makes breaks a rule that the history without it did not.
  Status JudgeCorrection(
      const std::vector<ev::Event>& events,
      const std::function<Result<const Practitioner*>(const std::string&)>& lookup);

  RulesOptions options_;
  ledger::Store* store_ = nullptr;
  FamilyCache* cache_ = nullptr;
  std::unique_ptr<FamilyCache> own_cache_;
  // The committed models this batch judged against, by stream (kept to its end).
  std::unordered_map<std::string, std::shared_ptr<const FamilyModel>> held_;
  std::vector<std::shared_ptr<const FamilyModel>> pinned_;
  // What the guard's own batches left of the families they wrote, most recently used first
  // (the rules are the only writer, and told of every batch: Committed, Recover's).
  static constexpr size_t kRecentFamilies = 4096;
  struct Recent {
    FamilyState state;
    std::list<std::string>::iterator lru;
  };
  std::unordered_map<std::string, Recent> recent_;
  std::list<std::string> recent_lru_;
  std::set<std::string> reread_;  // streams whose staged correction was not judged here
  std::unordered_map<std::string, Practitioner> practitioners_;
  std::unordered_map<std::string, FamilyState> staged_families_;  // this batch, on top
  std::unordered_map<std::string, Practitioner> staged_practitioners_;
  std::unordered_map<std::string, std::vector<ev::Event>> staged_events_;  // by stream
  // The corrections Check judged, as the request gave them (they are staged sealed).
  std::map<ledger::EventId, ev::Body> checked_corrections_;
};

}  // namespace caseledger::projections
