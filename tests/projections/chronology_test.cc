// The chronology: ordered by when things happened, with the late and corrected marks,
// filtered, exported (JSON, CSV, HTML) and read "as of" a recorded time. Histories are
// appended through the rules; the family F1 is registered on 2026-05-01.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "ledger/json_codec.h"
#include "projections/event_kinds.h"
#include "projections/views.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger::testing {
namespace {

using Catch::Matchers::Contains;
using projections::ChronologyEntry;
namespace ev = ledger::ev;

const projections::Calendar& Cal() { return FixtureCalendar(); }

const ledger::Actor kP2{"P2", "practitioner", "health", ""};

// Family F1 with episode E1 (keyworker P1) and consent, all happened 2026-05-01T10:00Z.
struct Chron : DomainLedger {
  uint64_t first = 0;  // the seq of familyRegistered
  Chron() {
    Practitioner("P1");
    Practitioner("P2");
    auto opened = OpenFamily("F1");
    REQUIRE_APPENDED(opened);
    first = opened->events[0].seq;
    REQUIRE_APPENDED(Consent("F1"));
  }
  // Appends one event to F1 recorded at `recorded` (the clock moves there first); its seq.
  uint64_t Rec(const std::string& recorded, const std::string& type, const std::string& data,
               const std::string& occurred, const ledger::Actor& actor = kP1) {
    clock().Set(At(recorded));
    auto r = Append("family/F1", actor, {{type, data, occurred}});
    REQUIRE_APPENDED(r);
    return r->events[0].seq;
  }
  uint64_t Note(const std::string& id, const std::string& text, const std::string& occurred,
                const std::string& recorded, const std::string& category = "contact",
                bool significant = false, const std::string& episode = "E1",
                const std::string& source = "") {
    return Rec(recorded, "caseNoteAdded",
               R"({"episodeId":")" + episode + R"(","noteId":")" + id + R"(","category":")" +
                   category + R"(","text":)" + ledger::JsonQuote(text) + R"(,"significant":)" +
                   (significant ? "true" : "false") +
                   (source.empty() ? "" : R"(,"sourceAgency":)" + ledger::JsonQuote(source)) + "}",
               occurred);
  }
  std::vector<ChronologyEntry> Entries(uint64_t max_seq = 0) {
    auto events = projections::ReadFamily(store(), "F1", max_seq ? max_seq : store().Size());
    INFO(events.status().ToString());
    REQUIRE(events.ok());
    return projections::BuildChronology(*events, Cal());
  }
};

std::vector<uint64_t> Seqs(const std::vector<ChronologyEntry>& entries) {
  std::vector<uint64_t> out;
  for (const auto& e : entries) out.push_back(e.seq);
  return out;
}

std::vector<std::string> Summaries(const std::vector<ChronologyEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.summary);
  return out;
}

const ChronologyEntry& BySeq(const std::vector<ChronologyEntry>& entries, uint64_t seq) {
  for (const auto& e : entries) {
    if (e.seq == seq) return e;
  }
  FAIL("no entry for seq " << seq);
  return entries.front();
}

const std::string kRegistered = "Family registered: 1 member (1 child)";
const std::string kOpenedE1 = "Episode E1 opened; keyworker P1; registration completed 2026-05-01";
const std::string kConsent = "Consent to the assessment given by Parent (written)";

