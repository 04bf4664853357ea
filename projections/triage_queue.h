// The triage queue (issue 21 item 2): the families a triage manager must look at, one row per
// family, the one that most needs attention first.
//
// A family is in the queue when it has an open episode, or a concern below the
// child-protection threshold received while it had none and not yet directed ("routed with no
// episode": no one is working with the family). A concern awaiting a direction is one below
// the threshold, not directed, received during the episode open now or with no episode open;
// one received during an episode since closed or stepped up is not awaited any more (the
// episode's end decided it) and is counted apart (QueueAnswer::stale_concerns), not listed.
//
// The order (QueueBefore), said in words on each row (QueueRow::why):
//  1. families with a concern awaiting a direction, those with more of these risks first: no
//     open episode; consent not given, refused or withdrawn; the assessment not finalised;
//     a timescale breached; then the longest waiting;
//  2. families with a timescale breached (not a concern), the most days overdue first;
//  3. the other open episodes, the longest without contact first (none recorded first).
// Then by family id, so the order is total.
//
// Thread-safety: values; the functions are pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "projections/calendar.h"
#include "projections/overview_facts.h"

namespace caseledger::projections {

struct QueueConcern {
  std::string concern_id;
  std::string episode_id;  // empty: received with no episode open
  ev::ConcernSource source = ev::ConcernSource::kOther;
  uint64_t seq = 0;  // its concernReceived, where its kind and summary are read (sealed)
  int64_t received_at = 0;
  int days_waiting = 0;       // calendar days from the London day received to the day judged
  std::string kind, summary;  // filled by the caller from the event; empty when unreadable
};

struct QueueBreach {
  std::string episode_id, timescale_id, meeting_id;
  Day limit_on;
  int days_overdue = 0;
};

enum class QueueConsent { kNotYetGiven, kGiven, kRefused, kWithdrawn };
std::string_view Name(QueueConsent consent);  // "notYetGiven", "given", "refused", "withdrawn"

struct QueueRow {
  std::string family_id;
  int tier = 3;   // 1 a concern awaits a direction, 2 a breach, 3 an open episode
  int risks = 0;  // tier 1: how many of the risks the row has
  std::vector<QueueConcern> awaiting;  // oldest first
  // The open episode; none when the family is listed for a concern routed with no episode.
  std::optional<EpisodeFacts> episode;
  QueueConsent consent = QueueConsent::kNotYetGiven;
  bool assessment_overdue = false;    // not finalised past its 21 days
  std::vector<QueueBreach> breaches;  // of the open episode, the most days overdue first
  std::optional<Day> last_contact_on;
  std::vector<std::string> why;  // in words, in the order they rank the row
};

struct QueueAnswer {
  Day on;
  std::vector<QueueRow> rows;  // in priority order
  size_t awaiting = 0;         // concerns awaiting a direction, over every row
  size_t stale_concerns = 0;   // below-threshold, undirected, of an episode since ended
};

// Whether row `a` comes before row `b` (the order above).
bool QueueBefore(const QueueRow& a, const QueueRow& b);

// The queue as on `on`, from every family's facts.
QueueAnswer TriageQueue(const std::map<std::string, FamilyFacts>& facts, const Calendar& calendar,
                        Day on);

// {"on", "asOfSeq", "families", "awaitingDirection", "staleConcerns", "queue": [{"familyId",
// "rank", "tier", "why": [...], "awaiting": [{"concernId", "episodeId", "source", "kind",
// "summary", "receivedAt", "daysWaiting"}], "openEpisode": bool, "episode": {"episodeId",
// "status", "keyworkerId", "registrationCompletedOn", "assessmentFinalised"} or null,
// "consent", "assessmentOverdue", "breaches": [{"episodeId", "timescale", "meetingId",
// "limitOn", "daysOverdue"}], "lastContactOn" or null}]}.
std::string QueueJson(const QueueAnswer& answer, uint64_t as_of_seq);

}  // namespace caseledger::projections
