// The route table: every route, its roles and parameters (api/openapi.cc describes it).
#include <algorithm>
#include <iterator>
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

namespace {

// The roles that read a family's record.
std::vector<Role> Readers() {
  return {Role::kPractitioner, Role::kTriageManager, Role::kCoordinator, Role::kAuditor};
}
// The roles that append to a family's stream.
std::vector<Role> FamilyWriters() {
  return {Role::kPractitioner, Role::kHelpdesk, Role::kTriageManager, Role::kCoordinator,
          Role::kAdmin};
}
// The roles that oversee every family.
std::vector<Role> Oversight() { return {Role::kTriageManager, Role::kCoordinator, Role::kAuditor}; }

constexpr char kAppendBody[] =
    "{\"expectedVersion\": number or \"any\", \"events\": [{\"eventId\", \"type\", "
    "\"occurredAt\", \"data\"}]} (docs/events.md)";

// A chronology's parameters (the command line's chronology takes the same, api/queries.h).
std::vector<Param> ChronologyParams() {
  return With(AsOfDocs(),
              {P("episode", "string", "only this episode's entries"),
               P("from", "string", "from this day (YYYY-MM-DD, Europe/London)"),
               P("to", "string", "to this day, inclusive"),
               OneOf("category", "comma-separated, any of: " + ChronologyCategoryList(),
                     projections::ChronologyCategories(), /*list=*/true),
               P("significant", "boolean", "only significant entries"),
               P("computed", "boolean",
                 "with the computed entries: missed timescales and unfinished "
                 "states, as on the day (default true)"),
               P("on", "string",
                 "judge the computed entries as on this day (default: the as-of "
                 "day, or today)"),
               OneOf("format", "json (default), csv or html", {"json", "csv", "html"})});
}

// A handler that calls the server's member `f`.
template <class Impl>
Handler Bound(Impl* impl, Result<Reply> (Impl::*f)(const Call&)) {
  return [impl, f](const Call& c) { return (impl->*f)(c); };
}

// A dashboard's figures "as of" go no finer than a day: asOfSeq is refused and asOf is taken at
// the start of its London day, so that a change between two answers cannot be tied to one
// family's event in the (redacted) feed. Other roles' calls are returned as they are.
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
  routes_.clear();
  for (auto area :
       {&Impl::ServiceRoutes, &Impl::WriteRoutes, &Impl::FamilyReadRoutes, &Impl::TriageRoutes,
        &Impl::ReportRoutes, &Impl::FeedRoutes, &Impl::ProofRoutes}) {
    std::vector<Route> routes = (this->*area)();
    std::move(routes.begin(), routes.end(), std::back_inserter(routes_));
  }
}

std::vector<Route> Server::Impl::ServiceRoutes() {
  return {
      {.method = "GET",
       .path = "/healthz",
       .summary = "Liveness, with the log's size and root",
       .schema = "Health",
       .handler = [this](const Call&) -> Result<Reply> {
         ledger::Checkpoint cp = store_.CurrentCheckpoint();
         return Json("{\"status\":\"ok\",\"size\":" + std::to_string(cp.size) +
                     ",\"root\":" + JsonQuote(ledger::ToHex(cp.root)) + "}");
       }},
      {.method = "GET",
       .path = "/metrics",
       .summary = "Prometheus metrics: appends, batches, write latency, requests, lag",
       .answers = "text/plain",
       .handler = Bound(this, &Impl::MetricsText)},
      {.method = "GET",
       .path = "/v1/openapi.json",
       .summary = "This description",
       .handler = [this](const Call&) -> Result<Reply> { return Json(OpenApi()); }},
      {.method = "GET",
       .path = "/v1/session",
       .summary = "Who the token speaks for: actor id, role and token id, and the protective "
                  "marking the pages print (the web pages ask after sign-in)",
       .roles = AllRoles(),
       .schema = "Session",
       .handler = [this](const Call& c) -> Result<Reply> {
         const Principal& p = *c.principal;
         return Json("{\"actorId\":" + JsonQuote(p.actor_id) + ",\"role\":" +
                     JsonQuote(RoleName(p.role)) + ",\"tokenId\":" + JsonQuote(p.token_id) +
                     ",\"marking\":" + JsonQuote(options_.marking) + ",\"purposeRequired\":" +
                     (app_.PurposeRequired(p.role) ? "true" : "false") + "}");
       }},
  };
}