TEST_CASE("chronology: ordered by when it happened, then seq, a backdated entry sorts by its date",
          "[chronology]") {
  Chron c;
  uint64_t n1 = c.Note("N1", "first", "2026-05-10T09:00:00Z", "2026-05-10T12:00:00Z");
  uint64_t n2 = c.Note("N2", "backdated", "2026-05-05T09:00:00Z", "2026-05-11T12:00:00Z");
  uint64_t n3 = c.Note("N3", "same moment as N1", "2026-05-10T09:00:00Z", "2026-05-11T13:00:00Z");
  auto entries = c.Entries();
  CHECK(Seqs(entries) == std::vector<uint64_t>{c.first, c.first + 1, c.first + 2, n2, n1, n3});
  CHECK(Summaries(entries) == std::vector<std::string>{kRegistered, kOpenedE1, kConsent,
                                                       "Contact: backdated", "Contact: first",
                                                       "Contact: same moment as N1"});
  const ChronologyEntry& e = BySeq(entries, n2);
  CHECK(e.type == "caseNoteAdded");
  CHECK(e.occurred_at == At("2026-05-05T09:00:00Z"));
  CHECK(e.recorded_at == At("2026-05-11T12:00:00Z"));
  CHECK(e.recorded_by == "P1");
  CHECK(e.recorded_role == "practitioner");
  CHECK(e.episode_id == "E1");
  CHECK(e.category == "contact");
  CHECK(e.source_agency == "school");  // the recorder's agency when the note names none
  CHECK_FALSE(e.significant);
  CHECK(entries[0].episode_id.empty());  // the registration concerns the family
  CHECK(entries[1].significant);         // episodeOpened always is
  // With practitioner names from the store.
  auto events = projections::ReadFamily(c.store(), "F1", c.store().Size());
  REQUIRE(events.ok());
  auto named = projections::BuildChronology(*events, Cal(),
                                            projections::StoreNames(c.store(), c.store().Size()));
  CHECK(named[1].summary ==
        "Episode E1 opened; keyworker Name P1 (school); registration completed 2026-05-01");
}

TEST_CASE("chronology: recorded 3 working days after is not late, 4 is, over a bank holiday",
          "[chronology]") {
  Chron c;
  // Thu 2026-05-21; Mon 25 is the Spring bank holiday: Fri 22, Tue 26, Wed 27, Thu 28.
  uint64_t same = c.Note("N0", "same day", "2026-05-21T10:00:00Z", "2026-05-21T17:00:00Z");
  uint64_t three = c.Note("N1", "three", "2026-05-21T10:00:00Z", "2026-05-27T10:00:00Z");
  uint64_t four = c.Note("N2", "four", "2026-05-21T10:00:00Z", "2026-05-28T10:00:00Z");
  // 23:30 UTC on Thu 21 is Fri 22 in London: only 3 working days to Thu 28.
  uint64_t london = c.Note("N3", "london", "2026-05-21T23:30:00Z", "2026-05-28T11:00:00Z");
  // A source agency named by the note wins over the recorder's.
  uint64_t police = c.Note("N4", "from police", "2026-05-28T11:00:00Z", "2026-05-28T11:00:00Z",
                           "practitionerUpdate", true, "E1", "police");
  auto entries = c.Entries();
  CHECK_FALSE(BySeq(entries, same).late);
  CHECK_FALSE(BySeq(entries, three).late);
  CHECK(BySeq(entries, three).late_working_days == 0);
  CHECK(BySeq(entries, four).late);
  CHECK(BySeq(entries, four).late_working_days == 4);
  CHECK_FALSE(BySeq(entries, london).late);
  CHECK(BySeq(entries, police).source_agency == "police");
  CHECK(BySeq(entries, police).category == "practitionerUpdate");
  CHECK(BySeq(entries, police).summary == "Practitioner update: from police");
  CHECK(BySeq(entries, police).significant);
}

