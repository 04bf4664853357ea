#include "projections/triage_queue.h"

#include <algorithm>
#include <tuple>

#include "ledger/json_codec.h"
#include "ledger/time_format.h"
#include "projections/timescales.h"

namespace caseledger::projections {
namespace {

using ledger::JsonQuote;

// "1 day", "3 days".
std::string Count(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Signed: a day asked for (`on`) may come before a concern was received.
std::string Days(int n) { return std::to_string(n) + (n == 1 ? " day" : " days"); }

std::string Breached(const QueueRow& row) {
  return Count(row.breaches.size(), "timescale", "timescales") + " breached";
}

QueueConsent ConsentOf(const EpisodeFacts& e) {
  if (e.consent_withdrawn) return QueueConsent::kWithdrawn;
  if (e.consent_given) return QueueConsent::kGiven;
  if (e.consent_refused) return QueueConsent::kRefused;
  return QueueConsent::kNotYetGiven;
}

// The open episode's part of the row: consent, the assessment, breaches, last contact.
void FillEpisode(QueueRow& row, const EpisodeFacts& ep, const Calendar& calendar, Day on) {
  row.episode = ep;
  row.consent = ConsentOf(ep);
  const EpisodeTimescales ts = EvaluateEpisode(ep, calendar, on);
  for (const Timescale& t : ts.history) {
    if (t.state != TimescaleState::kBreached) continue;
    const Day limit = t.limit_on.value_or(*t.due_on);
    row.breaches.push_back({ep.id, t.id, t.meeting_id, limit, on - limit});
    if (t.id == std::string_view("assessment-3-weeks")) row.assessment_overdue = true;
  }
  std::stable_sort(
      row.breaches.begin(), row.breaches.end(),
      [](const QueueBreach& a, const QueueBreach& b) { return a.days_overdue > b.days_overdue; });
  if (ep.last_contact_at != 0) row.last_contact_on = LondonDay(ep.last_contact_at);
}

// Tier, risks and the words that say them.
void Judge(QueueRow& row, Day on) {
  if (!row.awaiting.empty()) {
    row.tier = 1;
    const QueueConcern& oldest = row.awaiting.front();
    row.why.push_back(Count(row.awaiting.size(), "concern", "concerns") +
                      " awaiting a direction, the oldest for " + Days(oldest.days_waiting));
    if (!row.episode) {
      ++row.risks;
      row.why.push_back("no open episode: no one is working with the family");
    } else {
      if (row.consent != QueueConsent::kGiven) {
        ++row.risks;
        row.why.push_back(row.consent == QueueConsent::kNotYetGiven ? "consent not yet given"
                          : row.consent == QueueConsent::kRefused   ? "consent refused"
                                                                    : "consent withdrawn");
      }
      if (!row.episode->finalised) {
        ++row.risks;
        row.why.push_back(row.assessment_overdue ? "assessment not finalised, past its 3 weeks"
                                                 : "assessment not finalised");
      }
      if (!row.breaches.empty()) {
        ++row.risks;
        row.why.push_back(Breached(row));
      }
    }
    return;
  }
  if (!row.breaches.empty()) {
    row.tier = 2;
    row.why.push_back(Breached(row) + ", the worst by " + Days(row.breaches.front().days_overdue));
  } else {
    row.tier = 3;
    row.why.push_back("open episode, nothing overdue");
  }
  if (row.last_contact_on) {
    row.why.push_back("last contact " + Days(on - *row.last_contact_on) + " ago");
  } else {
    row.why.push_back("no contact recorded");
  }
}

}  // namespace

std::string_view Name(QueueConsent consent) {
  switch (consent) {
    case QueueConsent::kNotYetGiven:
      return "notYetGiven";
    case QueueConsent::kGiven:
      return "given";
    case QueueConsent::kRefused:
      return "refused";
    case QueueConsent::kWithdrawn:
      return "withdrawn";
  }
  return "notYetGiven";
}

bool QueueBefore(const QueueRow& a, const QueueRow& b) {
  if (a.tier != b.tier) return a.tier < b.tier;
  const auto worst = [](const QueueRow& r) {
    return r.breaches.empty() ? -1 : r.breaches.front().days_overdue;
  };
  if (a.tier == 1) {
    const int wait_a = a.awaiting.front().days_waiting, wait_b = b.awaiting.front().days_waiting;
    if (a.risks != b.risks) return a.risks > b.risks;
    if (wait_a != wait_b) return wait_a > wait_b;
    if (worst(a) != worst(b)) return worst(a) > worst(b);
  } else if (a.tier == 2) {
    if (worst(a) != worst(b)) return worst(a) > worst(b);
  } else {
    // None recorded first, then the earliest last contact.
    const bool none_a = !a.last_contact_on, none_b = !b.last_contact_on;
    if (none_a != none_b) return none_a;
    if (!none_a && *a.last_contact_on != *b.last_contact_on) {
      return *a.last_contact_on < *b.last_contact_on;
    }
  }
  return a.family_id < b.family_id;
}

QueueAnswer TriageQueue(const std::map<std::string, FamilyFacts>& facts, const Calendar& calendar,
                        Day on) {
  QueueAnswer answer;
  answer.on = on;
  for (const auto& [family_id, f] : facts) {
    const EpisodeFacts* open = nullptr;
    for (const EpisodeFacts& e : f.episodes) {
      if (!e.closed) open = &e;
    }
    QueueRow row;
    row.family_id = family_id;
    for (const ConcernFacts& c : f.concerns) {
      if (c.above_threshold || c.directed) continue;
      if (!c.episode_id.empty() && (open == nullptr || c.episode_id != open->id)) {
        ++answer.stale_concerns;
        continue;
      }
      row.awaiting.push_back({c.id, c.episode_id, c.source, c.seq, c.received_at,
                              on - LondonDay(c.received_at), "", ""});
    }
    if (open == nullptr && row.awaiting.empty()) continue;
    std::stable_sort(row.awaiting.begin(), row.awaiting.end(),
                     [](const QueueConcern& a, const QueueConcern& b) {
                       return std::tie(a.received_at, a.seq) < std::tie(b.received_at, b.seq);
                     });
    if (open != nullptr) FillEpisode(row, *open, calendar, on);
    Judge(row, on);
    answer.awaiting += row.awaiting.size();
    answer.rows.push_back(std::move(row));
  }
  std::sort(answer.rows.begin(), answer.rows.end(), QueueBefore);
  return answer;
}

std::string QueueJson(const QueueAnswer& answer, uint64_t as_of_seq) {
  std::string out = "{\"on\":" + JsonQuote(FormatDay(answer.on)) +
                    ",\"asOfSeq\":" + std::to_string(as_of_seq) +
                    ",\"families\":" + std::to_string(answer.rows.size()) +
                    ",\"awaitingDirection\":" + std::to_string(answer.awaiting) +
                    ",\"staleConcerns\":" + std::to_string(answer.stale_concerns) + ",\"queue\":[";
  for (size_t i = 0; i < answer.rows.size(); ++i) {
    const QueueRow& r = answer.rows[i];
    out += std::string(i ? "," : "") + "{\"familyId\":" + JsonQuote(r.family_id) +
           ",\"rank\":" + std::to_string(i + 1) + ",\"tier\":" + std::to_string(r.tier) +
           ",\"why\":[";
    for (size_t w = 0; w < r.why.size(); ++w) out += (w ? "," : "") + JsonQuote(r.why[w]);
    out += "],\"awaiting\":[";
    for (size_t c = 0; c < r.awaiting.size(); ++c) {
      const QueueConcern& q = r.awaiting[c];
      out += std::string(c ? "," : "") + "{\"concernId\":" + JsonQuote(q.concern_id) +
             ",\"episodeId\":" + (q.episode_id.empty() ? "null" : JsonQuote(q.episode_id)) +
             ",\"source\":" + JsonQuote(ev::Name(q.source)) + ",\"kind\":" + JsonQuote(q.kind) +
             ",\"summary\":" + JsonQuote(q.summary) +
             ",\"receivedAt\":" + JsonQuote(ledger::FormatRfc3339(q.received_at)) +
             ",\"daysWaiting\":" + std::to_string(q.days_waiting) + "}";
    }
    out += std::string("],\"openEpisode\":") + (r.episode ? "true" : "false") + ",\"episode\":";
    if (r.episode) {
      const EpisodeFacts& e = *r.episode;
      out += "{\"episodeId\":" + JsonQuote(e.id) + ",\"status\":" + JsonQuote(Name(e.status)) +
             ",\"keyworkerId\":" + JsonQuote(e.keyworker_id) +
             ",\"registrationCompletedOn\":" + JsonQuote(e.registration_completed_on) +
             ",\"assessmentFinalised\":" + (e.finalised ? "true" : "false") + "}";
    } else {
      out += "null";
    }
    out += ",\"consent\":" + (r.episode ? JsonQuote(Name(r.consent)) : std::string("null")) +
           ",\"assessmentOverdue\":" + (r.assessment_overdue ? "true" : "false") +
           ",\"breaches\":[";
    for (size_t b = 0; b < r.breaches.size(); ++b) {
      const QueueBreach& q = r.breaches[b];
      out += std::string(b ? "," : "") + "{\"episodeId\":" + JsonQuote(q.episode_id) +
             ",\"timescale\":" + JsonQuote(q.timescale_id) +
             ",\"meetingId\":" + (q.meeting_id.empty() ? "null" : JsonQuote(q.meeting_id)) +
             ",\"limitOn\":" + JsonQuote(FormatDay(q.limit_on)) +
             ",\"daysOverdue\":" + std::to_string(q.days_overdue) + "}";
    }
    out += "],\"lastContactOn\":" +
           (r.last_contact_on ? JsonQuote(FormatDay(*r.last_contact_on)) : std::string("null")) +
           "}";
  }
  return out + "]}";
}

}  // namespace caseledger::projections
