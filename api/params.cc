// The helpers of api/internal/server_impl.h: query parameters (through the parsers the
// command line shares, api/queries.h), small JSON answers, ids.

#include <set>

#include "api/internal/server_impl.h"
#include "api/queries.h"
#include "ledger/time_format.h"

namespace caseledger::api::internal {

using ledger::JsonQuote;

std::string Regex(const std::string& path_template) {
  std::string out;
  for (size_t i = 0; i < path_template.size(); ++i) {
    if (path_template[i] == '{') {
      i = path_template.find('}', i);
      out += "([^/]+)";
    } else {
      out.push_back(path_template[i]);
    }
  }
  return out;
}

std::vector<std::string> PathParams(const std::string& path_template) {
  std::vector<std::string> out;
  for (size_t i = path_template.find('{'); i != std::string::npos;
       i = path_template.find('{', i + 1)) {
    out.push_back(path_template.substr(i + 1, path_template.find('}', i) - i - 1));
  }
  return out;
}

std::string RoleList(const std::vector<Role>& roles) {
  std::string out;
  for (size_t i = 0; i < roles.size(); ++i)
    out += (i ? ", " : "") + std::string(RoleName(roles[i]));
  return out;
}

// ---------------------------------------------------------------- parameters

const std::string* Query(const httplib::Params& query, const std::string& name) {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

Result<uint64_t> UintParam(const httplib::Params& req, const std::string& name, uint64_t fallback,
                           uint64_t min, uint64_t max) {
  return ParseUint(req, name, fallback, min, max);
}

Result<bool> BoolParam(const httplib::Params& req, const std::string& name) {
  return ParseBool(req, name, false);
}

Result<std::string> IdParam(const std::string& value, const std::string& name) {
  if (!ledger::IsValidId(value)) {
    return Status::InvalidArgument(name + " must be 1-64 characters of A-Z a-z 0-9 - _", name);
  }
  return value;
}

Result<std::string> RequiredQuery(const httplib::Params& req, const std::string& name) {
  const std::string* text = Query(req, name);
  if (text == nullptr || text->empty()) {
    return Status::InvalidArgument("the query parameter " + name + " is required", name);
  }
  return *text;
}

// The day `name` gives (YYYY-MM-DD), or today in Europe/London.
Result<projections::Day> DayParam(const httplib::Params& req, const std::string& name,
                                  ledger::Clock& clock) {
  CL_ASSIGN_OR_RETURN(std::optional<projections::Day> day, ParseDayParam(req, name));
  return day ? *day : projections::LondonDay(clock.NowMicros());
}

Result<std::optional<std::pair<projections::Day, projections::Day>>> PeriodParams(
    const httplib::Params& req) {
  CL_ASSIGN_OR_RETURN(std::optional<Period> period, ParsePeriod(req));
  if (!period) return std::optional<std::pair<projections::Day, projections::Day>>();
  return std::optional<std::pair<projections::Day, projections::Day>>({period->from, period->to});
}

Result<projections::AsOf> AsOfParams(const httplib::Params& req, std::string* as_of_text) {
  CL_ASSIGN_OR_RETURN(AsOfQuery parsed, ParseAsOf(req));
  *as_of_text = parsed.text;
  return parsed.as_of;
}

// asOf and asOfSeq.
const std::vector<Param>& AsOfOnly() {
  static const std::vector<Param> params = {
      P("asOf", "string", "RFC 3339: as the log stood at this recorded time"),
      P("asOfSeq", "integer", "as the log stood after this seq"),
  };
  return params;
}

// asOf, asOfSeq and purpose: the parameters of every family read.
const std::vector<Param>& AsOfDocs() {
  static const std::vector<Param> params = [] {
    std::vector<Param> out = AsOfOnly();
    out.push_back(
        P("purpose", "string", "why it is read (kept in the access log, at most 200 characters)"));
    out.push_back(P("page", "string",
                    "an id the client makes for one page view (1-64 of A-Z a-z 0-9 - _): the "
                    "reads of a family with the same id within a minute are recorded once"));
    return out;
  }();
  return params;
}

std::vector<Param> With(std::vector<Param> params, const std::vector<Param>& more) {
  params.insert(params.end(), more.begin(), more.end());
  return params;
}

std::string AppendResultJson(const ledger::AppendResult& r, bool with_versions) {
  auto version = [&](uint32_t v) { return with_versions ? std::to_string(v) : "null"; };
  std::string out = "{\"version\":" + version(r.version) + ",\"events\":[";
  for (size_t i = 0; i < r.events.size(); ++i) {
    const auto& e = r.events[i];
    out += (i ? "," : "");
    out += "{\"seq\":" + std::to_string(e.seq) + ",\"version\":" + version(e.version) +
           ",\"eventId\":" + JsonQuote(e.event_id.ToString()) +
           ",\"recordedAt\":" + JsonQuote(ledger::FormatRfc3339(e.recorded_at)) +
           ",\"leafHash\":" + JsonQuote(ledger::ToHex(e.leaf_hash)) + "}";
  }
  return out + "]}";
}

// An event without its data or actor: what a dashboard may see of the feed.
std::string RedactedEventJson(const ledger::RecordedEvent& e) {
  return "{\"seq\":" + std::to_string(e.seq) + ",\"stream\":" + JsonQuote(e.stream) +
         ",\"version\":" + std::to_string(e.version) + ",\"type\":" + JsonQuote(e.type) +
         ",\"occurredAt\":" + JsonQuote(ledger::FormatRfc3339(e.occurred_at)) +
         ",\"recordedAt\":" + JsonQuote(ledger::FormatRfc3339(e.recorded_at)) +
         ",\"leafHash\":" + JsonQuote(ledger::ToHex(e.leaf_hash)) + "}";
}

std::vector<std::string> FamiliesOf(const std::vector<ledger::RecordedEvent>& events) {
  std::set<std::string> families;
  for (const auto& e : events) {
    if (auto id = projections::FamilyIdOf(e.stream); !id.empty()) families.emplace(id);
  }
  return {families.begin(), families.end()};
}

}  // namespace caseledger::api::internal