TEST_CASE("chronology: a corrected entry stays, marked with the correction and its new summary",
          "[chronology]") {
  Chron c;
  uint64_t note = c.Note("N1", "wrong text", "2026-05-05T10:00:00Z", "2026-05-05T11:00:00Z");
  uint64_t fix = c.Rec(
      "2026-05-06T09:30:00Z", "recordCorrected",
      R"({"correctsSeq":)" + std::to_string(note) +
          R"(,"reason":"wrong child named","replacement":{"episodeId":"E1","noteId":"N1","category":"contact","text":"right text","significant":false}})",
      "2026-05-06T09:30:00Z", kP2);
  // A correction without a replacement marks the entry but gives no new summary.
  uint64_t fix2 = c.Rec(
      "2026-05-07T09:00:00Z", "recordCorrected",
      R"({"correctsSeq":)" + std::to_string(c.first + 2) + R"(,"reason":"consent was verbal"})",
      "2026-05-07T09:00:00Z");
  auto entries = c.Entries();
  REQUIRE(entries.size() == 6);
  const ChronologyEntry& e = BySeq(entries, note);
  CHECK(e.summary == "Contact: wrong text");
  CHECK(e.corrected);
  CHECK(e.correction_seq == fix);
  CHECK(e.correction_reason == "wrong child named");
  CHECK(e.correction_by == "P2");
  CHECK(e.correction_recorded_at == At("2026-05-06T09:30:00Z"));
  CHECK(e.corrected_summary == "Contact: right text");
  const ChronologyEntry& k = BySeq(entries, fix);
  CHECK(k.category == "correction");
  CHECK(k.corrects == note);
  CHECK(k.episode_id == "E1");
  CHECK(k.summary == "Correction of entry seq " + std::to_string(note) + ": wrong child named");
  CHECK_FALSE(k.corrected);
  const ChronologyEntry& consent = BySeq(entries, c.first + 2);
  CHECK(consent.corrected);
  CHECK(consent.correction_seq == fix2);
  CHECK(consent.correction_by == "P1");
  CHECK(consent.corrected_summary.empty());
  CHECK(consent.summary == kConsent);
}

TEST_CASE(
    "chronology: a review TAF meeting reads \"Review TAF meeting held: continue, next "
    "review 2026-05-01, attended by\" its attendees, and says what it decided",
    "[chronology]") {
  ev::TafMeetingHeld review{
      "E1",        "M2", ev::MeetingKind::kReview, {"Parent"}, ev::MeetingOutcome::kContinue,
      "2026-05-01"};
  CHECK(projections::Summarise(review) ==
        "Review TAF meeting held: continue; next review 2026-05-01; attended by Parent");
  ev::TafMeetingHeld initial{
      "E1", "M1", ev::MeetingKind::kInitial, {"Parent"}, ev::MeetingOutcome::kStepUp, ""};
  CHECK(projections::Summarise(initial) ==
        "Initial TAF meeting held: step up; no next review date set; attended by Parent");
  // Through the ledger, as the chronology shows it.
  Chron c;
  uint64_t m = c.Rec(
      "2026-05-15T12:00:00Z", "tafMeetingHeld",
      R"({"episodeId":"E1","meetingId":"M1","kind":"review","attendees":["Parent"],"outcome":"continue","nextReviewOn":"2026-06-26"})",
      "2026-05-15T10:00:00Z");
  auto entries = c.Entries();
  const ChronologyEntry& e = BySeq(entries, m);
  CHECK(e.summary ==
        "Review TAF meeting held: continue; next review 2026-06-26; attended by Parent");
  CHECK(e.decision == "Decided: continue; next review by 2026-06-26");
  CHECK(e.category == "meeting");
  CHECK(e.significant);
}

// The history the filter tests read: E1 (closed 12 May) then E2.
struct TwoEpisodes : Chron {
  TwoEpisodes() {
    Note("N1", "n1", "2026-05-04T23:30:00Z", "2026-05-05T08:00:00Z");  // London 5 May
    Note("N2", "n2", "2026-05-10T22:30:00Z", "2026-05-10T23:00:00Z", "significantEvent", true);
    Note("N3", "n3", "2026-05-10T23:30:00Z", "2026-05-11T08:00:00Z");  // London 11 May
    Rec("2026-05-12T10:00:00Z", "episodeClosed", R"({"episodeId":"E1","reason":"needsMet"})",
        "2026-05-12T10:00:00Z");
    Rec("2026-05-13T10:00:00Z", "episodeOpened",
        R"({"episodeId":"E2","keyworkerId":"P2","registrationCompletedOn":"2026-05-13"})",
        "2026-05-13T10:00:00Z", kHelpdesk);
    Note("N4", "n4", "2026-05-14T10:00:00Z", "2026-05-14T10:00:00Z", "contact", false, "E2");
  }
  std::vector<std::string> Filtered(const projections::ChronologyFilter& filter) {
    return Summaries(projections::FilterChronology(Entries(), filter));
  }
};
const std::string kClosedE1 = "Episode E1 closed: needs met";
const std::string kOpenedE2 = "Episode E2 opened; keyworker P2; registration completed 2026-05-13";

