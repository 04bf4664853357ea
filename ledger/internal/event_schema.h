// The text of ledger/event.capnp, compiled in (ledger/CMakeLists.txt), so that an export
// carries the schema its stored events decode with, whatever the reader has to hand.
#pragma once

#include <string_view>

namespace caseledger::ledger::internal {

extern const std::string_view kEventSchemaText;

}  // namespace caseledger::ledger::internal
