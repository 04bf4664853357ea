// Data protection (docs/DATA-PROTECTION.md): erasure and the subject access export, each
// shared by the command line and the HTTP API so that both do exactly the same.
//
// Erasure appends familyErased (who authorised it, why; refused under a legal hold) and then
// destroys the family's keys and documents (Store::EraseFamilyKeys). The events and every
// proof stay; what was personal in them reads as "[erased]".
//
// The subject access export is the complete record of one family: every event of its stream,
// in the order things happened, each with its readable summary and the event as recorded,
// plus the family's documents and who read the record. Entries whose information came from a
// third party (a concern from the police, a school or the public; a note an agency supplied;
// an agency's contribution to the assessment) or that may hold others' information (a
// document) are marked for review before disclosure: the law lets, and sometimes requires,
// the local authority to withhold a third party's information.
//
// Thread-safety: functions over the store (thread-safe) and values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/store.h"
#include "projections/access_log.h"
#include "projections/calendar.h"
#include "projections/chronology.h"
#include "projections/family_state.h"

namespace caseledger::projections {

inline constexpr size_t kMaxErasureReason = 1000;

struct ErasureRequest {
  std::string family_id;
  std::string reason;         // why: recorded in the familyErased event
  std::string authorised_by;  // who authorised it (an id): recorded in the event
  ledger::Actor actor;        // who carried it out (the event's actor)
  int64_t now = 0;            // the event's occurredAt
};

struct Erasure {
  uint64_t seq = 0;  // the familyErased event
  int64_t recorded_at = 0;
  // An earlier erasure had recorded familyErased but stopped before its keys were destroyed
  // (or they were destroyed already): this one destroyed them and appended nothing.
  bool already_recorded = false;
};

// Erases the family's personal data. kInvalidArgument naming "reason" (empty or longer than
// kMaxErasureReason) or "authorisedBy" (not an id); kNotFound when the family has no record;
// kUnavailable when the store has no master key (nothing is sealed, so nothing could be
// erased: nothing is appended); rule legal-hold when the family is under a legal hold.
Result<Erasure> EraseFamily(ledger::Store& store, const ErasureRequest& request);

// One event of the family, as the export shows it.
struct SubjectAccessEntry {
  ChronologyEntry entry;   // the readable line, its marks and corrections
  uint32_t version = 0;    // its place in the family's stream
  std::string event_json;  // the event as recorded (EVENTS.md form); personal fields opened
  // Where the information came from when not the family or the local authority's own work
  // ("police", "public", an agency's name); empty otherwise.
  std::string third_party;
  // Why it must be reviewed before it is disclosed; empty when it need not be.
  std::string review;
};

struct SubjectAccessExport {
  std::string family_id;
  uint64_t as_of_seq = 0;
  std::string as_of_text;  // "current", or "as recorded at ..."
  int64_t generated_at = 0;
  FamilyState state;
  std::vector<SubjectAccessEntry> entries;  // every event of the stream, by when it happened
  // Who read the record, when and why: listed only in an export made by an auditor (the access
  // log is the auditor's; /v1/audit/access). An auditor's reads show no purpose (but for the
  // exports made for the family): why an auditor looked (an investigation of staff) is not the
  // family's information.
  bool reads_included = false;
  std::vector<AccessEntry> reads;
  size_t to_review = 0;  // entries marked for review
};

// The family's export up to `max_seq` (Store::Size() for now; 0 is before the first event).
// `access` null: the reads are withheld (an export made by a role that may not read the access
// log). kNotFound when the family has no record by then.
Result<SubjectAccessExport> BuildSubjectAccess(ledger::Store& store, const Calendar& calendar,
                                               AccessLog* access, const std::string& family_id,
                                               uint64_t max_seq);

// {"familyId", "asOfSeq", "asOf", "generatedAt", "events", "entriesToReview",
// "erased", "legalHold", "family": {state as GET /v1/families/{id}}, "entries": [{chronology
// entry fields, "version", "thirdParty", "reviewBeforeDisclosure", "review", "event"}],
// "reads": [{"seq", "recordedAt", "by", "view", "purpose"}] or null with "readsWithheld" (why)}.
// The family's documents are in "family" (its episodes) and each has its documentUploaded entry.
std::string SubjectAccessJson(const SubjectAccessExport& e);
// The same as a self-contained printable HTML page; every text is escaped.
std::string SubjectAccessHtml(const SubjectAccessExport& e);

}  // namespace caseledger::projections
