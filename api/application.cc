// The use cases (application.h): reads of a family and appends, decided here once for the
// HTTP routes and the command line.
#include "api/application.h"

#include <spdlog/spdlog.h>

#include "api/documents.h"
#include "api/policy.h"
#include "projections/permission.h"
#include "projections/views.h"

namespace caseledger::api {
namespace {

namespace ev = ledger::ev;
using internal::AllowedMediaType;
using internal::AllowedMediaTypes;

constexpr size_t kMaxPurpose = 200;

// What a chronology's entries depend on besides the family's version and the names in them.
std::string ChronologyKey(const projections::ChronologyFilter& f, bool computed,
                          projections::Day on) {
  std::string key = "chronology|" + std::string(computed ? "computed|" : "recorded|") +
                    projections::FormatDay(on) + "|" + f.episode + "|" +
                    (f.from ? projections::FormatDay(*f.from) : "") + "|" +
                    (f.to ? projections::FormatDay(*f.to) : "") + "|" +
                    (f.significant_only ? "significant|" : "all|");
  for (const std::string& category : f.categories) key += category + ",";
  return key;
}

ledger::Actor ActorOf(const Principal& p) { return {p.actor_id, RoleName(p.role), "", p.token_id}; }

}  // namespace

Application::Application(AppContext context)
    : ctx_(context),
      store_(*context.store),
      own_cache_(context.cache != nullptr
                     ? nullptr
                     : std::make_unique<projections::FamilyCache>(*context.store)),
      cache_(context.cache != nullptr ? context.cache : own_cache_.get()) {
  ctx_.cache = cache_;
}

Application::~Application() = default;

Status Application::PurposeGiven(const Principal& p, const std::string& purpose,
                                 std::string_view what) const {
  if (!PurposeRequired(p.role) || purpose.find_first_not_of(" \t") != std::string::npos) {
    return Status();
  }
  return Status::InvalidArgument("purpose is required: role " + std::string(RoleName(p.role)) +
                                     " says why it " + std::string(what) +
                                     " (purpose=, at most 200 characters, e.g. "
                                     "purpose=audit%20of%20case%20recording); it is kept in the "
                                     "access log",
                                 "purpose");
}

// ---------------------------------------------------------------- reads of a family

Result<std::shared_ptr<const projections::FamilyModel>> Application::CurrentFamily(
    const std::string& id) {
  return cache_->Current(id, projections::FamilyCache::Need::kState);
}

Status Application::RecordRead(const Principal& p, const std::vector<std::string>& family_ids,
                               ledger::AccessView view, const std::string& purpose,
                               std::string_view sha256_hex) {
  if (family_ids.empty()) return Status();
  if (!store_.replica_of().empty()) {
    // A replica cannot append the read to the access log, and a read not recorded is not
    // shown.
    return Status::Unavailable(
        "this server is a read-only replica: family records are read on the primary, which "
        "records each read in the access log before showing the record");
  }
  ledger::AppendRequest request;
  request.stream = projections::kAccessStream;
  request.actor = ActorOf(p);
  const int64_t now = ctx_.clock->NowMicros();
  for (const auto& id : family_ids) {
    CL_ASSIGN_OR_RETURN(ledger::EventId event_id, ledger::EventId::Random());
    CL_ASSIGN_OR_RETURN(
        ledger::AppendRequest one,
        projections::RecordViewedRequest(request.actor, event_id, now, id,
                                         ledger::AccessViewText(view, sha256_hex), purpose));
    request.events.push_back(std::move(one.events.front()));
  }
  auto appended = store_.Append(std::move(request));
  if (!appended.ok()) {
    return Status::Unavailable("the read could not be recorded in the access log (" +
                               appended.status().message() + "), so nothing is shown");
  }
  if (appended_) appended_();
  return Status();
}

Status Application::FirstByTeam(
    const Principal& p, const std::string& id,
    const std::function<Status(const projections::FamilyState&)>& decide) {
  if (p.role != Role::kPractitioner) return Status();
  Status s = decide(ctx_.overview->Team(id));
  if (s.ok()) return s;
  // The overview may lag the log (a practitioner just added): asked again once caught up.
  CL_RETURN_IF_ERROR(ctx_.overview->CatchUp());
  return decide(ctx_.overview->Team(id));
}

Result<FamilyRead> Application::ReadFamily(const Principal& p, const FamilyReadRequest& request) {
  FamilyRead out;
  out.id = request.family_id;
  out.as_of_text = request.as_of.text;
  if (!ledger::IsValidId(out.id)) {
    return Status::InvalidArgument("a family id is 1-64 characters of A-Z a-z 0-9 - _", "familyId");
  }
  if (request.purpose.size() > kMaxPurpose) {
    return Status::InvalidArgument("purpose must be at most 200 characters", "purpose");
  }
  CL_RETURN_IF_ERROR(PurposeGiven(p, request.purpose, "reads a family's record"));
  if (!request.page.empty() && !ledger::IsValidId(request.page)) {
    return Status::InvalidArgument(
        "page must be 1-64 characters of A-Z a-z 0-9 - _ (an id the page makes for one view, "
        "e.g. a UUID)",
        "page");
  }
  const bool practitioner = p.role == Role::kPractitioner;
  const int64_t now = ctx_.clock->NowMicros();
  CL_RETURN_IF_ERROR(FirstByTeam(p, out.id, [&](const projections::FamilyState& team) {
    return MayReadFamily(p, team, now) ? Status() : projections::NotOnTeam(p.actor_id, out.id);
  }));
  auto current = cache_->Current(out.id);
  // A practitioner asking for a family that does not exist is refused as for one they are not
  // on (the same 403), so that the answers do not tell which family ids exist; other roles,
  // who may read every family, learn that it does not (404).
  if (!current.ok() && (!practitioner || current.status().code() != Code::kNotFound)) {
    return current.status();
  }
  // Only a practitioner's access depends on the family (its team); others are judged alone.
  const projections::FamilyState none;
  if (!MayReadFamily(p, practitioner && current.ok() ? (*current)->state : none, now)) {
    if (practitioner) return projections::NotOnTeam(p.actor_id, out.id);
    return Status::PermissionDenied(std::string("role ") + RoleName(p.role) + " actor " +
                                    p.actor_id + " may not read family " + out.id);
  }
  CL_ASSIGN_OR_RETURN(out.as_of_seq, ResolveAsOf(store_, request.as_of));
  // The current model holds every event up to now; an earlier moment cuts it (not kept).
  out.current = request.as_of.as_of.now();
  auto model = (*current)->last_seq <= out.as_of_seq ? std::move(current)
                                                     : cache_->AsOf(out.id, out.as_of_seq);
  if (!model.ok()) {
    if (model.status().code() != Code::kNotFound) return model.status();
    return Status::NotFound("family " + out.id + " had no events " + out.as_of_text);
  }
  out.model = std::move(model).value();
  if (request.exists) CL_RETURN_IF_ERROR(request.exists(out.id));
  const auto record = [&] {
    return RecordRead(p, {out.id}, request.view, request.purpose, request.sha256_hex);
  };
  if (request.page.empty()) {
    CL_RETURN_IF_ERROR(record());
  } else {
    CL_RETURN_IF_ERROR(pages_.Once(p.actor_id + "\n" + out.id + "\n" + request.page, now, record));
  }
  return out;
}

Result<projections::QueueAnswer> Application::TriageQueue(const Principal& p,
                                                          const projections::Overview& overview,
                                                          std::optional<projections::Day> on,
                                                          const std::string& purpose) {
  if (purpose.size() > kMaxPurpose) {
    return Status::InvalidArgument("purpose must be at most 200 characters", "purpose");
  }
  CL_RETURN_IF_ERROR(PurposeGiven(p, purpose, "reads the queue"));
  const uint64_t valid_at = overview.valid_at();
  if (!on) {
    on = projections::LondonDay(ctx_.clock->NowMicros());
    if (&overview != ctx_.overview && valid_at > 0) {
      CL_ASSIGN_OR_RETURN(auto at, store_.ReadLog(valid_at - 1, 1));
      if (!at.empty()) on = projections::LondonDay(at[0].recorded_at);
    }
  }
  projections::QueueAnswer answer = overview.Queue(*on);
  std::vector<std::string> shown;
  for (projections::QueueRow& row : answer.rows) {
    if (row.awaiting.empty()) continue;
    shown.push_back(row.family_id);
    auto model = cache_->AsOf(row.family_id, valid_at);
    if (!model.ok()) continue;  // erased since, or unreadable: the kind and summary stay empty
    for (projections::QueueConcern& c : row.awaiting) {
      for (const projections::Concern& known : (*model)->state.concerns) {
        if (known.id != c.concern_id) continue;
        c.kind = known.kind;
        c.summary = known.summary;
      }
    }
  }
  CL_RETURN_IF_ERROR(RecordRead(p, shown, ledger::AccessView::kTriageInbox, purpose));
  return answer;
}

Result<Application::Found> Application::FindFamilies(const Principal& p, const std::string& query,
                                                     const std::string& purpose) {
  constexpr size_t kMaxFound = 20;
  if (p.role != Role::kPractitioner && p.role != Role::kTriageManager &&
      p.role != Role::kCoordinator && p.role != Role::kAuditor) {
    return Status::PermissionDenied("role " + std::string(RoleName(p.role)) +
                                    " does not read families' records, so cannot search them");
  }
  // The query as it is looked for (without the spaces around it) is what the access log keeps,
  // whole, with the reader's purpose: nothing is cut off.
  const size_t first = query.find_first_not_of(' ');
  const std::string q = first == std::string::npos
                            ? ""
                            : query.substr(first, query.find_last_not_of(' ') - first + 1);
  if (query.size() > 100) {
    return Status::InvalidArgument("q is at most 100 characters", "q");
  }
  CL_RETURN_IF_ERROR(PurposeGiven(p, purpose, "looks for a family"));
  std::string why = "search for \"" + q + "\"";
  if (!purpose.empty()) why += ": " + purpose;
  if (why.size() > kMaxPurpose) {
    return Status::InvalidArgument(
        "the query and the purpose are kept together in the access log, at most 200 "
        "characters: say it in fewer words",
        "purpose");
  }
  projections::FamilyDirectory* directory = Directory();
  const int64_t now = ctx_.clock->NowMicros();
  Found found;
  CL_ASSIGN_OR_RETURN(found.families, directory->Find(
                                          q, kMaxFound,
                                          [&](const std::string& id) {
                                            return p.role != Role::kPractitioner ||
                                                   MayReadFamily(p, ctx_.overview->Team(id), now);
                                          },
                                          &found.more));
  std::vector<std::string> shown;
  for (const auto& f : found.families) shown.push_back(f.family_id);
  // The query is part of the record: who looked for whom, not only whom they were shown.
  CL_RETURN_IF_ERROR(RecordRead(p, shown, ledger::AccessView::kSearch, why));
  return found;
}

projections::FamilyDirectory* Application::Directory() {
  std::lock_guard lock(directory_mu_);
  if (!directory_) {
    directory_ = std::make_unique<projections::FamilyDirectory>(store_, *ctx_.overview);
  }
  return directory_.get();
}

Result<size_t> Application::PrepareSearch() {
  projections::FamilyDirectory* directory = Directory();
  CL_RETURN_IF_ERROR(directory->CatchUp());
  return directory->families();
}

Result<projections::Day> Application::OnDay(const FamilyRead& read,
                                            std::optional<projections::Day> on) {
  if (on) return *on;
  // A read of the record now is judged today, however long ago its last event was recorded
  // (the read's own access record is in the log by now, so the log's size cannot tell).
  if (read.current || read.as_of_seq == 0) return projections::LondonDay(ctx_.clock->NowMicros());
  CL_ASSIGN_OR_RETURN(auto at, store_.ReadLog(read.as_of_seq - 1, 1));
  if (at.empty()) return projections::LondonDay(ctx_.clock->NowMicros());
  return projections::LondonDay(at[0].recorded_at);
}

projections::PractitionerNames Application::NamesNoting(
    uint64_t as_of_seq, std::vector<std::pair<std::string, uint32_t>>* depends) {
  return [this, as_of_seq, depends,
          names = projections::StoreNames(store_, as_of_seq)](const std::string& id) {
    if (ledger::IsValidId(id)) {
      std::string stream = "practitioner/" + id;
      bool noted = false;
      for (const auto& [s, v] : *depends) noted = noted || s == stream;
      if (!noted) {
        auto version = store_.StreamVersionAt(stream, as_of_seq);
        // An unreadable version is noted as one no stream has: never served again.
        depends->emplace_back(std::move(stream), version.ok() ? *version : UINT32_MAX);
      }
    }
    return names(id);
  };
}

Result<std::shared_ptr<const std::string>> Application::StateRest(const FamilyRead& read) {
  auto make = [&]() -> Result<projections::RenderedAnswer> {
    return projections::RenderedAnswer{projections::FamilyStateRestJson(read.model->state), {}};
  };
  if (!read.current) {
    CL_ASSIGN_OR_RETURN(projections::RenderedAnswer made, make());
    return std::make_shared<const std::string>(std::move(made.text));
  }
  return cache_->Rendered(read.model, "state", make);
}

Result<ChronologyAnswer> Application::Chronology(const Principal& p, FamilyReadRequest request,
                                                 const ChronologyQuery& query) {
  request.view = ledger::AccessView::kChronology;
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamily(p, request));
  CL_ASSIGN_OR_RETURN(projections::Day on, OnDay(read, query.on));
  // The entries name practitioners: the streams (and versions) they were named from go with a
  // kept answer, so that a practitioner's change is never served stale.
  std::vector<std::pair<std::string, uint32_t>> depends;
  const auto entries = [&] {
    auto names = NamesNoting(read.as_of_seq, &depends);
    const auto& events = read.model->events;
    return projections::FilterChronology(
        query.computed ? projections::ChronologyWithComputed(events, *ctx_.calendar, names, on)
                       : projections::BuildChronology(events, *ctx_.calendar, names),
        query.filter);
  };
  ChronologyAnswer out;
  out.heading = {read.id, read.as_of_seq, read.as_of_text};
  if (query.format != ChronologyFormat::kJson) {
    out.entries = entries();
  } else if (!read.current) {
    out.entries_json =
        std::make_shared<const std::string>(projections::ChronologyEntriesJson(entries()));
  } else {
    // Rendered once per family version, filters and day; the heading (asOfSeq) each time.
    CL_ASSIGN_OR_RETURN(
        out.entries_json,
        cache_->Rendered(read.model, ChronologyKey(query.filter, query.computed, on),
                         [&]() -> Result<projections::RenderedAnswer> {
                           return projections::RenderedAnswer{
                               projections::ChronologyEntriesJson(entries()), depends};
                         }));
  }
  return out;
}

