#include "projections/views.h"

#include <map>
#include <memory>

#include "ledger/json_codec.h"
#include "ledger/time_format.h"

namespace caseledger::projections {
namespace {

using ledger::FormatRfc3339;
using ledger::JsonQuote;

std::string Bool(bool b) { return b ? "true" : "false"; }
std::string OptText(const std::string& s) { return s.empty() ? "null" : JsonQuote(s); }
std::string Time(int64_t t) { return t == 0 ? "null" : JsonQuote(FormatRfc3339(t)); }

template <class T, class F>
std::string List(const T& items, F&& each) {
  std::string out = "[";
  bool first = true;
  for (const auto& item : items) {
    out += (first ? "" : ",") + each(item);
    first = false;
  }
  return out + "]";
}

std::string Quoted(const std::string& s) { return JsonQuote(s); }

std::string EpisodeJson(const Episode& ep) {
  const Consent& c = ep.consent;
  std::string out =
      "{\"episodeId\":" + JsonQuote(ep.id) + ",\"status\":" + JsonQuote(Name(ep.status)) +
      ",\"keyworkerId\":" + JsonQuote(ep.keyworker_id) +
      ",\"registrationCompletedOn\":" + JsonQuote(ep.registration_completed_on) +
      ",\"consent\":{\"given\":" + Bool(c.given) + ",\"givenBy\":" + OptText(c.given_by) +
      ",\"givenAt\":" + Time(c.given_at) +
      ",\"informationSharing\":" + Bool(c.information_sharing) + ",\"refused\":" + Bool(c.refused) +
      ",\"refusedBy\":" + OptText(c.refused_by) +
      ",\"refusalReason\":" + OptText(c.refusal_reason) + ",\"withdrawn\":" + Bool(c.withdrawn) +
      ",\"withdrawnBy\":" + OptText(c.withdrawn_by) +
      ",\"withdrawalReason\":" + OptText(c.withdrawal_reason) +
      ",\"withdrawnAt\":" + Time(c.withdrawn_at) +
      ",\"givenByMemberId\":" + OptText(c.given_by_member_id) +
      ",\"refusedByMemberId\":" + OptText(c.refused_by_member_id) +
      ",\"withdrawnByMemberId\":" + OptText(c.withdrawn_by_member_id) + "}" +
      ",\"tafMembers\":" + List(ep.taf_members, Quoted) +
      ",\"assessment\":{\"startedAt\":" + Time(ep.assessment_started_at) +
      ",\"finalised\":" + Bool(ep.finalised) + ",\"finalisedAt\":" + Time(ep.finalised_at) +
      ",\"signedByFamily\":" + Bool(ep.signed_by_family) +
      ",\"copyGivenToFamily\":" + Bool(ep.copy_given_to_family) +
      ",\"keyworkerAnalysis\":" + OptText(ep.keyworker_analysis) +
      ",\"hardToEngage\":" + Bool(ep.hard_to_engage) +
      ",\"contributionsOutstandingAtFinalisation\":" +
      List(ep.contributions_outstanding_at_finalisation, Quoted) + ",\"contributions\":" +
      List(ep.contributions,
           [](const Contribution& x) {
             return "{\"requestId\":" + JsonQuote(x.request_id) +
                    ",\"agency\":" + JsonQuote(x.agency) +
                    ",\"requestedAt\":" + Time(x.requested_at) +
                    ",\"receivedAt\":" + Time(x.received_at) + "}";
           }) +
      "}";
  out += ",\"meetings\":" + List(ep.meetings, [](const Meeting& m) {
           return "{\"meetingId\":" + JsonQuote(m.id) + ",\"kind\":" + JsonQuote(ev::Name(m.kind)) +
                  ",\"outcome\":" + JsonQuote(ev::Name(m.outcome)) +
                  ",\"heldAt\":" + Time(m.held_at) + ",\"recordedAt\":" + Time(m.recorded_at) +
                  ",\"attendees\":" + List(m.attendees, Quoted) +
                  ",\"nextReviewOn\":" + OptText(m.next_review_on) +
                  ",\"planRecordedAt\":" + Time(m.plan_recorded_at) +
                  ",\"sharedWithParentsAt\":" + Time(m.shared_at) + "}";
         });
  out += ",\"actions\":" + List(ep.actions, [](const PlanAction& p) {
           const ev::Action& a = p.action;
           return "{\"actionId\":" + JsonQuote(a.action_id) +
                  ",\"description\":" + JsonQuote(a.description) +
                  ",\"owner\":" + JsonQuote(a.owner) + ",\"dueOn\":" + JsonQuote(a.due_on) +
                  ",\"status\":" + JsonQuote(ev::Name(a.status)) +
                  ",\"meetingId\":" + JsonQuote(p.meeting_id) + "}";
         });
  out += ",\"documents\":" + List(ep.documents, [](const Document& d) {
           return "{\"documentId\":" + JsonQuote(d.id) + ",\"filename\":" + JsonQuote(d.filename) +
                  ",\"mediaType\":" + JsonQuote(d.media_type) +
                  ",\"sha256\":" + JsonQuote(d.sha256) + ",\"size\":" + std::to_string(d.size) +
                  ",\"uploadedAt\":" + Time(d.uploaded_at) + ",\"seq\":" + std::to_string(d.seq) +
                  "}";
         });
  out += ",\"caseNotes\":" + std::to_string(ep.note_ids.size()) +
         ",\"signposted\":" + List(ep.signposted, Quoted);
  out += ",\"steppedUp\":" + (ep.stepped_up
                                  ? "{\"to\":" + JsonQuote(ev::Name(ep.stepped_up_to)) +
                                        ",\"reason\":" + JsonQuote(ep.step_up_reason) +
                                        ",\"meetingId\":" + OptText(ep.step_up_meeting_id) +
                                        ",\"recordedAt\":" + Time(ep.stepped_up_recorded_at) + "}"
                                  : std::string("null"));
  out += ",\"closure\":" + (ep.closed ? "{\"reason\":" + JsonQuote(ev::Name(ep.closure_reason)) +
                                            ",\"detail\":" + OptText(ep.closure_detail) +
                                            ",\"meetingId\":" + OptText(ep.closure_meeting_id) +
                                            ",\"closedAt\":" + Time(ep.closed_at) +
                                            ",\"recordedAt\":" + Time(ep.closed_recorded_at) + "}"
                                      : std::string("null"));
  return out + "}";
}

std::string ConcernJson(const Concern& c) {
  return "{\"concernId\":" + JsonQuote(c.id) + ",\"source\":" + JsonQuote(ev::Name(c.source)) +
         ",\"kind\":" + JsonQuote(c.kind) + ",\"summary\":" + JsonQuote(c.summary) +
         ",\"aboveThreshold\":" + Bool(c.above_threshold) +
         ",\"episodeId\":" + OptText(c.episode_id) + ",\"receivedAt\":" + Time(c.received_at) +
         ",\"recordedAt\":" + Time(c.recorded_at) + ",\"seq\":" + std::to_string(c.seq) +
         ",\"directed\":" + Bool(c.directed) + ",\"direction\":" + OptText(c.direction) +
         ",\"directedBy\":" + OptText(c.directed_by) + ",\"directedAt\":" + Time(c.directed_at) +
         ",\"referredTo\":" + OptText(c.referred_to) + ",\"referredAt\":" + Time(c.referred_at) +
         ",\"directions\":" +
         List(c.directions,
              [](const Direction& d) {
                return "{\"direction\":" + JsonQuote(d.text) + ",\"by\":" + JsonQuote(d.by) +
                       ",\"at\":" + Time(d.at) + ",\"seq\":" + std::to_string(d.seq) + "}";
              }) +
         "}";
}

}  // namespace

Result<uint64_t> ResolveAsOf(ledger::Store& store, const AsOf& as_of) {
  uint64_t size = store.Size();
  if (as_of.seq != 0) {
    if (as_of.seq > size) {
      return Status::InvalidArgument("asOfSeq " + std::to_string(as_of.seq) +
                                         " is beyond the log (size " + std::to_string(size) + ")",
                                     "asOfSeq");
    }
    return as_of.seq;
  }
  if (as_of.recorded_at != 0) return store.SeqAsOf(as_of.recorded_at);
  return size;
}

Result<std::vector<ev::Event>> ReadFamily(ledger::Store& store, const std::string& family_id,
                                          uint64_t max_seq) {
  if (!ledger::IsValidId(family_id)) {
    return Status::InvalidArgument("a family id is 1-64 characters of A-Z a-z 0-9 - _", "familyId");
  }
  std::vector<ev::Event> out;
  if (max_seq == 0) return Status::NotFound("family " + family_id + " has no record at that time");
  CL_ASSIGN_OR_RETURN(auto recorded, store.ReadStream("family/" + family_id, 1, SIZE_MAX, max_seq));
  if (recorded.empty()) {
    return Status::NotFound("family " + family_id + " has no record" +
                            (max_seq < store.Size() ? " at that time" : ""));
  }
  out.reserve(recorded.size());
  for (const auto& r : recorded) {
    CL_ASSIGN_OR_RETURN(ev::Event e, ev::Decode(r));
    out.push_back(std::move(e));
  }
  return out;
}

Result<Practitioner> ReadPractitioner(ledger::Store& store, const std::string& id,
                                      uint64_t max_seq) {
  Practitioner p;
  p.id = id;
  if (!ledger::IsValidId(id)) return p;
  CL_ASSIGN_OR_RETURN(auto recorded, store.ReadStream("practitioner/" + id, 1, SIZE_MAX, max_seq));
  for (const auto& r : recorded) {
    CL_ASSIGN_OR_RETURN(ev::Event e, ev::Decode(r));
    Apply(p, e);
  }
  return p;
}

PractitionerNames StoreNames(ledger::Store& store, uint64_t max_seq) {
  auto cache = std::make_shared<std::map<std::string, std::string>>();
  return [&store, max_seq, cache](const std::string& id) -> std::string {
    auto it = cache->find(id);
    if (it != cache->end()) return it->second;
    auto p = ReadPractitioner(store, id, max_seq);
    std::string name;
    if (p.ok() && p->registered) name = p->name + " (" + p->agency + ")";
    (*cache)[id] = name;
    return name;
  };
}

std::string FamilyStateJson(const FamilyState& f, uint64_t as_of_seq) {
  return FamilyStateJson(f, as_of_seq, FamilyStateRestJson(f));
}

std::string FamilyStateJson(const FamilyState& f, uint64_t as_of_seq, std::string_view rest) {
  std::string out = "{\"familyId\":" + JsonQuote(f.family_id) +
                    ",\"version\":" + std::to_string(f.version) +
                    ",\"asOfSeq\":" + std::to_string(as_of_seq);
  out.reserve(out.size() + rest.size());
  out += rest;
  return out;
}

std::string FamilyStateRestJson(const FamilyState& f) {
  std::string out = ",\"registered\":" + Bool(f.registered);
  out += ",\"members\":" + List(f.members, [](const ev::Member& m) {
           return "{\"memberId\":" + JsonQuote(m.member_id) +
                  ",\"role\":" + JsonQuote(ev::Name(m.role)) + ",\"name\":" + JsonQuote(m.name) +
                  ",\"dateOfBirth\":" + OptText(m.date_of_birth) + "}";
         });
  out += ",\"address\":" + OptText(f.address) + ",\"consentToCheck\":" + Bool(f.consent_to_check);
  const Episode* open = f.OpenEpisode();
  out += ",\"openEpisodeId\":" + (open ? JsonQuote(open->id) : std::string("null"));
  out += ",\"episodes\":" + List(f.episodes, EpisodeJson);
  out += ",\"concerns\":" + List(f.concerns, ConcernJson);
  out += ",\"familyNotes\":" + std::to_string(f.family_note_ids.size());
  out += ",\"corrections\":" + List(f.corrections, [](const auto& kv) {
           return "{\"correctsSeq\":" + std::to_string(kv.first) +
                  ",\"seq\":" + std::to_string(kv.second.seq) +
                  ",\"reason\":" + JsonQuote(kv.second.reason) +
                  ",\"by\":" + JsonQuote(kv.second.by) +
                  ",\"recordedAt\":" + Time(kv.second.recorded_at) + "}";
         });
  out += ",\"legalHold\":" + Bool(f.legal_hold) + ",\"erased\":" + Bool(f.erased) + "}";
  return out;
}

std::string PrettyJson(std::string_view json) {
  std::string out;
  int depth = 0;
  bool in_string = false;
  auto newline = [&] { out += '\n' + std::string(2 * depth, ' '); };
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) {
        out += json[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[':
        // Keep empty containers on one line.
        if (i + 1 < json.size() && (json[i + 1] == '}' || json[i + 1] == ']')) {
          out += c;
          out += json[++i];
          break;
        }
        out += c;
        ++depth;
        newline();
        break;
      case '}':
      case ']':
        --depth;
        newline();
        out += c;
        break;
      case ',':
        out += c;
        newline();
        break;
      case ':':
        out += ": ";
        break;
      case ' ':
      case '\n':
      case '\t':
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out + "\n";
}

}  // namespace caseledger::projections
