#include "ledger/fixture_loader.h"

#include <fstream>

#include "ledger/json_codec.h"

namespace caseledger::ledger {

Status LoadFixture(Store& store, ManualClock& clock, std::istream& in, const std::string& name,
                   FixtureTotals* totals) {
  FixtureTotals local;
  FixtureTotals& t = totals != nullptr ? *totals : local;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const std::string where = name + " line " + std::to_string(line_no);
    FixtureDirectives directives;
    auto request = ParseAppendJson(line, AppendJsonForm::kFixtureLine, {}, {}, &directives);
    if (!request.ok()) return request.status().Annotate(where);
    if (directives.recorded_at != 0) clock.Set(directives.recorded_at);
    size_t events = request->events.size();
    auto result = store.Append(std::move(request).value());
    if (!directives.expect_refusal.empty()) {
      if (result.ok()) {
        return Status::InvalidArgument(where + ": expected a refusal by rule " +
                                       directives.expect_refusal + ", but it was appended");
      }
      if (result.status().rule() != directives.expect_refusal) {
        return Status::InvalidArgument(where + ": expected a refusal by rule " +
                                       directives.expect_refusal + ", got " +
                                       result.status().ToString());
      }
      ++t.refused_as_expected;
    } else if (!result.ok()) {
      return result.status().Annotate(where);
    } else if (result->retry) {
      ++t.retried_lines;
    } else {
      t.events += events;
    }
    ++t.lines;
  }
  return Status();
}

Status LoadFixtureFile(Store& store, ManualClock& clock, const std::string& path,
                       FixtureTotals* totals) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  return LoadFixture(store, clock, in, path, totals);
}

}  // namespace caseledger::ledger
