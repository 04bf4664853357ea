#include "api/server.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <regex>
#include <set>

#include "api/metrics.h"
#include "api/policy.h"
#include "ledger/json_codec.h"
#include "ledger/proof_json.h"
#include "ledger/time_format.h"
#include "projections/views.h"

namespace caseledger::api {

int HttpStatus(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAborted:
      return 409;
    case Code::kAlreadyExists:
      return 409;
    case Code::kResourceExhausted:
      return 413;
    case Code::kFailedPrecondition:
      return 422;
    case Code::kUnavailable:
      return 503;
    case Code::kDataLoss:
      return 500;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

namespace {

using ledger::JsonQuote;
namespace ev = ledger::ev;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxPage = 1000;
constexpr size_t kDefaultPage = 100;
constexpr size_t kMaxPurpose = 200;
constexpr size_t kMaxFilename = 255;

// A query parameter a route takes (also its OpenAPI description).
struct Param {
  std::string name;
  std::string type;  // "string", "integer", "boolean"
  std::string description;
  bool required = false;
};

Param P(std::string name, std::string type, std::string description, bool required = false) {
  return Param{std::move(name), std::move(type), std::move(description), required};
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

Reply Json(std::string body, int status = 200) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

using Handler = std::function<Result<Reply>(const Call&)>;

struct Route {
  std::string method;       // GET, POST
  std::string path;         // OpenAPI template: /v1/families/{id}
  std::string summary;      // one line
  std::vector<Role> roles;  // empty: open (no token)
  std::vector<Param> params;
  std::string body;     // request body, described; empty: none
  std::string answers;  // response content type
  Handler handler;
};

// What the request logger needs of the handler that ran on this thread.
struct RequestNote {
  Clock::time_point start;
  std::string route = "unmatched";
  std::string actor = "-";
  std::string role = "-";
};
thread_local RequestNote t_note;

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
    if (!parsed.ok()) return Status::InvalidArgument(parsed.status().message(), "asOf");
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

std::string AppendResultJson(const ledger::AppendResult& r) {
  std::string out = "{\"version\":" + std::to_string(r.version) + ",\"events\":[";
  for (size_t i = 0; i < r.events.size(); ++i) {
    const auto& e = r.events[i];
    out += (i ? "," : "");
    out += "{\"seq\":" + std::to_string(e.seq) + ",\"version\":" + std::to_string(e.version) +
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

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
  return ledger::ToHex(digest, n);
}

Result<ledger::EventId> RandomEventId() {
  ledger::EventId id;
  if (RAND_bytes(id.bytes.data(), static_cast<int>(id.bytes.size())) != 1) {
    return Status::Unavailable("the system's random source failed");
  }
  id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x40);  // UUID version 4
  id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

}  // namespace

// ---------------------------------------------------------------- the server

class Server::Impl {
 public:
  Impl(ServerContext ctx, ServerOptions options)
      : ctx_(ctx),
        options_(std::move(options)),
        store_(*ctx.store),
        http_(options_.tls_cert.empty()
                  ? std::make_unique<httplib::Server>()
                  : std::unique_ptr<httplib::Server>(std::make_unique<httplib::SSLServer>(
                        options_.tls_cert.c_str(), options_.tls_key.c_str()))) {
    Configure();
    DefineRoutes();
    for (const Route& r : routes_) Register(r);
  }

  void Configure();
  void DefineRoutes();
  void Register(const Route& route);
  std::string OpenApi() const;

  // Stops the live streams, then the listener.
  void Stop() {
    {
      std::lock_guard lock(feed_mu_);
      stopping_ = true;
    }
    feed_cv_.notify_all();
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

  // Appends the read to the access log; durable before the record is shown.
  Status RecordRead(const Principal& p, const std::vector<std::string>& family_ids,
                    const std::string& view, const std::string& purpose);
  struct FamilyRead {
    std::string id;
    std::vector<ev::Event> events;  // as of
    uint64_t as_of_seq = 0;
    std::string as_of_text;
  };
  // The family as of the request, once the caller may read it and the read is in the access
  // log. `exists`, when given, is checked before the read is recorded (e.g. a document).
  Result<FamilyRead> ReadFamilyFor(const Call& c, const std::string& view,
                                   const std::function<Status(const std::string&)>& exists = {});
  // `answer` given the overview as of the request: the live one, caught up, or (asOf /
  // asOfSeq) a fresh one folded from the first event to that seq, which costs a replay.
  Result<Reply> WithOverview(
      const Call& c, const std::function<Result<Reply>(const projections::Overview&)>& answer);
  Result<projections::FamilyState> CurrentFamily(const std::string& id);

  Result<Reply> AppendFamily(const Call& c);
  Result<Reply> AppendPractitioner(const Call& c);
  Result<Reply> Append(const Call& c, ledger::AppendRequest request);
  Result<Reply> PutDocument(const Call& c);
  Result<Reply> GetDocument(const Call& c);
  Result<Reply> FamilyStateView(const Call& c);
  Result<Reply> Chronology(const Call& c);
  Result<Reply> FamilyEvents(const Call& c);
  Result<Reply> Timescales(const Call& c);
  Result<Reply> OpenEpisode(const Call& c);
  Result<Reply> Feed(const Call& c);
  Result<Reply> Live(const Call& c);
  Result<Reply> AccessList(const Call& c);
  Result<Reply> MetricsText(const Call& c);
};

void Server::Impl::Configure() {
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_read_timeout(options_.read_timeout_seconds, 0);
  http_->set_write_timeout(options_.write_timeout_seconds, 0);
  http_->set_keep_alive_timeout(options_.keep_alive_seconds);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle holds the body
  // until the client's delayed ACK (40 ms on Linux) on every keep-alive request.
  http_->set_tcp_nodelay(true);
  const int threads = std::max(2, options_.threads);
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_pre_routing_handler([](const httplib::Request&, httplib::Response& res) {
    t_note = RequestNote{Clock::now()};
    // Records of children: never cached, never sniffed, never sent as a referrer.
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("http route=\"{}\" failed: {}", t_note.route, what);
        SendError(res, Status::Internal("the server failed to answer; the error is logged"));
      });
  http_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    Status s;
    if (res.status == 413) {
      s = Status::ResourceExhausted("the request body is too large (at most " +
                                    std::to_string(options_.max_body_bytes) + " bytes)");
    } else if (res.status == 404) {
      // A known path with another method is 405, with the methods it takes.
      std::string allow;
      for (const Route& r : routes_) {
        if (std::regex_match(req.path, std::regex(Regex(r.path)))) {
          allow += (allow.empty() ? "" : ", ") + r.method;
        }
      }
      if (!allow.empty()) {
        res.status = 405;
        res.set_header("Allow", allow);
        s = Status::InvalidArgument(req.method + " is not allowed here; use " + allow, "method");
      } else {
        s = Status::NotFound("no route " + req.method + " " +
                             (req.path.size() > 100 ? req.path.substr(0, 100) + "..." : req.path));
      }
    } else {
      s = Status::InvalidArgument("the HTTP request is malformed or incomplete (HTTP " +
                                  std::to_string(res.status) +
                                  "; e.g. a body without Content-Length)");
    }
    res.set_content(ledger::StatusToJson(s), "application/json");
  });
  http_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double seconds = t_note.start == Clock::time_point{}
                               ? 0
                               : std::chrono::duration<double>(Clock::now() - t_note.start).count();
    metrics_.Observe(req.method + " " + t_note.route, res.status, seconds);
    spdlog::info("http method={} route=\"{}\" status={} ms={:.2f} actor={} role={}", req.method,
                 t_note.route, res.status, seconds * 1000, t_note.actor, t_note.role);
    t_note = RequestNote{};
  });
}

Result<Principal> Server::Impl::Authenticate(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  if (header.empty()) {
    return Status::Unauthenticated("this route needs Authorization: Bearer <token>");
  }
  constexpr std::string_view kBearer = "bearer ";
  if (header.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return Status::Unauthenticated("the Authorization header must be: Bearer <token>");
  }
  return ctx_.tokens->Authenticate(std::string_view(header).substr(kBearer.size()),
                                   ctx_.clock->NowMicros());
}

void Server::Impl::Dispatch(const Route& route, const httplib::Request& req,
                            httplib::Response& res) {
  t_note.route = route.path;
  Principal principal;
  Call call{req, {}};
  if (size_t q = req.target.find('?'); q != std::string::npos) {
    httplib::detail::parse_query_text(req.target.substr(q + 1), call.query);
  }
  if (!route.roles.empty()) {
    auto p = Authenticate(req);
    if (!p.ok()) return SendError(res, p.status());
    principal = *p;
    t_note.actor = principal.actor_id;
    t_note.role = RoleName(principal.role);
    if (std::find(route.roles.begin(), route.roles.end(), principal.role) == route.roles.end()) {
      return SendError(res,
                       Status::PermissionDenied(std::string("role ") + RoleName(principal.role) +
                                                " may not " + route.method + " " + route.path +
                                                " (allowed: " + RoleList(route.roles) + ")"));
    }
    call.principal = &principal;
  }
  // Every query parameter must be one the route takes, and given once.
  for (auto it = call.query.begin(); it != call.query.end(); ++it) {
    const bool known = std::any_of(route.params.begin(), route.params.end(),
                                   [&](const Param& p) { return p.name == it->first; });
    if (!known) {
      return SendError(
          res, Status::InvalidArgument(
                   "unknown query parameter " + it->first.substr(0, 64) + " for " + route.path,
                   it->first.substr(0, 64)));
    }
    if (call.query.count(it->first) > 1) {
      return SendError(
          res, Status::InvalidArgument(
                   "the query parameter " + it->first + " is given more than once", it->first));
    }
  }
  for (const Param& p : route.params) {
    const std::string* value = Query(call.query, p.name);
    if (p.required && (value == nullptr || value->empty())) {
      return SendError(
          res, Status::InvalidArgument("the query parameter " + p.name + " is required", p.name));
    }
  }
  auto answer = route.handler(call);
  if (!answer.ok()) return SendError(res, answer.status());
  res.status = answer->status;
  for (const auto& [k, v] : answer->headers) res.set_header(k, v);
  if (answer->stream) {
    answer->stream(res);
  } else {
    res.set_content(std::move(answer->body), answer->type);
  }
}

void Server::Impl::Register(const Route& route) {
  const std::string pattern = Regex(route.path);
  auto handler = [this, &route](const httplib::Request& req, httplib::Response& res) {
    Dispatch(route, req, res);
  };
  if (route.method == "GET") {
    http_->Get(pattern, handler);
  } else {
    http_->Post(pattern, handler);
  }
}

// ---------------------------------------------------------------- reads of a family

Result<projections::FamilyState> Server::Impl::CurrentFamily(const std::string& id) {
  CL_ASSIGN_OR_RETURN(auto events, projections::ReadFamily(store_, id, store_.Size()));
  return projections::FoldFamily(events);
}

Status Server::Impl::RecordRead(const Principal& p, const std::vector<std::string>& family_ids,
                                const std::string& view, const std::string& purpose) {
  if (family_ids.empty()) return Status();
  ledger::AppendRequest request;
  request.stream = projections::kAccessStream;
  request.actor = {p.actor_id, RoleName(p.role), "", p.token_id};
  const int64_t now = ctx_.clock->NowMicros();
  for (const auto& id : family_ids) {
    CL_ASSIGN_OR_RETURN(ledger::EventId event_id, RandomEventId());
    CL_ASSIGN_OR_RETURN(
        ledger::AppendRequest one,
        projections::RecordViewedRequest(request.actor, event_id, now, id, view, purpose));
    request.events.push_back(std::move(one.events.front()));
  }
  auto appended = store_.Append(std::move(request));
  if (!appended.ok()) {
    return Status::Unavailable("the read could not be recorded in the access log (" +
                               appended.status().message() + "), so nothing is shown");
  }
  Appended();
  return Status();
}

Result<Server::Impl::FamilyRead> Server::Impl::ReadFamilyFor(
    const Call& c, const std::string& view,
    const std::function<Status(const std::string&)>& exists) {
  FamilyRead out;
  CL_ASSIGN_OR_RETURN(out.id, IdParam(c.Path(1), "familyId"));
  CL_ASSIGN_OR_RETURN(projections::AsOf as_of, AsOfParams(c.query, &out.as_of_text));
  const std::string* purpose = Query(c.query, "purpose");
  if (purpose != nullptr && purpose->size() > kMaxPurpose) {
    return Status::InvalidArgument("purpose must be at most 200 characters", "purpose");
  }
  CL_ASSIGN_OR_RETURN(auto all, projections::ReadFamily(store_, out.id, store_.Size()));
  projections::FamilyState current = projections::FoldFamily(all);
  if (!MayReadFamily(*c.principal, current)) {
    return Status::PermissionDenied(
        std::string("role ") + RoleName(c.principal->role) + " actor " + c.principal->actor_id +
        " may not read family " + out.id +
        (c.principal->role == Role::kPractitioner
             ? ": only its keyworker, TAF members and the practitioner who registered it may"
             : ""));
  }
  CL_ASSIGN_OR_RETURN(out.as_of_seq, projections::ResolveAsOf(store_, as_of));
  for (auto& e : all) {
    if (e.seq <= out.as_of_seq) out.events.push_back(std::move(e));
  }
  if (out.events.empty()) {
    return Status::NotFound("family " + out.id + " had no events " + out.as_of_text);
  }
  if (exists) CL_RETURN_IF_ERROR(exists(out.id));
  CL_RETURN_IF_ERROR(RecordRead(*c.principal, {out.id}, view, purpose != nullptr ? *purpose : ""));
  return out;
}

Result<Reply> Server::Impl::FamilyStateView(const Call& c) {
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamilyFor(c, "state"));
  return Json(projections::FamilyStateJson(projections::FoldFamily(read.events), read.as_of_seq));
}

