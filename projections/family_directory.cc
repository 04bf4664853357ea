#include "projections/family_directory.h"

#include <algorithm>

#include "projections/family_cache.h"
#include "projections/family_state.h"

namespace caseledger::projections {
namespace {

constexpr size_t kLogBatch = 1000;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

// The words of a name or query: runs of anything but spaces and punctuation that separates
// (hyphens and apostrophes stay inside a word: "O'Neil", "Smith-Jones").
std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> words;
  std::string word;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == ',' || c == '.' || c == ';' || c == '/' || c == '(' ||
        c == ')') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += Lower(c);
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool Digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "2015-06-01", or "1/6/2015" and "01/06/2015" (day first, as dates are written here), as
// YYYY-MM-DD; empty when `q` is not a date.
std::string DateOf(std::string_view q) {
  if (q.size() == 10 && q[4] == '-' && q[7] == '-' && Digits(q.substr(0, 4)) &&
      Digits(q.substr(5, 2)) && Digits(q.substr(8, 2))) {
    return std::string(q);
  }
  size_t a = q.find('/');
  size_t b = a == std::string_view::npos ? a : q.find('/', a + 1);
  if (b == std::string_view::npos) return "";
  std::string_view day = q.substr(0, a), month = q.substr(a + 1, b - a - 1), year = q.substr(b + 1);
  if (!Digits(day) || !Digits(month) || !Digits(year) || day.size() > 2 || month.size() > 2 ||
      year.size() != 4) {
    return "";
  }
  auto two = [](std::string_view v) {
    return v.size() == 1 ? "0" + std::string(v) : std::string(v);
  };
  return std::string(year) + "-" + two(month) + "-" + two(day);
}

// Each query word is the start of some word of the name.
bool NameMatches(const std::vector<std::string>& name, const std::vector<std::string>& query) {
  return std::all_of(query.begin(), query.end(), [&](const std::string& q) {
    return std::any_of(name.begin(), name.end(),
                       [&](const std::string& w) { return w.starts_with(q); });
  });
}

}  // namespace

Status FamilyDirectory::CatchUp() {
  std::lock_guard lock(mu_);
  return CatchUpLocked();
}

size_t FamilyDirectory::families() const {
  std::lock_guard lock(mu_);
  return families_.size();
}

Status FamilyDirectory::IndexLocked(const std::string& family_id, uint64_t max_seq) {
  auto model = LoadFamilyModel(store_, family_id, max_seq);
  if (!model.ok()) {
    if (model.status().code() == Code::kNotFound) {
      families_.erase(family_id);
      return Status();
    }
    return model.status();
  }
  const FamilyState& f = (*model)->state;
  Entry e;
  e.erased = f.erased;
  if (const Episode* open = f.OpenEpisode()) e.open_episode_id = open->id;
  // An erased family keeps no one: its members' names and dates of birth went with its key.
  for (const ev::Member& m : e.erased ? std::vector<ev::Member>{} : f.members) {
    e.members.push_back({m.name, std::string(ev::Name(m.role)), m.date_of_birth});
    e.words.push_back(Words(m.name));
  }
  families_[family_id] = std::move(e);
  return Status();
}

Status FamilyDirectory::CatchUpLocked() {
  const uint64_t size = store_.Size();
  if (!built_) {
    // Every family the overview knows, as the log stands now; the tail read below adds what
    // was appended meanwhile.
    CL_RETURN_IF_ERROR(overview_.CatchUp());
    for (const std::string& id : overview_.FamilyIds()) CL_RETURN_IF_ERROR(IndexLocked(id, size));
    built_ = true;
    read_to_ = size;
  }
  while (read_to_ < store_.Size()) {
    CL_ASSIGN_OR_RETURN(std::vector<ledger::RecordedEvent> batch,
                        store_.ReadLog(read_to_, kLogBatch));
    if (batch.empty()) break;
    std::vector<std::string> changed;
    for (const auto& e : batch) {
      std::string_view id = FamilyIdOf(e.stream);
      if (!id.empty() && (changed.empty() || changed.back() != id)) changed.emplace_back(id);
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    const uint64_t to = batch.back().seq;
    for (const std::string& id : changed) CL_RETURN_IF_ERROR(IndexLocked(id, to));
    read_to_ = to;
  }
  return Status();
}

Result<std::vector<DirectoryMatch>> FamilyDirectory::Find(
    std::string_view query, size_t limit, const std::function<bool(const std::string&)>& keep,
    bool* more) {
  std::string q(query);
  while (!q.empty() && q.back() == ' ') q.pop_back();
  while (!q.empty() && q.front() == ' ') q.erase(q.begin());
  if (q.size() < 2 || q.size() > 100) {
    return Status::InvalidArgument(
        "q is 2-100 characters: a family id, a member's name (or the start of each of its "
        "words), or a date of birth (YYYY-MM-DD or DD/MM/YYYY)",
        "q");
  }
  const std::vector<std::string> words = Words(q);
  if (words.empty()) return Status::InvalidArgument("q has no word to look for", "q");
  const std::string date = DateOf(q);
  const std::string id = Lowered(q);

  std::lock_guard lock(mu_);
  CL_RETURN_IF_ERROR(CatchUpLocked());
  std::vector<DirectoryMatch> out;
  std::vector<DirectoryMatch> by_id;
  *more = false;
  for (const auto& [family_id, e] : families_) {
    DirectoryMatch m;
    std::vector<DirectoryMember> first, rest;
    for (size_t i = 0; i < e.members.size(); ++i) {
      bool hit =
          !date.empty() ? e.members[i].date_of_birth == date : NameMatches(e.words[i], words);
      (hit ? first : rest).push_back(e.members[i]);
    }
    const bool id_hit = Lowered(family_id) == id;
    if (!id_hit && first.empty()) continue;
    if (!keep(family_id)) continue;
    m.family_id = family_id;
    m.matched = id_hit ? "familyId" : !date.empty() ? "dateOfBirth" : "name";
    m.members = std::move(first);
    m.members.insert(m.members.end(), rest.begin(), rest.end());
    m.open_episode_id = e.open_episode_id;
    m.erased = e.erased;
    (id_hit ? by_id : out).push_back(std::move(m));
  }
  by_id.insert(by_id.end(), std::make_move_iterator(out.begin()),
               std::make_move_iterator(out.end()));
  if (by_id.size() > limit) {
    by_id.resize(limit);
    *more = true;
  }
  return by_id;
}

}  // namespace caseledger::projections