std::vector<Route> Server::Impl::WriteRoutes() {
  return {
      {.method = "POST",
       .path = "/v1/families/{id}/events",
       .summary = "Append events to a family's stream",
       .roles = FamilyWriters(),
       .body = kAppendBody,
       .handler = Bound(this, &Impl::AppendFamily)},
      {.method = "POST",
       .path = "/v1/practitioners/{id}/events",
       .summary = "Append events to a practitioner's stream",
       .roles = {Role::kAdmin},
       .body = kAppendBody,
       .handler = Bound(this, &Impl::AppendPractitioner)},
      {.method = "POST",
       .path = "/v1/families/{id}/documents",
       .summary = "Store a document's bytes (then record it with documentUploaded)",
       .roles = {Role::kPractitioner, Role::kTriageManager, Role::kCoordinator},
       .params = {P("filename", "string", "the document's file name", true)},
       .body = "the document's bytes, with its media type in Content-Type",
       .handler = Bound(this, &Impl::PutDocument)},
      {.method = "POST",
       .path = "/v1/families/{id}/erasure",
       .summary =
           "Erase the family's personal data: record who authorised it and why, then destroy "
           "its keys and documents (refused under a legal hold)",
       .roles = {Role::kAdmin},
       .body = "{\"reason\": why, \"authorisedBy\": who authorised it (an id)}",
       .handler = Bound(this, &Impl::EraseFamily)},
  };
}

// A search's answer: {"query", "families": [{"familyId", "matched", "openEpisodeId",
// "erased", "members": [{"name", "role", "dateOfBirth"}]}], "more"}.
std::string FoundJson(const std::string& query, const Application::Found& found) {
  std::string out = "{\"query\":" + JsonQuote(query) + ",\"families\":[";
  for (size_t i = 0; i < found.families.size(); ++i) {
    const projections::DirectoryMatch& f = found.families[i];
    out += (i ? "," : "") + std::string("{\"familyId\":") + JsonQuote(f.family_id) +
           ",\"matched\":" + JsonQuote(f.matched) + ",\"openEpisodeId\":" +
           (f.open_episode_id.empty() ? "null" : JsonQuote(f.open_episode_id)) +
           ",\"erased\":" + (f.erased ? "true" : "false") + ",\"members\":[";
    for (size_t j = 0; j < f.members.size(); ++j) {
      const projections::DirectoryMember& m = f.members[j];
      out += (j ? "," : "") + std::string("{\"name\":") + JsonQuote(m.name) +
             ",\"role\":" + JsonQuote(m.role) +
             ",\"dateOfBirth\":" + (m.date_of_birth.empty() ? "null" : JsonQuote(m.date_of_birth)) +
             "}";
    }
    out += "]}";
  }
  return out + "],\"more\":" + (found.more ? "true" : "false") + "}";
}

