// What each read route does: thin handlers over the ledger and the projections
// (server_impl.h); the writes are in writes.cc.

#include "api/internal/server_impl.h"
#include "api/policy.h"
#include "api/queries.h"
#include "ledger/merkle.h"
#include "ledger/proof_json.h"
#include "ledger/time_format.h"
#include "projections/data_protection.h"
#include "projections/step_up_pack.h"

namespace caseledger::api {

using ledger::JsonQuote;
using namespace internal;

// ---------------------------------------------------------------- reads of a family

Result<FamilyReadRequest> Server::Impl::ReadRequestOf(const Call& c, ledger::AccessView view) {
  FamilyReadRequest request;
  CL_ASSIGN_OR_RETURN(request.family_id, IdParam(c.Path(1), "familyId"));
  CL_ASSIGN_OR_RETURN(request.as_of, ParseAsOf(c.query));
  if (const std::string* purpose = Query(c.query, "purpose")) request.purpose = *purpose;
  if (const std::string* page = Query(c.query, "page")) request.page = *page;
  request.view = view;
  return request;
}

Result<FamilyRead> Server::Impl::ReadFamilyFor(
    const Call& c, ledger::AccessView view, const std::function<Status(const std::string&)>& exists,
    std::string_view sha256_hex) {
  CL_ASSIGN_OR_RETURN(FamilyReadRequest request, ReadRequestOf(c, view));
  request.sha256_hex = std::string(sha256_hex);
  request.exists = exists;
  return app_.ReadFamily(*c.principal, request);
}

Result<Reply> Server::Impl::FamilyStateView(const Call& c) {
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamilyFor(c, ledger::AccessView::kState));
  CL_ASSIGN_OR_RETURN(auto rest, app_.StateRest(read));
  return Json(projections::FamilyStateJson(read.model->state, read.as_of_seq, *rest));
}

Result<Reply> Server::Impl::Chronology(const Call& c) {
  // The query as the command line's `chronology` parses it too (api/queries.h).
  CL_ASSIGN_OR_RETURN(ChronologyQuery query, ParseChronologyQuery(c.query));
  const std::string format(FormatName(query.format));
  CL_ASSIGN_OR_RETURN(FamilyReadRequest request, ReadRequestOf(c, ledger::AccessView::kChronology));
  CL_ASSIGN_OR_RETURN(ChronologyAnswer answer, app_.Chronology(*c.principal, request, query));
  Reply r;
  if (format == "csv") {
    r.type = "text/csv; charset=utf-8";
    r.body = projections::ChronologyCsv(answer.entries);
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"chronology-" + request.family_id + ".csv\"");
  } else if (format == "html") {
    r.type = "text/html; charset=utf-8";
    r.body = projections::ChronologyHtml(answer.heading, answer.entries);
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'");
  } else {
    r.body = projections::ChronologyJson(answer.heading, *answer.entries_json);
  }
  return r;
}

Result<projections::Day> Server::Impl::OnDay(const Call& c, const FamilyRead& read) {
  CL_ASSIGN_OR_RETURN(std::optional<projections::Day> on, ParseDayParam(c.query, "on"));
  return app_.OnDay(read, on);
}

Result<Reply> Server::Impl::StepUpPack(const Call& c) {
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamilyFor(c, ledger::AccessView::kStepUpPack));
  CL_ASSIGN_OR_RETURN(projections::Day on, OnDay(c, read));
  const auto chronology = projections::ChronologyWithComputed(
      read.model->events, *ctx_.calendar, projections::StoreNames(store_, read.as_of_seq), on);
  projections::StepUpPackInput in;
  in.family = &read.model->state;
  in.chronology = &chronology;
  in.calendar = ctx_.calendar;
  in.on = on;
  in.as_of_seq = read.as_of_seq;
  in.as_of_text = read.as_of_text;
  in.practitioner = [this, &read](const std::string& id) {
    auto p = projections::ReadPractitioner(store_, id, read.as_of_seq);
    return p.ok() ? std::move(p).value() : projections::Practitioner{};
  };
  return Json(projections::StepUpPackJson(in));
}

// ---------------------------------------------------------------- data protection

