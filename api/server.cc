#include "api/server.h"

#include <algorithm>

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <regex>
#include <thread>

#include "api/internal/httplib_seam.h"
#include "api/internal/security_headers.h"
#include "api/internal/server_impl.h"
#include "api/metrics.h"
#include "api/web_assets.h"
#include "ledger/json_codec.h"
#include "ledger/time_format.h"

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

using Clock = std::chrono::steady_clock;
using namespace internal;

struct RequestNote {
  Clock::time_point start;
  std::string route = "unmatched";
  std::string actor = "-";
  std::string role = "-";
};
thread_local RequestNote t_note;

}  // namespace

void Server::Impl::Configure() {
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_read_timeout(options_.read_timeout_seconds, 0);
  http_->set_write_timeout(options_.write_timeout_seconds, 0);
  http_->set_keep_alive_timeout(options_.keep_alive_seconds);
  http_->set_keep_alive_max_count(options_.keep_alive_max_requests);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle holds the body
  // until the client's delayed ACK (40 ms on Linux) on every keep-alive request.
  http_->set_tcp_nodelay(true);
  // One server per address: SO_REUSEADDR only, so that a restart binds beside its old
  // connections' TIME_WAIT but a second server on a served port fails to bind. (The library's
  // default sets SO_REUSEPORT, with which the second binds and takes a share of the
  // connections.)
  http_->set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http_->set_pre_routing_handler([](const httplib::Request&, httplib::Response& res) {
    t_note = RequestNote{Clock::now()};
    SetSecurityHeaders(res);
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
    if (RequestDeadlinePassed()) {
      // Reported by the library as a 400: the request did not arrive whole in time.
      res.status = 408;
      res.set_header("Connection", "close");
      SetSecurityHeaders(res);
      res.set_content(RequestTimeoutJson(options_.request_read_seconds), "application/json");
      return;
    }
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
        // The path is not repeated: it may hold personal data typed in the wrong place.
        s = Status::NotFound("no route for " + req.method +
                             " at this path (GET /v1/openapi.json lists the routes)");
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

std::string internal::RequestTimeoutJson(int seconds) {
  return "{\"error\":{\"code\":\"requestTimeout\",\"message\":" +
         ledger::JsonQuote("the request (its line, headers and body) did not arrive within " +
                           std::to_string(seconds) +
                           " s of its first byte; the connection is closed: send it again") +
         "}}";
}

void Server::Impl::RequestTimedOut(double seconds) {
  metrics_.Observe("unmatched", 408, seconds);
  spdlog::info("http method=- route=\"unmatched\" status=408 ms={:.2f} actor=- role=-",
               seconds * 1000);
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
  auto principal = ctx_.tokens->Authenticate(std::string_view(header).substr(kBearer.size()),
                                             ctx_.clock->NowMicros());
  if (!principal.ok() && principal.status().code() != Code::kUnauthenticated) {
    // The token file is missing its mode, unreadable or damaged: every token is refused, and
    // why (with the file's path) goes to the server's log only, never to the caller.
    spdlog::error("tokens: {}", principal.status().message());
    return Status::Unavailable(
        "the server cannot check tokens now (its token file is misconfigured); the "
        "operator's log says why: try again later");
  }
  if (principal.ok() && principal->role == Role::kPractitioner) {
    // Access follows the person: a practitioner who is not (or no longer) registered and
    // active opens nothing, whatever their token says (DOMAIN.md: "while on the team and
    // active").
    CL_ASSIGN_OR_RETURN(projections::Practitioner who,
                        projections::ReadPractitioner(store_, principal->actor_id));
    if (!who.registered) {
      return Status::Unauthenticated("the token's practitioner " + principal->actor_id +
                                     " is not registered: ask an admin");
    }
    if (!who.active) {
      return Status::Unauthenticated("the token's practitioner " + principal->actor_id +
                                     " was deactivated (" + who.deactivation_reason +
                                     "): their tokens open nothing");
    }
  }
  return principal;
}

void Server::Impl::Dispatch(const Route& route, const httplib::Request& req,
                            httplib::Response& res) {
  t_note.route = route.path;
  Principal principal;
  Call call{req, {}};
  if (size_t q = req.target.find('?'); q != std::string::npos) {
    ParseQuery(req.target.substr(q + 1), call.query);
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
  if (call.principal != nullptr && ExpensiveRequest(route.method, route.path, call.query)) {
    if (auto wait = rate_limiter_.Take(principal.token_id, ctx_.clock->NowMicros())) {
      res.status = 429;
      res.set_header("Retry-After", std::to_string(*wait));
      res.set_content(TooManyRequestsJson(rate_limiter_, *wait), "application/json");
      return;
    }
  }
  auto answer = route.handler(call);
  if (!answer.ok()) return SendError(res, answer.status());
  res.status = answer->status;
  for (const auto& [k, v] : answer->headers) {
    // A policy of the answer's own (an HTML report, a document) goes with the common headers.
    if (k == kContentSecurityPolicy) {
      SetSecurityHeaders(res, v);
    } else {
      res.set_header(k, v);
    }
  }
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

void Server::Impl::RegisterPages() {
  for (const WebAsset& asset : WebAssets()) {
    std::string pattern;
    for (char c : asset.path) {
      if (c == '.') pattern += '\\';
      pattern += c;
    }
    http_->Get(pattern, [&asset](const httplib::Request&, httplib::Response& res) {
      t_note.route = std::string(asset.path);
      SetSecurityHeaders(res, kWebPagesCsp);
      res.set_content(std::string(asset.body), std::string(asset.type));
    });
  }
}

// ---------------------------------------------------------------- Server

Server::Server(ServerContext context, ServerOptions options)
    : impl_(std::make_unique<Impl>(context, std::move(options))) {}

Server::~Server() { Stop(); }

bool IsValidMarking(std::string_view marking) {
  return !marking.empty() && marking.size() <= 60 &&
         std::all_of(marking.begin(), marking.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == ' ' || c == '-' || c == '/' || c == '(' || c == ')' || c == ':';
         });
}

Result<int> Server::Bind() {
  const auto& o = impl_->options_;
  if (!IsValidMarking(o.marking)) {
    return Status::InvalidArgument(
        "the protective marking is 1-60 characters: letters, digits, spaces and - / ( ) :",
        "marking");
  }
  // Documents stored but never recorded: noted at start, removed once past their time.
  if (Status adopted = impl_->pending_documents_.Adopt(); !adopted.ok()) {
    spdlog::warn("documents: unrecorded documents could not be listed: {}", adopted.ToString());
  }
  impl_->pending_documents_.SweepAndLog();
  if (!impl_->http_->is_valid()) {
    return Status::InvalidArgument("the TLS certificate or key could not be loaded", "tls-cert");
  }
  int error = 0;
  const int port = BindAndListen(*impl_->http_, o.host, o.port, &error);
  if (port >= 0) return port;
  const std::string address = o.host + ":" + std::to_string(o.port);
  if (error == EADDRINUSE) {
    return Status::Unavailable("cannot listen on " + address +
                               ": it is in use (another caseledger, or another process, is "
                               "serving it); stop that one, or choose another port with "
                               "--listen host:port");
  }
  if (error == EACCES) {
    return Status::Unavailable("cannot listen on " + address +
                               ": permission denied (ports below 1024 need privileges); choose "
                               "another port with --listen host:port");
  }
  return Status::Unavailable("cannot listen on " + address + " (" +
                             (error != 0 ? std::strerror(error) : "the host does not resolve") +
                             "): is " + o.host + " an address of this machine?");
}

void Server::Run() {
  // Bytes stored and never recorded are looked for now and then while the server runs, not
  // only on the next upload (documents.h).
  std::thread sweeper([this] {
    Impl& s = *impl_;
    std::unique_lock lock(s.sweep_mu_);
    while (!s.sweep_cv_.wait_for(lock, std::chrono::seconds(s.options_.document_sweep_seconds),
                                 [&] { return s.sweep_stopping_; })) {
      lock.unlock();
      s.pending_documents_.SweepAndLog();
      lock.lock();
    }
  });
  impl_->http_->listen_after_bind();
  impl_->Stop();  // wakes the sweeper if Run ended another way
  sweeper.join();
}

void Server::Stop() { impl_->Stop(); }

Result<size_t> Server::PrepareSearch() { return impl_->app_.PrepareSearch(); }

std::string Server::OpenApiJson() const { return impl_->OpenApi(); }

}  // namespace caseledger::api