std::vector<Route> Server::Impl::FamilyReadRoutes() {
  return {
      {.method = "GET",
       .path = "/v1/families",
       .summary =
           "Find families by id (any case), a member's name (the start of each word: \"jo "
           "exa\") or a member's date of birth (YYYY-MM-DD or DD/MM/YYYY); at most 20, those the "
           "reader may read; each family listed is recorded in the access log as a search",
       .roles = Readers(),
       .params = {P("q", "string", "what to look for, 2-100 characters", true),
                  P("purpose", "string",
                    "why it is looked for (kept in the access log with the query, at most 200 "
                    "characters)")},
       .schema = "FamiliesFound",
       .handler = [this](const Call& c) -> Result<Reply> {
         const std::string* q = Query(c.query, "q");
         const std::string* purpose = Query(c.query, "purpose");
         if (q == nullptr) {
           return Status::InvalidArgument(
               "q is required: a family id, a member's name or a date of birth", "q");
         }
         CL_ASSIGN_OR_RETURN(auto found,
                             app_.FindFamilies(*c.principal, *q, purpose ? *purpose : ""));
         return Json(FoundJson(*q, found));
       }},
      {.method = "GET",
       .path = "/v1/families/{id}/documents/{sha256}",
       .summary = "A stored document's bytes",
       .roles = Readers(),
       .params = AsOfDocs(),
       .answers = "application/octet-stream",
       .handler = Bound(this, &Impl::GetDocument)},
      {.method = "GET",
       .path = "/v1/families/{id}",
       .summary = "The family's state",
       .roles = Readers(),
       .params = AsOfDocs(),
       .handler = Bound(this, &Impl::FamilyStateView)},
      {.method = "GET",
       .path = "/v1/families/{id}/chronology",
       .summary = "The family's chronology",
       .roles = Readers(),
       .params = ChronologyParams(),
       .handler = Bound(this, &Impl::Chronology)},
      {.method = "GET",
       .path = "/v1/families/{id}/step-up-pack",
       .summary =
           "The step-up pack: consent, keyworker (active or not), TAF members, open and overdue "
           "actions with owners, concerns with directions, every timescale missed, the "
           "significant chronology; as of any moment, logged like any read",
       .roles = Readers(),
       .params = With(AsOfDocs(), {P("on", "string",
                                     "judge timescales as on this day (default: the as-of day, "
                                     "or today)")}),
       .handler = Bound(this, &Impl::StepUpPack)},
      {.method = "GET",
       .path = "/v1/families/{id}/events",
       .summary = "The family's events as recorded",
       .roles = Readers(),
       .params =
           With(AsOfDocs(), {P("fromVersion", "integer", "the first version (default 1)"),
                             P("limit", "integer", "at most this many (default 100, at most 1000)"),
                             P("raw", "boolean", "add the stored bytes, base64 (auditor)")}),
       .handler = Bound(this, &Impl::FamilyEvents)},
      {.method = "GET",
       .path = "/v1/families/{id}/export",
       .summary = "Subject access: the family's complete record in order (json or printable html), "
                  "third parties' entries marked for review before disclosure",
       .roles = Oversight(),
       .params = With(AsOfDocs(), {P("format", "string", "json (default) or html")}),
       .handler = Bound(this, &Impl::SubjectAccess)},
      {.method = "GET",
       .path = "/v1/families/{id}/timescales",
       .summary = "The family's timescales",
       .roles = Readers(),
       .params = With(AsOfDocs(), {P("on", "string", "evaluate as on this day (default today)")}),
       .handler = Bound(this, &Impl::Timescales)},
  };
}