Result<Reply> Server::Impl::SubjectAccess(const Call& c) {
  std::string format = "json";
  if (const std::string* f = Query(c.query, "format")) format = *f;
  if (format != "json" && format != "html") {
    return Status::InvalidArgument("format must be json or html", "format");
  }
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamilyFor(c, ledger::AccessView::kSubjectAccessExport));
  CL_ASSIGN_OR_RETURN(
      projections::SubjectAccessExport exported,
      projections::BuildSubjectAccess(store_, *ctx_.calendar,
                                      // The reads only for the role that may read the access log.
                                      c.principal->role == Role::kAuditor ? ctx_.access : nullptr,
                                      read.id, read.as_of_seq));
  exported.as_of_text = read.as_of_text;
  exported.generated_at = ctx_.clock->NowMicros();
  Reply r;
  if (format == "html") {
    r.type = "text/html; charset=utf-8";
    r.body = projections::SubjectAccessHtml(exported);
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'");
  } else {
    r.body = projections::SubjectAccessJson(exported);
  }
  return r;
}

Result<Reply> Server::Impl::EraseFamily(const Call& c) {
  CL_ASSIGN_OR_RETURN(std::string id, IdParam(c.Path(1), "familyId"));
  // The body is the familyErased event's data, checked against the schema like any event's.
  auto draft = ledger::ParseEventData("familyErased", c.req.body);
  if (!draft.ok()) {
    std::string field = draft.status().field();
    if (field.rfind("data.", 0) == 0) field = field.substr(5);
    return Status::InvalidArgument(
        "the body must be {\"reason\", \"authorisedBy\"}: " + draft.status().message(),
        field.empty() || field == "data" ? "body" : field);
  }
  CL_ASSIGN_OR_RETURN(ev::Body body, ev::DecodeDraft(*draft));
  const auto& data = std::get<ev::FamilyErased>(body);
  auto erased = app_.EraseFamily(*c.principal, id, data.reason, data.authorised_by);
  if (!erased.ok()) return erased.status();
  return Json("{\"familyId\":" + JsonQuote(id) +
              ",\"erased\":true,\"seq\":" + std::to_string(erased->seq) +
              ",\"recordedAt\":" + JsonQuote(ledger::FormatRfc3339(erased->recorded_at)) +
              ",\"alreadyRecorded\":" + (erased->already_recorded ? "true" : "false") + "}");
}

// ---------------------------------------------------------------- other family reads

Result<Reply> Server::Impl::Timescales(const Call& c) {
  CL_ASSIGN_OR_RETURN(projections::Day on, DayParam(c.query, "on", *ctx_.clock));
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamilyFor(c, ledger::AccessView::kTimescales));
  return Json(projections::TimescalesJson(
      read.id, on, projections::EvaluateTimescales(read.model->state, *ctx_.calendar, on)));
}

