// What the overview keeps of a family (FamilyFacts) and its saved form: every field comes back
// as saved, nothing personal is kept, and a damaged value is refused as data loss.
#include <catch2/catch.hpp>

#include "projections/overview_facts.h"

namespace caseledger::projections {
namespace {

// Every field set, none to its default, with awkward text and extreme numbers.
FamilyFacts Full() {
  FamilyFacts f;
  f.registered = true;
  f.checked_for = {"P9", "P10"};
  EpisodeFacts e;
  e.id = "E1";
  e.status = EpisodeStatus::kConsentWithdrawnClosing;
  e.registration_completed_on = "2026-05-01";
  e.keyworker_id = "P1";
  e.taf_members = {"P2", "P3"};
  e.consent_given = true;
  e.consent_refused = true;
  e.consent_refused_at = -1;
  e.consent_withdrawn = true;
  e.consent_withdrawn_at = INT64_MAX;
  e.finalised = true;
  e.finalised_at = INT64_MIN;
  e.signed_by_family = true;
  e.copy_given_to_family = true;
  e.meetings.push_back({"M1", ev::MeetingOutcome::kClose, "2026-06-01", 1, 2, 3, 4});
  e.meetings.push_back({std::string("M\0\xff", 3), ev::MeetingOutcome::kStepUp, "", -5, 0, 0, 0});
  e.plan_updated_at = {7, -8, 1LL << 62};
  e.stepped_up = true;
  e.stepped_up_at = 11;
  e.stepped_up_recorded_at = 12;
  e.closed = true;
  e.closed_at = 13;
  e.closed_recorded_at = 14;
  e.last_contact_at = -15;
  f.episodes.push_back(e);
  EpisodeFacts second;
  second.id = "E2";
  second.status = EpisodeStatus::kClosed;
  f.episodes.push_back(second);
  f.concerns.push_back({"C1", ev::ConcernSource::kOther, true, "E1", UINT64_MAX, 21, 22, true});
  f.concerns.push_back({"C2", ev::ConcernSource::kPolice, false, "", 1, 0, 0, false});
  return f;
}

TEST_CASE("overview facts: every field of every struct comes back from its saved form",
          "[projections][overview]") {
  const FamilyFacts full = Full();
  auto back = DecodeFacts(EncodeFacts(full));
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(*back == full);
  // Each field on its own: a field the form forgot would come back at its default.
  FamilyFacts one = full;
  one.episodes[0].meetings[0].shared_at = 99;
  CHECK(*DecodeFacts(EncodeFacts(one)) == one);
  CHECK_FALSE(*DecodeFacts(EncodeFacts(one)) == full);
  auto empty = DecodeFacts(EncodeFacts(FamilyFacts{}));
  REQUIRE(empty.ok());
  CHECK(*empty == FamilyFacts{});
  CHECK(FactsFormat(EncodeFacts(full)) == kFactsFormat);
}

TEST_CASE(
    "overview facts: a damaged, cut short, overlong or other-format saved value is refused "
    "with data loss",
    "[projections][overview]") {
  const std::string good = EncodeFacts(Full());
  auto refused = [](std::string_view saved) {
    auto f = DecodeFacts(saved);
    return !f.ok() && f.status().code() == Code::kDataLoss;
  };
  CHECK(refused(""));
  CHECK(refused(std::string(1, static_cast<char>(kFactsFormat))));
  for (size_t n = 0; n < good.size(); ++n) {
    INFO("cut to " << n << " bytes");
    CHECK(refused(good.substr(0, n)));
  }
  CHECK(refused(good + "x"));
  // Another form: refused, and FactsFormat says which, so that Open rebuilds instead.
  std::string older = good;
  older[0] = 3;
  CHECK(refused(older));
  CHECK(FactsFormat(older) == uint64_t{3});
  CHECK(FactsFormat("") == std::nullopt);
  CHECK(FactsFormat(std::string(11, '\x80')) == std::nullopt);  // a varint that never ends
  const std::string format(1, static_cast<char>(kFactsFormat));
  CHECK(refused(format + "\x02"));  // a bool that is neither 0 nor 1
  CHECK(refused(format + "\x01" + "\xff\xff\xff\xff\xff\xff\xff\xff\x7f"));  // a huge count
  CHECK(refused(format + std::string(11, '\x80')));
  // An enumerant past the last: registered, no checks, one episode "E1" of status 7 (the last,
  // kClosed, is 5).
  CHECK(refused(format + std::string("\x01\x00\x01\x02"
                                     "E1"
                                     "\x07",
                                     7)));
  // Any one byte changed: decoded or refused, never a crash.
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      auto f = DecodeFacts(bad);
      CHECK((f.ok() || f.status().code() == Code::kDataLoss));
    }
  }
}

