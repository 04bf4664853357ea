// Application: the ledger's use cases, one typed call each, taking the principal who asks.
//
// The HTTP routes (server.cc dispatches, handlers.cc and writes.cc parse and render) and the
// command line (tools/) are shells around it: they parse a request into the typed values of
// api/queries.h, call here, and render what comes back. What a use case decides lives here
// once: who may read or write (policy.h, asked on the family's team before anything about the
// family is told), which moment a read is as of, the access record a read makes (durable
// before the answer), the practitioner passing a concern on without seeing the family.
//
// It works with parts built by main() or a test and borrowed for its life (AppContext): the
// store, the overview, the calendar, the access log, the clock, the checkpoint signer and the
// cache of families (projections/family_cache.h, shared with the rules that check appends).
//
// Thread-safety: every call may come from any thread at once.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/page_views.h"
#include "api/queries.h"
#include "api/tokens.h"
#include "ledger/access_view.h"
#include "ledger/clock.h"
#include "ledger/signed_note.h"
#include "ledger/store.h"
#include "projections/access_log.h"
#include "projections/calendar.h"
#include "projections/chronology.h"
#include "projections/data_protection.h"
#include "projections/family_cache.h"
#include "projections/family_directory.h"
#include "projections/overview.h"

namespace caseledger::api {

// The parts the use cases work with; borrowed, they must outlive the Application.
struct AppContext {
  ledger::Store* store = nullptr;
  projections::Overview* overview = nullptr;
  const projections::Calendar* calendar = nullptr;
  TokenStore* tokens = nullptr;
  projections::AccessLog* access = nullptr;
  ledger::Clock* clock = nullptr;
  const ledger::NoteSigner* signer = nullptr;  // signs checkpoints; null on a replica
  // The cache of families read (shared with the rules that check appends); null: the
  // Application keeps one of its own, of the default bound.
  projections::FamilyCache* cache = nullptr;
  // The roles whose reads of a family must say why (purpose=): serve --purpose-required.
  std::vector<Role> purpose_required;
};

// A read of one family's record.
struct FamilyReadRequest {
  std::string family_id;
  AsOfQuery as_of;          // the current record unless given
  std::string purpose;      // why, as the reader gave it (at most 200 characters)
  ledger::AccessView view;  // what is shown, for the access record
  std::string sha256_hex;   // a document's, for its view
  // The page view the read is part of (page_views.h): with the same id, one page's reads of
  // the family are recorded once. Empty: recorded on its own.
  std::string page;
  // Checked once the reader may read the family, before the read is recorded (a document
  // that must be there): its refusal is the answer, and nothing is recorded.
  std::function<Status(const std::string& family_id)> exists;
};

// The family as of the moment asked, once the reader may read it and the read is recorded.
struct FamilyRead {
  std::string id;
  std::shared_ptr<const projections::FamilyModel> model;  // as of: its events and state
  bool current = false;  // as of now: answers rendered from it may be kept with it
  uint64_t as_of_seq = 0;
  std::string as_of_text;
};

// A chronology, its entries rendered as JSON (kept with the family's version when read as of
// now) or as entries (for the other formats).
struct ChronologyAnswer {
  projections::ChronologyHeading heading;
  std::shared_ptr<const std::string> entries_json;    // ChronologyEntriesJson; json format only
  std::vector<projections::ChronologyEntry> entries;  // the other formats
};

// What an append answers: the result, and whether its versions may be shown (not to a
// practitioner passing a concern on about a family they are not on).
struct AppendAnswer {
  ledger::AppendResult result;
  bool with_versions = true;
};

class Application {
 public:
  explicit Application(AppContext context);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Told after every append (the live feeds wake).
  void OnAppend(std::function<void()> appended) { appended_ = std::move(appended); }

  // ---- reads of a family

  // kInvalidArgument for a bad id or purpose; kPermissionDenied when `p` may not read it (a
  // practitioner gets the same refusal for a family that does not exist: permission.h);
  // kNotFound when it does not exist (other roles) or had no events by then; kUnavailable
  // when the read cannot be recorded (a replica, a failed write): nothing is shown then.
  Result<FamilyRead> ReadFamily(const Principal& p, const FamilyReadRequest& request);
  // The day computed entries and timescales are judged on: `on` if given, else today for a
  // read of the record now, else the day of the as-of moment.
  Result<projections::Day> OnDay(const FamilyRead& read, std::optional<projections::Day> on);
  // The chronology (ReadFamily with the chronology's view), filtered as `query` says.
  Result<ChronologyAnswer> Chronology(const Principal& p, FamilyReadRequest request,
                                      const ChronologyQuery& query);
  // The family's state as JSON after its "asOfSeq" (projections::FamilyStateRestJson): kept
  // with the family's version when the read is of the record now.
  Result<std::shared_ptr<const std::string>> StateRest(const FamilyRead& read);
  // Practitioner names as of `as_of_seq` (projections::StoreNames) noting each practitioner
  // stream named, with its version, in `depends` (for answers kept in the cache).
  projections::PractitionerNames NamesNoting(
      uint64_t as_of_seq, std::vector<std::pair<std::string, uint32_t>>* depends);