Result<Reply> Server::Impl::FamilyEvents(const Call& c) {
  CL_ASSIGN_OR_RETURN(uint64_t from, UintParam(c.query, "fromVersion", 1, 1, UINT32_MAX));
  CL_ASSIGN_OR_RETURN(uint64_t limit, UintParam(c.query, "limit", kDefaultPage, 1, kMaxPage));
  CL_ASSIGN_OR_RETURN(bool raw, BoolParam(c.query, "raw"));
  if (raw && c.principal->role != Role::kAuditor) {
    return Status::PermissionDenied("raw=true (the stored bytes) is for the auditor role");
  }
  CL_ASSIGN_OR_RETURN(FamilyRead read, ReadFamilyFor(c, raw ? ledger::AccessView::kEventsRaw
                                                            : ledger::AccessView::kEvents));
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
  // Served only once a documentUploaded of the family names the bytes, and as of a moment
  // only if it was recorded by then (documents.h); checked before the read is logged.
  projections::Document recorded;
  CL_ASSIGN_OR_RETURN(
      FamilyRead read,
      ReadFamilyFor(
          c, ledger::AccessView::kDocument,
          [&](const std::string& id) {
            CL_ASSIGN_OR_RETURN(projections::FamilyState now, CurrentFamily(id));
            const projections::Document* d = RecordedDocument(now, sha_hex);
            if (d == nullptr) {
              return Status::NotFound("family " + id + " has no document " + sha_hex +
                                      " recorded (bytes are served once a documentUploaded event "
                                      "names them)");
            }
            std::string as_of_text;
            CL_ASSIGN_OR_RETURN(projections::AsOf as_of, AsOfParams(c.query, &as_of_text));
            if (!as_of.now()) {
              CL_ASSIGN_OR_RETURN(uint64_t as_of_seq, projections::ResolveAsOf(store_, as_of));
              if (d->seq > as_of_seq) {
                return Status::NotFound("document " + sha_hex + " of family " + id +
                                        " was not yet recorded " + as_of_text);
              }
            }
            recorded = *d;
            CL_ASSIGN_OR_RETURN(bool stored, store_.HasBlob(id, sha));
            return stored ? Status()
                          : Status::NotFound("family " + id + " has no document " + sha_hex);
          },
          sha_hex));
  CL_ASSIGN_OR_RETURN(std::string bytes, store_.GetBlob(read.id, sha));
  Reply r;
  // The media type recorded by the event, if on the allow-list; the client's at upload is
  // never kept.
  r.type = AllowedMediaType(recorded.media_type).value_or("application/octet-stream");
  // The name as recorded, made safe for the header.
  std::string safe;
  for (char ch : recorded.filename) {
    safe.push_back(ch == '"' || ch == '\\' || ch < 0x20 || ch == 0x7f ? '_' : ch);
  }
  if (safe.empty()) safe = sha_hex;
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + safe + "\"");
  r.headers.emplace_back("Content-Security-Policy", "sandbox; default-src 'none'");
  r.body = std::move(bytes);
  return r;
}

// ---------------------------------------------------------------- other reads

Result<Reply> Server::Impl::OpenEpisode(const Call& c) {
  CL_ASSIGN_OR_RETURN(std::string raw_id, RequiredQuery(c.query, "familyId"));
  CL_ASSIGN_OR_RETURN(std::string id, IdParam(raw_id, "familyId"));
  auto current = CurrentFamily(id);
  if (!current.ok() && current.status().code() != Code::kNotFound) return current.status();
  const projections::Episode* open = current.ok() ? current->OpenEpisode() : nullptr;
  std::string out = "{\"familyId\":" + JsonQuote(id) + ",\"open\":" + (open ? "true" : "false");
  if (current.ok())
    CL_RETURN_IF_ERROR(RecordRead(*c.principal, {id}, ledger::AccessView::kOpenEpisode, ""));
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
    CL_RETURN_IF_ERROR(RecordRead(*c.principal, FamiliesOf(events), ledger::AccessView::kFeed, ""));
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
  // Slots per role (limits.h): a wall of dashboards leaves the auditors theirs.
  if (auto refused = live_slots_.Take(c.principal->role)) return Status::Unavailable(*refused);
  live_streams_.fetch_add(1);
  const Principal p = *c.principal;
  const auto heartbeat = std::chrono::seconds(std::max(1, options_.live_heartbeat_seconds));
  Reply r;
  r.stream = [this, p, after, heartbeat](httplib::Response& res) mutable {
    auto last_write = std::chrono::steady_clock::now();
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, p, after, last_write, heartbeat](size_t, httplib::DataSink& sink) mutable {
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
            if (!RecordRead(p, FamiliesOf(*events), ledger::AccessView::kLiveFeed, "").ok()) {
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
            // Nothing to send: a comment now and then, whose failed write finds a client
            // that went away, so that its slot is freed.
            if (std::chrono::steady_clock::now() - last_write < heartbeat) return true;
            chunk = ": ping\n\n";
          }
          last_write = std::chrono::steady_clock::now();
          return sink.write(chunk.data(), chunk.size());
        },
        [this, role = p.role](bool) {
          live_streams_.fetch_sub(1);
          live_slots_.Release(role);
        });
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
  CL_ASSIGN_OR_RETURN(std::unique_ptr<projections::Overview> then, checkpoints_.AsOf(max_seq));
  return answer(*then);
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
  g.families = app_.cache().Stats();
  Reply r;
  r.type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_.Prometheus(store_.Stats(), g);
  return r;
}

}  // namespace caseledger::api
