// caseledger gen: synthetic, valid case histories of any size, as import lines (EVENTS.md).
//
// Deterministic for a seed: the same --families and --seed print the same bytes. Every
// history keeps the DOMAIN.md rules (registered, trained keyworkers; consent before the
// assessment; one open episode; closures with their reasons), so `import` takes every line.
// People are invented: names are drawn from short lists of made-up words.
//
// Paths, by share of families: 55% a full FFA with TAF reviews closed with needs met (a fifth
// of them with a police notification to triage), 10% consent refused, 10% consent withdrawn
// mid-assessment, 10% a step-up to A&I at a review, 15% still open. Times fall on weekdays
// between 2024-01 and 2026-06. With --fixture each line carries "recordedAt" (mostly the same
// day, sometimes late) and the lines are sorted by it, for `import --fixture`.
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "ledger/json_codec.h"
#include "ledger/time_format.h"
#include "tools/commands.h"

namespace caseledger::tools {
namespace {

using ledger::JsonQuote;

constexpr int64_t kMinute = 60'000'000LL;
constexpr int64_t kDay = 24 * 60 * kMinute;
constexpr int kPractitioners = 24;

// splitmix64: a small, portable, deterministic generator (std distributions are not).
struct Rng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  bool Chance(int percent) { return Below(100) < static_cast<uint64_t>(percent); }
};

const char* kFirst[] = {"Alex",   "Sam",   "Jordan",  "Casey", "Riley", "Morgan",
                        "Jamie",  "Robin", "Charlie", "Drew",  "Emery", "Frankie",
                        "Harper", "Kai",   "Logan",   "Remy"};
const char* kLast[] = {"Example", "Sample", "Testwood",  "Mockford", "Placeholder", "Demoson",
                       "Fictive", "Madeup", "Synthwell", "Dummer",   "Specimen",    "Notreal"};
const char* kAgencies[] = {"school", "health", "police", "housing", "socialCare", "youthService"};
const char* kNoteCategories[] = {"contact",  "practitionerUpdate", "familyUpdate",
                                 "progress", "letterSent",         "supportRequest"};

std::string Uuid(Rng& rng) {
  uint64_t a = rng.Next(), b = rng.Next();
  a = (a & ~0xf000ULL) | 0x4000ULL;                            // version 4
  b = (b & ~(0xc000000000000000ULL)) | 0x8000000000000000ULL;  // variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string DayText(int64_t micros) { return ledger::FormatRfc3339(micros).substr(0, 10); }

// Moves t forward to a weekday, 09:00-16:59 UTC.
int64_t WorkingTime(int64_t t, Rng& rng) {
  int64_t day = t / kDay;
  while ((day % 7 + 7 + 3) % 7 >= 5) ++day;  // 1970-01-01 was a Thursday
  return day * kDay + (9 * 60 + static_cast<int64_t>(rng.Below(8 * 60))) * kMinute;
}

struct Line {
  int64_t recorded_at;
  std::string text;
};

// One family's history, line by line.
class Family {
 public:
  Family(std::string id, Rng rng, std::vector<Line>* out, bool fixture)
      : id_(std::move(id)), rng_(rng), out_(out), fixture_(fixture) {}

  void Generate();

 private:
  struct Ev {
    std::string type, data;
    int64_t at;
  };
  void Emit(const std::string& actor, std::vector<Ev> events) {
    int64_t last = 0;
    std::string body;
    for (const auto& e : events) {
      last = std::max(last, e.at);
      body += std::string(body.empty() ? "" : ",") + "{\"eventId\":\"" + Uuid(rng_) +
              "\",\"type\":\"" + e.type + "\",\"occurredAt\":\"" + ledger::FormatRfc3339(e.at) +
              "\",\"data\":" + e.data + "}";
    }
    int64_t recorded = last + (5 + static_cast<int64_t>(rng_.Below(120))) * kMinute;
    if (rng_.Chance(4)) recorded += (4 + static_cast<int64_t>(rng_.Below(7))) * kDay;  // late
    recorded = std::max(recorded, last_recorded_);
    last_recorded_ = recorded;
    std::string line = "{";
    if (fixture_) line += "\"recordedAt\":\"" + ledger::FormatRfc3339(recorded) + "\",";
    line += "\"stream\":\"family/" + id_ + "\",\"expectedVersion\":" + std::to_string(version_) +
            ",\"actor\":" + actor + ",\"events\":[" + body + "]}";
    version_ += static_cast<uint32_t>(events.size());
    out_->push_back({recorded, std::move(line)});
  }
  std::string Keyworker() const {
    return "{\"id\":\"" + keyworker_ + "\",\"role\":\"practitioner\"}";
  }
  std::string Name() { return std::string(kFirst[rng_.Below(std::size(kFirst))]) + " " + surname_; }
  int64_t After(int64_t t, int min_days, int max_days) {
    return WorkingTime(
        t + (min_days + static_cast<int64_t>(rng_.Below(max_days - min_days + 1))) * kDay, rng_);
  }
  std::string Ep(const std::string& rest = "") const {
    return "{\"episodeId\":\"E1\"" + rest + "}";
  }
  void Note(int64_t at) {
    std::string text =
        "Synthetic note " + std::to_string(++notes_) + ": " + Name() + " seen; plan discussed.";
    Emit(Keyworker(),
         {{"caseNoteAdded",
           Ep(",\"noteId\":\"N" + std::to_string(notes_) + "\",\"category\":\"" +
              kNoteCategories[rng_.Below(std::size(kNoteCategories))] + "\",\"text\":" +
              JsonQuote(text) + ",\"significant\":" + (rng_.Chance(15) ? "true" : "false") +
              ",\"sourceAgency\":\"" + kAgencies[rng_.Below(std::size(kAgencies))] + "\""),
           at}});
  }
  // A TAF meeting with its plan and sharing; returns the meeting's time.
  int64_t Meeting(int64_t at, const char* kind, const char* outcome, bool next_review) {
    std::string m = "M" + std::to_string(++meetings_);
    Emit(Keyworker(),
         {{"tafMeetingHeld",
           Ep(",\"meetingId\":\"" + m + "\",\"kind\":\"" + kind + "\",\"attendees\":[" +
              JsonQuote(parent_) + "," + JsonQuote(keyworker_) + "],\"outcome\":\"" + outcome +
              "\"" + (next_review ? ",\"nextReviewOn\":\"" + DayText(at + 56 * kDay) + "\"" : "")),
           at}});
    int64_t plan = After(at, 0, 3);
    Emit(
        Keyworker(),
        {{"actionPlanUpdated",
          Ep(",\"meetingId\":\"" + m + "\",\"actions\":[{\"actionId\":\"A" +
             std::to_string(meetings_) + "\",\"description\":\"Weekly check-in\",\"owner\":\"" +
             keyworker_ + "\",\"dueOn\":\"" + DayText(at + 42 * kDay) + "\",\"status\":\"open\"}]"),
          plan}});
    Emit(Keyworker(),
         {{"outcomeSharedWithParents", Ep(",\"meetingId\":\"" + m + "\""), After(plan, 0, 4)}});
    return at;
  }

  std::string id_;
  Rng rng_;
  std::vector<Line>* out_;
  bool fixture_;
  uint32_t version_ = 0;
  int64_t last_recorded_ = 0;
  std::string keyworker_, surname_, parent_;
  int notes_ = 0, meetings_ = 0;
};

void Family::Generate() {
  surname_ = kLast[rng_.Below(std::size(kLast))];
  parent_ = Name();
  std::string child = Name();
  keyworker_ = "GP" + std::to_string(1 + rng_.Below(kPractitioners));
  const std::string helpdesk = "{\"id\":\"helpdesk1\",\"role\":\"helpdesk\"}";
  const std::string triage = "{\"id\":\"TM1\",\"role\":\"triage-manager\"}";
  // 2024-01-08 plus up to 540 days.
  int64_t t = WorkingTime((19730 + static_cast<int64_t>(rng_.Below(540))) * kDay, rng_);
  Emit(
      helpdesk,
      {{"familyRegistered",
        "{\"members\":[{\"memberId\":\"C1\",\"role\":\"child\",\"name\":" + JsonQuote(child) +
            ",\"dateOfBirth\":\"" + std::to_string(2010 + rng_.Below(12)) + "-0" +
            std::to_string(1 + rng_.Below(9)) + "-1" + std::to_string(rng_.Below(9)) +
            "\"},{\"memberId\":\"M1\",\"role\":\"parent\",\"name\":" + JsonQuote(parent_) +
            "}],\"address\":" + JsonQuote(std::to_string(1 + rng_.Below(200)) + " Sample Road") +
            "}",
        t},
       {"consentToCheckGiven", "{\"givenBy\":" + JsonQuote(parent_) + ",\"method\":\"verbal\"}", t},
       {"episodeOpened",
        "{\"episodeId\":\"E1\",\"keyworkerId\":\"" + keyworker_ +
            "\",\"registrationCompletedOn\":\"" + DayText(t) + "\"}",
        t}});
  const uint64_t path = rng_.Below(100);
  t = After(t, 1, 5);
  if (path >= 55 && path < 65) {  // consent refused
    Emit(Keyworker(), {{"consentRefused",
                        Ep(",\"refusedBy\":" + JsonQuote(parent_) +
                           ",\"reason\":\"Not ready for an assessment\""),
                        t}});
    Note(After(t, 1, 10));
    Emit(Keyworker(), {{"episodeClosed",
                        Ep(",\"reason\":\"singleAgencySufficient\",\"detail\":"
                           "\"School support continues\""),
                        After(t, 10, 30)}});
    return;
  }
  Emit(Keyworker(), {{"consentGiven",
                      Ep(",\"givenBy\":" + JsonQuote(parent_) +
                         ",\"scope\":\"assessment\",\"method\":\"written\""),
                      t},
                     {"assessmentStarted", Ep(), t}});
  Note(After(t, 1, 6));
  if (path >= 65 && path < 75) {  // consent withdrawn mid-assessment
    int64_t w = After(t, 5, 15);
    Emit(Keyworker(), {{"consentWithdrawn",
                        Ep(",\"withdrawnBy\":" + JsonQuote(parent_) +
                           ",\"reason\":\"Family no longer wishes to take part\""),
                        w}});
    Note(After(w, 0, 2));
    Emit(Keyworker(),
         {{"signposted", Ep(",\"services\":[\"Families First Portal\"]"), After(w, 0, 3)},
          {"episodeClosed", Ep(",\"reason\":\"consentWithdrawn\",\"detail\":\"Consent withdrawn\""),
           After(w, 3, 6)}});
    return;
  }
  Emit(Keyworker(), {{"contributionRequested", Ep(",\"requestId\":\"R1\",\"agency\":\"health\""),
                      After(t, 1, 3)}});
  int64_t fin = After(t, 8, 26);
  Emit(Keyworker(), {{"contributionReceived", Ep(",\"requestId\":\"R1\""), After(t, 4, 7)}});
  Emit(Keyworker(),
       {{"assessmentFinalised",
         Ep(std::string(",\"signedByFamily\":") + (rng_.Chance(90) ? "true" : "false") +
            ",\"copyGivenToFamily\":" + (rng_.Chance(90) ? "true" : "false")),
         std::max(fin, After(t, 8, 8))}});
  int64_t m = Meeting(After(fin, 3, 25), "initial", "continue", true);
  if (path < 11 || (path >= 75 && path < 85 && rng_.Chance(50))) {  // police notification
    int64_t c = After(m, 3, 20);
    Emit(helpdesk, {{"concernReceived",
                     "{\"concernId\":\"C1\",\"source\":\"police\",\"kind\":"
                     "\"domesticAbuseNotification\",\"summary\":\"Police attended the home\","
                     "\"aboveThreshold\":false}",
                     c}});
    if (rng_.Chance(80)) {
      Emit(triage, {{"triageDirectionGiven",
                     "{\"concernId\":\"C1\",\"direction\":\"Keyworker to discuss at the next "
                     "review\"}",
                     After(c, 1, 4)}});
    }
  }
  int reviews = 1 + static_cast<int>(rng_.Below(3));
  for (int r = 0; r < reviews; ++r) {
    Note(After(m, 5, 20));
    m = Meeting(After(m, 38, 80), "review", "continue", true);
  }
  if (path >= 75 && path < 85) {  // step-up to A&I at a review
    m = Meeting(After(m, 30, 60), "review", "stepUp", false);
    int64_t s = After(m, 0, 3);
    Emit(Keyworker(),
         {{"steppedUp",
           Ep(",\"to\":\"assessmentAndIntervention\",\"reason\":"
              "\"Needs escalated; decided at the review\",\"meetingId\":\"M" +
              std::to_string(meetings_) + "\""),
           s},
          {"episodeClosed",
           Ep(",\"reason\":\"steppedUp\",\"meetingId\":\"M" + std::to_string(meetings_) + "\""),
           s}});
    return;
  }
  if (path >= 85) return;  // still open
  m = Meeting(After(m, 30, 70), "closure", "close", false);
  Emit(Keyworker(),
       {{"episodeClosed",
         Ep(",\"reason\":\"needsMet\",\"meetingId\":\"M" + std::to_string(meetings_) + "\""),
         After(m, 0, 3)}});
}

}  // namespace

void GenerateHistories(const GenOptions& options, std::ostream& out) {
  Rng meta{options.seed * 0x2545f4914f6cdd1dULL + 1};
  std::vector<Line> lines;
  auto flush = [&](bool sorted) {
    if (sorted) {
      std::stable_sort(lines.begin(), lines.end(),
                       [](const Line& a, const Line& b) { return a.recorded_at < b.recorded_at; });
    }
    for (const auto& l : lines) out << l.text << "\n";
    lines.clear();
  };
  // The practitioners every keyworker is drawn from, trained before the first family.
  for (int p = 1; p <= kPractitioners; ++p) {
    std::string id = "GP" + std::to_string(p);
    std::string at = "2024-01-02T09:00:00Z";
    std::string line =
        std::string("{") + (options.fixture ? "\"recordedAt\":\"2024-01-03T09:00:00Z\"," : "") +
        "\"stream\":\"practitioner/" + id +
        "\",\"expectedVersion\":0,\"actor\":{\"id\":\"admin\",\"role\":\"admin\"},"
        "\"events\":[{\"eventId\":\"" +
        Uuid(meta) + "\",\"type\":\"practitionerRegistered\",\"occurredAt\":\"" + at +
        "\",\"data\":{\"name\":" +
        JsonQuote(std::string(kFirst[p % std::size(kFirst)]) + " " + kLast[p % std::size(kLast)]) +
        ",\"agency\":\"" + kAgencies[p % std::size(kAgencies)] + "\",\"email\":\"gp" +
        std::to_string(p) + "@example.org\"}}";
    for (const char* course : {"practiceStandards", "recordingSystem"}) {
      line += ",{\"eventId\":\"" + Uuid(meta) +
              "\",\"type\":\"practitionerTrained\",\"occurredAt\":\"" + at +
              "\",\"data\":{\"course\":\"" + course + "\",\"completedOn\":\"2024-01-02\"}}";
    }
    out << line << "]}\n";
  }
  for (uint64_t i = 1; i <= options.families; ++i) {
    Rng rng{options.seed * 0x9e3779b97f4a7c15ULL ^ (i * 0xd1b54a32d192ed03ULL)};
    Family("G" + std::to_string(i), rng, &lines, options.fixture).Generate();
    if (!options.fixture) flush(false);  // family by family: streams in order, little memory
  }
  flush(true);
}

int Gen(const GenOptions& options) {
  GenerateHistories(options, std::cout);
  return 0;
}

}  // namespace caseledger::tools
