// A real ledger (temporary RocksDB folder) with the domain rules as its guard and a manual
// clock, and short ways to append domain events in tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ledger/time_format.h"
#include "projections/calendar.h"
#include "projections/family_cache.h"
#include "projections/rules.h"
#include "tests/ledger/test_util.h"

namespace caseledger::testing {

inline int64_t At(const std::string& rfc3339) {
  auto t = ledger::ParseRfc3339(rfc3339);
  REQUIRE(t.ok());
  return *t;
}

// The England and Wales bank holidays of fixtures/calendar, loaded once.
inline const projections::Calendar& FixtureCalendar() {
  static const projections::Calendar calendar = [] {
    auto c = projections::Calendar::Load(std::string(CASELEDGER_FIXTURES_DIR) +
                                         "/calendar/bank-holidays-england-wales.txt");
    REQUIRE(c.ok());
    return std::move(c).value();
  }();
  return calendar;
}

struct Ev {
  std::string type;
  std::string data;  // the data object, JSON
  std::string occurred_at = "2026-05-01T10:00:00Z";
};

class DomainLedger {
 public:
  // The rules take families through a cache of `cache_bytes` (family_cache.h), as a server's do.
  explicit DomainLedger(projections::RulesOptions options = {},
                        size_t cache_bytes = projections::FamilyCache::kDefaultMaxBytes)
      : clock_(At("2026-05-01T12:00:00Z")), options_(options), cache_bytes_(cache_bytes) {
    Open();
  }

  // Closes the store and opens it again with fresh rules and cache, as a restart does.
  void Reopen() {
    store_.reset();
    Open();
  }

  ledger::Store& store() { return *store_; }
  projections::FamilyCache& cache() { return *cache_; }
  ledger::ManualClock& clock() { return clock_; }

  Result<ledger::AppendResult> Append(const std::string& stream, const ledger::Actor& actor,
                                      const std::vector<Ev>& events) {
    ledger::AppendRequest r;
    r.stream = stream;
    r.expected = ledger::ExpectedVersion::Any();
    r.actor = actor;
    for (const auto& e : events) {
      std::string json = "{\"eventId\":\"" + Uuid(++next_id_, 0xd0) + "\",\"type\":\"" + e.type +
                         "\",\"occurredAt\":\"" + e.occurred_at + "\",\"data\":" + e.data + "}";
      auto draft = ledger::ParseEventJson(json);
      INFO(json);
      INFO(draft.status().ToString());
      REQUIRE(draft.ok());
      r.events.push_back(std::move(draft).value());
    }
    return store_->Append(std::move(r));
  }

  // Registers practitioner `id`; trained in both courses unless told otherwise.
  void Practitioner(const std::string& id, bool standards = true, bool recording = true) {
    std::vector<Ev> events{
        {"practitionerRegistered",
         R"({"name":"Name )" + id + R"(","agency":"school","email":")" + id + R"(@example.org"})"}};
    if (standards) {
      events.push_back(
          {"practitionerTrained", R"({"course":"practiceStandards","completedOn":"2026-01-06"})"});
    }
    if (recording) {
      events.push_back(
          {"practitionerTrained", R"({"course":"recordingSystem","completedOn":"2026-01-07"})"});
    }
    auto r = Append("practitioner/" + id, kAdmin, events);
    REQUIRE(r.ok());
  }

  // Registers family `family` and opens episode `episode` led by `keyworker`.
  Result<ledger::AppendResult> OpenFamily(const std::string& family,
                                          const std::string& episode = "E1",
                                          const std::string& keyworker = "P1") {
    return Append(
        "family/" + family, kHelpdesk,
        {{"familyRegistered", R"({"members":[{"memberId":"C1","role":"child","name":"Kid"}]})"},
         {"episodeOpened", R"({"episodeId":")" + episode + R"(","keyworkerId":")" + keyworker +
                               R"(","registrationCompletedOn":"2026-05-01"})"}});
  }

  Result<ledger::AppendResult> Consent(const std::string& family,
                                       const std::string& episode = "E1") {
    return Append(
        "family/" + family, kP1,
        {{"consentGiven", R"({"episodeId":")" + episode +
                              R"(","givenBy":"Parent","scope":"assessment","method":"written"})"}});
  }

  static inline const ledger::Actor kAdmin{"admin", "admin", "", ""};
  static inline const ledger::Actor kHelpdesk{"helpdesk1", "helpdesk", "", ""};
  static inline const ledger::Actor kP1{"P1", "practitioner", "school", ""};
  static inline const ledger::Actor kTriage{"TM1", "triage-manager", "", ""};

 private:
  TempDir dir_;
  ledger::ManualClock clock_;
  void Open() {
    rules_ = std::make_unique<projections::DomainRules>(options_);
    store_ = OpenStore(dir_.str(), clock_, rules_.get());
    cache_ = std::make_unique<projections::FamilyCache>(*store_, cache_bytes_);
    rules_->Attach(store_.get(), cache_.get());
  }

  projections::RulesOptions options_;
  size_t cache_bytes_;
  // The store closes first, then the cache it fed and the rules it called.
  std::unique_ptr<projections::DomainRules> rules_;
  std::unique_ptr<projections::FamilyCache> cache_;
  std::unique_ptr<ledger::Store> store_;
  uint64_t next_id_ = 0;
};

// A refusal by `rule` that appended nothing.
#define REQUIRE_REFUSED(ledger_, result, rule_id)                       \
  do {                                                                  \
    auto size_before_ = (ledger_).store().Size();                       \
    auto&& r_ = (result);                                               \
    INFO((r_.ok() ? std::string("appended") : r_.status().ToString())); \
    REQUIRE_FALSE(r_.ok());                                             \
    CHECK(r_.status().code() == caseledger::Code::kFailedPrecondition); \
    CHECK(r_.status().rule() == (rule_id));                             \
    CHECK((ledger_).store().Size() == size_before_);                    \
  } while (0)

#define REQUIRE_APPENDED(result)                                        \
  do {                                                                  \
    auto&& r_ = (result);                                               \
    INFO((r_.ok() ? std::string("appended") : r_.status().ToString())); \
    REQUIRE(r_.ok());                                                   \
  } while (0)

}  // namespace caseledger::testing
