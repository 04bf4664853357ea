// The route table (every route of EVENTS.md, its roles and parameters) and the OpenAPI
// description made from it.
#include <algorithm>
#include <map>
#include <set>

#include "api/internal/server_impl.h"
#include "api/policy.h"
#include "api/queries.h"
#include "ledger/proof_json.h"
#include "ledger/time_format.h"

namespace caseledger::api {

using ledger::JsonQuote;
using namespace internal;

// ---------------------------------------------------------------- the route table

// A dashboard's figures "as of" go no finer than a day: asOfSeq is refused and asOf is taken at
// the start of its London day, so that a change between two answers cannot be tied to one
// family's event in the (redacted) feed. Other roles' calls are returned as they are.
namespace {
Result<Call> DayResolution(const Call& c) {
  Call out{c.req, c.query, c.principal};
  if (c.principal->role != Role::kDashboard) return out;
  if (Query(c.query, "asOfSeq") != nullptr) {
    return Status::InvalidArgument(
        "a dashboard asks for figures as of a day (asOf=YYYY-MM-DDT00:00:00Z), not as of a seq: "
        "figures one event apart could tell which family's event changed them",
        "asOfSeq");
  }
  if (const std::string* at = Query(c.query, "asOf")) {
    auto parsed = ledger::ParseRfc3339(*at);
    if (!parsed.ok()) {
      return Status::InvalidArgument(
          "asOf must be an RFC 3339 time with an offset, e.g. 2026-03-02T00:00:00Z", "asOf");
    }
    const int64_t midnight = projections::LondonMidnight(projections::LondonDay(*parsed));
    for (auto& [name, value] : out.query) {
      if (name == "asOf") value = ledger::FormatRfc3339(midnight);
    }
  }
  return out;
}
}  // namespace

void Server::Impl::DefineRoutes() {
  using R = Role;
  const std::vector<Role> kAll = AllRoles();
  const std::vector<Role> kReaders = {R::kPractitioner, R::kTriageManager, R::kCoordinator,
                                      R::kAuditor};
  const std::vector<Role> kFamilyWriters = {R::kPractitioner, R::kHelpdesk, R::kTriageManager,
                                            R::kCoordinator, R::kAdmin};
  const std::vector<Role> kOversight = {R::kTriageManager, R::kCoordinator, R::kAuditor};
  auto bind = [this](Result<Reply> (Impl::*f)(const Call&)) {
    return [this, f](const Call& c) { return (this->*f)(c); };
  };
  const std::string kAppendBody =
      "{\"expectedVersion\": number or \"any\", \"events\": [{\"eventId\", \"type\", "
      "\"occurredAt\", \"data\"}]} (EVENTS.md)";

  routes_ = {
      {"GET",
       "/healthz",
       "Liveness, with the log's size and root",
       {},
       {},
       "",
       "application/json",
       [this](const Call&) -> Result<Reply> {
         ledger::Checkpoint cp = store_.CurrentCheckpoint();
         return Json("{\"status\":\"ok\",\"size\":" + std::to_string(cp.size) +
                     ",\"root\":" + JsonQuote(ledger::ToHex(cp.root)) + "}");
       }},
      {"GET",
       "/metrics",
       "Prometheus metrics: appends, batches, write latency, requests, lag",
       {},
       {},
       "",
       "text/plain",
       bind(&Impl::MetricsText)},
      {"GET",
       "/v1/openapi.json",
       "This description",
       {},
       {},
       "",
       "application/json",
       [this](const Call&) -> Result<Reply> { return Json(OpenApi()); }},
      {"GET",
       "/v1/session",
       "Who the token speaks for: actor id, role and token id (the web pages ask after sign-in)",
       kAll,
       {},
       "",
       "application/json",
       [](const Call& c) -> Result<Reply> {
         const Principal& p = *c.principal;
         return Json("{\"actorId\":" + JsonQuote(p.actor_id) + ",\"role\":" +
                     JsonQuote(RoleName(p.role)) + ",\"tokenId\":" + JsonQuote(p.token_id) + "}");
       }},
      {"POST",
       "/v1/families/{id}/events",
       "Append events to a family's stream",
       kFamilyWriters,
       {},
       kAppendBody,
       "application/json",
       bind(&Impl::AppendFamily)},
      {"POST",
       "/v1/practitioners/{id}/events",
       "Append events to a practitioner's stream",
       {R::kAdmin},
       {},
       kAppendBody,
       "application/json",
       bind(&Impl::AppendPractitioner)},
      {"POST",
       "/v1/families/{id}/documents",
       "Store a document's bytes (then record it with documentUploaded)",
       {R::kPractitioner, R::kTriageManager, R::kCoordinator},
       {P("filename", "string", "the document's file name", true)},
       "the document's bytes, with its media type in Content-Type",
       "application/json",
       bind(&Impl::PutDocument)},
      {"GET", "/v1/families/{id}/documents/{sha256}", "A stored document's bytes", kReaders,
       AsOfDocs(), "", "application/octet-stream", bind(&Impl::GetDocument)},
      {"GET", "/v1/families/{id}", "The family's state", kReaders, AsOfDocs(), "",
       "application/json", bind(&Impl::FamilyStateView)},
      {"GET", "/v1/families/{id}/chronology", "The family's chronology", kReaders,
       With(AsOfDocs(),
            {P("episode", "string", "only this episode's entries"),
             P("from", "string", "from this day (YYYY-MM-DD, Europe/London)"),
             P("to", "string", "to this day, inclusive"),
             P("category", "string", "comma-separated, any of: " + ChronologyCategoryList()),
             P("significant", "boolean", "only significant entries"),
             P("computed", "boolean",
               "with the computed entries: missed timescales and unfinished "
               "states, as on the day (default true)"),
             P("on", "string",
               "judge the computed entries as on this day (default: the as-of "
               "day, or today)"),
             P("format", "string", "json (default), csv or html")}),
       "", "application/json", bind(&Impl::Chronology)},
      {"GET", "/v1/families/{id}/step-up-pack",
       "The step-up pack: consent, keyworker (active or not), TAF members, open and overdue "
       "actions with owners, concerns with directions, every timescale missed, the significant "
       "chronology; as of any moment, logged like any read",
       kReaders,
       With(AsOfDocs(), {P("on", "string",
                           "judge timescales as on this day (default: the as-of day, or today)")}),
       "", "application/json", bind(&Impl::StepUpPack)},
      {"GET", "/v1/families/{id}/events", "The family's events as recorded", kReaders,
       With(AsOfDocs(), {P("fromVersion", "integer", "the first version (default 1)"),
                         P("limit", "integer", "at most this many (default 100, at most 1000)"),
                         P("raw", "boolean", "add the stored bytes, base64 (auditor)")}),
       "", "application/json", bind(&Impl::FamilyEvents)},
      {"GET", "/v1/families/{id}/export",
       "Subject access: the family's complete record in order (json or printable html), third "
       "parties' entries marked for review before disclosure",
       kOversight, With(AsOfDocs(), {P("format", "string", "json (default) or html")}), "",
       "application/json", bind(&Impl::SubjectAccess)},
      {"POST",
       "/v1/families/{id}/erasure",
       "Erase the family's personal data: record who authorised it and why, then destroy its "
       "keys and documents (refused under a legal hold)",
       {R::kAdmin},
       {},
       "{\"reason\": why, \"authorisedBy\": who authorised it (an id)}",
       "application/json",
       bind(&Impl::EraseFamily)},
      {"GET", "/v1/families/{id}/timescales", "The family's timescales", kReaders,
       With(AsOfDocs(), {P("on", "string", "evaluate as on this day (default today)")}), "",
       "application/json", bind(&Impl::Timescales)},
      {"GET",
       "/v1/helpdesk/open-episode",
       "Whether a family has an open episode, and its keyworker's contact",
       {R::kHelpdesk, R::kPractitioner, R::kTriageManager, R::kCoordinator, R::kAuditor},
       {P("familyId", "string", "the family", true)},
       "",
       "application/json",
       bind(&Impl::OpenEpisode)},
      {"GET", "/v1/triage/inbox", "Concerns awaiting a triage direction, and CP referrals",
       kOversight, AsOfOnly(), "", "application/json",
       [this](const Call& c) {
         return WithOverview(c, [this, &c](const projections::Overview& o) -> Result<Reply> {
           auto inbox = o.Inbox();
           auto referrals = o.Referrals();
           // A family's concern shown is a view of its record: one access record per family.
           std::set<std::string> families;
           for (const auto* list : {&inbox, &referrals}) {
             for (const auto& item : *list) families.insert(item.family_id);
           }
           CL_RETURN_IF_ERROR(RecordRead(*c.principal, {families.begin(), families.end()},
                                         ledger::AccessView::kTriageInbox, ""));
           return Json(projections::InboxJson(inbox, referrals, o.valid_at()));
         });
       }},
      {"GET", "/v1/reports/timescales",
       "Timescale counts (no personal data); with from and to, compliance over that period: "
       "every interval due in it, met, met late, breached, stopped (the list of intervals for "
       "the roles that read every family)",
       kAll,
       With(AsOfOnly(), {P("on", "string", "as on this day (default today)"),
                         P("from", "string", "the period's first day (YYYY-MM-DD), with to"),
                         P("to", "string", "the period's last day, inclusive, with from")}),
       "", "application/json",
       [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(projections::Day on, DayParam(c.query, "on", *ctx_.clock));
         CL_ASSIGN_OR_RETURN(auto period, PeriodParams(c.query));
         const bool items = c.principal->role == R::kTriageManager ||
                            c.principal->role == R::kCoordinator ||
                            c.principal->role == R::kAuditor;
         CL_ASSIGN_OR_RETURN(Call asked, DayResolution(c));
         return WithOverview(
             asked, [on, period, items](const projections::Overview& o) -> Result<Reply> {
               std::string json = o.CountsJson(on);
               if (period) {
                 json.pop_back();  // the closing brace: the period goes inside
                 json +=
                     ",\"period\":" + o.ComplianceJson(period->first, period->second, on, items) +
                     "}";
               }
               return Json(json);
             });
       }},
      {"GET", "/v1/reports/overdue", "Breached timescales of open episodes", kOversight,
       With(AsOfOnly(), {P("on", "string", "as on this day (default today)")}), "",
       "application/json",
       [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(projections::Day on, DayParam(c.query, "on", *ctx_.clock));
         return WithOverview(c, [on](const projections::Overview& o) -> Result<Reply> {
           return Json(projections::OverdueJson(o.Overdue(on), on, o.valid_at()));
         });
       }},
      {"GET",
       "/v1/events",
       "The global feed (without data for dashboards)",
       {R::kAuditor, R::kDashboard},
       {P("after", "integer", "events with seq after this (default 0)"),
        P("limit", "integer", "at most this many (default 100, at most 1000)"),
        P("raw", "boolean", "add the stored bytes, base64 (auditor)")},
       "",
       "application/json",
       bind(&Impl::Feed)},
      {"GET",
       "/v1/events/live",
       "Server-Sent Events of new events; resumes after Last-Event-ID",
       {R::kAuditor, R::kDashboard},
       {P("after", "integer", "start after this seq (default: from now)")},
       "",
       "text/event-stream",
       bind(&Impl::Live)},
      {"GET", "/v1/ledger/checkpoint", "The current checkpoint, signed (C2SP tlog-checkpoint)",
       kAll, AsOfOnly(), "", "text/plain",
       [this](const Call& c) -> Result<Reply> {
         std::string as_of_text;
         CL_ASSIGN_OR_RETURN(projections::AsOf as_of, AsOfParams(c.query, &as_of_text));
         ledger::Checkpoint cp = store_.CurrentCheckpoint();
         if (!as_of.now()) {
           CL_ASSIGN_OR_RETURN(cp.size, projections::ResolveAsOf(store_, as_of));
           CL_ASSIGN_OR_RETURN(cp.root, store_.Root(cp.size));
         }
         Reply r;
         r.type = "text/plain; charset=utf-8";
         if (ctx_.signer == nullptr) {
           return Status::Unavailable("the server has no checkpoint signing key");
         }
         CL_ASSIGN_OR_RETURN(r.body, ledger::SignNote(cp.ToText(), *ctx_.signer));
         return r;
       }},
      {"GET",
       "/v1/ledger/proofs/inclusion",
       "An inclusion proof for an event",
       kAll,
       {P("seq", "integer", "the event", true),
        P("size", "integer", "the tree size (default: current)")},
       "",
       "application/json",
       [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(uint64_t seq, UintParam(c.query, "seq", 0, 1, UINT64_MAX / 2));
         CL_ASSIGN_OR_RETURN(uint64_t size, UintParam(c.query, "size", 0, 1, UINT64_MAX / 2));
         CL_ASSIGN_OR_RETURN(std::string json, ledger::InclusionProofJson(store_, seq, size));
         return Json(json);
       }},
      {"GET",
       "/v1/ledger/proofs/consistency",
       "A consistency proof between two tree sizes",
       kAll,
       {P("from", "integer", "the older size", true),
        P("to", "integer", "the newer size (default: current)")},
       "",
       "application/json",
       [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(uint64_t from, UintParam(c.query, "from", 0, 1, UINT64_MAX / 2));
         CL_ASSIGN_OR_RETURN(uint64_t to, UintParam(c.query, "to", 0, 1, UINT64_MAX / 2));
         CL_ASSIGN_OR_RETURN(std::string json, ledger::ConsistencyProofJson(store_, from, to));
         return Json(json);
       }},
      {"GET",
       "/v1/audit/access",
       "Who read a family's record, when",
       {R::kAuditor},
       {P("familyId", "string", "the family", true),
        P("after", "integer", "entries with seq after this"),
        P("limit", "integer", "at most this many (default 100, at most 1000)")},
       "",
       "application/json",
       bind(&Impl::AccessList)},
  };
}

std::string Server::Impl::OpenApi() const {
  std::map<std::string, std::vector<const Route*>> by_path;
  for (const Route& r : routes_) by_path[r.path].push_back(&r);
  std::string out =
      "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"caseledger\",\"version\":\"1\","
      "\"description\":\"The audit ledger of early help case records. EVENTS.md is the "
      "contract; errors are {\\\"error\\\": {\\\"code\\\", \\\"message\\\", ...}}.\"},"
      "\"components\":{\"securitySchemes\":{\"bearer\":{\"type\":\"http\",\"scheme\":"
      "\"bearer\"}}},\"paths\":{";
  bool first_path = true;
  for (const auto& [path, routes] : by_path) {
    out += (first_path ? "" : ",") + JsonQuote(path) + ":{";
    first_path = false;
    for (size_t i = 0; i < routes.size(); ++i) {
      const Route& r = *routes[i];
      std::string method = r.method;
      std::transform(method.begin(), method.end(), method.begin(), ::tolower);
      out += (i ? "," : "") + JsonQuote(method) + ":{\"summary\":" + JsonQuote(r.summary);
      out += ",\"x-roles\":[";
      for (size_t k = 0; k < r.roles.size(); ++k)
        out += (k ? "," : "") + JsonQuote(RoleName(r.roles[k]));
      out += "]";
      if (!r.roles.empty()) out += ",\"security\":[{\"bearer\":[]}]";
      out += ",\"parameters\":[";
      bool first = true;
      for (const auto& name : PathParams(r.path)) {
        out += (first ? "" : ",") + std::string("{\"name\":") + JsonQuote(name) +
               ",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}}";
        first = false;
      }
      for (const Param& p : r.params) {
        out += (first ? "" : ",") + std::string("{\"name\":") + JsonQuote(p.name) +
               ",\"in\":\"query\",\"required\":" + (p.required ? "true" : "false") +
               ",\"description\":" + JsonQuote(p.description) +
               ",\"schema\":{\"type\":" + JsonQuote(p.type) + "}}";
        first = false;
      }
      out += "]";
      if (!r.body.empty()) {
        out += ",\"requestBody\":{\"required\":true,\"description\":" + JsonQuote(r.body) +
               ",\"content\":{\"" +
               std::string(r.method == "POST" && r.path.ends_with("/documents")
                               ? "application/octet-stream"
                               : "application/json") +
               "\":{}}}";
      }
      out += ",\"responses\":{\"200\":{\"description\":\"the answer\",\"content\":{" +
             JsonQuote(r.answers) + ":{}}}";
      if (r.method == "POST") out += ",\"201\":{\"description\":\"appended or stored\"}";
      out += ",\"400\":{\"description\":\"malformed: error.field names it\"}";
      if (!r.roles.empty()) {
        out +=
            ",\"401\":{\"description\":\"no or bad token\"},\"403\":{\"description\":"
            "\"role not allowed\"}";
      }
      if (r.method == "POST" && r.path.ends_with("/events")) {
        out +=
            ",\"409\":{\"description\":\"expected version differs\"},\"413\":{"
            "\"description\":\"body over the limit\"},\"422\":{\"description\":\"a "
            "DOMAIN.md rule refused it: error.rule\"}";
      }
      if (r.method == "POST" && r.path.ends_with("/documents")) {
        out += ",\"415\":{\"description\":\"a media type off the allow-list: error.allowed\"}";
      }
      if (ExpensiveRequest(r.method, r.path, {{"asOf", ""}, {"format", "csv"}})) {
        out +=
            ",\"429\":{\"description\":\"the token's expensive requests are used up: wait "
            "Retry-After seconds\"}";
      }
      out +=
          ",\"404\":{\"description\":\"not found\"},\"503\":{\"description\":\"the ledger "
          "cannot answer now\"}}}";
    }
    out += "}";
  }
  return out + "}}";
}

}  // namespace caseledger::api
