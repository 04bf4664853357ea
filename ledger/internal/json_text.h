// JSON text, judged before Cap'n Proto's JSON reader sees it (used by ledger/json_codec.cc and
// the schema check). Internal to ledger/.
#pragma once

#include <capnp/compat/json.h>

#include <string>
#include <string_view>

#include "ledger/status.h"

namespace caseledger::ledger::internal {

// A field name as errors give it: at most 64 characters (a name of a megabyte is not echoed).
std::string ShortName(std::string name);

// The first string or field name in `v` that is not UTF-8 text, or holds a NUL, refused
// naming its path (kInvalidArgument).
Status CheckText(capnp::JsonValue::Reader v, const std::string& path);

// `json` with every \u escape inside its strings replaced by the UTF-8 it stands for:
// Cap'n Proto 0.9.2's reader decodes them wrongly (details in json_text.cc).
std::string WithoutUnicodeEscapes(std::string_view json);

}  // namespace caseledger::ledger::internal
