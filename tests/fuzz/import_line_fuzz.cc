// Fuzz target: one line of `caseledger import` (and of import --fixture) through the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/json_codec.h"

namespace cl = caseledger::ledger;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  (void)cl::ParseAppendJson(line, cl::AppendJsonForm::kImportLine);
  cl::FixtureDirectives directives;
  (void)cl::ParseAppendJson(line, cl::AppendJsonForm::kFixtureLine, {}, {}, &directives);
  return 0;
}