// ---------------------------------------------------------------- appends

Result<ledger::AppendResult> Application::Append(ledger::AppendRequest request) {
  auto appended = store_.Append(std::move(request));
  if (appended_) appended_();
  return appended;
}

Result<AppendAnswer> Application::AppendFamily(const Principal& p, const std::string& id,
                                               ledger::AppendRequest request) {
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
  std::shared_ptr<const projections::FamilyModel> model;
  if (p.role == Role::kPractitioner || corrects) {
    auto found = CurrentFamily(id);
    if (found.ok()) {
      model = std::move(found).value();
    } else if (found.status().code() != Code::kNotFound) {
      return found.status();
    }
  }
  projections::FamilyState unknown;
  unknown.family_id = id;
  const projections::FamilyState& current = model != nullptr ? model->state : unknown;
  const int64_t now = ctx_.clock->NowMicros();
  CL_RETURN_IF_ERROR(MayAppendToFamily(p, current, recordings, now));
  if (p.role == Role::kPractitioner &&
      projections::RelationOf(p.actor_id, current, now) == projections::Relation::kNone) {
    // Not on the team, they may only pass a concern on (permission.h); they are told nothing
    // of the family: not its version, not whether it exists, was erased or holds a concern id.
    return AppendAsOutsider(p, id, std::move(request));
  }
  auto appended = Append(std::move(request));
  if (!appended.ok()) {
    if (appended.status().rule() == "one-open-episode") {
      // The refusal names the open episode's keyworker and how to reach them: what the
      // open-episode check shows, recorded as that route records it.
      CL_RETURN_IF_ERROR(RecordRead(p, {id}, ledger::AccessView::kOpenEpisode, ""));
    }
    return appended.status();
  }
  return AppendAnswer{std::move(appended).value(), true};
}

