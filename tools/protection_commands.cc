// Data protection commands: erase (docs/DATA-PROTECTION.md).
#include <iostream>

#include "ledger/json_codec.h"
#include "ledger/time_format.h"
#include "tools/commands.h"
#include "tools/common.h"

namespace caseledger::tools {
namespace {

Result<std::string> NewEventId() {
  CL_ASSIGN_OR_RETURN(ledger::Key256 random, ledger::RandomKey());
  random[6] = static_cast<uint8_t>((random[6] & 0x0f) | 0x40);  // UUID version 4
  random[8] = static_cast<uint8_t>((random[8] & 0x3f) | 0x80);
  const std::string hex = ledger::ToHex(random.data(), 16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace

int Erase(const Common& common, const EraseOptions& options) {
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, false);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = opened->store;
  auto id = NewEventId();
  if (!id.ok()) return Fail(id.status());
  const std::string json = R"({"eventId":")" + *id + R"(","type":"familyErased","occurredAt":")" +
                           ledger::FormatRfc3339(clock.NowMicros()) + R"(","data":{"reason":)" +
                           ledger::JsonQuote(options.reason) + R"(,"authorisedBy":)" +
                           ledger::JsonQuote(options.authorised_by) + "}}";
  auto draft = ledger::ParseEventJson(json);
  if (!draft.ok()) return Fail(draft.status());
  ledger::AppendRequest request;
  request.stream = "family/" + options.family;
  request.expected = ledger::ExpectedVersion::Any();
  request.actor = {options.authorised_by, "admin", "", "cli"};
  request.events.push_back(std::move(*draft));
  auto appended = store->Append(std::move(request));
  if (!appended.ok()) {
    // Already recorded as erased (a run that stopped before the keys went): finish it.
    if (appended.status().rule() != "family-erased") return Fail(appended.status());
    std::cerr << "erase: family " << options.family
              << " was already recorded as erased; destroying its keys\n";
  }
  Status destroyed = store->EraseFamilyKeys(options.family);
  if (!destroyed.ok()) return Fail(destroyed);
  if (appended.ok()) {
    std::cout << "erased family " << options.family << ": familyErased at seq "
              << appended->events.front().seq << "; its key and documents are destroyed\n";
  }
  return 0;
}

}  // namespace caseledger::tools
