// The model-based test (STYLE.md item 12): random command sequences against the real store
// and a naive model of what it must hold; close, reopen, rebuild from zero, compare.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "ledger/store.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

using testing::Note;
using testing::Request;
using testing::Uuid;

struct ModelEvent {
  std::string stream;
  uint32_t version;
  std::string event_id;
  std::string text;
};

// What the store must hold: the log in order, and what each request was.
struct Model {
  std::vector<ModelEvent> log;
  std::map<std::string, uint32_t> versions;
  std::map<std::string, uint64_t> seq_of_id;
  struct Sent {
    std::string stream;
    std::vector<std::pair<std::string, std::string>> events;  // eventId, text
  };
  std::vector<Sent> accepted;
};

void Compare(Store& store, const Model& model) {
  REQUIRE(store.Size() == model.log.size());
  // Rebuild from zero: fold the whole log again, as a projection would.
  auto log = store.ReadLog(0, model.log.size() + 10);
  REQUIRE(log.ok());
  REQUIRE(log->size() == model.log.size());
  MerkleFrontier rebuilt;
  std::vector<MerkleFrontier::NewNode> scratch;
  std::map<std::string, uint32_t> versions;
  for (size_t i = 0; i < log->size(); ++i) {
    const RecordedEvent& e = (*log)[i];
    const ModelEvent& m = model.log[i];
    INFO("seq " << e.seq);
    CHECK(e.seq == i + 1);
    CHECK(e.stream == m.stream);
    CHECK(e.version == m.version);
    CHECK(e.event_id.ToString() == m.event_id);
    CHECK(e.version == ++versions[e.stream]);
    auto json = EventToJson(e);
    REQUIRE(json.ok());
    CHECK_THAT(*json, Catch::Contains("\"text\":" + JsonQuote(m.text)));
    rebuilt.Append(e.leaf_hash, &scratch);
  }
  CHECK(rebuilt.Root() == store.CurrentCheckpoint().root);
  for (const auto& [stream, v] : model.versions) {
    CHECK(*store.StreamVersion(stream) == v);
    auto events = store.ReadStream(stream, 1, 100000);
    REQUIRE(events.ok());
    CHECK(events->size() == v);
  }
  CHECK(store.Verify(std::nullopt).ok());
}

TEST_CASE("model: random appends, retries, conflicts and reopens agree with a naive model",
          "[ledger][model][slow]") {
  testing::TempDir dir;
  ManualClock clock(testing::kMarch2);
  const uint32_t seed = Catch::rngSeed() != 0 ? Catch::rngSeed() : 20261122;
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  Model model;
  uint64_t next_id = 1;
  auto store = testing::OpenStore(dir.str(), clock);

  for (int step = 0; step < 600; ++step) {
    const int what = pick(100);
    clock.Advance(pick(3) == 0 ? -1'000'000 : 1'000'000);
    if (what < 60) {  // a new request; maybe with a wrong expected version
      std::string stream = "family/F" + std::to_string(pick(6));
      uint32_t current = model.versions[stream];
      int mode = pick(3);
      ExpectedVersion expected = mode == 0   ? ExpectedVersion::Any()
                                 : mode == 1 ? ExpectedVersion::Exactly(current)
                                             : ExpectedVersion::Exactly(current + 1 + pick(3));
      Model::Sent sent{stream, {}};
      std::vector<EventDraft> drafts;
      for (int i = 0, n = 1 + pick(3); i < n; ++i) {
        std::string id = Uuid(next_id++);
        std::string text = "text " + std::to_string(rng());
        sent.events.push_back({id, text});
        drafts.push_back(Note(id, text));
      }
      auto r = store->Append(Request(stream, expected, std::move(drafts)));
      if (mode == 2) {
        REQUIRE(r.status().code() == Code::kAborted);
        CHECK(r.status().current_version() == current);
        continue;
      }
      REQUIRE(r.ok());
      for (const auto& [id, text] : sent.events) {
        model.log.push_back({stream, ++model.versions[stream], id, text});
        model.seq_of_id[id] = model.log.size();
      }
      CHECK(r->version == model.versions[stream]);
      CHECK(r->events.back().seq == model.log.size());
      model.accepted.push_back(std::move(sent));
    } else if (what < 75 && !model.accepted.empty()) {  // a retry of an earlier request
      const auto& sent =
          model.accepted[static_cast<size_t>(pick(static_cast<int>(model.accepted.size())))];
      std::vector<EventDraft> drafts;
      for (const auto& [id, text] : sent.events) drafts.push_back(Note(id, text));
      auto r = store->Append(Request(sent.stream, ExpectedVersion::Exactly(0), std::move(drafts)));
      REQUIRE(r.ok());
      CHECK(r->retry);
      CHECK(r->events.front().seq == model.seq_of_id[sent.events.front().first]);
    } else if (what < 85 && !model.accepted.empty()) {  // an eventId reused for other content
      const auto& sent =
          model.accepted[static_cast<size_t>(pick(static_cast<int>(model.accepted.size())))];
      auto r = store->Append(Request(sent.stream, ExpectedVersion::Any(),
                                     {Note(sent.events.front().first, "changed")}));
      CHECK(r.status().code() == Code::kAlreadyExists);
    } else if (what < 92) {  // several requests at once, as one group commit
      // Two streams with exact versions counted ahead through the batch, then a retry of the
      // batch's first request: each must be judged as if the ones before it were applied.
      std::vector<std::future<Result<AppendResult>>> futures;
      std::vector<Model::Sent> sents;
      std::map<std::string, uint32_t> ahead;
      for (int i = 0; i < 6; ++i) {
        std::string stream = "family/G" + std::to_string(i % 2);
        if (ahead.count(stream) == 0) ahead[stream] = model.versions[stream];
        std::string id = Uuid(next_id++);
        std::string text = "batched " + std::to_string(rng());
        sents.push_back({stream, {{id, text}}});
        futures.push_back(store->AppendAsync(
            Request(stream, ExpectedVersion::Exactly(ahead[stream]++), {Note(id, text)})));
      }
      const auto& first = sents.front();
      auto retry =
          store->AppendAsync(Request(first.stream, ExpectedVersion::Exactly(0),
                                     {Note(first.events[0].first, first.events[0].second)}));
      for (size_t i = 0; i < futures.size(); ++i) {
        auto r = futures[i].get();
        REQUIRE(r.ok());
        const auto& [id, text] = sents[i].events.front();
        model.log.push_back({sents[i].stream, ++model.versions[sents[i].stream], id, text});
        model.seq_of_id[id] = model.log.size();
        CHECK(r->events.front().seq == model.log.size());
      }
      auto r = retry.get();
      REQUIRE(r.ok());
      CHECK(r->retry);
      CHECK(r->events.front().seq == model.seq_of_id[first.events[0].first]);
      for (auto& sent : sents) model.accepted.push_back(std::move(sent));
    } else {  // close and reopen
      store.reset();
      store = testing::OpenStore(dir.str(), clock);
      Compare(*store, model);
    }
  }
  store.reset();
  store = testing::OpenStore(dir.str(), clock);
  Compare(*store, model);
}

}  // namespace
}  // namespace caseledger::ledger
