// The same queries through the HTTP API and the command line (issue 20): both parse them with
// api/queries.h, so one table of queries, good and bad, goes through GET
// /v1/families/{id}/chronology (and state, timescales, the counts report) and through the
// `caseledger` binary with the same values under its options (--as-of-seq for asOfSeq).
// Both must take the same and refuse the same: the API with a 400 naming the query
// parameter, the command line with a non-zero exit naming the option. What both take must
// give the same entries.
//
// The ledger: fixtures 03 (F103: consent withdrawn, closed), 04 (F104: a police concern and
// its triage) and 07 (F107: meetings, timescales met late, so computed entries) loaded into a
// test server (tests/api/test_server.h), whose clock then reads 1 November 2026; the command
// line reads the same folder, read-only, with the server's master key.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "api/queries.h"
#include "ledger/fixture_loader.h"
#include "tests/api/test_server.h"

#ifndef CASELEDGER_BINARY
#error "CASELEDGER_BINARY (the caseledger command) is defined by tests/CMakeLists.txt"
#endif

namespace caseledger::testing {
namespace {

const std::string kFamilies = std::string(CASELEDGER_FIXTURES_DIR) + "/families/";

// The server's today (TestServer's clock); the command line's is the machine's, so a query
// judged on today is given this day to both.
const std::string kToday = "2026-11-01";

using Params = std::vector<std::pair<std::string, std::string>>;

struct Query {
  std::string view;  // chronology, state, timescales, counts
  std::string family;
  Params params;        // by the API's names
  std::string refused;  // the parameter (API name) a refusal names; empty: taken
};

// The table. Each query runs as is through both.
const std::vector<Query>& Table() {
  static const std::vector<Query> table = {
      // Taken.
      {"chronology", "F103", {}, ""},
      {"chronology", "F103", {{"category", "closure"}}, ""},
      {"chronology", "F103", {{"category", "concern,consent"}}, ""},
      {"chronology", "F104", {{"category", "concern,triage"}}, ""},
      {"chronology", "F103", {{"category", "contact"}}, ""},
      {"chronology", "F107", {{"category", "meeting"}}, ""},
      {"chronology", "F103", {{"category", "registration,signposting,assessment"}}, ""},
      {"chronology", "F107", {{"category", "computed"}}, ""},
      {"chronology", "F103", {{"episode", "E1"}}, ""},
      {"chronology", "F103", {{"from", "2026-03-01"}, {"to", "2026-03-31"}}, ""},
      {"chronology", "F103", {{"from", "2026-03-12"}, {"to", "2026-03-12"}}, ""},
      {"chronology", "F103", {{"from", "2026-03-12"}}, ""},
      {"chronology", "F103", {{"significant", "true"}}, ""},
      {"chronology", "F103", {{"significant", "false"}}, ""},
      {"chronology", "F107", {}, ""},
      {"chronology", "F107", {{"computed", "false"}}, ""},
      {"chronology", "F107", {{"on", "2026-07-01"}}, ""},
      {"chronology", "F103", {{"format", "csv"}}, ""},
      {"chronology", "F103", {{"format", "html"}, {"asOfSeq", "30"}}, ""},
      {"chronology", "F103", {{"asOf", "2026-03-12T12:00:00Z"}}, ""},
      {"chronology", "F103", {{"asOf", "2026-03-12T13:00:00+01:00"}}, ""},
      {"chronology", "F103", {{"asOfSeq", "30"}}, ""},
      {"chronology",
       "F104",
       {{"category", "concern,triage,computed"},
        {"significant", "true"},
        {"computed", "true"},
        {"format", "csv"}},
       ""},
      // Refused, naming the parameter.
      {"chronology", "F103", {{"category", "bogus"}}, "category"},
      {"chronology", "F103", {{"category", ""}}, "category"},
      {"chronology", "F103", {{"category", "closure,"}}, "category"},
      {"chronology", "F103", {{"category", "Closure"}}, "category"},
      {"chronology", "F103", {{"category", "closure,bogus"}}, "category"},
      {"chronology", "F103", {{"from", "2026-04-01"}, {"to", "2026-03-01"}}, "to"},
      {"chronology", "F103", {{"from", "2026-13-01"}}, "from"},
      {"chronology", "F103", {{"to", "2026-02-30"}}, "to"},
      {"chronology", "F103", {{"asOf", "2026-03-12T12:00:00Z"}, {"asOfSeq", "5"}}, "asOfSeq"},
      {"chronology", "F103", {{"asOf", "yesterday"}}, "asOf"},
      {"chronology", "F103", {{"asOf", "2026-03-12T12:00:00"}}, "asOf"},
      {"chronology", "F103", {{"asOfSeq", "0"}}, "asOfSeq"},
      {"chronology", "F103", {{"asOfSeq", "abc"}}, "asOfSeq"},
      {"chronology", "F103", {{"asOfSeq", "999999"}}, "asOfSeq"},
      {"chronology", "F103", {{"significant", "maybe"}}, "significant"},
      {"chronology", "F103", {{"computed", "yes"}}, "computed"},
      {"chronology", "F103", {{"format", "xml"}}, "format"},
      {"chronology", "F103", {{"episode", "E 1"}}, "episode"},
      {"chronology", "F103", {{"on", "2026-02-30"}}, "on"},
      // The other reads share the as-of and day parsers.
      {"state", "F103", {{"asOfSeq", "30"}}, ""},
      {"state", "F103", {{"asOf", "2026-03-12T12:00:00Z"}}, ""},
      {"state", "F103", {{"asOfSeq", "999999"}}, "asOfSeq"},
      {"state", "F103", {{"asOf", "2026-03-12"}}, "asOf"},
      {"timescales", "F103", {{"on", "2026-03-20"}}, ""},
      {"timescales", "F103", {{"on", "2026-03-20"}, {"asOfSeq", "30"}}, ""},
      {"timescales", "F103", {{"on", "2026-13-01"}}, "on"},
      // The counts report's period.
      {"counts", "", {{"on", "2026-04-01"}, {"from", "2026-03-01"}, {"to", "2026-03-31"}}, ""},
      {"counts", "", {{"from", "2026-03-31"}, {"to", "2026-03-01"}}, "to"},
      {"counts", "", {{"from", "2026-03-01"}}, "to"},
      {"counts", "", {{"to", "2026-03-01"}}, "from"},
      {"counts", "", {{"on", "2026-04-31"}}, "on"},
  };
  return table;
}

// What the query is sent as: a chronology or timescales read of the current record is judged
// on today, which each side takes from its own clock; it is given the server's.
Params Sent(const Query& q) {
  Params out = q.params;
  if (q.view == "chronology" || q.view == "timescales") {
    bool dated = false;
    for (const auto& [name, value] : q.params) {
      dated = dated || name == "on" || name == "asOf" || name == "asOfSeq";
    }
    if (!dated) out.emplace_back("on", kToday);
  }
  return out;
}

struct Answer {
  bool taken = false;
  std::string field;  // a refusal's
  std::string body;   // the chronology (or state, timescales, counts) as written
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The refusal's field, from the error JSON of either side (ledger::StatusToJson).
std::string FieldOf(const std::string& error_json) {
  auto parsed = Json::Parse(error_json);
  INFO("error: " << error_json);
  REQUIRE(parsed.has_value());
  CHECK((*parsed)["error"]["code"].str() == "invalidArgument");
  return (*parsed)["error"]["field"].str();
}

Answer ByApi(TestServer& s, const Query& q) {
  std::string path;
  if (q.view == "counts") {
    path = "/v1/reports/timescales";
  } else {
    path = "/v1/families/" + q.family + (q.view == "state" ? "" : "/" + q.view);
  }
  std::string query;
  for (const auto& [name, value] : Sent(q)) {
    query += (query.empty() ? "?" : "&") + name + "=" + QueryValue(value);
  }
  Response r = s.Get(path + query, "triage-manager");
  INFO("GET " << path + query << " -> " << r.status << ": " << r.body);
  Answer out;
  out.taken = r.status == 200;
  if (!out.taken) {
    CHECK(r.status == 400);
    out.field = FieldOf(r.body);
  }
  out.body = r.body;
  return out;
}

// A shell word.
std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class Cli {
 public:
  explicit Cli(const TestServer& s) : ledger_(s.LedgerDir()) {
    master_key_ = dir_ / "master.key";
    std::ofstream(master_key_) << ledger::ToHex(s.master_key().data(), s.master_key().size())
                               << "\n";
    std::filesystem::permissions(
        master_key_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }

  Answer Run(const Query& q) {
    std::string command = Quoted(CASELEDGER_BINARY) + " --data " + Quoted(ledger_) +
                          " --master-key " + Quoted(master_key_) + " --log-level off ";
    command += q.view == "counts" ? "report counts" : q.view + " --family " + q.family;
    for (const auto& [name, value] : Sent(q)) {
      command += " " + Quoted(api::ParamName(name, api::Naming::kCli) + "=" + value);
    }
    const std::string out = dir_ / "out", err = dir_ / "err";
    const int status = std::system((command + " > " + Quoted(out) + " 2> " + Quoted(err)).c_str());
    INFO(command << "\nstderr: " << ReadFile(err));
    REQUIRE(WIFEXITED(status));
    Answer answer;
    answer.taken = WEXITSTATUS(status) == 0;
    answer.body = ReadFile(out);
    if (!answer.taken) {
      CHECK(WEXITSTATUS(status) == 1);
      answer.field = FieldOf(ReadFile(err));
    }
    return answer;
  }

 private:
  TempDir dir_;
  std::string ledger_, master_key_;
};

// Whether two JSON values are the same (members in the same order).
bool Same(const Json& a, const Json& b) {
  if (a.kind() != b.kind() || a.str() != b.str() || a.boolean() != b.boolean()) return false;
  if (a.items().size() != b.items().size() || a.members().size() != b.members().size()) {
    return false;
  }
  for (size_t i = 0; i < a.items().size(); ++i) {
    if (!Same(a.items()[i], b.items()[i])) return false;
  }
  for (size_t i = 0; i < a.members().size(); ++i) {
    if (a.members()[i].first != b.members()[i].first ||
        !Same(a.members()[i].second, b.members()[i].second)) {
      return false;
    }
  }
  return true;
}

bool AsOfGiven(const Query& q) {
  for (const auto& [name, value] : q.params) {
    if (name == "asOf" || name == "asOfSeq") return true;
  }
  return false;
}

std::string FormatOf(const Query& q) {
  for (const auto& [name, value] : q.params) {
    if (name == "format") return value;
  }
  return "json";
}

// What both answers must share: the entries (and, as of a moment, the seq the read resolved
// to; the current record's grows with each read the API logs).
void CheckSameAnswer(const Query& q, const Answer& api, const Answer& cli) {
  INFO("API: " << api.body << "\ncommand line: " << cli.body);
  const std::string format = FormatOf(q);
  if (format == "csv") {
    CHECK(api.body == cli.body);
    return;
  }
  if (format == "html") {
    CHECK(api.body.find("<table>") != std::string::npos);
    if (AsOfGiven(q)) CHECK(api.body == cli.body);
    return;
  }
  auto a = Json::Parse(api.body), c = Json::Parse(cli.body);
  REQUIRE(a.has_value());
  REQUIRE(c.has_value());
  if (q.view == "chronology") {
    CHECK(Same((*a)["entries"], (*c)["entries"]));
    CHECK((*a)["entries"].size() > 0);
  } else if (q.view == "state") {
    CHECK(Same((*a)["episodes"], (*c)["episodes"]));
    CHECK(Same((*a)["members"], (*c)["members"]));
  } else if (q.view == "timescales") {
    CHECK(Same(*a, *c));
  } else {
    CHECK(Same((*a)["period"], (*c)["period"]));
  }
  if (AsOfGiven(q) && q.view != "timescales") CHECK((*a)["asOfSeq"].str() == (*c)["asOfSeq"].str());
}

std::string Describe(const Query& q) {
  std::string out = q.view + (q.family.empty() ? "" : " of " + q.family) + ":";
  for (const auto& [name, value] : Sent(q)) out += " " + name + "=" + value;
  return out;
}

TEST_CASE(
    "queries: the API and the command line take the same chronology, as-of, day and period "
    "queries and give the same entries, and refuse the same naming the parameter and the option",
    "[queries]") {
  TestServer s;
  for (const std::string file :
       {"00-practitioners.jsonl", "03-consent-withdrawn.jsonl",
        "04-police-notification-triage.jsonl", "07-meeting-recorded-late.jsonl"}) {
    Status loaded = ledger::LoadFixtureFile(s.store(), s.clock(), kFamilies + file);
    INFO(file << ": " << loaded.ToString());
    REQUIRE(loaded.ok());
  }
  s.clock().Set(Rfc3339(kToday + "T12:00:00Z"));
  REQUIRE(s.store().Size() > 30);
  Cli cli(s);
  std::set<std::string> categories_taken;
  for (const Query& q : Table()) {
    INFO(Describe(q));
    const Answer api = ByApi(s, q);
    const Answer by_cli = cli.Run(q);
    CHECK(api.taken == q.refused.empty());
    CHECK(by_cli.taken == q.refused.empty());
    if (!q.refused.empty()) {
      CHECK(api.field == q.refused);
      CHECK(by_cli.field == api::ParamName(q.refused, api::Naming::kCli));
    } else if (api.taken && by_cli.taken) {
      CheckSameAnswer(q, api, by_cli);
    }
  }
}

TEST_CASE("queries: a category filter refused lists every category the chronology can show",
          "[queries]") {
  auto refused = api::ParseChronologyQuery({{"category", "bogus"}});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().field() == "category");
  for (const std::string& c : projections::ChronologyCategories()) {
    CHECK_THAT(refused.status().message(), Catch::Contains(c));
    CHECK(api::ParseChronologyQuery({{"category", c}}).ok());
  }
  CHECK(refused.status().message().find("bogus") == std::string::npos);  // never repeated
  for (const std::string c : {"closure", "legalHold", "erasure", "referral", "advice", "stepUp",
                              "computed", "contact", "supportRequest"}) {
    CHECK(api::ParseChronologyQuery({{"category", c}}).ok());
  }
  auto cli = api::ParseChronologyQuery({{"category", "bogus"}}, api::Naming::kCli);
  REQUIRE_FALSE(cli.ok());
  CHECK(cli.status().field() == "--category");
  CHECK(cli.status().message().rfind("--category must be", 0) == 0);
}

TEST_CASE("queries: the command line's option is the API's name in kebab case", "[queries]") {
  CHECK(api::ParamName("asOfSeq", api::Naming::kCli) == "--as-of-seq");
  CHECK(api::ParamName("asOf", api::Naming::kCli) == "--as-of");
  CHECK(api::ParamName("category", api::Naming::kCli) == "--category");
  CHECK(api::ParamName("asOfSeq", api::Naming::kApi) == "asOfSeq");
  auto both =
      api::ParseAsOf({{"asOf", "2026-03-12T12:00:00Z"}, {"asOfSeq", "4"}}, api::Naming::kCli);
  REQUIRE_FALSE(both.ok());
  CHECK(both.status().field() == "--as-of-seq");
  CHECK(both.status().message() == "give --as-of or --as-of-seq, not both");
  CHECK(api::ParseAsOf({}).value().text == "current record");
  CHECK(api::ParseAsOf({{"asOf", "2026-03-12T13:00:00+01:00"}}).value().text ==
        "as recorded at 2026-03-12T12:00:00Z");
  CHECK(api::ParseAsOf({{"asOfSeq", "42"}}).value().text == "as recorded up to seq 42");
}

}  // namespace
}  // namespace caseledger::testing
