// The saved form of a family's facts, one value per family (key: its family id):
//
//   facts   = u64(kFactsFormat) bool(registered) count str*(checked_for)
//             count episode* count concern*
//   episode = str(id) enum(status) str(registration_completed_on) str(keyworker_id)
//             count str*(taf_members) bool(consent_given) bool(consent_refused)
//             i64(consent_refused_at) bool(consent_withdrawn) i64(consent_withdrawn_at)
//             bool(finalised) i64(finalised_at) bool(signed_by_family)
//             bool(copy_given_to_family) count meeting* count i64*(plan_updated_at)
//             bool(stepped_up) i64(stepped_up_at) i64(stepped_up_recorded_at)
//             bool(closed) i64(closed_at) i64(closed_recorded_at) i64(last_contact_at)
//   meeting = str(id) enum(outcome) str(next_review_on) i64(held_at) i64(recorded_at)
//             i64(plan_recorded_at) i64(shared_at)
//   concern = str(id) enum(source) bool(above_threshold) str(episode_id) u64(seq)
//             i64(received_at) i64(recorded_at) bool(directed)
//
//   u64 a LEB128 varint; i64 zigzag-encoded, then a u64; bool a u64 0 or 1; enum a u64 below
//   the enumeration's count; count a u64; str a u64 length, then that many bytes.
//
// Written by hand (STYLE.md item 18): Cap'n Proto stays inside ledger/, and a family's facts
// are a few hundred bytes rewritten after each of its events; a varint form is small and
// cheap, and tests/projections/overview_facts_test.cc round-trips every field. The encoder
// takes each struct apart with a structured binding, so a field added to a struct stops the
// build here until the form (and kFactsFormat) takes it.
#include "projections/overview_facts.h"

