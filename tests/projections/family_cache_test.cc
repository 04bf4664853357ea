// The one bounded cache of family read models: always current with the log, bounded in bytes
// however many families there are, shared by the rules, answers kept per version.
#include "projections/family_cache.h"

#include "projections/views.h"
#include "tests/projections/domain_ledger.h"

namespace caseledger::testing {
namespace {

using L = DomainLedger;

Result<ledger::AppendResult> Note(DomainLedger& l, const std::string& family,
                                  const std::string& note_id, const std::string& text = "t") {
  return l.Append("family/" + family, L::kP1,
                  {{"caseNoteAdded", R"({"episodeId":"E1","noteId":")" + note_id +
                                         R"(","category":"contact","text":")" + text +
                                         R"(","significant":false})"}});
}

std::string StateJson(const projections::FamilyState& state) {
  return projections::FamilyStateJson(state, 0);
}

// The model as the store holds it, folded apart from any cache.
projections::FamilyState Fresh(DomainLedger& l, const std::string& family) {
  auto events = projections::ReadFamily(l.store(), family, l.store().Size());
  REQUIRE(events.ok());
  auto state = projections::FoldFamily(*events);
  return state;
}

TEST_CASE("family cache: every use sees what the log holds, the entry extended after an append") {
  DomainLedger l;
  l.Practitioner("P1");
  REQUIRE(l.OpenFamily("F1").ok());
  projections::FamilyCache cache(l.store());
  auto first = cache.Current("F1");
  REQUIRE(first.ok());
  CHECK((*first)->version == 2);
  CHECK((*first)->state.episodes.at(0).note_ids.empty());
  REQUIRE(Note(l, "F1", "N1").ok());
  auto second = cache.Current("F1");
  REQUIRE(second.ok());
  CHECK((*second)->version == 3);
  CHECK((*second)->events.size() == 3);
  CHECK((*second)->state.episodes.at(0).note_ids.size() == 1);
  CHECK(StateJson((*second)->state) == StateJson(Fresh(l, "F1")));
  // The model held before stays as it was (immutable, shared).
  CHECK((*first)->events.size() == 2);
  auto stats = cache.Stats();
  CHECK(stats.misses == 1);
  CHECK(stats.extended == 1);
  REQUIRE(cache.Current("F1").ok());
  CHECK(cache.Stats().hits == 1);
}

TEST_CASE("family cache: a check takes the state alone, extended without copying the events") {
  DomainLedger l;
  l.Practitioner("P1");
  REQUIRE(l.OpenFamily("F1").ok());
  projections::FamilyCache cache(l.store());
  using Need = projections::FamilyCache::Need;
  REQUIRE(cache.Current("F1").ok());  // read whole, with its events
  REQUIRE(Note(l, "F1", "N1").ok());
  auto state = cache.Current("F1", Need::kState);
  REQUIRE(state.ok());
  CHECK_FALSE((*state)->has_events);
  CHECK((*state)->events.empty());
  CHECK((*state)->version == 3);
  CHECK(StateJson((*state)->state) == StateJson(Fresh(l, "F1")));
  // A read wants the events: the family is read whole again, and then kept with them.
  auto read = cache.Current("F1");
  REQUIRE(read.ok());
  CHECK((*read)->has_events);
  CHECK((*read)->events.size() == 3);
  CHECK(StateJson((*read)->state) == StateJson(Fresh(l, "F1")));
  auto again = cache.Current("F1", Need::kState);
  REQUIRE(again.ok());
  CHECK((*again)->has_events);  // the kept entry serves a check too
  // A correction replacing data refolds from every event, even for a check.
  REQUIRE(l.Append("family/F1", L::kP1,
                   {{"recordCorrected", R"({"correctsSeq":)" + std::to_string((*read)->last_seq) +
                                            R"(,"reason":"typo","replacement":{"episodeId":"E1",)"
                                            R"("noteId":"N1","category":"contact","text":"fixed",)"
                                            R"("significant":true}})"}})
              .ok());
  auto corrected = cache.Current("F1", Need::kState);
  REQUIRE(corrected.ok());
  CHECK(StateJson((*corrected)->state) == StateJson(Fresh(l, "F1")));
}

TEST_CASE("family cache: an unknown family, a bad id and a family not yet registered then") {
  DomainLedger l;
  l.Practitioner("P1");
  projections::FamilyCache cache(l.store());
  CHECK(cache.Current("F9").status().code() == Code::kNotFound);
  CHECK(cache.Current("no/such").status().code() == Code::kInvalidArgument);
  const uint64_t before = l.store().Size();
  REQUIRE(l.OpenFamily("F1").ok());
  REQUIRE(Note(l, "F1", "N1").ok());
  auto as_of = cache.AsOf("F1", before);
  CHECK(as_of.status().code() == Code::kNotFound);
  auto two = cache.AsOf("F1", before + 2);  // familyRegistered and episodeOpened
  REQUIRE(two.ok());
  CHECK((*two)->events.size() == 2);
  CHECK((*two)->state.episodes.at(0).note_ids.empty());
  // An "as of" cut is made for the call, and the current model is still the whole family.
  auto now = cache.Current("F1");
  REQUIRE(now.ok());
  CHECK((*now)->events.size() == 3);
}

TEST_CASE("family cache: memory stays within its bound with many more families than it holds") {
  constexpr size_t kBound = 64 << 10;
  DomainLedger l({}, kBound);  // the rules take families they did not just write from it
  l.Practitioner("P1");
  constexpr int kFamilies = 400;  // about ten times what the bound holds
  for (int i = 0; i < kFamilies; ++i) {
    const std::string id = "F" + std::to_string(i);
    REQUIRE(l.OpenFamily(id).ok());
    for (int n = 0; n < 3; ++n) {
      REQUIRE(Note(l, id, "N" + std::to_string(n), std::string(64, 'a' + n)).ok());
    }
    REQUIRE(l.cache().Current(id).ok());  // read, as a reader does after writing
    CHECK(l.cache().Stats().bytes <= kBound);
  }
  auto stats = l.cache().Stats();
  INFO("families kept " << stats.families << ", bytes " << stats.bytes);
  CHECK(stats.bytes <= kBound);
  CHECK(stats.families < kFamilies / 5);
  CHECK(stats.evicted > 0);
  // An evicted family is read again whole, equal to a fold apart from the cache.
  auto first = l.cache().Current("F0");
  REQUIRE(first.ok());
  CHECK((*first)->state.episodes.at(0).note_ids.size() == 3);
  CHECK(StateJson((*first)->state) == StateJson(Fresh(l, "F0")));
  // And the rules still judge a family from what the log holds: a note id is never reused.
  REQUIRE_REFUSED(l, Note(l, "F0", "N1"), "corrections-not-edits");
  CHECK(l.cache().Stats().bytes <= kBound);
}

TEST_CASE("family cache: a family larger than the bound is answered and not kept") {
  DomainLedger l;
  l.Practitioner("P1");
  REQUIRE(l.OpenFamily("F1").ok());
  projections::FamilyCache tiny(l.store(), 256);
  auto model = tiny.Current("F1");
  REQUIRE(model.ok());
  CHECK((*model)->events.size() == 2);
  CHECK(tiny.Stats().families == 0);
  CHECK(tiny.Stats().bytes == 0);
}

TEST_CASE("family cache: an answer is rendered once per version and its depends, again after") {
  DomainLedger l;
  l.Practitioner("P1");
  REQUIRE(l.OpenFamily("F1").ok());
  projections::FamilyCache cache(l.store());
  int made = 0;
  auto render = [&](const std::shared_ptr<const projections::FamilyModel>& model) {
    auto text = cache.Rendered(model, "k", [&]() -> Result<projections::RenderedAnswer> {
      ++made;
      auto version = l.store().StreamVersion("practitioner/P1");
      REQUIRE(version.ok());
      return projections::RenderedAnswer{
          "v" + std::to_string(model->version) + "#" + std::to_string(made),
          {{"practitioner/P1", *version}}};
    });
    REQUIRE(text.ok());
    return **text;
  };
  auto v2 = cache.Current("F1");
  REQUIRE(v2.ok());
  CHECK(render(*v2) == "v2#1");
  CHECK(render(*v2) == "v2#1");  // kept
  // A new version of the family: rendered again.
  REQUIRE(Note(l, "F1", "N1").ok());
  auto v3 = cache.Current("F1");
  REQUIRE(v3.ok());
  CHECK(render(*v3) == "v3#2");
  // The old model is no longer the cached one: its answer is made and not kept.
  CHECK(render(*v2) == "v2#3");
  CHECK(render(*v3) == "v3#2");
  // A stream it depends on changed (the practitioner deactivated): rendered again.
  REQUIRE(l.Append("practitioner/P1", L::kAdmin,
                   {{"practitionerDeactivated", R"({"reason":"left the service"})"}})
              .ok());
  CHECK(render(*v3) == "v3#4");
  CHECK(render(*v3) == "v3#4");
  CHECK(cache.Stats().rendered_hits == 3);
}

TEST_CASE("family cache: an erased family leaves the cache and is never kept again") {
  DomainLedger l;
  l.Practitioner("P1");
  REQUIRE(l.OpenFamily("F1").ok());
  REQUIRE(Note(l, "F1", "N1", "a private note").ok());
  projections::FamilyCache cache(l.store());
  REQUIRE(cache.Current("F1").ok());
  CHECK(cache.Stats().families == 1);
  cache.Drop("F1");
  CHECK(cache.Stats().families == 0);
  CHECK(cache.Stats().bytes == 0);
  REQUIRE(cache.Current("F1").ok());
  CHECK(cache.Stats().families == 1);
  REQUIRE(l.Append("family/F1", L::kAdmin,
                   {{"familyErased", R"({"reason":"court order","authorisedBy":"DPO"})"}})
              .ok());
  auto erased = cache.Current("F1");
  REQUIRE(erased.ok());
  CHECK((*erased)->state.erased);
  CHECK(cache.Stats().families == 0);  // extended, then not kept: the clear text is not held
}

}  // namespace
}  // namespace caseledger::testing