Result<Reply> Server::Impl::Chronology(const Call& c) {
  projections::ChronologyFilter filter;
  if (const std::string* episode = Query(c.query, "episode")) {
    CL_ASSIGN_OR_RETURN(filter.episode, IdParam(*episode, "episode"));
  }
  for (auto [name, target] : {std::pair{"from", &filter.from}, std::pair{"to", &filter.to}}) {
    if (const std::string* text = Query(c.query, name)) {
      CL_ASSIGN_OR_RETURN(*target, projections::ParseDay(*text, name));
    }
  }
  if (const std::string* categories = Query(c.query, "category")) {
    size_t start = 0;
    while (start <= categories->size()) {
      size_t comma = categories->find(',', start);
      if (comma == std::string::npos) comma = categories->size();
      std::string one = categories->substr(start, comma - start);
      if (!ev::ParseNoteCategory(one).ok()) {
        return Status::InvalidArgument(
            "category must be a comma-separated list of contact, meeting, practitionerUpdate, "
            "familyUpdate, significantEvent, progress, documentReceived, letterSent, "
            "supportRequest, other",
            "category");
      }
      filter.categories.insert(one);
      start = comma + 1;
    }
  }
  CL_ASSIGN_OR_RETURN(filter.significant_only, BoolParam(c.query, "significant"));
  std::string format = "json";
  if (const std::string* f = Query(c.query, "format")) format = *f;
  if (format != "json" && format != "csv" && format != "html") {
    return Status::InvalidArgument("format must be json, csv or html", "format");
  }
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamilyFor(c, "chronology"));
  auto entries = projections::FilterChronology(
      projections::BuildChronology(read.events, *ctx_.calendar,
                                   projections::StoreNames(store_, read.as_of_seq)),
      filter);
  projections::ChronologyHeading heading{read.id, read.as_of_seq, read.as_of_text};
  Reply r;
  if (format == "csv") {
    r.type = "text/csv; charset=utf-8";
    r.body = projections::ChronologyCsv(entries);
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"chronology-" + read.id + ".csv\"");
  } else if (format == "html") {
    r.type = "text/html; charset=utf-8";
    r.body = projections::ChronologyHtml(heading, entries);
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'");
  } else {
    r.body = projections::ChronologyJson(heading, entries);
  }
  return r;
}

