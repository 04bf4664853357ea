// FamilyFacts: what the overview (overview.h) keeps of each family, and its saved form.
//
// Only what the cross-family views need, and no personal data: per episode, the facts its
// timescales are judged from (EvaluateEpisode in timescales.h reads nothing else) and its team
// (keyworker, TAF members, closure: Overview::Team); whom the Helpdesk checked the family for;
// per concern, its references (a concern's kind is sealed: read from its event when shown).
// FactsOf takes them from a folded FamilyState; EncodeFacts / DecodeFacts are the form saved in
// the store's projections column family, one value per family, keyed by the family id.
//
// Thread-safety: values; the functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "projections/family_state.h"

namespace caseledger::projections {

// The version of the saved form, its first varint. Bump it whenever EncodeFacts changes: an
// overview saved in another form is then rebuilt from the log at start-up (Overview::Open).
inline constexpr uint64_t kFactsFormat = 5;

struct MeetingFacts {
  std::string id;
  ev::MeetingOutcome outcome = ev::MeetingOutcome::kContinue;
  std::string next_review_on;    // empty when none was set
  int64_t held_at = 0;           // occurredAt
  int64_t recorded_at = 0;       // when the meeting itself was recorded
  int64_t plan_recorded_at = 0;  // recordedAt of the first action plan for it, 0 if none
  int64_t shared_at = 0;         // occurredAt of the first outcomeSharedWithParents, 0 if none
  bool operator==(const MeetingFacts&) const = default;
};

struct EpisodeFacts {
  std::string id;
  EpisodeStatus status = EpisodeStatus::kOpen;
  std::string registration_completed_on;  // YYYY-MM-DD: every timescale starts here
  std::string keyworker_id;
  std::set<std::string> taf_members;  // practitioner ids
  // Consent to the assessment (occurredAt of the refusal and the withdrawal).
  bool consent_given = false;
  bool consent_refused = false;
  int64_t consent_refused_at = 0;
  bool consent_withdrawn = false;
  int64_t consent_withdrawn_at = 0;
  bool finalised = false;
  int64_t finalised_at = 0;
  bool signed_by_family = false;
  bool copy_given_to_family = false;
  std::vector<MeetingFacts> meetings;    // in log order
  std::vector<int64_t> plan_updated_at;  // occurredAt of every actionPlanUpdated, in log order
  bool stepped_up = false;
  int64_t stepped_up_at = 0;  // occurredAt
  int64_t stepped_up_recorded_at = 0;
  bool closed = false;
  int64_t closed_at = 0;  // occurredAt
  int64_t closed_recorded_at = 0;
  int64_t last_contact_at = 0;  // occurredAt (Episode::last_contact_at), 0 if none
  bool operator==(const EpisodeFacts&) const = default;
};

struct ConcernFacts {
  std::string id;
  ev::ConcernSource source = ev::ConcernSource::kOther;
  bool above_threshold = false;
  std::string episode_id;   // the episode open when it was received, or empty
  uint64_t seq = 0;         // its concernReceived event, where its kind is read
  int64_t received_at = 0;  // occurredAt
  int64_t recorded_at = 0;
  bool directed = false;  // a triage direction was given
  bool operator==(const ConcernFacts&) const = default;
};

struct FamilyFacts {
  bool registered = false;
  std::set<std::string> checked_for;   // practitioner ids (helpdeskCheckMade)
  std::vector<EpisodeFacts> episodes;  // in the order opened
  std::vector<ConcernFacts> concerns;  // in the order received
  bool operator==(const FamilyFacts&) const = default;

  const EpisodeFacts* FindEpisode(std::string_view id) const;
};

EpisodeFacts FactsOf(const Episode& episode);
FamilyFacts FactsOf(const FamilyState& family);

// The saved form: kFactsFormat, then the facts (layout at the top of overview_facts.cc).
std::string EncodeFacts(const FamilyFacts& facts);
// The facts saved as `saved`. kDataLoss when it is damaged, cut short, followed by more bytes,
// or in a form other than kFactsFormat (FactsFormat tells an earlier form from damage).
Result<FamilyFacts> DecodeFacts(std::string_view saved);
// The form `saved` says it is in (its first varint), or nullopt when it cannot say.
std::optional<uint64_t> FactsFormat(std::string_view saved);

}  // namespace caseledger::projections