  // The family's state now, for decisions (no access record; the model may hold no events);
  // kNotFound when it has no events.
  Result<std::shared_ptr<const projections::FamilyModel>> CurrentFamily(const std::string& id);
  // For a practitioner, `decide` on the family's team as the overview holds it, before the
  // family is read (asked again once the overview has caught up, if it says no); ok for other
  // roles, whose rights do not depend on the family.
  Status FirstByTeam(const Principal& p, const std::string& id,
                     const std::function<Status(const projections::FamilyState&)>& decide);
  // Appends a read of each family to the access log, durable before it returns.
  Status RecordRead(const Principal& p, const std::vector<std::string>& family_ids,
                    ledger::AccessView view, const std::string& purpose,
                    std::string_view sha256_hex = {});

  // ---- views across families

  // The triage queue (projections/triage_queue.h) of `overview` (the live one, or one as of a
  // moment), judged on `on`, else today for the live overview, else the day its last event was
  // recorded. Each concern awaiting a direction is shown with its kind and summary as the
  // family's record says them then (corrections applied); a read of each family whose
  // concerns are shown is recorded (the triage inbox's view, with `purpose`), durable before
  // it returns. kInvalidArgument for a purpose over 200 characters.
  Result<projections::QueueAnswer> TriageQueue(const Principal& p,
                                               const projections::Overview& overview,
                                               std::optional<projections::Day> on,
                                               const std::string& purpose);

  // Families found by id, a member's name or a date of birth (projections/family_directory.h),
  // those `p` may read only: every family for a triage manager, coordinator or auditor, a
  // practitioner's team's. At most 20; a read of each family listed is recorded (view
  // "search", purpose 'search for "<query>"' and the reader's own, if given), durable before
  // it returns. kPermissionDenied for the roles that do not read families; kInvalidArgument
  // for a bad query or purpose.
  struct Found {
    std::vector<projections::DirectoryMatch> families;
    bool more = false;  // others matched: the query should say more
  };
  Result<Found> FindFamilies(const Principal& p, const std::string& query,
                             const std::string& purpose);
  // Reads every family into the search's directory now; answers how many it holds.
  Result<size_t> PrepareSearch();

  // ---- appends

  // Appends `request` (its stream family/<id>) for `p`: permission on the team first, then on
  // the family's state; a practitioner not on the team only passes a concern on, told nothing
  // of the family (one refusal for every reason, no versions). A one-open-episode refusal is
  // recorded as the open-episode check (it names the keyworker).
  Result<AppendAnswer> AppendFamily(const Principal& p, const std::string& family_id,
                                    ledger::AppendRequest request);
  Result<ledger::AppendResult> AppendPractitioner(const Principal& p,
                                                  ledger::AppendRequest request);
  // Erases the family's personal data (projections::EraseFamily) and forgets what was read of
  // it.
  Result<projections::Erasure> EraseFamily(const Principal& p, const std::string& family_id,
                                           const std::string& reason,
                                           const std::string& authorised_by);

  // Whether `role`'s reads of a family must say why (AppContext::purpose_required).
  bool PurposeRequired(Role role) const {
    return std::find(ctx_.purpose_required.begin(), ctx_.purpose_required.end(), role) !=
           ctx_.purpose_required.end();
  }

  ledger::Store& store() { return store_; }
  const AppContext& context() const { return ctx_; }
  projections::FamilyCache& cache() { return *cache_; }

 private:
  Result<ledger::AppendResult> Append(ledger::AppendRequest request);
  projections::FamilyDirectory* Directory();
  // Ok unless `p`'s role must say why (PurposeRequired) and `purpose` is blank: then
  // kInvalidArgument naming purpose, saying what it `what` ("reads the queue").
  Status PurposeGiven(const Principal& p, const std::string& purpose, std::string_view what) const;
  Result<AppendAnswer> AppendAsOutsider(const Principal& p, const std::string& family_id,
                                        ledger::AppendRequest request);

  AppContext ctx_;
  ledger::Store& store_;
  std::unique_ptr<projections::FamilyCache> own_cache_;
  projections::FamilyCache* cache_;
  std::function<void()> appended_;
  PageViews pages_;
  std::unique_ptr<projections::FamilyDirectory> directory_;  // made at the first search
  std::mutex directory_mu_;
};

}  // namespace caseledger::api
