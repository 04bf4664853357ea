// The server's insides, shared by server.cc (dispatch, auth, logs), handlers.cc (what each
// route does) and routes.cc (the route table and the OpenAPI description it makes).
// Private to api/.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/application.h"
#include "api/documents.h"
#include "api/internal/connection.h"
#include "api/limits.h"
#include "api/metrics.h"
#include "api/server.h"
#include "ledger/access_view.h"
#include "ledger/domain_event.h"
#include "ledger/json_codec.h"
#include "projections/family_cache.h"
#include "projections/overview_checkpoints.h"
#include "projections/views.h"

namespace caseledger::api {
namespace internal {

namespace ev = ledger::ev;

inline constexpr size_t kMaxPage = 1000;
inline constexpr size_t kDefaultPage = 100;
inline constexpr size_t kMaxPurpose = 200;
inline constexpr size_t kMaxFilename = 255;

// A query parameter a route takes (also its OpenAPI description).
struct Param {
  std::string name;
  std::string type;  // "string", "integer", "boolean"
  std::string description;
  bool required = false;
  // When not empty, the values it takes (OpenAPI's enum); with `list`, a comma-separated list
  // of them (an array, style form, not exploded), so a client (the pages' filters) reads the
  // choices from the document instead of a copy of them.
  std::vector<std::string> values;
  bool list = false;
};

inline Param P(std::string name, std::string type, std::string description, bool required = false) {
  return Param{std::move(name), std::move(type), std::move(description), required, {}, false};
}
// A parameter taking one of `values` (list false) or a comma-separated list of them.
inline Param OneOf(std::string name, std::string description, std::vector<std::string> values,
                   bool list = false) {
  return Param{std::move(name), "string", std::move(description), false, std::move(values), list};
}

// One request as a handler sees it.
struct Call {
  const httplib::Request& req;
  // The query of the URL only (cpp-httplib also puts a form body's fields in req.params).
  httplib::Params query;
  const Principal* principal = nullptr;  // null on open routes
  std::string Path(size_t i) const { return req.matches[i]; }
};

// A handler's answer. `stream`, when set, writes a streamed body instead of `body`.
struct Reply {
  int status = 200;
  std::string type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::function<void(httplib::Response&)> stream;
};

inline Reply Json(std::string body, int status = 200) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

using Handler = std::function<Result<Reply>(const Call&)>;

// One route of the table (routes.cc), written with designated initialisers. The fields with
// no default must be given (GCC's -Wmissing-field-initializers, on with -Wextra, names one
// left out).
struct Route {
  std::string method;            // GET, POST
  std::string path;              // OpenAPI template: /v1/families/{id}
  std::string summary;           // one line
  std::vector<Role> roles = {};  // empty: open (no token)
  std::vector<Param> params = {};
  std::string body = {};                     // request body, described; empty: none
  std::string answers = "application/json";  // response content type
  std::string schema = {};  // the answer's schema among the OpenAPI components; empty: not yet
  Handler handler;
};

// What the request logger needs of the handler that ran on this thread.

// ---------------------------------------------------------------- helpers (params.cc)

// A route template's regular expression ("{id}" -> "([^/]+)") and its path parameters.
std::string Regex(const std::string& path_template);
std::vector<std::string> PathParams(const std::string& path_template);
std::string RoleList(const std::vector<Role>& roles);

// Query parameters: each fails with kInvalidArgument naming the parameter.
const std::string* Query(const httplib::Params& query, const std::string& name);
Result<uint64_t> UintParam(const httplib::Params& query, const std::string& name, uint64_t fallback,
                           uint64_t min, uint64_t max);
Result<bool> BoolParam(const httplib::Params& query, const std::string& name);
Result<std::string> IdParam(const std::string& value, const std::string& name);
Result<std::string> RequiredQuery(const httplib::Params& query, const std::string& name);
// The day `name` gives (YYYY-MM-DD), or today in Europe/London.
Result<projections::Day> DayParam(const httplib::Params& query, const std::string& name,
                                  ledger::Clock& clock);
// from and to (YYYY-MM-DD, both or neither; from <= to): a reporting period, or nullopt.
// kInvalidArgument naming the parameter otherwise.
Result<std::optional<std::pair<projections::Day, projections::Day>>> PeriodParams(
    const httplib::Params& query);
// asOf (RFC 3339 recorded time) or asOfSeq; not both. `as_of_text` says which, for people.
Result<projections::AsOf> AsOfParams(const httplib::Params& query, std::string* as_of_text);
// The parameter lists the routes share (for the table and OpenAPI).
const std::vector<Param>& AsOfOnly();
const std::vector<Param>& AsOfDocs();
std::vector<Param> With(std::vector<Param> params, const std::vector<Param>& more);

// `with_versions` false: every version null (an answer that must not tell a stream's length).
std::string AppendResultJson(const ledger::AppendResult& r, bool with_versions = true);
// The 408's JSON error: the request did not arrive whole within `seconds` of its first byte.
std::string RequestTimeoutJson(int seconds);
// An event without its data or actor: what a dashboard may see of the feed.
std::string RedactedEventJson(const ledger::RecordedEvent& e);
// The ids of the families whose streams hold `events` (each once, sorted).
std::vector<std::string> FamiliesOf(const std::vector<ledger::RecordedEvent>& events);

}  // namespace internal

// The use cases' context with the policy the server's options set.
inline AppContext WithPolicy(AppContext ctx, const ServerOptions& options) {
  ctx.purpose_required = options.purpose_required;
  return ctx;
}

class Server::Impl {
  using Call = internal::Call;
  using Reply = internal::Reply;
  using Route = internal::Route;
  using FamilyState = projections::FamilyState;

