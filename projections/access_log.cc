#include "projections/access_log.h"

#include <map>

#include "ledger/domain_event.h"
#include "ledger/json_codec.h"
#include "ledger/time_format.h"

namespace caseledger::projections {
namespace {

namespace ev = ledger::ev;

constexpr size_t kPage = 1000;

std::string SeqBytes(uint64_t seq) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(seq >> shift));
  return out;
}

uint64_t SeqFromBytes(std::string_view in) {
  uint64_t v = 0;
  for (char c : in) v = v << 8 | static_cast<uint8_t>(c);
  return v;
}

}  // namespace

Status AccessLog::CatchUp() {
  std::lock_guard lock(mu_);
  if (!loaded_) {
    CL_ASSIGN_OR_RETURN(valid_at_, store_.ProjectionValidAt(kAccessIndexName));
    loaded_ = true;
  }
  const uint64_t size = store_.Size();
  if (valid_at_ >= size) return Status();
  CL_ASSIGN_OR_RETURN(uint32_t version, store_.StreamVersionAt(kAccessStream, valid_at_));
  while (true) {
    CL_ASSIGN_OR_RETURN(auto events, store_.ReadStream(kAccessStream, version + 1, kPage, size));
    std::map<std::string, std::string> changed;
    for (const auto& e : events) {
      CL_ASSIGN_OR_RETURN(ev::Event decoded, ev::Decode(e));
      if (const auto* viewed = std::get_if<ev::RecordViewed>(&decoded.body)) {
        changed[viewed->family_id + '\0' + SeqBytes(e.seq)] = "1";  // empty would delete
      }
      version = e.version;
    }
    const uint64_t valid_at = events.size() < kPage ? size : events.back().seq;
    if (store_.read_only()) {
      for (const auto& [key, unused] : changed) {
        const size_t zero = key.find('\0');
        unsaved_[key.substr(0, zero)].insert(SeqFromBytes(std::string_view(key).substr(zero + 1)));
      }
    } else {
      CL_RETURN_IF_ERROR(store_.SaveProjection(kAccessIndexName, valid_at, changed, false));
    }
    valid_at_ = valid_at;
    if (events.size() < kPage) break;
  }
  if (store_.read_only()) ForgetSaved();
  return Status();
}

void AccessLog::ForgetSaved() {
  // The writer saves entries with the seq they are valid at in one write: every read up to
  // that seq is in the saved index. A failure (the saved index read ahead of this replica's
  // published log) only keeps entries a while longer.
  auto saved = store_.ProjectionValidAt(kAccessIndexName);
  if (!saved.ok()) return;
  for (auto it = unsaved_.begin(); it != unsaved_.end();) {
    auto& seqs = it->second;
    seqs.erase(seqs.begin(), seqs.upper_bound(*saved));
    it = seqs.empty() ? unsaved_.erase(it) : std::next(it);
  }
}

uint64_t AccessLog::valid_at() const {
  std::lock_guard lock(mu_);
  return valid_at_;
}

Result<std::vector<AccessEntry>> AccessLog::List(const std::string& family_id, uint64_t after_seq,
                                                 size_t limit) {
  if (!ledger::IsValidId(family_id)) {
    return Status::InvalidArgument("familyId must be 1-64 of A-Z a-z 0-9 - _", "familyId");
  }
  CL_RETURN_IF_ERROR(CatchUp());
  const std::string prefix = family_id + '\0';
  CL_ASSIGN_OR_RETURN(auto keys, store_.ScanProjection(kAccessIndexName, prefix,
                                                       prefix + SeqBytes(after_seq), limit));
  std::set<uint64_t> seqs;
  for (const auto& [key, value] : keys) {
    seqs.insert(SeqFromBytes(std::string_view(key).substr(prefix.size())));
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = unsaved_.find(family_id); it != unsaved_.end()) {
      for (auto s = it->second.upper_bound(after_seq); s != it->second.end(); ++s) {
        seqs.insert(*s);
      }
    }
  }
  std::vector<AccessEntry> out;
  const uint64_t size = store_.Size();  // a replica's saved index may run ahead of it
  for (uint64_t seq : seqs) {
    if (out.size() >= limit || seq > size) break;
    CL_ASSIGN_OR_RETURN(ledger::RecordedEvent e, store_.ReadSeq(seq));
    CL_ASSIGN_OR_RETURN(ev::Event decoded, ev::Decode(e));
    const auto* viewed = std::get_if<ev::RecordViewed>(&decoded.body);
    if (viewed == nullptr || viewed->family_id != family_id) {
      return Status::DataLoss("the access index names seq " + std::to_string(seq) +
                                  ", which is not a read of family " + family_id,
                              seq);
    }
    out.push_back({seq, e.recorded_at, e.actor, viewed->view, viewed->purpose});
  }
  return out;
}

Result<ledger::AppendRequest> RecordViewedRequest(const ledger::Actor& reader,
                                                  const ledger::EventId& event_id, int64_t now,
                                                  const std::string& family_id,
                                                  const std::string& view,
                                                  const std::string& purpose) {
  CL_ASSIGN_OR_RETURN(ledger::EventDraft draft,
                      ev::EncodeDraft(event_id, now, ev::RecordViewed{family_id, view, purpose}));
  ledger::AppendRequest request;
  request.stream = kAccessStream;
  request.expected = ledger::ExpectedVersion::Any();
  request.actor = reader;
  request.events.push_back(std::move(draft));
  return request;
}

std::string AccessJson(const std::string& family_id, const std::vector<AccessEntry>& entries,
                       bool more, uint64_t as_of_seq) {
  std::string out = "{\"familyId\":" + ledger::JsonQuote(family_id) +
                    ",\"asOfSeq\":" + std::to_string(as_of_seq) + ",\"accesses\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    const AccessEntry& a = entries[i];
    out += (i ? "," : "");
    out += "{\"seq\":" + std::to_string(a.seq) +
           ",\"recordedAt\":" + ledger::JsonQuote(ledger::FormatRfc3339(a.recorded_at)) +
           ",\"actor\":{\"id\":" + ledger::JsonQuote(a.actor.id) +
           ",\"role\":" + ledger::JsonQuote(a.actor.role) +
           "},\"view\":" + ledger::JsonQuote(a.view);
    if (!a.purpose.empty()) out += ",\"purpose\":" + ledger::JsonQuote(a.purpose);
    out += "}";
  }
  out += "],\"next\":";
  out += more && !entries.empty() ? std::to_string(entries.back().seq) : "null";
  return out + "}";
}

}  // namespace caseledger::projections