Result<Reply> Server::Impl::Timescales(const Call& c) {
  CL_ASSIGN_OR_RETURN(projections::Day on, DayParam(c.query, "on", *ctx_.clock));
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamilyFor(c, "timescales"));
  auto state = projections::FoldFamily(read.events);
  return Json(projections::TimescalesJson(
      read.id, on, projections::EvaluateTimescales(state, *ctx_.calendar, on)));
}

Result<Reply> Server::Impl::FamilyEvents(const Call& c) {
  CL_ASSIGN_OR_RETURN(uint64_t from, UintParam(c.query, "fromVersion", 1, 1, UINT32_MAX));
  CL_ASSIGN_OR_RETURN(uint64_t limit, UintParam(c.query, "limit", kDefaultPage, 1, kMaxPage));
  CL_ASSIGN_OR_RETURN(bool raw, BoolParam(c.query, "raw"));
  if (raw && c.principal->role != Role::kAuditor) {
    return Status::PermissionDenied("raw=true (the stored bytes) is for the auditor role");
  }
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamilyFor(c, raw ? "events (raw)" : "events"));
  CL_ASSIGN_OR_RETURN(auto events,
                      store_.ReadStream("family/" + read.id, static_cast<uint32_t>(from), limit + 1,
                                        read.as_of_seq));
  const bool more = events.size() > limit;
  if (more) events.pop_back();
  std::string out = "{\"familyId\":" + JsonQuote(read.id) +
                    ",\"asOfSeq\":" + std::to_string(read.as_of_seq) + ",\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    CL_ASSIGN_OR_RETURN(std::string json, ledger::EventToJson(events[i], raw));
    out += (i ? "," : "") + json;
  }
  out += "],\"nextFromVersion\":";
  out += more ? std::to_string(events.back().version + 1) : "null";
  return Json(out + "}");
}