std::vector<Route> Server::Impl::TriageRoutes() {
  return {
      {.method = "GET",
       .path = "/v1/triage/queue",
       .summary =
           "The triage queue: one row per family with an open episode or a concern routed with "
           "none, the one that most needs attention first, each with why (concerns awaiting a "
           "direction and their days waiting, consent, the assessment, breaches, last contact)",
       .roles = Oversight(),
       .params = With(AsOfOnly(),
                      {P("purpose", "string",
                         "why it is read (kept in the access log, at most 200 characters)"),
                       P("on", "string",
                         "judged on this day (default today; as of a moment, that moment's day)")}),
       .handler = [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(auto on, ParseDayParam(c.query, "on"));
         const std::string* purpose = Query(c.query, "purpose");
         return WithOverview(c, [&](const projections::Overview& o) -> Result<Reply> {
           CL_ASSIGN_OR_RETURN(auto queue,
                               app_.TriageQueue(*c.principal, o, on, purpose ? *purpose : ""));
           return Json(projections::QueueJson(queue, o.valid_at()));
         });
       }},
      {.method = "GET",
       .path = "/v1/helpdesk/open-episode",
       .summary = "Whether a family has an open episode, and its keyworker's contact",
       .roles = {Role::kHelpdesk, Role::kPractitioner, Role::kTriageManager, Role::kCoordinator,
                 Role::kAuditor},
       .params = {P("familyId", "string", "the family", true)},
       .handler = Bound(this, &Impl::OpenEpisode)},
      {.method = "GET",
       .path = "/v1/triage/inbox",
       .summary = "Concerns awaiting a triage direction, and CP referrals",
       .roles = Oversight(),
       .params = AsOfOnly(),
       .handler =
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
  };
}

std::vector<Route> Server::Impl::ReportRoutes() {
  return {
      {.method = "GET",
       .path = "/v1/reports/timescales",
       .summary =
           "Timescale counts (no personal data); with from and to, compliance over that period: "
           "every interval due in it, met, met late, breached, stopped (the list of intervals "
           "for the roles that read every family)",
       .roles = AllRoles(),
       .params =
           With(AsOfOnly(), {P("on", "string", "as on this day (default today)"),
                             P("from", "string", "the period's first day (YYYY-MM-DD), with to"),
                             P("to", "string", "the period's last day, inclusive, with from")}),
       .handler = [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(projections::Day on, DayParam(c.query, "on", *ctx_.clock));
         CL_ASSIGN_OR_RETURN(auto period, PeriodParams(c.query));
         const bool items = c.principal->role == Role::kTriageManager ||
                            c.principal->role == Role::kCoordinator ||
                            c.principal->role == Role::kAuditor;
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
      {.method = "GET",
       .path = "/v1/reports/overdue",
       .summary = "Breached timescales of open episodes",
       .roles = Oversight(),
       .params = With(AsOfOnly(), {P("on", "string", "as on this day (default today)")}),
       .handler = [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(projections::Day on, DayParam(c.query, "on", *ctx_.clock));
         return WithOverview(c, [on](const projections::Overview& o) -> Result<Reply> {
           return Json(projections::OverdueJson(o.Overdue(on), on, o.valid_at()));
         });
       }},
  };
}

std::vector<Route> Server::Impl::FeedRoutes() {
  return {
      {.method = "GET",
       .path = "/v1/events",
       .summary = "The global feed (without data for dashboards)",
       .roles = {Role::kAuditor, Role::kDashboard},
       .params = {P("after", "integer", "events with seq after this (default 0)"),
                  P("limit", "integer", "at most this many (default 100, at most 1000)"),
                  P("raw", "boolean", "add the stored bytes, base64 (auditor)")},
       .handler = Bound(this, &Impl::Feed)},
      {.method = "GET",
       .path = "/v1/events/live",
       .summary = "Server-Sent Events of new events; resumes after Last-Event-ID",
       .roles = {Role::kAuditor, Role::kDashboard},
       .params = {P("after", "integer", "start after this seq (default: from now)")},
       .answers = "text/event-stream",
       .handler = Bound(this, &Impl::Live)},
      {.method = "GET",
       .path = "/v1/audit/access",
       .summary = "Who read a family's record, when",
       .roles = {Role::kAuditor},
       .params = {P("familyId", "string", "the family", true),
                  P("after", "integer", "entries with seq after this"),
                  P("limit", "integer", "at most this many (default 100, at most 1000)")},
       .handler = Bound(this, &Impl::AccessList)},
  };
}

std::vector<Route> Server::Impl::ProofRoutes() {
  return {
      {.method = "GET",
       .path = "/v1/ledger/checkpoint",
       .summary = "The current checkpoint, signed (C2SP tlog-checkpoint)",
       .roles = AllRoles(),
       .params = AsOfOnly(),
       .answers = "text/plain",
       .handler = [this](const Call& c) -> Result<Reply> {
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
      {.method = "GET",
       .path = "/v1/ledger/proofs/inclusion",
       .summary = "An inclusion proof for an event",
       .roles = AllRoles(),
       .params = {P("seq", "integer", "the event", true),
                  P("size", "integer", "the tree size (default: current)")},
       .handler = [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(uint64_t seq, UintParam(c.query, "seq", 0, 1, UINT64_MAX / 2));
         CL_ASSIGN_OR_RETURN(uint64_t size, UintParam(c.query, "size", 0, 1, UINT64_MAX / 2));
         CL_ASSIGN_OR_RETURN(std::string json, ledger::InclusionProofJson(store_, seq, size));
         return Json(json);
       }},
      {.method = "GET",
       .path = "/v1/ledger/proofs/consistency",
       .summary = "A consistency proof between two tree sizes",
       .roles = AllRoles(),
       .params = {P("from", "integer", "the older size", true),
                  P("to", "integer", "the newer size (default: current)")},
       .handler = [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(uint64_t from, UintParam(c.query, "from", 0, 1, UINT64_MAX / 2));
         CL_ASSIGN_OR_RETURN(uint64_t to, UintParam(c.query, "to", 0, 1, UINT64_MAX / 2));
         CL_ASSIGN_OR_RETURN(std::string json, ledger::ConsistencyProofJson(store_, from, to));
         return Json(json);
       }},
  };
}

}  // namespace caseledger::api
