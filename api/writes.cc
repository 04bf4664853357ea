// The write routes: appends to a family's or a practitioner's stream, and a document's bytes
// (server_impl.h): each parses the request and calls its use case (application.h), where who
// may write is decided first (policy.h, on the family's team as the overview holds it),
// before anything about the family is told.

#include <spdlog/spdlog.h>

#include "api/internal/server_impl.h"
#include "api/policy.h"
#include "ledger/merkle.h"

namespace caseledger::api {

using ledger::JsonQuote;
using namespace internal;

// ---------------------------------------------------------------- writes

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
  CL_ASSIGN_OR_RETURN(AppendAnswer answer, app_.AppendFamily(p, id, std::move(request)));
  return Json(AppendResultJson(answer.result, answer.with_versions),
              answer.result.retry ? 200 : 201);
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
  CL_ASSIGN_OR_RETURN(ledger::AppendResult result, app_.AppendPractitioner(p, std::move(request)));
  return Json(AppendResultJson(result), result.retry ? 200 : 201);
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
  if (!AllowedMediaType(type)) return Json(UnsupportedMediaTypeJson(), 415);
  if (c.req.body.empty()) return Status::InvalidArgument("the document is empty", "body");
  CL_RETURN_IF_ERROR(FirstByTeam(*c.principal, id, [&](const projections::FamilyState& team) {
    return MayAppendToFamily(*c.principal, team, {{"documentUploaded"}}, ctx_.clock->NowMicros());
  }));
  projections::FamilyState current;
  if (auto found = CurrentFamily(id); found.ok()) {
    current = std::move(found).value();
  } else if (found.status().code() != Code::kNotFound) {
    return found.status();
  }
  current.family_id = id;
  const Principal& p = *c.principal;
  // Before "not registered": a practitioner gets the same 403 for a family that does not
  // exist as for one they are not on (policy.h); only who may record documentUploaded may
  // store a document's bytes.
  CL_RETURN_IF_ERROR(
      MayAppendToFamily(p, current, {{"documentUploaded"}}, ctx_.clock->NowMicros()));
  if (!current.registered) return Status::NotFound("family " + id + " is not registered");
  const ledger::Hash sha = ledger::Sha256(c.req.body);
  const std::string sha_hex = ledger::ToHex(sha);
  CL_RETURN_IF_ERROR(store_.PutBlob(id, sha, c.req.body));
  // Unreadable until a documentUploaded names it; removed if none does in time.
  CL_RETURN_IF_ERROR(pending_documents_.Stored(id, sha));
  pending_documents_.SweepAndLog();
  return Json(
      "{\"sha256\":" + JsonQuote(sha_hex) + ",\"size\":" + std::to_string(c.req.body.size()) + "}",
      201);
}

}  // namespace caseledger::api
