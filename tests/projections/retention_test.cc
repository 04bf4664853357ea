// Retention (docs/DATA-PROTECTION.md): the record classes and their rules, decided for every
// family of a real ledger in one pass over its log.
#include <map>

#include "projections/retention.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger::testing {
namespace {

using projections::Anniversary;
using projections::DecideAllRetention;
using projections::FormatDay;
using projections::ParseDay;
using projections::RecordClass;
using projections::RetentionDecision;
using projections::RetentionRuleKind;
using projections::RetentionRules;
using projections::RetentionStatus;
using L = DomainLedger;

projections::Day D(const std::string& text) {
  auto day = ParseDay(text);
  REQUIRE(day.ok());
  return *day;
}

// Every family of the store decided as on `on`, by family id.
std::map<std::string, RetentionDecision> Decide(ledger::Store& store, const RetentionRules& rules,
                                                const std::string& on) {
  auto all = DecideAllRetention(store, rules, D(on));
  INFO(all.status().ToString());
  REQUIRE(all.ok());
  std::map<std::string, RetentionDecision> out;
  for (auto& d : *all) out[d.family_id] = d;
  return out;
}

RetentionRules Rules(const std::string& text) {
  auto rules = RetentionRules::Parse(text, "rules.txt");
  INFO(rules.status().ToString());
  REQUIRE(rules.ok());
  return *rules;
}

std::string EndsOn(const RetentionDecision& d) { return d.ends_on ? FormatDay(*d.ends_on) : "-"; }

// familyRegistered with these members (each already a JSON object).
Ev Registered(const std::string& members) {
  return {"familyRegistered", R"({"members":[)" + members + "]}"};
}
std::string Child(const std::string& id, const std::string& born) {
  return R"({"memberId":")" + id + R"(","role":"child","name":"Name )" + id +
         (born.empty() ? "" : R"(","dateOfBirth":")" + born) + R"("})";
}

Ev Opened(const std::string& episode, const std::string& on = "2026-01-05") {
  return {"episodeOpened",
          R"({"episodeId":")" + episode + R"(","keyworkerId":"P1","registrationCompletedOn":")" +
              on + R"("})",
          on + "T10:00:00Z"};
}
Ev Closed(const std::string& episode, const std::string& at, const std::string& reason) {
  return {"episodeClosed", R"({"episodeId":")" + episode + R"(","reason":")" + reason + R"("})",
          at};
}

TEST_CASE(
    "retention: an early help record is due on the youngest child's 25th birthday, not the day "
    "before") {
  L l;
  // The eldest child first; a younger member who is not a child does not count.
  REQUIRE_APPENDED(l.Append(
      "family/F1", L::kHelpdesk,
      {Registered(
          Child("C1", "2001-03-10") + "," + Child("C2", "2003-07-15") +
          R"(,{"memberId":"M1","role":"parent","name":"Parent","dateOfBirth":"1980-01-01"})"
          R"(,{"memberId":"O1","role":"other","name":"Cousin","dateOfBirth":"2012-01-01"})")}));
  RetentionRules defaults;
  uint64_t last_done = 0, last_total = 0;
  auto all =
      DecideAllRetention(l.store(), defaults, D("2028-07-14"), [&](uint64_t done, uint64_t total) {
        last_done = done;
        last_total = total;
      });
  REQUIRE(all.ok());
  CHECK(last_done == l.store().Size());
  CHECK(last_total == l.store().Size());
  REQUIRE(all->size() == 1);
  const RetentionDecision& before = all->front();
  CHECK(before.family_id == "F1");
  CHECK(before.record_class == RecordClass::kEarlyHelp);
  CHECK(before.rule.ToString() == "youngest-child-age 25");
  CHECK(EndsOn(before) == "2028-07-15");
  CHECK(before.status == RetentionStatus::kNotYet);

  auto on = Decide(l.store(), defaults, "2028-07-15");
  CHECK(on["F1"].status == RetentionStatus::kDue);
  CHECK(Decide(l.store(), defaults, "2040-01-01")["F1"].status == RetentionStatus::kDue);
}

TEST_CASE("retention: a child born on 29 February reaches an age on 1 March in a non-leap year") {
  CHECK(FormatDay(Anniversary(D("2004-02-29"), 25)) == "2029-03-01");
  CHECK(FormatDay(Anniversary(D("2004-02-29"), 24)) == "2028-02-29");
  CHECK(FormatDay(Anniversary(D("2004-02-28"), 25)) == "2029-02-28");

  L l;
  REQUIRE_APPENDED(l.Append("family/F1", L::kHelpdesk, {Registered(Child("C1", "2004-02-29"))}));
  RetentionRules defaults;
  auto before = Decide(l.store(), defaults, "2029-02-28");
  CHECK(EndsOn(before["F1"]) == "2029-03-01");
  CHECK(before["F1"].status == RetentionStatus::kNotYet);
  CHECK(Decide(l.store(), defaults, "2029-03-01")["F1"].status == RetentionStatus::kDue);
}

