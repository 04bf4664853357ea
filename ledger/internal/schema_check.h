// SchemaCheck: walks a JSON value against a Cap'n Proto struct schema before the JSON codec
// decodes it, so that every mistake is refused naming its field by path: an unknown field,
// a missing required one (every field not marked $optional), a null, a value of the wrong
// kind, an unknown enumerant, a bad $date, $id, $sha256, $mediaType or $accessView; a field
// marked $supersededBy (read only) is unknown to a request. CheckBuilt applies the same checks
// to a struct built in code (EncodeDraft), so that both ways of making a draft refuse the same
// values. Internal to ledger/.
#pragma once

#include <capnp/compat/json.h>
#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <string>

#include "ledger/status.h"

namespace caseledger::ledger::internal {

std::string Str(capnp::Text::Reader t);

// What a field's annotations say of its JSON form (ledger/event.capnp's header lists them).
struct FieldForm {
  bool optional = false, date = false, id = false, json_text = false, sha256 = false,
       media_type = false, access_view = false, superseded = false;
};
FieldForm FormOf(capnp::StructSchema::Field field);

// Whether `field` carries $supersededBy: earlier builds' clear form of a field now sealed.
bool IsSupersededField(capnp::StructSchema::Field field);
// The name of the field that supersedes `field`, or "" when it carries no $supersededBy.
std::string SupersededBy(capnp::StructSchema::Field field);

// Ok when `s`, a struct built in code (EncodeDraft), holds only what a request passing
// SchemaCheck could: every required field set, each text UTF-8 without NUL and in the form
// its annotations give, each enumerant known, each integer a JSON number can hold, each
// Sealed in clear, no superseded field. Else kInvalidArgument naming the field as SchemaCheck
// would (`path` prefixes the names, e.g. "data"). A $jsonText field is taken as it is: its
// maker checks it (JsonObjectText).
Status CheckBuilt(capnp::DynamicStruct::Reader s, const std::string& path);

class SchemaCheck {
 public:
  // Ok when `v` is an object that fits struct `s`; else kInvalidArgument naming the field
  // (`path` prefixes the names, e.g. "events[0].data").
  Status Object(capnp::JsonValue::Reader v, capnp::StructSchema s, const std::string& path);

 private:
  Status Field(capnp::JsonValue::Reader v, capnp::StructSchema::Field f, const std::string& at);
  Status Value(capnp::JsonValue::Reader v, capnp::Type t, const std::string& at);
  Status Integer(capnp::JsonValue::Reader v, capnp::Type t, const std::string& at);
};

}  // namespace caseledger::ledger::internal