namespace caseledger::projections {
namespace {

class Writer {
 public:
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Bool(bool b) { U64(b ? 1 : 0); }
  template <class E>
  void Enum(E e) {
    U64(static_cast<uint64_t>(e));
  }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Strs(const std::set<std::string>& strs) {
    U64(strs.size());
    for (const std::string& s : strs) Str(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads the form back; after the first mistake every read gives a zero value and ok() is false.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == in_.size(); }
  uint64_t U64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && pos_ < in_.size(); shift += 7) {
      const auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();  // cut short, or longer than ten bytes
  }
  int64_t I64() {
    const uint64_t z = U64();
    return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  }
  bool Bool() {
    const uint64_t v = U64();
    if (v > 1) Fail();
    return v == 1;
  }
  // An enumerant of E, whose last enumerant is `last`.
  template <class E>
  E Enum(E last) {
    const uint64_t v = U64();
    return static_cast<E>(v <= static_cast<uint64_t>(last) ? v : Fail());
  }
  std::string Str() {
    const uint64_t n = U64();
    if (n > in_.size() - pos_) return Fail(), std::string();
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // How many items follow: each takes at least one byte, so never more than the bytes left.
  size_t Count() {
    const uint64_t n = U64();
    return n <= in_.size() - pos_ ? n : Fail();
  }
  std::set<std::string> Strs() {
    std::set<std::string> out;
    for (size_t n = Count(); n > 0 && ok_; --n) out.insert(Str());
    return out;
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void Write(Writer& w, const MeetingFacts& m) {
  const auto& [id, outcome, next_review_on, held_at, recorded_at, plan_recorded_at, shared_at] = m;
  w.Str(id);
  w.Enum(outcome);
  w.Str(next_review_on);
  w.I64(held_at);
  w.I64(recorded_at);
  w.I64(plan_recorded_at);
  w.I64(shared_at);
}

void Write(Writer& w, const EpisodeFacts& e) {
  const auto& [id, status, registration_completed_on, keyworker_id, taf_members, consent_given,
               consent_refused, consent_refused_at, consent_withdrawn, consent_withdrawn_at,
               finalised, finalised_at, signed_by_family, copy_given_to_family, meetings,
               plan_updated_at, stepped_up, stepped_up_at, stepped_up_recorded_at, closed,
               closed_at, closed_recorded_at, last_contact_at] = e;
  w.Str(id);
  w.Enum(status);
  w.Str(registration_completed_on);
  w.Str(keyworker_id);
  w.Strs(taf_members);
  w.Bool(consent_given);
  w.Bool(consent_refused);
  w.I64(consent_refused_at);
  w.Bool(consent_withdrawn);
  w.I64(consent_withdrawn_at);
  w.Bool(finalised);
  w.I64(finalised_at);
  w.Bool(signed_by_family);
  w.Bool(copy_given_to_family);
  w.U64(meetings.size());
  for (const MeetingFacts& m : meetings) Write(w, m);
  w.U64(plan_updated_at.size());
  for (int64_t at : plan_updated_at) w.I64(at);
  w.Bool(stepped_up);
  w.I64(stepped_up_at);
  w.I64(stepped_up_recorded_at);
  w.Bool(closed);
  w.I64(closed_at);
  w.I64(closed_recorded_at);
  w.I64(last_contact_at);
}

void Write(Writer& w, const ConcernFacts& c) {
  const auto& [id, source, above_threshold, episode_id, seq, received_at, recorded_at, directed] =
      c;
  w.Str(id);
  w.Enum(source);
  w.Bool(above_threshold);
  w.Str(episode_id);
  w.U64(seq);
  w.I64(received_at);
  w.I64(recorded_at);
  w.Bool(directed);
}

MeetingFacts ReadMeeting(Reader& r) {
  MeetingFacts m;
  m.id = r.Str();
  m.outcome = r.Enum(ev::MeetingOutcome::kClose);
  m.next_review_on = r.Str();
  m.held_at = r.I64();
  m.recorded_at = r.I64();
  m.plan_recorded_at = r.I64();
  m.shared_at = r.I64();
  return m;
}

EpisodeFacts ReadEpisode(Reader& r) {
  EpisodeFacts e;
  e.id = r.Str();
  e.status = r.Enum(EpisodeStatus::kClosed);
  e.registration_completed_on = r.Str();
  e.keyworker_id = r.Str();
  e.taf_members = r.Strs();
  e.consent_given = r.Bool();
  e.consent_refused = r.Bool();
  e.consent_refused_at = r.I64();
  e.consent_withdrawn = r.Bool();
  e.consent_withdrawn_at = r.I64();
  e.finalised = r.Bool();
  e.finalised_at = r.I64();
  e.signed_by_family = r.Bool();
  e.copy_given_to_family = r.Bool();
  for (size_t n = r.Count(); n > 0 && r.ok(); --n) e.meetings.push_back(ReadMeeting(r));
  for (size_t n = r.Count(); n > 0 && r.ok(); --n) e.plan_updated_at.push_back(r.I64());
  e.stepped_up = r.Bool();
  e.stepped_up_at = r.I64();
  e.stepped_up_recorded_at = r.I64();
  e.closed = r.Bool();
  e.closed_at = r.I64();
  e.closed_recorded_at = r.I64();
  e.last_contact_at = r.I64();
  return e;
}

ConcernFacts ReadConcern(Reader& r) {
  ConcernFacts c;
  c.id = r.Str();
  c.source = r.Enum(ev::ConcernSource::kOther);
  c.above_threshold = r.Bool();
  c.episode_id = r.Str();
  c.seq = r.U64();
  c.received_at = r.I64();
  c.recorded_at = r.I64();
  c.directed = r.Bool();
  return c;
}

}  // namespace

const EpisodeFacts* FamilyFacts::FindEpisode(std::string_view id) const {
  for (const EpisodeFacts& e : episodes) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

EpisodeFacts FactsOf(const Episode& ep) {
  EpisodeFacts e;
  e.id = ep.id;
  e.status = ep.status;
  e.registration_completed_on = ep.registration_completed_on;
  e.keyworker_id = ep.keyworker_id;
  e.taf_members = ep.taf_members;
  e.consent_given = ep.consent.given;
  e.consent_refused = ep.consent.refused;
  e.consent_refused_at = ep.consent.refused_at;
  e.consent_withdrawn = ep.consent.withdrawn;
  e.consent_withdrawn_at = ep.consent.withdrawn_at;
  e.finalised = ep.finalised;
  e.finalised_at = ep.finalised_at;
  e.signed_by_family = ep.signed_by_family;
  e.copy_given_to_family = ep.copy_given_to_family;
  e.meetings.reserve(ep.meetings.size());
  for (const Meeting& m : ep.meetings) {
    e.meetings.push_back({m.id, m.outcome, m.next_review_on, m.held_at, m.recorded_at,
                          m.plan_recorded_at, m.shared_at});
  }
  e.plan_updated_at = ep.plan_updated_at;
  e.stepped_up = ep.stepped_up;
  e.stepped_up_at = ep.stepped_up_at;
  e.stepped_up_recorded_at = ep.stepped_up_recorded_at;
  e.closed = ep.closed;
  e.closed_at = ep.closed_at;
  e.closed_recorded_at = ep.closed_recorded_at;
  e.last_contact_at = ep.last_contact_at;
  return e;
}

FamilyFacts FactsOf(const FamilyState& family) {
  FamilyFacts out;
  out.registered = family.registered;
  out.checked_for = family.checked_for;
  out.episodes.reserve(family.episodes.size());
  for (const Episode& ep : family.episodes) out.episodes.push_back(FactsOf(ep));
  out.concerns.reserve(family.concerns.size());
  for (const Concern& c : family.concerns) {
    out.concerns.push_back({c.id, c.source, c.above_threshold, c.episode_id, c.seq, c.received_at,
                            c.recorded_at, c.directed});
  }
  return out;
}

std::string EncodeFacts(const FamilyFacts& facts) {
  const auto& [registered, checked_for, episodes, concerns] = facts;
  Writer w;
  w.U64(kFactsFormat);
  w.Bool(registered);
  w.Strs(checked_for);
  w.U64(episodes.size());
  for (const EpisodeFacts& e : episodes) Write(w, e);
  w.U64(concerns.size());
  for (const ConcernFacts& c : concerns) Write(w, c);
  return w.Take();
}

Result<FamilyFacts> DecodeFacts(std::string_view saved) {
  Reader r(saved);
  const uint64_t format = r.U64();
  if (!r.ok() || format != kFactsFormat) {
    return Status::DataLoss("a saved overview entry is not in form " +
                            std::to_string(kFactsFormat) +
                            (r.ok() ? " (it is in form " + std::to_string(format) + ")" : ""));
  }
  FamilyFacts f;
  f.registered = r.Bool();
  f.checked_for = r.Strs();
  for (size_t n = r.Count(); n > 0 && r.ok(); --n) f.episodes.push_back(ReadEpisode(r));
  for (size_t n = r.Count(); n > 0 && r.ok(); --n) f.concerns.push_back(ReadConcern(r));
  if (!r.ok() || !r.AtEnd()) return Status::DataLoss("a saved overview entry is damaged");
  return f;
}

std::optional<uint64_t> FactsFormat(std::string_view saved) {
  Reader r(saved);
  const uint64_t format = r.U64();
  if (!r.ok()) return std::nullopt;
  return format;
}

}  // namespace caseledger::projections