TEST_CASE("retention: a family under a legal hold is held, not due, until the hold is released") {
  L l;
  REQUIRE_APPENDED(l.Append("family/F1", L::kHelpdesk, {Registered(Child("C1", "2001-01-01"))}));
  REQUIRE_APPENDED(l.Append("family/F2", L::kHelpdesk, {Registered(Child("C1", "2001-01-01"))}));
  REQUIRE_APPENDED(
      l.Append("family/F1", L::kAdmin, {{"legalHoldApplied", R"({"reason":"court order"})"}}));
  RetentionRules defaults;
  auto held = Decide(l.store(), defaults, "2030-01-01");
  CHECK(held["F1"].status == RetentionStatus::kHeld);
  CHECK(EndsOn(held["F1"]) == "2026-01-01");
  CHECK(held["F2"].status == RetentionStatus::kDue);
  // Not yet ended: a hold changes nothing.
  CHECK(Decide(l.store(), defaults, "2025-12-31")["F1"].status == RetentionStatus::kNotYet);

  REQUIRE_APPENDED(
      l.Append("family/F1", L::kAdmin, {{"legalHoldReleased", R"({"reason":"case concluded"})"}}));
  CHECK(Decide(l.store(), defaults, "2030-01-01")["F1"].status == RetentionStatus::kDue);
}

TEST_CASE("retention: a stepped-up family follows the rule configured for the steppedUp class") {
  L l;
  l.Practitioner("P1");
  REQUIRE_APPENDED(
      l.Append("family/F1", L::kHelpdesk, {Registered(Child("C1", "2001-01-01")), Opened("E1")}));
  REQUIRE_APPENDED(
      l.Append("family/F1", L::kP1,
               {{"steppedUp", R"({"episodeId":"E1","to":"familySafeguarding","reason":"r"})",
                 "2026-02-01T10:00:00Z"},
                Closed("E1", "2026-02-03T10:00:00Z", "steppedUp")}));
  REQUIRE_APPENDED(
      l.Append("family/F2", L::kHelpdesk, {Registered(Child("C1", "2001-01-01")), Opened("E1")}));
  REQUIRE_APPENDED(
      l.Append("family/F2", L::kP1, {Closed("E1", "2026-02-03T10:00:00Z", "needsMet")}));

  auto rules = Rules("steppedUp years-after-closure 75\n");
  auto decided = Decide(l.store(), rules, "2030-01-01");
  CHECK(decided["F1"].record_class == RecordClass::kSteppedUp);
  CHECK(decided["F1"].rule.ToString() == "years-after-closure 75");
  CHECK(EndsOn(decided["F1"]) == "2101-02-03");
  CHECK(decided["F1"].status == RetentionStatus::kNotYet);
  // The early help family keeps the default rule.
  CHECK(decided["F2"].record_class == RecordClass::kEarlyHelp);
  CHECK(decided["F2"].rule.ToString() == "youngest-child-age 25");
  CHECK(decided["F2"].status == RetentionStatus::kDue);
  // With the defaults, the stepped-up family is a steppedUp record under the same rule.
  auto defaults = Decide(l.store(), RetentionRules(), "2030-01-01");
  CHECK(defaults["F1"].record_class == RecordClass::kSteppedUp);
  CHECK(defaults["F1"].status == RetentionStatus::kDue);
}

TEST_CASE(
    "retention: years after closure count from the last episode closed (its London day), never "
    "while an episode is open or before any closed") {
  L l;
  l.Practitioner("P1");
  auto rules = Rules("earlyHelp years-after-closure 6\n");
  REQUIRE_APPENDED(
      l.Append("family/F1", L::kHelpdesk, {Registered(Child("C1", "2001-01-01")), Opened("E1")}));
  REQUIRE_APPENDED(
      l.Append("family/F1", L::kP1, {Closed("E1", "2026-01-20T10:00:00Z", "movedOutOfArea")}));
  CHECK(EndsOn(Decide(l.store(), rules, "2026-05-01")["F1"]) == "2032-01-20");

  REQUIRE_APPENDED(l.Append("family/F1", L::kHelpdesk, {Opened("E2", "2026-03-02")}));
  auto open = Decide(l.store(), rules, "2040-01-01")["F1"];
  CHECK(open.status == RetentionStatus::kNotYet);
  CHECK_FALSE(open.ends_on.has_value());
  CHECK(open.reason == "an episode is open");

  // 23:30 UTC on 20 April is 00:30 on the 21st in London (BST).
  REQUIRE_APPENDED(
      l.Append("family/F1", L::kP1, {Closed("E2", "2026-04-20T23:30:00Z", "needsMet")}));
  auto closed = Decide(l.store(), rules, "2032-04-20")["F1"];
  CHECK(EndsOn(closed) == "2032-04-21");
  CHECK(closed.status == RetentionStatus::kNotYet);
  CHECK(Decide(l.store(), rules, "2032-04-21")["F1"].status == RetentionStatus::kDue);

  // Registered, never an episode: there is nothing to count from.
  REQUIRE_APPENDED(l.Append("family/F2", L::kHelpdesk, {Registered(Child("C1", "2001-01-01"))}));
  auto never = Decide(l.store(), rules, "2040-01-01")["F2"];
  CHECK(never.status == RetentionStatus::kUndetermined);
  CHECK(never.reason == "no episode was closed");
}

