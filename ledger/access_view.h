// The views a read records in the access log (recordViewed's `view`): one fixed set, so that
// the log's clear `view` can never carry a name. The API names the view of every read it
// records by this enum, and the codec accepts only these names ($accessView in
// ledger/event.capnp): a view added here is known to both, and a name the enum does not give
// cannot be recorded.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace caseledger::ledger {

enum class AccessView {
  kState,
  kChronology,
  kStepUpPack,
  kSubjectAccessExport,
  kTimescales,
  kEvents,
  kEventsRaw,
  kOpenEpisode,
  kFeed,
  kLiveFeed,
  kTriageInbox,
  kSearch,    // a family listed in a search's results
  kDocument,  // "document <sha256 hex>": keep it last (IsAccessView counts up to it)
};

// "state", "chronology", ..., "document" (without its sha256).
std::string_view Name(AccessView view);
// The recorded text: Name(view), and for kDocument "document " + `sha256_hex`.
std::string AccessViewText(AccessView view, std::string_view sha256_hex = {});
// Whether `text` is one a read may record (a kDocument's with 64 lowercase hex digits).
bool IsAccessView(std::string_view text);

}  // namespace caseledger::ledger