 public:
  Impl(ServerContext ctx, ServerOptions options)
      : ctx_(ctx),
        options_(std::move(options)),
        store_(*ctx.store),
        http_(internal::NewDeadlineServer(
            options_.tls_cert, options_.tls_key, static_cast<size_t>(std::max(2, options_.threads)),
            std::chrono::seconds(options_.request_read_seconds),
            internal::RequestTimeoutJson(options_.request_read_seconds),
            [this](double seconds) { RequestTimedOut(seconds); })),
        rate_limiter_(options_.expensive_burst, options_.expensive_per_minute),
        live_slots_(options_.max_live_streams, options_.max_live_streams_per_role > 0
                                                   ? options_.max_live_streams_per_role
                                                   : std::max(1, options_.max_live_streams / 2)),
        pending_documents_(*ctx.store, *ctx.clock,
                           options_.unrecorded_document_seconds * int64_t{1'000'000}),
        checkpoints_(*ctx.store, *ctx.calendar, options_.overview_checkpoint_interval),
        app_(WithPolicy(ctx, options_)) {
    app_.OnAppend([this] { Appended(); });
    Configure();
    DefineRoutes();
    for (const Route& r : routes_) Register(r);
    RegisterPages();
  }

  void Configure();
  void DefineRoutes();
  // DefineRoutes' parts, by area, in the table's order (routes.cc).
  std::vector<Route> ServiceRoutes();     // health, metrics, this description, the session
  std::vector<Route> WriteRoutes();       // appends, documents, erasure
  std::vector<Route> FamilyReadRoutes();  // one family's record, as of a moment
  std::vector<Route> TriageRoutes();      // the helpdesk's question, the triage inbox
  std::vector<Route> ReportRoutes();      // cross-family figures (dashboards too)
  std::vector<Route> FeedRoutes();        // the feeds and the access log, for auditors
  std::vector<Route> ProofRoutes();       // the checkpoint and Merkle proofs
  void Register(const Route& route);
  // The web pages (api/web/): open files; what they show comes from the routes above.
  void RegisterPages();
  std::string OpenApi() const;

  // Stops the live streams, then the listener.
  void Stop() {
    {
      std::lock_guard lock(feed_mu_);
      stopping_ = true;
    }
    feed_cv_.notify_all();
    {
      std::lock_guard lock(sweep_mu_);
      sweep_stopping_ = true;
    }
    sweep_cv_.notify_all();
    http_->stop();
  }

  ServerContext ctx_;
  ServerOptions options_;
  ledger::Store& store_;
  std::unique_ptr<httplib::Server> http_;
  std::vector<Route> routes_;
  api::Metrics metrics_;