TEST_CASE("overview facts: FactsOf keeps what the views need and no personal data",
          "[projections][overview]") {
  FamilyState s;
  s.family_id = "F1";
  s.registered = true;
  s.members = {{"C1", ev::MemberRole::kChild, "Kid Name", "2015-01-01"}};
  s.address = "1 Secret Road";
  s.checked_for = {"P9"};
  Episode ep;
  ep.id = "E1";
  ep.status = EpisodeStatus::kSteppedUp;
  ep.keyworker_id = "P1";
  ep.taf_members = {"P2"};
  ep.registration_completed_on = "2026-05-01";
  ep.consent.given = true;
  ep.consent.given_by = "Parent Name";
  ep.consent.withdrawn = true;
  ep.consent.withdrawn_at = 5;
  ep.consent.withdrawal_reason = "Secret reason";
  ep.finalised = true;
  ep.finalised_at = 6;
  ep.keyworker_analysis = "Secret analysis";
  Meeting m;
  m.id = "M1";
  m.outcome = ev::MeetingOutcome::kStepUp;
  m.attendees = {"Attendee Name"};
  m.next_review_on = "2026-06-01";
  m.held_at = 7;
  m.recorded_at = 8;
  m.plan_recorded_at = 9;
  m.shared_at = 10;
  ep.meetings.push_back(m);
  ep.actions.push_back(
      {{"A1", "Secret action", "Owner Name", "2026-06-02", ev::ActionStatus::kOpen}, "M1"});
  ep.plan_updated_at = {11};
  ep.stepped_up = true;
  ep.stepped_up_at = 12;
  ep.stepped_up_recorded_at = 13;
  ep.step_up_reason = "Secret step-up";
  ep.closed = true;
  ep.closed_at = 14;
  ep.closed_recorded_at = 15;
  ep.closure_detail = "Secret detail";
  ep.last_contact_at = 16;
  s.episodes.push_back(ep);
  Concern c;
  c.id = "C1";
  c.source = ev::ConcernSource::kSchool;
  c.kind = "secretKind";
  c.summary = "Secret summary";
  c.above_threshold = true;
  c.episode_id = "E1";
  c.seq = 3;
  c.received_at = 16;
  c.recorded_at = 17;
  c.directed = true;
  c.direction = "Secret direction";
  c.directions.push_back({"Secret direction", "T1", 18, 4});
  s.concerns.push_back(c);

  const FamilyFacts f = FactsOf(s);
  CHECK(f.registered);
  CHECK(f.checked_for == std::set<std::string>{"P9"});
  REQUIRE(f.episodes.size() == 1);
  const EpisodeFacts& e = f.episodes[0];
  CHECK(e == EpisodeFacts{"E1",
                          EpisodeStatus::kSteppedUp,
                          "2026-05-01",
                          "P1",
                          {"P2"},
                          true,
                          false,
                          0,
                          true,
                          5,
                          true,
                          6,
                          false,
                          false,
                          {{"M1", ev::MeetingOutcome::kStepUp, "2026-06-01", 7, 8, 9, 10}},
                          {11},
                          true,
                          12,
                          13,
                          true,
                          14,
                          15,
                          16});
  CHECK(f.FindEpisode("E1") == &e);
  CHECK(f.FindEpisode("E2") == nullptr);
  REQUIRE(f.concerns.size() == 1);
  CHECK(f.concerns[0] ==
        ConcernFacts{"C1", ev::ConcernSource::kSchool, true, "E1", 3, 16, 17, true});
  const std::string saved = EncodeFacts(f);
  CHECK(saved.find("Secret") == std::string::npos);
  CHECK(saved.find("secret") == std::string::npos);
  CHECK(saved.find("Name") == std::string::npos);
}

}  // namespace
}  // namespace caseledger::projections