TEST_CASE("chronology filters: an episode keeps its own entries and the family's", "[chronology]") {
  TwoEpisodes c;
  projections::ChronologyFilter f;
  CHECK(c.Filtered(f).size() == 9);
  f.episode = "E2";
  CHECK(c.Filtered(f) == std::vector<std::string>{kRegistered, kOpenedE2, "Contact: n4"});
}

TEST_CASE("chronology filters: from and to are inclusive London days", "[chronology]") {
  TwoEpisodes c;
  projections::ChronologyFilter f;
  f.from = *projections::ParseDay("2026-05-05");
  f.to = *projections::ParseDay("2026-05-10");
  CHECK(c.Filtered(f) == std::vector<std::string>{"Contact: n1", "Significant event: n2"});
  f.to.reset();
  f.from = *projections::ParseDay("2026-05-11");
  CHECK(c.Filtered(f) ==
        std::vector<std::string>{"Contact: n3", kClosedE1, kOpenedE2, "Contact: n4"});
  f.from.reset();
  f.to = *projections::ParseDay("2026-05-01");
  CHECK(c.Filtered(f) == std::vector<std::string>{kRegistered, kOpenedE1, kConsent});
}

TEST_CASE(
    "chronology filters: categories and significant only (consent and team changes are "
    "significant)",
    "[chronology]") {
  TwoEpisodes c;
  projections::ChronologyFilter f;
  f.categories = {"contact"};
  CHECK(c.Filtered(f) == std::vector<std::string>{"Contact: n1", "Contact: n3", "Contact: n4"});
  f.categories = {"registration", "closure"};
  CHECK(c.Filtered(f) == std::vector<std::string>{kRegistered, kOpenedE1, kClosedE1, kOpenedE2});
  f.categories.clear();
  f.significant_only = true;
  CHECK(c.Filtered(f) == std::vector<std::string>{kOpenedE1, kConsent, "Significant event: n2",
                                                  kClosedE1, kOpenedE2});
  f.episode = "E1";
  CHECK(c.Filtered(f) ==
        std::vector<std::string>{kOpenedE1, kConsent, "Significant event: n2", kClosedE1});
}

TEST_CASE(
    "chronology categories: every kind's category and every note category once, then computed",
    "[chronology]") {
  const auto& categories = projections::ChronologyCategories();
  CHECK(std::set<std::string>(categories.begin(), categories.end()).size() == categories.size());
  auto has = [&](std::string_view c) {
    return std::find(categories.begin(), categories.end(), c) != categories.end();
  };
  for (const projections::KindInfo& kind : projections::AllKinds()) {
    INFO(kind.type);
    if (!kind.category.empty()) CHECK(has(kind.category));
  }
  for (ev::NoteCategory c :
       {ev::NoteCategory::kContact, ev::NoteCategory::kMeeting, ev::NoteCategory::kOther,
        ev::NoteCategory::kSupportRequest, ev::NoteCategory::kSignificantEvent}) {
    CHECK(has(ev::Name(c)));
  }
  CHECK(categories.back() == projections::kComputedCategory);
}

