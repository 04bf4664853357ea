// Fuzz target: an HTTP append body, and one event object, through the JSON-to-event decoder
// (ledger/json_codec.h); what parses is decoded again as the domain sees it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/domain_event.h"
#include "ledger/json_codec.h"

namespace cl = caseledger::ledger;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const cl::Actor actor{"P1", "practitioner", "school", "token"};
  auto request = cl::ParseAppendJson(text, cl::AppendJsonForm::kHttpBody, "family/F1", actor);
  if (request.ok()) {
    for (const auto& draft : request->events) (void)cl::ev::DecodeDraft(draft);
  }
  auto event = cl::ParseEventJson(text);
  if (event.ok()) (void)cl::ev::DecodeDraft(*event);
  (void)cl::ParseEventData("caseNoteAdded", text);
  return 0;
}