  std::mutex feed_mu_;
  std::condition_variable feed_cv_;
  bool stopping_ = false;
  std::atomic<int> live_streams_{0};
  // The periodic sweep of documents never recorded (Server::Run): its own wake-up, so that
  // appends (which wake the live feeds) do not wake it.
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool sweep_stopping_ = false;
  // Bounded work per caller (limits.h) and documents not yet recorded (documents.h).
  internal::RateLimiter rate_limiter_;
  internal::LiveSlots live_slots_;
  internal::PendingDocuments pending_documents_;
  projections::OverviewCheckpoints checkpoints_;
  // The use cases (application.h): the routes parse, call it and render.
  Application app_;

 private:
  static void SendError(httplib::Response& res, const Status& status) {
    res.status = HttpStatus(status);
    res.set_content(ledger::StatusToJson(status), "application/json");
    if (status.code() == Code::kUnauthenticated) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"caseledger\"");
    }
  }
  void Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res);
  Result<Principal> Authenticate(const httplib::Request& req);
  void Appended() { feed_cv_.notify_all(); }
  // Logs and counts a 408 written before a request line was read (internal/connection.h).
  void RequestTimedOut(double seconds);

  // The forms of the use cases (application.h) the routes share: the read is recorded in the
  // access log before it returns.
  Status RecordRead(const Principal& p, const std::vector<std::string>& family_ids,
                    ledger::AccessView view, const std::string& purpose,
                    std::string_view sha256_hex = {}) {
    return app_.RecordRead(p, family_ids, view, purpose, sha256_hex);
  }
  // A read of the path's {id} as of the query (asOf, asOfSeq), with its purpose.
  Result<FamilyReadRequest> ReadRequestOf(const Call& c, ledger::AccessView view);
  // The family of the path's {id} as of the query (asOf, asOfSeq), its read recorded with the
  // query's purpose (Application::ReadFamily). `exists`, when given, is checked before the read
  // is recorded (e.g. a document).
  Result<FamilyRead> ReadFamilyFor(const Call& c, ledger::AccessView view,
                                   const std::function<Status(const std::string&)>& exists = {},
                                   std::string_view sha256_hex = {});
  // `answer` given the overview as of the request: the live one, caught up, or (asOf /
  // asOfSeq) a fresh one folded to that seq from the nearest checkpoint below it
  // (checkpoints_).
  Result<Reply> WithOverview(
      const Call& c, const std::function<Result<Reply>(const projections::Overview&)>& answer);
  Result<projections::FamilyState> CurrentFamily(const std::string& id) {
    CL_ASSIGN_OR_RETURN(auto model, app_.CurrentFamily(id));
    return model->state;
  }
  // Application::FirstByTeam: a practitioner refused on the family's team as the overview holds
  // it, before the family is read.
  Status FirstByTeam(const Principal& p, const std::string& id,
                     const std::function<Status(const projections::FamilyState&)>& decide) {
    return app_.FirstByTeam(p, id, decide);
  }

  Result<Reply> AppendFamily(const Call& c);
  Result<Reply> AppendPractitioner(const Call& c);
  Result<Reply> PutDocument(const Call& c);
  Result<Reply> GetDocument(const Call& c);
  Result<Reply> FamilyStateView(const Call& c);
  Result<Reply> Chronology(const Call& c);
  Result<Reply> StepUpPack(const Call& c);
  // The day computed entries and timescales are judged on (Application::OnDay) with the
  // query's `on`.
  Result<projections::Day> OnDay(const Call& c, const FamilyRead& read);
  Result<Reply> FamilyEvents(const Call& c);
  Result<Reply> Timescales(const Call& c);
  Result<Reply> SubjectAccess(const Call& c);
  Result<Reply> EraseFamily(const Call& c);
  Result<Reply> OpenEpisode(const Call& c);
  Result<Reply> Feed(const Call& c);
  Result<Reply> Live(const Call& c);
  Result<Reply> AccessList(const Call& c);
  Result<Reply> MetricsText(const Call& c);
};

}  // namespace caseledger::api
