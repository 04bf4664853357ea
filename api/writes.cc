// The write routes: appends to a family's or a practitioner's stream, and a document's bytes
// (server_impl.h). Who may write is decided first (policy.h, on the family's team as the
// overview holds it), before anything about the family is told.

#include <spdlog/spdlog.h>

#include "api/internal/server_impl.h"
#include "api/policy.h"
#include "ledger/merkle.h"

namespace caseledger::api {

using ledger::JsonQuote;
using namespace internal;

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
  std::vector<Recording> recordings;
  bool corrects = false;
  for (size_t i = 0; i < request.events.size(); ++i) {
    const auto& e = request.events[i];
    recordings.push_back({e.type(), e.corrects()});
    corrects = corrects || e.corrects() != 0;
    if (e.type() == "documentUploaded") {
      // The media type it records is the one the document is served with: the allow-list's.
      CL_ASSIGN_OR_RETURN(ev::Body body, ev::DecodeDraft(e));
      const auto& doc = std::get<ev::DocumentUploaded>(body);
      if (!AllowedMediaType(doc.media_type)) {
        std::string allowed;
        for (const auto& t : AllowedMediaTypes()) allowed += (allowed.empty() ? "" : ", ") + t;
        return Status::InvalidArgument("a document's mediaType must be one of " + allowed,
                                       "events[" + std::to_string(i) + "].data.mediaType");
      }
    }
  }
  CL_RETURN_IF_ERROR(FirstByTeam(p, id, [&](const projections::FamilyState& team) {
    return MayAppendToFamily(p, team, recordings, ctx_.clock->NowMicros());
  }));
  projections::FamilyState current;
  current.family_id = id;
  if (p.role == Role::kPractitioner || corrects) {
    auto found = CurrentFamily(id);
    if (found.ok()) {
      current = std::move(found).value();
    } else if (found.status().code() != Code::kNotFound) {
      return found.status();
    }
  }
  const int64_t now = ctx_.clock->NowMicros();
  CL_RETURN_IF_ERROR(MayAppendToFamily(p, current, recordings, now));
  if (p.role == Role::kPractitioner &&
      projections::RelationOf(p.actor_id, current, now) == projections::Relation::kNone) {
    // Not on the team, they may only pass a concern on (permission.h); they are told nothing
    // of the family: not its version, not whether it exists, was erased or holds a concern id.
    return AppendAsOutsider(p, id, std::move(request));
  }
  auto appended = Append(c, std::move(request));
  if (!appended.ok() && appended.status().rule() == "one-open-episode") {
    // The refusal names the open episode's keyworker and how to reach them: what the
    // open-episode check shows, recorded as that route records it.
    CL_RETURN_IF_ERROR(RecordRead(p, {id}, ledger::AccessView::kOpenEpisode, ""));
  }
  return appended;
}

Result<Reply> Server::Impl::AppendAsOutsider(const Principal& p, const std::string& family_id,
                                             ledger::AppendRequest request) {
  if (!request.expected.any) {
    return Status::InvalidArgument(
        "expectedVersion must be \"any\": a practitioner not on the family's team passes a "
        "concern on without seeing the family's record, its version included",
        "expectedVersion");
  }
  auto appended = store_.Append(std::move(request));
  Appended();
  if (!appended.ok()) {
    // One answer, the same bytes whatever the reason (the family does not exist, was erased,
    // already holds the concern id...): the reason goes to the server's log only.
    spdlog::info("a concern from practitioner {} about family {} was not recorded: {}", p.actor_id,
                 family_id, appended.status().ToString());
    return Status::PermissionDenied(
        "practitioner " + p.actor_id + " could not record this concern about family " + family_id +
        ": a practitioner not on a family's team is told nothing of its record; pass the "
        "concern on through the Families First Helpdesk (role helpdesk), who checks the family "
        "and records it");
  }
  return Json(AppendResultJson(*appended, /*with_versions=*/false), appended->retry ? 200 : 201);
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