Result<Reply> Server::Impl::GetDocument(const Call& c) {
  CL_ASSIGN_OR_RETURN(ledger::Hash sha, ledger::HashFromHex(c.Path(2)));
  const std::string sha_hex = ledger::ToHex(sha);
  CL_ASSIGN_OR_RETURN(
      FamilyRead read, ReadFamilyFor(c, "document " + sha_hex, [&](const std::string& id) {
        CL_ASSIGN_OR_RETURN(bool stored, store_.HasBlob(id, sha));
        return stored ? Status() : Status::NotFound("family " + id + " has no document " + sha_hex);
      }));
  CL_ASSIGN_OR_RETURN(std::string bytes, store_.GetBlob(read.id, sha));
  Reply r;
  r.type = "application/octet-stream";
  std::string filename = sha_hex;
  for (const auto& ep : projections::FoldFamily(read.events).episodes) {
    for (const auto& d : ep.documents) {
      if (d.sha256 == sha_hex) {
        r.type = d.media_type;
        filename = d.filename;
      }
    }
  }
  // The name as recorded, made safe for the header.
  std::string safe;
  for (char ch : filename) safe.push_back(ch == '"' || ch == '\\' || ch < 0x20 ? '_' : ch);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + safe + "\"");
  r.body = std::move(bytes);
  return r;
}