TEST_CASE("chronology CSV: BOM, header, CRLF, RFC 4180 quoting and formula cells neutralised",
          "[chronology]") {
  ChronologyEntry a;
  a.seq = 12;
  a.occurred_at = At("2026-05-05T09:00:00Z");
  a.recorded_at = At("2026-05-11T10:00:00Z");
  a.recorded_by = "P1";
  a.recorded_role = "practitioner";
  a.episode_id = "E1";
  a.category = "contact";
  a.summary = R"(Contact: he said "no", then left)";
  a.source_agency = R"csv(=HYPERLINK("http://x"))csv";
  a.significant = a.late = a.corrected = true;
  a.late_working_days = 4;
  a.correction_seq = 13;
  a.correction_reason = "+wrong\r\nline";
  a.correction_by = "P2";
  a.correction_recorded_at = At("2026-05-12T10:00:00Z");
  a.corrected_summary = "-1 child";
  ChronologyEntry b;
  b.seq = 13;
  b.occurred_at = b.recorded_at = At("2026-05-12T10:00:00Z");
  b.recorded_by = "P2";
  b.recorded_role = "practitioner";
  b.episode_id = "E1";
  b.category = "correction";
  b.summary = "Correction of entry seq 12: x";
  b.source_agency = "@SUM(A1)";
  b.corrects = 12;
  // Times are London's with their offset (BST in May).
  std::string expected =
      "\xEF\xBB\xBF"
      "seq,occurredAt,recordedAt,recordedBy,role,episodeId,children,category,summary,decision,"
      "concernId,directionStatus,sourceAgency,significant,computed,late,lateWorkingDays,"
      "corrects,corrected,correctionReason,correctionBy,correctionRecordedAt,correctedSummary,"
      "corrections\r\n"
      R"csv(12,2026-05-05T10:00:00+01:00,2026-05-11T11:00:00+01:00,P1,practitioner,E1,,contact,)csv"
      R"csv("Contact: he said ""no"", then left",,,,"'=HYPERLINK(""http://x"")",yes,no,yes,4,,yes,)csv"
      "\"'+wrong\r\nline\",P2,2026-05-12T11:00:00+01:00,'-1 child,\r\n"
      R"csv(13,2026-05-12T11:00:00+01:00,2026-05-12T11:00:00+01:00,P2,practitioner,E1,,)csv"
      R"csv(correction,Correction of entry seq 12: x,,,,'@SUM(A1),no,no,no,,12,no,,,,,)csv"
      "\r\n";
  CHECK(projections::ChronologyCsv({a, b}) == expected);
  CHECK(projections::ChronologyCsv({}) == expected.substr(0, expected.find("\r\n") + 2));
}