TEST_CASE(
    "retention: without every child's readable date of birth the end is undetermined") {
  L l;
  REQUIRE_APPENDED(l.Append("family/F1", L::kHelpdesk, {Registered(Child("C1", ""))}));
  REQUIRE_APPENDED(l.Append(
      "family/F2", L::kHelpdesk,
      {Registered(R"({"memberId":"M1","role":"parent","name":"P","dateOfBirth":"1980-01-01"})")}));
  // A child without a date of birth may be the youngest: never due by itself.
  REQUIRE_APPENDED(l.Append("family/F3", L::kHelpdesk,
                            {Registered(Child("C1", "") + "," + Child("C2", "2001-01-01"))}));
  auto decided = Decide(l.store(), RetentionRules(), "2100-01-01");
  CHECK(decided["F1"].status == RetentionStatus::kUndetermined);
  CHECK(decided["F1"].reason == "a child has no date of birth");
  CHECK_FALSE(decided["F1"].ends_on.has_value());
  CHECK(decided["F2"].status == RetentionStatus::kUndetermined);
  CHECK(decided["F3"].status == RetentionStatus::kUndetermined);
  CHECK(decided["F3"].reason == "a child has no date of birth");
}

TEST_CASE(
    "retention: a date of birth that reads as [sealed] (no master key) is never taken for a "
    "date") {
  TempDir dir;
  ledger::ManualClock clock(At("2026-05-01T12:00:00Z"));
  auto master = ledger::RandomKey();
  REQUIRE(master.ok());
  {
    ledger::StoreOptions o;
    o.master_key = *master;
    auto store = OpenWith(dir.str(), clock, o);
    auto draft = ledger::ParseEventJson(
        R"({"eventId":")" + Uuid(1) +
        R"(","type":"familyRegistered","occurredAt":"2026-03-02T10:00:00Z","data":{"members":[)" +
        Child("C1", "2001-01-01") + "]}}");
    REQUIRE(draft.ok());
    REQUIRE(
        store->Append(Request("family/F1", ledger::ExpectedVersion::Exactly(0), {*draft})).ok());
    CHECK(Decide(*store, RetentionRules(), "2030-01-01")["F1"].status == RetentionStatus::kDue);
  }
  ledger::StoreOptions without_key;
  without_key.read_only = true;
  auto store = OpenWith(dir.str(), clock, without_key);
  auto decided = Decide(*store, RetentionRules(), "2100-01-01")["F1"];
  CHECK(decided.status == RetentionStatus::kUndetermined);
  CHECK(decided.reason == "date of birth unreadable");
}

TEST_CASE("retention: a corrected date of birth replaces the registered one") {
  L l;
  auto registered = l.Append("family/F1", L::kHelpdesk, {Registered(Child("C1", "2001-01-01"))});
  REQUIRE_APPENDED(registered);
  const uint64_t seq = registered->events.front().seq;
  REQUIRE_APPENDED(
      l.Append("family/F1", L::kHelpdesk,
               {{"recordCorrected", R"({"correctsSeq":)" + std::to_string(seq) +
                                        R"(,"reason":"wrong year","replacement":{"members":[)" +
                                        Child("C1", "2011-01-01") + "]}}"}}));
  auto decided = Decide(l.store(), RetentionRules(), "2030-01-01")["F1"];
  CHECK(EndsOn(decided) == "2036-01-01");
  CHECK(decided.status == RetentionStatus::kNotYet);
}

TEST_CASE("retention: a rules file is read with comments and blank lines, and printed back") {
  auto rules = Rules(
      "# our policy\n"
      "\n"
      "  steppedUp\tyears-after-closure 75   # statutory\n"
      "earlyHelp youngest-child-age 30\r\n");
  CHECK(rules.For(RecordClass::kEarlyHelp).ToString() == "youngest-child-age 30");
  CHECK(rules.For(RecordClass::kSteppedUp).kind == RetentionRuleKind::kYearsAfterClosure);
  CHECK(rules.For(RecordClass::kSteppedUp).years == 75);
  CHECK(Rules(rules.ToText()).ToText() == rules.ToText());
  CHECK_THAT(rules.ToText(), Catch::Contains("steppedUp years-after-closure 75\n"));
  // A class the file does not name keeps its default.
  CHECK(Rules("# nothing\n").For(RecordClass::kSteppedUp).ToString() == "youngest-child-age 25");
  CHECK(RetentionRules().ToText() == Rules("").ToText());
}