// ---------------------------------------------------------------- writes

Result<Reply> Server::Impl::Append(const Call& c, ledger::AppendRequest request) {
  (void)c;
  CL_ASSIGN_OR_RETURN(ledger::AppendResult result, store_.Append(std::move(request)));
  Appended();
  return Json(AppendResultJson(result), result.retry ? 200 : 201);
}

Status RequireJson(const httplib::Request& req) {
  const std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    return Status::InvalidArgument("the body must be JSON: send Content-Type: application/json",
                                   "Content-Type");
  }
  return Status();
}

Result<Reply> Server::Impl::AppendFamily(const Call& c) {
  CL_ASSIGN_OR_RETURN(std::string id, IdParam(c.Path(1), "familyId"));
  CL_RETURN_IF_ERROR(RequireJson(c.req));
  const Principal& p = *c.principal;
  ledger::Actor actor{p.actor_id, RoleName(p.role), "", p.token_id};
  CL_ASSIGN_OR_RETURN(ledger::AppendRequest request,
                      ledger::ParseAppendJson(c.req.body, ledger::AppendJsonForm::kHttpBody,
                                              "family/" + id, actor));
  std::vector<std::string> types;
  for (const auto& e : request.events) types.push_back(e.type());
  projections::FamilyState current;
  current.family_id = id;
  if (p.role == Role::kPractitioner) {
    auto found = CurrentFamily(id);
    if (found.ok()) {
      current = std::move(found).value();
    } else if (found.status().code() != Code::kNotFound) {
      return found.status();
    }
  }
  CL_RETURN_IF_ERROR(MayAppendToFamily(p, current, types));
  return Append(c, std::move(request));
}

