// The export, verified offline: an honest one passes against its own and kept checkpoints;
// every kind of tampering is caught and located (the seq of the first bad event, or the
// checkpoint it is inconsistent with).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "ledger/export.h"
#include "ledger/internal/tar.h"
#include "ledger/merkle.h"
#include "test_util.h"

namespace caseledger::ledger {
namespace {

using testing::Note;
using testing::OpenStore;
using testing::Request;
using testing::TempDir;
using testing::Uuid;

constexpr int64_t kMinute = 60'000'000;

const NoteSigner& Key() {
  static const NoteSigner key = [] {
    auto k = GenerateSigner("caseledger");
    REQUIRE(k.ok());
    return *k;
  }();
  return key;
}

// Appends notes to families F1..F3 in turn, a minute apart; `texts[i]` is note i+1's text.
void AppendNotes(Store& store, ManualClock& clock, const std::vector<std::string>& texts,
                 uint64_t first_id = 1) {
  for (size_t i = 0; i < texts.size(); ++i) {
    clock.Advance(kMinute);
    REQUIRE(store
                .Append(Request("family/F" + std::to_string(i % 3 + 1), ExpectedVersion::Any(),
                                {Note(Uuid(first_id + i), texts[i])}))
                .ok());
  }
}

std::vector<std::string> Texts(int n, const std::string& prefix = "note ") {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string Signed(const Checkpoint& cp) {
  auto note = SignNote(cp.ToText(), Key());
  REQUIRE(note.ok());
  return *note;
}

// A ledger of `n` notes and its export.
struct Exported {
  TempDir dir;
  ManualClock clock{testing::kMarch2};
  std::unique_ptr<Store> store;
  std::vector<std::string> events;  // the stored bytes, seq 1 first
  std::string file;

  explicit Exported(int n) {
    store = OpenStore(dir / "db", clock);
    AppendNotes(*store, clock, Texts(n));
    auto log = store->ReadLog(0, 1000);
    REQUIRE(log.ok());
    for (const auto& e : *log) events.push_back(e.bytes);
    file = dir / "ledger.export";
    REQUIRE(WriteExport(*store, Key(), file).ok());
  }
};

// The members of an export archive, in order.
std::vector<std::pair<std::string, std::string>> Members(const std::string& path) {
  internal::TarReader tar(path);
  std::vector<std::pair<std::string, std::string>> out;
  internal::TarMember m;
  for (;;) {
    auto more = tar.Next(&m);
    REQUIRE(more.ok());
    if (!*more) break;
    auto bytes = tar.ReadAll(1u << 30);
    REQUIRE(bytes.ok());
    out.emplace_back(m.name, *bytes);
  }
  return out;
}

// Writes an archive of `members` (a well-formed tar, as a careful forger would).
void WriteArchive(const std::string& path,
                  const std::vector<std::pair<std::string, std::string>>& members) {
  internal::TarWriter tar(path);
  for (const auto& [name, bytes] : members) REQUIRE(tar.Add(name, bytes, 0).ok());
  REQUIRE(tar.Finish().ok());
}

// The export rewritten with its events member replaced by `events`.
std::string WithEvents(const Exported& x, const std::vector<std::string>& events) {
  auto members = Members(x.file);
  std::string joined;
  for (const auto& e : events) joined += e;
  REQUIRE(members.back().first == "events");
  members.back().second = joined;
  const std::string path = x.dir / "tampered.export";
  WriteArchive(path, members);
  return path;
}

Result<ExportVerification> Check(const std::string& path,
                                 const std::vector<std::string>& kept = {}) {
  return VerifyExport(path, Key().verifier, kept);
}

void RequireDataLossAt(const Result<ExportVerification>& r, uint64_t seq) {
  INFO(r.status().ToString());
  REQUIRE(r.status().code() == Code::kDataLoss);
  CHECK(r.status().seq() == seq);
  CHECK_THAT(r.status().message(), Catch::Contains("seq " + std::to_string(seq)));
}

TEST_CASE("export: an honest export verifies offline against its own and kept checkpoints",
          "[ledger][export]") {
  Exported x(8);
  const Checkpoint now = x.store->CurrentCheckpoint();
  auto at5 = x.store->Root(5);
  REQUIRE(at5.ok());
  const Checkpoint kept5{now.origin, 5, *at5};
  x.store.reset();  // no database from here on
  auto r = Check(x.file, {Signed(kept5), Signed(now)});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->checkpoint.size == 8);
  CHECK(r->checkpoint.root == now.root);
  CHECK(r->checked_sizes == std::vector<uint64_t>{5, 8, 8});

  auto members = Members(x.file);
  REQUIRE(members.size() == 5);
  CHECK(members[0].first == "README.txt");
  CHECK(members[1].first == "event.capnp");
  CHECK_THAT(members[1].second, Catch::Contains("struct Event {"));
  CHECK(members[2].first == "checkpoint");
  CHECK(members[3].first == "leaves");
  CHECK(members[3].second.size() == 8 * 32);
  CHECK(members[4].first == "events");
  std::string joined;
  for (const auto& e : x.events) joined += e;
  CHECK(members[4].second == joined);  // exactly the stored bytes, in seq order
}

TEST_CASE("export: the empty log exports and verifies", "[ledger][export]") {
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto store = OpenStore(dir / "db", clock);
  auto written = WriteExport(*store, Key(), dir / "empty.export");
  REQUIRE(written.ok());
  CHECK(written->checkpoint.size == 0);
  auto r = Check(dir / "empty.export");
  INFO(r.status().ToString());
  CHECK(r.ok());
}

TEST_CASE("export: every byte flipped in every event, in turn, is caught at that event's seq",
          "[ledger][export]") {
  Exported x(6);
  const std::string original = ReadFile(x.file);
  std::string joined;
  for (const auto& e : x.events) joined += e;
  const size_t events_at = original.find(joined);
  REQUIRE(events_at != std::string::npos);
  const std::string path = x.dir / "flipped.export";
  size_t offset = events_at, tried = 0;
  for (size_t k = 0; k < x.events.size(); ++k) {
    for (size_t i = 0; i < x.events[k].size(); ++i, ++tried) {
      std::string bytes = original;
      bytes[offset + i] ^= static_cast<char>(1 << (i % 8));
      WriteFile(path, bytes);
      INFO("event seq " << k + 1 << ", byte " << i);
      RequireDataLossAt(Check(path), k + 1);
    }
    offset += x.events[k].size();
  }
  CHECK(tried == joined.size());
}

TEST_CASE("export: a deleted event is caught at its seq", "[ledger][export]") {
  Exported x(8);
  for (size_t gone : {0u, 3u, 7u}) {
    auto events = x.events;
    events.erase(events.begin() + static_cast<long>(gone));
    INFO("deleted seq " << gone + 1);
    RequireDataLossAt(Check(WithEvents(x, events)), gone + 1);
  }
}

TEST_CASE("export: two events swapped are caught at the first of them", "[ledger][export]") {
  Exported x(8);
  auto events = x.events;
  std::swap(events[2], events[5]);
  RequireDataLossAt(Check(WithEvents(x, events)), 3);
  events = x.events;
  std::swap(events[6], events[7]);
  RequireDataLossAt(Check(WithEvents(x, events)), 7);
}

TEST_CASE("export: an event added past the signed checkpoint is caught", "[ledger][export]") {
  Exported x(5);
  auto events = x.events;
  events.push_back(x.events[4]);
  auto r = Check(WithEvents(x, events));
  RequireDataLossAt(r, 6);
  CHECK_THAT(r.status().message(), Catch::Contains("no signature covers it"));
}

TEST_CASE("export: an altered leaf (a tree node of the export) is caught and located",
          "[ledger][export]") {
  Exported x(8);
  auto members = Members(x.file);
  members[3].second[4 * 32 + 7] ^= 1;  // the leaf of seq 5
  const std::string path = x.dir / "leaf.export";
  WriteArchive(path, members);
  auto r = Check(path);
  RequireDataLossAt(r, 5);
  CHECK_THAT(r.status().message(), Catch::Contains("leaves"));
}

TEST_CASE("export: an event rewritten with its leaf and checkpoint re-made fails the signature",
          "[ledger][export]") {
  Exported x(6);
  auto members = Members(x.file);
  // The forger changes note 2, re-hashes its leaf, and writes a checkpoint of the new root,
  // but cannot sign it: they have no key.
  auto forged_key = GenerateSigner("caseledger");
  REQUIRE(forged_key.ok());
  std::string& events = members[4].second;
  const size_t at = events.find("note 2");
  REQUIRE(at != std::string::npos);
  events[at + 5] = '9';
  Checkpoint cp = x.store->CurrentCheckpoint();
  auto note = SignNote(cp.ToText(), *forged_key);
  REQUIRE(note.ok());
  members[2].second = *note;
  const std::string path = x.dir / "forged.export";
  WriteArchive(path, members);
  auto r = Check(path);
  REQUIRE(r.status().code() == Code::kDataLoss);
  CHECK_THAT(r.status().message(), Catch::Contains("not signed by"));
}

TEST_CASE("export: truncated to fewer events than its checkpoint, the first missing seq is named",
          "[ledger][export]") {
  Exported x(8);
  auto events = x.events;
  events.resize(6);
  RequireDataLossAt(Check(WithEvents(x, events)), 7);
  // A file cut short by a copy that failed part way.
  const std::string original = ReadFile(x.file);
  const std::string cut = x.dir / "cut.export";
  WriteFile(cut, original.substr(0, original.size() - 1400));
  auto r = Check(cut);
  CHECK(r.status().code() == Code::kDataLoss);
}

TEST_CASE("export: a log truncated and re-grown differently fails the auditor's kept checkpoint",
          "[ledger][export]") {
  // The auditor kept a checkpoint at size 6 of the honest log.
  Exported honest(8);
  auto root6 = honest.store->Root(6);
  REQUIRE(root6.ok());
  const std::string kept = Signed({"caseledger", 6, *root6});
  // The operator cut the log back to 4 events and wrote 5 others, signing with the same key.
  TempDir dir;
  ManualClock clock(testing::kMarch2);
  auto regrown = OpenStore(dir / "db", clock);
  AppendNotes(*regrown, clock, Texts(4));
  AppendNotes(*regrown, clock, Texts(5, "other "), 100);
  {
    auto first4 = regrown->Root(4);
    REQUIRE(first4.ok());
    auto honest4 = honest.store->Root(4);
    REQUIRE(honest4.ok());
    REQUIRE(*first4 == *honest4);  // the same first four events
  }
  const std::string file = dir / "regrown.export";
  REQUIRE(WriteExport(*regrown, Key(), file).ok());
  CHECK(Check(file).ok());  // consistent with itself...
  auto r = Check(file, {kept});
  REQUIRE(r.status().code() == Code::kDataLoss);  // ...but not with what the auditor saw
  CHECK_THAT(r.status().message(), Catch::Contains("checkpoint of size 6 is inconsistent"));
  // A kept checkpoint larger than the export: events were removed (or the export is older).
  auto root8 = honest.store->Root(8);
  REQUIRE(root8.ok());
  Exported shorter(5);
  RequireDataLossAt(Check(shorter.file, {Signed({"caseledger", 8, *root8})}), 6);
}

TEST_CASE("export: checkpoints not signed by the key, or of another log, are refused",
          "[ledger][export]") {
  Exported x(4);
  auto other = GenerateSigner("caseledger");
  REQUIRE(other.ok());
  auto r = VerifyExport(x.file, other->verifier, {});
  CHECK(r.status().code() == Code::kDataLoss);  // the export's own is not by that key
  auto stranger = SignNote(x.store->CurrentCheckpoint().ToText(), *other);
  REQUIRE(stranger.ok());
  CHECK(Check(x.file, {*stranger}).status().code() == Code::kInvalidArgument);
  Checkpoint elsewhere = x.store->CurrentCheckpoint();
  elsewhere.origin = "elsewhere";
  CHECK(Check(x.file, {Signed(elsewhere)}).status().code() == Code::kInvalidArgument);
  CHECK(Check(x.dir / "no-such.export").status().code() != Code::kOk);
}

TEST_CASE("export: a damaged archive header is caught", "[ledger][export]") {
  Exported x(3);
  std::string bytes = ReadFile(x.file);
  bytes[10] ^= 1;  // the first member's name: its header checksum fails
  const std::string path = x.dir / "header.export";
  WriteFile(path, bytes);
  auto r = Check(path);
  REQUIRE(r.status().code() == Code::kDataLoss);
  CHECK_THAT(r.status().message(), Catch::Contains("checksum"));
}

}  // namespace
}  // namespace caseledger::ledger