Result<AppendAnswer> Application::AppendAsOutsider(const Principal& p, const std::string& family_id,
                                                   ledger::AppendRequest request) {
  if (!request.expected.any) {
    return Status::InvalidArgument(
        "expectedVersion must be \"any\": a practitioner not on the family's team passes a "
        "concern on without seeing the family's record, its version included",
        "expectedVersion");
  }
  auto appended = Append(std::move(request));
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
  return AppendAnswer{std::move(appended).value(), false};
}

Result<ledger::AppendResult> Application::AppendPractitioner(const Principal& p,
                                                             ledger::AppendRequest request) {
  CL_RETURN_IF_ERROR(MayAppendToPractitioner(p));
  return Append(std::move(request));
}

Result<projections::Erasure> Application::EraseFamily(const Principal& p,
                                                      const std::string& family_id,
                                                      const std::string& reason,
                                                      const std::string& authorised_by) {
  projections::ErasureRequest request;
  request.family_id = family_id;
  request.reason = reason;
  request.authorised_by = authorised_by;
  request.actor = ActorOf(p);
  request.now = ctx_.clock->NowMicros();
  auto erased = projections::EraseFamily(store_, request);
  cache_->Drop(family_id);     // nothing read of the family stays in memory
  if (appended_) appended_();  // the familyErased event may be in the log even if keys stayed
  return erased;
}

}  // namespace caseledger::api
