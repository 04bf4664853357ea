// The helpers of api/internal/server_impl.h: query parameters, small JSON answers, ids.

#include <set>

#include "api/internal/server_impl.h"
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
  const std::string* text = Query(req, name);
  if (text == nullptr) return fallback;
  uint64_t v = 0;
  bool ok = !text->empty() && text->size() <= 19;
  for (char c : *text) {
    if (c < '0' || c > '9') ok = false;
    if (ok) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || v < min || v > max) {
    return Status::InvalidArgument(
        name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max),
        name);
  }
  return v;
}

Result<bool> BoolParam(const httplib::Params& req, const std::string& name) {
  const std::string* text = Query(req, name);
  if (text == nullptr || *text == "false") return false;
  if (*text == "true") return true;
  return Status::InvalidArgument(name + " must be true or false", name);
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
  const std::string* text = Query(req, name);
  if (text == nullptr) return projections::LondonDay(clock.NowMicros());
  return projections::ParseDay(*text, name);
}

// from and to (YYYY-MM-DD, both or neither, from <= to): a reporting period, or nullopt.
Result<std::optional<std::pair<projections::Day, projections::Day>>> PeriodParams(
    const httplib::Params& req) {
  const std::string* from = Query(req, "from");
  const std::string* to = Query(req, "to");
  if (from == nullptr && to == nullptr)
    return std::optional<std::pair<projections::Day, projections::Day>>();
  if (from == nullptr || to == nullptr) {
    return Status::InvalidArgument("a period needs both from and to (YYYY-MM-DD)",
                                   from == nullptr ? "from" : "to");
  }
  CL_ASSIGN_OR_RETURN(projections::Day first, projections::ParseDay(*from, "from"));
  CL_ASSIGN_OR_RETURN(projections::Day last, projections::ParseDay(*to, "to"));
  if (last < first) return Status::InvalidArgument("to is before from", "to");
  return std::optional<std::pair<projections::Day, projections::Day>>({first, last});
}

// asOf (RFC 3339 recorded time) or asOfSeq; not both.
Result<projections::AsOf> AsOfParams(const httplib::Params& req, std::string* as_of_text) {
  projections::AsOf as_of;
  *as_of_text = "current record";
  const std::string* at = Query(req, "asOf");
  if (at != nullptr && req.count("asOfSeq") != 0) {
    return Status::InvalidArgument("give asOf or asOfSeq, not both", "asOfSeq");
  }
  if (at != nullptr) {
    auto parsed = ledger::ParseRfc3339(*at);
    if (!parsed.ok()) {  // named, not repeated: the value may be personal
      return Status::InvalidArgument(
          "asOf must be an RFC 3339 time with an offset, e.g. 2026-03-02T10:15:00Z", "asOf");
    }
    as_of.recorded_at = *parsed;
    *as_of_text = "as recorded at " + ledger::FormatRfc3339(*parsed);
  }
  CL_ASSIGN_OR_RETURN(as_of.seq, UintParam(req, "asOfSeq", 0, 1, UINT64_MAX / 2));
  if (as_of.seq != 0) *as_of_text = "as recorded up to seq " + std::to_string(as_of.seq);
  return as_of;
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