TEST_CASE("retention: a rules file that does not parse is refused naming the line") {
  struct Bad {
    std::string text, says;
  };
  for (const Bad& bad : {
           Bad{"# ok\n\nfamily youngest-child-age 25\n", "line 3: unknown class \"family\""},
           Bad{"earlyHelp oldest-child-age 25\n", "line 1: unknown rule \"oldest-child-age\""},
           Bad{"\nearlyHelp youngest-child-age twenty\n", "line 2: N must be"},
           Bad{"earlyHelp youngest-child-age 0\n", "line 1: N must be"},
           Bad{"earlyHelp youngest-child-age -5\n", "line 1: N must be"},
           Bad{"earlyHelp youngest-child-age 1000\n", "line 1: N must be"},
           Bad{"earlyHelp youngest-child-age\n", "line 1: expected \"CLASS RULE N\""},
           Bad{"earlyHelp youngest-child-age 25 years\n", "line 1: expected"},
           Bad{"earlyHelp youngest-child-age 25\nearlyHelp years-after-closure 6\n",
               "line 2: class earlyHelp already has a rule (line 1)"},
       }) {
    INFO(bad.text);
    auto rules = RetentionRules::Parse(bad.text, "rules.txt");
    REQUIRE_FALSE(rules.ok());
    CHECK(rules.status().code() == Code::kInvalidArgument);
    CHECK_THAT(rules.status().message(), Catch::StartsWith("rules.txt line"));
    CHECK_THAT(rules.status().message(), Catch::Contains(bad.says));
  }
  CHECK(RetentionRules::Load("/nonexistent/rules.txt").status().code() == Code::kNotFound);
}

TEST_CASE("retention: an erased family is erased, not listed as due") {
  TempDir dir;
  ledger::ManualClock clock(At("2026-05-01T12:00:00Z"));
  auto master = ledger::RandomKey();
  REQUIRE(master.ok());
  projections::DomainRules guard;
  ledger::StoreOptions o;
  o.master_key = *master;
  o.guard = &guard;
  auto store = OpenWith(dir.str(), clock, o);
  guard.Attach(store.get());
  uint64_t n = 0;
  auto append = [&](const std::string& family, const std::string& type, const std::string& data) {
    auto draft =
        ledger::ParseEventJson(R"({"eventId":")" + Uuid(++n) + R"(","type":")" + type +
                               R"(","occurredAt":"2026-03-02T10:00:00Z","data":)" + data + "}");
    REQUIRE(draft.ok());
    auto request = Request("family/" + family, ledger::ExpectedVersion::Any(), {*draft});
    request.actor = L::kAdmin;
    auto r = store->Append(std::move(request));
    INFO((r.ok() ? std::string("appended") : r.status().ToString()));
    REQUIRE(r.ok());
  };
  for (const char* family : {"F1", "F2"}) {
    append(family, "familyRegistered", R"({"members":[)" + Child("C1", "2001-01-01") + "]}");
  }
  append("F1", "familyErased", R"({"reason":"retention period ended","authorisedBy":"DPO1"})");
  REQUIRE(store->EraseFamilyKeys("F1").ok());

  RetentionRules defaults;
  auto all = DecideAllRetention(*store, defaults, D("2030-01-01"));
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK(all->at(0).family_id == "F1");
  CHECK(all->at(0).status == RetentionStatus::kErased);
  CHECK(all->at(1).status == RetentionStatus::kDue);
  auto due = projections::RetentionJson(D("2030-01-01"), defaults, *all, false);
  CHECK_THAT(due, !Catch::Contains("\"F1\""));
  CHECK_THAT(due, Catch::Contains(R"({"familyId":"F2","class":"earlyHelp",)"
                                  R"("rule":"youngest-child-age 25","endsOn":"2026-01-01",)"
                                  R"("status":"due"})"));
  CHECK_THAT(due, Catch::Contains(
                      R"("counts":{"due":1,"held":0,"notYet":0,"undetermined":0,"erased":1})"));
  auto every = projections::RetentionJson(D("2030-01-01"), defaults, *all, true);
  CHECK_THAT(every, Catch::Contains(R"("familyId":"F1")"));
  CHECK_THAT(every, Catch::Contains(R"("status":"erased")"));
  // No personal data: neither a name nor a date of birth.
  CHECK_THAT(every, !Catch::Contains("Name C1"));
  CHECK_THAT(every, !Catch::Contains("2001-01-01"));
}

}  // namespace
}  // namespace caseledger::testing
