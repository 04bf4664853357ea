// JSON on the wire, from the schema: append requests in, events out (EVENTS.md).
//
// The event body ("data") is converted by Cap'n Proto's JSON codec from ledger/event.capnp,
// so there is no hand-written mapping per event type. Before decoding, the request is
// checked against the schema: an unknown type, an unknown field, a missing required field
// (every field not marked $optional) or a value of the wrong kind is kInvalidArgument whose
// field() names it by path, e.g. "events[0].data.members[1].name".
//
// Thread-safety: every function is safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "ledger/event.h"
#include "ledger/status.h"

namespace caseledger::ledger {

enum class AppendJsonForm {
  // An import line: {"stream", "expectedVersion", "actor": {"id", "role", ...}, "events"}.
  kImportLine,
  // An HTTP body: {"expectedVersion", "events"}; stream and actor come from the route and token.
  kHttpBody,
  // A line of synthetic data (fixtures/): an import line that may also carry "recordedAt"
  // (RFC 3339: the loader sets its clock to it before the append) and "expectRefusal" (the
  // DOMAIN.md rule id the line must be refused with). Never for data from users.
  kFixtureLine,
};

// The extra fields of a fixture line; zero / empty when absent.
struct FixtureDirectives {
  int64_t recorded_at = 0;
  std::string expect_refusal;
};

inline constexpr size_t kMaxEventsPerRequest = 10000;
// The largest encoded event; documents go to the blob store, not into events.
inline constexpr size_t kMaxEventBytes = 1u << 20;

// Parses an append request. For kHttpBody, `stream` and `actor` fill those parts; for
// kImportLine they are ignored. kInvalidArgument names the field on any mistake, including
// an eventId repeated within the request. For kFixtureLine, `directives` receives the extras.
Result<AppendRequest> ParseAppendJson(std::string_view json, AppendJsonForm form,
                                      std::string_view stream = {}, const Actor& actor = {},
                                      FixtureDirectives* directives = nullptr);

// Parses one event object {"eventId", "type", "occurredAt", "data"}; `path` prefixes the
// field names in errors.
Result<EventDraft> ParseEventJson(std::string_view json, std::string_view path = {});

// Parses `data_json` as the data object of an event of kind `type`, checked against the
// schema exactly like a request's (a correction's replacement, for one). The draft has a nil
// eventId and occurredAt 0. kInvalidArgument names the field, e.g. "data.colour".
Result<EventDraft> ParseEventData(std::string_view type, std::string_view data_json);

// An event as read: {"seq", "stream", "version", "eventId", "type", "occurredAt",
// "recordedAt", "actor": {"id", "role"}, "data", "leafHash"} and, when it corrects another,
// "corrects"; with_raw adds "raw", the stored bytes in base64. kDataLoss if the stored bytes
// do not decode.
Result<std::string> EventToJson(const RecordedEvent& event, bool with_raw = false);

// {"error": {"code", "message", and "field" / "rule" / "currentVersion" / "seq" when set}}.
std::string StatusToJson(const Status& status);

// A JSON string literal (quoted, escaped) of UTF-8 text.
std::string JsonQuote(std::string_view text);

}  // namespace caseledger::ledger
