// The chronology's formats: JSON, CSV (RFC 4180, for spreadsheets) and a printable HTML page
// (chronology.h says what each holds).
#include <string>
#include <vector>

#include "ledger/json_codec.h"
#include "ledger/time_format.h"
#include "projections/chronology.h"

namespace caseledger::projections {
namespace {

using ledger::FormatRfc3339;
using ledger::JsonQuote;

std::string Join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::string CsvCell(std::string text) {
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    text.insert(text.begin(), '\'');
  }
  bool quote = text.find_first_of(",\"\r\n") != std::string::npos;
  if (!quote) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ChronologyJson(const ChronologyHeading& heading,
                           const std::vector<ChronologyEntry>& entries) {
  return ChronologyJson(heading, ChronologyEntriesJson(entries));
}

std::string ChronologyJson(const ChronologyHeading& heading, std::string_view entries_json) {
  std::string out = "{\"familyId\":" + JsonQuote(heading.family_id) +
                    ",\"asOfSeq\":" + std::to_string(heading.as_of_seq) + ",\"entries\":";
  out.reserve(out.size() + entries_json.size() + 1);
  out += entries_json;
  return out + "}";
}

std::string ChronologyEntriesJson(const std::vector<ChronologyEntry>& entries) {
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ",";
    out += ChronologyEntryJson(entries[i]);
  }
  return out + "]";
}

std::string ChronologyEntryJson(const ChronologyEntry& e) {
  std::string out =
      "{\"seq\":" + std::to_string(e.seq) + ",\"type\":" + JsonQuote(e.type) +
      ",\"occurredAt\":" + JsonQuote(FormatRfc3339(e.occurred_at)) +
      ",\"occurredAtLocal\":" + JsonQuote(FormatLondon(e.occurred_at)) +
      ",\"recordedAt\":" + JsonQuote(FormatRfc3339(e.recorded_at)) +
      ",\"recordedAtLocal\":" + JsonQuote(FormatLondon(e.recorded_at)) +
      ",\"recordedBy\":{\"id\":" + JsonQuote(e.recorded_by) +
      ",\"role\":" + JsonQuote(e.recorded_role) + "}" +
      ",\"episodeId\":" + (e.episode_id.empty() ? "null" : JsonQuote(e.episode_id)) +
      ",\"category\":" + JsonQuote(e.category) + ",\"summary\":" + JsonQuote(e.summary) +
      ",\"sourceAgency\":" + (e.source_agency.empty() ? "null" : JsonQuote(e.source_agency)) +
      ",\"significant\":" + (e.significant ? "true" : "false") +
      ",\"late\":" + (e.late ? "true" : "false");
  if (e.late) out += ",\"lateWorkingDays\":" + std::to_string(e.late_working_days);
  out += ",\"children\":[";
  for (size_t i = 0; i < e.children.size(); ++i) out += (i ? "," : "") + JsonQuote(e.children[i]);
  out += "]";
  if (!e.decision.empty()) out += ",\"decision\":" + JsonQuote(e.decision);
  if (!e.concern_id.empty()) {
    out += ",\"concernId\":" + JsonQuote(e.concern_id) +
           ",\"directionStatus\":" + JsonQuote(e.direction_status);
  }
  if (e.computed) out += ",\"computed\":true";
  if (e.corrects != 0) out += ",\"corrects\":" + std::to_string(e.corrects);
  out += std::string(",\"corrected\":") + (e.corrected ? "true" : "false");
  if (e.corrected) {
    out += ",\"correction\":{\"seq\":" + std::to_string(e.correction_seq) +
           ",\"reason\":" + JsonQuote(e.correction_reason) +
           ",\"by\":" + JsonQuote(e.correction_by) +
           ",\"recordedAt\":" + JsonQuote(FormatRfc3339(e.correction_recorded_at));
    if (!e.corrected_summary.empty()) {
      out += ",\"correctedSummary\":" + JsonQuote(e.corrected_summary);
    }
    out += "},\"corrections\":[";
    for (size_t i = 0; i < e.corrections.size(); ++i) {
      const auto& c = e.corrections[i];
      out += std::string(i ? "," : "") + "{\"seq\":" + std::to_string(c.seq) +
             ",\"reason\":" + JsonQuote(c.reason) + ",\"by\":" + JsonQuote(c.by) +
             ",\"recordedAt\":" + JsonQuote(FormatRfc3339(c.recorded_at)) + "}";
    }
    out += "]";
  }
  return out + "}";
}

std::string ChronologyCsv(const std::vector<ChronologyEntry>& entries) {
  std::string out = "\xEF\xBB\xBF";  // UTF-8 byte-order mark: spreadsheets then read UTF-8
  out +=
      "seq,occurredAt,recordedAt,recordedBy,role,episodeId,children,category,summary,decision,"
      "concernId,directionStatus,sourceAgency,significant,computed,late,lateWorkingDays,"
      "corrects,corrected,correctionReason,correctionBy,correctionRecordedAt,correctedSummary,"
      "corrections\r\n";
  for (const auto& e : entries) {
    std::string chain;
    for (const auto& c : e.corrections) {
      chain += (chain.empty() ? "" : "; ") + std::string("seq ") + std::to_string(c.seq) + " by " +
               c.by + " at " + FormatLondon(c.recorded_at) + ": " + c.reason;
    }
    std::vector<std::string> cells = {
        e.computed ? "" : std::to_string(e.seq),
        FormatLondon(e.occurred_at),
        e.computed ? "" : FormatLondon(e.recorded_at),
        e.recorded_by,
        e.recorded_role,
        e.episode_id,
        Join(e.children),
        e.category,
        e.summary,
        e.decision,
        e.concern_id,
        e.direction_status,
        e.source_agency,
        e.significant ? "yes" : "no",
        e.computed ? "yes" : "no",
        e.late ? "yes" : "no",
        e.late ? std::to_string(e.late_working_days) : "",
        e.corrects ? std::to_string(e.corrects) : "",
        e.corrected ? "yes" : "no",
        e.correction_reason,
        e.correction_by,
        e.corrected ? FormatLondon(e.correction_recorded_at) : "",
        e.corrected_summary,
        chain,
    };
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + CsvCell(cells[i]);
    out += "\r\n";
  }
  return out;
}

std::string ChronologyHtml(const ChronologyHeading& heading,
                           const std::vector<ChronologyEntry>& entries) {
  std::string title = "Chronology of family " + heading.family_id;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
      "<title>" +
      HtmlEscape(title) +
      "</title><style>"
      "body{font-family:sans-serif;margin:1.5em;color:#111}"
      "table{border-collapse:collapse;width:100%;font-size:0.9em}"
      "th,td{border:1px solid #999;padding:0.3em 0.5em;vertical-align:top;text-align:left}"
      "th{background:#eee}tr.significant td{font-weight:bold}"
      ".mark{display:inline-block;border:1px solid #333;padding:0 0.3em;margin-right:0.3em;"
      "font-size:0.8em;font-weight:normal}"
      ".correction{font-weight:normal;font-style:italic;display:block;margin-top:0.3em}"
      "@media print{body{margin:0}thead{display:table-header-group}tr{page-break-inside:avoid}}"
      "</style></head><body>\n<h1>" +
      HtmlEscape(title) + "</h1>\n<p>" + HtmlEscape(heading.as_of_text) + "; up to seq " +
      std::to_string(heading.as_of_seq) + "; " + std::to_string(entries.size()) +
      " entries, ordered by when they happened. Times are Europe/London, with their offset "
      "from UTC. Entries marked computed are worked out from the record (a missed timescale, "
      "an unfinished state), not recorded."
      "</p>\n<table><thead><tr><th>Happened</th><th>Recorded</th><th>By</th><th>Episode</th>"
      "<th>Child(ren)</th><th>Category</th><th>What</th><th>Source</th></tr></thead><tbody>\n";
  for (const auto& e : entries) {
    std::string cls = std::string(e.significant ? "significant" : "") +
                      (e.corrected ? " corrected" : "") + (e.computed ? " computed" : "");
    out += "<tr" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + "><td>" +
           HtmlEscape(FormatLondon(e.occurred_at)) + "</td><td>" +
           (e.computed ? std::string("<span class=\"mark\">computed</span>")
                       : HtmlEscape(FormatLondon(e.recorded_at)));
    if (e.late) {
      out += " <span class=\"mark\">late: " + std::to_string(e.late_working_days) +
             " working days</span>";
    }
    out += "</td><td>" + HtmlEscape(e.recorded_by) + "</td><td>" + HtmlEscape(e.episode_id) +
           "</td><td>" + HtmlEscape(Join(e.children)) + "</td><td>" + HtmlEscape(e.category) +
           "</td><td class=\"summary\">";
    if (e.significant) out += "<span class=\"mark\">significant</span>";
    if (e.corrected) out += "<span class=\"mark\">corrected</span>";
    out += HtmlEscape(e.summary);
    if (!e.decision.empty())
      out += "<span class=\"correction\">" + HtmlEscape(e.decision) + "</span>";
    if (!e.concern_id.empty()) {
      out += "<span class=\"correction\">Concern " + HtmlEscape(e.concern_id) + ": " +
             HtmlEscape(e.direction_status) + "</span>";
    }
    for (const auto& c : e.corrections) {
      out += "<span class=\"correction\">Corrected (seq " + std::to_string(c.seq) + ") by " +
             HtmlEscape(c.by) + " at " + HtmlEscape(FormatLondon(c.recorded_at)) + ": " +
             HtmlEscape(c.reason) + "</span>";
    }
    if (!e.corrected_summary.empty()) {
      out += "<span class=\"correction\">Now reads: " + HtmlEscape(e.corrected_summary) + "</span>";
    }
    out += "</td><td>" + HtmlEscape(e.source_agency) + "</td></tr>\n";
  }
  return out + "</tbody></table>\n</body></html>\n";
}

}  // namespace caseledger::projections