Result<Reply> Server::Impl::AppendPractitioner(const Call& c) {
  CL_ASSIGN_OR_RETURN(std::string id, IdParam(c.Path(1), "practitionerId"));
  CL_RETURN_IF_ERROR(RequireJson(c.req));
  const Principal& p = *c.principal;
  CL_RETURN_IF_ERROR(MayAppendToPractitioner(p));
  ledger::Actor actor{p.actor_id, RoleName(p.role), "", p.token_id};
  CL_ASSIGN_OR_RETURN(ledger::AppendRequest request,
                      ledger::ParseAppendJson(c.req.body, ledger::AppendJsonForm::kHttpBody,
                                              "practitioner/" + id, actor));
  return Append(c, std::move(request));
}

Result<Reply> Server::Impl::PutDocument(const Call& c) {
  CL_ASSIGN_OR_RETURN(std::string id, IdParam(c.Path(1), "familyId"));
  CL_ASSIGN_OR_RETURN(std::string filename, RequiredQuery(c.query, "filename"));
  if (filename.size() > kMaxFilename || std::any_of(filename.begin(), filename.end(), [](char ch) {
        return ch == '/' || ch == '\\' || (ch >= 0 && ch < 0x20);
      })) {
    return Status::InvalidArgument(
        "filename must be at most 255 characters, without / \\ or control characters", "filename");
  }
  const std::string type = c.req.get_header_value("Content-Type");
  if (type.empty() || type.find('/') == std::string::npos || type.size() > 255) {
    return Status::InvalidArgument("send the document's media type in Content-Type",
                                   "Content-Type");
  }
  if (c.req.body.empty()) return Status::InvalidArgument("the document is empty", "body");
  CL_ASSIGN_OR_RETURN(projections::FamilyState current, CurrentFamily(id));
  if (!current.registered) return Status::NotFound("family " + id + " is not registered");
  const Principal& p = *c.principal;
  if (p.role == Role::kPractitioner) {
    CL_RETURN_IF_ERROR(MayAppendToFamily(p, current, {"documentUploaded"}));
  }
  const std::string sha_hex = Sha256Hex(c.req.body);
  CL_ASSIGN_OR_RETURN(ledger::Hash sha, ledger::HashFromHex(sha_hex));
  CL_RETURN_IF_ERROR(store_.PutBlob(id, sha, c.req.body));
  return Json(
      "{\"sha256\":" + JsonQuote(sha_hex) + ",\"size\":" + std::to_string(c.req.body.size()) + "}",
      201);
}

// ---------------------------------------------------------------- other reads

Result<Reply> Server::Impl::OpenEpisode(const Call& c) {
  CL_ASSIGN_OR_RETURN(std::string raw_id, RequiredQuery(c.query, "familyId"));
  CL_ASSIGN_OR_RETURN(std::string id, IdParam(raw_id, "familyId"));
  auto current = CurrentFamily(id);
  if (!current.ok() && current.status().code() != Code::kNotFound) return current.status();
  const projections::Episode* open = current.ok() ? current->OpenEpisode() : nullptr;
  std::string out = "{\"familyId\":" + JsonQuote(id) + ",\"open\":" + (open ? "true" : "false");
  if (current.ok()) CL_RETURN_IF_ERROR(RecordRead(*c.principal, {id}, "openEpisode", ""));
  if (open != nullptr) {
    CL_ASSIGN_OR_RETURN(projections::Practitioner kw,
                        projections::ReadPractitioner(store_, open->keyworker_id));
    out += ",\"episodeId\":" + JsonQuote(open->id) + ",\"keyworker\":" +
           projections::PractitionerContactJson(open->keyworker_id, kw.registered ? &kw : nullptr);
  }
  return Json(out + "}");
}

