#include "api/queries.h"

#include <algorithm>

#include "ledger/event.h"
#include "ledger/time_format.h"

namespace caseledger::api {
namespace {

const std::string* Find(const QueryValues& query, std::string_view param) {
  auto it = query.find(std::string(param));
  return it == query.end() ? nullptr : &it->second;
}

Status Invalid(const std::string& message, std::string_view param, Naming naming) {
  return Status::InvalidArgument(message, ParamName(param, naming));
}

}  // namespace

std::string ParamName(std::string_view param, Naming naming) {
  if (naming == Naming::kApi) return std::string(param);
  std::string out = "--";
  for (char c : param) {
    if (c >= 'A' && c <= 'Z') {
      out += '-';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

Result<uint64_t> ParseUint(const QueryValues& query, std::string_view param, uint64_t fallback,
                           uint64_t min, uint64_t max, Naming naming) {
  const std::string* text = Find(query, param);
  if (text == nullptr) return fallback;
  uint64_t v = 0;
  bool ok = !text->empty() && text->size() <= 19;  // 19 digits cannot overflow 64 bits
  for (char c : *text) {
    if (c < '0' || c > '9') ok = false;
    if (ok) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || v < min || v > max) {
    const std::string name = ParamName(param, naming);
    return Status::InvalidArgument(
        name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max),
        name);
  }
  return v;
}

Result<bool> ParseBool(const QueryValues& query, std::string_view param, bool fallback,
                       Naming naming) {
  const std::string* text = Find(query, param);
  if (text == nullptr) return fallback;
  if (*text == "true") return true;
  if (*text == "false") return false;
  return Invalid(ParamName(param, naming) + " must be true or false", param, naming);
}

Result<std::optional<projections::Day>> ParseDayParam(const QueryValues& query,
                                                      std::string_view param, Naming naming) {
  const std::string* text = Find(query, param);
  if (text == nullptr) return std::optional<projections::Day>();
  CL_ASSIGN_OR_RETURN(projections::Day day, projections::ParseDay(*text, ParamName(param, naming)));
  return std::optional<projections::Day>(day);
}

Result<std::optional<Period>> ParsePeriod(const QueryValues& query, Naming naming) {
  CL_ASSIGN_OR_RETURN(auto from, ParseDayParam(query, "from", naming));
  CL_ASSIGN_OR_RETURN(auto to, ParseDayParam(query, "to", naming));
  if (!from && !to) return std::optional<Period>();
  if (!from || !to) {
    return Invalid("a period needs both " + ParamName("from", naming) + " and " +
                       ParamName("to", naming) + " (YYYY-MM-DD)",
                   from ? "to" : "from", naming);
  }
  if (*to < *from) {
    return Invalid(ParamName("to", naming) + " is before " + ParamName("from", naming), "to",
                   naming);
  }
  return std::optional<Period>(Period{*from, *to});
}

Result<AsOfQuery> ParseAsOf(const QueryValues& query, Naming naming) {
  AsOfQuery out;
  const std::string* at = Find(query, "asOf");
  if (at != nullptr && Find(query, "asOfSeq") != nullptr) {
    return Invalid(
        "give " + ParamName("asOf", naming) + " or " + ParamName("asOfSeq", naming) + ", not both",
        "asOfSeq", naming);
  }
  if (at != nullptr) {
    auto parsed = ledger::ParseRfc3339(*at);
    if (!parsed.ok()) {
      return Invalid(ParamName("asOf", naming) +
                         " must be an RFC 3339 time with an offset, e.g. 2026-03-02T10:15:00Z",
                     "asOf", naming);
    }
    out.as_of.recorded_at = *parsed;
    out.text = "as recorded at " + ledger::FormatRfc3339(*parsed);
  }
  CL_ASSIGN_OR_RETURN(out.as_of.seq, ParseUint(query, "asOfSeq", 0, 1, UINT64_MAX / 2, naming));
  if (out.as_of.seq != 0) out.text = "as recorded up to seq " + std::to_string(out.as_of.seq);
  return out;
}

Result<uint64_t> ResolveAsOf(ledger::Store& store, const AsOfQuery& as_of, Naming naming) {
  const uint64_t size = store.Size();
  if (as_of.as_of.seq > size) {
    return Invalid(ParamName("asOfSeq", naming) + " " + std::to_string(as_of.as_of.seq) +
                       " is beyond the log (size " + std::to_string(size) + ")",
                   "asOfSeq", naming);
  }
  return projections::ResolveAsOf(store, as_of.as_of);
}

std::string_view FormatName(ChronologyFormat format) {
  switch (format) {
    case ChronologyFormat::kJson:
      return "json";
    case ChronologyFormat::kCsv:
      return "csv";
    case ChronologyFormat::kHtml:
      return "html";
  }
  return "json";
}

std::string ChronologyCategoryList() {
  std::string out;
  for (const std::string& c : projections::ChronologyCategories()) {
    out += (out.empty() ? "" : ", ") + c;
  }
  return out;
}

Result<ChronologyQuery> ParseChronologyQuery(const QueryValues& query, Naming naming) {
  ChronologyQuery out;
  if (const std::string* episode = Find(query, "episode")) {
    if (!ledger::IsValidId(*episode)) {
      return Invalid(ParamName("episode", naming) + " must be 1-64 characters of A-Z a-z 0-9 - _",
                     "episode", naming);
    }
    out.filter.episode = *episode;
  }
  CL_ASSIGN_OR_RETURN(out.filter.from, ParseDayParam(query, "from", naming));
  CL_ASSIGN_OR_RETURN(out.filter.to, ParseDayParam(query, "to", naming));
  if (out.filter.from && out.filter.to && *out.filter.to < *out.filter.from) {
    return Invalid(ParamName("to", naming) + " is before " + ParamName("from", naming), "to",
                   naming);
  }
  if (const std::string* categories = Find(query, "category")) {
    const auto& known = projections::ChronologyCategories();
    for (size_t start = 0; start <= categories->size();) {
      size_t comma = categories->find(',', start);
      if (comma == std::string::npos) comma = categories->size();
      std::string one = categories->substr(start, comma - start);
      if (std::find(known.begin(), known.end(), one) == known.end()) {
        return Invalid(ParamName("category", naming) +
                           " must be a comma-separated list of the chronology's categories: " +
                           ChronologyCategoryList(),
                       "category", naming);
      }
      out.filter.categories.insert(std::move(one));
      start = comma + 1;
    }
  }
  CL_ASSIGN_OR_RETURN(out.filter.significant_only, ParseBool(query, "significant", false, naming));
  CL_ASSIGN_OR_RETURN(out.computed, ParseBool(query, "computed", true, naming));
  CL_ASSIGN_OR_RETURN(out.on, ParseDayParam(query, "on", naming));
  if (const std::string* format = Find(query, "format")) {
    bool known = false;
    for (auto f : {ChronologyFormat::kJson, ChronologyFormat::kCsv, ChronologyFormat::kHtml}) {
      if (*format == FormatName(f)) {
        out.format = f;
        known = true;
      }
    }
    if (!known) {
      return Invalid(ParamName("format", naming) + " must be json, csv or html", "format", naming);
    }
  }
  return out;
}

}  // namespace caseledger::api
