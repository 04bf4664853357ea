// FamilyDirectory: finding a family by its id in any case, a member's name or a member's date
// of birth, for the people who may read families (the search the pages offer).
//
// It keeps, in memory only, each family's members (name, role, date of birth) and whether an
// episode is open, as the family's record says them now (corrections applied; an erased
// family's members are gone with its key, so they are gone from here once its erasure is read).
// Nothing of it is saved: names stay sealed at rest. The first search reads every family the
// overview knows (LoadFamilyModel, not through the cache of families, whose recently read
// families it would push out); each search after reads the log's tail since the last and
// reads again each family it changed.
//
// Matching: the query's words, each case-insensitively (ASCII letters) a prefix of a word of
// one member's name ("jo exa" finds Jo Example); a date of birth as YYYY-MM-DD or D/M/YYYY; a
// family id, any case, exactly. A query is 2-100 characters.
//
// Thread-safety: every method may be called from any thread (one mutex; a search waits for
// another's catch-up).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "ledger/store.h"
#include "projections/overview.h"

namespace caseledger::projections {

struct DirectoryMember {
  std::string name, role, date_of_birth;
};

struct DirectoryMatch {
  std::string family_id;
  std::string matched;                   // "familyId", "name" or "dateOfBirth"
  std::vector<DirectoryMember> members;  // the family's members, the matching ones first
  std::string open_episode_id;           // empty: none open
  bool erased = false;
};

class FamilyDirectory {
 public:
  // `store` and `overview` must outlive the directory.
  FamilyDirectory(ledger::Store& store, Overview& overview) : store_(store), overview_(overview) {}

  // Every family whose id, member's name or member's date of birth matches `query`, the id
  // first, then by family id; `keep` decides which may be shown (a practitioner's team), and
  // at most `limit` are (`*more` says whether others matched). kInvalidArgument for a query
  // of fewer than 2 or more than 100 characters, or of no word.
  Result<std::vector<DirectoryMatch>> Find(std::string_view query, size_t limit,
                                           const std::function<bool(const std::string&)>& keep,
                                           bool* more);
  // Reads what the log holds that the directory has not read yet (every family, the first
  // time): Find does it first; call it ahead to have the first search answer at once.
  Status CatchUp();
  // Families it holds.
  size_t families() const;

 private:
  struct Entry {
    std::vector<DirectoryMember> members;
    std::vector<std::vector<std::string>> words;  // each member's name, lower-case words
    std::string open_episode_id;
    bool erased = false;
  };
  Status CatchUpLocked();
  Status IndexLocked(const std::string& family_id, uint64_t max_seq);

  ledger::Store& store_;
  Overview& overview_;
  mutable std::mutex mu_;
  bool built_ = false;
  uint64_t read_to_ = 0;  // the log is read to here
  std::map<std::string, Entry> families_;
};

}  // namespace caseledger::projections
