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

// Whether `text` is UTF-8 (RFC 3629) without NUL: what every string of an event must be.
bool IsUtf8Text(std::string_view text);

// The first string or field name in `v` that is not UTF-8 text, or holds a NUL, refused
// naming its path (kInvalidArgument).
Status CheckText(capnp::JsonValue::Reader v, const std::string& path);

// `json` with every \u escape inside its strings replaced by the UTF-8 it stands for:
// Cap'n Proto 0.9.2's reader decodes them wrongly (details in json_text.cc).
std::string WithoutUnicodeEscapes(std::string_view json);

// Decodes `json` into `root`: JSON text (RFC 8259: no unescaped control character in it but
// tab and the line breaks), in UTF-8, without NULs. kInvalidArgument otherwise: a syntax error
// names `field` (may be empty); a bad string names its path under `path`.
Status DecodeJson(std::string_view json, capnp::JsonValue::Builder root, const std::string& path,
                  const std::string& field);

// The text the codec keeps for a $jsonText field (a correction's replacement) given `json`: the
// JSON object re-encoded as Cap'n Proto's JSON writer writes it, exactly what a request holding
// `json` in that field stores. kInvalidArgument naming `field` unless `json` is one JSON object
// (DecodeJson's rules).
Result<std::string> JsonObjectText(std::string_view json, const std::string& field);

}  // namespace caseledger::ledger::internal
