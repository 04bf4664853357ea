#include "ledger/access_view.h"

#include <algorithm>

namespace caseledger::ledger {

std::string_view Name(AccessView view) {
  switch (view) {  // no default: a view without its name does not compile (-Wswitch, -Werror)
    case AccessView::kState:
      return "state";
    case AccessView::kChronology:
      return "chronology";
    case AccessView::kStepUpPack:
      return "stepUpPack";
    case AccessView::kSubjectAccessExport:
      return "subjectAccessExport";
    case AccessView::kTimescales:
      return "timescales";
    case AccessView::kEvents:
      return "events";
    case AccessView::kEventsRaw:
      return "events (raw)";
    case AccessView::kOpenEpisode:
      return "openEpisode";
    case AccessView::kFeed:
      return "feed";
    case AccessView::kLiveFeed:
      return "live feed";
    case AccessView::kTriageInbox:
      return "triageInbox";
    case AccessView::kSearch:
      return "search";
    case AccessView::kDocument:
      return "document";
  }
  return "";
}

std::string AccessViewText(AccessView view, std::string_view sha256_hex) {
  std::string text(Name(view));
  if (view == AccessView::kDocument) text += " " + std::string(sha256_hex);
  return text;
}

bool IsAccessView(std::string_view text) {
  constexpr std::string_view kDocumentPrefix = "document ";
  if (text.starts_with(kDocumentPrefix)) {
    std::string_view hex = text.substr(kDocumentPrefix.size());
    return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
  }
  for (int v = 0; v < static_cast<int>(AccessView::kDocument); ++v) {
    if (Name(static_cast<AccessView>(v)) == text) return true;
  }
  return false;
}

}  // namespace caseledger::ledger