TEST_CASE("chronology CSV: a note's text is never at the start of a cell", "[chronology]") {
  Chron c;
  c.Note("N1", "=SUM(A1:A9)\nsecond line, \"quoted\"", "2026-05-05T10:00:00Z",
         "2026-05-05T11:00:00Z", "contact", false, "E1", "-police");
  std::string csv = projections::ChronologyCsv(c.Entries());
  // The summary starts with its category, and a note keeps to one line.
  CHECK_THAT(csv,
             Contains(R"csv(,"Contact: =SUM(A1:A9) second line, ""quoted""",,,,'-police,)csv"));
  size_t bare = 0;
  for (size_t i = 0; i < csv.size(); ++i) bare += csv[i] == '\n' && (i == 0 || csv[i - 1] != '\r');
  CHECK(bare == 0);
}

TEST_CASE("chronology HTML: a note's markup appears only escaped", "[chronology]") {
  Chron c;
  c.Note("N1", R"(<script>alert("x")</script> & 'q')", "2026-05-05T10:00:00Z",
         "2026-05-12T11:00:00Z", "contact", true, "E1", "<b>agency</b>");
  projections::ChronologyHeading heading{"F1", c.store().Size(), "as recorded at <now>"};
  std::string html = projections::ChronologyHtml(heading, c.Entries());
  CHECK_THAT(html, Contains("Contact: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                            "&#39;q&#39;"));
  CHECK_THAT(html, Contains("&lt;b&gt;agency&lt;/b&gt;"));
  CHECK_THAT(html, Contains("as recorded at &lt;now&gt;"));
  CHECK_THAT(html, Contains("late: 5 working days"));
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("alert(\"x\")") == std::string::npos);
  CHECK(html.find("<b>") == std::string::npos);
  CHECK(html.find("<now>") == std::string::npos);
}

TEST_CASE("chronology JSON: parses, with the values of the entries", "[chronology]") {
  Chron c;
  std::string text = "quote \" backslash \\ tab\t bell\x01 \xC3\xA9";
  uint64_t n = c.Note("N1", text, "2026-05-21T10:00:00Z", "2026-05-28T10:00:00Z");
  auto entries = c.Entries();
  std::string json = projections::ChronologyJson({"F1", c.store().Size(), "current"}, entries);
  std::string summary = "Contact: quote \" backslash \\ tab  bell\x01 \xC3\xA9";
  CHECK(BySeq(entries, n).summary == summary);
  CHECK_THAT(json, Contains(R"("summary":"Contact: quote \" backslash \\ tab  bell\u0001 )"));
  CHECK_THAT(json,
             Contains(R"("late":true,"lateWorkingDays":4,"children":["Kid"],"corrected":false})"));
  if (std::system("command -v jq >/dev/null 2>&1") != 0) {
    WARN("jq is not installed: the JSON was checked by substring only");
    return;
  }
  TempDir dir;
  std::ofstream(dir / "c.json", std::ios::binary) << json;
  std::ofstream(dir / "check.jq", std::ios::binary)
      << ".familyId == \"F1\" and .asOfSeq == " << c.store().Size()
      << " and (.entries | length) == 4 and .entries[3].seq == " << n
      << " and .entries[3].summary == " << ledger::JsonQuote(summary)
      << " and .entries[3].lateWorkingDays == 4 and .entries[0].episodeId == null"
      << " and .entries[1].recordedBy.role == \"helpdesk\"\n";
  std::string cmd = "jq -e -f '" + (dir / "check.jq") + "' '" + (dir / "c.json") + "' >/dev/null";
  CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("chronology as of: a backdated entry recorded after T is not in the view as of T",
          "[chronology]") {
  Chron c;
  uint64_t n1 = c.Note("N1", "n1", "2026-05-05T10:00:00Z", "2026-05-05T10:00:00Z");
  // Happened on Sat 2 May, before T, but recorded on Fri 8 May, after it.
  uint64_t n0 = c.Note("N0", "backdated", "2026-05-02T10:00:00Z", "2026-05-08T10:00:00Z");
  int64_t t = At("2026-05-06T12:00:00Z");
  auto as_of = projections::ResolveAsOf(c.store(), {t, 0});
  REQUIRE(as_of.ok());
  CHECK(*as_of == n1);
  auto then = c.Entries(*as_of);
  CHECK(Summaries(then) ==
        std::vector<std::string>{kRegistered, kOpenedE1, kConsent, "Contact: n1"});
  auto now = c.Entries();
  CHECK(Seqs(now) == std::vector<uint64_t>{c.first, c.first + 1, c.first + 2, n0, n1});
  CHECK(BySeq(now, n0).late);  // Mon 4 is a bank holiday: Tue 5 to Fri 8
  CHECK(BySeq(now, n0).late_working_days == 4);
  // At the very microsecond N1 was recorded it is in; one microsecond before, it is not.
  CHECK(*projections::ResolveAsOf(c.store(), {At("2026-05-05T10:00:00Z"), 0}) == n1);
  CHECK(*projections::ResolveAsOf(c.store(), {At("2026-05-05T10:00:00Z") - 1, 0}) == n1 - 1);
  // Before the family was recorded there is nothing to show.
  auto before = projections::ResolveAsOf(c.store(), {At("2026-04-30T00:00:00Z"), 0});
  REQUIRE(before.ok());
  CHECK(*before == 0);
  CHECK(projections::ReadFamily(c.store(), "F1", *before).status().code() == Code::kNotFound);
}

}  // namespace
}  // namespace caseledger::testing
