#include "projections/data_protection.h"

#include <algorithm>
#include <map>

#include "ledger/json_codec.h"
#include "ledger/time_format.h"
#include "projections/event_kinds.h"
#include "projections/views.h"

namespace caseledger::projections {
namespace {

using ledger::FormatRfc3339;
using ledger::JsonQuote;

bool Blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

// Who supplied what `body` records, and why it must be reviewed before disclosure, as the
// family stood before it (`before`). The table of event kinds decides which kinds carry
// third parties' information; this says who, where the entry tells.
std::pair<std::string, std::string> ThirdPartyOf(const ev::Body& body, const FamilyState& before) {
  switch (KindOf(body).third_party) {
    case ThirdParty::kNo:
      return {};
    case ThirdParty::kWhenSupplied:
    case ThirdParty::kYes:
      break;
  }
  if (const auto* c = std::get_if<ev::ConcernReceived>(&body)) {
    std::string source(ev::Name(c->source));
    std::string who = c->source == ev::ConcernSource::kPublic ? "a member of the public" : source;
    return {source, "information from a third party (" + who +
                        "): withhold what would identify them or what they said, unless they "
                        "consent or it is reasonable to disclose it"};
  }
  const std::string* supplied_by = nullptr;  // a note's agency
  if (const auto* n = std::get_if<ev::CaseNoteAdded>(&body)) supplied_by = &n->source_agency;
  if (const auto* n = std::get_if<ev::FamilyNoteAdded>(&body)) supplied_by = &n->source_agency;
  if (supplied_by != nullptr) {
    if (supplied_by->empty()) return {};  // the family's own or the keyworker's
    return {*supplied_by, "information supplied by another agency (" + *supplied_by +
                              "): ask it before disclosing, or withhold what it supplied"};
  }
  if (const auto* r = std::get_if<ev::ContributionReceived>(&body)) {
    std::string agency = "another agency";
    if (const Episode* ep = before.FindEpisode(r->episode_id)) {
      for (const auto& c : ep->contributions) {
        if (c.request_id == r->request_id) agency = c.agency;
      }
    }
    return {agency, "a contribution to the assessment from " + agency +
                        ": ask it before disclosing, or withhold what it supplied"};
  }
  if (std::holds_alternative<ev::DocumentUploaded>(body)) {
    return {"", "a document: read it before disclosing; it may hold others' information"};
  }
  return {"", std::string("information from a third party (") + std::string(KindOf(body).type) +
                  "): ask who supplied it before disclosing"};
}

std::string PrettyHtml(const std::string& json) { return HtmlEscape(PrettyJson(json)); }

}  // namespace

Result<Erasure> EraseFamily(ledger::Store& store, const ErasureRequest& request) {
  if (!ledger::IsValidId(request.family_id)) {
    return Status::InvalidArgument("a family id is 1-64 characters of A-Z a-z 0-9 - _", "familyId");
  }
  if (Blank(request.reason) || request.reason.size() > kMaxErasureReason) {
    return Status::InvalidArgument(
        "reason is required: why the family's personal data is erased (at most 1000 "
        "bytes), recorded in clear in the familyErased event: no personal data in it",
        "reason");
  }
  if (!ledger::IsValidId(request.authorised_by)) {
    return Status::InvalidArgument(
        "authorisedBy is required: the id of who authorised the erasure (1-64 characters of "
        "A-Z a-z 0-9 - _)",
        "authorisedBy");
  }
  if (!store.seals()) {
    return Status::Unavailable(
        "this ledger has no master key, so its personal data is not sealed and cannot be "
        "erased by destroying a key; nothing was recorded");
  }
  CL_ASSIGN_OR_RETURN(auto events, ReadFamily(store, request.family_id, store.Size()));
  for (const auto& e : events) {
    if (!std::holds_alternative<ev::FamilyErased>(e.body)) continue;
    // Recorded by an erasure that stopped before its keys went: finish it. (A retry of a
    // finished one costs nothing: the flush and compaction are not run again.)
    if (!store.FamilyErased(request.family_id)) {
      CL_RETURN_IF_ERROR(store.EraseFamilyKeys(request.family_id));
    }
    return Erasure{e.seq, e.recorded_at, true};
  }
  CL_ASSIGN_OR_RETURN(ledger::EventId id, ledger::EventId::Random());
  CL_ASSIGN_OR_RETURN(
      ledger::EventDraft draft,
      ev::EncodeDraft(id, request.now, ev::FamilyErased{request.reason, request.authorised_by}));
  ledger::AppendRequest append;
  append.stream = "family/" + request.family_id;
  // The version read above: an event appended meanwhile is judged again (a legal hold).
  append.expected = ledger::ExpectedVersion::Exactly(events.back().version);
  append.actor = request.actor;
  append.events.push_back(std::move(draft));
  CL_ASSIGN_OR_RETURN(ledger::AppendResult appended, store.Append(std::move(append)));
  CL_RETURN_IF_ERROR(store.EraseFamilyKeys(request.family_id));
  return Erasure{appended.events.front().seq, appended.events.front().recorded_at, false};
}

Result<SubjectAccessExport> BuildSubjectAccess(ledger::Store& store, const Calendar& calendar,
                                               AccessLog* access, const std::string& family_id,
                                               uint64_t max_seq) {
  SubjectAccessExport out;
  out.family_id = family_id;
  out.as_of_seq = std::min(max_seq, store.Size());
  if (!ledger::IsValidId(family_id)) {
    return Status::InvalidArgument("a family id is 1-64 characters of A-Z a-z 0-9 - _", "familyId");
  }
  // Seq 0 is before the first event: nothing was recorded by then.
  std::vector<ledger::RecordedEvent> recorded;
  if (out.as_of_seq > 0) {
    CL_ASSIGN_OR_RETURN(recorded,
                        store.ReadStream("family/" + family_id, 1, SIZE_MAX, out.as_of_seq));
  }
  if (recorded.empty()) {
    return Status::NotFound("family " + family_id + " has no record" +
                            (out.as_of_seq < store.Size() ? " at that time" : ""));
  }
  std::vector<ev::Event> events;
  events.reserve(recorded.size());
  for (const auto& r : recorded) {
    CL_ASSIGN_OR_RETURN(ev::Event e, ev::Decode(r));
    events.push_back(std::move(e));
  }
  std::map<uint64_t, ChronologyEntry> lines;
  for (auto& line : BuildChronology(events, calendar, StoreNames(store, out.as_of_seq))) {
    lines[line.seq] = std::move(line);
  }
  std::map<uint64_t, std::string> marked;  // seq -> review, to carry to its corrections
  FamilyState before;                      // as each entry was written, for whom it names
  for (size_t i = 0; i < events.size(); ++i) {
    const ev::Event& e = events[i];
    SubjectAccessEntry entry;
    if (auto it = lines.find(e.seq); it != lines.end()) {
      entry.entry = std::move(it->second);
    } else {  // every family kind has a line; should one not, the event is still listed
      entry.entry.seq = e.seq;
      entry.entry.type = e.type;
      entry.entry.occurred_at = e.occurred_at;
      entry.entry.recorded_at = e.recorded_at;
      entry.entry.recorded_by = e.actor.id;
      entry.entry.recorded_role = e.actor.role;
      entry.entry.summary = e.type;
    }
    entry.version = e.version;
    CL_ASSIGN_OR_RETURN(entry.event_json, ledger::EventToJson(recorded[i]));
    std::tie(entry.third_party, entry.review) = ThirdPartyOf(e.body, before);
    if (const auto* c = std::get_if<ev::RecordCorrected>(&e.body)) {
      if (auto it = marked.find(c->corrects_seq); it != marked.end() && entry.review.empty()) {
        entry.review = "corrects entry seq " + std::to_string(c->corrects_seq) + ", " + it->second;
      }
    }
    if (!entry.review.empty()) {
      marked[e.seq] = entry.review;
      ++out.to_review;
    }
    (void)Apply(before, e);  // the record as written; the state below has the corrections
    out.entries.push_back(std::move(entry));
  }
  out.state = FoldFamily(events);
  std::stable_sort(out.entries.begin(), out.entries.end(), [](const auto& a, const auto& b) {
    return a.entry.occurred_at != b.entry.occurred_at ? a.entry.occurred_at < b.entry.occurred_at
                                                      : a.entry.seq < b.entry.seq;
  });
  if (access != nullptr) {
    out.reads_included = true;
    CL_ASSIGN_OR_RETURN(auto reads, access->List(family_id, 0, SIZE_MAX));
    for (auto& r : reads) {
      if (r.seq > out.as_of_seq) continue;
      // Why an auditor looked (other than to make this export the family asked for) is about
      // staff, not the family: withheld.
      if (r.actor.role == "auditor" && r.view != "subjectAccessExport") r.purpose.clear();
      out.reads.push_back(std::move(r));
    }
  }
  return out;
}

constexpr const char* kReadsWithheld =
    "Who read this record is not in this export: the access log is the auditor's. An auditor's "
    "export lists every read (who, in which role, when, what and why).";

std::string SubjectAccessJson(const SubjectAccessExport& e) {
  std::string out = "{\"familyId\":" + JsonQuote(e.family_id) +
                    ",\"asOfSeq\":" + std::to_string(e.as_of_seq) +
                    ",\"asOf\":" + JsonQuote(e.as_of_text) +
                    ",\"generatedAt\":" + JsonQuote(FormatRfc3339(e.generated_at)) +
                    ",\"events\":" + std::to_string(e.entries.size()) +
                    ",\"entriesToReview\":" + std::to_string(e.to_review) +
                    ",\"erased\":" + (e.state.erased ? "true" : "false") +
                    ",\"legalHold\":" + (e.state.legal_hold ? "true" : "false") +
                    ",\"family\":" + FamilyStateJson(e.state, e.as_of_seq) + ",\"entries\":[";
  for (size_t i = 0; i < e.entries.size(); ++i) {
    const SubjectAccessEntry& s = e.entries[i];
    std::string line = ChronologyEntryJson(s.entry);
    line.pop_back();  // its closing brace: the export adds to it
    out += (i ? "," : "") + line + ",\"version\":" + std::to_string(s.version) +
           ",\"thirdParty\":" + (s.third_party.empty() ? "null" : JsonQuote(s.third_party)) +
           ",\"reviewBeforeDisclosure\":" + (s.review.empty() ? "false" : "true") +
           ",\"review\":" + (s.review.empty() ? "null" : JsonQuote(s.review)) +
           ",\"event\":" + s.event_json + "}";
  }
  if (!e.reads_included) {
    return out + "],\"reads\":null,\"readsWithheld\":" + JsonQuote(kReadsWithheld) + "}";
  }
  out += "],\"reads\":[";
  for (size_t i = 0; i < e.reads.size(); ++i) {
    const AccessEntry& r = e.reads[i];
    out += std::string(i ? "," : "") + "{\"seq\":" + std::to_string(r.seq) +
           ",\"recordedAt\":" + JsonQuote(FormatRfc3339(r.recorded_at)) +
           ",\"by\":{\"id\":" + JsonQuote(r.actor.id) + ",\"role\":" + JsonQuote(r.actor.role) +
           "},\"view\":" + JsonQuote(r.view) +
           ",\"purpose\":" + (r.purpose.empty() ? "null" : JsonQuote(r.purpose)) + "}";
  }
  return out + "]}";
}

std::string SubjectAccessHtml(const SubjectAccessExport& e) {
  const std::string title = "Subject access export: family " + e.family_id;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>" +
      HtmlEscape(title) +
      "</title><style>"
      "body{font-family:sans-serif;margin:1.5em;color:#111}"
      "table{border-collapse:collapse;width:100%;font-size:0.9em;margin-bottom:1.5em}"
      "th,td{border:1px solid #999;padding:0.3em 0.5em;vertical-align:top;text-align:left}"
      "th{background:#eee}pre{white-space:pre-wrap;margin:0.3em 0 0;font-size:0.85em}"
      "tr.review td{background:#fff4d6}"
      ".mark{display:inline-block;border:1px solid #333;padding:0 0.3em;margin-right:0.3em;"
      "font-size:0.8em}.notice{border:2px solid #b35c00;padding:0.5em 1em}"
      "@media print{body{margin:0}thead{display:table-header-group}}"
      "</style></head><body>\n<h1>" +
      HtmlEscape(title) + "</h1>\n<p>" + HtmlEscape(e.as_of_text) + "; up to seq " +
      std::to_string(e.as_of_seq) + "; generated " + HtmlEscape(FormatRfc3339(e.generated_at)) +
      ". The complete record: " + std::to_string(e.entries.size()) +
      " entries, every event of the family's record, ordered by when they happened. Times "
      "are UTC.</p>\n";
  if (e.to_review > 0) {
    out += "<p class=\"notice\"><strong>" + std::to_string(e.to_review) +
           " entries are marked for review before disclosure</strong> (highlighted): they hold "
           "information from third parties (other agencies, the public) or documents that may "
           "hold others' information.</p>\n";
  }
  if (e.state.erased) {
    out +=
        "<p class=\"notice\">This family's personal data was erased: what was personal reads "
        "[erased]; the dates and kinds of what happened remain.</p>\n";
  }
  out +=
      "<h2>The family</h2>\n<table><thead><tr><th>Member</th><th>Role</th><th>Name</th>"
      "<th>Date of birth</th></tr></thead><tbody>\n";
  for (const auto& m : e.state.members) {
    out += "<tr><td>" + HtmlEscape(m.member_id) + "</td><td>" +
           HtmlEscape(std::string(ev::Name(m.role))) + "</td><td>" + HtmlEscape(m.name) +
           "</td><td>" + HtmlEscape(m.date_of_birth) + "</td></tr>\n";
  }
  out += "</tbody></table>\n<p>Address: " + HtmlEscape(e.state.address) + "</p>\n";
  out +=
      "<h2>The record</h2>\n<table><thead><tr><th>Happened</th><th>Recorded</th><th>By</th>"
      "<th>What</th></tr></thead><tbody>\n";
  for (const auto& s : e.entries) {
    const ChronologyEntry& c = s.entry;
    out += std::string(s.review.empty() ? "<tr>" : "<tr class=\"review\">") + "<td>" +
           HtmlEscape(FormatRfc3339(c.occurred_at)) + "</td><td>" +
           HtmlEscape(FormatRfc3339(c.recorded_at)) + " (seq " + std::to_string(c.seq) + ")" +
           (c.late ? " <span class=\"mark\">late</span>" : "") + "</td><td>" +
           HtmlEscape(c.recorded_by) + " (" + HtmlEscape(c.recorded_role) + ")</td><td>";
    if (!s.review.empty()) {
      out +=
          "<span class=\"mark\">review before disclosure</span> " + HtmlEscape(s.review) + "<br>";
    }
    out += HtmlEscape(c.summary);
    if (c.corrected) {
      out += "<br><em>Corrected at seq " + std::to_string(c.correction_seq) + ": " +
             HtmlEscape(c.correction_reason) + "</em>";
    }
    out += "<pre>" + PrettyHtml(s.event_json) + "</pre></td></tr>\n";
  }
  out += "</tbody></table>\n<h2>Who read this record</h2>\n";
  if (!e.reads_included) {
    out += "<p>" + HtmlEscape(kReadsWithheld) + "</p>\n";
  } else if (e.reads.empty()) {
    out += "<p>No reads are recorded.</p>\n";
  } else {
    out +=
        "<table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Why</th></tr></thead>"
        "<tbody>\n";
    for (const auto& r : e.reads) {
      out += "<tr><td>" + HtmlEscape(FormatRfc3339(r.recorded_at)) + "</td><td>" +
             HtmlEscape(r.actor.id) + " (" + HtmlEscape(r.actor.role) + ")</td><td>" +
             HtmlEscape(r.view) + "</td><td>" + HtmlEscape(r.purpose) + "</td></tr>\n";
    }
    out += "</tbody></table>\n";
  }
  return out + "</body></html>\n";
}

}  // namespace caseledger::projections
