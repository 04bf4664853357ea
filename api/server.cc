#include "api/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "ledger/json_codec.h"

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

class Server::Impl {
 public:
  Impl(ledger::Store& store, ServerOptions options) : store_(store), options_(options) {
    http_.set_payload_max_length(options_.max_body_bytes);
    http_.set_read_timeout(options_.read_timeout_seconds, 0);
    http_.set_write_timeout(options_.write_timeout_seconds, 0);
    http_.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          spdlog::error("{} {}: {}", req.method, req.path, what);
          Reply(res, Status::Internal("the server failed to answer; the error is logged"));
        });
    http_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      Status s = res.status == 413   ? Status::ResourceExhausted("the request body is too large")
                 : res.status == 404 ? Status::NotFound("no such route")
                                     : Status::InvalidArgument("the request was refused");
      res.set_content(ledger::StatusToJson(s), "application/json");
    });
    http_.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      spdlog::info("{} {} {}", req.method, req.path, res.status);
    });
    http_.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      ledger::Checkpoint cp = store_.CurrentCheckpoint();
      res.set_content("{\"status\":\"ok\",\"size\":" + std::to_string(cp.size) +
                          ",\"root\":" + ledger::JsonQuote(ledger::ToHex(cp.root)) + "}",
                      "application/json");
    });
  }

  static void Reply(httplib::Response& res, const Status& status) {
    res.status = HttpStatus(status);
    res.set_content(ledger::StatusToJson(status), "application/json");
  }

  ledger::Store& store_;
  ServerOptions options_;
  httplib::Server http_;
};

Server::Server(ledger::Store& store, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

Server::~Server() { Stop(); }

Result<int> Server::Bind() {
  const auto& o = impl_->options_;
  if (o.port == 0) {
    int port = impl_->http_.bind_to_any_port(o.host);
    if (port < 0) return Status::Unavailable("cannot listen on " + o.host);
    return port;
  }
  if (!impl_->http_.bind_to_port(o.host, o.port)) {
    return Status::Unavailable("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                               " (in use, or not an address of this machine)");
  }
  return o.port;
}

void Server::Run() { impl_->http_.listen_after_bind(); }

void Server::Stop() { impl_->http_.stop(); }

}  // namespace caseledger::api