Result<Reply> Server::Impl::Feed(const Call& c) {
  CL_ASSIGN_OR_RETURN(uint64_t after, UintParam(c.query, "after", 0, 0, UINT64_MAX / 2));
  CL_ASSIGN_OR_RETURN(uint64_t limit, UintParam(c.query, "limit", kDefaultPage, 1, kMaxPage));
  CL_ASSIGN_OR_RETURN(bool raw, BoolParam(c.query, "raw"));
  const bool full = c.principal->role == Role::kAuditor;
  if (raw && !full) {
    return Status::PermissionDenied("raw=true (the stored bytes) is for the auditor role");
  }
  CL_ASSIGN_OR_RETURN(auto events, store_.ReadLog(after, limit));
  if (full) {
    std::set<std::string> families;
    for (const auto& e : events) {
      if (auto id = projections::FamilyIdOf(e.stream); !id.empty()) families.emplace(id);
    }
    CL_RETURN_IF_ERROR(RecordRead(*c.principal, {families.begin(), families.end()}, "feed", ""));
  }
  std::string out = "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    std::string json;
    if (full) {
      CL_ASSIGN_OR_RETURN(json, ledger::EventToJson(events[i], raw));
    } else {
      json = RedactedEventJson(events[i]);
    }
    out += (i ? "," : "") + json;
  }
  out += "],\"next\":" + std::to_string(events.empty() ? after : events.back().seq);
  return Json(out + ",\"redacted\":" + (full ? "false" : "true") + "}");
}

Result<Reply> Server::Impl::Live(const Call& c) {
  uint64_t after = store_.Size();  // by default: what is appended from now on
  const std::string last_id = c.req.get_header_value("Last-Event-ID");
  if (!last_id.empty()) {
    httplib::Params header{{"Last-Event-ID", last_id}};
    CL_ASSIGN_OR_RETURN(after, UintParam(header, "Last-Event-ID", 0, 0, UINT64_MAX / 2));
  } else if (Query(c.query, "after") != nullptr) {
    CL_ASSIGN_OR_RETURN(after, UintParam(c.query, "after", 0, 0, UINT64_MAX / 2));
  }
  if (live_streams_.fetch_add(1) >= options_.max_live_streams) {
    live_streams_.fetch_sub(1);
    return Status::Unavailable("too many live streams are open; try again later");
  }
  const Principal p = *c.principal;
  Reply r;
  r.stream = [this, p, after](httplib::Response& res) mutable {
    auto last_write = Clock::now();
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, p, after, last_write](size_t, httplib::DataSink& sink) mutable {
          {
            std::unique_lock lock(feed_mu_);
            feed_cv_.wait_for(lock, std::chrono::seconds(1),
                              [&] { return stopping_ || store_.Size() > after; });
            if (stopping_) {
              sink.done();
              return true;
            }
          }
          std::string chunk;
          auto events = store_.ReadLog(after, kDefaultPage);
          if (!events.ok()) return false;
          const bool full = p.role == Role::kAuditor;
          if (full && !events->empty()) {
            std::set<std::string> families;
            for (const auto& e : *events) {
              if (auto id = projections::FamilyIdOf(e.stream); !id.empty()) families.emplace(id);
            }
            if (!RecordRead(p, {families.begin(), families.end()}, "live feed", "").ok()) {
              return false;
            }
          }
          for (const auto& e : *events) {
            std::string json = RedactedEventJson(e);
            if (full) {
              auto decoded = ledger::EventToJson(e);
              if (!decoded.ok()) return false;
              json = *decoded;
            }
            chunk +=
                "id: " + std::to_string(e.seq) + "\nevent: " + e.type + "\ndata: " + json + "\n\n";
            after = e.seq;
          }
          if (chunk.empty()) {
            if (Clock::now() - last_write < std::chrono::seconds(15)) return true;
            chunk = ": keep-alive\n\n";
          }
          last_write = Clock::now();
          return sink.write(chunk.data(), chunk.size());
        },
        [this](bool) { live_streams_.fetch_sub(1); });
  };
  return r;
}

Result<Reply> Server::Impl::WithOverview(
    const Call& c, const std::function<Result<Reply>(const projections::Overview&)>& answer) {
  std::string as_of_text;
  CL_ASSIGN_OR_RETURN(projections::AsOf as_of, AsOfParams(c.query, &as_of_text));
  if (as_of.now()) {
    CL_RETURN_IF_ERROR(ctx_.overview->CatchUp());
    return answer(*ctx_.overview);
  }
  CL_ASSIGN_OR_RETURN(uint64_t max_seq, projections::ResolveAsOf(store_, as_of));
  projections::Overview then(store_, *ctx_.calendar);
  CL_RETURN_IF_ERROR(then.CatchUpTo(max_seq));
  return answer(then);
}

