// The JSON form of every event kind's data as JSON Schema (the OpenAPI 3.0 dialect), read from
// ledger/event.capnp through Cap'n Proto's reflection: the same schema the JSON codec checks
// requests against, so the description cannot drift from what is accepted.
//
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace caseledger::ledger {

struct EventKindSchema {
  std::string type;    // the kind's JSON name, "caseNoteAdded"
  std::string schema;  // the name of its data's schema among the components, "CaseNoteAdded"
};

struct EventSchemas {
  std::vector<EventKindSchema> kinds;  // in the schema's order
  // `"Name":{schema}` members, comma-separated: every struct a kind's data uses, each once.
  std::string components;
};

// Each kind's data as an object with exactly its fields (additionalProperties false), the
// required ones those not marked $optional; $date, $id, $sha256 and $mediaType as patterns;
// enums as their names; a Sealed as a string (a $jsonText one as any JSON value); fields
// superseded by sealed ones left out (never accepted in a request).
// Only the kinds `include` takes (by JSON name), and the structs they use.
EventSchemas DescribeEventData(const std::function<bool(std::string_view type)>& include);

}  // namespace caseledger::ledger
