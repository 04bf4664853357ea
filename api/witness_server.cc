#include "api/witness_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace caseledger::api {

class WitnessServer::Impl {
 public:
  Impl(ledger::Witness& witness, std::string only_origin)
      : witness_(witness), only_origin_(std::move(only_origin)) {
    http_.set_payload_max_length(64 * 1024);
    http_.set_read_timeout(10, 0);
    http_.set_write_timeout(10, 0);
    http_.set_socket_options([](socket_t sock) {
      const int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    auto reply = [](httplib::Response& res, const ledger::WitnessAnswer& a) {
      res.status = a.status;
      res.set_content(a.body, a.content_type.c_str());
      res.set_header("Cache-Control", "no-store");
    };
    http_.Post("/add-checkpoint", [this, reply](const httplib::Request& req,
                                                httplib::Response& res) {
      const ledger::WitnessAnswer a = witness_.AddCheckpoint(req.body);
      reply(res, a);
      // A proof that fails, or a size seen with two roots, is evidence against the log.
      const bool alarm =
          a.status == 422 || (a.status == 409 && a.content_type.starts_with("text/plain"));
      const std::string what = a.status == 200 ? "cosigned" : a.body.substr(0, a.body.find('\n'));
      if (alarm) {
        spdlog::error("witness add-checkpoint status={} {}", a.status, what);
      } else {
        spdlog::info("witness add-checkpoint status={} {}", a.status, what);
      }
    });
    http_.Get("/checkpoint", [this, reply](const httplib::Request& req, httplib::Response& res) {
      const std::string origin =
          req.has_param("origin") ? req.get_param_value("origin") : only_origin_;
      if (origin.empty()) {
        reply(res,
              {400, "text/plain; charset=utf-8", "say which log: /checkpoint?origin=ORIGIN\n"});
        return;
      }
      reply(res, witness_.Latest(origin));
    });
  }

  ledger::Witness& witness_;
  std::string only_origin_;
  httplib::Server http_;
};

WitnessServer::WitnessServer(ledger::Witness& witness, std::string only_origin)
    : impl_(std::make_unique<Impl>(witness, std::move(only_origin))) {}
WitnessServer::~WitnessServer() = default;

Result<int> WitnessServer::Bind(const std::string& host, int port) {
  const int bound = port == 0 ? impl_->http_.bind_to_any_port(host)
                              : (impl_->http_.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    return Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port) +
                               " (in use, or not an address of this machine): choose another "
                               "with --listen host:port");
  }
  return bound;
}

void WitnessServer::Run() { impl_->http_.listen_after_bind(); }
void WitnessServer::Stop() { impl_->http_.stop(); }

}  // namespace caseledger::api