Result<Reply> Server::Impl::AccessList(const Call& c) {
  CL_ASSIGN_OR_RETURN(std::string raw_id, RequiredQuery(c.query, "familyId"));
  CL_ASSIGN_OR_RETURN(std::string id, IdParam(raw_id, "familyId"));
  CL_ASSIGN_OR_RETURN(uint64_t after, UintParam(c.query, "after", 0, 0, UINT64_MAX / 2));
  CL_ASSIGN_OR_RETURN(uint64_t limit, UintParam(c.query, "limit", kDefaultPage, 1, kMaxPage));
  CL_ASSIGN_OR_RETURN(auto entries, ctx_.access->List(id, after, limit + 1));
  const bool more = entries.size() > limit;
  if (more) entries.pop_back();
  return Json(projections::AccessJson(id, entries, more, store_.Size()));
}

Result<Reply> Server::Impl::MetricsText(const Call&) {
  Gauges g;
  g.log_size = store_.Size();
  g.overview_valid_at = ctx_.overview->valid_at();
  g.access_index_valid_at = ctx_.access->valid_at();
  g.live_streams = live_streams_.load();
  Reply r;
  r.type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_.Prometheus(store_.Stats(), g);
  return r;
}

// ---------------------------------------------------------------- the route table

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
       With(AsOfDocs(), {P("episode", "string", "only this episode's entries"),
                         P("from", "string", "from this day (YYYY-MM-DD, Europe/London)"),
                         P("to", "string", "to this day, inclusive"),
                         P("category", "string", "comma-separated case note categories"),
                         P("significant", "boolean", "only significant entries"),
                         P("format", "string", "json (default), csv or html")}),
       "", "application/json", bind(&Impl::Chronology)},
      {"GET", "/v1/families/{id}/events", "The family's events as recorded", kReaders,
       With(AsOfDocs(), {P("fromVersion", "integer", "the first version (default 1)"),
                         P("limit", "integer", "at most this many (default 100, at most 1000)"),
                         P("raw", "boolean", "add the stored bytes, base64 (auditor)")}),
       "", "application/json", bind(&Impl::FamilyEvents)},
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
         return WithOverview(c, [](const projections::Overview& o) -> Result<Reply> {
           return Json(projections::InboxJson(o.Inbox(), o.Referrals(), o.valid_at()));
         });
       }},
      {"GET", "/v1/reports/timescales", "Timescale counts (no personal data)", kAll,
       With(AsOfOnly(), {P("on", "string", "as on this day (default today)")}), "",
       "application/json",
       [this](const Call& c) -> Result<Reply> {
         CL_ASSIGN_OR_RETURN(projections::Day on, DayParam(c.query, "on", *ctx_.clock));
         return WithOverview(c, [on](const projections::Overview& o) -> Result<Reply> {
           return Json(o.CountsJson(on));
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
      {"GET", "/v1/ledger/checkpoint", "The current checkpoint", kAll, AsOfOnly(), "", "text/plain",
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
         r.body = cp.ToText();
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
      out +=
          ",\"404\":{\"description\":\"not found\"},\"503\":{\"description\":\"the ledger "
          "cannot answer now\"}}}";
    }
    out += "}";
  }
  return out + "}}";
}

// ---------------------------------------------------------------- Server

Server::Server(ServerContext context, ServerOptions options)
    : impl_(std::make_unique<Impl>(context, std::move(options))) {}

Server::~Server() { Stop(); }

Result<int> Server::Bind() {
  const auto& o = impl_->options_;
  if (!impl_->http_->is_valid()) {
    return Status::InvalidArgument("the TLS certificate or key could not be loaded", "tls-cert");
  }
  if (o.port == 0) {
    int port = impl_->http_->bind_to_any_port(o.host);
    if (port < 0) return Status::Unavailable("cannot listen on " + o.host);
    return port;
  }
  if (!impl_->http_->bind_to_port(o.host, o.port)) {
    return Status::Unavailable("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                               " (in use, or not an address of this machine)");
  }
  return o.port;
}

void Server::Run() { impl_->http_->listen_after_bind(); }

void Server::Stop() { impl_->Stop(); }

std::string Server::OpenApiJson() const { return impl_->OpenApi(); }

}  // namespace caseledger::api
